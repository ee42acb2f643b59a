/* httplib-tcp-transport.c: plain TCP on GSocketClient
 *
 * The first link of most chains: resolves the host (IPv4 and IPv6, every
 * address in turn), connects with the endpoint's timeout and source
 * address, and turns Nagle off so a request goes out at once.
 *
 * The asynchronous open is GSocketClient's own, on the caller's main
 * context; its timeout also covers the name lookup, which GIO does not
 * time out by itself.
 */
#include "httplib-tcp-transport.h"
#include "httplib-deadline.h"

#include <math.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

struct _HttplibTcpTransport {
  GObject        parent_instance;
  GSocketClient *client;
};

static void transport_iface_init (HttplibTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibTcpTransport, httplib_tcp_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, transport_iface_init))

static void
on_client_event (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  HttplibTransport *transport = user_data;

  switch (event)
    {
    case G_SOCKET_CLIENT_RESOLVING:
      httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_RESOLVING, NULL);
      break;
    case G_SOCKET_CLIENT_RESOLVED:
      httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_RESOLVED, NULL);
      break;
    case G_SOCKET_CLIENT_CONNECTING:
      httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTING, connection);
      break;
    case G_SOCKET_CLIENT_CONNECTED:
      httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTED, connection);
      break;
    default:
      /* Proxy and TLS events cannot happen: this client does neither. */
      break;
    }
}

/* "host", "host:port" or "[v6]:port" with an IP literal host. */
static GSocketAddress *
parse_source_address (const char *text,
                      GError    **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *colon = strrchr (text, ':');
  guint64 port = 0;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || (close[1] != '\0' && close[1] != ':'))
        goto invalid;
      host = g_strndup (text + 1, close - text - 1);
      colon = close[1] == ':' ? close + 1 : NULL;
    }
  else if (colon != NULL && strchr (text, ':') != colon)
    {
      host = g_strdup (text);  /* a bare IPv6 literal has no port */
      colon = NULL;
    }
  else
    host = colon ? g_strndup (text, colon - text) : g_strdup (text);

  if (colon != NULL &&
      !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT16, &port, NULL))
    goto invalid;

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    goto invalid;
  return g_inet_socket_address_new (address, (guint16) port);

invalid:
  g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
               "invalid source address '%s': expected an IP address, optionally with :port",
               text);
  return NULL;
}

/* An address needs no resolver: a GNetworkAddress, even of "127.0.0.1",
 * goes through it and looks at /etc/resolv.conf on every connect. */
static GSocketConnectable *
connectable_for (const char *host,
                 guint16     port)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  if (address != NULL)
    return G_SOCKET_CONNECTABLE (g_inet_socket_address_new (address, port));
  return g_network_address_new (host, port);
}

/* Sets the client up for one connect; NULL with error set when the
 * endpoint cannot be served. */
static GSocketConnectable *
prepare_connect (HttplibTcpTransport *self,
                 HttplibEndpoint     *endpoint,
                 GIOStream           *base,
                 GError             **error)
{
  g_autoptr(GSocketAddress) local = NULL;
  const char *source = httplib_endpoint_get_source_address (endpoint);
  double timeout = httplib_endpoint_get_timeout (endpoint);

  if (base != NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "the tcp transport opens its own socket; it cannot sit on another stream");
      return NULL;
    }
  if (source != NULL && (local = parse_source_address (source, error)) == NULL)
    return NULL;

  /* GIO counts socket timeouts in whole seconds: round up, never down to none. */
  g_socket_client_set_timeout (self->client, timeout > 0 ? (guint) ceil (timeout) : 0);
  g_socket_client_set_local_address (self->client, local);

  return connectable_for (httplib_endpoint_get_host (endpoint), httplib_endpoint_get_port (endpoint));
}

static GIOStream *
connected (HttplibTransport  *transport,
           GSocketConnection *connection)
{
  /* A request is one write; Nagle would only delay it. */
  g_socket_set_option (g_socket_connection_get_socket (connection),
                       IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE,
                                  G_IO_STREAM (connection));
  return G_IO_STREAM (connection);
}

static GIOStream *
tcp_open (HttplibTransport *transport,
          HttplibEndpoint  *endpoint,
          GIOStream        *base,
          GCancellable     *cancellable,
          GError          **error)
{
  HttplibTcpTransport *self = HTTPLIB_TCP_TRANSPORT (transport);
  g_autoptr(GSocketConnectable) address = NULL;
  GSocketConnection *connection;

  address = prepare_connect (self, endpoint, base, error);
  if (address == NULL)
    return NULL;
  connection = g_socket_client_connect (self->client, address, cancellable, error);
  if (connection == NULL)
    return NULL;
  return connected (transport, connection);
}

typedef struct {
  HttplibDeadline *deadline;
  char            *what;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_pointer (&data->deadline, httplib_deadline_free);
  g_free (data->what);
  g_free (data);
}

static void
on_connected (GObject      *client,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (client), result, &error);
  if (connection == NULL)
    {
      httplib_deadline_check (data->deadline, &error, data->what);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, connected (g_task_get_source_object (task), connection),
                         g_object_unref);
}

static void
tcp_open_async (HttplibTransport    *transport,
                HttplibEndpoint     *endpoint,
                GIOStream           *base,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  HttplibTcpTransport *self = HTTPLIB_TCP_TRANSPORT (transport);
  g_autoptr(GSocketConnectable) address = NULL;
  GTask *task = g_task_new (transport, cancellable, callback, user_data);
  GError *error = NULL;
  OpenData *data;

  g_task_set_source_tag (task, tcp_open_async);
  /* A cancellation ends the steps below with their own, more precise error. */
  g_task_set_check_cancellable (task, FALSE);
  address = prepare_connect (self, endpoint, base, &error);
  if (address == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  data = g_new0 (OpenData, 1);
  data->deadline = httplib_deadline_new (httplib_endpoint_get_timeout (endpoint), cancellable,
                                         g_task_get_context (task));
  data->what = g_strdup_printf ("connecting to %s port %u",
                                httplib_endpoint_get_host (endpoint),
                                httplib_endpoint_get_port (endpoint));
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_socket_client_connect_async (self->client, address,
                                 httplib_deadline_get_cancellable (data->deadline),
                                 on_connected, task);
}

static GIOStream *
tcp_open_finish (HttplibTransport  *transport,
                 GAsyncResult      *result,
                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, tcp_open_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = tcp_open;
  iface->open_async = tcp_open_async;
  iface->open_finish = tcp_open_finish;
}

static void
httplib_tcp_transport_finalize (GObject *object)
{
  HttplibTcpTransport *self = HTTPLIB_TCP_TRANSPORT (object);

  g_clear_object (&self->client);
  G_OBJECT_CLASS (httplib_tcp_transport_parent_class)->finalize (object);
}

static void
httplib_tcp_transport_class_init (HttplibTcpTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = httplib_tcp_transport_finalize;
}

static void
httplib_tcp_transport_init (HttplibTcpTransport *self)
{
  self->client = g_socket_client_new ();
  /* Proxies are the tunnel plugin's job; the default resolver costs ~57 µs per connect. */
  g_socket_client_set_enable_proxy (self->client, FALSE);
  g_signal_connect_object (self->client, "event", G_CALLBACK (on_client_event), self, 0);
}
