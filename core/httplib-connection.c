/* httplib-connection.c: one HTTP/1.1 connection to one server
 *
 * HttplibConnection is Python's `HTTPConnection`: it opens its transport
 * chain on demand, writes requests (validated and serialised by the request
 * writer, sent in as few writes as possible), and hands out one
 * HttplibResponse at a time, keeping the connection alive between them as
 * CPython decides.
 *
 * ```c
 * g_autoptr(GError) error = NULL;
 * g_autoptr(HttplibConnection) conn = httplib_connection_new ("example.org", 0, &error);
 *
 * if (httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error))
 *   {
 *     g_autoptr(HttplibResponse) response = httplib_connection_get_response (conn, NULL, &error);
 *     g_autoptr(GBytes) body = httplib_response_read (response, -1, NULL, &error);
 *   }
 * ```
 */
#include "httplib-connection-private.h"
#include "httplib-enum-types.h"
#include "httplib-error.h"
#include "httplib-marshal-private.h"
#include "httplib-request-writer-private.h"
#include "httplib-response-private.h"

#include <math.h>
#include <string.h>


enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_STRICT,
  PROP_TIMEOUT,
  PROP_CONTINUE_TIMEOUT,
  PROP_SOURCE_ADDRESS,
  PROP_TRANSPORT,
  PROP_SOCKET_PATH,
  PROP_TLS_SETTINGS,
  PROP_TLS_INFO,
  PROP_DEBUG_LEVEL,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void on_transport_event (HttplibTransportEvent  event,
                                GIOStream             *stream,
                                gpointer               user_data);

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_EVENT,
  SIGNAL_INFORMATIONAL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void initable_iface_init (GInitableIface *iface);

/**
 * HttplibConnection:
 *
 * One connection to one HTTP server, with the API of Python's
 * `HTTPConnection`: httplib_connection_request() then
 * httplib_connection_get_response(), or the step-by-step
 * httplib_connection_put_request(), httplib_connection_put_header(),
 * httplib_connection_end_headers() and httplib_connection_send().
 *
 * The connection opens itself on the first request and again after the
 * server closed it; a response must be read to its end before the next
 * request. It is not thread-safe: use it from one thread at a time.
 */
G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibConnection, httplib_connection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, initable_iface_init))

void
httplib_connection_set_state (HttplibConnection      *self,
           HttplibConnectionState  state)
{
  HttplibConnectionState old = self->state;

  if (old == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (g_signal_has_handler_pending (self, signals[SIGNAL_STATE_CHANGED], 0, FALSE))
    g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, old, state);
}

void
httplib_connection_release_streams (HttplibConnection  *self,
                                    GIOStream         **top,
                                    GIOStream         **base)
{
  if (self->response != NULL)
    {
      HttplibResponse *response = self->response;

      self->response = NULL;
      httplib_response_detach (response);
    }
  *top = g_steal_pointer (&self->stream);
  *base = g_steal_pointer (&self->base_stream);
  if (*base == *top)
    g_clear_object (base);
  self->input = NULL;
  self->output = NULL;
  self->socket = NULL;
  httplib_read_buffer_reset (&self->buffer);
  self->response_pending = FALSE;
  g_clear_pointer (&self->early_head, httplib_head_parser_free);
  self->generation++;
}

void
httplib_connection_drop_stream (HttplibConnection *self)
{
  g_autoptr(GIOStream) top = NULL;
  g_autoptr(GIOStream) base = NULL;

  httplib_connection_release_streams (self, &top, &base);
  /* The top first: TLS says close_notify on the socket below. */
  if (top != NULL)
    g_io_stream_close (top, NULL, NULL);
  if (base != NULL)
    g_io_stream_close (base, NULL, NULL);
}

static void
httplib_connection_dispose (GObject *object)
{
  HttplibConnection *self = HTTPLIB_CONNECTION (object);

  httplib_connection_drop_stream (self);
  g_clear_pointer (&self->chain, httplib_chain_free);
  g_clear_object (&self->tls_settings);
  g_clear_object (&self->tls_info);
  g_clear_pointer (&self->tunnel_headers, httplib_headers_unref);

  G_OBJECT_CLASS (httplib_connection_parent_class)->dispose (object);
}

static void
httplib_connection_finalize (GObject *object)
{
  HttplibConnection *self = HTTPLIB_CONNECTION (object);

  g_free (self->host_port);
  g_free (self->host);
  g_free (self->source_address);
  g_free (self->transport_name);
  g_free (self->socket_path);
  g_free (self->tunnel_host);
  g_free (self->host_header);
  g_clear_pointer (&self->method, g_ref_string_release);
  g_string_free (self->request, TRUE);
  httplib_read_buffer_clear (&self->buffer);

  G_OBJECT_CLASS (httplib_connection_parent_class)->finalize (object);
}

