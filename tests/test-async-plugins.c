/* test-async-plugins.c: the transports' native open_async (tcp, tunnel,
 * tls, and the three chained), driven by a GMainLoop on a thread-default
 * context of the test's own, against loopback servers. The TLS stream's own
 * non-blocking I/O, the body sources' write_to_async and the core's
 * fallback for blocking-only plugins are in test-async-streams.c. */
#include <httplib/httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "test-certs.h"
#include "test-faulty-server.h"
#include "test-plugin-async.h"
#include "test-proxy.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define GET_ROOT "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"

/* --- transport events --- */

/* The events a transport reported, and whether each came on the test's thread. */
typedef struct {
  GArray  *events;
  GThread *thread;
  gboolean elsewhere;
} EventLog;

static void
on_event (HttplibTransport *transport, HttplibTransportEvent event, GIOStream *stream,
          gpointer user_data)
{
  EventLog *log = user_data;

  g_array_append_val (log->events, event);
  if (g_thread_self () != log->thread)
    log->elsewhere = TRUE;
}

static EventLog *
event_log_new (HttplibTransport *transport)
{
  EventLog *log = g_new0 (EventLog, 1);

  log->events = g_array_new (FALSE, FALSE, sizeof (HttplibTransportEvent));
  log->thread = g_thread_self ();
  g_signal_connect (transport, "event", G_CALLBACK (on_event), log);
  return log;
}

static void
event_log_free (EventLog *log)
{
  g_array_unref (log->events);
  g_free (log);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EventLog, event_log_free)

static char *
event_names (GArray *events)
{
  GString *names = g_string_new (NULL);
  g_autoptr(GEnumClass) klass = g_type_class_ref (HTTPLIB_TYPE_TRANSPORT_EVENT);

  for (guint i = 0; i < events->len; i++)
    {
      GEnumValue *value = g_enum_get_value (klass, g_array_index (events, int, i));

      g_string_append_printf (names, "%s%s", i ? " " : "", value ? value->value_nick : "?");
    }
  return g_string_free (names, FALSE);
}

static void
assert_events (EventLog *log, const char *expected)
{
  g_autofree char *names = event_names (log->events);

  ck_assert_msg (g_strcmp0 (names, expected) == 0, "events: expected \"%s\", got \"%s\"",
                 expected, names);
  ck_assert_msg (!log->elsewhere, "an event was emitted on another thread");
}

static gboolean
has_event (EventLog *log, HttplibTransportEvent event)
{
  for (guint i = 0; i < log->events->len; i++)
    if (g_array_index (log->events, HttplibTransportEvent, i) == event)
      return TRUE;
  return FALSE;
}

static TestServer *
tls_script_server (const char * const *steps, const char *cert_file, const char *key_file)
{
  TestTlsOptions options = { 0 };
  TestServer *server;

  options.cert_file = cert_file;
  options.key_file = key_file;
  server = test_server_new_script_tls (steps, 0, &options);
  ck_assert_ptr_nonnull (server);
  return server;
}

/* --- tcp --- */

