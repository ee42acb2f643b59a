/* test-server.c: an in-process loopback HTTP server for the integration suites */
#include "test-server.h"
#include "test-server-private.h"

#include <check.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define RECV_SIZE        65536
#define MAX_HEAD         (4 * 1024 * 1024)   /* a request head bigger than this is an error */
#define MAX_REQUEST      (64 * 1024 * 1024)  /* bounds every body read */
#define SPLIT_PAUSE_US   200
#define STOP_WAIT_S      (TEST_SERVER_IO_TIMEOUT * 3)
#define TLS_RETRIES      16                  /* bounds retries after non-fatal GnuTLS errors */
#define TLS_MAX_RECORD   16384

/* Loaded once per server. */
typedef struct {
  gnutls_certificate_credentials_t cred;
  gnutls_priority_t                priority;
  gnutls_datum_t                   ticket_key;
  TestTlsClientCert                client_cert;
  gboolean                         verify_client;
  gboolean                         no_handshake;
} TestTls;

/* What a connection's handshake found. */
typedef struct {
  gboolean  resumed;
  gboolean  handshake_failed;
  char     *client_subject;
  char     *server_name;
  char     *alpn;
} ConnTls;

struct _TestServer {
  GSocket           *listener;
  GThread           *thread;
  GCancellable      *cancellable;
  TestServerHandler  handler;
  gpointer           user_data;
  GDestroyNotify     user_data_free;  /* called once the thread stopped */
  guint16            port;

  TestTls           *tls;        /* NULL: plain TCP */

  /* a copy of the steps when made by test_server_new_script() */
  TestScript        *own_script;
  char             **own_steps;

  GMutex             lock;       /* guards everything below */
  GCond              cond;
  GPtrArray         *requests;   /* GBytes, in order */
  GPtrArray         *received;   /* GByteArray per connection */
  GArray            *first_recv; /* gsize per connection */
  GArray            *conn_tls;   /* ConnTls per connection */
  guint              n_accepted;
  guint              n_handled;
  gboolean           thread_done;
};

struct _TestConn {
  TestServer *server;
  GSocket    *socket;
  guint       index;
  GByteArray *pending;  /* received, not yet consumed */
  gboolean    eof;
  gboolean    failed;   /* a read or write failed: stop talking */
  gboolean    closed;
  gnutls_session_t session;  /* NULL: plain TCP */
  gboolean    truncating;    /* the push function drops bytes beyond truncate_left */
  gsize       truncate_left;
};

static gssize tls_recv (TestConn *conn, guint8 *buf, gsize size);
static gboolean tls_send (TestConn *conn, const char *data, gsize size);

/* --- connections --- */

static gboolean
recv_more (TestConn *conn)
{
  TestServer *server = conn->server;
  guint8 buf[RECV_SIZE];
  gssize n;

  if (conn->eof || conn->failed || conn->closed)
    return FALSE;

  if (conn->session != NULL)
    n = tls_recv (conn, buf, sizeof buf);
  else
    n = g_socket_receive (conn->socket, (char *) buf, sizeof buf,
                          server->cancellable, NULL);
  if (n < 0)
    {
      conn->failed = TRUE;
      return FALSE;
    }
  if (n == 0)
    {
      conn->eof = TRUE;
      return FALSE;
    }

  g_byte_array_append (conn->pending, buf, (guint) n);
  test_conn_record_received (conn, buf, (gsize) n);
  return TRUE;
}

void
test_conn_record_received (TestConn *conn, const guint8 *data, gsize len)
{
  TestServer *server = conn->server;

  g_mutex_lock (&server->lock);
  {
    GByteArray *all = g_ptr_array_index (server->received, conn->index);
    gsize *first = &g_array_index (server->first_recv, gsize, conn->index);

    if (*first == 0)
      *first = len;
    g_byte_array_append (all, data, (guint) len);
  }
  g_mutex_unlock (&server->lock);
}

GSocket *
test_conn_get_plain_socket (TestConn *conn)
{
  if (conn->session != NULL || conn->failed || conn->closed)
    return NULL;
  return conn->socket;
}

GCancellable *
test_conn_get_cancellable (TestConn *conn)
{
  return conn->server->cancellable;
}

GBytes *
test_conn_take_pending (TestConn *conn)
{
  GBytes *bytes = g_bytes_new (conn->pending->data, conn->pending->len);

  g_byte_array_set_size (conn->pending, 0);
  return bytes;
}

/* Makes sure pending holds at least len bytes. */
static gboolean
fill (TestConn *conn, gsize len)
{
  while (conn->pending->len < len)
    if (!recv_more (conn))
      return FALSE;
  return TRUE;
}

/* Finds needle in pending at or after from, receiving more as needed (but not
 * beyond limit bytes). Returns the offset of the match or -1. */
