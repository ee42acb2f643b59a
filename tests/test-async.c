/* test-async.c: the async API driven by a GMainLoop — each call's success
 * and failure paths, cancellation and timeouts at each stage, refusing
 * overlapping calls, signals on the caller's context, the body as a
 * GInputStream, over TCP, TLS and a tunnel */
#include <httplib/httplib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-proxy.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define NOT_FOUND "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nmissing"

/* --- running the main loop until a call finishes --- */

static gboolean
do_connect (HttplibConnection *conn, GCancellable *cancellable, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  httplib_connection_connect_async (conn, cancellable, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  return httplib_connection_connect_finish (conn, result, error);
}

/* request + get_response + read_all, all asserted to succeed. */
static char *
fetch (HttplibConnection *conn, const char *method, const char *url, guint *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) body = NULL;

  ck_assert (test_async_request (conn, method, url, NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = test_async_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  if (status != NULL)
    *status = httplib_response_get_status (resp);
  body = test_async_read_all (resp, NULL, &error);
  httplib_assert_no_error (error);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}


/* --- the calls, one by one --- */

START_TEST (test_get_twice)
{
  static const char * const steps[] = { OK_HELLO, NOT_FOUND, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint status = 0;

  httplib_connection_close (conn);
  first = fetch (conn, "GET", "/", &status);
  ck_assert_str_eq (first, "hello");
  ck_assert_uint_eq (status, 200);
  second = fetch (conn, "GET", "/missing", &status);
  ck_assert_str_eq (second, "missing");
  ck_assert_uint_eq (status, 404);
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
}
END_TEST

START_TEST (test_connect_and_close)
{
  static const char * const steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));
  g_autoptr(HttplibConnection) conn = httplib_connection_new (host, 0, NULL);
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  ck_assert (do_connect (conn, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
  /* Already open: nothing to do. */
  ck_assert (do_connect (conn, NULL, &error));

  httplib_connection_close_async (conn, NULL, test_on_async_done, &slot);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
  result = test_wait_for_result (&slot);
  ck_assert (httplib_connection_close_finish (conn, result, &error));
  /* The server saw the close. */
  ck_assert (test_server_wait_handled (server, 1));
}
END_TEST

/* Bodies from memory, a file (streamed) and a pipe (chunked, through the
 * chunked coder's async writes). */
START_TEST (test_request_bodies)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(GBytes) text = g_bytes_new_static ("a=1&b=2", 7);
  g_autoptr(HttplibBodySource) in_memory = httplib_body_source_new_for_bytes (text, NULL);
  g_autoptr(HttplibBodySource) file = NULL;
  g_autoptr(HttplibBodySource) piped = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  HttplibBodySource *bodies[3];
  int fd, fds[2];

  fd = g_file_open_tmp ("httplib-async-XXXXXX", &path, NULL);
  ck_assert_int_eq (write (fd, "from a file", 11), 11);
  ck_assert_int_eq (lseek (fd, 0, SEEK_SET), 0);
  g_unlink (path);
  file = httplib_body_source_new_for_fd (fd, TRUE, &error);
  ck_assert (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  ck_assert_int_eq (write (fds[1], "from a pipe", 11), 11);
  close (fds[1]);
  piped = httplib_body_source_new_for_fd (fds[0], TRUE, &error);
  httplib_assert_no_error (error);

  bodies[0] = in_memory;
  bodies[1] = file;
  bodies[2] = piped;
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(HttplibResponse) resp = NULL;
      g_autoptr(GBytes) body = NULL;

      ck_assert (test_async_request (conn, "POST", "/form", bodies[i], NULL, NULL, &error));
      httplib_assert_no_error (error);
      resp = test_async_get_response (conn, NULL, &error);
      httplib_assert_no_error (error);
      body = test_async_read_all (resp, NULL, &error);
      test_assert_bytes_equal (body, "hello", 5, "response body");
    }

  {
    g_autoptr(GBytes) r0 = test_server_get_request (server, 0);
    g_autoptr(GBytes) r1 = test_server_get_request (server, 1);
    g_autoptr(GBytes) r2 = test_server_get_request (server, 2);
    g_autoptr(GBytes) b0 = test_request_get_body (r0);
    g_autoptr(GBytes) b1 = test_request_get_body (r1);
    g_autoptr(GBytes) b2 = test_request_get_body (r2);
    g_autoptr(GBytes) decoded = test_decode_chunked (b2);

    test_assert_request_header (r0, "Content-Length", "7");
    test_assert_bytes_equal (b0, "a=1&b=2", 7, "body from memory");
    test_assert_request_header (r1, "Content-Length", "11");
    test_assert_bytes_equal (b1, "from a file", 11, "body from a file");
    test_assert_request_header (r2, "Transfer-Encoding", "chunked");
    ck_assert_ptr_nonnull (decoded);
    test_assert_bytes_equal (decoded, "from a pipe", 11, "body from a pipe");
  }
}
END_TEST

static void
on_progress (HttplibResponse *resp, guint64 received, gint64 total, gpointer user_data)
{
  g_string_append_printf (user_data, "%" G_GUINT64_FORMAT "/%" G_GINT64_FORMAT " ", received, total);
}

/* read_async returns what is there, up to count; empty at the end. */
START_TEST (test_read_pieces)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", NULL
  };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GString) progress = g_string_new (NULL);
  guint rounds;

  g_signal_connect (resp, "progress", G_CALLBACK (on_progress), progress);
  for (rounds = 0; rounds < 20; rounds++)
    {
      GAsyncResult *slot = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) piece = NULL;
      g_autoptr(GError) error = NULL;

      httplib_response_read_async (resp, 4, NULL, test_on_async_done, &slot);
      result = test_wait_for_result (&slot);
      piece = httplib_response_read_finish (resp, result, &error);
      httplib_assert_no_error (error);
      ck_assert_uint_le (g_bytes_get_size (piece), 4);
      if (g_bytes_get_size (piece) == 0)
        break;
      g_string_append_len (got, g_bytes_get_data (piece, NULL), g_bytes_get_size (piece));
    }
  ck_assert_str_eq (got->str, "hello world");
  ck_assert_str_eq (progress->str, "4/11 8/11 11/11 ");
  ck_assert_int_eq (httplib_response_get_state (resp), HTTPLIB_RESPONSE_STATE_COMPLETE);
}
END_TEST