START_TEST (test_tcp_open)
{
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibTransport) sync_tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", test_server_get_port (server), 2.5);
  g_autoptr(EventLog) log = event_log_new (tcp);
  g_autoptr(EventLog) sync_log = event_log_new (sync_tcp);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) sync_stream = NULL;
  g_autofree char *names = NULL;
  g_autofree char *sync_names = NULL;
  GError *error = NULL;
  GSocket *socket;
  gint nodelay = 0;

  stream = test_open_async (loop, tcp, endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert (G_IS_SOCKET_CONNECTION (stream));
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  ck_assert (g_socket_get_option (socket, IPPROTO_TCP, TCP_NODELAY, &nodelay, NULL));
  ck_assert_int_ne (nodelay, 0);
  /* The timeout, rounded up to whole seconds, is on the socket. */
  ck_assert_uint_eq (g_socket_get_timeout (socket), 3);
  assert_events (log, "resolving resolved connecting connected complete");

  /* The blocking open reports the same events. */
  g_io_stream_close (stream, NULL, NULL);
  sync_stream = httplib_transport_open (sync_tcp, endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  names = event_names (log->events);
  sync_names = event_names (sync_log->events);
  ck_assert_str_eq (names, sync_names);
}
END_TEST

START_TEST (test_tcp_ipv6_and_source_address)
{
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestLoop) loop = test_loop_new ();
  TestScript script = { steps, 0, 0 };
  g_autoptr(TestServer) server = test_server_new_ipv6 (test_script_handler, &script);
  g_autoptr(TestServer) server4 = test_server_new_script (steps, 0);
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *local_ip = NULL;
  GError *error = NULL;

  /* The source address is bound before connecting. */
  endpoint = test_endpoint_for ("127.0.0.1", test_server_get_port (server4), 5);
  httplib_endpoint_set_source_address (endpoint, "127.0.0.2");
  stream = test_open_async (loop, tcp, endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  local = g_socket_connection_get_local_address (G_SOCKET_CONNECTION (stream), &error);
  httplib_assert_no_error (error);
  local_ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  ck_assert_str_eq (local_ip, "127.0.0.2");
  g_clear_object (&stream);

  if (server == NULL)
    return;  /* no IPv6 loopback here */
  g_clear_pointer (&endpoint, httplib_endpoint_unref);
  endpoint = test_endpoint_for ("::1", test_server_get_port (server), 5);
  stream = test_open_async (loop, tcp, endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert (G_IS_SOCKET_CONNECTION (stream));
}
END_TEST

/* A port nobody listens on. */
static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  ck_assert (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

START_TEST (test_tcp_refused)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", closed_port (), 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = test_open_async (loop, tcp, endpoint, NULL, NULL, &error);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}
END_TEST

START_TEST (test_tcp_bad_arguments)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", 80, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) base_error = NULL;
  g_autoptr(GIOStream) base = g_simple_io_stream_new (g_memory_input_stream_new (),
                                                      g_memory_output_stream_new_resizable ());
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) on_base = NULL;

  httplib_endpoint_set_source_address (endpoint, "not-an-address");
  stream = test_open_async (loop, tcp, endpoint, NULL, NULL, &error);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  ck_assert_ptr_nonnull (strstr (error->message, "not-an-address"));

  on_base = test_open_async (loop, tcp, endpoint, base, NULL, &base_error);
  httplib_assert_error (base_error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  /* Both objects the base pair holds are dropped with it. */
  g_object_unref (g_io_stream_get_input_stream (base));
  g_object_unref (g_io_stream_get_output_stream (base));
}
END_TEST

/* A resolver that never answers until its lookup is cancelled: the
 * resolving stage stalls. */
#define TEST_TYPE_STALL_RESOLVER (test_stall_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestStallResolver, test_stall_resolver, TEST, STALL_RESOLVER, GResolver)

struct _TestStallResolver {
  GResolver parent_instance;
  guint     n_lookups;
};

G_DEFINE_TYPE (TestStallResolver, test_stall_resolver, G_TYPE_RESOLVER)

static gboolean
on_lookup_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
stall_lookup_async (GResolver *resolver, const char *hostname, GResolverNameLookupFlags flags,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (resolver, cancellable, callback, user_data);
  GSource *source;

  TEST_STALL_RESOLVER (resolver)->n_lookups++;
  ck_assert_ptr_nonnull (cancellable);
  source = g_cancellable_source_new (cancellable);
  g_source_set_callback (source, G_SOURCE_FUNC (on_lookup_cancelled), task, g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
stall_lookup_by_name_async (GResolver *resolver, const char *hostname, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  stall_lookup_async (resolver, hostname, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT, cancellable,
                      callback, user_data);
}

static GList *
stall_lookup_finish (GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
stall_lookup_sync (GResolver *resolver, const char *hostname, GCancellable *cancellable,
                   GError **error)
{
  g_set_error_literal (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "blocking lookup");
  return NULL;
}

static void
test_stall_resolver_class_init (TestStallResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  resolver_class->lookup_by_name = stall_lookup_sync;
  resolver_class->lookup_by_name_async = stall_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = stall_lookup_finish;
  resolver_class->lookup_by_name_with_flags_async = stall_lookup_async;
  resolver_class->lookup_by_name_with_flags_finish = stall_lookup_finish;
}

static void
test_stall_resolver_init (TestStallResolver *self)
{
}

/* Runs one tcp open to a name only the stalling resolver is asked about. */
static GError *
tcp_open_stalled_lookup (gboolean cancel, guint *n_lookups)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(GResolver) old = g_resolver_get_default ();
  g_autoptr(TestStallResolver) resolver = g_object_new (TEST_TYPE_STALL_RESOLVER, NULL);
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("stall.invalid", 80, cancel ? 10 : 0.3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EventLog) log = event_log_new (tcp);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  g_resolver_set_default (G_RESOLVER (resolver));
  if (cancel)
    test_cancel_after (loop, cancellable, 100);
  stream = test_open_async (loop, tcp, endpoint, NULL, cancellable, &error);
  took = g_get_monotonic_time () - start;
  g_resolver_set_default (old);

  ck_assert_ptr_null (stream);
  ck_assert_int_ge (took, 80 * 1000);
  ck_assert_int_lt (took, 3 * G_USEC_PER_SEC);
  /* It stopped while resolving. */
  ck_assert (has_event (log, HTTPLIB_TRANSPORT_EVENT_RESOLVING));
  ck_assert (!has_event (log, HTTPLIB_TRANSPORT_EVENT_RESOLVED));
  ck_assert (!has_event (log, HTTPLIB_TRANSPORT_EVENT_CONNECTING));
  *n_lookups = resolver->n_lookups;
  return error;
}

START_TEST (test_tcp_cancel_resolving)
{
  guint n_lookups = 0;
  g_autoptr(GError) error = tcp_open_stalled_lookup (TRUE, &n_lookups);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_uint_ge (n_lookups, 1);
}
END_TEST

START_TEST (test_tcp_timeout_resolving)
{
  guint n_lookups = 0;
  g_autoptr(GError) error = tcp_open_stalled_lookup (FALSE, &n_lookups);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_uint_ge (n_lookups, 1);
  ck_assert_ptr_nonnull (strstr (error->message, "stall.invalid"));
}
END_TEST

static GError *
tcp_open_stalled_connect (gboolean cancel)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  guint16 port = 0;
  g_autoptr(GPtrArray) stalled = test_stalled_listener_new (&port);
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", port, cancel ? 10 : 0.4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EventLog) log = event_log_new (tcp);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  ck_assert_ptr_nonnull (stalled);
  if (cancel)
    test_cancel_after (loop, cancellable, 150);
  stream = test_open_async (loop, tcp, endpoint, NULL, cancellable, &error);
  took = g_get_monotonic_time () - start;
  ck_assert_ptr_null (stream);
  ck_assert_int_ge (took, 100 * 1000);
  ck_assert_int_lt (took, 3 * G_USEC_PER_SEC);
  ck_assert (has_event (log, HTTPLIB_TRANSPORT_EVENT_CONNECTING));
  ck_assert (!has_event (log, HTTPLIB_TRANSPORT_EVENT_CONNECTED));
  return error;
}

START_TEST (test_tcp_cancel_connecting)
{
  g_autoptr(GError) error = tcp_open_stalled_connect (TRUE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_tcp_timeout_connecting)
{
  g_autoptr(GError) error = tcp_open_stalled_connect (FALSE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_ptr_nonnull (strstr (error->message, "timed out after 0.4 s"));
}
END_TEST

/* --- tunnel --- */

static TestServer *
proxy_with (TestProxyAction action, const char *reply)
{
  TestProxyStep step = { action, reply };
  TestServer *proxy = test_proxy_new (&step, 1, NULL);

  ck_assert_ptr_nonnull (proxy);
  return proxy;
}

START_TEST (test_tunnel_open)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = proxy_with (TEST_PROXY_TUNNEL, NULL);
  g_autoptr(HttplibTransport) tunnel = test_new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", test_server_get_port (origin), 5);
  g_autoptr(HttplibHeaders) extra = httplib_headers_new ();
  g_autoptr(EventLog) log = event_log_new (tunnel);
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (proxy));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GString) response = NULL;
  g_autoptr(GBytes) connect = NULL;
  g_autofree char *authority = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (origin));
  g_autofree char *line = g_strdup_printf ("CONNECT %s HTTP/1.1", authority);
  GError *error = NULL;

  httplib_headers_append (extra, "Proxy-Authorization", "Basic dXNlcjpwYXNz");
  httplib_endpoint_set_headers (endpoint, extra);
  stream = test_open_async (loop, tunnel, endpoint, base, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_ptr_eq (stream, base);
  assert_events (log, "proxy-negotiating proxy-negotiated complete");
  ck_assert_uint_eq (httplib_endpoint_get_reply_status (endpoint), 200);
  ck_assert_str_eq (httplib_endpoint_get_reply_reason (endpoint), "Connection established");

  connect = test_server_get_request (proxy, 0);
  test_assert_request_line (connect, line);
  test_assert_request_header (connect, "Host", authority);
  test_assert_request_header (connect, "Proxy-Authorization", "Basic dXNlcjpwYXNz");

  /* The stream now reaches the origin. */
  test_write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
  response = test_read_async (loop, stream, strlen (OK_HELLO));
  ck_assert_str_eq (response->str, OK_HELLO);
}
END_TEST

typedef struct {
  const char *what;
  TestProxyAction action;
  const char *reply;
  GQuark    (*domain) (void);
  int         code;
  const char *message;
  guint       status;   /* recorded on the endpoint; 0: none */
} TunnelFailure;

static const TunnelFailure tunnel_failures[] = {
  { "407", TEST_PROXY_REPLY_CLOSE, TEST_PROXY_407, httplib_error_quark,
    HTTPLIB_ERROR_TUNNEL_FAILED, "Tunnel connection failed: 407 Proxy Authentication Required", 407 },
  { "bytes after 200", TEST_PROXY_REPLY_THEN_RELAY,
    "HTTP/1.1 200 Connection established\r\n\r\nstray", httplib_error_quark,
    HTTPLIB_ERROR_TUNNEL_FAILED, "Tunnel connection failed: the proxy sent 5 bytes after its 200 "
    "Connection established", 200 },
  { "closed without answer", TEST_PROXY_CLOSE, NULL, httplib_error_quark,
    HTTPLIB_ERROR_REMOTE_DISCONNECTED, "the proxy's answer to CONNECT 127.0.0.1:", 0 },
  { "garbage", TEST_PROXY_REPLY_CLOSE, "SPDY/9 200 OK\r\n\r\n", httplib_error_quark,
    HTTPLIB_ERROR_BAD_STATUS_LINE, "the proxy's answer to CONNECT 127.0.0.1:", 0 },
};

/* Each failure is the same error, code and message as the blocking open's. */
START_TEST (test_tunnel_failures)
{
  const TunnelFailure *row = &tunnel_failures[_i];
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = proxy_with (row->action, row->reply);
  g_autoptr(HttplibTransport) tunnel = test_new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", test_server_get_port (origin), 5);
  g_autoptr(HttplibEndpoint) sync_endpoint = test_endpoint_for ("127.0.0.1", test_server_get_port (origin), 5);
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (proxy));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) sync_base = NULL;
  g_autoptr(GIOStream) sync_stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) sync_error = NULL;

  stream = test_open_async (loop, tunnel, endpoint, base, NULL, &error);
  ck_assert_ptr_null (stream);
  ck_assert_msg (error != NULL && error->domain == row->domain () && error->code == row->code,
                 "%s: expected code %d, got %s", row->what, row->code,
                 error ? error->message : "no error");
  ck_assert_msg (strstr (error->message, row->message) != NULL, "%s: \"%s\" lacks \"%s\"",
                 row->what, error->message, row->message);
  ck_assert_uint_eq (httplib_endpoint_get_reply_status (endpoint), row->status);
  if (row->status == 407)
    ck_assert_str_eq (httplib_headers_get_one (httplib_endpoint_get_reply_headers (endpoint),
                                               "Proxy-Authenticate"), "Basic realm=\"test\"");

  /* The blocking open, on the proxy's next connection, says the same. */
  g_io_stream_close (base, NULL, NULL);
  sync_base = test_tcp_to (loop, test_server_get_port (proxy));
  sync_stream = httplib_transport_open (tunnel, sync_endpoint, sync_base, NULL, &sync_error);
  ck_assert_ptr_nonnull (sync_error);
  ck_assert_str_eq (error->message, sync_error->message);
}
END_TEST

