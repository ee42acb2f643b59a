/* test-soak.c: many requests in one process, with memory and file
 * descriptors that must stay flat
 *
 * 200 000 sequential keep-alive requests on one connection, and 20 000
 * cycles of a new connection object that connects, makes one request and
 * closes; both over plain TCP and over TLS, and the keep-alive requests
 * also through the async API. Each runs against a minimal server thread of
 * its own that answers every request head with a fixed response and keeps
 * nothing per request (the loopback TestServer records every request,
 * which would grow). After a warm-up, the resident set (VmRSS) and the
 * number of open file descriptors are measured at ten checkpoints: the
 * descriptors must equal the warm-up's count exactly, and the resident set
 * must not grow by more than RSS_GROWTH_MAX. Under AddressSanitizer, whose
 * quarantine holds freed memory on purpose, only the descriptors are
 * checked (LeakSanitizer checks memory there).
 *
 * A separate suite ("soak"), not in a plain `meson test`: run it with
 * `meson test -C _build --suite soak`. HTTPLIB_SOAK_REQUESTS and
 * HTTPLIB_SOAK_CYCLES change the counts for a quick try.
 */
#include <httplib/httplib.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-utils.h"

#define KEEP_ALIVE_REQUESTS 200000
#define CONNECT_CYCLES      20000
#define WARM_UP_FRACTION    50        /* 1/50 of the run warms up before the baseline */
#define CHECKPOINTS         10
#define RSS_GROWTH_MAX      (1024 * 1024)   /* bytes over the warm-up's resident set */

#define BODY     "hello, world\n"
#define RESPONSE "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n" BODY

#define POLL_MS        100    /* how often the server thread looks at its stop flag */
#define IDLE_LIMIT_MS  30000  /* a connection silent this long is dropped */
#define WAIT_LIMIT_US  (30 * G_USEC_PER_SEC)
#define TLS_RETRIES    16     /* bounds retries after non-fatal GnuTLS errors */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* --- the server: one connection at a time, a fixed answer per request head --- */

typedef struct {
  int      listen_fd;
  guint16  port;
  GThread *thread;
  gint     stop;
  gint     n_closed;     /* connections the server closed */
  gint     n_requests;
  gnutls_certificate_credentials_t cred;   /* NULL: plain TCP */
} SoakServer;

/* One accepted connection, plain or TLS. */
typedef struct {
  int              fd;
  gnutls_session_t session;   /* NULL: plain TCP */
} Peer;

static gboolean
write_all (Peer *peer, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = peer->session ? gnutls_record_send (peer->session, data, len)
                                : send (peer->fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && (peer->session ? !gnutls_error_is_fatal ((int) n) : errno == EINTR))
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Waits for fd to be readable; FALSE when stopping or idle too long. */
static gboolean
wait_readable (SoakServer *server, int fd)
{
  for (guint waited = 0; waited < IDLE_LIMIT_MS; waited += POLL_MS)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      int n;

      if (g_atomic_int_get (&server->stop))
        return FALSE;
      n = poll (&pfd, 1, POLL_MS);
      if (n > 0)
        return TRUE;
      if (n < 0 && errno != EINTR)
        return FALSE;
    }
  return FALSE;
}

/* One read: > 0 bytes, 0 at the end, -1 on error or when stopping. */
static gssize
read_some (SoakServer *server, Peer *peer, char *buf, gsize size)
{
  for (guint i = 0; i < TLS_RETRIES; i++)
    {
      ssize_t n;

      /* GnuTLS may hold a decrypted record already */
      if ((peer->session == NULL || gnutls_record_check_pending (peer->session) == 0) &&
          !wait_readable (server, peer->fd))
        return -1;
      n = peer->session ? gnutls_record_recv (peer->session, buf, size)
                        : recv (peer->fd, buf, size, 0);
      if (n >= 0)
        return n;
      if (peer->session ? gnutls_error_is_fatal ((int) n) : errno != EINTR)
        return peer->session && n == GNUTLS_E_PREMATURE_TERMINATION ? 0 : -1;
    }
  return -1;
}

