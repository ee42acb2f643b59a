/* httplib-unix-transport.c: HTTP over a Unix domain socket, on GSocketClient
 *
 * The first link of a chain to a server on a local socket (a container
 * engine, a system daemon): connects to the endpoint's socket path with the
 * endpoint's timeout. The endpoint's host and port only name the server in
 * the `Host` header, which the connection writes.
 *
 * The asynchronous open is GSocketClient's own, on the caller's main
 * context, bounded by the endpoint's timeout like the tcp transport's.
 *
 * A connect to a local socket is cheap enough that GIO's bookkeeping
 * shows, so the socket address is kept for the next open to the same path
 * and, as in the tcp transport, GSocketClient's events are handed on only
 * while someone listens to the transport's own.
 */
#include "httplib-unix-transport.h"
#include "httplib-socket-client.h"

#include <gio/gunixsocketaddress.h>
#include <math.h>
#include <string.h>
#include <sys/un.h>

struct _HttplibUnixTransport {
  GObject             parent_instance;
  GSocketClient      *client;
  HttplibSocketClient events;   /* the client's, handed on only while someone listens */
  char               *path;     /* what the last connect went to, */
  GSocketConnectable *address;  /* and its address, reused while the path stays the same */
};

static void transport_iface_init (HttplibTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibUnixTransport, httplib_unix_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, transport_iface_init))

static void
on_client_event (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  HttplibTransport *transport = user_data;

  /* A path needs no lookup: GIO's resolving events for it say nothing. */
  if (event == G_SOCKET_CLIENT_CONNECTING)
    httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTING, connection);
  else if (event == G_SOCKET_CLIENT_CONNECTED)
    httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTED, connection);
}

/* A GUnixSocketAddress, kept for the next connect to the same path as
 * the tcp transport keeps an IP address. */
static GSocketConnectable *
address_for (HttplibUnixTransport *self,
             const char           *path)
{
  if (self->address == NULL || strcmp (self->path, path) != 0)
    {
      g_free (self->path);
      self->path = g_strdup (path);
      g_clear_object (&self->address);
      self->address = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (path));
    }
  return g_object_ref (self->address);
}

/* Sets the client up for one connect; NULL with error set when the
 * endpoint cannot be served. */
static GSocketConnectable *
prepare_connect (HttplibUnixTransport *self,
                 HttplibEndpoint      *endpoint,
                 GIOStream            *base,
                 GError              **error)
{
  const char *path = httplib_endpoint_get_socket_path (endpoint);
  double timeout = httplib_endpoint_get_timeout (endpoint);
  gsize max = sizeof (((struct sockaddr_un *) NULL)->sun_path) - 1;

  if (base != NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "the unix transport opens its own socket; it cannot sit on another stream");
      return NULL;
    }
  if (path == NULL || path[0] == '\0')
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                           "the unix transport needs a socket path "
                           "(httplib_connection_new_unix() or the socket-path property)");
      return NULL;
    }
  /* GIO would cut a longer path short and connect somewhere else. */
  if (strlen (path) > max)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                   "socket path '%s' is longer than the %" G_GSIZE_FORMAT
                   " bytes a Unix socket address holds", path, max);
      return NULL;
    }

  /* GIO counts socket timeouts in whole seconds: round up, never down to none. */
  g_socket_client_set_timeout (self->client, timeout > 0 ? (guint) ceil (timeout) : 0);
  httplib_socket_client_follow (&self->events, HTTPLIB_TRANSPORT (self));
  return address_for (self, path);
}

static GIOStream *
connected (HttplibTransport  *transport,
           GSocketConnection *connection)
{
  return httplib_socket_client_complete (&HTTPLIB_UNIX_TRANSPORT (transport)->events, transport,
                                         connection);
}

/* GIO's "Could not connect: No such file or directory" names no path:
 * the one this connect went to. */
static void
name_path (HttplibTransport  *transport,
           GError           **error)
{
  if (error != NULL && *error != NULL && (*error)->domain == G_IO_ERROR)
    g_prefix_error (error, "unix socket '%s': ", HTTPLIB_UNIX_TRANSPORT (transport)->path);
}

static GIOStream *
unix_open (HttplibTransport *transport,
           HttplibEndpoint  *endpoint,
           GIOStream        *base,
           GCancellable     *cancellable,
           GError          **error)
{
  HttplibUnixTransport *self = HTTPLIB_UNIX_TRANSPORT (transport);
  g_autoptr(GSocketConnectable) address = NULL;
  GSocketConnection *connection;

  address = prepare_connect (self, endpoint, base, error);
  if (address == NULL)
    return NULL;
  connection = g_socket_client_connect (self->client, address, cancellable, error);
  if (connection == NULL)
    {
      name_path (transport, error);
      return NULL;
    }
  return connected (transport, connection);
}

static void
unix_open_async (HttplibTransport    *transport,
                 HttplibEndpoint     *endpoint,
                 GIOStream           *base,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  HttplibUnixTransport *self = HTTPLIB_UNIX_TRANSPORT (transport);
  g_autoptr(GSocketConnectable) address = NULL;
  GTask *task = g_task_new (transport, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, unix_open_async);
  /* A cancellation ends the connect with its own, more precise error. */
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
                                       g_strdup ("connecting"), task, connected, name_path);
}

static GIOStream *
unix_open_finish (HttplibTransport  *transport,
                  GAsyncResult      *result,
                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, unix_open_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = unix_open;
  iface->open_async = unix_open_async;
  iface->open_finish = unix_open_finish;
}

static void
httplib_unix_transport_finalize (GObject *object)
{
  HttplibUnixTransport *self = HTTPLIB_UNIX_TRANSPORT (object);

  g_clear_object (&self->client);
  g_clear_object (&self->address);
  g_free (self->path);
  G_OBJECT_CLASS (httplib_unix_transport_parent_class)->finalize (object);
}

static void
httplib_unix_transport_class_init (HttplibUnixTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = httplib_unix_transport_finalize;
}

static void
httplib_unix_transport_init (HttplibUnixTransport *self)
{
  self->client = g_socket_client_new ();
  /* A local socket never goes through a proxy, and the lookup costs ~57 µs. */
  g_socket_client_set_enable_proxy (self->client, FALSE);
  httplib_socket_client_init (&self->events, self->client, HTTPLIB_TRANSPORT (self),
                              G_CALLBACK (on_client_event));
}
