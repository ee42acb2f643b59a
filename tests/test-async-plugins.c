/* test-async-plugins.c: the plugins' native asynchronous methods (transport
 * open_async, body source write_to_async), driven by a GMainLoop on a
 * thread-default context of the test's own, against loopback servers */
#include <httplib/httplib.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-faulty-server.h"
#include "test-proxy.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define GET_ROOT "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
/* Every wait of a test is bounded by this; reaching it fails the test. */
#define WAIT_LIMIT_S 20

/* --- the main loop --- */

/* A fresh context, made thread-default for the test: an operation that
 * attached its sources anywhere else would never finish. */
typedef struct {
  GMainContext *context;
  GMainLoop    *loop;
} TestLoop;

static TestLoop *
test_loop_new (void)
{
  TestLoop *loop = g_new0 (TestLoop, 1);

  loop->context = g_main_context_new ();
  g_main_context_push_thread_default (loop->context);
  loop->loop = g_main_loop_new (loop->context, FALSE);
  return loop;
}

static void
test_loop_free (TestLoop *loop)
{
  /* Let finished operations drop their last references. */
  while (g_main_context_iteration (loop->context, FALSE))
    ;
  g_main_context_pop_thread_default (loop->context);
  g_main_loop_unref (loop->loop);
  g_main_context_unref (loop->context);
  g_free (loop);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestLoop, test_loop_free)

static gboolean
on_wait_limit (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until *done, failing the test after WAIT_LIMIT_S seconds. */
static void
run_until (TestLoop *loop, const gboolean *done)
{
  gboolean expired = FALSE;
  GSource *limit = g_timeout_source_new_seconds (WAIT_LIMIT_S);

  g_source_set_callback (limit, on_wait_limit, &expired, NULL);
  g_source_attach (limit, loop->context);
  while (!*done && !expired)
    g_main_context_iteration (loop->context, TRUE);
  g_source_destroy (limit);
  g_source_unref (limit);
  ck_assert_msg (*done, "the operation did not finish within %d s", WAIT_LIMIT_S);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Cancels cancellable after ms, from the loop. */
static void
cancel_after (TestLoop *loop, GCancellable *cancellable, guint ms)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, cancel_cb, g_object_ref (cancellable), g_object_unref);
  g_source_attach (source, loop->context);
  g_source_unref (source);
}

/* --- opening transports --- */

typedef struct {
  gboolean   done;
  GIOStream *stream;
  GError    *error;
  GThread   *thread;   /* where the callback ran */
} OpenResult;

static void
on_opened (GObject *transport, GAsyncResult *result, gpointer user_data)
{
  OpenResult *open = user_data;

  open->stream = httplib_transport_open_finish (HTTPLIB_TRANSPORT (transport), result,
                                                &open->error);
  open->thread = g_thread_self ();
  open->done = TRUE;
}

static HttplibTransport *
new_transport (const char *name)
{
  GError *error = NULL;
  GType type = httplib_registry_lookup_transport (httplib_registry_get_default (), name, &error);

  httplib_assert_no_error (error);
  return g_object_new (type, NULL);
}

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

/* Opens one link asynchronously and waits; the callback must run on this thread. */
static GIOStream *
open_async (TestLoop *loop, HttplibTransport *transport, HttplibEndpoint *endpoint,
            GIOStream *base, GCancellable *cancellable, GError **error)
{
  OpenResult open = { 0 };

  httplib_transport_open_async (transport, endpoint, base, cancellable, on_opened, &open);
  ck_assert_msg (!open.done, "open_async called back before returning");
  run_until (loop, &open.done);
  ck_assert (open.thread == g_thread_self ());
  ck_assert ((open.stream == NULL) != (open.error == NULL));
  if (open.error != NULL)
    g_propagate_error (error, open.error);
  return open.stream;
}

static HttplibEndpoint *
endpoint_for (const char *host, guint16 port, double timeout)
{
  HttplibEndpoint *endpoint = httplib_endpoint_new (host, port);

  httplib_endpoint_set_timeout (endpoint, timeout);
  return endpoint;
}

static HttplibTlsSettings *
trusting_settings (void)
{
  HttplibTlsSettings *settings = httplib_tls_settings_new ();

  httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
  return settings;
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

static TestServer *
tls_handler_server (TestServerHandler handler, gpointer user_data, gboolean no_handshake)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };
  TestServer *server;

  options.cert_file = certs->server_cert_file;
  options.key_file = certs->server_key_file;
  options.no_handshake = no_handshake;
  server = test_server_new_tls (handler, user_data, &options);
  ck_assert_ptr_nonnull (server);
  return server;
}

/* A plain TCP connection to 127.0.0.1:port, opened asynchronously. */
static GIOStream *
tcp_to (TestLoop *loop, guint16 port)
{
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", port, 10);
  GError *error = NULL;
  GIOStream *stream = open_async (loop, tcp, endpoint, NULL, NULL, &error);

  httplib_assert_no_error (error);
  return stream;
}

/* --- async stream I/O helpers --- */

typedef struct {
  gboolean done;
  gboolean ok;
  gsize    count;
  GError  *error;
} IoResult;

static void
on_written_all (GObject *stream, GAsyncResult *result, gpointer user_data)
{
  IoResult *io = user_data;

  io->ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, &io->count,
                                             &io->error);
  io->done = TRUE;
}