static gboolean
tls_accept (SoakServer *server, Peer *peer)
{
  int rc = gnutls_init (&peer->session, GNUTLS_SERVER);

  if (rc < 0)
    {
      peer->session = NULL;
      return FALSE;
    }
  rc = gnutls_set_default_priority (peer->session);
  if (rc >= 0)
    rc = gnutls_credentials_set (peer->session, GNUTLS_CRD_CERTIFICATE, server->cred);
  gnutls_transport_set_int (peer->session, peer->fd);
  gnutls_handshake_set_timeout (peer->session, IDLE_LIMIT_MS);
  for (guint i = 0; rc >= 0 && i < TLS_RETRIES; i++)
    {
      rc = gnutls_handshake (peer->session);
      if (rc >= 0 || gnutls_error_is_fatal (rc))
        break;
    }
  return rc >= 0;
}

/* Answers each "\r\n\r\n" (requests here have no body) until the peer closes. */
static void
serve (SoakServer *server, Peer *peer)
{
  static const char end[] = "\r\n\r\n";
  char buf[16384];
  guint matched = 0;   /* bytes of end seen so far, across reads */

  if (server->cred != NULL && !tls_accept (server, peer))
    return;
  for (;;)
    {
      gssize n = read_some (server, peer, buf, sizeof buf);
      guint heads = 0;

      if (n <= 0)
        return;
      for (gssize i = 0; i < n; i++)
        {
          matched = buf[i] == end[matched] ? matched + 1 : (buf[i] == end[0] ? 1 : 0);
          if (matched == 4)
            {
              heads++;
              matched = 0;
            }
        }
      /* counted first: a client that got its answer finds it counted */
      g_atomic_int_add (&server->n_requests, (gint) heads);
      for (guint i = 0; i < heads; i++)
        if (!write_all (peer, RESPONSE, sizeof RESPONSE - 1))
          return;
    }
}

