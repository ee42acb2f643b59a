/* test-nginx.c: Debian's nginx as a real server for integration tests */
#include "test-nginx.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>

#define NGINX_PATH      "/usr/sbin/nginx"
#define START_TIMEOUT_S 10
#define STOP_TIMEOUT_S  5
#define PORT_ATTEMPTS   3   /* another process may take the free port first */

#define SITE_DEPTH      4   /* folders in the site are at most this deep */

struct _TestNginx {
  char             *dir;
  GPid              pid;
  guint16           port;        /* TLS; 0 without */
  guint16           plain_port;
  char             *cert_file;   /* NULL: no TLS port */
  char             *key_file;
  char             *huge_file;
};

/* A port nobody listens on now: bound, read, and released when the caller
 * drops *socket (kept meanwhile so that the next call gets another one). */
static guint16
free_port (GSocket **socket)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (*socket == NULL || !g_socket_bind (*socket, any, FALSE, NULL))
    return 0;
  bound = g_socket_get_local_address (*socket, NULL);
  return bound ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
}

static gboolean
write_file (const char *dir, const char *name, const char *data, gssize len, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_set_contents (path, data, len, error);
}

static gboolean
write_site (const char *dir, GError **error)
{
  g_autofree char *www = g_build_filename (dir, "www", NULL);
  g_autofree char *ssi = g_build_filename (www, "ssi", NULL);
  g_autofree char *close = g_build_filename (www, "close", NULL);
  g_autofree guint8 *data = g_malloc (TEST_NGINX_BIG_SIZE);

  for (gsize i = 0; i < TEST_NGINX_BIG_SIZE; i++)
    data[i] = TEST_NGINX_BIG_BYTE (i);
  if (g_mkdir (www, 0700) != 0 || g_mkdir (ssi, 0700) != 0 || g_mkdir (close, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "mkdir in %s: %s", www,
                   g_strerror (errno));
      return FALSE;
    }
  return write_file (www, "index.html", TEST_NGINX_INDEX, -1, error) &&
         write_file (www, "big.bin", (const char *) data, TEST_NGINX_BIG_SIZE, error) &&
         write_file (close, "index.html", TEST_NGINX_INDEX, -1, error) &&
         write_file (ssi, "page.html", "begin\n<!--# include virtual=\"/index.html\" -->end\n", -1,
                     error) &&
         write_file (ssi, "big.html", "<!--# include virtual=\"/big.bin\" -->", -1, error);
}

static gboolean
write_config (TestNginx *self, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, "nginx.conf", NULL);
  g_autofree char *tls = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *config = NULL;

  if (self->port != 0)
    tls = g_strdup_printf ("    listen 127.0.0.1:%u ssl;\n"
                           "    ssl_certificate %s;\n"
                           "    ssl_certificate_key %s;\n"
                           "    ssl_session_tickets on;\n",
                           self->port, self->cert_file, self->key_file);
  if (self->huge_file != NULL)
    huge = g_strdup_printf ("    location = /huge.bin { alias %s; }\n", self->huge_file);
  config = g_strdup_printf (
    "daemon off;\n"
    "master_process off;\n"
    "worker_processes 1;\n"
    "pid %1$s/nginx.pid;\n"
    "error_log %1$s/error.log warn;\n"
    "events { worker_connections 256; }\n"
    "http {\n"
    "  access_log off;\n"
    "  client_body_temp_path %1$s/body;\n"
    "  proxy_temp_path %1$s/proxy;\n"
    "  fastcgi_temp_path %1$s/fastcgi;\n"
    "  uwsgi_temp_path %1$s/uwsgi;\n"
    "  scgi_temp_path %1$s/scgi;\n"
    "  keepalive_requests 100000;\n"
    "  sendfile on;\n"
    "  gzip off;\n"
    "  types { text/html html; }\n"
    "  default_type application/octet-stream;\n"
    "  server {\n"
    "    listen 127.0.0.1:%2$u;\n"
    "%3$s"
    "    root %1$s/www;\n"
    "    location /ssi/ { ssi on; }\n"
    /* nginx asks its upstream in HTTP/1.0: the SSI body, of unknown length,
     * comes back ended by a close, and goes out again chunked. */
    "    location /proxy/ {\n"
    "      proxy_pass http://127.0.0.1:%2$u/ssi/;\n"
    "      proxy_buffering off;\n"
    "    }\n"
    "    location /until-close/ {\n"
    "      proxy_pass http://127.0.0.1:%2$u/ssi/;\n"
    "      proxy_buffering off;\n"
    "      chunked_transfer_encoding off;\n"
    "    }\n"
    "    location /close/ { keepalive_timeout 0; }\n"
    "%4$s"
    "  }\n"
    "}\n",
    self->dir, self->plain_port, tls ? tls : "", huge ? huge : "");

  return g_file_set_contents (path, config, -1, error);
}