static void
write_all_async (TestLoop *loop, GIOStream *stream, const char *data, gsize len)
{
  IoResult io = { 0 };

  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), data, len,
                                   G_PRIORITY_DEFAULT, NULL, on_written_all, &io);
  run_until (loop, &io.done);
  httplib_assert_no_error (io.error);
  ck_assert (io.ok);
}

typedef struct {
  gboolean done;
  GBytes  *bytes;
} ReadResult;

static void
on_read_bytes (GObject *stream, GAsyncResult *result, gpointer user_data)
{
  ReadResult *read = user_data;
  GError *error = NULL;

  read->bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (stream), result, &error);
  httplib_assert_no_error (error);
  read->done = TRUE;
}

/* Reads until len bytes came or the stream ended. */
static GString *
read_async (TestLoop *loop, GIOStream *stream, gsize len)
{
  GString *got = g_string_new (NULL);

  while (got->len < len)
    {
      ReadResult read = { 0 };
      gsize size;

      g_input_stream_read_bytes_async (g_io_stream_get_input_stream (stream), len - got->len,
                                       G_PRIORITY_DEFAULT, NULL, on_read_bytes, &read);
      run_until (loop, &read.done);
      size = g_bytes_get_size (read.bytes);
      g_string_append_len (got, g_bytes_get_data (read.bytes, NULL), size);
      g_bytes_unref (read.bytes);
      if (size == 0)
        break;
    }
  return got;
}

/* --- tcp --- */

START_TEST (test_tcp_open)
{
  const char *steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibTransport) sync_tcp = new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server), 2.5);
  g_autoptr(EventLog) log = event_log_new (tcp);
  g_autoptr(EventLog) sync_log = event_log_new (sync_tcp);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) sync_stream = NULL;
  g_autofree char *names = NULL;
  g_autofree char *sync_names = NULL;
  GError *error = NULL;
  GSocket *socket;
  gint nodelay = 0;

  stream = open_async (loop, tcp, endpoint, NULL, NULL, &error);
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
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *local_ip = NULL;
  GError *error = NULL;

  /* The source address is bound before connecting. */
  endpoint = endpoint_for ("127.0.0.1", test_server_get_port (server4), 5);
  httplib_endpoint_set_source_address (endpoint, "127.0.0.2");
  stream = open_async (loop, tcp, endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  local = g_socket_connection_get_local_address (G_SOCKET_CONNECTION (stream), &error);
  httplib_assert_no_error (error);
  local_ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  ck_assert_str_eq (local_ip, "127.0.0.2");
  g_clear_object (&stream);

  if (server == NULL)
    return;  /* no IPv6 loopback here */
  g_clear_pointer (&endpoint, httplib_endpoint_unref);
  endpoint = endpoint_for ("::1", test_server_get_port (server), 5);
  stream = open_async (loop, tcp, endpoint, NULL, NULL, &error);
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
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", closed_port (), 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = open_async (loop, tcp, endpoint, NULL, NULL, &error);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}
END_TEST

START_TEST (test_tcp_bad_arguments)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", 80, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) base_error = NULL;
  g_autoptr(GIOStream) base = g_simple_io_stream_new (g_memory_input_stream_new (),
                                                      g_memory_output_stream_new_resizable ());
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) on_base = NULL;

  httplib_endpoint_set_source_address (endpoint, "not-an-address");
  stream = open_async (loop, tcp, endpoint, NULL, NULL, &error);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  ck_assert_ptr_nonnull (strstr (error->message, "not-an-address"));

  on_base = open_async (loop, tcp, endpoint, base, NULL, &base_error);
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
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("stall.invalid", 80, cancel ? 10 : 0.3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EventLog) log = event_log_new (tcp);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  g_resolver_set_default (G_RESOLVER (resolver));
  if (cancel)
    cancel_after (loop, cancellable, 100);
  stream = open_async (loop, tcp, endpoint, NULL, cancellable, &error);
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
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", port, cancel ? 10 : 0.4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EventLog) log = event_log_new (tcp);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  ck_assert_ptr_nonnull (stalled);
  if (cancel)
    cancel_after (loop, cancellable, 150);
  stream = open_async (loop, tcp, endpoint, NULL, cancellable, &error);
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
  g_autoptr(HttplibTransport) tunnel = new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", test_server_get_port (origin), 5);
  g_autoptr(HttplibHeaders) extra = httplib_headers_new ();
  g_autoptr(EventLog) log = event_log_new (tunnel);
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (proxy));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GString) response = NULL;
  g_autoptr(GBytes) connect = NULL;
  g_autofree char *authority = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (origin));
  g_autofree char *line = g_strdup_printf ("CONNECT %s HTTP/1.1", authority);
  GError *error = NULL;

  httplib_headers_append (extra, "Proxy-Authorization", "Basic dXNlcjpwYXNz");
  httplib_endpoint_set_headers (endpoint, extra);
  stream = open_async (loop, tunnel, endpoint, base, NULL, &error);
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
  write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
  response = read_async (loop, stream, strlen (OK_HELLO));
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
  g_autoptr(HttplibTransport) tunnel = new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", test_server_get_port (origin), 5);
  g_autoptr(HttplibEndpoint) sync_endpoint = endpoint_for ("127.0.0.1", test_server_get_port (origin), 5);
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (proxy));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) sync_base = NULL;
  g_autoptr(GIOStream) sync_stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) sync_error = NULL;

  stream = open_async (loop, tunnel, endpoint, base, NULL, &error);
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
  sync_base = tcp_to (loop, test_server_get_port (proxy));
  sync_stream = httplib_transport_open (tunnel, sync_endpoint, sync_base, NULL, &sync_error);
  ck_assert_ptr_nonnull (sync_error);
  ck_assert_str_eq (error->message, sync_error->message);
}
END_TEST