static gssize
find (TestConn *conn, gsize from, const char *needle, gsize limit)
{
  gsize nlen = strlen (needle);
  gsize scanned = from;

  for (;;)
    {
      const guint8 *data = conn->pending->data;
      gsize len = conn->pending->len;

      for (; scanned + nlen <= len; scanned++)
        if (memcmp (data + scanned, needle, nlen) == 0)
          return (gssize) scanned;
      if (len > limit)
        return -1;
      if (!recv_more (conn))
        return -1;
    }
}

/* Reads a chunked body starting at pending offset pos. Returns the offset
 * just past the trailers' empty line, or -1. */
static gssize
read_chunked (TestConn *conn, gsize pos)
{
  for (;;)
    {
      gssize eol = find (conn, pos, "\r\n", MAX_REQUEST);
      char *line, *endp;
      guint64 size;

      if (eol < 0)
        return -1;
      line = g_strndup ((const char *) conn->pending->data + pos, (gsize) eol - pos);
      size = g_ascii_strtoull (line, &endp, 16);
      if (endp == line)
        {
          g_free (line);
          return -1;
        }
      g_free (line);
      pos = (gsize) eol + 2;

      if (size == 0)
        break;
      if (size > MAX_REQUEST || pos + size + 2 > MAX_REQUEST)
        return -1;
      if (!fill (conn, pos + size + 2))
        return -1;
      pos += size + 2;
    }

  /* trailers, ended by an empty line */
  for (;;)
    {
      gssize eol = find (conn, pos, "\r\n", MAX_REQUEST);

      if (eol < 0)
        return -1;
      if ((gsize) eol == pos)
        return (gssize) pos + 2;
      pos = (gsize) eol + 2;
    }
}

GString *
test_conn_read_request (TestConn *conn)
{
  TestServer *server = conn->server;
  gssize head_end;
  gsize end;
  char *cl, *te;
  GString *request;

  g_return_val_if_fail (conn != NULL, NULL);

  head_end = find (conn, 0, "\r\n\r\n", MAX_HEAD);
  if (head_end < 0)
    return NULL;
  end = (gsize) head_end + 4;

  te = test_head_field ((const char *) conn->pending->data, end, "Transfer-Encoding", NULL);
  cl = test_head_field ((const char *) conn->pending->data, end, "Content-Length", NULL);

  if (te != NULL && strstr (te, "chunked") != NULL)
    {
      gssize body_end = read_chunked (conn, end);

      if (body_end < 0)
        {
          g_free (te);
          g_free (cl);
          return NULL;
        }
      end = (gsize) body_end;
    }
  else if (cl != NULL)
    {
      guint64 length = g_ascii_strtoull (cl, NULL, 10);

      if (length > MAX_REQUEST || !fill (conn, end + length))
        {
          g_free (te);
          g_free (cl);
          return NULL;
        }
      end += length;
    }
  g_free (te);
  g_free (cl);

  request = g_string_new_len ((const char *) conn->pending->data, (gssize) end);
  g_byte_array_remove_range (conn->pending, 0, (guint) end);

  g_mutex_lock (&server->lock);
  g_ptr_array_add (server->requests, g_bytes_new (request->str, request->len));
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  return request;
}

GString *
test_conn_read_head (TestConn *conn)
{
  gssize head_end;
  GString *head;

  g_return_val_if_fail (conn != NULL, NULL);

  head_end = find (conn, 0, "\r\n\r\n", MAX_HEAD);
  if (head_end < 0)
    return NULL;
  head = g_string_new_len ((const char *) conn->pending->data, head_end + 4);
  g_byte_array_remove_range (conn->pending, 0, (guint) head_end + 4);
  return head;
}

gboolean
test_conn_read_exact (TestConn *conn, gsize n, GString *out)
{
  g_return_val_if_fail (conn != NULL && out != NULL, FALSE);

  if (!fill (conn, n))
    return FALSE;
  g_string_append_len (out, (const char *) conn->pending->data, (gssize) n);
  g_byte_array_remove_range (conn->pending, 0, (guint) n);
  return TRUE;
}

GString *
test_conn_read_until_close (TestConn *conn)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (conn != NULL, out);

  while (conn->pending->len < MAX_REQUEST && recv_more (conn))
    ;
  g_string_append_len (out, (const char *) conn->pending->data, (gssize) conn->pending->len);
  g_byte_array_set_size (conn->pending, 0);
  return out;
}

