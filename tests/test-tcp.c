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
#include "test-plugin-async.h"
#include "test-server.h"
#include "test-transport.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* Rows of the tests run both ways: 0 blocking, 1 async. */
static const char * const ways[] = { "blocking", "async" };

static HttplibEndpoint *
endpoint_for (const char *host, guint16 port, double timeout, const char *source)
{
  HttplibEndpoint *endpoint = httplib_endpoint_new (host, port);

  httplib_endpoint_set_timeout (endpoint, timeout);
  httplib_endpoint_set_source_address (endpoint, source);
  return endpoint;
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
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
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
      stream = test_transport_open (tcp, endpoint, async, NULL, &error);
      httplib_assert_no_error (error);
      peer = test_stream_peer (stream);
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
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
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

      stream = test_transport_open (tcp, endpoint, async, NULL, &error);
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

/* A handler that comes after silent opens gets every event of the next
 * open, the connecting one with the peer on its stream (as GSocketClient
 * gives it); after it leaves, nothing is emitted to anyone. */
START_TEST (test_events_on_demand)
{
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server),
                                                      5, NULL);
  g_autofree char *peer = g_strdup_printf ("127.0.0.1 %u", test_server_get_port (server));
  g_autofree char *two_peers = g_strdup_printf ("%s,%s", peer, peer);
  TestEventLog log;
  gboolean async = _i == 1;

  test_event_log_init (&log);
  test_open_with_listener_on_demand (tcp, endpoint, async, &log);
  ck_assert_str_eq (log.names->str, "resolving resolved connecting connected complete "
                                    "resolving resolved connecting connected complete");
  ck_assert_str_eq (log.peers->str, two_peers);
  test_event_log_clear (&log);
}
END_TEST

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
  TestEventLog log;

  test_event_log_init (&log);
  test_request_with_listener_on_demand (conn, &log);
  ck_assert_str_eq (log.names->str, "resolving resolved connecting connected complete "
                                    "resolving resolved connecting connected complete");
  test_event_log_clear (&log);
}
END_TEST

/* --- failures, the same with and without a listener --- */

START_TEST (test_refused)
{
  const TestOpenWay *row = &test_open_ways[_i];
  g_autoptr(TestServer) server = test_faulty_server_new (TEST_FAULT_REFUSED, NULL);
  g_autoptr(HttplibEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  ck_assert_ptr_nonnull (server);
  endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server), 5, NULL);
  error = test_transport_open_failing ("tcp", row, endpoint, NULL, &events);
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
  const TestOpenWay *row = &test_open_ways[_i];
  g_autoptr(TestServer) server = test_faulty_server_new (TEST_FAULT_REFUSED, NULL);
  g_autoptr(HttplibEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  ck_assert_ptr_nonnull (server);
  /* 192.0.2.1 is TEST-NET-1: never a local address, and nothing is sent. */
  endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server), 5, "192.0.2.1");
  error = test_transport_open_failing ("tcp", row, endpoint, NULL, &events);
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
  const TestOpenWay *row = &test_open_ways[_i];
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", 9, 5, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *events = NULL;

  g_cancellable_cancel (cancellable);
  error = test_transport_open_failing ("tcp", row, endpoint, cancellable, &events);
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
stalled_connect (const TestOpenWay *row, gboolean cancel)
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
  error = test_transport_open_failing ("tcp", row, endpoint, cancellable, &events);
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
  stalled_connect (&test_open_ways[_i], TRUE);
}
END_TEST

START_TEST (test_timeout_connecting)
{
  stalled_connect (&test_open_ways[_i], FALSE);
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
  tcase_add_loop_test (tc, test_refused, 0, TEST_N_OPEN_WAYS);
  tcase_add_loop_test (tc, test_source_not_local, 0, TEST_N_OPEN_WAYS);
  tcase_add_loop_test (tc, test_cancelled_before, 0, TEST_N_OPEN_WAYS);
  tcase_add_loop_test (tc, test_cancel_connecting, 0, TEST_N_OPEN_WAYS);
  tcase_add_loop_test (tc, test_timeout_connecting, 0, TEST_N_OPEN_WAYS);
  tcase_set_timeout (tc, 60);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (tcp_suite)
