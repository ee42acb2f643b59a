/* httplib-endpoint.c: where a transport connects, and how
 *
 * An endpoint is what a connection hands each link of its transport chain:
 * the host and port to reach (or the path of a local socket), the timeout
 * and source address to use, and
 * extra headers for transports that speak HTTP themselves (a CONNECT
 * tunnel) or the TLS settings for a TLS link. It is a plain value, so a transport written in Python or
 * JavaScript reads it through getters.
 */
#include "httplib-endpoint.h"

struct _HttplibEndpoint {
  char           *host;
  guint16         port;
  double          timeout;
  char           *source_address;
  char           *socket_path;
  HttplibHeaders *headers;
  HttplibTlsSettings *tls_settings;
  int             debug_level;
  /* what an intermediary answered, for transports that speak HTTP */
  guint           reply_status;
  char           *reply_reason;
  HttplibHeaders *reply_headers;
};

static void
endpoint_clear (HttplibEndpoint *self)
{
  g_free (self->host);
  g_free (self->source_address);
  g_free (self->socket_path);
  g_clear_pointer (&self->headers, httplib_headers_unref);
  g_clear_object (&self->tls_settings);
  g_free (self->reply_reason);
  g_clear_pointer (&self->reply_headers, httplib_headers_unref);
}

/**
 * HttplibEndpoint:
 *
 * Where and how a [iface@Transport] connects: host, port (or the path of
 * a local socket), timeout, source address, and extra headers for
 * transports that send a request of their own.
 */
G_DEFINE_BOXED_TYPE (HttplibEndpoint, httplib_endpoint, httplib_endpoint_ref, httplib_endpoint_unref)

/**
 * httplib_endpoint_new:
 * @host: a host name or IP literal (without brackets)
 * @port: a port
 *
 * Creates an endpoint for @host and @port, with no timeout.
 *
 * Returns: (transfer full): a new endpoint with no timeout
 */
HttplibEndpoint *
httplib_endpoint_new (const char *host,
                      guint16     port)
{
  HttplibEndpoint *self;

  g_return_val_if_fail (host != NULL, NULL);

  self = g_atomic_rc_box_new0 (HttplibEndpoint);
  self->host = g_strdup (host);
  self->port = port;
  return self;
}

/**
 * httplib_endpoint_ref:
 * @endpoint: an endpoint
 *
 * Takes a reference to @endpoint.
 *
 * Returns: (transfer full): @endpoint
 */
HttplibEndpoint *
httplib_endpoint_ref (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return g_atomic_rc_box_acquire (endpoint);
}

/**
 * httplib_endpoint_unref:
 * @endpoint: (transfer full): an endpoint
 *
 * Drops a reference.
 */
void
httplib_endpoint_unref (HttplibEndpoint *endpoint)
{
  g_return_if_fail (endpoint != NULL);
  g_atomic_rc_box_release_full (endpoint, (GDestroyNotify) endpoint_clear);
}

/**
 * httplib_endpoint_get_host:
 * @endpoint: an endpoint
 *
 * Gets the host name or IP literal.
 *
 * Returns: the host name or IP literal
 */
const char *
httplib_endpoint_get_host (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return endpoint->host;
}

/**
 * httplib_endpoint_get_port:
 * @endpoint: an endpoint
 *
 * Gets the port.
 *
 * Returns: the port
 */
guint16
httplib_endpoint_get_port (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, 0);
  return endpoint->port;
}

/**
 * httplib_endpoint_get_timeout:
 * @endpoint: an endpoint
 *
 * Gets the timeout of blocking operations in seconds, 0 for none.
 *
 * Returns: the timeout of blocking operations in seconds, 0 for none
 */
double
httplib_endpoint_get_timeout (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, 0);
  return endpoint->timeout;
}

/**
 * httplib_endpoint_set_timeout:
 * @endpoint: an endpoint
 * @timeout: seconds, 0 for none
 *
 * Sets the timeout a transport applies to connecting and to the stream.
 */
void
httplib_endpoint_set_timeout (HttplibEndpoint *endpoint,
                              double           timeout)
{
  g_return_if_fail (endpoint != NULL);
  g_return_if_fail (timeout >= 0);
  endpoint->timeout = timeout;
}

/**
 * httplib_endpoint_get_source_address:
 * @endpoint: an endpoint
 *
 * Gets the local address to connect from, as `host`, `host:port` or
 * `[v6]:port`.
 *
 * Returns: (nullable): the local address to connect from, as `host`,
 *   `host:port` or `[v6]:port`
 */
const char *
httplib_endpoint_get_source_address (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return endpoint->source_address;
}

/**
 * httplib_endpoint_set_source_address:
 * @endpoint: an endpoint
 * @address: (nullable): the local address to connect from
 *
 * Sets the local address.
 */
void
httplib_endpoint_set_source_address (HttplibEndpoint *endpoint,
                                     const char      *address)
{
  g_return_if_fail (endpoint != NULL);
  g_free (endpoint->source_address);
  endpoint->source_address = g_strdup (address);
}

/**
 * httplib_endpoint_get_socket_path:
 * @endpoint: an endpoint
 *
 * Gets the path of the local socket to connect to, for transports that
 * reach the server through one (`unix`) instead of the host and port,
 * which then only name the server in the `Host` header.
 *
 * Returns: (nullable) (type filename): the path of the local socket, or
 *   %NULL when the connection has none
 */
