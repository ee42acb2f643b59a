/* test-tcp.c: the tcp transport across opens — one transport instance
 * following its endpoint (port, address, family, a name), the source
 * address changing between opens, events only while someone listens, and
 * the same errors, cancellation and timeout whether or not anyone listens
 * (an address with nobody listening skips GSocketClient), blocking and
 * async, against loopback servers */
#include <httplib/httplib.h>
#include <string.h>

#include "test-client.h"
#include "test-faulty-server.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* Rows of the tests run both ways: 0 blocking, 1 async. */
static const char * const ways[] = { "blocking", "async" };

static HttplibTransport *
new_tcp (void)
{
  GError *error = NULL;
  GType type = httplib_registry_lookup_transport (httplib_registry_get_default (), "tcp", &error);

  httplib_assert_no_error (error);
  return g_object_new (type, NULL);
}

static HttplibEndpoint *
endpoint_for (const char *host, guint16 port, double timeout, const char *source)
{
  HttplibEndpoint *endpoint = httplib_endpoint_new (host, port);

  httplib_endpoint_set_timeout (endpoint, timeout);
  httplib_endpoint_set_source_address (endpoint, source);
  return endpoint;
}

/* Opens blocking or async (on the thread-default context, bounded). */
static GIOStream *
open_tcp (HttplibTransport *tcp, HttplibEndpoint *endpoint, gboolean async,
          GCancellable *cancellable, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!async)
    return httplib_transport_open (tcp, endpoint, NULL, cancellable, error);
  httplib_transport_open_async (tcp, endpoint, NULL, cancellable, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  return httplib_transport_open_finish (tcp, result, error);
}

/* "ip port" of one end of a socket connection. */
static char *
describe (GSocketAddress *address)
{
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("(none)");
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s %u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static char *
peer_of (GIOStream *stream)
{
  g_autoptr(GSocketAddress) address = NULL;

  ck_assert (G_IS_SOCKET_CONNECTION (stream));
  address = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (stream), NULL);
  return describe (address);
}

