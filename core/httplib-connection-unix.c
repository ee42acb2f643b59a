/* httplib-connection-unix.c: connections to a server on a Unix domain socket
 *
 * Container engines and system daemons answer HTTP on a local socket. Such
 * a connection keeps a host (the authority, for the `Host` header) and a
 * socket path, which the chain hands the first link, the `unix` transport.
 */
#include "httplib-connection-private.h"

#include <string.h>
#include <sys/un.h>

/* Bytes of a path sun_path holds with its terminating NUL (108 on Linux). */
#define SUN_PATH_SIZE (sizeof (((struct sockaddr_un *) NULL)->sun_path))

gboolean
httplib_connection_init_socket_path (HttplibConnection  *self,
                                     GError            **error)
{
  gsize len = strlen (self->socket_path);

  if (len == 0)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                           "empty socket path");
      return FALSE;
    }
  /* GIO would cut a longer path short and connect somewhere else. */
  if (len >= SUN_PATH_SIZE)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                   "socket path '%s' is %" G_GSIZE_FORMAT " bytes long; "
                   "a Unix socket address holds at most %" G_GSIZE_FORMAT,
                   self->socket_path, len, (gsize) (SUN_PATH_SIZE - 1));
      return FALSE;
    }
  if (g_strcmp0 (self->transport_name, "tcp") == 0)
    {
      g_free (self->transport_name);
      self->transport_name = g_strdup ("unix");
    }
  return TRUE;
}

/**
 * httplib_connection_new_unix:
 * @socket_path: (type filename): the path of the server's Unix domain
 *   socket, such as `/run/docker.sock`
 * @authority: the server's name for the `Host` header, such as
 *   `localhost`, optionally with a `:port`
 * @error: return location for a #GError
 *
 * Creates a connection that speaks HTTP over a Unix domain socket, with
 * the `unix` transport; nothing is sent until the first request. The
 * socket is only reached when the connection opens: a path with no socket
 * fails then with %G_IO_ERROR_NOT_FOUND, a socket nobody listens on with
 * %G_IO_ERROR_CONNECTION_REFUSED.
 *
 * An empty @socket_path, one longer than a socket address holds (107
 * bytes on Linux), or an @authority that httplib_connection_new() would
 * refuse fails here with %HTTPLIB_ERROR_INVALID_URL.
 *
 * ```c
 * g_autoptr(HttplibConnection) conn =
 *   httplib_connection_new_unix ("/run/docker.sock", "docker", &error);
 * ```
 *
 * Returns: (transfer full): a new connection, or %NULL with @error set
 */
HttplibConnection *
httplib_connection_new_unix (const char  *socket_path,
                             const char  *authority,
                             GError     **error)
{
  g_return_val_if_fail (socket_path != NULL, NULL);
  g_return_val_if_fail (authority != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (HTTPLIB_TYPE_CONNECTION, NULL, error,
                         "host", authority, "socket-path", socket_path,
                         "transport", "unix", NULL);
}

/**
 * httplib_connection_get_socket_path:
 * @connection: a connection
 *
 * Gets the path of the Unix domain socket the connection reaches, set by
 * httplib_connection_new_unix() or [property@Connection:socket-path].
 *
 * Returns: (nullable) (type filename): the socket path, or %NULL for a
 *   connection to a host and port
 */
const char *
httplib_connection_get_socket_path (HttplibConnection *connection)
{
  g_return_val_if_fail (HTTPLIB_IS_CONNECTION (connection), NULL);
  return connection->socket_path;
}