/* A cut body: INCOMPLETE_READ, the bytes kept as partial. */
START_TEST (test_incomplete_read)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", TEST_STEP_CLOSE, NULL
  };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = test_async_read_all (resp, NULL, &error);
  g_autoptr(GBytes) partial = NULL;

  ck_assert_ptr_null (body);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ);
  test_assert_message_has (error, "5 bytes read, 5 more expected");
  partial = httplib_response_get_partial (resp);
  test_assert_bytes_equal (partial, "hello", 5, "partial");
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
}
END_TEST

/* Errors that need no network arrive through the callback too. */
START_TEST (test_errors_before_sending)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibHeaders) bad = httplib_headers_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) resp = NULL;

  httplib_headers_append (bad, "X-Bad", "line\r\nbreak");
  ck_assert (!test_async_request (conn, "GET", "/", NULL, bad, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_HEADER);
  g_clear_error (&error);
  ck_assert (!test_async_request (conn, "GE T", "/", NULL, NULL, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  g_clear_error (&error);
  resp = test_async_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_RESPONSE_NOT_READY);
  /* Nothing reached the server, and the connection still works. */
  g_clear_error (&error);
  g_autofree char *body = fetch (conn, "GET", "/", NULL);
  ck_assert_str_eq (body, "hello");
  ck_assert_uint_eq (test_server_get_n_requests (server), 1);
}
END_TEST

START_TEST (test_connection_refused)
{
  g_autoptr(TestServer) server = test_server_new_script ((const char *[]) { NULL }, 0);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  /* The port is free once its server is gone. */
  g_clear_pointer (&server, test_server_free);
  conn = httplib_connection_new (host, 0, NULL);
  ck_assert (!test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);
}
END_TEST

/* --- one call at a time --- */

START_TEST (test_overlapping_calls_refused)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));
  g_autoptr(HttplibConnection) conn = httplib_connection_new (host, 0, NULL);
  GAsyncResult *first = NULL, *second = NULL, *third = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) resp = NULL;

  httplib_connection_request_async (conn, "GET", "/one", NULL, NULL, NULL, test_on_async_done, &first);
  httplib_connection_request_async (conn, "GET", "/two", NULL, NULL, NULL, test_on_async_done, &second);
  httplib_connection_get_response_async (conn, NULL, test_on_async_done, &third);
  /* The blocking calls are refused as well. */
  ck_assert (!httplib_connection_request_string (conn, "GET", "/three", NULL, NULL, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_REQUEST);
  g_clear_error (&error);

  result = test_wait_for_result (&second);
  ck_assert (!httplib_connection_request_finish (conn, result, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_REQUEST);
  g_clear_error (&error);
  g_clear_object (&result);
  result = test_wait_for_result (&third);
  ck_assert_ptr_null (httplib_connection_get_response_finish (conn, result, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE);
  g_clear_error (&error);
  g_clear_object (&result);

  result = test_wait_for_result (&first);
  ck_assert (httplib_connection_request_finish (conn, result, &error));
  resp = test_async_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");
  ck_assert (test_server_wait_handled (server, 0) || TRUE);
  ck_assert_uint_eq (test_server_get_n_requests (server), 1);
  {
    g_autoptr(GBytes) request = test_server_get_request (server, 0);
    test_assert_request_line (request, "GET /one HTTP/1.1");
  }
}
END_TEST

/* --- cancellation and timeouts --- */

/* Connection 0 reads the request and never answers; later ones answer. */
static void
hang_first (TestConn *conn, guint index, gpointer user_data)
{
  const char *reply = user_data;
  g_autoptr(GString) request = test_conn_read_request (conn);

  if (request == NULL)
    return;
  if (index == 0)
    {
      if (reply != NULL)
        test_conn_write (conn, reply, -1);
      g_string_free (test_conn_read_until_close (conn), TRUE);
      return;
    }
  test_conn_write (conn, OK_HELLO, -1);
}

/* Cancelled while waiting: CANCELLED, the connection closed, and after
 * close() the same connection works again. */
static void
check_cancel_while_reading (const char *partial_reply, gboolean read_body)
{
  g_autoptr(TestServer) server = test_server_new (hang_first, (gpointer) partial_reply);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autofree char *again = NULL;
  GThread *canceller;

  ck_assert (test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  canceller = test_cancel_later (cancellable, 150);
  if (read_body)
    {
      g_autoptr(GBytes) body = NULL;

      resp = test_async_get_response (conn, NULL, &error);
      httplib_assert_no_error (error);
      body = test_async_read_all (resp, cancellable, &error);
      ck_assert_ptr_null (body);
    }
  else
    {
      resp = test_async_get_response (conn, cancellable, &error);
      ck_assert_ptr_null (resp);
    }
  g_thread_join (canceller);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);

  httplib_connection_close (conn);
  again = fetch (conn, "GET", "/again", NULL);
  ck_assert_str_eq (again, "hello");
}

START_TEST (test_cancel_reading_head)
{
  check_cancel_while_reading (NULL, FALSE);
}
END_TEST

START_TEST (test_cancel_reading_body)
{
  check_cancel_while_reading ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome", TRUE);
}
END_TEST

/* A server that reads nothing until released: the write stalls once the
 * socket buffers are full, and cancelling ends it. */
static void
read_nothing (TestConn *conn, guint index, gpointer user_data)
{
  gint *released = user_data;

  for (guint i = 0; i < 1000 && !g_atomic_int_get (released); i++)
    g_usleep (10 * 1000);
}

START_TEST (test_cancel_writing)
{
  static gint released;
  g_autoptr(TestServer) server = test_server_new (read_nothing, &released);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *big = g_malloc0 (64 * 1024 * 1024);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&big), 64 * 1024 * 1024);
  g_autoptr(HttplibBodySource) body = httplib_body_source_new_for_bytes (bytes, NULL);
  g_autoptr(GError) error = NULL;
  GThread *canceller = test_cancel_later (cancellable, 150);

  ck_assert (!test_async_request (conn, "PUT", "/", body, NULL, cancellable, &error));
  g_thread_join (canceller);
  g_atomic_int_set (&released, TRUE);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
}
END_TEST