static char *
local_ip_of (GIOStream *stream)
{
  g_autoptr(GSocketAddress) address = NULL;

  address = g_socket_connection_get_local_address (G_SOCKET_CONNECTION (stream), NULL);
  ck_assert (G_IS_INET_SOCKET_ADDRESS (address));
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

/* --- one transport, several endpoints --- */

/* A transport keeps what it parsed for the last endpoint: each open must
 * still go where its own endpoint says. */
START_TEST (test_follows_endpoint)
{
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  TestScript script6 = { steps, 0, 0 };
  g_autoptr(TestServer) a = test_server_new_script (steps, 0);
  g_autoptr(TestServer) b = test_server_new_script (steps, 0);
  g_autoptr(TestServer) v6 = test_server_new_ipv6 (test_script_handler, &script6);
  g_autoptr(HttplibTransport) tcp = new_tcp ();
  gboolean async = _i == 1;
  struct {
    const char *host;
    TestServer *server;
    const char *peer_ip;  /* NULL: any loopback address */
  } opens[] = {
    { "127.0.0.1", a, "127.0.0.1" },
    { "127.0.0.1", b, "127.0.0.1" },
    { "127.0.0.1", a, "127.0.0.1" },
    { "localhost", b, NULL },
    { "::1", v6, "::1" },
    { "127.0.0.1", b, "127.0.0.1" },
    { "127.0.0.1", b, "127.0.0.1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (opens); i++)
    {
      guint16 port;
      g_autoptr(HttplibEndpoint) endpoint = NULL;
      g_autoptr(GIOStream) stream = NULL;
      g_autofree char *peer = NULL;
      g_autofree char *expected = NULL;
      GError *error = NULL;

      if (opens[i].server == NULL)
        continue;  /* no IPv6 loopback here */
      port = test_server_get_port (opens[i].server);
      endpoint = endpoint_for (opens[i].host, port, 5, NULL);
      stream = open_tcp (tcp, endpoint, async, NULL, &error);
      httplib_assert_no_error (error);
      peer = peer_of (stream);
      if (opens[i].peer_ip != NULL)
        expected = g_strdup_printf ("%s %u", opens[i].peer_ip, port);
      else
        expected = g_strdup_printf (" %u", port);
      ck_assert_msg (opens[i].peer_ip != NULL ? strcmp (peer, expected) == 0
                                              : g_str_has_suffix (peer, expected),
                     "%s open %u to %s: expected peer %s, got %s",
                     ways[_i], i, opens[i].host, expected, peer);
    }
  ck_assert (test_server_wait_handled (a, 2));
  ck_assert (test_server_wait_handled (b, 4));
  ck_assert_uint_eq (test_server_get_n_connections (a), 2);
  ck_assert_uint_eq (test_server_get_n_connections (b), 4);
}
END_TEST

/* The source address is parsed again when it changes, and a bad one fails
 * every time, never leaving the previous one in place. */
START_TEST (test_source_address_changes)
{
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibTransport) tcp = new_tcp ();
  gboolean async = _i == 1;
  const struct {
    const char *source;
    const char *local_ip;  /* NULL: the open fails with INVALID_URL */
  } opens[] = {
    { "127.0.0.2", "127.0.0.2" },
    { "127.0.0.3", "127.0.0.3" },
    { "127.0.0.3", "127.0.0.3" },
    { NULL, "127.0.0.1" },
    { "not-an-address", NULL },
    { "not-an-address", NULL },
    { "127.0.0.2:0", "127.0.0.2" },
    { "not-an-address", NULL },
    { NULL, "127.0.0.1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (opens); i++)
    {
      g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server),
                                                          5, opens[i].source);
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *local_ip = NULL;

      stream = open_tcp (tcp, endpoint, async, NULL, &error);
      if (opens[i].local_ip == NULL)
        {
          httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
          ck_assert_ptr_null (stream);
          continue;
        }
      httplib_assert_no_error (error);
      local_ip = local_ip_of (stream);
      ck_assert_msg (strcmp (local_ip, opens[i].local_ip) == 0,
                     "%s open %u with source %s: expected local address %s, got %s", ways[_i], i,
                     opens[i].source ? opens[i].source : "(none)", opens[i].local_ip, local_ip);
    }
}
END_TEST

/* --- events --- */

typedef struct {
  GString *names;
  GString *peers;  /* the peer the stream of each connecting event names */
} EventLog;

static void
on_event (HttplibTransport *transport, HttplibTransportEvent event, GIOStream *stream,
          gpointer user_data)
{
  EventLog *log = user_data;
  g_autoptr(GEnumClass) klass = g_type_class_ref (HTTPLIB_TYPE_TRANSPORT_EVENT);

  g_string_append_printf (log->names, "%s%s", log->names->len ? " " : "",
                          g_enum_get_value (klass, event)->value_nick);
  if (event == HTTPLIB_TRANSPORT_EVENT_CONNECTING)
    {
      g_autofree char *peer = peer_of (stream);

      g_string_append_printf (log->peers, "%s%s", log->peers->len ? "," : "", peer);
    }
}

/* A handler that comes after silent opens gets every event of the next
 * open, the connecting one with the peer on its stream (as GSocketClient
 * gives it); after it leaves, nothing is emitted to anyone. */
START_TEST (test_events_on_demand)
{
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibTransport) tcp = new_tcp ();
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server),
                                                      5, NULL);
  g_autofree char *peer = g_strdup_printf ("127.0.0.1 %u", test_server_get_port (server));
  g_autofree char *two_peers = g_strdup_printf ("%s,%s", peer, peer);
  EventLog log = { g_string_new (NULL), g_string_new (NULL) };
  gboolean async = _i == 1;
  GError *error = NULL;
  gulong id;

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GIOStream) silent = open_tcp (tcp, endpoint, async, NULL, &error);
      g_autoptr(GIOStream) heard = NULL;
      g_autoptr(GIOStream) silent_again = NULL;

      httplib_assert_no_error (error);
      id = g_signal_connect (tcp, "event", G_CALLBACK (on_event), &log);
      heard = open_tcp (tcp, endpoint, async, NULL, &error);
      httplib_assert_no_error (error);
      g_signal_handler_disconnect (tcp, id);
      silent_again = open_tcp (tcp, endpoint, async, NULL, &error);
      httplib_assert_no_error (error);
    }
  ck_assert_str_eq (log.names->str, "resolving resolved connecting connected complete "
                                    "resolving resolved connecting connected complete");
  ck_assert_str_eq (log.peers->str, two_peers);
  g_string_free (log.names, TRUE);
  g_string_free (log.peers, TRUE);
}
END_TEST

