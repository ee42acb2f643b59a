/* test-expect.c: Expect: 100-continue — the body waits for the server's
 * 100, goes anyway when none comes, and is skipped when a final status
 * comes first */
#include <httplib/httplib.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

#define BODY "name=value&more=data"
#define OK_BYTES "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

/* --- server side --- */

static gsize
content_length (const GString *head)
{
  const char *field = strstr (head->str, "Content-Length: ");

  return field ? (gsize) g_ascii_strtoull (field + 16, NULL, 10) : 0;
}

/* Answers the head with the interim responses in user_data, then reads the
 * body and answers 200. */
static void
interim_then_ok (TestConn *conn, guint index, gpointer user_data)
{
  g_autoptr(GString) head = test_conn_read_head (conn);
  g_autoptr(GString) body = g_string_new (NULL);

  if (head == NULL || !test_conn_write (conn, user_data, -1))
    return;
  if (test_conn_read_exact (conn, content_length (head), body))
    test_conn_write (conn, OK_BYTES, -1);
}

/* Connection 0 refuses the request on its head alone and waits for the
 * client to close; later connections answer normally. */
static void
final_first (TestConn *conn, guint index, gpointer user_data)
{
  if (index == 0)
    {
      g_autoptr(GString) head = test_conn_read_head (conn);

      if (head != NULL &&
          test_conn_write (conn, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 6\r\n\r\ndenied", -1))
        g_string_free (test_conn_read_until_close (conn), TRUE);
      return;
    }
  g_autoptr(GString) request = test_conn_read_request (conn);

  if (request != NULL)
    test_conn_write (conn, OK_BYTES, -1);
}

/* --- client side --- */

static HttplibHeaders *
expect_headers (void)
{
  HttplibHeaders *headers = httplib_headers_new ();

  httplib_headers_append (headers, "Expect", "100-continue");
  return headers;
}

static HttplibBodySource *
file_body (const char *data)
{
  g_autofree char *path = NULL;
  GError *error = NULL;
  HttplibBodySource *body;
  int fd = g_file_open_tmp ("httplib-expect-XXXXXX", &path, NULL);

  ck_assert_int_ge (fd, 0);
  ck_assert_int_eq (write (fd, data, strlen (data)), (gssize) strlen (data));
  ck_assert_int_eq (lseek (fd, 0, SEEK_SET), 0);
  g_unlink (path);
  body = httplib_body_source_new_for_fd (fd, TRUE, &error);
  httplib_assert_no_error (error);
  return body;
}

static void
on_informational (const GValue *params, guint n_params, gpointer user_data)
{
  GString *log = user_data;

  g_string_append_printf (log, "%s%" G_GINT64_FORMAT, log->len ? " " : "",
                          test_value_get_int (&params[0]));
}

/* PUTs BODY from a file with Expect: 100-continue and checks what the
 * server got: the head, then the whole body after the interim answers. */
static void
check_continue (TestServer *server, HttplibConnection *conn, const char *expected_interim)
{
  g_autoptr(HttplibHeaders) headers = expect_headers ();
  g_autoptr(HttplibBodySource) body = file_body (BODY);
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GString) interim = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize size;

  test_signal_connect (conn, "informational", on_informational, interim);
  /* Long enough that only the 100 can release the body. */
  ck_assert (httplib_connection_set_continue_timeout (conn, 30, NULL));
  ck_assert (httplib_connection_request (conn, "PUT", "/upload", body, headers, NULL, &error));
  httplib_assert_no_error (error);
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (httplib_response_get_status (response), 200);
  test_assert_body (response, "ok");
  ck_assert_str_eq (interim->str, expected_interim);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);

  ck_assert (test_server_wait_handled (server, 1));
  received = test_server_get_received (server, 0);
  data = g_bytes_get_data (received, &size);
  ck_assert_msg (size > strlen (BODY) &&
                 memcmp (data + size - strlen (BODY), BODY, strlen (BODY)) == 0,
                 "the server got %s", test_escape (data, size));
  ck_assert (g_strstr_len (data, size, "\r\nExpect: 100-continue\r\n") != NULL);
  ck_assert (g_strstr_len (data, size, "\r\nContent-Length: 20\r\n") != NULL);
}