static void
httplib_connection_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HttplibConnection *self = HTTPLIB_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host_port = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_STRICT:
      httplib_connection_set_strict (self, g_value_get_boolean (value));
      break;
    case PROP_TIMEOUT:
      httplib_connection_set_timeout (self, g_value_get_double (value), NULL);
      break;
    case PROP_CONTINUE_TIMEOUT:
      httplib_connection_set_continue_timeout (self, g_value_get_double (value), NULL);
      break;
    case PROP_SOURCE_ADDRESS:
      httplib_connection_set_source_address (self, g_value_get_string (value));
      break;
    case PROP_TRANSPORT:
      httplib_connection_set_transport (self, g_value_get_string (value));
      break;
    case PROP_SOCKET_PATH:
      self->socket_path = g_value_dup_string (value);
      break;
    case PROP_TLS_SETTINGS:
      self->tls_settings = g_value_dup_object (value);
      break;
    case PROP_DEBUG_LEVEL:
      httplib_connection_set_debug_level (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_connection_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HttplibConnection *self = HTTPLIB_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host ? self->host : self->host_port);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_STRICT:
      g_value_set_boolean (value, self->strict);
      break;
    case PROP_TIMEOUT:
      g_value_set_double (value, self->timeout);
      break;
    case PROP_CONTINUE_TIMEOUT:
      g_value_set_double (value, self->continue_timeout);
      break;
    case PROP_SOURCE_ADDRESS:
      g_value_set_string (value, self->source_address);
      break;
    case PROP_TRANSPORT:
      g_value_set_string (value, self->transport_name);
      break;
    case PROP_SOCKET_PATH:
      g_value_set_string (value, self->socket_path);
      break;
    case PROP_TLS_SETTINGS:
      g_value_set_object (value, self->tls_settings);
      break;
    case PROP_TLS_INFO:
      g_value_set_object (value, self->tls_info);
      break;
    case PROP_DEBUG_LEVEL:
      g_value_set_int (value, self->debug_level);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_connection_class_init (HttplibConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = httplib_connection_dispose;
  object_class->finalize = httplib_connection_finalize;
  object_class->set_property = httplib_connection_set_property;
  object_class->get_property = httplib_connection_get_property;

  /**
   * HttplibConnection:host:
   *
   * The server's host: a name or an IP literal. At construction it may
   * carry the port as `host:port` or `[v6]:port`; read back, it is the
   * host alone.
   */
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, construct);
  /**
   * HttplibConnection:port:
   *
   * The server's port. 0 at construction takes it from
   * [property@Connection:host] or uses %HTTPLIB_HTTP_PORT
   * (%HTTPLIB_HTTPS_PORT with [property@Connection:tls-settings]).
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT, 0, construct);
  /**
   * HttplibConnection:strict:
   *
   * Whether a response without a status line (HTTP/0.9) is refused with
   * %HTTPLIB_ERROR_BAD_STATUS_LINE. TRUE by default, as in Python 3 and curl.
   */
  properties[PROP_STRICT] = g_param_spec_boolean ("strict", NULL, NULL, TRUE, rw);
  /**
   * HttplibConnection:timeout:
   *
   * Seconds that connecting and each blocking read or write may take
   * before failing with %G_IO_ERROR_TIMED_OUT; 0 means no limit. GIO
   * counts socket timeouts in whole seconds, so a fraction is rounded up.
   * A response head (status line and fields, interim responses included)
   * must arrive within this time as a whole, so a server that sends it
   * slowly, a byte at a time, cannot stretch httplib_connection_get_response()
   * beyond it; body reads are bounded read by read.
   */
  properties[PROP_TIMEOUT] = g_param_spec_double ("timeout", NULL, NULL, 0, G_MAXDOUBLE, 0, rw);
  /**
   * HttplibConnection:continue-timeout:
   *
   * For a request sent by httplib_connection_request() with
   * `Expect: 100-continue`: the seconds to wait for the server's interim
   * `100 Continue` before sending the body anyway (servers that ignore
   * `Expect` never send one). 0 sends the body at once. 1 by default.
   */
  properties[PROP_CONTINUE_TIMEOUT] =
    g_param_spec_double ("continue-timeout", NULL, NULL, 0, G_MAXUINT,
                         HTTPLIB_DEFAULT_CONTINUE_TIMEOUT, rw);
  /**
   * HttplibConnection:source-address:
   *
   * The local address to connect from (`host`, `host:port` or
   * `[v6]:port`), or %NULL to let the system choose.
   */
  properties[PROP_SOURCE_ADDRESS] = g_param_spec_string ("source-address", NULL, NULL, NULL, rw);
  /**
   * HttplibConnection:transport:
   *
   * The name of the registered transport that opens the connection:
   * `tcp` by default, or one an application registered.
   */
  properties[PROP_TRANSPORT] = g_param_spec_string ("transport", NULL, NULL, "tcp", rw);
  /**
   * HttplibConnection:socket-path:
   *
   * The path of a Unix domain socket to connect to instead of
   * [property@Connection:host] and [property@Connection:port], which then
   * only make the `Host` header. With a path, a connection whose
   * [property@Connection:transport] is `tcp` (the default) uses `unix`
   * instead. A path that is empty or longer than a socket address holds
   * (107 bytes on Linux) fails at construction with
   * %HTTPLIB_ERROR_INVALID_URL. See httplib_connection_new_unix().
   */
  properties[PROP_SOCKET_PATH] = g_param_spec_string ("socket-path", NULL, NULL, NULL, construct);
  /**
   * HttplibConnection:tls-settings:
   *
   * With settings, the connection speaks HTTPS: the `tls` transport runs
   * on top of [property@Connection:transport] and verifies the server as
   * the settings say. %NULL for plain HTTP.
   */
  properties[PROP_TLS_SETTINGS] = g_param_spec_object ("tls-settings", NULL, NULL,
                                                       HTTPLIB_TYPE_TLS_SETTINGS, construct);
  /**
   * HttplibConnection:tls-info:
   *
   * What the latest TLS handshake negotiated (protocol version, cipher
   * suite, the server's certificate), or %NULL before one completed.
   */
  properties[PROP_TLS_INFO] = g_param_spec_object ("tls-info", NULL, NULL, HTTPLIB_TYPE_TLS_INFO,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  /**
   * HttplibConnection:debug-level:
   *
   * Above 0, every line sent and received is logged in CPython's form.
   */
  properties[PROP_DEBUG_LEVEL] = g_param_spec_int ("debug-level", NULL, NULL, 0, G_MAXINT, 0, rw);
  /**
   * HttplibConnection:state:
   *
   * Where the connection is in its life and in the current exchange.
   */
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, HTTPLIB_TYPE_CONNECTION_STATE,
                                              HTTPLIB_CONNECTION_STATE_DISCONNECTED,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                              G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HttplibConnection::state-changed:
   * @connection: the connection
   * @old_state: the state it left
   * @new_state: the state it entered
   *
   * Emitted on every change of [property@Connection:state].
   */
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  HTTPLIB_TYPE_CONNECTION_STATE, HTTPLIB_TYPE_CONNECTION_STATE);

  /**
   * HttplibConnection::event:
   * @connection: the connection
   * @event: what a transport of the chain is doing
   * @stream: (nullable): the stream so far
   *
   * Passes on [signal@Transport::event] from every link of the chain:
   * resolving, connecting, proxy negotiation, TLS handshake. Whether
   * anyone listens is looked at when an open starts (nobody listening
   * makes a connect cheaper): a handler connected while the connection is
   * opening may miss that open's events, never those of the next.
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, httplib_marshal_VOID__ENUM_OBJECT, G_TYPE_NONE, 2,
                  HTTPLIB_TYPE_TRANSPORT_EVENT, G_TYPE_IO_STREAM);
  g_signal_set_va_marshaller (signals[SIGNAL_EVENT], G_TYPE_FROM_CLASS (klass),
                              httplib_marshal_VOID__ENUM_OBJECTv);

  /**
   * HttplibConnection::informational:
   * @connection: the connection
   * @status: the interim status, 100 to 199 but 101
   * @reason: the reason phrase
   * @headers: the interim response's headers
   *
   * Emitted for each interim response (100 Continue, 103 Early Hints ...)
   * that httplib_connection_get_response() skips on its way to the final
   * one.
   */
  signals[SIGNAL_INFORMATIONAL] =
    g_signal_new ("informational", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT, G_TYPE_STRING, HTTPLIB_TYPE_HEADERS);
}

