/* test-unix.c: the unix transport against the loopback server on a Unix
 * domain socket in a temporary folder — GET, POST, keep-alive, async, the
 * Host header from the caller's authority, events, bad paths (too long,
 * missing, nobody listening), cancellation and the timeout; one transport
 * following its path across opens, events only while someone listens, and
 * the same errors whether or not anyone listens, blocking and async */
#include <httplib/httplib.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "test-client.h"
#include "test-plugin-async.h"
#include "test-server.h"
#include "test-transport.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define OK_EMPTY "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

/* sun_path with its NUL: 108 bytes on Linux. */
#define SUN_PATH_SIZE (sizeof (((struct sockaddr_un *) NULL)->sun_path))

/* The temporary folder of the running test, and the socket path in it. */
static char *tmp_dir;
static char *sock_path;

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("httplib-unix-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmp_dir);
  sock_path = g_build_filename (tmp_dir, "http.sock", NULL);
}

static void
teardown (void)
{
  g_autoptr(GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  /* The sockets a test made, wherever it stopped. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (tmp_dir);
  g_clear_pointer (&sock_path, g_free);
  g_clear_pointer (&tmp_dir, g_free);
}

/* --- helpers --- */

/* A scripted server on sock_path; script must outlive it. */
static TestServer *
unix_server (TestScript *script, const char * const *steps)
{
  TestServer *server;

  *script = (TestScript) { .steps = steps };
  server = test_server_new_unix (sock_path, test_script_handler, script);
  ck_assert_ptr_nonnull (server);
  return server;
}

static HttplibConnection *
unix_connect (const char *authority)
{
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new_unix (sock_path, authority, &error);

  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (conn);
  return conn;
}

/* A socket file whose server is gone, as a daemon that crashed leaves. */
static void
make_dead_socket_file (const char *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocket) socket = NULL;
  GError *error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &error);
  httplib_assert_no_error (error);
  ck_assert (g_socket_bind (socket, address, FALSE, &error));
  httplib_assert_no_error (error);
  ck_assert (g_socket_close (socket, &error));
  ck_assert (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* --- requests --- */

START_TEST (test_get)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) request = NULL;

  ck_assert_str_eq (httplib_connection_get_transport (conn), "unix");
  ck_assert_str_eq (httplib_connection_get_socket_path (conn), sock_path);
  resp = test_do_request (conn, "GET", "/info", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "GET /info HTTP/1.1");
  test_assert_request_header (request, "Host", "localhost");
}
END_TEST

START_TEST (test_post)
{
  static const char * const steps[] = { OK_EMPTY, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) body = NULL;

  resp = test_do_request (conn, "POST", "/containers/create", "{\"Image\": \"debian\"}", NULL);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  test_assert_body (resp, "");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "POST /containers/create HTTP/1.1");
  test_assert_request_header (request, "Content-Length", "19");
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, "{\"Image\": \"debian\"}", -1, "request body");
}
END_TEST

/* A file body: sendfile(2) works on a Unix socket as on TCP. */
START_TEST (test_post_fd)
{
  static const char * const steps[] = { OK_EMPTY, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(HttplibBodySource) source = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *file = g_build_filename (tmp_dir, "body", NULL);
  GError *error = NULL;
  int fd;

  ck_assert (g_file_set_contents (file, "a file's contents", -1, NULL));
  fd = g_open (file, O_RDONLY | O_CLOEXEC, 0);
  ck_assert_int_ge (fd, 0);
  g_unlink (file);
  source = httplib_body_source_new_for_fd (fd, TRUE, &error);
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_request (conn, "PUT", "/f", source, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "");

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Content-Length", "17");
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, "a file's contents", -1, "request body");
}
END_TEST

START_TEST (test_keep_alive)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *url = g_strdup_printf ("/r%u", i);
      g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", url, NULL, NULL);

      test_assert_body (resp, "hello");
      ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
    }
  httplib_connection_close (conn);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
  ck_assert_uint_eq (test_server_get_n_requests (server), 3);
}
END_TEST

/* The Host header is the caller's authority, never the path. */
static const struct {
  const char *authority;
  const char *host;
} host_rows[] = {
  { "localhost", "localhost" },
  { "docker", "docker" },
  { "api.local:2375", "api.local:2375" },
  { "localhost:80", "localhost" },
};