START_TEST (test_tunnel_without_base)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibTransport) tunnel = new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", 80, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = open_async (loop, tunnel, endpoint, NULL, NULL, &error);

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
  g_autoptr(HttplibTransport) tunnel = new_transport ("tunnel");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("127.0.0.1", 9, cancel ? 10 : 0.4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EventLog) log = event_log_new (tunnel);
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (proxy));
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  if (cancel)
    cancel_after (loop, cancellable, 150);
  stream = open_async (loop, tunnel, endpoint, base, cancellable, &error);
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

static GIOStream *
tls_open (TestLoop *loop, HttplibTransport *tls, GIOStream *base, const char *host,
          HttplibTlsSettings *settings, double timeout, GCancellable *cancellable, GError **error)
{
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for (host, 443, timeout);

  httplib_endpoint_set_tls_settings (endpoint, settings);
  return open_async (loop, tls, endpoint, base, cancellable, error);
}

START_TEST (test_tls_open)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = tls_script_server (steps, certs->server_cert_file,
                                                    certs->server_key_file);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tls = new_transport ("tls");
  g_autoptr(EventLog) log = event_log_new (tls);
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GString) response = NULL;
  g_autofree char *sni = NULL;
  HttplibTlsInfo *info;
  GError *error = NULL;

  stream = tls_open (loop, tls, base, "localhost", settings, 5, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_ptr_ne (stream, base);
  assert_events (log, "tls-handshaking tls-handshaked complete");
  info = httplib_tls_info_get_for_stream (stream);
  ck_assert_ptr_nonnull (info);
  ck_assert (httplib_tls_info_get_verified (info));
  ck_assert_str_eq (httplib_tls_info_get_peer_subject (info), "CN=localhost");
  ck_assert_str_eq (httplib_tls_info_get_alpn_protocol (info), "http/1.1");

  write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
  response = read_async (loop, stream, strlen (OK_HELLO));
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
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tls = new_transport ("tls");

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (server));
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GString) response = NULL;
      GError *error = NULL;

      stream = tls_open (loop, tls, base, "localhost", settings, 5, NULL, &error);
      httplib_assert_no_error (error);
      ck_assert_int_eq (httplib_tls_info_get_session_resumed (httplib_tls_info_get_for_stream (stream)),
                        i == 1);
      write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
      response = read_async (loop, stream, strlen (OK_HELLO));
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
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tls = new_transport ("tls");
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for (row->host, 443, 5);
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) sync_base = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) sync_stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) sync_error = NULL;

  stream = tls_open (loop, tls, base, row->host, settings, 5, NULL, &error);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  ck_assert_msg (strstr (error->message, row->message) != NULL, "%s: \"%s\" lacks \"%s\"",
                 row->what, error->message, row->message);
  /* Nothing was sent over it: the base was closed. */
  ck_assert (g_io_stream_is_closed (base));

  sync_base = tcp_to (loop, test_server_get_port (server));
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
  g_autoptr(TestServer) server = tls_handler_server (answer_plain_http, NULL, TRUE);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tls = new_transport ("tls");
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = tls_open (loop, tls, base, "localhost", settings, 5, NULL, &error);
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
  g_autoptr(TestServer) server = tls_handler_server (hang_in_handshake, NULL, TRUE);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tls = new_transport ("tls");
  g_autoptr(EventLog) log = event_log_new (tls);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  if (cancel)
    cancel_after (loop, cancellable, 150);
  stream = tls_open (loop, tls, base, "localhost", settings, cancel ? 10 : 0.4, cancellable,
                     &error);
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
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tcp = new_transport ("tcp");
  g_autoptr(HttplibTransport) tunnel = new_transport ("tunnel");
  g_autoptr(HttplibTransport) tls = new_transport ("tls");
  g_autoptr(HttplibEndpoint) to_proxy = endpoint_for ("127.0.0.1", test_server_get_port (proxy), 5);
  g_autoptr(HttplibEndpoint) to_origin = endpoint_for ("localhost", test_server_get_port (origin), 5);
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
  socket = open_async (loop, tcp, to_proxy, NULL, NULL, &error);
  httplib_assert_no_error (error);
  tunnelled = open_async (loop, tunnel, to_origin, socket, NULL, &error);
  httplib_assert_no_error (error);
  stream = open_async (loop, tls, to_origin, tunnelled, NULL, &error);
  httplib_assert_no_error (error);

  assert_events (tcp_log, "resolving resolved connecting connected complete");
  assert_events (tunnel_log, "proxy-negotiating proxy-negotiated complete");
  assert_events (tls_log, "tls-handshaking tls-handshaked complete");
  target = test_proxy_get_target (proxy, 0);
  ck_assert_str_eq (target, expected_target);

  write_all_async (loop, stream, GET_ROOT, strlen (GET_ROOT));
  response = read_async (loop, stream, strlen (OK_HELLO));
  ck_assert_str_eq (response->str, OK_HELLO);
  sni = test_server_get_tls_server_name (origin, 0);
  ck_assert_str_eq (sni, "localhost");
}
END_TEST