/* The same stalled write with a timeout instead of a cancel. */
START_TEST (test_timeout_writing)
{
  static gint released;
  g_autoptr(TestServer) server = test_server_new (read_nothing, &released);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autofree char *big = g_malloc0 (64 * 1024 * 1024);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&big), 64 * 1024 * 1024);
  g_autoptr(HttplibBodySource) body = httplib_body_source_new_for_bytes (bytes, NULL);
  g_autoptr(GError) error = NULL;

  ck_assert (httplib_connection_set_timeout (conn, 1, NULL));
  ck_assert (!test_async_request (conn, "PUT", "/", body, NULL, NULL, &error));
  g_atomic_int_set (&released, TRUE);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
}
END_TEST

START_TEST (test_cancel_before_connecting)
{
  g_autoptr(HttplibConnection) conn = httplib_connection_new ("localhost", 9, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  ck_assert (!do_connect (conn, cancellable, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);
}
END_TEST

/* The connection's timeout holds for async reads (GIO counts whole seconds). */
START_TEST (test_timeout_reading_head)
{
  g_autoptr(TestServer) server = test_server_new (hang_first, NULL);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) resp = NULL;

  ck_assert (httplib_connection_set_timeout (conn, 1, NULL));
  ck_assert (test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  resp = test_async_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
}
END_TEST

START_TEST (test_timeout_reading_body)
{
  g_autoptr(TestServer) server =
    test_server_new (hang_first, (gpointer) "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome");
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) body = NULL;

  ck_assert (httplib_connection_set_timeout (conn, 1, NULL));
  ck_assert (test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  resp = test_async_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  body = test_async_read_all (resp, NULL, &error);
  ck_assert_ptr_null (body);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}
END_TEST

/* --- signals and contexts --- */

typedef struct {
  GThread *thread;
  gboolean wrong_thread;
  GString *states;
} SignalLog;

static void
on_conn_state (HttplibConnection *conn, HttplibConnectionState old_state,
               HttplibConnectionState new_state, gpointer user_data)
{
  SignalLog *log = user_data;

  if (g_thread_self () != log->thread)
    log->wrong_thread = TRUE;
  g_string_append_printf (log->states, "%d>%d ", old_state, new_state);
}

typedef struct {
  guint16   port;
  SignalLog log;
  char     *body;
} ThreadRun;

/* Runs a GET with its own thread-default context, as a worker with its own loop would. */
static gpointer
get_in_thread (gpointer user_data)
{
  ThreadRun *run = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", run->port);
  HttplibConnection *conn;

  g_main_context_push_thread_default (context);
  conn = httplib_connection_new (host, 0, NULL);
  run->log.thread = g_thread_self ();
  g_signal_connect (conn, "state-changed", G_CALLBACK (on_conn_state), &run->log);
  run->body = fetch (conn, "GET", "/", NULL);
  g_object_unref (conn);
  g_main_context_pop_thread_default (context);
  return NULL;
}

START_TEST (test_signals_on_caller_context)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  ThreadRun run = { .port = test_server_get_port (server) };

  run.log.states = g_string_new (NULL);
  g_thread_join (g_thread_new ("caller", get_in_thread, &run));
  ck_assert_str_eq (run.body, "hello");
  ck_assert (!run.log.wrong_thread);
  /* disconnected>connecting>idle>request-started>request-sent>response-active>idle */
  ck_assert_str_eq (run.log.states->str, "0>1 1>2 2>3 3>4 4>5 5>2 ");
  g_string_free (run.log.states, TRUE);
  g_free (run.body);
}
END_TEST

/* --- the body as a GInputStream --- */

START_TEST (test_input_stream_splice)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
    OK_HELLO, NULL
  };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GInputStream) input = httplib_response_get_input_stream (resp);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) got = NULL;
  GAsyncResult *slot = NULL;
  char buffer[16];
  gssize n;

  ck_assert (G_IS_POLLABLE_INPUT_STREAM (input));
  ck_assert (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)));
  g_output_stream_splice_async (memory, input,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  ck_assert_int_eq (g_output_stream_splice_finish (memory, result, &error), 11);
  got = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  test_assert_bytes_equal (got, "hello world", 11, "spliced body");
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
  g_clear_object (&input);
  g_clear_object (&resp);

  /* Blocking reads through the stream work too. */
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  input = httplib_response_get_input_stream (resp);
  ck_assert (g_input_stream_read_all (input, buffer, sizeof buffer, (gsize *) &n, NULL, &error));
  ck_assert_int_eq (n, 5);
  ck_assert (memcmp (buffer, "hello", 5) == 0);
}
END_TEST