static gpointer
server_thread (gpointer data)
{
  SoakServer *server = data;

  while (!g_atomic_int_get (&server->stop))
    {
      int one = 1;
      struct linger reset = { 1, 0 };
      Peer peer = { -1, NULL };

      if (!wait_readable (server, server->listen_fd))
        continue;
      peer.fd = accept (server->listen_fd, NULL, NULL);
      if (peer.fd < 0)
        continue;
      setsockopt (peer.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      serve (server, &peer);
      if (peer.session != NULL)
        gnutls_deinit (peer.session);
      /* The client closed first; a reset instead of a FIN spares its port
       * the TIME_WAIT (40 000 of them would crowd the ephemeral ports). */
      setsockopt (peer.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      close (peer.fd);
      g_atomic_int_inc (&server->n_closed);
    }
  return NULL;
}

static SoakServer *
soak_server_new (gboolean tls)
{
  SoakServer *server = g_new0 (SoakServer, 1);
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;

  if (tls)
    {
      const TestCerts *certs = test_certs_get ();

      ck_assert_int_ge (gnutls_certificate_allocate_credentials (&server->cred), 0);
      ck_assert_int_ge (gnutls_certificate_set_x509_key_file (server->cred, certs->server_cert_file,
                                                              certs->server_key_file,
                                                              GNUTLS_X509_FMT_PEM), 0);
    }
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  server->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ck_assert_int_ge (server->listen_fd, 0);
  ck_assert_int_eq (bind (server->listen_fd, (struct sockaddr *) &addr, sizeof addr), 0);
  ck_assert_int_eq (listen (server->listen_fd, 16), 0);
  ck_assert_int_eq (getsockname (server->listen_fd, (struct sockaddr *) &addr, &len), 0);
  server->port = ntohs (addr.sin_port);
  server->thread = g_thread_new ("soak-server", server_thread, server);
  return server;
}

static void
soak_server_free (SoakServer *server)
{
  g_atomic_int_set (&server->stop, TRUE);
  g_thread_join (server->thread);
  close (server->listen_fd);
  if (server->cred != NULL)
    gnutls_certificate_free_credentials (server->cred);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SoakServer, soak_server_free)

/* Waits until the server closed n connections: its side of the last one
 * must be gone before descriptors are counted. */
static void
wait_closed (SoakServer *server, gint n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  while (g_atomic_int_get (&server->n_closed) < n && g_get_monotonic_time () < deadline)
    g_usleep (100);
  ck_assert_msg (g_atomic_int_get (&server->n_closed) >= n,
                 "the server closed %d connections, expected %d",
                 g_atomic_int_get (&server->n_closed), n);
}

/* --- measuring --- */

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  ck_assert_ptr_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* VmRSS in bytes. */
static gsize
resident_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;

  ck_assert (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nVmRSS:");
  ck_assert_ptr_nonnull (line);
  return (gsize) g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10) * 1024;
}

static guint
count_from_env (const char *name, guint fallback)
{
  const char *value = g_getenv (name);
  guint64 n;

  if (value == NULL || *value == '\0')
    return fallback;
  n = g_ascii_strtoull (value, NULL, 10);
  ck_assert_msg (n >= CHECKPOINTS && n <= G_MAXINT / 2, "%s=%s: expected a count from %d", name,
                 value, CHECKPOINTS);
  return (guint) n;
}

typedef struct {
  const char *what;
  gsize       rss;
  guint       fds;
  gint64      start;
} Baseline;

static void
baseline_take (Baseline *base, const char *what)
{
  base->what = what;
  base->rss = resident_bytes ();
  base->fds = count_fds ();
  base->start = g_get_monotonic_time ();
  g_printerr ("%s: baseline after warm-up: VmRSS %zu KiB, %u fds\n", what, base->rss / 1024,
              base->fds);
}

static void
checkpoint (const Baseline *base, guint done, guint total)
{
  gsize rss = resident_bytes ();
  guint fds = count_fds ();
  gssize growth = (gssize) rss - (gssize) base->rss;
  double seconds = (g_get_monotonic_time () - base->start) / (double) G_USEC_PER_SEC;

  g_printerr ("%s: %u/%u after %.1f s: VmRSS %zu KiB (%+zd KiB), %u fds\n", base->what, done,
              total, seconds, rss / 1024, growth / 1024, fds);
  ck_assert_msg (fds == base->fds, "%s: %u open descriptors after %u, %u after the warm-up",
                 base->what, fds, done, base->fds);
  if (!UNDER_ASAN)
    ck_assert_msg (growth <= RSS_GROWTH_MAX,
                   "%s: the resident set grew by %zd KiB after %u, more than %d KiB", base->what,
                   growth / 1024, done, RSS_GROWTH_MAX / 1024);
}

/* --- one request --- */

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the thread-default context until *slot is set. A call always
 * ends with its callback (the connection's timeout bounds it), which wakes
 * the blocking iteration; the clock bounds the loop all the same. */
static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  ck_assert_msg (*slot != NULL, "an async call did not finish within %d s",
                 (int) (WAIT_LIMIT_US / G_USEC_PER_SEC));
  return g_steal_pointer (slot);
}

static GBytes *
get_async (HttplibConnection *conn, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) sent = NULL;
  g_autoptr(GAsyncResult) got = NULL;
  g_autoptr(GAsyncResult) read = NULL;
  g_autoptr(HttplibResponse) resp = NULL;

  httplib_connection_request_async (conn, "GET", "/", NULL, NULL, NULL, on_done, &slot);
  sent = wait_for (&slot);
  if (!httplib_connection_request_finish (conn, sent, error))
    return NULL;
  httplib_connection_get_response_async (conn, NULL, on_done, &slot);
  got = wait_for (&slot);
  resp = httplib_connection_get_response_finish (conn, got, error);
  if (resp == NULL)
    return NULL;
  httplib_response_read_all_async (resp, NULL, on_done, &slot);
  read = wait_for (&slot);
  return httplib_response_read_all_finish (resp, read, error);
}

static GBytes *
get_sync (HttplibConnection *conn, GError **error)
{
  g_autoptr(HttplibResponse) resp = NULL;

  if (!httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, error))
    return NULL;
  resp = httplib_connection_get_response (conn, NULL, error);
  if (resp == NULL)
    return NULL;
  return httplib_response_read (resp, -1, NULL, error);
}