START_TEST (test_tunnel_without_base)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibTransport) tunnel = test_new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", 80, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = test_open_async (loop, tunnel, endpoint, NULL, NULL, &error);

  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
}
END_TEST

/* A proxy that reads CONNECT and never answers. */
static GError *
tunnel_stalled (gboolean cancel)
{
  const char *steps[] = { TEST_STEP_READ_HANG, NULL };
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) proxy = test_server_new_script (steps, 0);
  g_autoptr(HttplibTransport) tunnel = test_new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", 9, cancel ? 10 : 0.4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EventLog) log = event_log_new (tunnel);
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (proxy));
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  if (cancel)
    test_cancel_after (loop, cancellable, 150);
  stream = test_open_async (loop, tunnel, endpoint, base, cancellable, &error);
  took = g_get_monotonic_time () - start;
  ck_assert_ptr_null (stream);
  ck_assert_int_ge (took, 100 * 1000);
  ck_assert_int_lt (took, 3 * G_USEC_PER_SEC);
  assert_events (log, "proxy-negotiating");
  /* The proxy got the whole CONNECT before the wait. */
  ck_assert_uint_eq (test_server_get_n_requests (proxy), 1);
  ck_assert_msg (strstr (error->message, "the proxy's answer to CONNECT 127.0.0.1:9: ") != NULL, "message: %s", error->message);
  return error;
}