gboolean
test_conn_write (TestConn *conn, const char *data, gssize len)
{
  gsize size, off = 0;

  g_return_val_if_fail (conn != NULL, FALSE);

  size = len < 0 ? strlen (data) : (gsize) len;
  if (conn->failed || conn->closed)
    return FALSE;
  if (conn->session != NULL)
    return tls_send (conn, data, size);

  while (off < size)
    {
      gssize n = g_socket_send (conn->socket, data + off, size - off,
                                conn->server->cancellable, NULL);
      if (n <= 0)
        {
          conn->failed = TRUE;
          return FALSE;
        }
      off += (gsize) n;
    }
  return TRUE;
}

gboolean
test_conn_write_split (TestConn *conn, const char *data, gsize len, gsize chunk)
{
  gsize off = 0;

  g_return_val_if_fail (conn != NULL && chunk > 0, FALSE);

  while (off < len)
    {
      gsize n = MIN (chunk, len - off);

      if (off > 0)
        {
          if (g_cancellable_is_cancelled (conn->server->cancellable))
            return FALSE;
          g_usleep (SPLIT_PAUSE_US);
        }
      if (!test_conn_write (conn, data + off, (gssize) n))
        return FALSE;
      off += n;
    }
  return TRUE;
}

void
test_conn_close (TestConn *conn)
{
  g_return_if_fail (conn != NULL);

  if (conn->closed)
    return;
  if (conn->session != NULL && !conn->failed)
    gnutls_bye (conn->session, GNUTLS_SHUT_WR);  /* one alert; failure is the peer's business */
  test_conn_close_abruptly (conn);
}

void
test_conn_close_abruptly (TestConn *conn)
{
  g_return_if_fail (conn != NULL);

  if (conn->closed)
    return;
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  g_socket_close (conn->socket, NULL);
  conn->closed = TRUE;
}