static void
httplib_connection_init (HttplibConnection *self)
{
  self->strict = TRUE;
  self->continue_timeout = HTTPLIB_DEFAULT_CONTINUE_TIMEOUT;
  self->default_port = HTTPLIB_HTTP_PORT;
  self->transport_name = g_strdup ("tcp");
  self->request = g_string_sized_new (512);
  self->chain = httplib_chain_new (on_transport_event, self);
  httplib_read_buffer_init (&self->buffer);
}

static gboolean
httplib_connection_initable_init (GInitable     *initable,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  HttplibConnection *self = HTTPLIB_CONNECTION (initable);

  if (self->host_port == NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL, "no host given");
      return FALSE;
    }
  if (self->tls_settings != NULL)
    self->default_port = HTTPLIB_HTTPS_PORT;
  if (self->socket_path != NULL &&
      !httplib_connection_init_socket_path (self, error))
    return FALSE;
  return httplib_split_host_port (self->host_port, self->port, self->default_port,
                                  &self->host, &self->port, error);
}

static void
initable_iface_init (GInitableIface *iface)
{
  iface->init = httplib_connection_initable_init;
}

/**
 * httplib_connection_new:
 * @host: the server: `host`, `host:port` or `[v6]:port`
 * @port: the port, or 0 to take it from @host or use %HTTPLIB_HTTP_PORT
 * @error: return location for a #GError
 *
 * Creates a connection, as Python's `HTTPConnection(host, port)`; nothing
 * is sent until the first request. A non-numeric, empty or out-of-range
 * port, an empty host, or a host with spaces or control characters fails
 * with %HTTPLIB_ERROR_INVALID_URL.
 *
 * Returns: (transfer full): a new connection, or %NULL with @error set
 */
HttplibConnection *
httplib_connection_new (const char *host,
                        guint       port,
                        GError    **error)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (HTTPLIB_TYPE_CONNECTION, NULL, error,
                         "host", host, "port", port, NULL);
}

/**
 * httplib_connection_new_https:
 * @host: the server: `host`, `host:port` or `[v6]:port`
 * @port: the port, or 0 to take it from @host or use %HTTPLIB_HTTPS_PORT
 * @settings: (nullable): what to trust and present, or %NULL for
 *   httplib_tls_settings_get_default()
 * @error: return location for a #GError
 *
 * Creates an HTTPS connection, as Python's `HTTPSConnection`: HTTP over
 * the `tls` transport, which checks the server's certificate and host name
 * unless @settings turn that off. Fails as httplib_connection_new() does.
 *
 * Returns: (transfer full): a new connection, or %NULL with @error set
 */
HttplibConnection *
httplib_connection_new_https (const char         *host,
                              guint               port,
                              HttplibTlsSettings *settings,
                              GError            **error)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (settings == NULL || HTTPLIB_IS_TLS_SETTINGS (settings), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (settings == NULL)
    settings = httplib_tls_settings_get_default ();
  return g_initable_new (HTTPLIB_TYPE_CONNECTION, NULL, error,
                         "host", host, "port", port, "tls-settings", settings, NULL);
}

/* --- the transport chain --- */

static void
on_transport_event (HttplibTransportEvent  event,
                    GIOStream             *stream,
                    gpointer               user_data)
{
  HttplibConnection *self = user_data;

  /* Kept before the event goes out, so its handlers can read it. */
  if (event == HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKED && stream != NULL &&
      httplib_tls_info_get_for_stream (stream) != NULL)
    {
      g_set_object (&self->tls_info, httplib_tls_info_get_for_stream (stream));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_INFO]);
    }
  if (g_signal_has_handler_pending (self, signals[SIGNAL_EVENT], 0, FALSE))
    g_signal_emit (self, signals[SIGNAL_EVENT], 0, event, stream);
}

