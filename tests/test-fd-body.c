/* test-fd-body.c: request bodies from file descriptors through the fd
 * plugin, checked byte for byte at the loopback server */
#include <httplib/httplib.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_EMPTY "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define BIG_SIZE (64 * 1024 * 1024)

/* --- helpers --- */

/* A temporary file holding data, open read-only; the name is removed. */
static int
file_with (const char *data, gsize len)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("httplib-fd-XXXXXX", &path, NULL);

  ck_assert_int_ge (fd, 0);
  ck_assert (g_file_set_contents (path, data, (gssize) len, NULL));
  close (fd);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  ck_assert_int_ge (fd, 0);
  g_unlink (path);
  return fd;
}

static HttplibBodySource *
source_for (int fd)
{
  GError *error = NULL;
  HttplibBodySource *body = httplib_body_source_new_for_fd (fd, TRUE, &error);

  httplib_assert_no_error (error);
  return body;
}

static void
put (HttplibConnection *conn, HttplibBodySource *body)
{
  GError *error = NULL;
  g_autoptr(HttplibResponse) response = NULL;

  ck_assert (httplib_connection_request (conn, "PUT", "/upload", body, NULL, NULL, &error));
  httplib_assert_no_error (error);
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (response, "");
}

static guint8 *
pattern (gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) ((i * 131) >> 3);
  return data;
}

/* --- regular files --- */

START_TEST (test_file_from_start)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibBodySource) body = source_for (file_with ("hello file body", 15));
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) sent = NULL;

  ck_assert_int_eq (httplib_body_source_get_length (body), 15);
  put (conn, body);
  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Content-Length", "15");
  test_assert_request_header (request, "Transfer-Encoding", NULL);
  sent = test_request_get_body (request);
  test_assert_bytes_equal (sent, "hello file body", 15, "body");
}
END_TEST

START_TEST (test_file_from_offset)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  int fd = file_with ("hello file body", 15);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) sent = NULL;

  ck_assert_int_eq (lseek (fd, 6, SEEK_SET), 6);
  body = source_for (fd);
  ck_assert_int_eq (httplib_body_source_get_length (body), 9);
  put (conn, body);
  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Content-Length", "9");
  sent = test_request_get_body (request);
  test_assert_bytes_equal (sent, "file body", 9, "body");
}
END_TEST

START_TEST (test_empty_file)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibBodySource) body = source_for (file_with ("", 0));
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) sent = NULL;

  put (conn, body);
  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Content-Length", "0");
  sent = test_request_get_body (request);
  ck_assert_uint_eq (g_bytes_get_size (sent), 0);
}
END_TEST

/* 64 MiB, by sendfile over plain TCP and in blocks over TLS. */
static void
check_big_upload (gboolean tls)
{
  const char *steps[] = { OK_EMPTY, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };
  g_autofree guint8 *data = pattern (BIG_SIZE);
  g_autoptr(TestServer) server = NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibBodySource) body = source_for (file_with ((const char *) data, BIG_SIZE));
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) sent = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;
  GError *error = NULL;

  if (tls)
    {
      g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
      g_autofree char *host = NULL;

      options.cert_file = certs->server_cert_file;
      options.key_file = certs->server_key_file;
      server = test_server_new_script_tls (steps, 0, &options);
      host = g_strdup_printf ("localhost:%u", test_server_get_port (server));
      httplib_tls_settings_set_ca_file (settings, certs->ca_file);
      conn = httplib_connection_new_https (host, 0, settings, &error);
      httplib_assert_no_error (error);
    }
  else
    {
      server = test_server_new_script (steps, 0);
      conn = test_connect_to (server);
    }
  httplib_connection_set_timeout (conn, 30, NULL);
  put (conn, body);

  request = test_server_get_request (server, 0);
  sent = test_request_get_body (request);
  ck_assert_uint_eq (g_bytes_get_size (sent), BIG_SIZE);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, BIG_SIZE);
  actual = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, sent);
  ck_assert_str_eq (actual, expected);
}