START_TEST (test_body_after_100)
{
  g_autoptr(TestServer) server =
    test_server_new (interim_then_ok, (gpointer) "HTTP/1.1 100 Continue\r\n\r\n");
  g_autoptr(HttplibConnection) conn = test_connect_to (server);

  check_continue (server, conn, "100");
}
END_TEST

/* Other interim responses (103 Early Hints) are reported and waited past. */
START_TEST (test_body_after_103_and_100)
{
  g_autoptr(TestServer) server =
    test_server_new (interim_then_ok,
                     (gpointer) "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                                "HTTP/1.1 100 Continue\r\n\r\n");
  g_autoptr(HttplibConnection) conn = test_connect_to (server);

  check_continue (server, conn, "103 100");
}
END_TEST

/* The wait polls the TLS stream, not the socket under it. */
START_TEST (test_body_after_100_tls)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { .cert_file = certs->server_cert_file,
                             .key_file = certs->server_key_file };
  g_autoptr(TestServer) server =
    test_server_new_tls (interim_then_ok, (gpointer) "HTTP/1.1 100 Continue\r\n\r\n", &options);
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autofree char *host = g_strdup_printf ("localhost:%u", test_server_get_port (server));
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  httplib_tls_settings_set_ca_file (settings, certs->ca_file);
  conn = httplib_connection_new_https (host, 0, settings, &error);
  httplib_assert_no_error (error);
  check_continue (server, conn, "100");
}
END_TEST

/* A final status before any 100: the body is never sent, the response is
 * the caller's, and the connection closes after it (the server may still
 * wait for the body it announced); the next request reconnects. */
START_TEST (test_final_status_skips_body)
{
  g_autoptr(TestServer) server = test_server_new (final_first, NULL);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibHeaders) headers = expect_headers ();
  g_autoptr(HttplibBodySource) body = file_body (BODY);
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;

  ck_assert (httplib_connection_set_continue_timeout (conn, 30, NULL));
  ck_assert (httplib_connection_request (conn, "PUT", "/upload", body, headers, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_REQUEST_SENT);
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (httplib_response_get_status (response), 401);
  ck_assert_str_eq (httplib_response_get_reason (response), "Unauthorized");
  ck_assert (httplib_response_get_will_close (response));
  test_assert_body (response, "denied");
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);

  /* Exactly the head reached the server: not one byte of body. */
  ck_assert (test_server_wait_handled (server, 1));
  received = test_server_get_received (server, 0);
  head = g_strndup (g_bytes_get_data (received, NULL), g_bytes_get_size (received));
  ck_assert_msg (g_str_has_prefix (head, "PUT /upload HTTP/1.1\r\n") &&
                 g_str_has_suffix (head, "\r\n\r\n"), "the server got %s", head);

  g_clear_object (&response);
  response = test_do_request (conn, "GET", "/next", NULL, NULL);
  test_assert_body (response, "ok");
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);
}
END_TEST

/* A server that ignores Expect: the body goes when the wait runs out. */
START_TEST (test_body_after_timeout)
{
  static const char * const steps[] = { OK_BYTES, OK_BYTES, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibHeaders) headers = expect_headers ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) request_body = NULL;
  double waits[] = { 0.05, 0 };  /* a short wait, and none */

  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    {
      g_autoptr(HttplibResponse) response = NULL;
      g_autoptr(GBytes) bytes = g_bytes_new_static (BODY, strlen (BODY));

      ck_assert (httplib_connection_set_continue_timeout (conn, waits[i], NULL));
      ck_assert (httplib_connection_request_bytes (conn, "POST", "/form", bytes, headers,
                                                   NULL, &error));
      httplib_assert_no_error (error);
      response = httplib_connection_get_response (conn, NULL, &error);
      httplib_assert_no_error (error);
      test_assert_body (response, "ok");

      request = test_server_get_request (server, i);
      request_body = test_request_get_body (request);
      test_assert_bytes_equal (request_body, BODY, -1, "body after the wait");
      g_clear_pointer (&request, g_bytes_unref);
      g_clear_pointer (&request_body, g_bytes_unref);
    }
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
}
END_TEST

