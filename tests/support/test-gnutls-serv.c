/* test-gnutls-serv.c: Debian's real gnutls-serv as a peer for TLS tests */
#include "test-gnutls-serv.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define POLL_INTERVAL_US (20 * 1000)
#define TERM_WAIT_S      5
#define START_ATTEMPTS   3   /* the free port may be taken before gnutls-serv binds it */

struct _TestGnutlsServ {
  GPid    pid;
  pid_t   owner;  /* the process that started it; only it may stop it */
  guint16 port;
  int     log_fd; /* its stdout and stderr: a file already unlinked */
};

/* Servers still running, killed at exit when a failed test skips its
 * clean-up (Check leaves a failed test with exit()). */
static GMutex  live_lock;
static GSList *live;

static void
kill_live (void)
{
  g_mutex_lock (&live_lock);
  for (GSList *l = live; l != NULL; l = l->next)
    {
      TestGnutlsServ *serv = l->data;

      /* a forked child inherits the list but not the children */
      if (serv->owner == getpid ())
        {
          kill (serv->pid, SIGKILL);
          waitpid (serv->pid, NULL, 0);
        }
    }
  g_mutex_unlock (&live_lock);
}

static void
child_setup (gpointer user_data)
{
#ifdef __linux__
  /* a test killed by its timeout runs no atexit handler: die with it */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != (pid_t) GPOINTER_TO_INT (user_data))
    _exit (1);
#endif
}

static guint16
free_port (GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
accepts (guint16 port)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (loopback, port);

  if (socket == NULL)
    return FALSE;
  g_socket_set_timeout (socket, 1);
  return g_socket_connect (socket, addr, NULL, NULL);
}

/* Waits at most timeout_us for pid to exit; TRUE when it did (and is reaped). */
static gboolean
reap_within (GPid pid, gint64 timeout_us, int *status)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  for (;;)
    {
      pid_t r = waitpid (pid, status, WNOHANG);

      if (r == pid || (r < 0 && errno == ECHILD))
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (POLL_INTERVAL_US);
    }
}

/* One try on one port: the server once it accepts, or NULL. *retry is set
 * when it exited, perhaps because another process took the port. */
static TestGnutlsServ *
start_on (const char *program, const char *cert_file, const char *key_file,
          gboolean *retry, GError **error)
{
  g_autofree char *port_arg = NULL;
  g_autofree char *cert_arg = g_strconcat ("--x509certfile=", cert_file, NULL);
  g_autofree char *key_arg = g_strconcat ("--x509keyfile=", key_file, NULL);
  guint16 port = free_port (error);
  gint64 deadline = g_get_monotonic_time () + TEST_GNUTLS_SERV_START_TIMEOUT * G_TIME_SPAN_SECOND;
  g_autofree char *output = NULL;
  g_autofree char *log = NULL;
  TestGnutlsServ *serv;
  int log_fd, status = 0;
  GPid pid;
  gboolean spawned;

  *retry = FALSE;
  if (port == 0)
    return NULL;
  /* its chatter (the probes below make it log handshake errors) goes to a
   * file, not into the test log; unlinked at once, it cannot be left behind */
  log_fd = g_file_open_tmp ("httplib-gnutls-serv-XXXXXX.log", &log, error);
  if (log_fd < 0)
    return NULL;
  g_unlink (log);
  port_arg = g_strdup_printf ("--port=%u", port);
  {
    /* -a: no client certificate request, so every client gets the same handshake */
    const char *argv[] = { program, "--http", "-a", port_arg, cert_arg, key_arg, NULL };

    spawned = g_spawn_async_with_pipes_and_fds (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                                child_setup, GINT_TO_POINTER ((int) getpid ()),
                                                -1, log_fd, log_fd, NULL, NULL, 0,
                                                &pid, NULL, NULL, NULL, error);
  }
  if (!spawned)
    {
      close (log_fd);
      return NULL;
    }

  serv = g_new0 (TestGnutlsServ, 1);
  serv->pid = pid;
  serv->owner = getpid ();
  serv->port = port;
  serv->log_fd = log_fd;
  g_mutex_lock (&live_lock);
  live = g_slist_prepend (live, serv);
  g_mutex_unlock (&live_lock);

  while (g_get_monotonic_time () < deadline)
    {
      if (reap_within (pid, 0, &status))
        {
          g_mutex_lock (&live_lock);
          live = g_slist_remove (live, serv);
          g_mutex_unlock (&live_lock);
          output = test_gnutls_serv_get_output (serv);
          close (serv->log_fd);
          g_free (serv);
          *retry = TRUE;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "gnutls-serv on port %u exited at start (wait status %d): %s",
                       port, status, output);
          return NULL;
        }
      if (accepts (port))
        return serv;
      g_usleep (POLL_INTERVAL_US);
    }

  output = test_gnutls_serv_get_output (serv);
  test_gnutls_serv_stop (serv);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "gnutls-serv did not accept on port %u within %d s: %s", port,
               TEST_GNUTLS_SERV_START_TIMEOUT, output);
  return NULL;
}

TestGnutlsServ *
test_gnutls_serv_start (const char *cert_file, const char *key_file, GError **error)
{
  static gsize registered;
  g_autofree char *program = g_find_program_in_path ("gnutls-serv");
  TestGnutlsServ *serv = NULL;
  gboolean retry = TRUE;

  g_return_val_if_fail (cert_file != NULL && key_file != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (program == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "gnutls-serv is not installed (Debian package gnutls-bin)");
      return NULL;
    }
  if (g_once_init_enter (&registered))
    {
      atexit (kill_live);
      g_once_init_leave (&registered, 1);
    }

  for (guint i = 0; serv == NULL && retry && i < START_ATTEMPTS; i++)
    {
      GError *local = NULL;

      serv = start_on (program, cert_file, key_file, &retry, &local);
      if (serv == NULL && (!retry || i + 1 == START_ATTEMPTS))
        g_propagate_error (error, local);
      else
        g_clear_error (&local);
    }
  return serv;
}

guint16
test_gnutls_serv_get_port (TestGnutlsServ *serv)
{
  g_return_val_if_fail (serv != NULL, 0);

  return serv->port;
}

char *
test_gnutls_serv_get_output (TestGnutlsServ *serv)
{
  GString *output = g_string_new (NULL);
  char buf[4096];
  ssize_t n;

  g_return_val_if_fail (serv != NULL, NULL);

  /* pread(): the server writes at the offset it shares with this fd */
  while ((n = pread (serv->log_fd, buf, sizeof buf, (off_t) output->len)) > 0)
    g_string_append_len (output, buf, n);
  return g_string_free (output, FALSE);
}

void
test_gnutls_serv_stop (TestGnutlsServ *serv)
{
  if (serv == NULL)
    return;

  g_mutex_lock (&live_lock);
  live = g_slist_remove (live, serv);
  g_mutex_unlock (&live_lock);

  if (serv->owner == getpid ())
    {
      kill (serv->pid, SIGTERM);
      if (!reap_within (serv->pid, TERM_WAIT_S * G_TIME_SPAN_SECOND, NULL))
        {
          kill (serv->pid, SIGKILL);
          waitpid (serv->pid, NULL, 0);
        }
      g_spawn_close_pid (serv->pid);
    }
  close (serv->log_fd);
  g_free (serv);
}
