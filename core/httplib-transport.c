/* httplib-transport.c: the interface every transport plugin implements
 *
 * A transport opens a duplex byte stream. The connection builds a chain
 * of them (tcp, then maybe a tunnel, then maybe tls) and opens each link
 * on the stream of the one below.
 */
#include "httplib-transport.h"
#include "httplib-error.h"
#include "httplib-enum-types.h"
#include "httplib-marshal-private.h"

/**
 * HttplibTransport:
 *
 * A way to reach a server: a plugin (or an application) implements it and
 * registers it by name with httplib_registry_register_transport().
 *
 * A transport is instantiated with g_object_new() and no properties for
 * each link it serves, so it keeps its per-connection state in itself.
 */
G_DEFINE_INTERFACE (HttplibTransport, httplib_transport, G_TYPE_OBJECT)

enum {
  SIGNAL_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
httplib_transport_default_init (HttplibTransportInterface *iface)
{
  /**
   * HttplibTransport::event:
   * @transport: the transport
   * @event: what the transport is doing
   * @stream: (nullable): the stream so far, when there is one
   *
   * Emitted as the transport works; the connection passes it on as
   * [signal@Connection::event].
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, httplib_marshal_VOID__ENUM_OBJECT,
                  G_TYPE_NONE, 2,
                  HTTPLIB_TYPE_TRANSPORT_EVENT,
                  G_TYPE_IO_STREAM);
  g_signal_set_va_marshaller (signals[SIGNAL_EVENT], G_TYPE_FROM_INTERFACE (iface),
                              httplib_marshal_VOID__ENUM_OBJECTv);
}

/**
 * httplib_transport_open:
 * @transport: a transport
 * @endpoint: where to connect
 * @base: (nullable): the stream of the link below, or %NULL for the first
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens the stream of this link. Errors are in the %G_IO_ERROR domain
 * (refused, timed out, cancelled, host not found) or the %HTTPLIB_ERROR
 * domain for transports that speak a protocol of their own.
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
GIOStream *
httplib_transport_open (HttplibTransport *transport,
                        HttplibEndpoint  *endpoint,
                        GIOStream        *base,
                        GCancellable     *cancellable,
                        GError          **error)
{
  HttplibTransportInterface *iface;
  GIOStream *stream;

  g_return_val_if_fail (HTTPLIB_IS_TRANSPORT (transport), NULL);
  g_return_val_if_fail (endpoint != NULL, NULL);
  g_return_val_if_fail (base == NULL || G_IS_IO_STREAM (base), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = HTTPLIB_TRANSPORT_GET_IFACE (transport);
  if (iface->open == NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "transport %s has no open method",
                   G_OBJECT_TYPE_NAME (transport));
      return NULL;
    }

  stream = iface->open (transport, endpoint, base, cancellable, error);
  /* A transport that fails without saying why must not leave the caller guessing. */
  if (stream == NULL && error != NULL && *error == NULL)
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                 "transport %s failed without an error",
                 G_OBJECT_TYPE_NAME (transport));
  return stream;
}

typedef struct {
  HttplibEndpoint *endpoint;
  GIOStream       *base;
} OpenData;

static void
open_data_free (OpenData *data)
{
  httplib_endpoint_unref (data->endpoint);
  g_clear_object (&data->base);
  g_free (data);
}

/* The fallback for transports with only the blocking method. */
static void
open_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  OpenData *data = task_data;
  GError *error = NULL;
  GIOStream *stream = httplib_transport_open (source_object, data->endpoint, data->base,
                                              cancellable, &error);

  if (stream != NULL)
    g_task_return_pointer (task, stream, g_object_unref);
  else
    g_task_return_error (task, error);
}

/**
 * httplib_transport_open_async:
 * @transport: a transport
 * @endpoint: where to connect
 * @base: (nullable): the stream of the link below, or %NULL for the first
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the stream is open or opening failed
 * @user_data: data for @callback
 *
 * Opens the stream of this link without blocking: through the transport's
 * own `open_async` when it has one, else by running its blocking `open` in
 * a worker thread (the transport must then tolerate being called from
 * another thread, which a transport keeping its state in itself does).
 * Finish with httplib_transport_open_finish().
 */