/* Spliced into a file, as an application saves a download. */
START_TEST (test_input_stream_to_file)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", NULL
  };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GInputStream) input = httplib_response_get_input_stream (resp);
  g_autofree char *dir = g_dir_make_tmp ("httplib-splice-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "download", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE,
                                                     NULL, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  GAsyncResult *slot = NULL;

  ck_assert_ptr_nonnull (out);
  g_output_stream_splice_async (G_OUTPUT_STREAM (out), input,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  ck_assert_int_eq (g_output_stream_splice_finish (G_OUTPUT_STREAM (out), result, &error), 11);
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "hello world");
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

/* --- TLS and tunnels --- */

START_TEST (test_get_over_tls)
{
  static const char * const steps[] = { OK_HELLO, NOT_FOUND, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { .cert_file = certs->server_cert_file,
                             .key_file = certs->server_key_file };
  g_autoptr(TestServer) server = test_server_new_script_tls (steps, 0, &options);
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autofree char *host = g_strdup_printf ("localhost:%u", test_server_get_port (server));
  g_autoptr(HttplibConnection) conn = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint status;

  httplib_tls_settings_set_ca_file (settings, certs->ca_file);
  conn = httplib_connection_new_https (host, 0, settings, NULL);
  first = fetch (conn, "GET", "/", &status);
  ck_assert_str_eq (first, "hello");
  second = fetch (conn, "GET", "/x", &status);
  ck_assert_str_eq (second, "missing");
  ck_assert_uint_eq (status, 404);
  ck_assert_ptr_nonnull (httplib_connection_get_tls_info (conn));
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
}
END_TEST

/* --- a kept-alive connection the server closes as a request goes out --- */

typedef struct {
  const char *desc;
  const char *how;       /* the step after the first response */
  gboolean    tls;
  gboolean    async;
} ResendRow;

static const ResendRow resend_rows[] = {
  { "read and closed, sync", TEST_STEP_READ_CLOSE, FALSE, FALSE },
  { "read and closed, async", TEST_STEP_READ_CLOSE, FALSE, TRUE },
  { "closed while idle, sync", TEST_STEP_CLOSE, FALSE, FALSE },
  { "reset while idle, sync", TEST_STEP_RESET, FALSE, FALSE },
  { "reset while idle, async", TEST_STEP_RESET, FALSE, TRUE },
  { "read and closed over TLS, sync", TEST_STEP_READ_CLOSE, TRUE, FALSE },
  { "read and closed over TLS, async", TEST_STEP_READ_CLOSE, TRUE, TRUE },
};

/* GET goes again once on a new connection, and the caller sees only the answer. */
START_TEST (test_resend_on_new_connection)
{
  const ResendRow *row = &resend_rows[_i];
  const char * const steps[] = { OK_HELLO, row->how, NOT_FOUND, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { .cert_file = certs->server_cert_file,
                             .key_file = certs->server_key_file };
  g_autoptr(TestServer) server = row->tls ? test_server_new_script_tls (steps, 0, &options)
                                          : test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint status = 0;

  if (row->tls)
    {
      g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
      g_autofree char *host = g_strdup_printf ("localhost:%u", test_server_get_port (server));

      httplib_tls_settings_set_ca_file (settings, certs->ca_file);
      conn = httplib_connection_new_https (host, 0, settings, NULL);
    }
  else
    conn = test_connect_to (server);

  first = fetch (conn, "GET", "/one", &status);
  ck_assert_str_eq (first, "hello");
  /* The close or reset has happened before the next request goes out. */
  if (strcmp (row->how, TEST_STEP_READ_CLOSE) != 0)
    ck_assert (test_server_wait_handled (server, 1));

  if (row->async)
    second = fetch (conn, "GET", "/two", &status);
  else
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HttplibResponse) resp = NULL;
      g_autoptr(GBytes) body = NULL;

      ck_assert (httplib_connection_request (conn, "GET", "/two", NULL, NULL, NULL, &error));
      httplib_assert_no_error (error);
      resp = httplib_connection_get_response (conn, NULL, &error);
      httplib_assert_no_error (error);
      status = httplib_response_get_status (resp);
      body = httplib_response_read (resp, -1, NULL, &error);
      httplib_assert_no_error (error);
      second = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
  ck_assert_msg (g_strcmp0 (second, "missing") == 0 && status == 404,
                 "%s: expected the new connection's 404 \"missing\", got %u \"%s\"",
                 row->desc, status, second);
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);
  test_assert_received_prefix (server, 1, "GET /two HTTP/1.1\r\n");
}
END_TEST

START_TEST (test_get_through_tunnel)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *proxy_host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (proxy));
  g_autoptr(HttplibConnection) conn = httplib_connection_new (proxy_host, 0, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *target = NULL;
  g_autofree char *expected = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (origin));

  ck_assert (httplib_connection_set_tunnel (conn, "127.0.0.1", test_server_get_port (origin),
                                            NULL, &error));
  body = fetch (conn, "GET", "/", NULL);
  ck_assert_str_eq (body, "hello");
  target = test_proxy_get_target (proxy, 0);
  ck_assert_str_eq (target, expected);
  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 200);
}
END_TEST

