/* test-tinyproxy.c: Debian's tinyproxy as a real CONNECT proxy for the
 * tunnel tests */
#include "test-tinyproxy.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TINYPROXY_PATH  "/usr/bin/tinyproxy"
#define START_TIMEOUT_S 10
#define STOP_TIMEOUT_S  5
#define IDLE_TIMEOUT_S  30
#define PORT_ATTEMPTS   3   /* another process may take the free port first */
#define READY_LINE      "Accepting connections"  /* logged once it listens */

struct _TestTinyproxy {
  char    *dir;
  GPid     pid;
  guint16  port;
};

static char *
dir_file (TestTinyproxy *self, const char *name)
{
  return g_build_filename (self->dir, name, NULL);
}

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

/* Run as root, tinyproxy drops privileges before it opens its log: the
 * folder goes to the user it becomes. FALSE with error when that fails. */
static gboolean
prepare_dir (TestTinyproxy *self, GString *user_lines, GError **error)
{
  struct passwd *pw;
  struct group *gr;

  if (geteuid () != 0)
    return TRUE;
  pw = getpwnam ("nobody");
  gr = getgrnam ("nogroup");
  if (pw == NULL || gr == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "running as root, but there is no user nobody or group nogroup");
      return FALSE;
    }
  if (chown (self->dir, pw->pw_uid, gr->gr_gid) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "chown %s: %s", self->dir,
                   g_strerror (saved));
      return FALSE;
    }
  g_string_append (user_lines, "User nobody\nGroup nogroup\n");
  return TRUE;
}

static gboolean
write_config (TestTinyproxy *self, GError **error)
{
  g_autofree char *path = dir_file (self, "tinyproxy.conf");
  g_autofree char *filter = dir_file (self, "filter");
  g_autoptr(GString) user_lines = g_string_new (NULL);
  g_autofree char *config = NULL;

  if (!prepare_dir (self, user_lines, error))
    return FALSE;
  config = g_strdup_printf (
    "Listen 127.0.0.1\n"
    "Port %2$u\n"
    "Allow 127.0.0.1\n"
    "Timeout %3$d\n"
    "MaxClients 64\n"
    "LogFile \"%1$s/tinyproxy.log\"\n"
    "LogLevel Info\n"
    "Filter \"%1$s/filter\"\n"
    "FilterDefaultDeny No\n"
    "%4$s",
    self->dir, self->port, IDLE_TIMEOUT_S, user_lines->str);

  /* a basic regular expression, matched without case against the host */
  return g_file_set_contents (filter, "^forbidden\\.invalid$\n", -1, error) &&
         g_file_set_contents (path, config, -1, error);
}

/* Connects with a plain GSocket: a GSocketClient would ask the system proxy
 * settings first. */
static gboolean
accepts (guint16 port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  if (socket == NULL)
    return FALSE;
  g_socket_set_timeout (socket, 1);
  return g_socket_connect (socket, address, NULL, NULL);
}

static gboolean
exited (GPid pid)
{
  int status;

  return waitpid (pid, &status, WNOHANG) == pid;
}

static gboolean
log_has (TestTinyproxy *self, const char *text)
{
  g_autofree char *log = test_tinyproxy_get_log (self);

  return log != NULL && strstr (log, text) != NULL;
}

/* Starts tinyproxy on a fresh port and waits until it accepts; FALSE when
 * it exited (the port was taken, say) or never became ready. */
static gboolean
try_start (TestTinyproxy *self, GError **error)
{
  g_autofree char *config = dir_file (self, "tinyproxy.conf");
  g_autofree char *log = dir_file (self, "tinyproxy.log");
  g_autofree char *output = dir_file (self, "output.log");
  const char *argv[] = { TINYPROXY_PATH, "-d", "-c", config, NULL };
  gboolean spawned;
  int fd;

  self->port = free_port ();
  if (self->port == 0 || !write_config (self, error))
    return FALSE;
  g_remove (log);  /* the ready line must come from this attempt */
  fd = g_open (output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", output,
                   g_strerror (saved));
      return FALSE;
    }
  spawned = g_spawn_async_with_fds (NULL, (char **) argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                    NULL, NULL, &self->pid, -1, -1, fd, error);
  close (fd);
  if (!spawned)
    return FALSE;

  for (int i = 0; i < START_TIMEOUT_S * 20; i++)
    {
      if (exited (self->pid))
        {
          g_spawn_close_pid (self->pid);
          self->pid = 0;
          return FALSE;
        }
      /* the log, not the port alone: another process may hold the port */
      if (log_has (self, READY_LINE) && accepts (self->port))
        return TRUE;
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return FALSE;
}

/* What tinyproxy printed and logged, for a failure message. */
static char *
describe_failure (TestTinyproxy *self)
{
  g_autofree char *output_path = dir_file (self, "output.log");
  g_autofree char *output = NULL;
  g_autofree char *log = test_tinyproxy_get_log (self);

  g_file_get_contents (output_path, &output, NULL, NULL);
  return g_strdup_printf ("output: %s; log: %s", output && *output ? output : "none",
                          log && *log ? log : "none");
}

TestTinyproxy *
test_tinyproxy_start (GError **error)
{
  TestTinyproxy *self;
  GError *local = NULL;

  if (!g_file_test (TINYPROXY_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not installed (Debian package tinyproxy)", TINYPROXY_PATH);
      return NULL;
    }

  self = g_new0 (TestTinyproxy, 1);
  self->dir = g_dir_make_tmp ("httplib-tinyproxy-XXXXXX", &local);
  for (int attempt = 0; self->dir != NULL && attempt < PORT_ATTEMPTS; attempt++)
    {
      if (try_start (self, &local))
        return self;
      if (local != NULL || self->pid != 0)
        break;  /* not a port race */
    }
  if (local == NULL)
    {
      g_autofree char *why = describe_failure (self);

      local = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "tinyproxy did not %s in %d s: %s",
                           self->pid != 0 ? "accept" : "start", START_TIMEOUT_S, why);
    }
  g_propagate_error (error, local);
  test_tinyproxy_stop (self);
  return NULL;
}

guint16
test_tinyproxy_get_port (TestTinyproxy *self)
{
  return self->port;
}

char *
test_tinyproxy_get_log (TestTinyproxy *self)
{
  g_autofree char *path = dir_file (self, "tinyproxy.log");
  char *log = NULL;

  if (!g_file_get_contents (path, &log, NULL, NULL))
    return NULL;
  return log;
}

void
test_tinyproxy_stop (TestTinyproxy *self)
{
  if (self == NULL)
    return;
  if (self->pid > 0)
    {
      gboolean gone = FALSE;

      kill (self->pid, SIGTERM);
      for (int i = 0; i < STOP_TIMEOUT_S * 20 && !gone; i++)
        {
          gone = exited (self->pid);
          if (!gone)
            g_usleep (G_USEC_PER_SEC / 20);
        }
      if (!gone)
        {
          kill (self->pid, SIGKILL);
          waitpid (self->pid, NULL, 0);
        }
      g_spawn_close_pid (self->pid);
    }
  if (self->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (self->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = dir_file (self, name);

          g_remove (path);
        }
      g_rmdir (self->dir);
      g_free (self->dir);
    }
  g_free (self);
}