static void
on_connection_event (HttplibConnection *conn, HttplibTransportEvent event, GIOStream *stream,
                     gpointer user_data)
{
  on_event (NULL, event, stream, user_data);
}

/* Through a connection: its chain stops passing the tcp link's events on
 * while nobody listens to the connection, and starts again at once. */
START_TEST (test_connection_events_on_demand)
{
  static const char * const steps[] = {
    OK_HELLO, TEST_STEP_CLOSE, OK_HELLO, TEST_STEP_CLOSE,
    OK_HELLO, TEST_STEP_CLOSE, OK_HELLO, NULL
  };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  EventLog log = { g_string_new (NULL), g_string_new (NULL) };
  gulong id;

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(HttplibResponse) first = NULL;
      g_autoptr(HttplibResponse) second = NULL;

      first = test_do_request (conn, "GET", "/", NULL, NULL);
      test_assert_body (first, "hello");
      httplib_connection_close (conn);

      id = g_signal_connect (conn, "event", G_CALLBACK (on_connection_event), &log);
      second = test_do_request (conn, "GET", "/", NULL, NULL);
      test_assert_body (second, "hello");
      httplib_connection_close (conn);
      g_signal_handler_disconnect (conn, id);
    }
  ck_assert_str_eq (log.names->str, "resolving resolved connecting connected complete "
                                    "resolving resolved connecting connected complete");
  g_string_free (log.names, TRUE);
  g_string_free (log.peers, TRUE);
}
END_TEST

/* --- failures, the same with and without a listener --- */

typedef struct {
  const char *description;
  gboolean    async;
  gboolean    listen;
} WayRow;

static const WayRow way_rows[] = {
  { "blocking, nobody listening", FALSE, FALSE },
  { "blocking, listening", FALSE, TRUE },
  { "async, nobody listening", TRUE, FALSE },
  { "async, listening", TRUE, TRUE },
};

/* Opens one endpoint the row's way; returns the error and the events seen. */
static GError *
open_failing (const WayRow *row, HttplibEndpoint *endpoint, GCancellable *cancellable,
              char **events)
{
  g_autoptr(HttplibTransport) tcp = new_tcp ();
  g_autoptr(GIOStream) stream = NULL;
  EventLog log = { g_string_new (NULL), g_string_new (NULL) };
  GError *error = NULL;

  if (row->listen)
    g_signal_connect (tcp, "event", G_CALLBACK (on_event), &log);
  stream = open_tcp (tcp, endpoint, row->async, cancellable, &error);
  ck_assert_msg (stream == NULL, "%s: expected the open to fail", row->description);
  ck_assert_msg (error != NULL, "%s: expected an error", row->description);
  g_signal_handlers_disconnect_by_data (tcp, &log);
  *events = g_string_free (log.names, FALSE);
  g_string_free (log.peers, TRUE);
  return error;
}

START_TEST (test_refused)
{
  const WayRow *row = &way_rows[_i];
  g_autoptr(TestServer) server = test_faulty_server_new (TEST_FAULT_REFUSED, NULL);
  g_autoptr(HttplibEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  ck_assert_ptr_nonnull (server);
  endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server), 5, NULL);
  error = open_failing (row, endpoint, NULL, &events);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  /* GSocketClient's words, whichever way it went. */
  ck_assert_str_eq (error->message, "Could not connect to 127.0.0.1: Connection refused");
  ck_assert_str_eq (events, row->listen ? "resolving resolved connecting" : "");
}
END_TEST

/* A source address the machine does not have: bind fails before any
 * packet, with GIO's error for bind. */