/* --- Expect: 100-continue --- */

static void
continue_then_ok (TestConn *conn, guint index, gpointer user_data)
{
  g_autoptr(GString) head = test_conn_read_head (conn);
  g_autoptr(GString) body = g_string_new (NULL);

  if (head == NULL)
    return;
  if (user_data != NULL)
    {
      test_conn_write (conn, user_data, -1);
      g_string_free (test_conn_read_until_close (conn), TRUE);
      return;
    }
  test_conn_write (conn, "HTTP/1.1 100 Continue\r\n\r\n", -1);
  if (test_conn_read_exact (conn, 7, body))
    test_conn_write (conn, OK_HELLO, -1);
}

static void
check_expect (const char *final_first)
{
  g_autoptr(TestServer) server = test_server_new (continue_then_ok, (gpointer) final_first);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(GBytes) text = g_bytes_new_static ("a=1&b=2", 7);
  g_autoptr(HttplibBodySource) body = httplib_body_source_new_for_bytes (text, NULL);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;

  httplib_headers_append (headers, "Expect", "100-continue");
  ck_assert (httplib_connection_set_continue_timeout (conn, 30, NULL));
  ck_assert (test_async_request (conn, "POST", "/", body, headers, NULL, &error));
  httplib_assert_no_error (error);
  resp = test_async_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  got = test_async_read_all (resp, NULL, &error);
  httplib_assert_no_error (error);
  if (final_first == NULL)
    {
      test_assert_bytes_equal (got, "hello", 5, "answer after the body");
      ck_assert (test_server_wait_handled (server, 1) || TRUE);
    }
  else
    {
      ck_assert_uint_eq (httplib_response_get_status (resp), 417);
      ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
      ck_assert (test_server_wait_handled (server, 1));
      g_autofree char *head = NULL;

      received = test_server_get_received (server, 0);
      head = g_strndup (g_bytes_get_data (received, NULL), g_bytes_get_size (received));
      /* Only the head reached the server. */
      ck_assert_msg (g_str_has_suffix (head, "\r\n\r\n"), "the server got %s", head);
    }
}