START_TEST (test_tunnel_cancel)
{
  g_autoptr(GError) error = tunnel_stalled (TRUE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_tunnel_timeout)
{
  g_autoptr(GError) error = tunnel_stalled (FALSE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}
END_TEST

/* --- tls --- */

START_TEST (test_tls_open)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = tls_script_server (steps, certs->server_cert_file,
                                                    certs->server_key_file);
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");
  g_autoptr(EventLog) log = event_log_new (tls);
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GString) response = NULL;
  g_autofree char *sni = NULL;
  HttplibTlsInfo *info;
  GError *error = NULL;

  stream = test_open_tls (loop, tls, base, "localhost", settings, 5, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_ptr_ne (stream, base);
  assert_events (log, "tls-handshaking tls-handshaked complete");
  info = httplib_tls_info_get_for_stream (stream);
  ck_assert_ptr_nonnull (info);
  ck_assert (httplib_tls_info_get_verified (info));
  ck_assert_str_eq (httplib_tls_info_get_peer_subject (info), "CN=localhost");
  ck_assert_str_eq (httplib_tls_info_get_alpn_protocol (info), "http/1.1");

  test_write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
  response = test_read_async (loop, stream, strlen (OK_HELLO));
  ck_assert_str_eq (response->str, OK_HELLO);
  /* The server records the handshake before it answers. */
  sni = test_server_get_tls_server_name (server, 0);
  ck_assert_str_eq (sni, "localhost");
}
END_TEST

/* The second async open of one transport resumes the first's session
 * (the TLS 1.3 ticket arrives with the response). */
START_TEST (test_tls_resumption)
{
  const char *steps[] = { OK_HELLO, OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = tls_script_server (steps, certs->server_cert_file,
                                                    certs->server_key_file);
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (server));
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GString) response = NULL;
      GError *error = NULL;

      stream = test_open_tls (loop, tls, base, "localhost", settings, 5, NULL, &error);
      httplib_assert_no_error (error);
      ck_assert_int_eq (httplib_tls_info_get_session_resumed (httplib_tls_info_get_for_stream (stream)),
                        i == 1);
      test_write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
      response = test_read_async (loop, stream, strlen (OK_HELLO));
      ck_assert_str_eq (response->str, OK_HELLO);
      g_io_stream_close (stream, NULL, NULL);
      ck_assert (test_server_wait_handled (server, i + 1));
    }
  ck_assert (!test_server_get_tls_resumed (server, 0));
  ck_assert (test_server_get_tls_resumed (server, 1));
}
END_TEST