START_TEST (test_big_file_sendfile)
{
  check_big_upload (FALSE);
}
END_TEST

START_TEST (test_big_file_tls_blocks)
{
  check_big_upload (TRUE);
}
END_TEST

/* --- pipes --- */

START_TEST (test_pipe_is_chunked)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) decoded = NULL;
  int fds[2];

  ck_assert (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  ck_assert_int_eq (write (fds[1], "from a pipe", 11), 11);
  close (fds[1]);
  body = source_for (fds[0]);
  ck_assert_int_eq (httplib_body_source_get_length (body), -1);
  put (conn, body);

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Transfer-Encoding", "chunked");
  test_assert_request_header (request, "Content-Length", NULL);
  raw = test_request_get_body (request);
  decoded = test_decode_chunked (raw);
  ck_assert_ptr_nonnull (decoded);
  test_assert_bytes_equal (decoded, "from a pipe", 11, "decoded body");
}
END_TEST


/* A pipe whose writer never finishes: cancelling ends the upload. */
START_TEST (test_cancel_upload)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;
  int fds[2];

  ck_assert (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  body = source_for (fds[0]);
  thread = test_cancel_later (cancellable, 200);
  ck_assert (!httplib_connection_request (conn, "PUT", "/", body, NULL, cancellable, &error));
  g_thread_join (thread);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
  close (fds[1]);
}
END_TEST

/* --- the step-by-step API and the caller's framing --- */

/* put_request, put_header, end_headers, then send_body: the caller frames
 * the body, by length from a file and chunked from a pipe. */
START_TEST (test_end_headers_then_send_body)
{
  const char *steps[] = { OK_EMPTY, OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibBodySource) file = source_for (file_with ("file body", 9));
  g_autoptr(HttplibBodySource) piped = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GError) error = NULL;
  int fds[2];

  ck_assert (httplib_connection_put_request (conn, "PUT", "/file", FALSE, FALSE, NULL, &error));
  ck_assert (httplib_connection_put_header (conn, "Content-Length", "9", &error));
  ck_assert (httplib_connection_end_headers (conn, NULL, NULL, &error));
  ck_assert (httplib_connection_send_body (conn, file, FALSE, NULL, &error));
  httplib_assert_no_error (error);
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (response, "");
  g_clear_object (&response);

  ck_assert (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  ck_assert_int_eq (write (fds[1], "piped body", 10), 10);
  close (fds[1]);
  piped = source_for (fds[0]);
  ck_assert (httplib_connection_put_request (conn, "PUT", "/pipe", FALSE, FALSE, NULL, &error));
  ck_assert (httplib_connection_put_header (conn, "Transfer-Encoding", "chunked", &error));
  ck_assert (httplib_connection_end_headers (conn, NULL, NULL, &error));
  ck_assert (httplib_connection_send_body (conn, piped, TRUE, NULL, &error));
  httplib_assert_no_error (error);
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (response, "");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "PUT /file HTTP/1.1");
  sent = test_request_get_body (request);
  test_assert_bytes_equal (sent, "file body", 9, "body sent by send_body");
  g_clear_pointer (&request, g_bytes_unref);
  g_clear_pointer (&sent, g_bytes_unref);
  request = test_server_get_request (server, 1);
  sent = test_request_get_body (request);
  decoded = test_decode_chunked (sent);
  ck_assert_ptr_nonnull (decoded);
  test_assert_bytes_equal (decoded, "piped body", 10, "chunked body sent by send_body");
}
END_TEST

/* send_body outside its place: NOT_CONNECTED before any connection,
 * IMPROPER_CONNECTION_STATE before the head is ended. */