START_TEST (test_expect_continue)
{
  check_expect (NULL);
}
END_TEST

START_TEST (test_expect_final_first)
{
  check_expect ("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
}
END_TEST

/* --- a transport with only the blocking method --- */

#define TEST_TYPE_SYNC_TRANSPORT (test_sync_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestSyncTransport, test_sync_transport, TEST, SYNC_TRANSPORT, GObject)

struct _TestSyncTransport {
  GObject parent_instance;
};

static GIOStream *
sync_open (HttplibTransport *transport, HttplibEndpoint *endpoint, GIOStream *base,
           GCancellable *cancellable, GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GIOStream *stream;

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTING, NULL);
  stream = G_IO_STREAM (g_socket_client_connect_to_host (client, httplib_endpoint_get_host (endpoint),
                                                         httplib_endpoint_get_port (endpoint),
                                                         cancellable, error));
  if (stream != NULL)
    httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE, stream);
  return stream;
}

static void
sync_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = sync_open;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSyncTransport, test_sync_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, sync_transport_iface_init))

static void test_sync_transport_class_init (TestSyncTransportClass *klass) {}
static void test_sync_transport_init (TestSyncTransport *self) {}

typedef struct {
  GThread *thread;
  gboolean wrong_thread;
  GString *events;
} EventLog;

