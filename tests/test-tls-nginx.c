/* test-tls-nginx.c: HTTPS against a real server, Debian's nginx, started
 * on a free loopback port with the generated certificates and stopped by
 * pid: keep-alive, session resumption, certificate checks (the body
 * framings are in test-nginx.c) */
#include <httplib/httplib.h>
#include <string.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-nginx.h"
#include "test-utils.h"

static TestNginx *
start_or_skip (const char *cert_file, const char *key_file)
{
  GError *error = NULL;
  TestNginx *nginx = test_nginx_start (cert_file, key_file, &error);

  /* scripts/install-deps.sh installs nginx: missing means a bare machine. */
  if (nginx == NULL)
    {
      ck_assert_msg (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND),
                     "nginx did not start: %s", error->message);
      g_printerr ("skipped: %s\n", error->message);
      g_error_free (error);
    }
  return nginx;
}

static HttplibConnection *
https_to (TestNginx *nginx, const char *host)
{
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autofree char *host_port = g_strdup_printf ("%s:%u", host, test_nginx_get_port (nginx));
  GError *error = NULL;
  HttplibConnection *conn;

  httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
  conn = httplib_connection_new_https (host_port, 0, settings, &error);
  httplib_assert_no_error (error);
  httplib_connection_set_timeout (conn, 10, NULL);
  return conn;
}

START_TEST (test_keep_alive)
{
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestNginx) nginx = start_or_skip (certs->server_cert_file, certs->server_key_file);
  g_autoptr(HttplibConnection) conn = NULL;
  int fd = -1;

  if (nginx == NULL)
    return;
  conn = https_to (nginx, "localhost");
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/index.html", NULL, NULL);

      ck_assert_uint_eq (httplib_response_get_status (response), 200);
      /* One TLS connection carries every request. */
      if (i == 0)
        fd = httplib_response_fileno (response);
      ck_assert_int_eq (httplib_response_fileno (response), fd);
      test_assert_body (response, TEST_NGINX_INDEX);
    }
  ck_assert_str_eq (httplib_tls_info_get_peer_subject (httplib_connection_get_tls_info (conn)),
                    "CN=localhost");
}
END_TEST

START_TEST (test_head_and_missing)
{
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestNginx) nginx = start_or_skip (certs->server_cert_file, certs->server_key_file);
  g_autoptr(HttplibConnection) conn = NULL;
  HttplibResponse *response;

  if (nginx == NULL)
    return;
  conn = https_to (nginx, "127.0.0.1");
  response = test_do_request (conn, "HEAD", "/index.html", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 200);
  ck_assert_str_eq (httplib_response_get_header (response, "Content-Length", NULL), "17");
  test_assert_body (response, "");
  g_object_unref (response);

  response = test_do_request (conn, "GET", "/missing", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 404);
  g_bytes_unref (test_read_all (response));
  g_object_unref (response);
}
END_TEST

START_TEST (test_big_download)
{
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestNginx) nginx = start_or_skip (certs->server_cert_file, certs->server_key_file);
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize bad = 0;

  if (nginx == NULL)
    return;
  conn = https_to (nginx, "localhost");
  response = test_do_request (conn, "GET", "/big.bin", NULL, NULL);
  body = test_read_all (response);
  ck_assert_uint_eq (g_bytes_get_size (body), TEST_NGINX_BIG_SIZE);
  /* One assertion, not one per byte: Check records each (slow under valgrind). */
  ck_assert_msg (test_nginx_big_matches (g_bytes_get_data (body, NULL), TEST_NGINX_BIG_SIZE, 0, &bad),
                 "byte %" G_GSIZE_FORMAT " is wrong", bad);
}
END_TEST

START_TEST (test_resume)
{
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestNginx) nginx = start_or_skip (certs->server_cert_file, certs->server_key_file);
  g_autoptr(HttplibConnection) conn = NULL;

  if (nginx == NULL)
    return;
  conn = https_to (nginx, "localhost");
  for (int round = 0; round < 2; round++)
    {
      g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/index.html", NULL, NULL);

      test_assert_body (response, TEST_NGINX_INDEX);
      ck_assert_int_eq (httplib_tls_info_get_session_resumed (httplib_connection_get_tls_info (conn)),
                        round == 1);
      httplib_connection_close (conn);
    }
}
END_TEST

START_TEST (test_expired_refused)
{
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestNginx) nginx = start_or_skip (certs->expired_cert_file, certs->expired_key_file);
  g_autoptr(HttplibConnection) conn = NULL;
  GError *error = NULL;

  if (nginx == NULL)
    return;
  conn = https_to (nginx, "localhost");
  ck_assert (!httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  ck_assert_msg (strstr (error->message, "expired on") != NULL, "%s", error->message);
  g_error_free (error);
}
END_TEST

static Suite *
nginx_suite (void)
{
  Suite *suite = suite_create ("tls-nginx");
  TCase *tc = tcase_create ("nginx");

  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_keep_alive);
  tcase_add_test (tc, test_head_and_missing);
  tcase_add_test (tc, test_big_download);
  tcase_add_test (tc, test_resume);
  tcase_add_test (tc, test_expired_refused);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (nginx_suite)