START_TEST (test_source_not_local)
{
  const WayRow *row = &way_rows[_i];
  g_autoptr(TestServer) server = test_faulty_server_new (TEST_FAULT_REFUSED, NULL);
  g_autoptr(HttplibEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  ck_assert_ptr_nonnull (server);
  /* 192.0.2.1 is TEST-NET-1: never a local address, and nothing is sent. */
  endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server), 5, "192.0.2.1");
  error = open_failing (row, endpoint, NULL, &events);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  ck_assert_msg (g_str_has_prefix (error->message, "Error binding to address 192.0.2.1:0: "),
                 "%s: expected GIO's bind error, got %s", row->description, error->message);
  ck_assert_str_eq (events, row->listen ? "resolving resolved" : "");
}
END_TEST

/* Cancelled before the open: no socket, and no event but GSocketClient's
 * async "resolving", which it emits before looking at the cancellable. */
START_TEST (test_cancelled_before)
{
  const WayRow *row = &way_rows[_i];
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", 9, 5, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  g_cancellable_cancel (cancellable);
  error = open_failing (row, endpoint, cancellable, &events);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_str_eq (events, row->listen && row->async ? "resolving" : "");
}
END_TEST

static gpointer
cancel_later (gpointer cancellable)
{
  g_usleep (150 * 1000);
  g_cancellable_cancel (cancellable);
  return NULL;
}

/* A connect the listener never answers: a cancellation (from another
 * thread, as a blocking caller must) or the timeout ends it. */
static void
stalled_connect (const WayRow *row, gboolean cancel)
{
  guint16 port = 0;
  g_autoptr(GPtrArray) stalled = test_stalled_listener_new (&port);
  g_autoptr(HttplibEndpoint) endpoint = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;
  GThread *canceller = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  ck_assert_ptr_nonnull (stalled);
  endpoint = endpoint_for ("127.0.0.1", port, cancel ? 10 : 0.4, NULL);
  if (cancel)
    canceller = g_thread_new ("cancel", cancel_later, cancellable);
  error = open_failing (row, endpoint, cancellable, &events);
  took = g_get_monotonic_time () - start;
  if (canceller != NULL)
    g_thread_join (canceller);

  httplib_assert_error (error, G_IO_ERROR, cancel ? G_IO_ERROR_CANCELLED : G_IO_ERROR_TIMED_OUT);
  /* GSocketClient's words for a blocking open; the async one has the deadline's. */
  if (!row->async)
    ck_assert_str_eq (error->message, cancel ? "Operation was cancelled"
                                             : "Could not connect to 127.0.0.1: Socket I/O timed out");
  ck_assert_int_ge (took, 100 * 1000);
  /* The blocking open counts its timeout in whole seconds: 0.4 s is 1 s. */
  ck_assert_int_lt (took, 5 * G_USEC_PER_SEC);
  ck_assert_str_eq (events, row->listen ? "resolving resolved connecting" : "");
}

START_TEST (test_cancel_connecting)
{
  stalled_connect (&way_rows[_i], TRUE);
}
END_TEST

START_TEST (test_timeout_connecting)
{
  stalled_connect (&way_rows[_i], FALSE);
}
END_TEST

static Suite *
tcp_suite (void)
{
  Suite *suite = suite_create ("tcp");
  TCase *tc;

  tc = tcase_create ("reuse");
  tcase_add_loop_test (tc, test_follows_endpoint, 0, G_N_ELEMENTS (ways));
  tcase_add_loop_test (tc, test_source_address_changes, 0, G_N_ELEMENTS (ways));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("events");
  tcase_add_loop_test (tc, test_events_on_demand, 0, G_N_ELEMENTS (ways));
  tcase_add_test (tc, test_connection_events_on_demand);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("failure");
  tcase_add_loop_test (tc, test_refused, 0, G_N_ELEMENTS (way_rows));
  tcase_add_loop_test (tc, test_source_not_local, 0, G_N_ELEMENTS (way_rows));
  tcase_add_loop_test (tc, test_cancelled_before, 0, G_N_ELEMENTS (way_rows));
  tcase_add_loop_test (tc, test_cancel_connecting, 0, G_N_ELEMENTS (way_rows));
  tcase_add_loop_test (tc, test_timeout_connecting, 0, G_N_ELEMENTS (way_rows));
  tcase_set_timeout (tc, 60);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (tcp_suite)