static void
get_once (HttplibConnection *conn, gboolean async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = async ? get_async (conn, &error) : get_sync (conn, &error);

  if (body == NULL)
    ck_abort_msg ("GET failed: %s", error->message);
  /* a cheap check that each answer is the right one */
  ck_assert_uint_eq (g_bytes_get_size (body), sizeof BODY - 1);
}

/* --- the soaks --- */

static const struct {
  const char *name;
  gboolean    tls;
  gboolean    async;
  gboolean    cycles;   /* a new connection object per request; else keep-alive */
} soaks[] = {
  { "keep-alive", FALSE, FALSE, FALSE },
  { "connect-request-close", FALSE, FALSE, TRUE },
  { "keep-alive over TLS", TRUE, FALSE, FALSE },
  { "connect-request-close over TLS", TRUE, FALSE, TRUE },
  { "keep-alive, async", FALSE, TRUE, FALSE },
};

static HttplibConnection *
connection_to (SoakServer *server, HttplibTlsSettings *settings)
{
  g_autoptr(GError) error = NULL;
  HttplibConnection *conn = settings
                            ? httplib_connection_new_https ("127.0.0.1", server->port, settings, &error)
                            : httplib_connection_new ("127.0.0.1", server->port, &error);

  httplib_assert_no_error (error);
  ck_assert (httplib_connection_set_timeout (conn, 30, NULL));
  return conn;
}

/* One request: on conn (keep-alive), or on a new connection closed after it. */
static void
step (SoakServer *server, HttplibTlsSettings *settings, HttplibConnection *conn, gboolean async)
{
  g_autoptr(HttplibConnection) own = NULL;

  if (conn == NULL)
    conn = own = connection_to (server, settings);
  get_once (conn, async);
  if (own != NULL)
    httplib_connection_close (own);
}

START_TEST (test_soak)
{
  gboolean cycles = soaks[_i].cycles;
  guint total = cycles ? count_from_env ("HTTPLIB_SOAK_CYCLES", CONNECT_CYCLES)
                       : count_from_env ("HTTPLIB_SOAK_REQUESTS", KEEP_ALIVE_REQUESTS);
  guint warm_up = total / WARM_UP_FRACTION;
  g_autoptr(GMainContext) context = soaks[_i].async ? g_main_context_new () : NULL;
  g_autoptr(SoakServer) server = soak_server_new (soaks[_i].tls);
  g_autoptr(HttplibTlsSettings) settings = NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  Baseline base;

  if (context != NULL)
    g_main_context_push_thread_default (context);
  if (soaks[_i].tls)
    {
      /* one set of settings for every connection, as an application has */
      settings = httplib_tls_settings_new ();
      httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
    }
  if (!cycles)
    conn = connection_to (server, settings);

  for (guint i = 0; i < warm_up; i++)
    step (server, settings, conn, soaks[_i].async);
  if (cycles)
    wait_closed (server, (gint) warm_up);
  baseline_take (&base, soaks[_i].name);

  for (guint i = 1; i <= total; i++)
    {
      step (server, settings, conn, soaks[_i].async);
      if (i % (total / CHECKPOINTS) != 0)
        continue;
      if (cycles)
        wait_closed (server, (gint) (warm_up + i));
      checkpoint (&base, i, total);
    }

  ck_assert_int_eq (g_atomic_int_get (&server->n_requests), total + warm_up);
  /* keep-alive: every request on the one connection */
  ck_assert_int_eq (g_atomic_int_get (&server->n_closed), cycles ? (gint) (total + warm_up) : 0);
  g_printerr ("%s: %u requests in %.1f s\n", soaks[_i].name, total,
              (g_get_monotonic_time () - base.start) / (double) G_USEC_PER_SEC);

  g_clear_object (&conn);
  if (context != NULL)
    g_main_context_pop_thread_default (context);
}
END_TEST

static Suite *
soak_suite (void)
{
  Suite *suite = suite_create ("soak");
  TCase *tc = tcase_create ("soak");

  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  /* a hang guard, far above the minute or so each takes */
  tcase_set_timeout (tc, 900);
  tcase_add_loop_test (tc, test_soak, 0, G_N_ELEMENTS (soaks));
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (soak_suite)
