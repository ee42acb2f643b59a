/* connect-to-transport.c: a third-party transport in one file
 *
 * "connect-to" opens a TCP connection to the address in the environment
 * variable EXAMPLE_CONNECT_TO ("host:port") instead of the server's, like
 * curl's --connect-to: the requests keep their Host header, so a virtual
 * host can be tried on a test machine. Without the variable it connects
 * to the server, as the built-in tcp transport does.
 */
#include <httplib/httplib.h>

#define EXAMPLE_TYPE_CONNECT_TO (example_connect_to_get_type ())
G_DECLARE_FINAL_TYPE (ExampleConnectTo, example_connect_to, EXAMPLE, CONNECT_TO, GObject)

struct _ExampleConnectTo {
  GObject parent_instance;
};

static void transport_iface_init (HttplibTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ExampleConnectTo, example_connect_to, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, transport_iface_init))

/* Where to connect: EXAMPLE_CONNECT_TO when it is set, else the server. */
static GSocketConnectable *
target_for (HttplibEndpoint  *endpoint,
            GError          **error)
{
  const char *target = g_getenv ("EXAMPLE_CONNECT_TO");
  GSocketConnectable *address;

  if (target == NULL)
    return g_network_address_new (httplib_endpoint_get_host (endpoint),
                                  httplib_endpoint_get_port (endpoint));
  address = g_network_address_parse (target, 0, NULL);
  if (address == NULL || g_network_address_get_port (G_NETWORK_ADDRESS (address)) == 0)
    {
      g_clear_object (&address);
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                   "EXAMPLE_CONNECT_TO='%s' is not host:port", target);
    }
  return address;
}

static GIOStream *
connect_to_open (HttplibTransport *transport,
                 HttplibEndpoint  *endpoint,
                 GIOStream        *base,
                 GCancellable     *cancellable,
                 GError          **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;
  double timeout = httplib_endpoint_get_timeout (endpoint);
  GSocketConnection *connection;

  if (base != NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                           "connect-to opens its own socket; it must be the first link");
      return NULL;
    }
  address = target_for (endpoint, error);
  if (address == NULL)
    return NULL;

  /* The connection's timeout bounds the connect and every read and write
   * on the socket; GIO counts whole seconds, so round up, never to none. */
  g_socket_client_set_timeout (client, timeout > 0 ? (guint) (timeout + 0.999) : 0);
  g_socket_client_set_enable_proxy (client, FALSE);

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTING, NULL);
  connection = g_socket_client_connect (client, address, cancellable, error);
  if (connection == NULL)
    return NULL;  /* GIO's error as it is: refused, timed out, cancelled, not found */

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE,
                                  G_IO_STREAM (connection));
  return G_IO_STREAM (connection);
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  /* No open_async: the library then runs open in a worker thread for async callers. */
  iface->open = connect_to_open;
}

static void
example_connect_to_class_init (ExampleConnectToClass *klass)
{
}

static void
example_connect_to_init (ExampleConnectTo *self)
{
}

/* The module's one exported symbol. */

static void
register_types (HttplibRegistry *registry)
{
  g_autoptr(GError) error = NULL;

  if (!httplib_registry_register_transport (registry, "connect-to", EXAMPLE_TYPE_CONNECT_TO,
                                            &error))
    g_warning ("connect-to: %s", error->message);
}

HTTPLIB_PLUGIN_DEFINE ("connect-to", register_types)