START_TEST (test_host_header)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect (host_rows[_i].authority);
  g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GBytes) request = NULL;

  test_assert_body (resp, "hello");
  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Host", host_rows[_i].host);
}
END_TEST

/* The socket-path property alone picks the unix transport. */
START_TEST (test_property)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  GError *error = NULL;
  g_autoptr(HttplibConnection) conn =
    g_initable_new (HTTPLIB_TYPE_CONNECTION, NULL, &error,
                    "host", "localhost", "socket-path", sock_path, NULL);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autofree char *path = NULL;

  httplib_assert_no_error (error);
  ck_assert_str_eq (httplib_connection_get_transport (conn), "unix");
  g_object_get (conn, "socket-path", &path, NULL);
  ck_assert_str_eq (path, sock_path);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
}
END_TEST

START_TEST (test_events)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  TestEventLog log;
  GError *error = NULL;

  test_event_log_init (&log);
  g_signal_connect (conn, "event", G_CALLBACK (test_event_log_on_connection_event), &log);
  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_str_eq (log.names->str, "connecting connected complete");
  ck_assert_str_eq (log.peers->str, sock_path);
  g_signal_handlers_disconnect_by_data (conn, &log);
  test_event_log_clear (&log);
}
END_TEST

/* --- async --- */

START_TEST (test_async_get)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(GMainContext) context = g_main_context_new ();
  TestEventLog log;
  GError *error = NULL;

  test_event_log_init (&log);
  g_main_context_push_thread_default (context);
  g_signal_connect (conn, "event", G_CALLBACK (test_event_log_on_connection_event), &log);
  for (guint i = 0; i < 2; i++)
    {
      GAsyncResult *slot = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(HttplibResponse) resp = NULL;
      g_autoptr(GBytes) body = NULL;

      httplib_connection_request_async (conn, "GET", "/async", NULL, NULL, NULL, test_on_async_done, &slot);
      result = test_wait_for_result (&slot);
      ck_assert (httplib_connection_request_finish (conn, result, &error));
      httplib_assert_no_error (error);
      g_clear_object (&result);

      httplib_connection_get_response_async (conn, NULL, test_on_async_done, &slot);
      result = test_wait_for_result (&slot);
      resp = httplib_connection_get_response_finish (conn, result, &error);
      httplib_assert_no_error (error);
      ck_assert_uint_eq (httplib_response_get_status (resp), 200);
      g_clear_object (&result);

      httplib_response_read_all_async (resp, NULL, test_on_async_done, &slot);
      result = test_wait_for_result (&slot);
      body = httplib_response_read_all_finish (resp, result, &error);
      httplib_assert_no_error (error);
      test_assert_bytes_equal (body, "hello", -1, "response body");
    }
  g_main_context_pop_thread_default (context);

  /* Opened once, natively: the events came on this thread's context. */
  ck_assert_str_eq (log.names->str, "connecting connected complete");
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
  g_signal_handlers_disconnect_by_data (conn, &log);
  test_event_log_clear (&log);
}
END_TEST

/* --- bad inputs --- */

START_TEST (test_path_too_long)
{
  GError *error = NULL;
  g_autofree char *path = g_strnfill (SUN_PATH_SIZE, 'a');
  HttplibConnection *conn;

  path[0] = '/';
  conn = httplib_connection_new_unix (path, "localhost", &error);
  ck_assert_ptr_null (conn);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  test_assert_message_has (error, "is 108 bytes long");
  test_assert_message_has (error, "at most 107");
  g_clear_error (&error);

  /* The same path through the property. */
  conn = g_initable_new (HTTPLIB_TYPE_CONNECTION, NULL, &error,
                         "host", "localhost", "socket-path", path, NULL);
  ck_assert_ptr_null (conn);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  g_clear_error (&error);
}
END_TEST