void
test_conn_reset (TestConn *conn)
{
  struct linger lg = { 1, 0 };

  g_return_if_fail (conn != NULL);

  if (conn->closed)
    return;
  if (setsockopt (g_socket_get_fd (conn->socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
    g_printerr ("test-server: SO_LINGER: %s\n", g_strerror (errno));
  g_socket_close (conn->socket, NULL);
  conn->closed = TRUE;
}

guint
test_conn_get_index (TestConn *conn)
{
  return conn->index;
}

/* --- TLS --- */

/* The GError of a failed socket call as an errno for GnuTLS; frees it. */
static int
io_errno (GError *error)
{
  int code = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? ETIMEDOUT :
             g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? ECANCELED : EIO;

  g_error_free (error);
  return code;
}

/* GnuTLS reads and writes through the GSocket, so the socket timeout and the
 * server's cancellable bound every TLS operation too. */
static ssize_t
tls_pull (gnutls_transport_ptr_t ptr, void *buf, size_t size)
{
  TestConn *conn = ptr;
  GError *error = NULL;
  gssize n = g_socket_receive (conn->socket, buf, size, conn->server->cancellable, &error);

  if (n < 0)
    gnutls_transport_set_errno (conn->session, io_errno (error));
  return n;
}

static int
tls_pull_timeout (gnutls_transport_ptr_t ptr, unsigned int ms)
{
  TestConn *conn = ptr;
  GError *error = NULL;
  gint64 us = ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (gint64) ms * 1000;

  /* GLib caps the wait at the socket timeout */
  if (g_socket_condition_timed_wait (conn->socket, G_IO_IN, us, conn->server->cancellable, &error))
    return 1;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_error_free (error);
      return 0;
    }
  gnutls_transport_set_errno (conn->session, io_errno (error));
  return -1;
}

static ssize_t
tls_push (gnutls_transport_ptr_t ptr, const void *buf, size_t size)
{
  TestConn *conn = ptr;
  gsize wire = size, off = 0;

  if (conn->truncating)
    {
      wire = MIN (size, conn->truncate_left);
      conn->truncate_left -= wire;
    }
  while (off < wire)
    {
      GError *error = NULL;
      gssize n = g_socket_send (conn->socket, (const char *) buf + off, wire - off,
                                conn->server->cancellable, &error);

      if (n < 0)
        {
          gnutls_transport_set_errno (conn->session, io_errno (error));
          return -1;
        }
      off += (gsize) n;
    }
  return (ssize_t) size;  /* what was dropped counts as sent */
}

/* One decrypted record: > 0 bytes; 0 at the end, with close_notify or
 * without (clients often just close); -1 on error. */
static gssize
tls_recv (TestConn *conn, guint8 *buf, gsize size)
{
  for (guint i = 0; i < TLS_RETRIES; i++)
    {
      ssize_t n = gnutls_record_recv (conn->session, buf, size);

      if (n >= 0)
        return n;
      if (n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
      if (gnutls_error_is_fatal ((int) n))
        return -1;
    }
  return -1;
}

static gboolean
tls_send (TestConn *conn, const char *data, gsize size)
{
  gsize off = 0;

  while (off < size)
    {
      ssize_t n = gnutls_record_send (conn->session, data + off, size - off);

      if (n <= 0)
        {
          conn->failed = TRUE;
          return FALSE;
        }
      off += (gsize) n;
    }
  return TRUE;
}

gboolean
test_conn_write_truncated_record (TestConn *conn, const char *data, gsize len, gsize keep)
{
  ssize_t n;

  g_return_val_if_fail (conn != NULL && conn->session != NULL, FALSE);
  g_return_val_if_fail (len > 0 && len <= TLS_MAX_RECORD, FALSE);

  if (conn->failed || conn->closed)
    return FALSE;
  conn->truncating = TRUE;
  conn->truncate_left = keep;
  n = gnutls_record_send (conn->session, data, len);
  conn->truncating = FALSE;
  conn->failed = TRUE;  /* the record stream is broken from here on */
  return n == (ssize_t) len;
}

static char *
peer_subject (gnutls_session_t session)
{
  unsigned int n = 0;
  const gnutls_datum_t *peers = gnutls_certificate_get_peers (session, &n);
  gnutls_x509_crt_t crt;
  gnutls_datum_t dn = { NULL, 0 };
  char *subject = NULL;

  if (peers == NULL || n == 0 || gnutls_x509_crt_init (&crt) < 0)
    return NULL;
  if (gnutls_x509_crt_import (crt, &peers[0], GNUTLS_X509_FMT_DER) >= 0 &&
      gnutls_x509_crt_get_dn3 (crt, &dn, 0) >= 0)
    {
      subject = g_strndup ((const char *) dn.data, dn.size);
      gnutls_free (dn.data);
    }
  gnutls_x509_crt_deinit (crt);
  return subject;
}

/* Verifies a client certificate, as one for TLS client authentication,
 * against ca_file. None at all passes here: GNUTLS_CERT_REQUIRE refuses that
 * on its own. */
static int
verify_client (gnutls_session_t session)
{
  gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID,
                                    (unsigned char *) GNUTLS_KP_TLS_WWW_CLIENT, 0 };
  unsigned int n = 0, status = 0;

  if (gnutls_certificate_get_peers (session, &n) == NULL || n == 0)
    return 0;
  if (gnutls_certificate_verify_peers (session, &purpose, 1, &status) < 0 || status != 0)
    return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
  return 0;
}

/* Runs the server side of the handshake and records what it found. */
static gboolean
tls_handshake (TestConn *conn)
{
  static const gnutls_datum_t alpn = { (unsigned char *) "http/1.1", 8 };
  static const gnutls_certificate_request_t requests[] = {
    [TEST_TLS_CLIENT_CERT_NONE] = GNUTLS_CERT_IGNORE,
    [TEST_TLS_CLIENT_CERT_REQUEST] = GNUTLS_CERT_REQUEST,
    [TEST_TLS_CLIENT_CERT_REQUIRE] = GNUTLS_CERT_REQUIRE,
  };
  TestServer *server = conn->server;
  TestTls *tls = server->tls;
  ConnTls info = { 0 };
  gnutls_datum_t selected;
  char name[260];
  size_t name_len = sizeof name;
  unsigned int type;
  int rc;

  /* TLS 1.3 tickets go out after the handshake, so that a client that
   * leaves at once does not turn a finished handshake into a failed one */
  rc = gnutls_init (&conn->session, GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET);
  if (rc < 0)
    conn->session = NULL;
  else
    {
      gnutls_transport_set_ptr (conn->session, conn);
      gnutls_transport_set_push_function (conn->session, tls_push);
      gnutls_transport_set_pull_function (conn->session, tls_pull);
      gnutls_transport_set_pull_timeout_function (conn->session, tls_pull_timeout);
      gnutls_handshake_set_timeout (conn->session, TEST_SERVER_IO_TIMEOUT * 1000);
      gnutls_certificate_server_set_request (conn->session, requests[tls->client_cert]);
      if (tls->verify_client)
        gnutls_session_set_verify_function (conn->session, verify_client);
      rc = gnutls_priority_set (conn->session, tls->priority);
    }
  if (rc >= 0)
    rc = gnutls_credentials_set (conn->session, GNUTLS_CRD_CERTIFICATE, tls->cred);
  if (rc >= 0)
    rc = gnutls_session_ticket_enable_server (conn->session, &tls->ticket_key);
  if (rc >= 0)
    rc = gnutls_alpn_set_protocols (conn->session, &alpn, 1, 0);
  for (guint i = 0; rc >= 0 && i < TLS_RETRIES; i++)
    {
      rc = gnutls_handshake (conn->session);
      if (rc >= 0 || gnutls_error_is_fatal (rc))
        break;
    }

  if (rc < 0)
    {
      if (conn->session != NULL)
        gnutls_alert_send_appropriate (conn->session, rc);
      conn->failed = TRUE;  /* no close_notify, no handler */
      info.handshake_failed = TRUE;
    }
  else
    {
      if (gnutls_protocol_get_version (conn->session) >= GNUTLS_TLS1_3 &&
          gnutls_session_ticket_send (conn->session, 1, 0) < 0)
        conn->failed = TRUE;
      info.resumed = gnutls_session_is_resumed (conn->session) != 0;
      info.client_subject = peer_subject (conn->session);
      if (gnutls_server_name_get (conn->session, name, &name_len, &type, 0) == 0 &&
          type == GNUTLS_NAME_DNS)
        info.server_name = g_strndup (name, name_len);
      if (gnutls_alpn_get_selected_protocol (conn->session, &selected) == 0)
        info.alpn = g_strndup ((const char *) selected.data, selected.size);
    }

  g_mutex_lock (&server->lock);
  g_array_index (server->conn_tls, ConnTls, conn->index) = info;
  g_mutex_unlock (&server->lock);

  return rc >= 0;
}

gboolean
test_conn_start_tls (TestConn *conn)
{
  g_return_val_if_fail (conn != NULL && conn->server->tls != NULL, FALSE);
  g_return_val_if_fail (conn->server->tls->no_handshake && conn->session == NULL, FALSE);

  if (conn->failed || conn->closed)
    return FALSE;
  /* bytes read before belong to the handshake */
  g_return_val_if_fail (conn->pending->len == 0, FALSE);
  return tls_handshake (conn);
}

static void
tls_free (TestTls *tls)
{
  if (tls->cred != NULL)
    gnutls_certificate_free_credentials (tls->cred);
  if (tls->priority != NULL)
    gnutls_priority_deinit (tls->priority);
  if (tls->ticket_key.data != NULL)
    {
      gnutls_memset (tls->ticket_key.data, 0, tls->ticket_key.size);
      gnutls_free (tls->ticket_key.data);
    }
  g_free (tls);
}

static TestTls *
tls_new (const TestTlsOptions *options)
{
  TestTls *tls = g_new0 (TestTls, 1);
  const char *step = "credentials";
  int rc;

  tls->client_cert = options->client_cert;
  tls->verify_client = options->ca_file != NULL && options->client_cert != TEST_TLS_CLIENT_CERT_NONE;
  tls->no_handshake = options->no_handshake;

  rc = gnutls_certificate_allocate_credentials (&tls->cred);
  if (rc >= 0)
    {
      step = options->cert_file;
      rc = gnutls_certificate_set_x509_key_file (tls->cred, options->cert_file,
                                                 options->key_file, GNUTLS_X509_FMT_PEM);
    }
  if (rc >= 0 && options->ca_file != NULL)
    {
      step = options->ca_file;
      rc = gnutls_certificate_set_x509_trust_file (tls->cred, options->ca_file, GNUTLS_X509_FMT_PEM);
      if (rc == 0)
        rc = GNUTLS_E_NO_CERTIFICATE_FOUND;
    }
  if (rc >= 0)
    {
      step = options->priority ? options->priority : "NORMAL";
      rc = gnutls_priority_init (&tls->priority, step, NULL);
    }
  if (rc >= 0)
    {
      step = "session ticket key";
      rc = gnutls_session_ticket_key_generate (&tls->ticket_key);
    }

  if (rc < 0)
    {
      g_printerr ("test-server: TLS set-up: %s: %s\n", step, gnutls_strerror (rc));
      tls_free (tls);
      return NULL;
    }
  return tls;
}

/* --- the server --- */

static gpointer
server_thread (gpointer data)
{
  TestServer *server = data;

  while (!g_cancellable_is_cancelled (server->cancellable))
    {
      GError *error = NULL;
      GSocket *socket = g_socket_accept (server->listener, server->cancellable, &error);
      TestConn conn = { 0 };

      if (socket == NULL)
        {
          gboolean again = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

          g_error_free (error);
          if (again)
            continue;
          break;
        }

      g_socket_set_blocking (socket, TRUE);
      g_socket_set_timeout (socket, TEST_SERVER_IO_TIMEOUT);
      if (g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX)
        g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

      conn.server = server;
      conn.socket = socket;
      conn.pending = g_byte_array_new ();

      g_mutex_lock (&server->lock);
      conn.index = server->n_accepted++;
      {
        gsize zero = 0;
        ConnTls none = { 0 };

        g_ptr_array_add (server->received, g_byte_array_new ());
        g_array_append_val (server->first_recv, zero);
        g_array_append_val (server->conn_tls, none);
      }
      g_mutex_unlock (&server->lock);

      if (server->tls == NULL || server->tls->no_handshake || tls_handshake (&conn))
        server->handler (&conn, conn.index, server->user_data);

      test_conn_close (&conn);
      if (conn.session != NULL)
        gnutls_deinit (conn.session);
      g_byte_array_unref (conn.pending);
      g_object_unref (socket);

      g_mutex_lock (&server->lock);
      server->n_handled++;
      g_cond_broadcast (&server->cond);
      g_mutex_unlock (&server->lock);
    }

  g_mutex_lock (&server->lock);
  server->thread_done = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  return NULL;
}

static void
conn_tls_clear (gpointer data)
{
  ConnTls *info = data;

  g_free (info->client_subject);
  g_free (info->server_name);
  g_free (info->alpn);
}

/* A Unix socket address for path, without gio-unix's header. */
static GSocketAddress *
unix_address_new (const char *path)
{
  struct sockaddr_un native = { .sun_family = AF_UNIX };

  if (strlen (path) >= sizeof native.sun_path)
    return NULL;
  strcpy (native.sun_path, path);
  return g_socket_address_new_from_native (&native, sizeof native);
}

/* Takes tls (NULL: plain TCP) when it returns a server. address is an IP
 * literal, or for G_SOCKET_FAMILY_UNIX the path of the socket to make.
 * Without listen, the socket is only bound: test_server_start_listening()
 * does the rest. */
static TestServer *
server_new (GSocketFamily family, const char *address,
            TestServerHandler handler, gpointer user_data, TestTls *tls, gboolean listen)
{
  TestServer *server;
  GSocket *listener;
  GSocketAddress *addr, *bound;
  GError *error = NULL;
  gboolean unix_socket = family == G_SOCKET_FAMILY_UNIX;

  g_return_val_if_fail (handler != NULL, NULL);

  listener = g_socket_new (family, G_SOCKET_TYPE_STREAM,
                           unix_socket ? G_SOCKET_PROTOCOL_DEFAULT : G_SOCKET_PROTOCOL_TCP,
                           &error);
  if (listener == NULL)
    {
      g_printerr ("test-server: socket for %s: %s\n", address, error->message);
      g_error_free (error);
      return NULL;
    }

  if (unix_socket)
    addr = unix_address_new (address);
  else
    {
      GInetAddress *inet = g_inet_address_new_from_string (address);

      addr = g_inet_socket_address_new (inet, 0);
      g_object_unref (inet);
    }
  if (addr == NULL)
    {
      g_printerr ("test-server: socket path too long: %s\n", address);
      g_object_unref (listener);
      return NULL;
    }

  if (!g_socket_bind (listener, addr, FALSE, &error) ||
      (listen && !g_socket_listen (listener, &error)))
    {
      g_printerr ("test-server: listen on %s: %s\n", address, error->message);
      g_error_free (error);
      g_object_unref (addr);
      g_object_unref (listener);
      return NULL;
    }
  g_object_unref (addr);

  bound = g_socket_get_local_address (listener, &error);
  if (bound == NULL)
    {
      g_printerr ("test-server: local address: %s\n", error->message);
      g_error_free (error);
      g_object_unref (listener);
      return NULL;
    }

  g_socket_set_blocking (listener, TRUE);
  g_socket_set_timeout (listener, TEST_SERVER_IO_TIMEOUT);

  server = g_new0 (TestServer, 1);
  server->listener = listener;
  server->port = unix_socket ? 0 : g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->cancellable = g_cancellable_new ();
  server->handler = handler;
  server->user_data = user_data;
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  server->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  server->first_recv = g_array_new (FALSE, TRUE, sizeof (gsize));
  server->conn_tls = g_array_new (FALSE, TRUE, sizeof (ConnTls));
  g_array_set_clear_func (server->conn_tls, conn_tls_clear);
  server->tls = tls;
  g_object_unref (bound);

  if (listen)
    server->thread = g_thread_new ("test-server", server_thread, server);
  return server;
}

gboolean
test_server_start_listening (TestServer *server)
{
  GError *error = NULL;

  g_return_val_if_fail (server != NULL && server->thread == NULL, FALSE);

  if (!g_socket_listen (server->listener, &error))
    {
      g_printerr ("test-server: listen: %s\n", error->message);
      g_error_free (error);
      return FALSE;
    }
  server->thread = g_thread_new ("test-server", server_thread, server);
  return TRUE;
}

TestServer *
test_server_new_unlistened (TestServerHandler handler, gpointer user_data,
                            const TestTlsOptions *options)
{
  TestTls *tls = NULL;
  TestServer *server;

  if (options != NULL && (tls = tls_new (options)) == NULL)
    return NULL;
  server = server_new (G_SOCKET_FAMILY_IPV4, "127.0.0.1", handler, user_data, tls, FALSE);
  if (server == NULL && tls != NULL)
    tls_free (tls);
  return server;
}

TestServer *
test_server_new (TestServerHandler handler, gpointer user_data)
{
  return server_new (G_SOCKET_FAMILY_IPV4, "127.0.0.1", handler, user_data, NULL, TRUE);
}

TestServer *
test_server_new_ipv6 (TestServerHandler handler, gpointer user_data)
{
  return server_new (G_SOCKET_FAMILY_IPV6, "::1", handler, user_data, NULL, TRUE);
}

TestServer *
test_server_new_unix (const char *path, TestServerHandler handler, gpointer user_data)
{
  return server_new (G_SOCKET_FAMILY_UNIX, path, handler, user_data, NULL, TRUE);
}

static TestServer *
tls_server_new (GSocketFamily family, const char *address, TestServerHandler handler,
                gpointer user_data, const TestTlsOptions *options)
{
  TestTls *tls;
  TestServer *server;

  g_return_val_if_fail (options != NULL && options->cert_file != NULL && options->key_file != NULL,
                        NULL);
  g_return_val_if_fail (options->client_cert <= TEST_TLS_CLIENT_CERT_REQUIRE, NULL);

  tls = tls_new (options);
  if (tls == NULL)
    return NULL;
  server = server_new (family, address, handler, user_data, tls, TRUE);
  if (server == NULL)
    tls_free (tls);
  return server;
}

TestServer *
test_server_new_tls (TestServerHandler handler, gpointer user_data, const TestTlsOptions *options)
{
  return tls_server_new (G_SOCKET_FAMILY_IPV4, "127.0.0.1", handler, user_data, options);
}

TestServer *
test_server_new_tls_ipv6 (TestServerHandler handler, gpointer user_data,
                          const TestTlsOptions *options)
{
  return tls_server_new (G_SOCKET_FAMILY_IPV6, "::1", handler, user_data, options);
}

void
test_server_free (TestServer *server)
{
  gint64 deadline;
  gboolean done;

  if (server == NULL)
    return;

  g_cancellable_cancel (server->cancellable);
  if (server->thread == NULL)
    server->thread_done = TRUE;  /* never listened */

  deadline = g_get_monotonic_time () + STOP_WAIT_S * G_TIME_SPAN_SECOND;
  g_mutex_lock (&server->lock);
  while (!server->thread_done)
    if (!g_cond_wait_until (&server->cond, &server->lock, deadline))
      break;
  done = server->thread_done;
  g_mutex_unlock (&server->lock);

  if (!done)
    ck_abort_msg ("test server thread did not stop within %d s", STOP_WAIT_S);

  if (server->thread != NULL)
    g_thread_join (server->thread);
  if (server->user_data_free != NULL)
    server->user_data_free (server->user_data);
  g_socket_close (server->listener, NULL);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->received);
  g_array_unref (server->first_recv);
  g_array_unref (server->conn_tls);
  g_clear_pointer (&server->tls, tls_free);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server->own_script);
  g_strfreev (server->own_steps);
  g_free (server);
}

