/* test-proxy.c: a scripted in-process HTTP CONNECT proxy for the tunnel tests */
#include "test-proxy.h"
#include "test-server-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#define RELAY_SIZE    65536
#define MAX_CONNECTS  8      /* CONNECT requests one REQUIRE_AUTH connection may send */

typedef struct {
  TestProxyStep *steps;
  gsize          n_steps;
  char          *expected_auth;

  GMutex         lock;     /* guards targets */
  GPtrArray     *targets;  /* char *, one per tunnel opened */
} TestProxy;

/* --- the relay --- */

static gboolean
send_all (GSocket *socket, const guint8 *data, gsize len, GCancellable *cancellable)
{
  while (len > 0)
    {
      gssize n = g_socket_send (socket, (const char *) data, len, cancellable, NULL);

      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* A blocking socket connected to host ("127.0.0.1" or "::1") with the
 * server's timeout, or NULL. */
static GSocket *
origin_connect (TestConn *conn, const char *host, guint16 port)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (g_strcmp0 (host, "127.0.0.1") != 0 && g_strcmp0 (host, "::1") != 0)
    {
      g_printerr ("test-proxy: relaying only to 127.0.0.1 or ::1, not %s\n", host);
      return NULL;
    }
  inet = g_inet_address_new_from_string (host);
  address = g_inet_socket_address_new (inet, port);
  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, NULL);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, TRUE);
  g_socket_set_timeout (socket, TEST_SERVER_IO_TIMEOUT);
  if (!g_socket_connect (socket, address, test_conn_get_cancellable (conn), NULL))
    return NULL;
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return g_steal_pointer (&socket);
}