START_TEST (test_send_body_out_of_order)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));
  g_autoptr(HttplibConnection) conn = httplib_connection_new (host, 0, NULL);
  g_autoptr(HttplibBodySource) body = source_for (file_with ("x", 1));
  g_autoptr(GError) error = NULL;

  ck_assert (!httplib_connection_send_body (conn, body, FALSE, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  ck_assert (httplib_connection_put_request (conn, "PUT", "/", FALSE, FALSE, NULL, &error));
  ck_assert (!httplib_connection_send_body (conn, body, FALSE, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE);
}
END_TEST

/* The caller's Content-Length or Transfer-Encoding wins, never doubled. */
START_TEST (test_caller_framing_kept)
{
  const char *steps[] = { OK_EMPTY, OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibHeaders) length = httplib_headers_new ();
  g_autoptr(HttplibHeaders) chunked = httplib_headers_new ();
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) decoded = NULL;
  GError *error = NULL;
  HttplibBodySource *body;
  HttplibResponse *response;

  httplib_headers_append (length, "content-length", "5");
  body = source_for (file_with ("hello", 5));
  ck_assert (httplib_connection_request (conn, "PUT", "/", body, length, NULL, &error));
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (response, "");
  g_object_unref (response);
  g_object_unref (body);

  httplib_headers_append (chunked, "Transfer-Encoding", "chunked");
  body = source_for (file_with ("hello", 5));
  ck_assert (httplib_connection_request (conn, "PUT", "/", body, chunked, NULL, &error));
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (response, "");
  g_object_unref (response);
  g_object_unref (body);

  first = test_server_get_request (server, 0);
  ck_assert_uint_eq (test_request_count_header (first, "Content-Length"), 1);
  test_assert_request_header (first, "Transfer-Encoding", NULL);
  second = test_server_get_request (server, 1);
  ck_assert_uint_eq (test_request_count_header (second, "Transfer-Encoding"), 1);
  test_assert_request_header (second, "Content-Length", NULL);
  raw = test_request_get_body (second);
  decoded = test_decode_chunked (raw);
  ck_assert_ptr_nonnull (decoded);
  test_assert_bytes_equal (decoded, "hello", 5, "file body framed as the caller asked");
}
END_TEST

/* --- descriptors that cannot be sent, and who closes them --- */

START_TEST (test_bad_descriptors)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("httplib-fd-dir-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "w", NULL);
  int dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int write_fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  int closed_fd = dup (write_fd);

  close (closed_fd);
  ck_assert_ptr_null (httplib_body_source_new_for_fd (-1, FALSE, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (httplib_body_source_new_for_fd (closed_fd, FALSE, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (httplib_body_source_new_for_fd (dir_fd, TRUE, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_clear_error (&error);
  ck_assert_ptr_null (httplib_body_source_new_for_fd (write_fd, TRUE, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_UNIMPLEMENTED_FILE_MODE);

  /* Refused descriptors stay open, even with close_when_done. */
  ck_assert_int_ge (fcntl (dir_fd, F_GETFD), 0);
  ck_assert_int_ge (fcntl (write_fd, F_GETFD), 0);
  close (dir_fd);
  close (write_fd);
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

START_TEST (test_close_when_done)
{
  int keep = file_with ("x", 1);
  int give = file_with ("y", 1);
  HttplibBodySource *body;

  body = httplib_body_source_new_for_fd (keep, FALSE, NULL);
  g_object_unref (body);
  ck_assert_int_ge (fcntl (keep, F_GETFD), 0);
  body = httplib_body_source_new_for_fd (give, TRUE, NULL);
  g_object_unref (body);
  errno = 0;
  ck_assert_int_lt (fcntl (give, F_GETFD), 0);
  ck_assert_int_eq (errno, EBADF);
  close (keep);
}
END_TEST

/* A file cut short after the length was taken: the request fails and the
 * server never sees a whole body. */
static void
check_shrinking (gboolean tls)
{
  const char *steps[] = { OK_EMPTY, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };
  g_autofree guint8 *data = pattern (1024 * 1024);
  g_autofree char *path = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GError) error = NULL;
  int fd = g_file_open_tmp ("httplib-shrink-XXXXXX", &path, NULL);

  ck_assert_int_eq (write (fd, data, 1024 * 1024), 1024 * 1024);
  ck_assert_int_eq (lseek (fd, 0, SEEK_SET), 0);
  body = source_for (fd);
  ck_assert_int_eq (ftruncate (fd, 1000), 0);
  g_unlink (path);

  if (tls)
    {
      g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
      g_autofree char *host = NULL;

      options.cert_file = certs->server_cert_file;
      options.key_file = certs->server_key_file;
      server = test_server_new_script_tls (steps, 0, &options);
      host = g_strdup_printf ("localhost:%u", test_server_get_port (server));
      httplib_tls_settings_set_ca_file (settings, certs->ca_file);
      conn = httplib_connection_new_https (host, 0, settings, NULL);
    }
  else
    {
      server = test_server_new_script (steps, 0);
      conn = test_connect_to (server);
    }
  ck_assert (!httplib_connection_request (conn, "PUT", "/", body, NULL, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  ck_assert_msg (strstr (error->message, "after 1000 of 1048576 bytes") != NULL, "%s",
                 error->message);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
}

START_TEST (test_shrinking_file_sendfile)
{
  check_shrinking (FALSE);
}
END_TEST

START_TEST (test_shrinking_file_tls)
{
  check_shrinking (TRUE);
}
END_TEST

/* The descriptor fails mid-body (a socket whose peer reset it after some
 * bytes): the request fails naming the descriptor, and the server never
 * gets the zero chunk that would make a short body look complete. */
START_TEST (test_read_error_mid_body)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GError) error = NULL;
  int pair[2];

  ck_assert_int_eq (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  ck_assert_int_eq (write (pair[0], "first part", 10), 10);
  /* Closing a socket with unread bytes resets its peer: ECONNRESET after the data. */
  ck_assert_int_eq (write (pair[1], "unread", 6), 6);
  close (pair[0]);
  body = source_for (pair[1]);

  ck_assert (!httplib_connection_request (conn, "PUT", "/", body, NULL, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  test_assert_message_has (error, "reading file descriptor");
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
}
END_TEST

static void
close_after_head (TestConn *conn, guint index, gpointer user_data)
{
  GString *head = g_string_new (NULL);

  test_conn_read_exact (conn, 64, head);
  g_string_free (head, TRUE);
  test_conn_reset (conn);
}

/* The server goes away mid-upload: the write fails, nothing hangs. */
START_TEST (test_server_closes_mid_upload)
{
  g_autofree guint8 *data = pattern (BIG_SIZE);
  g_autoptr(TestServer) server = test_server_new (close_after_head, NULL);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibBodySource) body = source_for (file_with ((const char *) data, BIG_SIZE));
  g_autoptr(GError) error = NULL;

  httplib_connection_set_timeout (conn, 10, NULL);
  ck_assert (!httplib_connection_request (conn, "PUT", "/", body, NULL, NULL, &error));
  /* A reset or a closed pipe, as the kernel saw it first. */
  ck_assert_msg (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED),
                 "got %s:%d: %s", g_quark_to_string (error->domain), error->code, error->message);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
}
END_TEST

static Suite *
fd_body_suite (void)
{
  Suite *suite = suite_create ("fd-body");
  TCase *tc;

  tc = tcase_create ("files");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_file_from_start);
  tcase_add_test (tc, test_file_from_offset);
  tcase_add_test (tc, test_empty_file);
  tcase_add_test (tc, test_big_file_sendfile);
  tcase_add_test (tc, test_big_file_tls_blocks);
  tcase_add_test (tc, test_pipe_is_chunked);
  tcase_add_test (tc, test_cancel_upload);
  tcase_add_test (tc, test_end_headers_then_send_body);
  tcase_add_test (tc, test_send_body_out_of_order);
  tcase_add_test (tc, test_caller_framing_kept);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("failures");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_bad_descriptors);
  tcase_add_test (tc, test_close_when_done);
  tcase_add_test (tc, test_shrinking_file_sendfile);
  tcase_add_test (tc, test_shrinking_file_tls);
  tcase_add_test (tc, test_server_closes_mid_upload);
  tcase_add_test (tc, test_read_error_mid_body);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (fd_body_suite)