typedef struct {
  const char *what;
  gsize       cert_offset;
  gsize       key_offset;
  const char *host;
  const char *message;
} BadCertificate;

static const BadCertificate bad_certificates[] = {
  { "self-signed", G_STRUCT_OFFSET (TestCerts, self_signed_cert_file),
    G_STRUCT_OFFSET (TestCerts, self_signed_key_file), "localhost", "self-signed" },
  { "wrong host", G_STRUCT_OFFSET (TestCerts, wrong_host_cert_file),
    G_STRUCT_OFFSET (TestCerts, wrong_host_key_file), "localhost",
    "certificate for wrong.example is not valid for host localhost" },
  { "expired", G_STRUCT_OFFSET (TestCerts, expired_cert_file),
    G_STRUCT_OFFSET (TestCerts, expired_key_file), "localhost", "expired" },
  { "unknown issuer", G_STRUCT_OFFSET (TestCerts, unknown_ca_cert_file),
    G_STRUCT_OFFSET (TestCerts, unknown_ca_key_file), "localhost", "" },
};

/* A certificate that does not verify fails as the blocking open fails. */
START_TEST (test_tls_bad_certificate)
{
  const BadCertificate *row = &bad_certificates[_i];
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, TEST_STEP_WAIT_CLOSE, NULL };
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = tls_script_server (steps,
                                                    G_STRUCT_MEMBER (char *, certs, row->cert_offset),
                                                    G_STRUCT_MEMBER (char *, certs, row->key_offset));
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for (row->host, 443, 5);
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) sync_base = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) sync_stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) sync_error = NULL;

  stream = test_open_tls (loop, tls, base, row->host, settings, 5, NULL, &error);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  ck_assert_msg (strstr (error->message, row->message) != NULL, "%s: \"%s\" lacks \"%s\"",
                 row->what, error->message, row->message);
  /* Nothing was sent over it: the base was closed. */
  ck_assert (g_io_stream_is_closed (base));

  sync_base = test_tcp_to (loop, test_server_get_port (server));
  httplib_endpoint_set_tls_settings (endpoint, settings);
  sync_stream = httplib_transport_open (tls, endpoint, sync_base, NULL, &sync_error);
  httplib_assert_error (sync_error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  ck_assert_str_eq (error->message, sync_error->message);
}
END_TEST