/* --- the TLS stream's own non-blocking I/O --- */

/* 16 MiB; 2 MiB under valgrind (HTTPLIB_TEST_SMALL), where checksumming
 * 16 MiB takes the server longer than the client's 10 s socket timeout. */
static gsize
big_tls_size (void)
{
  return g_getenv ("HTTPLIB_TEST_SMALL") != NULL ? 2 * 1024 * 1024 : 16 * 1024 * 1024;
}
#define BIG_TLS (big_tls_size ())

static guint8 *
pattern (gsize size, guint seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (((i + seed) * 131) >> 3);
  return data;
}

static char *
sha256 (const void *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

/* What a server handler saw, for the test thread to read afterwards. */
typedef struct {
  gsize     expect;      /* bytes to read */
  gsize     reply;       /* bytes to write back (pattern seed 7) */
  gint      go;          /* atomic: the handler waits for it before reading */
  gboolean  wait_for_go;
  char     *checksum;    /* of what it read */
  gboolean  read_ok;
} Sink;

static void
sink_handler (TestConn *conn, guint index, gpointer user_data)
{
  Sink *sink = user_data;
  g_autoptr(GString) in = g_string_new (NULL);
  g_autoptr(GString) rest = NULL;

  if (sink->wait_for_go)
    for (guint i = 0; i < 1000 && !g_atomic_int_get (&sink->go); i++)
      g_usleep (10 * 1000);
  sink->read_ok = test_conn_read_exact (conn, sink->expect, in);
  if (sink->read_ok)
    sink->checksum = sha256 (in->str, in->len);
  if (sink->reply > 0)
    {
      g_autofree guint8 *data = pattern (sink->reply, 7);

      test_conn_write (conn, (const char *) data, (gssize) sink->reply);
    }
  rest = test_conn_read_until_close (conn);
}

/* Reads the sink's reply: the server has then read everything, and the
 * client closes with nothing unread (unread bytes, such as TLS 1.3
 * tickets, would make the kernel reset the connection). */
static void
wait_for_reply (TestLoop *loop, GIOStream *stream, gsize len)
{
  g_autoptr(GString) reply = read_async (loop, stream, len);

  ck_assert_uint_eq (reply->len, len);
}

/* A TLS connection to server whose socket sends in small pieces, so one
 * TLS record takes several sends. */
static GIOStream *
tls_small_sndbuf (TestLoop *loop, TestServer *server, GIOStream **base)
{
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tls = new_transport ("tls");
  GSocket *socket;
  GIOStream *stream;
  GError *error = NULL;

  *base = tcp_to (loop, test_server_get_port (server));
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (*base));
  ck_assert (g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, 4096, NULL));
  stream = tls_open (loop, tls, *base, "localhost", settings, 10, NULL, &error);
  httplib_assert_no_error (error);
  return stream;
}

typedef struct {
  gboolean   done;
  guint8    *buffer;
  gsize      received;
  GChecksum *checksum;
  GError    *error;
} BigRead;

static void
on_big_read (GObject *input, GAsyncResult *result, gpointer user_data)
{
  BigRead *read = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (input), result, &read->error);

  if (n <= 0)
    {
      read->done = TRUE;
      return;
    }
  g_checksum_update (read->checksum, read->buffer, n);
  read->received += n;
  if (read->received >= BIG_TLS)
    {
      read->done = TRUE;
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (input), read->buffer, 65536, G_PRIORITY_DEFAULT,
                             NULL, on_big_read, read);
}

/* 16 MiB each way at once through GIO's default async read and write,
 * which use the TLS stream's pollable methods. */
START_TEST (test_tls_stream_16mib_each_way)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { BIG_TLS, BIG_TLS, 0, FALSE, NULL, FALSE };
  g_autoptr(TestServer) server = tls_handler_server (sink_handler, &sink, FALSE);
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = tls_small_sndbuf (loop, server, &base);
  g_autofree guint8 *out = pattern (BIG_TLS, 3);
  g_autofree guint8 *expected = pattern (BIG_TLS, 7);
  g_autofree char *sent_sum = sha256 (out, BIG_TLS);
  g_autofree char *expected_sum = sha256 (expected, BIG_TLS);
  g_autofree guint8 *buffer = g_malloc (65536);
  BigRead read = { FALSE, buffer, 0, g_checksum_new (G_CHECKSUM_SHA256), NULL };
  IoResult write = { 0 };

  ck_assert (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream))));
  ck_assert (g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream))));

  g_input_stream_read_async (g_io_stream_get_input_stream (stream), buffer, 65536,
                             G_PRIORITY_DEFAULT, NULL, on_big_read, &read);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), out, BIG_TLS,
                                   G_PRIORITY_DEFAULT, NULL, on_written_all, &write);
  run_until (loop, &write.done);
  httplib_assert_no_error (write.error);
  ck_assert_uint_eq (write.count, BIG_TLS);
  run_until (loop, &read.done);
  httplib_assert_no_error (read.error);
  ck_assert_uint_eq (read.received, BIG_TLS);
  ck_assert_str_eq (g_checksum_get_string (read.checksum), expected_sum);

  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert (sink.read_ok);
  ck_assert_str_eq (sink.checksum, sent_sum);
  g_free (sink.checksum);
  g_checksum_free (read.checksum);
}
END_TEST