void
test_server_set_user_data_free (TestServer *server, GDestroyNotify notify)
{
  server->user_data_free = notify;
}

gpointer
test_server_get_handler_data (TestServer *server, TestServerHandler handler)
{
  return server->handler == handler ? server->user_data : NULL;
}

guint16
test_server_get_port (TestServer *server)
{
  return server->port;
}

guint
test_server_get_n_connections (TestServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->n_accepted;
  g_mutex_unlock (&server->lock);
  return n;
}

GPtrArray *
test_server_get_requests (TestServer *server)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->requests->len; i++)
    g_ptr_array_add (copy, g_bytes_ref (g_ptr_array_index (server->requests, i)));
  g_mutex_unlock (&server->lock);
  return copy;
}

GBytes *
test_server_get_received (TestServer *server, guint index)
{
  GBytes *bytes;

  g_mutex_lock (&server->lock);
  if (index < server->received->len)
    {
      GByteArray *all = g_ptr_array_index (server->received, index);
      bytes = g_bytes_new (all->data, all->len);
    }
  else
    bytes = g_bytes_new (NULL, 0);
  g_mutex_unlock (&server->lock);
  return bytes;
}

gsize
test_server_get_first_recv_size (TestServer *server, guint index)
{
  gsize size = 0;

  g_mutex_lock (&server->lock);
  if (index < server->first_recv->len)
    size = g_array_index (server->first_recv, gsize, index);
  g_mutex_unlock (&server->lock);
  return size;
}