/* A plain HTTP server on the TLS port: the same clear error. */
static void
answer_plain_http (TestConn *conn, guint index, gpointer user_data)
{
  test_conn_write (conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", -1);
  test_conn_close (conn);
}

START_TEST (test_tls_plain_http_server)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_tls_handler_server (answer_plain_http, NULL, TRUE);
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = test_open_tls (loop, tls, base, "localhost", settings, 5, NULL, &error);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS);
  ck_assert_ptr_nonnull (strstr (error->message, "the server answered in plain HTTP"));
}
END_TEST

static void
hang_in_handshake (TestConn *conn, guint index, gpointer user_data)
{
  /* Takes the ClientHello and never answers, until the client goes. */
  g_autoptr(GString) rest = test_conn_read_until_close (conn);
}

static GError *
tls_stalled (gboolean cancel)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_tls_handler_server (hang_in_handshake, NULL, TRUE);
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");
  g_autoptr(EventLog) log = event_log_new (tls);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  if (cancel)
    test_cancel_after (loop, cancellable, 150);
  stream = test_open_tls (loop, tls, base, "localhost", settings, cancel ? 10 : 0.4,
                          cancellable, &error);
  took = g_get_monotonic_time () - start;
  ck_assert_ptr_null (stream);
  ck_assert_int_ge (took, 100 * 1000);
  ck_assert_int_lt (took, 3 * G_USEC_PER_SEC);
  assert_events (log, "tls-handshaking");
  /* The server got the ClientHello: the handshake was under way. */
  ck_assert (g_io_stream_is_closed (base));
  g_clear_object (&base);
  ck_assert (test_server_wait_handled (server, 1));
  {
    g_autoptr(GBytes) received = test_server_get_received (server, 0);

    ck_assert_uint_gt (g_bytes_get_size (received), 5);
    ck_assert_uint_eq (((const guint8 *) g_bytes_get_data (received, NULL))[0], 22);
  }
  return error;
}