/* 107 bytes fit: the whole path is used, not a prefix of it. */
START_TEST (test_path_longest)
{
  GError *error = NULL;
  g_autoptr(GString) path = g_string_new (tmp_dir);
  g_autoptr(HttplibConnection) conn = NULL;

  g_string_append_c (path, '/');
  while (path->len < SUN_PATH_SIZE - 1)
    g_string_append_c (path, 's');
  conn = httplib_connection_new_unix (path->str, "localhost", &error);
  httplib_assert_no_error (error);

  ck_assert (!httplib_connection_connect (conn, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  test_assert_message_has (error, path->str);
  g_clear_error (&error);
}
END_TEST

static const struct {
  const char *path;
  const char *authority;
  const char *message;
} invalid_rows[] = {
  { "", "localhost", "empty socket path" },
  { "/run/x.sock", "", "" },
  { "/run/x.sock", "local host", "" },
  { "/run/x.sock", "localhost:http", "" },
};

START_TEST (test_invalid)
{
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new_unix (invalid_rows[_i].path,
                                                         invalid_rows[_i].authority, &error);

  ck_assert_msg (conn == NULL, "path \"%s\" authority \"%s\" was accepted",
                 invalid_rows[_i].path, invalid_rows[_i].authority);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  test_assert_message_has (error, invalid_rows[_i].message);
  g_clear_error (&error);
}
END_TEST

START_TEST (test_missing_socket)
{
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(GMainContext) context = g_main_context_new ();
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  ck_assert (!httplib_connection_connect (conn, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  test_assert_message_has (error, sock_path);
  g_clear_error (&error);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);

  g_main_context_push_thread_default (context);
  httplib_connection_connect_async (conn, NULL, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  g_main_context_pop_thread_default (context);
  ck_assert (!httplib_connection_connect_finish (conn, result, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  test_assert_message_has (error, sock_path);
  g_clear_error (&error);
}
END_TEST

START_TEST (test_no_listener)
{
  g_autoptr(HttplibConnection) conn = NULL;
  GError *error = NULL;

  make_dead_socket_file (sock_path);
  conn = unix_connect ("localhost");
  error = test_get_error (conn);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  test_assert_message_has (error, sock_path);
  g_clear_error (&error);
}
END_TEST

/* Choosing unix for a connection to a host and port: no path to reach. */
START_TEST (test_no_path)
{
  g_autoptr(HttplibConnection) conn = NULL;
  GError *error = NULL;

  conn = httplib_connection_new ("localhost", 8080, &error);
  httplib_assert_no_error (error);
  httplib_connection_set_transport (conn, "unix");
  ck_assert (!httplib_connection_connect (conn, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  test_assert_message_has (error, "needs a socket path");
  g_clear_error (&error);
}
END_TEST

/* An endpoint made by hand reaches the transport unchecked: it checks too. */
START_TEST (test_transport_checks)
{
  GError *error = NULL;
  GType type = httplib_registry_lookup_transport (httplib_registry_get_default (), "unix",
                                                  &error);
  g_autoptr(HttplibTransport) transport = NULL;
  g_autoptr(HttplibEndpoint) endpoint = httplib_endpoint_new ("localhost", 80);
  g_autofree char *path = g_strnfill (SUN_PATH_SIZE, 'a');
  GIOStream *stream;

  httplib_assert_no_error (error);
  transport = g_object_new (type, NULL);
  stream = httplib_transport_open (transport, endpoint, NULL, NULL, &error);
  ck_assert_ptr_null (stream);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  test_assert_message_has (error, "needs a socket path");
  g_clear_error (&error);

  httplib_endpoint_set_socket_path (endpoint, path);
  stream = httplib_transport_open (transport, endpoint, NULL, NULL, &error);
  ck_assert_ptr_null (stream);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  test_assert_message_has (error, "longer than the 107 bytes");
  g_clear_error (&error);
}
END_TEST

/* --- cancellation and the timeout --- */

START_TEST (test_cancel_before_connect)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  ck_assert (!httplib_connection_connect (conn, cancellable, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_main_context_push_thread_default (context);
  httplib_connection_connect_async (conn, cancellable, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  g_main_context_pop_thread_default (context);
  ck_assert (!httplib_connection_connect_finish (conn, result, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);
}
END_TEST

/* The server reads the request and never answers. */
START_TEST (test_cancel_response)
{
  static const char * const steps[] = { TEST_STEP_READ_HANG, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(HttplibResponse) resp = NULL;
  GError *error = NULL;
  GThread *canceller;

  ck_assert (httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  canceller = test_cancel_later (cancellable, 150);
  resp = httplib_connection_get_response (conn, cancellable, &error);
  g_thread_join (canceller);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}
END_TEST

START_TEST (test_timeout)
{
  static const char * const steps[] = { TEST_STEP_READ_HANG, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  g_autoptr(HttplibResponse) resp = NULL;
  GError *error = NULL;

  ck_assert (httplib_connection_set_timeout (conn, 1, &error));
  ck_assert (httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
}
END_TEST

/* --- one transport, several opens --- */

/* Rows of the tests run both ways: 0 blocking, 1 async. */
static const char * const ways[] = { "blocking", "async" };

static HttplibEndpoint *
endpoint_for_path (const char *path, double timeout)
{
  HttplibEndpoint *endpoint = httplib_endpoint_new ("localhost", 80);

  httplib_endpoint_set_socket_path (endpoint, path);
  httplib_endpoint_set_timeout (endpoint, timeout);
  return endpoint;
}

/* A transport keeps the address of the last path: each open must still
 * go where its own endpoint says. */
START_TEST (test_follows_path)
{
  static const char * const steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autofree char *other_path = g_build_filename (tmp_dir, "other.sock", NULL);
  TestScript script_a;
  TestScript script_b = { .steps = steps };
  g_autoptr(TestServer) a = unix_server (&script_a, steps);
  g_autoptr(TestServer) b = test_server_new_unix (other_path, test_script_handler, &script_b);
  g_autoptr(HttplibTransport) transport = test_new_transport ("unix");
  gboolean async = _i == 1;
  const char *opens[] = { sock_path, other_path, sock_path, sock_path, other_path };

  ck_assert_ptr_nonnull (b);
  for (guint i = 0; i < G_N_ELEMENTS (opens); i++)
    {
      g_autoptr(HttplibEndpoint) endpoint = endpoint_for_path (opens[i], 5);
      g_autoptr(GIOStream) stream = NULL;
      g_autofree char *peer = NULL;
      GError *error = NULL;

      stream = test_transport_open (transport, endpoint, async, NULL, &error);
      httplib_assert_no_error (error);
      peer = test_stream_peer (stream);
      ck_assert_msg (strcmp (peer, opens[i]) == 0, "%s open %u: expected peer %s, got %s",
                     ways[_i], i, opens[i], peer);
    }
  ck_assert (test_server_wait_handled (a, 3));
  ck_assert (test_server_wait_handled (b, 2));
  ck_assert_uint_eq (test_server_get_n_connections (a), 3);
  ck_assert_uint_eq (test_server_get_n_connections (b), 2);
}
END_TEST

/* --- events only while someone listens --- */

/* A handler that comes after silent opens gets every event of the next
 * open, the connecting one with the path on its stream (as GSocketClient
 * gives it); after it leaves, nothing is emitted to anyone. */
START_TEST (test_events_on_demand)
{
  static const char * const steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibTransport) transport = test_new_transport ("unix");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for_path (sock_path, 5);
  g_autofree char *two_peers = g_strdup_printf ("%s,%s", sock_path, sock_path);
  TestEventLog log;
  gboolean async = _i == 1;

  test_event_log_init (&log);
  test_open_with_listener_on_demand (transport, endpoint, async, &log);
  ck_assert_str_eq (log.names->str, "connecting connected complete connecting connected complete");
  ck_assert_str_eq (log.peers->str, two_peers);
  ck_assert (test_server_wait_handled (server, 6));
  test_event_log_clear (&log);
}
END_TEST

/* Through a connection: its chain stops passing the unix link's events on
 * while nobody listens to the connection, and starts again at once. */
START_TEST (test_connection_events_on_demand)
{
  static const char * const steps[] = {
    OK_HELLO, TEST_STEP_CLOSE, OK_HELLO, TEST_STEP_CLOSE,
    OK_HELLO, TEST_STEP_CLOSE, OK_HELLO, NULL
  };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
  TestEventLog log;

  test_event_log_init (&log);
  test_request_with_listener_on_demand (conn, &log);
  ck_assert_str_eq (log.names->str, "connecting connected complete connecting connected complete");
  test_event_log_clear (&log);
}
END_TEST

/* --- failures, the same with and without a listener --- */

/* A listener on path whose accept queue is full. A connect to it does not
 * wait: the kernel refuses a non-blocking one (all GIO makes) at once. */
static GPtrArray *
full_listener (const char *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  GSocket *listener;
  GError *error = NULL;

  listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                           &error);
  httplib_assert_no_error (error);
  g_ptr_array_add (sockets, listener);
  g_socket_set_listen_backlog (listener, 0);
  ck_assert (g_socket_bind (listener, address, FALSE, &error));
  ck_assert (g_socket_listen (listener, &error));
  for (guint i = 0; i < 4; i++)
    {
      GSocket *filler = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, &error);

      httplib_assert_no_error (error);
      g_ptr_array_add (sockets, filler);
      g_socket_set_blocking (filler, FALSE);
      if (!g_socket_connect (filler, address, NULL, &error))
        {
          httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          g_clear_error (&error);
          return g_steal_pointer (&sockets);
        }
    }
  ck_abort_msg ("could not fill the accept queue of a Unix socket listener");
  return NULL;
}

/* What GIO says, after the transport's "unix socket '<path>': ". */
static void
assert_message (const GError *error, const TestOpenWay *way, const char *gio_says)
{
  g_autofree char *expected = g_strdup_printf ("unix socket '%s': %s", sock_path, gio_says);

  ck_assert_msg (strcmp (error->message, expected) == 0, "%s: expected \"%s\", got \"%s\"",
                 way->description, expected, error->message);
}

/* What lies at the socket path when an open fails there. */
typedef enum { NOTHING, DEAD_SOCKET, FULL_LISTENER } Obstacle;

static const struct {
  const char *description;
  Obstacle    obstacle;
  int         code;
  const char *gio_says;
} failure_rows[] = {
  { "missing socket file", NOTHING, G_IO_ERROR_NOT_FOUND,
    "Could not connect: No such file or directory" },
  { "nobody listening", DEAD_SOCKET, G_IO_ERROR_CONNECTION_REFUSED,
    "Could not connect: Connection refused" },
  /* A server too busy to accept: the open fails at once, never waits. */
  { "accept queue full", FULL_LISTENER, G_IO_ERROR_WOULD_BLOCK,
    "Could not connect: Resource temporarily unavailable" },
};

/* Each failure, each way (_i runs over rows x ways): the same code and
 * message, and the connecting event only for a listener. */
START_TEST (test_open_fails)
{
  const TestOpenWay *way = &test_open_ways[_i % TEST_N_OPEN_WAYS];
  guint row = _i / TEST_N_OPEN_WAYS;
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for_path (sock_path, 5);
  g_autoptr(GPtrArray) busy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  if (failure_rows[row].obstacle == DEAD_SOCKET)
    make_dead_socket_file (sock_path);
  else if (failure_rows[row].obstacle == FULL_LISTENER)
    busy = full_listener (sock_path);
  error = test_transport_open_failing ("unix", way, endpoint, NULL, &events);
  ck_assert_msg (g_error_matches (error, G_IO_ERROR, failure_rows[row].code),
                 "%s, %s: got %s", failure_rows[row].description, way->description,
                 error->message);
  assert_message (error, way, failure_rows[row].gio_says);
  ck_assert_str_eq (events, way->listen ? "connecting" : "");
}
END_TEST

/* Cancelled before the open: no socket and no event. (A connect to a Unix
 * socket never waits, so there is no connecting stage to cancel or time
 * out: see the accept queue row of test_open_fails.) */
START_TEST (test_open_cancelled_before)
{
  const TestOpenWay *way = &test_open_ways[_i];
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for_path (sock_path, 5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  g_cancellable_cancel (cancellable);
  error = test_transport_open_failing ("unix", way, endpoint, cancellable, &events);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_message (error, way, "Operation was cancelled");
  ck_assert_str_eq (events, "");
  ck_assert_uint_eq (test_server_get_n_connections (server), 0);
}
END_TEST

/* The endpoint's timeout becomes the socket's, whichever way it opened:
 * a read from a server that says nothing ends after it. */
START_TEST (test_open_read_timeout)
{
  const TestOpenWay *way = &test_open_ways[_i];
  static const char * const steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  TestScript script;
  g_autoptr(TestServer) server = unix_server (&script, steps);
  g_autoptr(HttplibTransport) transport = test_new_transport ("unix");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for_path (sock_path, 0.5);
  g_autoptr(GIOStream) stream = NULL;
  TestEventLog log;
  GError *error = NULL;
  char byte;
  gint64 start;
  gint64 took;

  test_event_log_init (&log);
  if (way->listen)
    g_signal_connect (transport, "event", G_CALLBACK (test_event_log_on_transport_event), &log);
  stream = test_transport_open (transport, endpoint, way->async, NULL, &error);
  httplib_assert_no_error (error);
  start = g_get_monotonic_time ();
  ck_assert_int_eq (g_input_stream_read (g_io_stream_get_input_stream (stream), &byte, 1, NULL,
                                         &error), -1);
  took = g_get_monotonic_time () - start;
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_str_eq (error->message, "Socket I/O timed out");
  g_clear_error (&error);
  /* GIO counts socket timeouts in whole seconds: 0.5 s is 1 s. */
  ck_assert_int_ge (took, 500 * 1000);
  ck_assert_int_lt (took, 5 * G_USEC_PER_SEC);
  ck_assert_str_eq (log.names->str, way->listen ? "connecting connected complete" : "");
  g_signal_handlers_disconnect_by_data (transport, &log);
  test_event_log_clear (&log);
}
END_TEST

/* Through a connection, listened to or not: the chain changes nothing in
 * what a failed connect says. */
START_TEST (test_connection_failures_alike)
{
  const TestOpenWay *way = &test_open_ways[_i];
  TestEventLog log;

  test_event_log_init (&log);
  for (guint dead = 0; dead < 2; dead++)
    {
      g_autoptr(HttplibConnection) conn = unix_connect ("localhost");
      g_autoptr(GError) error = NULL;

      if (dead)
        make_dead_socket_file (sock_path);
      if (way->listen)
        g_signal_connect (conn, "event", G_CALLBACK (test_event_log_on_connection_event), &log);
      if (way->async)
        {
          GAsyncResult *slot = NULL;
          g_autoptr(GAsyncResult) result = NULL;

          httplib_connection_connect_async (conn, NULL, test_on_async_done, &slot);
          result = test_wait_for_result (&slot);
          ck_assert (!httplib_connection_connect_finish (conn, result, &error));
        }
      else
        ck_assert (!httplib_connection_connect (conn, NULL, &error));
      httplib_assert_error (error, G_IO_ERROR, dead ? G_IO_ERROR_CONNECTION_REFUSED
                                                    : G_IO_ERROR_NOT_FOUND);
      assert_message (error, way, dead ? "Could not connect: Connection refused"
                                       : "Could not connect: No such file or directory");
      ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);
    }
  ck_assert_str_eq (log.names->str, way->listen ? "connecting connecting" : "");
  test_event_log_clear (&log);
}
END_TEST

static Suite *
unix_suite (void)
{
  Suite *s = suite_create ("unix");
  TCase *tc;

  tc = tcase_create ("requests");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_get);
  tcase_add_test (tc, test_post);
  tcase_add_test (tc, test_post_fd);
  tcase_add_test (tc, test_keep_alive);
  tcase_add_loop_test (tc, test_host_header, 0, G_N_ELEMENTS (host_rows));
  tcase_add_test (tc, test_property);
  tcase_add_test (tc, test_events);
  suite_add_tcase (s, tc);

  tc = tcase_create ("async");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_async_get);
  suite_add_tcase (s, tc);

  tc = tcase_create ("bad-input");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_path_too_long);
  tcase_add_test (tc, test_path_longest);
  tcase_add_loop_test (tc, test_invalid, 0, G_N_ELEMENTS (invalid_rows));
  tcase_add_test (tc, test_missing_socket);
  tcase_add_test (tc, test_no_listener);
  tcase_add_test (tc, test_no_path);
  tcase_add_test (tc, test_transport_checks);
  suite_add_tcase (s, tc);

  tc = tcase_create ("cancel");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_cancel_before_connect);
  tcase_add_test (tc, test_cancel_response);
  tcase_add_test (tc, test_timeout);
  suite_add_tcase (s, tc);

  tc = tcase_create ("reuse");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_follows_path, 0, G_N_ELEMENTS (ways));
  suite_add_tcase (s, tc);

  tc = tcase_create ("events");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_events_on_demand, 0, G_N_ELEMENTS (ways));
  tcase_add_test (tc, test_connection_events_on_demand);
  suite_add_tcase (s, tc);

  tc = tcase_create ("failure");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_open_fails, 0, G_N_ELEMENTS (failure_rows) * TEST_N_OPEN_WAYS);
  tcase_add_loop_test (tc, test_open_cancelled_before, 0, TEST_N_OPEN_WAYS);
  tcase_add_loop_test (tc, test_open_read_timeout, 0, TEST_N_OPEN_WAYS);
  tcase_add_loop_test (tc, test_connection_failures_alike, 0, TEST_N_OPEN_WAYS);
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (unix_suite)