void
httplib_connection_get_chain_config (HttplibConnection  *self,
                                     HttplibChainConfig *config)
{
  *config = (HttplibChainConfig) {
    .transport = self->transport_name,
    .host = self->host,
    .port = (guint16) self->port,
    .timeout = self->timeout,
    .source_address = self->source_address,
    .socket_path = self->socket_path,
    .debug_level = self->debug_level,
    .tunnel_host = self->tunnel_host,
    .tunnel_port = (guint16) self->tunnel_port,
    .tunnel_headers = self->tunnel_headers,
    .tls_settings = self->tls_settings,
    .events = g_signal_has_handler_pending (self, signals[SIGNAL_EVENT], 0, FALSE),
  };
}

HttplibConnectionState
httplib_connection_connect_begin (HttplibConnection *self)
{
  HttplibConnectionState before = self->state;

  httplib_connection_set_state (self, HTTPLIB_CONNECTION_STATE_CONNECTING);
  if (self->tls_info != NULL)
    {
      g_clear_object (&self->tls_info);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_INFO]);
    }
  return before;
}

/* Takes base and top, the chain's streams, or NULL when opening failed. */
void
httplib_connection_connect_end (HttplibConnection      *self,
                                HttplibConnectionState  before,
                                GIOStream              *base,
                                GIOStream              *top)
{
  if (top == NULL)
    {
      httplib_connection_set_state (self, before == HTTPLIB_CONNECTION_STATE_DISCONNECTED
                                          ? HTTPLIB_CONNECTION_STATE_DISCONNECTED
                                          : HTTPLIB_CONNECTION_STATE_CLOSED);
      return;
    }
  /* A transport of the application's may attach TLS info to its stream
   * too; the chain passed its events on only if someone listened. */
  if (self->tls_info == NULL && httplib_tls_info_get_for_stream (top) != NULL)
    {
      self->tls_info = g_object_ref (httplib_tls_info_get_for_stream (top));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_INFO]);
    }
  self->base_stream = base;
  self->stream = top;
  self->input = g_io_stream_get_input_stream (top);
  self->output = g_io_stream_get_output_stream (top);
  /* Read and written directly when it is a plain socket: see httplib_transport_get_socket(). */
  self->socket = httplib_transport_get_socket (top);
  self->exchanges = 0;
  self->idle_since = g_get_monotonic_time ();
  httplib_connection_set_state (self, HTTPLIB_CONNECTION_STATE_IDLE);
}

/**
 * httplib_connection_connect: (skip)
 * @connection: a connection
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens the connection now (Python's `connect()`); requests open it by
 * themselves when needed. Does nothing when it is open.
 *
 * Errors: %G_IO_ERROR_CONNECTION_REFUSED, %G_IO_ERROR_TIMED_OUT,
 * %G_IO_ERROR_CANCELLED, %G_RESOLVER_ERROR_NOT_FOUND and the other errors
 * of the transport; %HTTPLIB_ERROR_PLUGIN when the transport is not
 * registered; %HTTPLIB_ERROR_INVALID_URL for a bad source address.
 *
 * Bindings see this function as [method@Connection.open]: in Python and
 * JavaScript `connect` is GObject's method that connects a signal handler.
 *
 * Returns: %TRUE when connected
 */
gboolean
httplib_connection_connect (HttplibConnection *connection,
                            GCancellable      *cancellable,
                            GError           **error)
{
  HttplibChainConfig config;
  HttplibConnectionState before;
  GIOStream *base = NULL, *top = NULL;

  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!httplib_connection_check_idle_caller (connection, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE,
                                             error))
    return FALSE;
  if (connection->stream != NULL)
    return TRUE;

  before = httplib_connection_connect_begin (connection);
  httplib_connection_get_chain_config (connection, &config);
  if (!httplib_chain_open (connection->chain, &config, &base, &top, cancellable, error))
    base = top = NULL;
  httplib_connection_connect_end (connection, before, base, top);
  return top != NULL;
}

/**
 * httplib_connection_open:
 * @connection: a connection
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens the connection now, as httplib_connection_connect() does (Python's
 * `connect()`); requests open it by themselves when needed. Does nothing
 * when it is open. This is the name bindings use, where `connect` belongs
 * to GObject's signals:
 *
 * ```python
 * conn = Httplib.Connection.new("localhost", 8080)
 * conn.open(None)
 * ```
 *
 * Errors: the same as httplib_connection_connect(): %G_IO_ERROR codes and
 * the other errors of the transport; %HTTPLIB_ERROR_PLUGIN when the
 * transport is not registered; %HTTPLIB_ERROR_INVALID_URL for a bad
 * source address.
 *
 * Returns: %TRUE when connected
 */
gboolean
httplib_connection_open (HttplibConnection *connection,
                         GCancellable      *cancellable,
                         GError           **error)
{
  return httplib_connection_connect (connection, cancellable, error);
}

/**
 * httplib_connection_close:
 * @connection: a connection
 *
 * Closes the connection and any response being read (Python's `close()`).
 * The next request opens it again.
 */
void
httplib_connection_close (HttplibConnection *connection)
{
  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));

  httplib_connection_drop_stream (connection);
  if (connection->state != HTTPLIB_CONNECTION_STATE_DISCONNECTED)
    httplib_connection_set_state (connection, HTTPLIB_CONNECTION_STATE_CLOSED);
}