static gboolean
on_flag_source (GObject *pollable, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_pollable (TestLoop *loop, GSource *source)
{
  gboolean fired = FALSE;

  g_source_set_callback (source, G_SOURCE_FUNC (on_flag_source), &fired, NULL);
  g_source_attach (source, loop->context);
  run_until (loop, &fired);
  g_source_destroy (source);
  g_source_unref (source);
}

/* write_nonblocking by hand: a write bigger than a record is partial, a
 * full socket is WOULD_BLOCK, the output source fires once the peer
 * reads, and writing the same bytes again flushes the record GnuTLS held. */
#define NONBLOCK_TOTAL (8 * 1024 * 1024)

START_TEST (test_tls_stream_write_nonblocking)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { NONBLOCK_TOTAL, 2, 0, TRUE, NULL, FALSE };
  g_autoptr(TestServer) server = tls_handler_server (sink_handler, &sink, FALSE);
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = tls_small_sndbuf (loop, server, &base);
  GPollableOutputStream *out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  g_autofree guint8 *data = pattern (NONBLOCK_TOTAL, 11);
  g_autofree char *sum = sha256 (data, NONBLOCK_TOTAL);
  gsize off = 0;
  guint n_blocked = 0;
  gsize first_block_at = 0;
  gboolean partial = FALSE;

  while (off < NONBLOCK_TOTAL)
    {
      g_autoptr(GError) error = NULL;
      gsize want = MIN (65536, NONBLOCK_TOTAL - off);
      gssize n = g_pollable_output_stream_write_nonblocking (out, data + off, want, NULL, &error);

      if (n < 0)
        {
          httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          if (n_blocked++ == 0)
            {
              first_block_at = off;
              /* Only now may the peer read: the source must wait for it. */
              g_atomic_int_set (&sink.go, 1);
            }
          wait_pollable (loop, g_pollable_output_stream_create_source (out, NULL));
          continue;
        }
      ck_assert_int_gt (n, 0);
      ck_assert_int_le (n, 16384);  /* one record at most */
      if ((gsize) n < want)
        partial = TRUE;
      off += n;
    }
  ck_assert (partial);
  ck_assert_uint_gt (n_blocked, 0);
  ck_assert_uint_lt (first_block_at, NONBLOCK_TOTAL / 2);

  wait_for_reply (loop, stream, 2);
  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert (sink.read_ok);
  ck_assert_str_eq (sink.checksum, sum);
  g_free (sink.checksum);
}
END_TEST

/* One record of 10000 bytes, then silence until the client closes. */
static void
one_record (TestConn *conn, guint index, gpointer user_data)
{
  g_autofree guint8 *data = pattern (10000, 5);
  g_autoptr(GString) rest = NULL;

  test_conn_write (conn, (const char *) data, 10000);
  rest = test_conn_read_until_close (conn);
}

/* Decrypted bytes left inside GnuTLS make the input source fire though
 * the socket has nothing new. */
START_TEST (test_tls_stream_source_for_buffered_data)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = tls_handler_server (one_record, NULL, FALSE);
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = tls_small_sndbuf (loop, server, &base);
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  g_autofree guint8 *expected = pattern (10000, 5);
  guint8 buffer[16384];
  g_autoptr(GError) error = NULL;
  gsize got = 0;
  gssize n = -1;
  GSource *source;
  gboolean fired = FALSE;

  /* One byte, once the record is here. */
  while (n < 0)
    {
      g_clear_error (&error);
      n = g_pollable_input_stream_read_nonblocking (in, buffer, 1, NULL, &error);
      if (n < 0)
        {
          httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          wait_pollable (loop, g_pollable_input_stream_create_source (in, NULL));
        }
    }
  ck_assert_int_eq (n, 1);
  got = 1;
  /* The socket is drained: the rest of the record is inside GnuTLS. */
  ck_assert_uint_eq (g_socket_condition_check (socket, G_IO_IN), 0);
  ck_assert (g_pollable_input_stream_is_readable (in));

  source = g_pollable_input_stream_create_source (in, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (on_flag_source), &fired, NULL);
  g_source_attach (source, loop->context);
  for (guint i = 0; i < 10 && !fired; i++)
    g_main_context_iteration (loop->context, FALSE);
  g_source_destroy (source);
  g_source_unref (source);
  ck_assert_msg (fired, "the source did not fire for data buffered in GnuTLS");

  n = g_pollable_input_stream_read_nonblocking (in, buffer + 1, sizeof buffer - 1, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_int_eq (n, 9999);
  got += n;
  ck_assert_int_eq (memcmp (buffer, expected, got), 0);
  /* Nothing more: would block, and the source now waits. */
  n = g_pollable_input_stream_read_nonblocking (in, buffer, sizeof buffer, NULL, &error);
  ck_assert_int_eq (n, -1);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  ck_assert (!g_pollable_input_stream_is_readable (in));
}
END_TEST

/* --- body sources --- */

typedef struct {
  gboolean done;
  gboolean ok;
  GError  *error;
  GThread *thread;
} WriteResult;

static void
on_body_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WriteResult *write = user_data;

  write->ok = httplib_body_source_write_to_finish (HTTPLIB_BODY_SOURCE (source), result,
                                                   &write->error);
  write->thread = g_thread_self ();
  write->done = TRUE;
}