/* A field of what connection index's handshake found, under the lock. */
static gboolean
conn_tls_flag (TestServer *server, guint index, glong offset)
{
  gboolean value = FALSE;

  g_mutex_lock (&server->lock);
  if (index < server->conn_tls->len)
    value = G_STRUCT_MEMBER (gboolean, &g_array_index (server->conn_tls, ConnTls, index), offset);
  g_mutex_unlock (&server->lock);
  return value;
}

static char *
conn_tls_string (TestServer *server, guint index, glong offset)
{
  char *value = NULL;

  g_mutex_lock (&server->lock);
  if (index < server->conn_tls->len)
    value = g_strdup (G_STRUCT_MEMBER (char *, &g_array_index (server->conn_tls, ConnTls, index),
                                       offset));
  g_mutex_unlock (&server->lock);
  return value;
}

gboolean
test_server_get_tls_resumed (TestServer *server, guint index)
{
  return conn_tls_flag (server, index, G_STRUCT_OFFSET (ConnTls, resumed));
}

gboolean
test_server_get_tls_handshake_failed (TestServer *server, guint index)
{
  return conn_tls_flag (server, index, G_STRUCT_OFFSET (ConnTls, handshake_failed));
}

char *
test_server_get_tls_client_subject (TestServer *server, guint index)
{
  return conn_tls_string (server, index, G_STRUCT_OFFSET (ConnTls, client_subject));
}

