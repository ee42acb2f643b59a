/* httplib-tunnel-transport.c: HTTP CONNECT through the proxy below
 *
 * The `tunnel` link of a proxied chain: over the stream the link below
 * opened to the proxy, it sends `CONNECT origin:port` with the caller's
 * extra fields and reads the proxy's answer with the core's parser. A 2xx
 * makes the same stream a pipe to the origin, which it hands up unchanged
 * (to HTTP, or to a `tls` link that then talks to the origin). Anything
 * else fails with HTTPLIB_ERROR_TUNNEL_FAILED naming the proxy's status;
 * the answer's fields are kept in the endpoint for the application.
 */
#include "httplib-tunnel-transport.h"

#include <string.h>

struct _HttplibTunnelTransport {
  GObject parent_instance;
};

static void transport_iface_init (HttplibTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibTunnelTransport, httplib_tunnel_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, transport_iface_init))

/* "host:port", with an IPv6 literal in brackets and without its zone. */
static char *
authority (const char *host,
           guint16     port)
{
  g_autofree char *ascii = NULL;

  if (strchr (host, ':') != NULL)
    {
      const char *zone = strchr (host, '%');

      return g_strdup_printf ("[%.*s]:%u", zone ? (int) (zone - host) : (int) strlen (host),
                              host, port);
    }
  ascii = g_hostname_to_ascii (host);
  return g_strdup_printf ("%s:%u", ascii ? ascii : host, port);
}

/* The CONNECT request's fields: Host first unless the caller gave one. */
static HttplibHeaders *
connect_headers (const char     *target,
                 HttplibHeaders *extra)
{
  HttplibHeaders *headers = httplib_headers_new ();
  HttplibHeadersIter iter;
  const char *name;
  const char *value;

  if (extra == NULL || !httplib_headers_contains (extra, "Host"))
    httplib_headers_append (headers, "Host", target);
  if (extra != NULL)
    {
      httplib_headers_iter_init (&iter, extra);
      while (httplib_headers_iter_next (&iter, &name, &value))
        httplib_headers_append (headers, name, value);
    }
  return headers;
}

static GIOStream *
httplib_tunnel_transport_open (HttplibTransport  *transport,
                               HttplibEndpoint   *endpoint,
                               GIOStream         *base,
                               GCancellable      *cancellable,
                               GError           **error)
{
  g_autofree char *target = NULL;
  g_autoptr(HttplibHeaders) request = NULL;
  g_autoptr(HttplibHeaders) reply = NULL;
  g_autoptr(GBytes) rest = NULL;
  g_autofree char *reason = NULL;
  int debug_level = httplib_endpoint_get_debug_level (endpoint);
  guint status = 0;

  if (base == NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                           "the tunnel transport needs a connection to the proxy below it (tcp ...)");
      return NULL;
    }

  target = authority (httplib_endpoint_get_host (endpoint), httplib_endpoint_get_port (endpoint));
  request = connect_headers (target, httplib_endpoint_get_headers (endpoint));

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATING, base);
  if (!httplib_transport_send_request_head (g_io_stream_get_output_stream (base), "CONNECT",
                                            target, request, debug_level, cancellable, error))
    return NULL;
  if (!httplib_transport_read_response_head (g_io_stream_get_input_stream (base), debug_level,
                                             &status, &reason, &reply, &rest, cancellable, error))
    {
      g_prefix_error (error, "the proxy's answer to CONNECT %s: ", target);
      return NULL;
    }
  httplib_endpoint_set_reply (endpoint, status, reason, reply);

  if (status < 200 || status > 299)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TUNNEL_FAILED,
                   "Tunnel connection failed: %u %s", status, reason);
      return NULL;
    }
  /* The origin has not been spoken to: nothing can be its. */
  if (rest != NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TUNNEL_FAILED,
                   "Tunnel connection failed: the proxy sent %" G_GSIZE_FORMAT
                   " bytes after its %u %s", g_bytes_get_size (rest), status, reason);
      return NULL;
    }

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATED, base);
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE, base);
  return g_object_ref (base);
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = httplib_tunnel_transport_open;
}

static void
httplib_tunnel_transport_class_init (HttplibTunnelTransportClass *klass)
{
}

static void
httplib_tunnel_transport_init (HttplibTunnelTransport *self)
{
}