static gboolean
write_body (TestLoop *loop, HttplibBodySource *body, GOutputStream *stream,
            GCancellable *cancellable, GError **error)
{
  WriteResult write = { 0 };

  httplib_body_source_write_to_async (body, stream, cancellable, on_body_written, &write);
  ck_assert_msg (!write.done, "write_to_async called back before returning");
  run_until (loop, &write.done);
  ck_assert (write.thread == g_thread_self ());
  ck_assert (write.ok == (write.error == NULL));
  if (write.error != NULL)
    g_propagate_error (error, write.error);
  return write.ok;
}

static void
receive_all (TestConn *conn, guint index, gpointer user_data)
{
  Sink *sink = user_data;
  g_autoptr(GString) all = NULL;

  if (sink != NULL && sink->wait_for_go)
    for (guint i = 0; i < 2000 && !g_atomic_int_get (&sink->go); i++)
      g_usleep (10 * 1000);
  all = test_conn_read_until_close (conn);
}

/* Closes stream, waits for the server, and compares what it received. */
static void
assert_received (TestServer *server, GIOStream *stream, const guint8 *expected, gsize len)
{
  g_autoptr(GBytes) received = NULL;

  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  received = test_server_get_received (server, 0);
  ck_assert_uint_eq (g_bytes_get_size (received), len);
  ck_assert_msg (memcmp (g_bytes_get_data (received, NULL), expected, len) == 0,
                 "the server received other bytes than were sent");
}

static HttplibBodySource *
fd_source (int fd)
{
  GError *error = NULL;
  HttplibBodySource *body = httplib_body_source_new_for_fd (fd, TRUE, &error);

  httplib_assert_no_error (error);
  return body;
}

/* A temporary file holding data, open for reading and writing; the name is removed. */
static int
file_with (const guint8 *data, gsize len)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("httplib-async-XXXXXX", &path, NULL);

  ck_assert_int_ge (fd, 0);
  g_unlink (path);
  for (gsize off = 0; off < len; )
    {
      ssize_t n = write (fd, data + off, len - off);

      ck_assert_int_gt (n, 0);
      off += n;
    }
  ck_assert_int_eq (lseek (fd, 0, SEEK_SET), 0);
  return fd;
}

static GBytes *
memory_contents (GOutputStream *memory)
{
  ck_assert (g_output_stream_close (memory, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

START_TEST (test_bytes_write_async)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (3 * 1024 * 1024, 1);
  g_autoptr(GBytes) bytes = g_bytes_new (data, 3 * 1024 * 1024);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(HttplibBodySource) empty = NULL;
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  GError *error = NULL;

  body = httplib_body_source_new_for_bytes (bytes, &error);
  httplib_assert_no_error (error);
  empty = httplib_body_source_new_for_bytes (nothing, &error);
  httplib_assert_no_error (error);
  ck_assert (write_body (loop, empty, g_io_stream_get_output_stream (stream), NULL, &error));
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  httplib_assert_no_error (error);
  assert_received (server, stream, data, 3 * 1024 * 1024);
}
END_TEST

START_TEST (test_bytes_write_async_failures)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) closed = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cancelled = NULL;

  body = httplib_body_source_new_for_string ("some body", &error);
  httplib_assert_no_error (error);
  g_output_stream_close (closed, NULL, NULL);
  ck_assert (!write_body (loop, body, closed, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);

  g_cancellable_cancel (cancellable);
  ck_assert (!write_body (loop, body, memory, cancellable, &cancelled));
  httplib_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_uint_eq (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)), 0);
}
END_TEST

#define FILE_SIZE (8 * 1024 * 1024 + 123)

/* A regular file to a plain socket: sendfile, from the descriptor's
 * offset, which it leaves where it was. */
START_TEST (test_fd_sendfile_async)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (FILE_SIZE, 2);
  int fd = file_with (data, FILE_SIZE);
  g_autoptr(HttplibBodySource) body = NULL;
  GError *error = NULL;

  ck_assert_int_eq (lseek (fd, 1000, SEEK_SET), 1000);
  body = fd_source (fd);
  ck_assert_int_eq (httplib_body_source_get_length (body), FILE_SIZE - 1000);
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (lseek (fd, 0, SEEK_CUR), 1000);
  assert_received (server, stream, data + 1000, FILE_SIZE - 1000);
}
END_TEST

/* A regular file over TLS: blocks, decrypted intact at the server. */
START_TEST (test_fd_blocks_over_tls)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { FILE_SIZE - 77, 2, 0, FALSE, NULL, FALSE };
  g_autoptr(TestServer) server = tls_handler_server (sink_handler, &sink, FALSE);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibTransport) tls = new_transport ("tls");
  g_autoptr(GIOStream) base = tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  g_autofree guint8 *data = pattern (FILE_SIZE, 4);
  g_autofree char *sum = sha256 (data + 77, FILE_SIZE - 77);
  int fd = file_with (data, FILE_SIZE);
  g_autoptr(HttplibBodySource) body = NULL;
  GError *error = NULL;

  stream = tls_open (loop, tls, base, "localhost", settings, 10, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_int_eq (lseek (fd, 77, SEEK_SET), 77);
  body = fd_source (fd);
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (lseek (fd, 0, SEEK_CUR), 77);
  wait_for_reply (loop, stream, 2);
  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert (sink.read_ok);
  ck_assert_str_eq (sink.checksum, sum);
  g_free (sink.checksum);
}
END_TEST