/* --- responses --- */

/* Reads the head within the timeout, as a whole (see head_deadline). */
static gboolean
begin_response (HttplibConnection  *self,
                HttplibResponse    *response,
                HttplibHeadParser  *early_head,
                GCancellable       *cancellable,
                GError            **error)
{
  gboolean ok;

  httplib_connection_start_head_deadline (self);
  ok = httplib_response_begin (response, early_head, cancellable, error);
  httplib_connection_clear_head_deadline (self);
  return ok;
}

/**
 * httplib_connection_get_response:
 * @connection: a connection
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads the response to the request sent (Python's `getresponse()`):
 * status line and headers, skipping interim 1xx responses (each reported
 * by [signal@Connection::informational]). Read its body before the next
 * request.
 *
 * Errors: %HTTPLIB_ERROR_RESPONSE_NOT_READY when no request was sent or
 * its response was already taken; %HTTPLIB_ERROR_REMOTE_DISCONNECTED when
 * the server closed without a status line; %HTTPLIB_ERROR_BAD_STATUS_LINE,
 * %HTTPLIB_ERROR_UNKNOWN_PROTOCOL, %HTTPLIB_ERROR_LINE_TOO_LONG,
 * %HTTPLIB_ERROR_TOO_MANY_HEADERS, %HTTPLIB_ERROR_INVALID_HEADER,
 * %HTTPLIB_ERROR_BAD_FRAMING and %HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING
 * for a response that cannot be trusted; %G_IO_ERROR_TIMED_OUT when the
 * head did not arrive within [property@Connection:timeout]; %G_IO_ERROR
 * codes from the stream. After any error the connection is closed.
 *
 * A request on a kept-alive connection that gets not one byte back (the
 * server closed the connection as the request went out) is sent again
 * once on a new connection when its method is idempotent and it had no
 * body, as RFC 9112 section 9.3.1 allows; the errors above are then those
 * of the second attempt.
 *
 * Returns: (transfer full): the response, or %NULL with @error set
 */
HttplibResponse *
httplib_connection_get_response (HttplibConnection *connection,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  HttplibConnection *self = connection;
  g_autoptr(HttplibResponse) response = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  response = httplib_connection_take_response (self, error);
  if (response == NULL)
    return NULL;
  if (begin_response (self, response, g_steal_pointer (&self->early_head), cancellable,
                      &local_error))
    return httplib_response_hand_out (g_steal_pointer (&response));

  if (httplib_connection_can_resend (self, response, local_error))
    {
      g_clear_error (&local_error);
      g_clear_object (&response);
      if (httplib_connection_resend (self, cancellable, error) &&
          (response = httplib_connection_take_response (self, error)) != NULL &&
          begin_response (self, response, NULL, cancellable, error))
        return httplib_response_hand_out (g_steal_pointer (&response));
    }
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  httplib_connection_close (self);
  return NULL;
}

gboolean
httplib_connection_check_idle_caller (HttplibConnection  *self,
                                      HttplibError        code,
                                      GError            **error)
{
  if (!self->busy)
    return TRUE;
  g_set_error_literal (error, HTTPLIB_ERROR, code,
                       "another operation is in progress on this connection");
  return FALSE;
}

HttplibResponse *
httplib_connection_take_response (HttplibConnection  *self,
                                  GError            **error)
{
  HttplibResponse *response;

  if (!httplib_connection_check_idle_caller (self, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE, error))
    return NULL;
  if (!self->response_pending || self->stream == NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_RESPONSE_NOT_READY,
                   "no response is ready: %s",
                   self->state == HTTPLIB_CONNECTION_STATE_REQUEST_STARTED
                   ? "the request headers were not ended"
                   : self->response != NULL ? "the response was already taken"
                                            : "no request was sent");
      return NULL;
    }

  self->response_pending = FALSE;
  response = httplib_response_new (self, self->method, self->strict, self->debug_level);
  self->response = response;
  httplib_connection_set_state (self, HTTPLIB_CONNECTION_STATE_RESPONSE_ACTIVE);
  return response;
}

/* A reply is rarely there the moment its request went out. GSocket's
 * blocking read tries first, fails with EAGAIN, then polls and reads
 * again; on a plain socket we poll first, so the one read succeeds. */
static gboolean
await_reply (HttplibConnection  *self,
             GCancellable       *cancellable,
             GError            **error)
{
  if (!self->awaiting_reply)
    return TRUE;
  self->awaiting_reply = FALSE;
  if (httplib_read_buffer_available (&self->buffer) > 0 || self->socket == NULL)
    return TRUE;
  /* -1: the socket's own timeout, the connection's. */
  return g_socket_condition_timed_wait (self->socket, G_IO_IN, -1, cancellable, error);
}

gssize
httplib_connection_fill (HttplibConnection  *self,
                         GCancellable       *cancellable,
                         GError            **error)
{
  if (!await_reply (self, cancellable, error))
    return -1;
  if (self->socket != NULL)
    return httplib_read_buffer_fill_socket (&self->buffer, self->socket, cancellable, error);
  return httplib_read_buffer_fill (&self->buffer, self->input, cancellable, error);
}

HttplibReadBuffer *
httplib_connection_get_read_buffer (HttplibConnection *connection)
{
  return &connection->buffer;
}

GInputStream *
httplib_connection_get_input (HttplibConnection *connection)
{
  return connection->input;
}

int
httplib_connection_get_fd (HttplibConnection *connection)
{
  if (G_IS_SOCKET_CONNECTION (connection->base_stream))
    return g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection->base_stream)));
  return -1;
}