/* SO_LINGER 0: closing sends a RST. */
static void
reset_socket (GSocket *socket)
{
  struct linger lg = { 1, 0 };

  if (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
    g_printerr ("test-proxy: SO_LINGER: %s\n", g_strerror (errno));
}

/* Copies both ways until one side ends; closes both, or resets the peer of
 * a side that failed. */
static void
relay (TestConn *conn, GSocket *origin)
{
  GSocket *client = test_conn_get_plain_socket (conn);
  GCancellable *cancellable = test_conn_get_cancellable (conn);
  g_autoptr(GBytes) pending = test_conn_take_pending (conn);
  g_autofree guint8 *buf = g_malloc (RELAY_SIZE);
  GSocket *sockets[2] = { client, origin };
  GPollFD fds[3] = { { 0 } };
  guint n_fds = 2;
  gboolean ok;
  int failed = -1;  /* the side whose socket failed: its peer is reset */

  ok = client != NULL &&
       send_all (origin, g_bytes_get_data (pending, NULL), g_bytes_get_size (pending), cancellable);
  if (ok)
    {
      for (guint i = 0; i < 2; i++)
        {
          fds[i].fd = g_socket_get_fd (sockets[i]);
          fds[i].events = G_IO_IN;
        }
      if (g_cancellable_make_pollfd (cancellable, &fds[2]))
        n_fds = 3;
    }

  while (ok && !g_cancellable_is_cancelled (cancellable))
    {
      gint n = g_poll (fds, n_fds, TEST_SERVER_IO_TIMEOUT * 1000);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;  /* idle for the whole timeout, or poll failed */

      for (guint i = 0; ok && i < 2; i++)
        {
          GError *error = NULL;
          gssize got;

          if (fds[i].revents == 0)
            continue;
          got = g_socket_receive_with_blocking (sockets[i], (char *) buf, RELAY_SIZE, FALSE,
                                                cancellable, &error);
          if (got < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              continue;
            }
          if (got < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            failed = (int) i;
          g_clear_error (&error);
          if (got <= 0)
            ok = FALSE;
          else
            {
              if (i == 0)
                test_conn_record_received (conn, buf, (gsize) got);
              ok = send_all (sockets[1 - i], buf, (gsize) got, cancellable);
              if (!ok && !g_cancellable_is_cancelled (cancellable))
                failed = (int) (1 - i);
            }
        }
    }

  if (n_fds == 3)
    g_cancellable_release_fd (cancellable);
  if (failed == 0)
    reset_socket (origin);
  g_socket_shutdown (origin, FALSE, TRUE, NULL);
  g_socket_close (origin, NULL);
  if (failed == 1)
    test_conn_reset (conn);
  test_conn_close (conn);
}

gboolean
test_conn_relay (TestConn *conn, const char *host, guint16 port)
{
  g_autoptr(GSocket) origin = NULL;

  g_return_val_if_fail (conn != NULL && host != NULL, FALSE);

  if (test_conn_get_plain_socket (conn) == NULL)
    {
      g_printerr ("test-proxy: relaying needs an open plain connection\n");
      return FALSE;
    }
  origin = origin_connect (conn, host, port);
  if (origin == NULL)
    return FALSE;
  relay (conn, origin);
  return TRUE;
}

/* --- the CONNECT request --- */

static gboolean
parse_port (const char *s, guint16 *port)
{
  guint value = 0;
  gsize n = strlen (s);

  if (n == 0 || n > 5)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      value = value * 10 + (guint) (s[i] - '0');
    }
  if (value == 0 || value > G_MAXUINT16)
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

/* A reg-name or IPv4 address as RFC 3986 allows it, minus percent-encoding. */
static gboolean
valid_host (const char *host)
{
  if (*host == '\0')
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~!$&'()*+,;=", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* Splits "host:port" or "[v6]:port"; host comes without brackets. */
static gboolean
parse_authority (const char *authority, char **host, guint16 *port)
{
  const char *colon;

  if (authority[0] == '[')
    {
      const char *close = strchr (authority, ']');
      g_autofree char *v6 = NULL;

      if (close == NULL || close[1] != ':')
        return FALSE;
      v6 = g_strndup (authority + 1, (gsize) (close - authority - 1));
      if (strchr (v6, ':') == NULL || !g_hostname_is_ip_address (v6) || !parse_port (close + 2, port))
        return FALSE;
      *host = g_steal_pointer (&v6);
      return TRUE;
    }

  colon = strrchr (authority, ':');
  if (colon == NULL || !parse_port (colon + 1, port))
    return FALSE;
  *host = g_strndup (authority, (gsize) (colon - authority));
  if (!valid_host (*host))
    {
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  return TRUE;
}

/* Checks the request line "CONNECT host:port HTTP/1.x". NULL when it is
 * one, with the target as spelt, the host (no brackets) and the port; else
 * the answer to give. */
static const char *
parse_connect (const GString *request, char **target, char **host, guint16 *port)
{
  const char *eol = strstr (request->str, "\r\n");
  g_autofree char *line = NULL;
  g_auto(GStrv) parts = NULL;
  const char *version;

  if (eol == NULL)
    return TEST_PROXY_400;
  line = g_strndup (request->str, (gsize) (eol - request->str));
  parts = g_strsplit (line, " ", 0);
  if (g_strv_length (parts) != 3 || *parts[0] == '\0')
    return TEST_PROXY_400;
  for (const char *p = parts[0]; *p != '\0'; p++)
    if (!g_ascii_isalpha (*p) && *p != '-' && *p != '_')
      return TEST_PROXY_400;
  version = parts[2];
  if (!g_str_has_prefix (version, "HTTP/1.") || !g_ascii_isdigit (version[7]) ||
      version[8] != '\0')
    return TEST_PROXY_400;
  if (strcmp (parts[0], "CONNECT") != 0)
    return TEST_PROXY_405;
  if (!parse_authority (parts[1], host, port))
    return TEST_PROXY_400;
  *target = g_strdup (parts[1]);
  return NULL;
}

/* Connects to the loopback address(es) host names. */
static GSocket *
target_connect (TestConn *conn, const char *host, guint16 port)
{
  GSocket *origin = NULL;

  if (strcmp (host, "127.0.0.1") == 0 || strcmp (host, "::1") == 0)
    origin = origin_connect (conn, host, port);
  else if (g_ascii_strcasecmp (host, "localhost") == 0)
    {
      origin = origin_connect (conn, "127.0.0.1", port);
      if (origin == NULL)
        origin = origin_connect (conn, "::1", port);
    }
  return origin;
}

/* --- the proxy --- */

static void
open_tunnel (TestProxy *proxy, TestConn *conn, const GString *request, const char *reply)
{
  g_autofree char *target = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GSocket) origin = NULL;
  guint16 port = 0;
  const char *refusal = parse_connect (request, &target, &host, &port);

  if (refusal == NULL)
    {
      origin = target_connect (conn, host, port);
      if (origin == NULL)
        refusal = TEST_PROXY_502;
    }
  if (refusal != NULL)
    {
      test_conn_write (conn, refusal, -1);
      test_conn_close (conn);
      return;
    }

  g_mutex_lock (&proxy->lock);
  g_ptr_array_add (proxy->targets, g_steal_pointer (&target));
  g_mutex_unlock (&proxy->lock);

  if (test_conn_write (conn, reply, -1))
    relay (conn, origin);
  else
    g_socket_close (origin, NULL);
}

static gboolean
authorized (TestProxy *proxy, const GString *request)
{
  guint count = 0;
  g_autofree char *value = test_head_field (request->str, request->len, "Proxy-Authorization",
                                            &count);

  return count == 1 && g_strcmp0 (value, proxy->expected_auth) == 0;
}

static void
proxy_handler (TestConn *conn, guint index, gpointer user_data)
{
  TestProxy *proxy = user_data;
  const TestProxyStep *step = &proxy->steps[MIN (index, proxy->n_steps - 1)];
  const char *reply = step->reply != NULL ? step->reply : TEST_PROXY_200;

  for (guint round = 0; round < MAX_CONNECTS; round++)
    {
      g_autoptr(GString) request = test_conn_read_request (conn);

      if (request == NULL)
        return;
      switch (step->action)
        {
        case TEST_PROXY_TUNNEL:
        case TEST_PROXY_REPLY_THEN_RELAY:
          open_tunnel (proxy, conn, request, reply);
          return;
        case TEST_PROXY_REPLY_CLOSE:
          test_conn_write (conn, reply, -1);
          test_conn_close (conn);
          return;
        case TEST_PROXY_CLOSE:
          test_conn_close (conn);
          return;
        case TEST_PROXY_RESET:
          test_conn_reset (conn);
          return;
        case TEST_PROXY_REQUIRE_AUTH:
          if (authorized (proxy, request))
            {
              open_tunnel (proxy, conn, request, reply);
              return;
            }
          if (!test_conn_write (conn, TEST_PROXY_407, -1))
            return;
          break;
        }
    }
}

static void
proxy_free (gpointer data)
{
  TestProxy *proxy = data;

  for (gsize i = 0; i < proxy->n_steps; i++)
    g_free ((char *) proxy->steps[i].reply);
  g_free (proxy->steps);
  g_free (proxy->expected_auth);
  g_ptr_array_unref (proxy->targets);
  g_mutex_clear (&proxy->lock);
  g_free (proxy);
}

TestServer *
test_proxy_new (const TestProxyStep *steps, gsize n_steps, const char *expected_auth)
{
  static const TestProxyStep tunnel = { TEST_PROXY_TUNNEL, NULL };
  TestProxy *proxy;
  TestServer *server;

  g_return_val_if_fail (steps != NULL || n_steps == 0, NULL);
  for (gsize i = 0; i < n_steps; i++)
    {
      TestProxyAction action = steps[i].action;

      g_return_val_if_fail (action <= TEST_PROXY_RESET, NULL);
      g_return_val_if_fail (steps[i].reply != NULL || (action != TEST_PROXY_REPLY_CLOSE &&
                                                       action != TEST_PROXY_REPLY_THEN_RELAY), NULL);
      g_return_val_if_fail (expected_auth != NULL || action != TEST_PROXY_REQUIRE_AUTH, NULL);
    }
  if (n_steps == 0)
    {
      steps = &tunnel;
      n_steps = 1;
    }

  proxy = g_new0 (TestProxy, 1);
  proxy->steps = g_new0 (TestProxyStep, n_steps);
  proxy->n_steps = n_steps;
  for (gsize i = 0; i < n_steps; i++)
    {
      proxy->steps[i].action = steps[i].action;
      proxy->steps[i].reply = g_strdup (steps[i].reply);
    }
  proxy->expected_auth = g_strdup (expected_auth);
  g_mutex_init (&proxy->lock);
  proxy->targets = g_ptr_array_new_with_free_func (g_free);

  server = test_server_new (proxy_handler, proxy);
  if (server == NULL)
    {
      proxy_free (proxy);
      return NULL;
    }
  test_server_set_user_data_free (server, proxy_free);
  return server;
}

static TestProxy *
get_proxy (TestServer *server)
{
  return test_server_get_handler_data (server, proxy_handler);
}

char *
test_proxy_get_target (TestServer *server, guint index)
{
  TestProxy *proxy = get_proxy (server);
  char *target = NULL;

  g_return_val_if_fail (proxy != NULL, NULL);

  g_mutex_lock (&proxy->lock);
  if (index < proxy->targets->len)
    target = g_strdup (g_ptr_array_index (proxy->targets, index));
  g_mutex_unlock (&proxy->lock);
  return target;
}

guint
test_proxy_get_n_tunnels (TestServer *server)
{
  TestProxy *proxy = get_proxy (server);
  guint n;

  g_return_val_if_fail (proxy != NULL, 0);

  g_mutex_lock (&proxy->lock);
  n = proxy->targets->len;
  g_mutex_unlock (&proxy->lock);
  return n;
}