/* Any other stream (here memory) gets blocks of the blocksize. */
START_TEST (test_fd_blocks_to_memory)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autofree guint8 *data = pattern (100000, 6);
  int fd = file_with (data, 100000);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;
  GType type = httplib_registry_lookup_body_source (httplib_registry_get_default (), "fd", &error);

  httplib_assert_no_error (error);
  body = g_initable_new (type, NULL, &error, "fd", fd, "close-when-done", TRUE,
                         "blocksize", 999, NULL);
  httplib_assert_no_error (error);
  ck_assert (write_body (loop, body, memory, NULL, &error));
  httplib_assert_no_error (error);
  got = memory_contents (memory);
  test_assert_bytes_equal (got, (const char *) data, 100000, "body");
}
END_TEST

typedef struct {
  int    fd;
  gsize  len;
  guint8 *data;
} PipeWriter;

static gpointer
write_pipe_slowly (gpointer user_data)
{
  PipeWriter *writer = user_data;

  for (gsize off = 0; off < writer->len; )
    {
      ssize_t n = write (writer->fd, writer->data + off, MIN (7000, writer->len - off));

      if (n <= 0)
        break;
      off += n;
      if (off % 5 == 0)
        g_usleep (1000);
    }
  close (writer->fd);
  return NULL;
}

/* A pipe is read to its end with its pollable stream. */
START_TEST (test_fd_pipe_async)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (1024 * 1024, 8);
  g_autoptr(HttplibBodySource) body = NULL;
  PipeWriter writer;
  GThread *thread;
  GError *error = NULL;
  int fds[2];

  ck_assert_int_eq (pipe (fds), 0);
  body = fd_source (fds[0]);
  ck_assert_int_eq (httplib_body_source_get_length (body), -1);
  writer.fd = fds[1];
  writer.len = 1024 * 1024;
  writer.data = data;
  thread = g_thread_new ("pipe writer", write_pipe_slowly, &writer);
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  g_thread_join (thread);
  httplib_assert_no_error (error);
  assert_received (server, stream, data, 1024 * 1024);
}
END_TEST

START_TEST (test_fd_pipe_cancel)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  int fds[2];

  ck_assert_int_eq (pipe (fds), 0);
  body = fd_source (fds[0]);
  cancel_after (loop, cancellable, 100);
  /* The writer end stays open and silent: only the cancellation ends it. */
  ck_assert (!write_body (loop, body, memory, cancellable, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_int_lt (g_get_monotonic_time () - start, 3 * G_USEC_PER_SEC);
  close (fds[1]);
}
END_TEST

static void
read_one_then_reset (TestConn *conn, guint index, gpointer user_data)
{
  g_autoptr(GString) one = g_string_new (NULL);

  test_conn_read_exact (conn, 1, one);
  test_conn_reset (conn);
}

/* A socket whose peer reset it: the read error names the descriptor. */
START_TEST (test_fd_read_error)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (read_one_then_reset, NULL);
  g_autoptr(GIOStream) peer = tcp_to (loop, test_server_get_port (server));
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  int fd = dup (g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (peer))));

  ck_assert_int_ge (fd, 0);
  write_all_async (loop, peer, "x", 1);
  ck_assert (test_server_wait_handled (server, 1));
  body = fd_source (fd);
  prefix = g_strdup_printf ("reading file descriptor %d: ", fd);
  ck_assert (!write_body (loop, body, memory, NULL, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_str_has_prefix (error->message, prefix), "\"%s\" does not start with \"%s\"",
                 error->message, prefix);
  ck_assert_ptr_nonnull (strstr (error->message, "reset"));
}
END_TEST

/* A file that shrinks after its length was taken fails with PARTIAL_INPUT,
 * by sendfile and by blocks alike. */
START_TEST (test_fd_shrinking_file)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (1024 * 1024, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();

  for (guint socket = 0; socket < 2; socket++)
    {
      int fd = file_with (data, 1024 * 1024);
      g_autoptr(HttplibBodySource) body = fd_source (fd);
      g_autoptr(GError) error = NULL;
      GOutputStream *out = socket ? g_io_stream_get_output_stream (stream) : memory;

      ck_assert_int_eq (httplib_body_source_get_length (body), 1024 * 1024);
      ck_assert_int_eq (ftruncate (fd, 100000), 0);
      ck_assert (!write_body (loop, body, out, NULL, &error));
      httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
      ck_assert_ptr_nonnull (strstr (error->message, "ended after 100000 of 1048576 bytes"));
    }
}
END_TEST

#define STALL_SIZE (64 * 1024 * 1024)

/* sendfile to a server that does not read: cancelled, or timed out by
 * the socket's timeout. */
static GError *
sendfile_stalled (gboolean cancel)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { 0, 0, 0, TRUE, NULL, FALSE };
  g_autoptr(TestServer) server = test_server_new (receive_all, &sink);
  g_autoptr(GIOStream) stream = tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = g_malloc0 (STALL_SIZE);
  g_autoptr(HttplibBodySource) body = fd_source (file_with (data, STALL_SIZE));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  g_socket_set_timeout (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)), 1);
  if (cancel)
    cancel_after (loop, cancellable, 200);
  ck_assert (!write_body (loop, body, g_io_stream_get_output_stream (stream), cancellable, &error));
  took = g_get_monotonic_time () - start;
  ck_assert_int_ge (took, cancel ? 150 * 1000 : 900 * 1000);
  ck_assert_int_lt (took, cancel ? 900 * 1000 : 4 * G_USEC_PER_SEC);
  g_atomic_int_set (&sink.go, 1);
  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  return error;
}