void
httplib_connection_emit_informational (HttplibConnection *connection,
                                       guint              status,
                                       const char        *reason,
                                       HttplibHeaders    *headers)
{
  if (g_signal_has_handler_pending (connection, signals[SIGNAL_INFORMATIONAL], 0, FALSE))
    g_signal_emit (connection, signals[SIGNAL_INFORMATIONAL], 0, status, reason, headers);
}

void
httplib_connection_response_complete (HttplibConnection *connection,
                                      HttplibResponse   *response,
                                      gboolean           will_close)
{
  if (connection->response != response)
    return;
  /* Forgotten now: the caller may keep the response, finished, as long as it likes. */
  connection->response = NULL;
  if (will_close)
    {
      httplib_connection_close (connection);
      return;
    }
  connection->exchanges++;
  connection->idle_since = g_get_monotonic_time ();
  httplib_connection_set_state (connection, HTTPLIB_CONNECTION_STATE_IDLE);
}

void
httplib_connection_response_abandoned (HttplibConnection *connection,
                                       HttplibResponse   *response)
{
  if (connection->response != response)
    return;
  connection->response = NULL;
  httplib_connection_close (connection);
}

/* --- settings --- */

/**
 * httplib_connection_set_debug_level:
 * @connection: a connection
 * @level: 0 for silence; above 0, every line sent and received is logged
 *
 * Python's `set_debuglevel()`. Lines are logged through GLib under the
 * domain `Httplib` in CPython 3's form (`send: b'...'`, `reply: '...'`,
 * `header: Name: value`), so g_log_set_handler() can capture them.
 */
void
httplib_connection_set_debug_level (HttplibConnection *connection,
                                    int                level)
{
  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));

  level = MAX (level, 0);
  if (connection->debug_level == level)
    return;
  connection->debug_level = level;
  g_object_notify_by_pspec (G_OBJECT (connection), properties[PROP_DEBUG_LEVEL]);
}

/**
 * httplib_connection_get_debug_level:
 * @connection: a connection
 *
 * Gets the debug level.
 *
 * Returns: the debug level
 */
int
httplib_connection_get_debug_level (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), 0);
  return connection->debug_level;
}

/**
 * httplib_connection_get_host:
 * @connection: a connection
 *
 * Gets the host, without port or brackets.
 *
 * Returns: the host, without port or brackets
 */
const char *
httplib_connection_get_host (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return connection->host;
}

/**
 * httplib_connection_get_port:
 * @connection: a connection
 *
 * Gets the port.
 *
 * Returns: the port
 */
guint
httplib_connection_get_port (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), 0);
  return connection->port;
}

/**
 * httplib_connection_get_strict:
 * @connection: a connection
 *
 * Checks whether HTTP/0.9 responses are refused.
 *
 * Returns: whether HTTP/0.9 responses are refused
 */
gboolean
httplib_connection_get_strict (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), TRUE);
  return connection->strict;
}

/**
 * httplib_connection_set_strict:
 * @connection: a connection
 * @strict: %FALSE to accept HTTP/0.9 responses
 *
 * Sets [property@Connection:strict].
 */
void
httplib_connection_set_strict (HttplibConnection *connection,
                               gboolean           strict)
{
  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));

  strict = !!strict;
  if (connection->strict == strict)
    return;
  connection->strict = strict;
  g_object_notify_by_pspec (G_OBJECT (connection), properties[PROP_STRICT]);
}

/**
 * httplib_connection_get_timeout:
 * @connection: a connection
 *
 * Gets the timeout in seconds, 0 for none.
 *
 * Returns: the timeout in seconds, 0 for none
 */
double
httplib_connection_get_timeout (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), 0);
  return connection->timeout;
}

/**
 * httplib_connection_set_timeout:
 * @connection: a connection
 * @timeout: seconds, 0 for none
 * @error: return location for a #GError
 *
 * Sets [property@Connection:timeout]; it applies to the open connection
 * at once. A negative or non-finite value fails with
 * %G_IO_ERROR_INVALID_ARGUMENT.
 *
 * Returns: %TRUE when set
 */
gboolean
httplib_connection_set_timeout (HttplibConnection *connection,
                                double             timeout,
                                GError           **error)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), FALSE);

  if (!(timeout >= 0 && timeout <= G_MAXUINT))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "invalid timeout %g: expected seconds from 0 (none) to %u",
                   timeout, G_MAXUINT);
      return FALSE;
    }
  if (connection->timeout == timeout)
    return TRUE;
  connection->timeout = timeout;
  if (G_IS_SOCKET_CONNECTION (connection->base_stream))
    g_socket_set_timeout (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection->base_stream)),
                          timeout > 0 ? (guint) ceil (timeout) : 0);
  g_object_notify_by_pspec (G_OBJECT (connection), properties[PROP_TIMEOUT]);
  return TRUE;
}

/**
 * httplib_connection_get_continue_timeout:
 * @connection: a connection
 *
 * Gets [property@Connection:continue-timeout].
 *
 * Returns: the seconds [property@Connection:continue-timeout] waits for
 *   `100 Continue`
 */
double
httplib_connection_get_continue_timeout (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), 0);
  return connection->continue_timeout;
}

/**
 * httplib_connection_set_continue_timeout:
 * @connection: a connection
 * @timeout: seconds, 0 to send the body without waiting
 * @error: return location for a #GError
 *
 * Sets [property@Connection:continue-timeout]. A negative or non-finite
 * value fails with %G_IO_ERROR_INVALID_ARGUMENT.
 *
 * Returns: %TRUE when set
 */