const char *
httplib_endpoint_get_socket_path (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return endpoint->socket_path;
}

/**
 * httplib_endpoint_set_socket_path:
 * @endpoint: an endpoint
 * @path: (nullable) (type filename): the path of a local socket
 *
 * Sets the path of the local socket to connect to.
 */
void
httplib_endpoint_set_socket_path (HttplibEndpoint *endpoint,
                                  const char      *path)
{
  g_return_if_fail (endpoint != NULL);
  g_free (endpoint->socket_path);
  endpoint->socket_path = g_strdup (path);
}

/**
 * httplib_endpoint_get_headers:
 * @endpoint: an endpoint
 *
 * Gets extra headers for transports that send a request of their own.
 *
 * Returns: (nullable) (transfer none): extra headers for transports that
 *   send a request of their own
 */
HttplibHeaders *
httplib_endpoint_get_headers (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return endpoint->headers;
}

/**
 * httplib_endpoint_set_headers:
 * @endpoint: an endpoint
 * @headers: (nullable): extra headers
 *
 * Sets extra headers for transports that send a request of their own.
 */
void
httplib_endpoint_set_headers (HttplibEndpoint *endpoint,
                              HttplibHeaders  *headers)
{
  g_return_if_fail (endpoint != NULL);
  if (headers)
    httplib_headers_ref (headers);
  g_clear_pointer (&endpoint->headers, httplib_headers_unref);
  endpoint->headers = headers;
}

/**
 * httplib_endpoint_get_tls_settings:
 * @endpoint: an endpoint
 *
 * Gets the TLS settings for a TLS link.
 *
 * Returns: (nullable) (transfer none): the TLS settings for a TLS link
 */
HttplibTlsSettings *
httplib_endpoint_get_tls_settings (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return endpoint->tls_settings;
}

/**
 * httplib_endpoint_set_tls_settings:
 * @endpoint: an endpoint
 * @settings: (nullable): TLS settings
 *
 * Sets what a TLS link trusts and presents.
 */
void
httplib_endpoint_set_tls_settings (HttplibEndpoint    *endpoint,
                                   HttplibTlsSettings *settings)
{
  g_return_if_fail (endpoint != NULL);
  g_return_if_fail (settings == NULL || HTTPLIB_IS_TLS_SETTINGS (settings));
  g_set_object (&endpoint->tls_settings, settings);
}

/**
 * httplib_endpoint_get_debug_level:
 * @endpoint: an endpoint
 *
 * Gets the connection's debug level: above 0, a transport that speaks HTTP
 * logs what it sends and receives.
 *
 * Returns: the connection's debug level: above 0, a transport that speaks
 *   HTTP logs what it sends and receives
 */
int
httplib_endpoint_get_debug_level (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, 0);
  return endpoint->debug_level;
}

/**
 * httplib_endpoint_set_debug_level:
 * @endpoint: an endpoint
 * @level: a debug level, 0 for none
 *
 * Sets the debug level the transport sees.
 */
void
httplib_endpoint_set_debug_level (HttplibEndpoint *endpoint,
                                  int              level)
{
  g_return_if_fail (endpoint != NULL);
  endpoint->debug_level = level;
}

/**
 * httplib_endpoint_set_reply:
 * @endpoint: an endpoint
 * @status: the intermediary's status code
 * @reason: (nullable): its reason phrase
 * @headers: (nullable): its header fields
 *
 * For transports that speak HTTP to an intermediary (a proxy): records its
 * answer, whether the transport succeeds or fails, so the connection can
 * show it to the application (a 407's `Proxy-Authenticate`, say).
 */
void
httplib_endpoint_set_reply (HttplibEndpoint *endpoint,
                            guint            status,
                            const char      *reason,
                            HttplibHeaders  *headers)
{
  g_return_if_fail (endpoint != NULL);
  endpoint->reply_status = status;
  g_free (endpoint->reply_reason);
  endpoint->reply_reason = g_strdup (reason);
  if (headers != NULL)
    httplib_headers_ref (headers);
  g_clear_pointer (&endpoint->reply_headers, httplib_headers_unref);
  endpoint->reply_headers = headers;
}

/**
 * httplib_endpoint_get_reply_status:
 * @endpoint: an endpoint
 *
 * Gets the status an intermediary answered, 0 when none did.
 *
 * Returns: the status an intermediary answered, 0 when none did
 */
guint
httplib_endpoint_get_reply_status (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, 0);
  return endpoint->reply_status;
}

/**
 * httplib_endpoint_get_reply_reason:
 * @endpoint: an endpoint
 *
 * Gets the reason phrase an intermediary answered.
 *
 * Returns: (nullable): the reason phrase an intermediary answered
 */
const char *
httplib_endpoint_get_reply_reason (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return endpoint->reply_reason;
}

/**
 * httplib_endpoint_get_reply_headers:
 * @endpoint: an endpoint
 *
 * Gets the header fields an intermediary answered.
 *
 * Returns: (nullable) (transfer none): the header fields an intermediary
 *   answered
 */
HttplibHeaders *
httplib_endpoint_get_reply_headers (HttplibEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);
  return endpoint->reply_headers;
}