START_TEST (test_fd_sendfile_cancel)
{
  g_autoptr(GError) error = sendfile_stalled (TRUE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_fd_sendfile_timeout)
{
  g_autoptr(GError) error = sendfile_stalled (FALSE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_ptr_nonnull (strstr (error->message, "sending file descriptor"));
}
END_TEST

/* --- the core's worker-thread fallback for blocking-only plugins --- */

#define TEST_TYPE_SYNC_TRANSPORT (test_sync_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestSyncTransport, test_sync_transport, TEST, SYNC_TRANSPORT, GObject)

struct _TestSyncTransport {
  GObject  parent_instance;
  GThread *opened_on;
};

static GIOStream *
sync_transport_open (HttplibTransport *transport, HttplibEndpoint *endpoint, GIOStream *base,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;

  TEST_SYNC_TRANSPORT (transport)->opened_on = g_thread_self ();
  if (httplib_endpoint_get_port (endpoint) == 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no link to port 1");
      return NULL;
    }
  in = g_memory_input_stream_new_from_data ("from the link", 13, NULL);
  out = g_memory_output_stream_new_resizable ();
  return g_simple_io_stream_new (in, out);
}

static void
sync_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = sync_transport_open;
}

G_DEFINE_TYPE_WITH_CODE (TestSyncTransport, test_sync_transport, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, sync_transport_iface_init))

static void
test_sync_transport_class_init (TestSyncTransportClass *klass)
{
}

static void
test_sync_transport_init (TestSyncTransport *self)
{
}

#define TEST_TYPE_SYNC_BODY (test_sync_body_get_type ())
G_DECLARE_FINAL_TYPE (TestSyncBody, test_sync_body, TEST, SYNC_BODY, GObject)

struct _TestSyncBody {
  GObject  parent_instance;
  GThread *written_on;
};

static gint64
sync_body_get_length (HttplibBodySource *source)
{
  return 9;
}

static gboolean
sync_body_write_to (HttplibBodySource *source, GOutputStream *stream, GCancellable *cancellable,
                    GError **error)
{
  TEST_SYNC_BODY (source)->written_on = g_thread_self ();
  return g_output_stream_write_all (stream, "sync body", 9, NULL, cancellable, error);
}

static void
sync_body_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = sync_body_get_length;
  iface->write_to = sync_body_write_to;
}

G_DEFINE_TYPE_WITH_CODE (TestSyncBody, test_sync_body, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_BODY_SOURCE, sync_body_iface_init))

static void
test_sync_body_class_init (TestSyncBodyClass *klass)
{
}

static void
test_sync_body_init (TestSyncBody *self)
{
}

START_TEST (test_fallback_transport)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestSyncTransport) transport = g_object_new (TEST_TYPE_SYNC_TRANSPORT, NULL);
  g_autoptr(HttplibEndpoint) endpoint = endpoint_for ("example.test", 80, 5);
  g_autoptr(HttplibEndpoint) failing = endpoint_for ("example.test", 1, 5);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) none = NULL;
  g_autoptr(GString) got = NULL;
  g_autoptr(GError) error = NULL;

  stream = open_async (loop, HTTPLIB_TRANSPORT (transport), endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  /* The blocking open ran in a worker; the callback came back here. */
  ck_assert_ptr_nonnull (transport->opened_on);
  ck_assert (transport->opened_on != g_thread_self ());
  got = read_async (loop, stream, 100);
  ck_assert_str_eq (got->str, "from the link");

  none = open_async (loop, HTTPLIB_TRANSPORT (transport), failing, NULL, NULL, &error);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  ck_assert_str_eq (error->message, "no link to port 1");
}
END_TEST

START_TEST (test_fallback_body_source)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestSyncBody) body = g_object_new (TEST_TYPE_SYNC_BODY, NULL);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) closed = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert (write_body (loop, HTTPLIB_BODY_SOURCE (body), memory, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (body->written_on);
  ck_assert (body->written_on != g_thread_self ());
  got = memory_contents (memory);
  test_assert_bytes_equal (got, "sync body", 9, "body");

  g_output_stream_close (closed, NULL, NULL);
  ck_assert (!write_body (loop, HTTPLIB_BODY_SOURCE (body), closed, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
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

  tc = tcase_create ("tls-stream");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_tls_stream_16mib_each_way);
  tcase_add_test (tc, test_tls_stream_write_nonblocking);
  tcase_add_test (tc, test_tls_stream_source_for_buffered_data);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("body-sources");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_bytes_write_async);
  tcase_add_test (tc, test_bytes_write_async_failures);
  tcase_add_test (tc, test_fd_sendfile_async);
  tcase_add_test (tc, test_fd_blocks_over_tls);
  tcase_add_test (tc, test_fd_blocks_to_memory);
  tcase_add_test (tc, test_fd_pipe_async);
  tcase_add_test (tc, test_fd_pipe_cancel);
  tcase_add_test (tc, test_fd_read_error);
  tcase_add_test (tc, test_fd_shrinking_file);
  tcase_add_test (tc, test_fd_sendfile_cancel);
  tcase_add_test (tc, test_fd_sendfile_timeout);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("fallback");
  tcase_add_test (tc, test_fallback_transport);
  tcase_add_test (tc, test_fallback_body_source);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (async_plugins_suite)