gboolean
httplib_connection_set_continue_timeout (HttplibConnection *connection,
                                         double             timeout,
                                         GError           **error)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), FALSE);

  if (!(timeout >= 0 && timeout <= G_MAXUINT))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "invalid continue timeout %g: expected seconds from 0 (no wait) to %u",
                   timeout, G_MAXUINT);
      return FALSE;
    }
  if (connection->continue_timeout == timeout)
    return TRUE;
  connection->continue_timeout = timeout;
  g_object_notify_by_pspec (G_OBJECT (connection), properties[PROP_CONTINUE_TIMEOUT]);
  return TRUE;
}

/**
 * httplib_connection_get_source_address:
 * @connection: a connection
 *
 * Gets the local address to connect from.
 *
 * Returns: (nullable): the local address to connect from
 */
const char *
httplib_connection_get_source_address (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return connection->source_address;
}

/**
 * httplib_connection_set_source_address:
 * @connection: a connection
 * @address: (nullable): `host`, `host:port` or `[v6]:port`, or %NULL
 *
 * Sets the local address for the next connect (Python's
 * `source_address`). An address that cannot be used fails the connect
 * with %HTTPLIB_ERROR_INVALID_URL.
 */
void
httplib_connection_set_source_address (HttplibConnection *connection,
                                       const char        *address)
{
  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));

  if (g_strcmp0 (connection->source_address, address) == 0)
    return;
  g_free (connection->source_address);
  connection->source_address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (connection), properties[PROP_SOURCE_ADDRESS]);
}

/**
 * httplib_connection_get_transport:
 * @connection: a connection
 *
 * Gets the name of the transport that opens the connection.
 *
 * Returns: the name of the transport that opens the connection
 */
const char *
httplib_connection_get_transport (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return connection->transport_name;
}

/**
 * httplib_connection_set_transport:
 * @connection: a connection
 * @name: a registered transport name, such as `tcp`
 *
 * Chooses the transport for the next connect. An unknown name fails the
 * connect with %HTTPLIB_ERROR_PLUGIN.
 */
void
httplib_connection_set_transport (HttplibConnection *connection,
                                  const char        *name)
{
  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));
  g_return_if_fail (name != NULL);

  if (g_strcmp0 (connection->transport_name, name) == 0)
    return;
  g_free (connection->transport_name);
  connection->transport_name = g_strdup (name);
  /* The chain makes its links again for the new transport on the next connect. */
  g_object_notify_by_pspec (G_OBJECT (connection), properties[PROP_TRANSPORT]);
}

/**
 * httplib_connection_get_transport_instance:
 * @connection: a connection
 *
 * Gets the transport given with
 * httplib_connection_set_transport_instance().
 *
 * Returns: (transfer none) (nullable): the transport that opens the
 *   connection, or %NULL when it is made from
 *   [property@Connection:transport]
 */
HttplibTransport *
httplib_connection_get_transport_instance (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return httplib_chain_get_first (connection->chain);
}

/**
 * httplib_connection_set_transport_instance:
 * @connection: a connection
 * @transport: (nullable): the transport that opens the connection, or
 *   %NULL to make one from [property@Connection:transport] again
 *
 * Opens the connection with @transport itself instead of a new instance
 * of the transport registered as [property@Connection:transport]: for a
 * transport the application set up beforehand, such as a
 * [class@ReplayTransport] with its scripted responses. @transport is the
 * first link of the chain; `tunnel` and `tls` still come on top when the
 * connection has a tunnel or TLS settings. Takes effect at the next
 * connect; an open connection keeps its stream. One transport may serve
 * several connections.
 *
 * ```c
 * g_autoptr(HttplibReplayTransport) replay = httplib_replay_transport_new ();
 *
 * httplib_replay_transport_add_simple_response (replay, 200, NULL, body);
 * httplib_connection_set_transport_instance (connection, HTTPLIB_TRANSPORT (replay));
 * ```
 */
void
httplib_connection_set_transport_instance (HttplibConnection *connection,
                                           HttplibTransport  *transport)
{
  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));
  g_return_if_fail (transport == NULL || HTTPLIB_IS_TRANSPORT (transport));

  httplib_chain_set_first (connection->chain, transport);
}

/**
 * httplib_connection_get_state:
 * @connection: a connection
 *
 * Gets the connection's state.
 *
 * Returns: the connection's state
 */
HttplibConnectionState
httplib_connection_get_state (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), HTTPLIB_CONNECTION_STATE_CLOSED);
  return connection->state;
}

/**
 * httplib_connection_get_tls_settings:
 * @connection: a connection
 *
 * Gets the TLS settings of an HTTPS connection, %NULL for plain HTTP.
 *
 * Returns: (nullable) (transfer none): the TLS settings of an HTTPS
 *   connection, %NULL for plain HTTP
 */
HttplibTlsSettings *
httplib_connection_get_tls_settings (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return connection->tls_settings;
}

/**
 * httplib_connection_get_tls_info:
 * @connection: a connection
 *
 * What the latest TLS handshake negotiated: protocol version, cipher
 * suite, ALPN protocol and the server's certificate. It stays readable
 * after the connection closes, until the next connect.
 *
 * Returns: (nullable) (transfer none): the handshake's outcome, or %NULL
 *   before one completed
 */
HttplibTlsInfo *
httplib_connection_get_tls_info (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return connection->tls_info;
}