static gboolean
accepts (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 1);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

static gboolean
exited (GPid pid)
{
  int status;

  return waitpid (pid, &status, WNOHANG) == pid;
}

/* Starts nginx on fresh ports and waits until it accepts; FALSE when it
 * exited (a port was taken, say) or never accepted. */
static gboolean
try_start (TestNginx *self, GError **error)
{
  g_autofree char *config = g_build_filename (self->dir, "nginx.conf", NULL);
  g_autofree char *log = g_build_filename (self->dir, "error.log", NULL);
  const char *argv[] = { NGINX_PATH, "-p", self->dir, "-c", config, "-e", log, NULL };
  g_autoptr(GSocket) plain_socket = NULL;
  g_autoptr(GSocket) tls_socket = NULL;

  self->plain_port = free_port (&plain_socket);
  self->port = self->cert_file != NULL ? free_port (&tls_socket) : 0;
  g_clear_object (&plain_socket);
  g_clear_object (&tls_socket);
  if (self->plain_port == 0 || (self->cert_file != NULL && self->port == 0))
    return FALSE;
  if (!write_config (self, error))
    return FALSE;
  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                      G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &self->pid, error))
    return FALSE;

  for (int i = 0; i < START_TIMEOUT_S * 20; i++)
    {
      if (exited (self->pid))
        {
          self->pid = 0;
          return FALSE;
        }
      if (accepts (self->plain_port) && (self->port == 0 || accepts (self->port)))
        return TRUE;
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return FALSE;
}

TestNginx *
test_nginx_start_full (const TestNginxOptions *options, GError **error)
{
  TestNginx *self;

  if (!g_file_test (NGINX_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not installed (Debian package nginx)", NGINX_PATH);
      return NULL;
    }

  self = g_new0 (TestNginx, 1);
  self->cert_file = g_strdup (options->cert_file);
  self->key_file = g_strdup (options->key_file);
  self->huge_file = g_strdup (options->huge_file);
  self->dir = g_dir_make_tmp ("httplib-nginx-XXXXXX", error);
  if (self->dir == NULL || !write_site (self->dir, error))
    {
      test_nginx_stop (self);
      return NULL;
    }
  for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
    {
      if (try_start (self, error))
        return self;
      if (error != NULL && *error != NULL)
        break;
      if (self->pid != 0)
        {
          test_nginx_stop (self);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nginx did not accept in %d s",
                       START_TIMEOUT_S);
          return NULL;
        }
    }
  if (error != NULL && *error == NULL)
    {
      g_autofree char *log_path = g_build_filename (self->dir, "error.log", NULL);
      g_autofree char *log = NULL;

      g_file_get_contents (log_path, &log, NULL, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nginx did not start: %s",
                   log ? log : "no log");
    }
  test_nginx_stop (self);
  return NULL;
}

TestNginx *
test_nginx_start (const char *cert_file, const char *key_file, GError **error)
{
  TestNginxOptions options = { .cert_file = cert_file, .key_file = key_file };

  return test_nginx_start_full (&options, error);
}

guint16
test_nginx_get_port (TestNginx *self)
{
  return self->port;
}

guint16
test_nginx_get_plain_port (TestNginx *self)
{
  return self->plain_port;
}

gboolean
test_nginx_big_matches (const guint8 *data, gsize len, gsize offset, gsize *bad)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] != TEST_NGINX_BIG_BYTE (offset + i))
      {
        *bad = offset + i;
        return FALSE;
      }
  return TRUE;
}

/* Removes path and, for a folder, what it holds, depth folders deep at most. */
static void
remove_tree (const char *path, guint depth)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (depth > 0 && (dir = g_dir_open (path, 0, NULL)) != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child, depth - 1);
        else
          g_remove (child);
      }
  g_remove (path);
}

void
test_nginx_stop (TestNginx *self)
{
  if (self->pid > 0)
    {
      kill (self->pid, SIGTERM);
      for (int i = 0; i < STOP_TIMEOUT_S * 20 && !exited (self->pid); i++)
        g_usleep (G_USEC_PER_SEC / 20);
      if (kill (self->pid, 0) == 0)
        {
          kill (self->pid, SIGKILL);
          waitpid (self->pid, NULL, 0);
        }
      g_spawn_close_pid (self->pid);
    }
  if (self->dir != NULL)
    remove_tree (self->dir, SITE_DEPTH);
  g_free (self->dir);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_free (self->huge_file);
  g_free (self);
}