static void
on_event (HttplibConnection *conn, HttplibTransportEvent event, GIOStream *stream,
          gpointer user_data)
{
  EventLog *log = user_data;

  if (g_thread_self () != log->thread)
    log->wrong_thread = TRUE;
  g_string_append_printf (log->events, "%d ", event);
}

/* The core runs its open in a worker thread; its events still arrive on
 * the caller's thread, in order, before the request completes. */
START_TEST (test_sync_only_transport)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));
  g_autoptr(HttplibConnection) conn = httplib_connection_new (host, 0, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  httplib_registry_register_transport (httplib_registry_get_default (), "test-sync-only",
                                       TEST_TYPE_SYNC_TRANSPORT, &error);
  httplib_assert_no_error (error);
  EventLog log = { g_thread_self (), FALSE, g_string_new (NULL) };
  g_autofree char *expected = g_strdup_printf ("%d %d ", HTTPLIB_TRANSPORT_EVENT_CONNECTING,
                                               HTTPLIB_TRANSPORT_EVENT_COMPLETE);

  httplib_connection_set_transport (conn, "test-sync-only");
  g_signal_connect (conn, "event", G_CALLBACK (on_event), &log);
  ck_assert (do_connect (conn, NULL, &error));
  ck_assert_str_eq (log.events->str, expected);
  ck_assert (!log.wrong_thread);
  body = fetch (conn, "GET", "/", NULL);
  ck_assert_str_eq (body, "hello");
  g_string_free (log.events, TRUE);
}
END_TEST

static Suite *
async_suite (void)
{
  Suite *suite = suite_create ("async");
  TCase *tc;

  tc = tcase_create ("calls");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_get_twice);
  tcase_add_test (tc, test_connect_and_close);
  tcase_add_test (tc, test_request_bodies);
  tcase_add_test (tc, test_read_pieces);
  tcase_add_test (tc, test_incomplete_read);
  tcase_add_test (tc, test_errors_before_sending);
  tcase_add_test (tc, test_connection_refused);
  tcase_add_test (tc, test_overlapping_calls_refused);
  tcase_add_test (tc, test_signals_on_caller_context);
  tcase_add_test (tc, test_input_stream_splice);
  tcase_add_test (tc, test_input_stream_to_file);
  tcase_add_test (tc, test_get_over_tls);
  tcase_add_loop_test (tc, test_resend_on_new_connection, 0, G_N_ELEMENTS (resend_rows));
  tcase_add_test (tc, test_get_through_tunnel);
  tcase_add_test (tc, test_expect_continue);
  tcase_add_test (tc, test_expect_final_first);
  tcase_add_test (tc, test_sync_only_transport);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("cancel-timeout");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_cancel_reading_head);
  tcase_add_test (tc, test_cancel_reading_body);
  tcase_add_test (tc, test_cancel_writing);
  tcase_add_test (tc, test_timeout_writing);
  tcase_add_test (tc, test_cancel_before_connecting);
  tcase_add_test (tc, test_timeout_reading_head);
  tcase_add_test (tc, test_timeout_reading_body);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (async_suite)