/**
 * httplib_connection_set_tunnel:
 * @connection: a connection
 * @host: the origin server: `host`, `host:port` or `[v6]:port`
 * @port: its port, or 0 to take it from @host or use the connection's
 *   default port (80, or 443 for HTTPS)
 * @headers: (nullable): extra fields for the `CONNECT` request, such as
 *   `Proxy-Authorization` (see httplib_tunnel_basic_auth_header())
 * @error: return location for a #GError
 *
 * Tunnels through a proxy with `CONNECT` (Python's `set_tunnel()`): the
 * connection was made for the proxy, and @host names the origin. Requests
 * then carry the origin's `Host`; over HTTPS the TLS handshake checks the
 * origin's certificate, not the proxy's. A reconnect opens the tunnel
 * again.
 *
 * Errors: %HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE once the connection is
 * open (Python raises `RuntimeError`); %HTTPLIB_ERROR_INVALID_URL for a bad
 * host or port; %HTTPLIB_ERROR_INVALID_HEADER for a field that must not be
 * sent. Nothing changes when it fails.
 *
 * Returns: %TRUE when the tunnel is set for the next connect
 */
gboolean
httplib_connection_set_tunnel (HttplibConnection *connection,
                               const char        *host,
                               guint              port,
                               HttplibHeaders    *headers,
                               GError           **error)
{
  g_autoptr(HttplibHeaders) copy = httplib_headers_new ();
  g_autofree char *origin = NULL;
  guint origin_port = 0;
  HttplibHeadersIter iter;
  const char *name;
  const char *value;

  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (connection->stream != NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE,
                           "Can't set up tunnel for established connection");
      return FALSE;
    }
  if (!httplib_split_host_port (host, port, connection->default_port, &origin, &origin_port,
                                error))
    return FALSE;
  if (headers != NULL)
    {
      /* A copy: later changes to the caller's headers do not leak in. */
      httplib_headers_iter_init (&iter, headers);
      while (httplib_headers_iter_next (&iter, &name, &value))
        {
          if (!httplib_validate_header (name, value, error))
            return FALSE;
          httplib_headers_append (copy, name, value);
        }
    }

  g_free (connection->tunnel_host);
  g_clear_pointer (&connection->host_header, g_free);
  connection->tunnel_host = g_steal_pointer (&origin);
  connection->tunnel_port = origin_port;
  g_clear_pointer (&connection->tunnel_headers, httplib_headers_unref);
  connection->tunnel_headers = g_steal_pointer (&copy);
  return TRUE;
}

/**
 * httplib_connection_get_tunnel_host:
 * @connection: a connection
 *
 * Gets the origin set with httplib_connection_set_tunnel().
 *
 * Returns: (nullable): the origin set with httplib_connection_set_tunnel()
 */
const char *
httplib_connection_get_tunnel_host (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return connection->tunnel_host;
}

/**
 * httplib_connection_get_tunnel_port:
 * @connection: a connection
 *
 * Gets the origin's port, 0 without a tunnel.
 *
 * Returns: the origin's port, 0 without a tunnel
 */
guint
httplib_connection_get_tunnel_port (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), 0);
  return connection->tunnel_port;
}

/**
 * httplib_connection_get_proxy_status:
 * @connection: a connection
 *
 * Gets the status the proxy answered the last `CONNECT` with (200, or the 407
 * that failed it), 0 when no proxy answered.
 *
 * Returns: the status the proxy answered the last `CONNECT` with (200, or
 *   the 407 that failed it), 0 when no proxy answered
 */
guint
httplib_connection_get_proxy_status (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), 0);
  return httplib_chain_get_proxy_status (connection->chain);
}

/**
 * httplib_connection_get_proxy_reason:
 * @connection: a connection
 *
 * Gets the reason phrase of the proxy's last answer.
 *
 * Returns: (nullable): the reason phrase of the proxy's last answer
 */
const char *
httplib_connection_get_proxy_reason (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return httplib_chain_get_proxy_reason (connection->chain);
}

/**
 * httplib_connection_get_proxy_response_headers:
 * @connection: a connection
 *
 * The header fields of the proxy's answer to the last `CONNECT`, also when
 * it refused the tunnel, so an application can answer a 407's
 * `Proxy-Authenticate` (Python's `get_proxy_response_headers()`).
 *
 * Returns: (nullable) (transfer none): the fields, or %NULL when no proxy
 *   answered
 */
HttplibHeaders *
httplib_connection_get_proxy_response_headers (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return httplib_chain_get_proxy_headers (connection->chain);
}

/**
 * httplib_tunnel_basic_auth_header:
 * @user: the proxy user name, without `:`
 * @password: the password
 * @error: return location for a #GError
 *
 * The value of a `Proxy-Authorization` field for HTTP Basic
 * authentication (RFC 7617, UTF-8): `Basic` and the base64 of
 * `user:password`.
 *
 * Errors: %HTTPLIB_ERROR_INVALID_HEADER when @user holds a `:`, or either
 * holds a control character or is not UTF-8.
 *
 * Returns: (transfer full): the field value, or %NULL with @error set
 */
char *
httplib_tunnel_basic_auth_header (const char  *user,
                                  const char  *password,
                                  GError     **error)
{
  g_autofree char *pair = NULL;
  g_autofree char *encoded = NULL;

  g_return_val_if_fail (user != NULL && password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (strchr (user, ':') != NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_HEADER,
                           "a Basic authentication user name cannot contain “:”");
      return NULL;
    }
  for (const char *p = user; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      goto control;
  for (const char *p = password; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      goto control;
  if (!g_utf8_validate (user, -1, NULL) || !g_utf8_validate (password, -1, NULL))
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_HEADER,
                           "a Basic authentication user name or password is not UTF-8");
      return NULL;
    }

  pair = g_strconcat (user, ":", password, NULL);
  encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  return g_strconcat ("Basic ", encoded, NULL);

control:
  g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_HEADER,
                       "a Basic authentication user name or password holds a control character");
  return NULL;
}