/* A body of unknown length (a pipe) waits the same way and goes chunked. */
START_TEST (test_chunked_body_after_wait)
{
  g_autoptr(TestServer) server = test_server_new_script ((const char *[]) { OK_BYTES, NULL }, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibHeaders) headers = expect_headers ();
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GError) error = NULL;
  int fds[2];

  ck_assert_int_eq (pipe (fds), 0);
  ck_assert_int_eq (write (fds[1], BODY, strlen (BODY)), (gssize) strlen (BODY));
  close (fds[1]);
  body = httplib_body_source_new_for_fd (fds[0], TRUE, &error);
  httplib_assert_no_error (error);

  /* The scripted server sends no 100: the short wait releases the body. */
  ck_assert (httplib_connection_set_continue_timeout (conn, 0.05, NULL));
  ck_assert (httplib_connection_request (conn, "PUT", "/", body, headers, NULL, &error));
  httplib_assert_no_error (error);
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (response, "ok");

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Transfer-Encoding", "chunked");
  raw = test_request_get_body (request);
  decoded = test_decode_chunked (raw);
  ck_assert_ptr_nonnull (decoded);
  test_assert_bytes_equal (decoded, BODY, -1, "decoded chunked body");
}
END_TEST


/* Cancelled while waiting for the 100 (the server never answers): the
 * request fails with CANCELLED and the connection closes. */
START_TEST (test_cancelled_wait)
{
  static const char * const steps[] = { TEST_STEP_READ_HANG, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibHeaders) headers = expect_headers ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (BODY, strlen (BODY));
  g_autoptr(GError) error = NULL;
  GThread *canceller;

  ck_assert (httplib_connection_set_continue_timeout (conn, 30, NULL));
  canceller = test_cancel_later (cancellable, 100);
  ck_assert (!httplib_connection_request_bytes (conn, "PUT", "/", bytes, headers,
                                                cancellable, &error));
  g_thread_join (canceller);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
}
END_TEST

/* Bad waits get G_IO_ERROR_INVALID_ARGUMENT and leave the setting alone. */
START_TEST (test_continue_timeout_property)
{
  g_autoptr(HttplibConnection) conn = httplib_connection_new ("localhost", 80, NULL);
  g_autoptr(GError) error = NULL;
  double value = 0;

  ck_assert (httplib_connection_get_continue_timeout (conn) == 1.0);
  ck_assert (!httplib_connection_set_continue_timeout (conn, -1, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  ck_assert (strstr (error->message, "continue timeout -1") != NULL);
  g_clear_error (&error);
  ck_assert (!httplib_connection_set_continue_timeout (conn, NAN, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  ck_assert (httplib_connection_get_continue_timeout (conn) == 1.0);

  g_object_set (conn, "continue-timeout", 2.5, NULL);
  g_object_get (conn, "continue-timeout", &value, NULL);
  ck_assert (value == 2.5);
}
END_TEST

static Suite *
expect_suite (void)
{
  Suite *suite = suite_create ("expect");
  TCase *tc = tcase_create ("continue");

  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_body_after_100);
  tcase_add_test (tc, test_body_after_103_and_100);
  tcase_add_test (tc, test_body_after_100_tls);
  tcase_add_test (tc, test_final_status_skips_body);
  tcase_add_test (tc, test_body_after_timeout);
  tcase_add_test (tc, test_chunked_body_after_wait);
  tcase_add_test (tc, test_cancelled_wait);
  tcase_add_test (tc, test_continue_timeout_property);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (expect_suite)
