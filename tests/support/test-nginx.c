/* test-nginx.c: Debian's nginx as a real HTTPS peer for integration tests */
#include "test-nginx.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>

#define NGINX_PATH      "/usr/sbin/nginx"
#define START_TIMEOUT_S 10
#define STOP_TIMEOUT_S  5
#define PORT_ATTEMPTS   3   /* another process may take the free port first */

struct _TestNginx {
  char    *dir;
  GPid     pid;
  guint16  port;
};

/* A port nobody listens on now: bound, read, released. */
static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, NULL))
    return 0;
  bound = g_socket_get_local_address (socket, NULL);
  return bound ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
}

static gboolean
write_site (const char *dir, GError **error)
{
  g_autofree char *www = g_build_filename (dir, "www", NULL);
  g_autofree char *index = g_build_filename (www, "index.html", NULL);
  g_autofree char *big = g_build_filename (www, "big.bin", NULL);
  g_autofree guint8 *data = g_malloc (TEST_NGINX_BIG_SIZE);

  for (gsize i = 0; i < TEST_NGINX_BIG_SIZE; i++)
    data[i] = (guint8) (i % 251);
  return g_mkdir (www, 0700) == 0 &&
         g_file_set_contents (index, TEST_NGINX_INDEX, -1, error) &&
         g_file_set_contents (big, (const char *) data, TEST_NGINX_BIG_SIZE, error);
}

static gboolean
write_config (TestNginx *self, const char *cert_file, const char *key_file, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, "nginx.conf", NULL);
  g_autofree char *config = g_strdup_printf (
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
    "  server {\n"
    "    listen 127.0.0.1:%2$u ssl;\n"
    "    ssl_certificate %3$s;\n"
    "    ssl_certificate_key %4$s;\n"
    "    ssl_session_tickets on;\n"
    "    root %1$s/www;\n"
    "  }\n"
    "}\n",
    self->dir, self->port, cert_file, key_file);

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

/* Starts nginx on a fresh port and waits until it accepts; FALSE when it
 * exited (the port was taken, say) or never accepted. */
static gboolean
try_start (TestNginx *self, const char *cert_file, const char *key_file, GError **error)
{
  g_autofree char *config = g_build_filename (self->dir, "nginx.conf", NULL);
  g_autofree char *log = g_build_filename (self->dir, "error.log", NULL);
  const char *argv[] = { NGINX_PATH, "-p", self->dir, "-c", config, "-e", log, NULL };

  self->port = free_port ();
  if (self->port == 0 || !write_config (self, cert_file, key_file, error))
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
      if (accepts (self->port))
        return TRUE;
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return FALSE;
}

TestNginx *
test_nginx_start (const char *cert_file, const char *key_file, GError **error)
{
  TestNginx *self;

  if (!g_file_test (NGINX_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not installed (Debian package nginx)", NGINX_PATH);
      return NULL;
    }

  self = g_new0 (TestNginx, 1);
  self->dir = g_dir_make_tmp ("httplib-nginx-XXXXXX", error);
  if (self->dir == NULL || !write_site (self->dir, error))
    {
      test_nginx_stop (self);
      return NULL;
    }
  for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
    {
      if (try_start (self, cert_file, key_file, error))
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

guint16
test_nginx_get_port (TestNginx *self)
{
  return self->port;
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
    {
      g_autoptr(GFile) dir = g_file_new_for_path (self->dir);
      const char *names[] = { "www/index.html", "www/big.bin", "www", "nginx.conf", "error.log",
                              "nginx.pid", "body", "proxy", "fastcgi", "uwsgi", "scgi", NULL };

      for (int i = 0; names[i] != NULL; i++)
        {
          g_autofree char *path = g_build_filename (self->dir, names[i], NULL);

          g_remove (path);
        }
      g_rmdir (self->dir);
      g_free (self->dir);
    }
  g_free (self);
}