char *
test_server_get_tls_server_name (TestServer *server, guint index)
{
  return conn_tls_string (server, index, G_STRUCT_OFFSET (ConnTls, server_name));
}

char *
test_server_get_tls_alpn (TestServer *server, guint index)
{
  return conn_tls_string (server, index, G_STRUCT_OFFSET (ConnTls, alpn));
}

gboolean
test_server_wait_handled (TestServer *server, guint n)
{
  gint64 deadline = g_get_monotonic_time () +
                    2 * TEST_SERVER_IO_TIMEOUT * G_TIME_SPAN_SECOND;
  gboolean ok;

  g_mutex_lock (&server->lock);
  while (server->n_handled < n)
    if (!g_cond_wait_until (&server->cond, &server->lock, deadline))
      break;
  ok = server->n_handled >= n;
  g_mutex_unlock (&server->lock);
  return ok;
}

/* --- scripts --- */

void
test_script_handler (TestConn *conn, guint index, gpointer user_data)
{
  TestScript *script = user_data;

  for (;;)
    {
      const char *step = script->steps[script->pos];
      GString *request;

      if (step == NULL)
        {
          /* out of steps: whatever comes now is answered by closing */
          request = test_conn_read_request (conn);
          if (request != NULL)
            g_string_free (request, TRUE);
          return;
        }

      if (strcmp (step, TEST_STEP_CLOSE) == 0)
        {
          script->pos++;
          test_conn_close (conn);
          return;
        }
      if (strcmp (step, TEST_STEP_RESET) == 0)
        {
          script->pos++;
          test_conn_reset (conn);
          return;
        }
      if (strcmp (step, TEST_STEP_WAIT_CLOSE) == 0)
        {
          script->pos++;
          g_string_free (test_conn_read_until_close (conn), TRUE);
          return;
        }

      /* every other step starts by reading a request; a client that went
       * away first gets this step on its next connection */
      request = test_conn_read_request (conn);
      if (request == NULL)
        return;
      g_string_free (request, TRUE);
      script->pos++;

      if (strcmp (step, TEST_STEP_READ_CLOSE) == 0)
        {
          test_conn_close (conn);
          return;
        }
      if (strcmp (step, TEST_STEP_READ_HANG) == 0)
        {
          g_string_free (test_conn_read_until_close (conn), TRUE);
          return;
        }

      if (script->split > 0)
        test_conn_write_split (conn, step, strlen (step), script->split);
      else
        test_conn_write (conn, step, -1);
    }
}

static TestServer *
script_server_new (const char * const *steps, gsize split, const TestTlsOptions *options)
{
  TestScript *script = g_new0 (TestScript, 1);
  char **copy = g_strdupv ((char **) steps);
  TestServer *server;

  script->steps = (const char * const *) copy;
  script->split = split;

  if (options != NULL)
    server = test_server_new_tls (test_script_handler, script, options);
  else
    server = test_server_new (test_script_handler, script);
  if (server == NULL)
    {
      g_free (script);
      g_strfreev (copy);
      return NULL;
    }
  server->own_script = script;
  server->own_steps = copy;
  return server;
}

TestServer *
test_server_new_script (const char * const *steps, gsize split)
{
  return script_server_new (steps, split, NULL);
}

TestServer *
test_server_new_script_tls (const char * const *steps, gsize split, const TestTlsOptions *options)
{
  g_return_val_if_fail (options != NULL, NULL);

  return script_server_new (steps, split, options);
}

guint
test_server_get_n_requests (TestServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->requests->len;
  g_mutex_unlock (&server->lock);
  return n;
}