void
httplib_transport_open_async (HttplibTransport    *transport,
                              HttplibEndpoint     *endpoint,
                              GIOStream           *base,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  HttplibTransportInterface *iface;
  g_autoptr(GTask) task = NULL;
  OpenData *data;

  g_return_if_fail (HTTPLIB_IS_TRANSPORT (transport));
  g_return_if_fail (endpoint != NULL);
  g_return_if_fail (base == NULL || G_IS_IO_STREAM (base));

  iface = HTTPLIB_TRANSPORT_GET_IFACE (transport);
  if (iface->open_async != NULL && iface->open_finish != NULL)
    {
      iface->open_async (transport, endpoint, base, cancellable, callback, user_data);
      return;
    }

  task = g_task_new (transport, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_transport_open_async);
  data = g_new0 (OpenData, 1);
  data->endpoint = httplib_endpoint_ref (endpoint);
  data->base = base ? g_object_ref (base) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_in_thread);
}

/**
 * httplib_transport_open_finish:
 * @transport: a transport
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_transport_open_async(); errors as for
 * httplib_transport_open().
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
GIOStream *
httplib_transport_open_finish (HttplibTransport  *transport,
                               GAsyncResult      *result,
                               GError           **error)
{
  HttplibTransportInterface *iface;
  GIOStream *stream;

  g_return_val_if_fail (HTTPLIB_IS_TRANSPORT (transport), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, httplib_transport_open_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  iface = HTTPLIB_TRANSPORT_GET_IFACE (transport);
  stream = iface->open_finish (transport, result, error);
  if (stream == NULL && error != NULL && *error == NULL)
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                 "transport %s failed without an error",
                 G_OBJECT_TYPE_NAME (transport));
  return stream;
}

/**
 * httplib_transport_report_event:
 * @transport: a transport
 * @event: what the transport is doing
 * @stream: (nullable): the stream so far
 *
 * Emits [signal@Transport::event]. Cheap when nobody listens.
 */
void
httplib_transport_report_event (HttplibTransport      *transport,
                                HttplibTransportEvent  event,
                                GIOStream             *stream)
{
  g_return_if_fail (HTTPLIB_IS_TRANSPORT (transport));

  if (g_signal_has_handler_pending (transport, signals[SIGNAL_EVENT], 0, FALSE))
    g_signal_emit (transport, signals[SIGNAL_EVENT], 0, event, stream);
}

/**
 * httplib_transport_get_socket:
 * @stream: a stream, such as the one a transport below yours opened
 *
 * Finds the socket that carries @stream's bytes as they are: @stream is a
 * #GSocketConnection whose input and output streams are GIO's own, not a
 * subclass that replaces them. A transport layered on @stream (TLS, say)
 * may then wait on the socket and call g_socket_receive() and
 * g_socket_send_message() itself, skipping two stream layers per call, as
 * the core does on the stream it speaks HTTP on. Anything else, a TLS
 * stream or a pipe, gives %NULL: use its streams.
 *
 * Returns: (transfer none) (nullable): the socket, or %NULL
 */
GSocket *
httplib_transport_get_socket (GIOStream *stream)
{
  static GIOStreamClass *socket_connection_class;
  GIOStreamClass *klass;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  if (!G_IS_SOCKET_CONNECTION (stream))
    return NULL;
  if (g_once_init_enter (&socket_connection_class))
    g_once_init_leave (&socket_connection_class, g_type_class_ref (G_TYPE_SOCKET_CONNECTION));
  klass = G_IO_STREAM_GET_CLASS (stream);
  if (klass->get_input_stream != socket_connection_class->get_input_stream ||
      klass->get_output_stream != socket_connection_class->get_output_stream)
    return NULL;
  return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
}
