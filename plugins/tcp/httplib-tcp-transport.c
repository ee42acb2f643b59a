/* httplib-tcp-transport.c: plain TCP on GSocketClient
 *
 * The first link of most chains: resolves the host (IPv4 and IPv6, every
 * address in turn), connects with the endpoint's timeout and source
 * address, and turns Nagle off so a request goes out at once.
 *
 * The asynchronous open is GSocketClient's own, on the caller's main
 * context; its timeout also covers the name lookup, which GIO does not
 * time out by itself.
 *
 * A connection per request is this transport's hot path, so what it can
 * keep between opens it keeps (the parsed address and source address),
 * and a blocking open of an address that nobody watches skips
 * GSocketClient: one GSocket connected as GSocketClient would, without
 * its enumerator and five signal emissions. Whoever listens to the events
 * gets GSocketClient's, with the peer named on the connecting stream.
 */
#include "httplib-tcp-transport.h"
#include "httplib-socket-client.h"

#include <math.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

struct _HttplibTcpTransport {
  GObject             parent_instance;
  GSocketClient      *client;
  HttplibSocketClient events;          /* the client's, handed on only while someone listens */

  /* What the last connect went to, reused while the endpoint stays the same. */
  char               *host;
  guint16             port;
  GSocketConnectable *connectable;     /* only for an address: a name is looked up each time */
  char               *source;
  GSocketAddress     *local;           /* source parsed, or NULL */
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
 * goes through it and looks at /etc/resolv.conf on every connect. An
 * address is kept for the next connect to the same place; a name is not,
 * as GNetworkAddress would keep its answers for as long as it lives. */
static GSocketConnectable *
connectable_for (HttplibTcpTransport *self,
                 const char          *host,
                 guint16              port)
{
  g_autoptr(GInetAddress) address = NULL;

  if (self->connectable != NULL && self->port == port && strcmp (self->host, host) == 0)
    return g_object_ref (self->connectable);

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return g_network_address_new (host, port);
  g_free (self->host);
  self->host = g_strdup (host);
  self->port = port;
  g_clear_object (&self->connectable);
  self->connectable = G_SOCKET_CONNECTABLE (g_inet_socket_address_new (address, port));
  return g_object_ref (self->connectable);
}

/* The client's local address for the endpoint's source address, parsed
 * again only when it changes. */
static gboolean
set_source (HttplibTcpTransport *self,
            const char          *source,
            GError             **error)
{
  g_autoptr(GSocketAddress) local = NULL;

  if (g_strcmp0 (source, self->source) == 0)
    return TRUE;
  if (source != NULL && (local = parse_source_address (source, error)) == NULL)
    return FALSE;
  g_free (self->source);
  self->source = g_strdup (source);
  g_set_object (&self->local, local);
  g_socket_client_set_local_address (self->client, local);
  return TRUE;
}

/* Sets the client up for one connect; NULL with error set when the
 * endpoint cannot be served. */
static GSocketConnectable *
prepare_connect (HttplibTcpTransport *self,
                 HttplibEndpoint     *endpoint,
                 GIOStream           *base,
                 GError             **error)
{
  double timeout = httplib_endpoint_get_timeout (endpoint);

  if (base != NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "the tcp transport opens its own socket; it cannot sit on another stream");
      return NULL;
    }
  if (!set_source (self, httplib_endpoint_get_source_address (endpoint), error))
    return NULL;

  /* GIO counts socket timeouts in whole seconds: round up, never down to none. */
  g_socket_client_set_timeout (self->client, timeout > 0 ? (guint) ceil (timeout) : 0);
  httplib_socket_client_follow (&self->events, HTTPLIB_TRANSPORT (self));

  return connectable_for (self, httplib_endpoint_get_host (endpoint),
                          httplib_endpoint_get_port (endpoint));
}

static GIOStream *
connected (HttplibTransport  *transport,
           GSocketConnection *connection)
{
  /* A request is one write; Nagle would only delay it. */
  g_socket_set_option (g_socket_connection_get_socket (connection),
                       IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  return httplib_socket_client_complete (&HTTPLIB_TCP_TRANSPORT (transport)->events, transport,
                                         connection);
}

/* What g_socket_client_connect() does for one address, without its
 * address enumerator and events: for an address when nobody listens. The
 * steps, their order and their errors are GSocketClient's. */
static GSocketConnection *
connect_to_address (HttplibTcpTransport *self,
                    GSocketAddress      *address,
                    GCancellable        *cancellable,
                    GError             **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  guint timeout = g_socket_client_get_timeout (self->client);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  socket = g_socket_new (g_socket_address_get_family (self->local != NULL ? self->local : address),
                         G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;
  if (self->local != NULL)
    {
#ifdef IP_BIND_ADDRESS_NO_PORT
      /* The port is picked at connect, so binding does not use one up per address. */
      g_socket_set_option (socket, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1, NULL);
#endif
      if (!g_socket_bind (socket, self->local, FALSE, error))
        return NULL;
    }
  if (timeout != 0)
    g_socket_set_timeout (socket, timeout);

  connection = g_socket_connection_factory_create_connection (socket);
  if (!g_socket_connection_connect (connection, address, cancellable, error))
    {
      g_autofree char *name = NULL;

      /* GSocketClient looks at the cancellable again before its next
       * address, and then reports the cancellation alone. */
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_clear_error (error);
          g_cancellable_set_error_if_cancelled (cancellable, error);
          return NULL;
        }
      name = g_inet_address_to_string (g_inet_socket_address_get_address (
        G_INET_SOCKET_ADDRESS (address)));
      g_prefix_error (error, "Could not connect to %s: ", name);
      return NULL;
    }
  return g_steal_pointer (&connection);
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
  if (!self->events.forwarding && G_IS_INET_SOCKET_ADDRESS (address))
    connection = connect_to_address (self, G_SOCKET_ADDRESS (address), cancellable, error);
  else
    connection = g_socket_client_connect (self->client, address, cancellable, error);
  if (connection == NULL)
    return NULL;
  return connected (transport, connection);
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

  httplib_socket_client_connect_async (&self->events, address,
                                       httplib_endpoint_get_timeout (endpoint),
                                       g_strdup_printf ("connecting to %s port %u",
                                                        httplib_endpoint_get_host (endpoint),
                                                        httplib_endpoint_get_port (endpoint)),
                                       task, connected, NULL);
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
  g_clear_object (&self->connectable);
  g_clear_object (&self->local);
  g_free (self->host);
  g_free (self->source);
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
  httplib_socket_client_init (&self->events, self->client, HTTPLIB_TRANSPORT (self),
                              G_CALLBACK (on_client_event));
}