START_TEST (test_tls_cancel_handshake)
{
  g_autoptr(GError) error = tls_stalled (TRUE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_tls_timeout_handshake)
{
  g_autoptr(GError) error = tls_stalled (FALSE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_ptr_nonnull (strstr (error->message, "TLS handshake timed out after 0.4 s"));
}
END_TEST

/* tcp → tunnel → tls, each opened asynchronously on the stream of the one before. */
START_TEST (test_chain_tcp_tunnel_tls)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) origin = tls_script_server (steps, certs->server_cert_file,
                                                    certs->server_key_file);
  g_autoptr(TestServer) proxy = proxy_with (TEST_PROXY_TUNNEL, NULL);
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibTransport) tunnel = test_new_transport ("tunnel");
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");
  g_autoptr(HttplibEndpoint) to_proxy = test_endpoint_for ("127.0.0.1", test_server_get_port (proxy), 5);
  g_autoptr(HttplibEndpoint) to_origin = test_endpoint_for ("localhost", test_server_get_port (origin), 5);
  g_autoptr(EventLog) tcp_log = event_log_new (tcp);
  g_autoptr(EventLog) tunnel_log = event_log_new (tunnel);
  g_autoptr(EventLog) tls_log = event_log_new (tls);
  g_autoptr(GIOStream) socket = NULL;
  g_autoptr(GIOStream) tunnelled = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GString) response = NULL;
  g_autofree char *target = NULL;
  g_autofree char *expected_target = g_strdup_printf ("localhost:%u", test_server_get_port (origin));
  g_autofree char *sni = NULL;
  GError *error = NULL;

  httplib_endpoint_set_tls_settings (to_origin, settings);
  socket = test_open_async (loop, tcp, to_proxy, NULL, NULL, &error);
  httplib_assert_no_error (error);
  tunnelled = test_open_async (loop, tunnel, to_origin, socket, NULL, &error);
  httplib_assert_no_error (error);
  stream = test_open_async (loop, tls, to_origin, tunnelled, NULL, &error);
  httplib_assert_no_error (error);

  assert_events (tcp_log, "resolving resolved connecting connected complete");
  assert_events (tunnel_log, "proxy-negotiating proxy-negotiated complete");
  assert_events (tls_log, "tls-handshaking tls-handshaked complete");
  target = test_proxy_get_target (proxy, 0);
  ck_assert_str_eq (target, expected_target);

  test_write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
  response = test_read_async (loop, stream, strlen (OK_HELLO));
  ck_assert_str_eq (response->str, OK_HELLO);
  sni = test_server_get_tls_server_name (origin, 0);
  ck_assert_str_eq (sni, "localhost");
}
END_TEST

static Suite *
async_plugins_suite (void)
{
  Suite *suite = suite_create ("async-plugins");
  TCase *tc;

  tc = tcase_create ("tcp");
  tcase_add_test (tc, test_tcp_open);
  tcase_add_test (tc, test_tcp_ipv6_and_source_address);
  tcase_add_test (tc, test_tcp_refused);
  tcase_add_test (tc, test_tcp_bad_arguments);
  tcase_add_test (tc, test_tcp_cancel_resolving);
  tcase_add_test (tc, test_tcp_timeout_resolving);
  tcase_add_test (tc, test_tcp_cancel_connecting);
  tcase_add_test (tc, test_tcp_timeout_connecting);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("tunnel");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_tunnel_open);
  tcase_add_loop_test (tc, test_tunnel_failures, 0, G_N_ELEMENTS (tunnel_failures));
  tcase_add_test (tc, test_tunnel_without_base);
  tcase_add_test (tc, test_tunnel_cancel);
  tcase_add_test (tc, test_tunnel_timeout);
  tcase_add_test (tc, test_chain_tcp_tunnel_tls);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("tls");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_tls_open);
  tcase_add_test (tc, test_tls_resumption);
  tcase_add_loop_test (tc, test_tls_bad_certificate, 0, G_N_ELEMENTS (bad_certificates));
  tcase_add_test (tc, test_tls_plain_http_server);
  tcase_add_test (tc, test_tls_cancel_handshake);
  tcase_add_test (tc, test_tls_timeout_handshake);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (async_plugins_suite)
