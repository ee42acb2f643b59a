/* test-tunnel-tinyproxy.c: set_tunnel through a real proxy, Debian's
 * tinyproxy, started on a free loopback port and stopped by pid */
#include <httplib/httplib.h>
#include <string.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-server.h"
#include "test-tinyproxy.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

static TestTinyproxy *
start_or_skip (void)
{
  GError *error = NULL;
  TestTinyproxy *proxy = test_tinyproxy_start (&error);

  /* scripts/install-deps.sh installs tinyproxy: missing means a bare machine. */
  if (proxy == NULL)
    {
      ck_assert_msg (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND),
                     "tinyproxy did not start: %s", error->message);
      g_printerr ("skipped: %s\n", error->message);
      g_error_free (error);
    }
  return proxy;
}

static HttplibConnection *
through (TestTinyproxy *proxy, gboolean https, const char *host, guint port)
{
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autofree char *proxy_host = g_strdup_printf ("127.0.0.1:%u", test_tinyproxy_get_port (proxy));
  GError *error = NULL;
  HttplibConnection *conn;

  httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
  conn = https ? httplib_connection_new_https (proxy_host, 0, settings, &error)
               : httplib_connection_new (proxy_host, 0, &error);
  httplib_assert_no_error (error);
  httplib_connection_set_timeout (conn, 10, NULL);
  ck_assert (httplib_connection_set_tunnel (conn, host, port, NULL, &error));
  return conn;
}

START_TEST (test_http_through_tinyproxy)
{
  const char *steps[] = { OK_HELLO, OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestTinyproxy) proxy = start_or_skip ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *host = NULL;

  if (proxy == NULL)
    return;
  conn = through (proxy, FALSE, "127.0.0.1", test_server_get_port (origin));
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/x", NULL, NULL);

      test_assert_body (response, "hello");
    }
  /* tinyproxy answers in HTTP/1.0; the tunnel carried both requests. */
  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 200);
  ck_assert_str_eq (httplib_headers_get_one (httplib_connection_get_proxy_response_headers (conn),
                                             "Proxy-agent"), "tinyproxy/1.11.1");
  ck_assert_uint_eq (test_server_get_n_connections (origin), 1);
  host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (origin));
  request = test_server_get_request (origin, 1);
  test_assert_request_line (request, "GET /x HTTP/1.1");
  test_assert_request_header (request, "Host", host);
}
END_TEST

START_TEST (test_https_through_tinyproxy)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };
  g_autoptr(TestServer) origin = NULL;
  g_autoptr(TestTinyproxy) proxy = start_or_skip ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autofree char *sni = NULL;

  if (proxy == NULL)
    return;
  options.cert_file = certs->server_cert_file;
  options.key_file = certs->server_key_file;
  origin = test_server_new_script_tls (steps, 0, &options);
  conn = through (proxy, TRUE, "localhost", test_server_get_port (origin));
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  sni = test_server_get_tls_server_name (origin, 0);
  ck_assert_str_eq (sni, "localhost");
  ck_assert (httplib_tls_info_get_verified (httplib_connection_get_tls_info (conn)));
}
END_TEST

START_TEST (test_filtered_host)
{
  g_autoptr(TestTinyproxy) proxy = start_or_skip ();
  g_autoptr(HttplibConnection) conn = NULL;
  GError *error = NULL;

  if (proxy == NULL)
    return;
  conn = through (proxy, TRUE, TEST_TINYPROXY_FORBIDDEN_HOST, 443);
  ck_assert (!httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TUNNEL_FAILED);
  ck_assert_msg (strstr (error->message, "403 Filtered") != NULL, "%s", error->message);
  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 403);
  g_error_free (error);
}
END_TEST

static Suite *
tinyproxy_suite (void)
{
  Suite *suite = suite_create ("tunnel-tinyproxy");
  TCase *tc = tcase_create ("tinyproxy");

  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_http_through_tinyproxy);
  tcase_add_test (tc, test_https_through_tinyproxy);
  tcase_add_test (tc, test_filtered_host);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (tinyproxy_suite)
