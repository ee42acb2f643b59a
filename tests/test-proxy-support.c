/* test-proxy-support.c: the CONNECT proxy, the relay and the tinyproxy
 * launcher of the test support library, checked with a plain GIO client and
 * GnuTLS (never libhttplib) */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "test-certs.h"
#include "test-proxy.h"
#include "test-server.h"
#include "test-tinyproxy.h"
#include "test-utils.h"

#define OK_HELLO         "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define GET_ROOT         "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
#define AUTH             "Basic dXNlcjpwYXNz"  /* user:pass */
#define CLIENT_TIMEOUT_S 10
#define MAX_READ         (8 * 1024 * 1024)
#define WAIT_S           5
#define BIG_SIZE         (1024 * 1024)

/* --- a plain GIO client --- */

static GSocket *
client_connect (guint16 port, gboolean ipv6)
{
  GSocketFamily family = ipv6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (family);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  GError *error = NULL;
  GSocket *socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  httplib_assert_no_error (error);
  g_socket_set_timeout (socket, CLIENT_TIMEOUT_S);
  g_socket_connect (socket, address, NULL, &error);
  ck_assert_msg (error == NULL, "connect to port %u: %s", port, error ? error->message : "");
  return socket;
}

static void
client_send (GSocket *socket, const char *data, gssize len)
{
  gsize size = len < 0 ? strlen (data) : (gsize) len, off = 0;

  while (off < size)
    {
      GError *error = NULL;
      gssize n = g_socket_send (socket, data + off, size - off, NULL, &error);

      ck_assert_msg (n > 0, "send: %s", error ? error->message : "0 bytes");
      off += (gsize) n;
    }
}

/* Reads until len bytes arrived or the stream ended. */
static GString *
client_read_exact (GSocket *socket, gsize len)
{
  GString *out = g_string_new (NULL);
  char buf[16384];

  while (out->len < len)
    {
      gssize n = g_socket_receive (socket, buf, MIN (sizeof buf, len - out->len), NULL, NULL);

      if (n <= 0)
        break;
      g_string_append_len (out, buf, n);
    }
  return out;
}

/* Reads an answer's head one byte at a time, so that nothing of the tunnel
 * behind it is taken. */
static GString *
client_read_head (GSocket *socket)
{
  GString *out = g_string_new (NULL);

  while (!g_str_has_suffix (out->str, "\r\n\r\n") && out->len < MAX_READ)
    {
      char c;

      if (g_socket_receive (socket, &c, 1, NULL, NULL) != 1)
        break;
      g_string_append_c (out, c);
    }
  return out;
}

/* Reads until the peer closes; *error_out gets the error that ended the
 * read instead, if one did. */
static GString *
client_read_to_end (GSocket *socket, char **error_out)
{
  GString *out = g_string_new (NULL);
  char buf[16384];

  *error_out = NULL;
  while (out->len < MAX_READ)
    {
      GError *error = NULL;
      gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);

      if (n < 0)
        {
          *error_out = g_strdup (error->message);
          g_error_free (error);
        }
      if (n <= 0)
        break;
      g_string_append_len (out, buf, n);
    }
  return out;
}

static void
assert_string (const GString *actual, const char *expected, gssize expected_len, const char *what)
{
  g_autoptr(GBytes) bytes = g_bytes_new (actual->str, actual->len);

  test_assert_bytes_equal (bytes, expected, expected_len, what);
}

/* Reads to the end and checks that exactly expected came, then a clean close. */
static void
client_expect_all (GSocket *socket, const char *expected, gssize expected_len, const char *what)
{
  g_autofree char *error = NULL;
  g_autoptr(GString) got = client_read_to_end (socket, &error);

  assert_string (got, expected, expected_len, what);
  ck_assert_msg (error == NULL, "%s: the read ended with an error, not a close: %s", what, error);
}

static void
client_expect (GSocket *socket, const char *expected, const char *what)
{
  g_autoptr(GString) got = client_read_exact (socket, strlen (expected));

  assert_string (got, expected, -1, what);
}

static char *
connect_request (const char *target, const char *extra_headers)
{
  return g_strdup_printf ("CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", target, target,
                          extra_headers ? extra_headers : "");
}

/* Connects to a proxy, sends a CONNECT for target and reads the answer's
 * head into *reply. */
static GSocket *
tunnel_open (guint16 proxy_port, const char *target, const char *extra_headers, GString **reply)
{
  GSocket *socket = client_connect (proxy_port, FALSE);
  g_autofree char *request = connect_request (target, extra_headers);

  client_send (socket, request, -1);
  *reply = client_read_head (socket);
  return socket;
}

static char *
local_target (const char *host, TestServer *server)
{
  return g_strdup_printf ("%s:%u", host, test_server_get_port (server));
}

static gboolean
wait_requests (TestServer *server, guint n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;

  while (test_server_get_n_requests (server) < n && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  return test_server_get_n_requests (server) >= n;
}

static void
assert_target (TestServer *proxy, guint index, const char *expected)
{
  g_autofree char *target = test_proxy_get_target (proxy, index);

  ck_assert_msg (g_strcmp0 (target, expected) == 0, "tunnel %u: expected target %s, got %s",
                 index, expected, target);
}

/* --- GnuTLS over a GSocket: the socket timeout bounds every call --- */

typedef struct {
  GSocket                         *socket;
  gnutls_session_t                 session;
  gnutls_certificate_credentials_t cred;
  int                              handshake;
} TlsClient;

static int
io_errno (GError *error)
{
  int code = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? ETIMEDOUT : EIO;

  g_error_free (error);
  return code;
}

static ssize_t
tls_pull (gnutls_transport_ptr_t ptr, void *buf, size_t size)
{
  TlsClient *c = ptr;
  GError *error = NULL;
  gssize n = g_socket_receive (c->socket, buf, size, NULL, &error);

  if (n < 0)
    gnutls_transport_set_errno (c->session, io_errno (error));
  return n;
}

static ssize_t
tls_push (gnutls_transport_ptr_t ptr, const void *buf, size_t size)
{
  TlsClient *c = ptr;
  GError *error = NULL;
  gssize n = g_socket_send (c->socket, buf, size, NULL, &error);

  if (n < 0)
    gnutls_transport_set_errno (c->session, io_errno (error));
  return n;
}

static int
tls_pull_timeout (gnutls_transport_ptr_t ptr, unsigned int ms)
{
  TlsClient *c = ptr;
  GError *error = NULL;
  gint64 us = ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (gint64) ms * 1000;

  if (g_socket_condition_timed_wait (c->socket, G_IO_IN, us, NULL, &error))
    return 1;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_error_free (error);
      return 0;
    }
  gnutls_transport_set_errno (c->session, io_errno (error));
  return -1;
}

/* Runs a handshake for host over socket (which it takes), trusting the test CA. */
static TlsClient *
tls_client_new (GSocket *socket, const char *host)
{
  TlsClient *c = g_new0 (TlsClient, 1);
  int rc;

  c->socket = socket;
  ck_assert_int_ge (gnutls_certificate_allocate_credentials (&c->cred), 0);
  ck_assert_int_eq (gnutls_certificate_set_x509_trust_file (c->cred, test_certs_get ()->ca_file,
                                                            GNUTLS_X509_FMT_PEM), 1);
  ck_assert_int_ge (gnutls_init (&c->session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL), 0);
  ck_assert_int_ge (gnutls_set_default_priority (c->session), 0);
  ck_assert_int_ge (gnutls_credentials_set (c->session, GNUTLS_CRD_CERTIFICATE, c->cred), 0);
  ck_assert_int_ge (gnutls_server_name_set (c->session, GNUTLS_NAME_DNS, host, strlen (host)), 0);
  gnutls_session_set_verify_cert (c->session, host, 0);
  gnutls_transport_set_ptr (c->session, c);
  gnutls_transport_set_push_function (c->session, tls_push);
  gnutls_transport_set_pull_function (c->session, tls_pull);
  gnutls_transport_set_pull_timeout_function (c->session, tls_pull_timeout);
  gnutls_handshake_set_timeout (c->session, CLIENT_TIMEOUT_S * 1000);
  gnutls_record_set_timeout (c->session, CLIENT_TIMEOUT_S * 1000);
  for (int i = 0; i < 16; i++)
    {
      rc = gnutls_handshake (c->session);
      if (rc >= 0 || gnutls_error_is_fatal (rc))
        break;
    }
  c->handshake = rc;
  return c;
}

static void
tls_client_free (TlsClient *c)
{
  if (c->handshake >= 0)
    gnutls_bye (c->session, GNUTLS_SHUT_WR);
  gnutls_deinit (c->session);
  gnutls_certificate_free_credentials (c->cred);
  g_object_unref (c->socket);
  g_free (c);
}

/* Sends GET_ROOT and expects OK_HELLO, all inside TLS. */
static void
tls_client_get (TlsClient *c)
{
  g_autoptr(GString) got = g_string_new (NULL);
  char buf[256];

  ck_assert_msg (c->handshake == 0, "handshake through the tunnel: %s",
                 gnutls_strerror (c->handshake));
  ck_assert_int_eq (gnutls_record_send (c->session, GET_ROOT, strlen (GET_ROOT)),
                    (int) strlen (GET_ROOT));
  while (got->len < strlen (OK_HELLO))
    {
      ssize_t n = gnutls_record_recv (c->session, buf, sizeof buf);

      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        continue;
      ck_assert_msg (n > 0, "TLS read after %zu bytes: %s", got->len,
                     n == 0 ? "close_notify" : gnutls_strerror ((int) n));
      g_string_append_len (got, buf, n);
    }
  assert_string (got, OK_HELLO, -1, "response inside TLS");
}

/* --- the tunnel --- */

static const struct {
  const char *description;
  const char *host;       /* as the CONNECT target spells it */
  gboolean    ipv6;       /* the origin listens on ::1 */
  gboolean    pipelined;  /* the request goes with the CONNECT, before the answer */
} tunnel_rows[] = {
  { "127.0.0.1", "127.0.0.1", FALSE, FALSE },
  { "localhost", "localhost", FALSE, FALSE },
  { "LocalHost, any case", "LocalHost", FALSE, FALSE },
  { "request sent with the CONNECT", "127.0.0.1", FALSE, TRUE },
  { "[::1]", "[::1]", TRUE, FALSE },
};

START_TEST (test_tunnel_round_trip)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script = { steps, 0, 0 };
  const char *what = tunnel_rows[_i].description;
  TestServer *origin = tunnel_rows[_i].ipv6 ? test_server_new_ipv6 (test_script_handler, &script)
                                            : test_server_new_script (steps, 0);
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *target = NULL;
  g_autofree char *connect = NULL;
  g_autofree char *all_sent = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GString) reply = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) received = NULL;
  GSocket *socket;

  if (origin == NULL)
    {
      g_printerr ("# no IPv6 loopback: %s skipped\n", what);
      test_server_free (proxy);
      return;
    }
  ck_assert_ptr_nonnull (proxy);
  target = local_target (tunnel_rows[_i].host, origin);
  connect = connect_request (target, "User-Agent: proxy-support\r\nX-Test: a\r\nX-Test: b\r\n");
  all_sent = g_strconcat (connect, GET_ROOT, NULL);

  socket = client_connect (test_server_get_port (proxy), FALSE);
  if (tunnel_rows[_i].pipelined)
    client_send (socket, all_sent, -1);
  else
    client_send (socket, connect, -1);
  reply = client_read_head (socket);
  assert_string (reply, TEST_PROXY_200, -1, what);
  if (!tunnel_rows[_i].pipelined)
    client_send (socket, GET_ROOT, -1);
  client_expect (socket, OK_HELLO, what);

  /* the origin got the request, and nothing of the CONNECT */
  request = test_server_get_request (origin, 0);
  test_assert_bytes_equal (request, GET_ROOT, -1, what);

  /* the proxy recorded the CONNECT with its fields, the tunnel and every byte */
  g_clear_pointer (&request, g_bytes_unref);
  request = test_server_get_request (proxy, 0);
  line = g_strdup_printf ("CONNECT %s HTTP/1.1", target);
  test_assert_request_line (request, line);
  test_assert_request_header (request, "Host", target);
  test_assert_request_header (request, "User-Agent", "proxy-support");
  ck_assert_uint_eq (test_request_count_header (request, "X-Test"), 2);
  ck_assert_uint_eq (test_server_get_n_requests (proxy), 1);
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 1);
  assert_target (proxy, 0, target);
  ck_assert_ptr_null (test_proxy_get_target (proxy, 1));
  received = test_server_get_received (proxy, 0);
  test_assert_bytes_equal (received, all_sent, -1, "bytes the proxy received");

  /* the client's close ends the relay and the origin's connection */
  g_object_unref (socket);
  ck_assert (test_server_wait_handled (proxy, 1));
  ck_assert (test_server_wait_handled (origin, 1));
  test_server_free (proxy);
  test_server_free (origin);
}
END_TEST

/* Reads a request with a body and answers a body of the same size: byte i
 * of both is (i * 7) % 251. */
static void
big_handler (TestConn *conn, guint index, gpointer user_data)
{
  g_autoptr(GString) request = test_conn_read_request (conn);
  g_autofree char *head = NULL;
  g_autofree char *body = NULL;

  if (request == NULL)
    return;
  head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_SIZE);
  body = g_malloc (BIG_SIZE);
  for (gsize i = 0; i < BIG_SIZE; i++)
    body[i] = (char) ((i * 7) % 251);
  if (test_conn_write (conn, head, -1))
    test_conn_write (conn, body, BIG_SIZE);
}

START_TEST (test_tunnel_big)
{
  TestServer *origin = test_server_new (big_handler, NULL);
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *target = local_target ("127.0.0.1", origin);
  g_autofree char *head = g_strdup_printf ("POST /up HTTP/1.1\r\nHost: localhost\r\n"
                                           "Content-Length: %d\r\n\r\n", BIG_SIZE);
  g_autofree char *body = g_malloc (BIG_SIZE);
  g_autofree char *response_head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
                                                    BIG_SIZE);
  g_autoptr(GString) reply = NULL;
  g_autoptr(GString) got = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) up = NULL;
  GSocket *socket;

  for (gsize i = 0; i < BIG_SIZE; i++)
    body[i] = (char) ((i * 7) % 251);
  socket = tunnel_open (test_server_get_port (proxy), target, NULL, &reply);
  assert_string (reply, TEST_PROXY_200, -1, "CONNECT");
  client_send (socket, head, -1);
  client_send (socket, body, BIG_SIZE);

  got = client_read_exact (socket, strlen (response_head) + BIG_SIZE);
  ck_assert_uint_eq (got->len, strlen (response_head) + BIG_SIZE);
  ck_assert_msg (memcmp (got->str, response_head, strlen (response_head)) == 0,
                 "response head differs");
  ck_assert_msg (memcmp (got->str + strlen (response_head), body, BIG_SIZE) == 0,
                 "1 MiB downloaded through the tunnel differs");

  request = test_server_get_request (origin, 0);
  up = test_request_get_body (request);
  ck_assert_uint_eq (g_bytes_get_size (up), BIG_SIZE);
  ck_assert_msg (memcmp (g_bytes_get_data (up, NULL), body, BIG_SIZE) == 0,
                 "1 MiB uploaded through the tunnel differs");

  g_object_unref (socket);
  test_server_free (proxy);
  test_server_free (origin);
}
END_TEST

/* An origin that closes after its answer closes the tunnel: the client
 * reads the answer, then the end. */
START_TEST (test_tunnel_origin_closes)
{
  static const char * const steps[] = { OK_HELLO, TEST_STEP_CLOSE, NULL };
  TestServer *origin = test_server_new_script (steps, 0);
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *target = local_target ("127.0.0.1", origin);
  g_autoptr(GString) reply = NULL;
  GSocket *socket = tunnel_open (test_server_get_port (proxy), target, NULL, &reply);

  assert_string (reply, TEST_PROXY_200, -1, "CONNECT");
  client_send (socket, GET_ROOT, -1);
  client_expect_all (socket, OK_HELLO, -1, "response, then the end");
  ck_assert (test_server_wait_handled (proxy, 1));
  g_object_unref (socket);
  test_server_free (proxy);
  test_server_free (origin);
}
END_TEST

/* An origin that resets (RST) resets the tunnel: the client reads what
 * came before, then a reset, not an orderly end. */
START_TEST (test_tunnel_origin_resets)
{
  static const char partial[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello";
  static const char * const steps[] = { partial, TEST_STEP_RESET, NULL };
  TestServer *origin = test_server_new_script (steps, 0);
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *target = local_target ("127.0.0.1", origin);
  g_autoptr(GString) reply = NULL;
  g_autoptr(GString) got = NULL;
  g_autofree char *error = NULL;
  GSocket *socket = tunnel_open (test_server_get_port (proxy), target, NULL, &reply);

  assert_string (reply, TEST_PROXY_200, -1, "CONNECT");
  client_send (socket, GET_ROOT, -1);
  got = client_read_to_end (socket, &error);
  assert_string (got, partial, -1, "before the reset");
  ck_assert_msg (error != NULL && strstr (error, "reset") != NULL,
                 "expected a reset after the partial answer, got %s", error ? error : "an orderly end");
  g_object_unref (socket);
  test_server_free (proxy);
  test_server_free (origin);
}
END_TEST

/* test_server_free() cancels a relay that both sides keep open. */
START_TEST (test_tunnel_free_during_relay)
{
  static const char * const steps[] = { TEST_STEP_READ_HANG, NULL };
  TestServer *origin = test_server_new_script (steps, 0);
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *target = local_target ("127.0.0.1", origin);
  g_autofree char *error = NULL;
  g_autoptr(GString) reply = NULL;
  g_autoptr(GString) rest = NULL;
  GSocket *socket = tunnel_open (test_server_get_port (proxy), target, NULL, &reply);
  gint64 start, took;

  assert_string (reply, TEST_PROXY_200, -1, "CONNECT");
  client_send (socket, GET_ROOT, -1);
  ck_assert_msg (wait_requests (origin, 1), "the request did not reach the origin in %d s", WAIT_S);

  start = g_get_monotonic_time ();
  test_server_free (proxy);
  took = g_get_monotonic_time () - start;
  ck_assert_msg (took < 2 * G_TIME_SPAN_SECOND,
                 "test_server_free took %" G_GINT64_FORMAT " ms during a relay", took / 1000);

  /* both ends of the tunnel were closed */
  rest = client_read_to_end (socket, &error);
  ck_assert_msg (rest->len == 0, "the client got %zu bytes after the proxy went", rest->len);
  ck_assert_msg (test_server_wait_handled (origin, 1), "the origin's connection stayed open");
  g_object_unref (socket);
  test_server_free (origin);
}
END_TEST

/* --- scripted answers --- */

typedef enum {
  REPLY_STATIC,
  REPLY_HUGE_LINE,    /* a 256 KiB header line */
  REPLY_101_FIELDS,   /* a 200 with 101 header fields */
} ReplyKind;

static const struct {
  const char *description;
  const char *reply;
  ReplyKind   kind;
} reply_rows[] = {
  { "407", TEST_PROXY_407, REPLY_STATIC },
  { "403 with a body", "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden", REPLY_STATIC },
  { "502", TEST_PROXY_502, REPLY_STATIC },
  { "malformed status line", "HTTP/1.1 2x0 Nope\r\n\r\n", REPLY_STATIC },
  { "not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", REPLY_STATIC },
  { "200 and garbage", "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03garbage", REPLY_STATIC },
  { "head cut short", "HTTP/1.1 200 Connection estab", REPLY_STATIC },
  { "huge header line", NULL, REPLY_HUGE_LINE },
  { "101 header fields", NULL, REPLY_101_FIELDS },
};

static char *
build_reply (guint row)
{
  GString *s;

  switch (reply_rows[row].kind)
    {
    case REPLY_STATIC:
      return g_strdup (reply_rows[row].reply);
    case REPLY_HUGE_LINE:
      s = g_string_new ("HTTP/1.1 200 Connection established\r\nX-Huge: ");
      for (guint i = 0; i < 256 * 1024; i++)
        g_string_append_c (s, (char) ('a' + i % 26));
      g_string_append (s, "\r\n\r\n");
      return g_string_free (s, FALSE);
    case REPLY_101_FIELDS:
      s = g_string_new ("HTTP/1.1 200 Connection established\r\n");
      for (guint i = 0; i < 101; i++)
        g_string_append_printf (s, "X-Field-%u: %u\r\n", i, i);
      g_string_append (s, "\r\n");
      return g_string_free (s, FALSE);
    }
  g_assert_not_reached ();
}

START_TEST (test_reply_close)
{
  g_autofree char *reply = build_reply ((guint) _i);
  TestProxyStep step = { TEST_PROXY_REPLY_CLOSE, reply };
  TestServer *proxy = test_proxy_new (&step, 1, NULL);
  GSocket *socket = client_connect (test_server_get_port (proxy), FALSE);
  g_autofree char *request = connect_request ("127.0.0.1:9", NULL);
  g_autoptr(GBytes) recorded = NULL;

  client_send (socket, request, -1);
  client_expect_all (socket, reply, -1, reply_rows[_i].description);
  recorded = test_server_get_request (proxy, 0);
  test_assert_bytes_equal (recorded, request, -1, "the recorded CONNECT");
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 0);
  g_object_unref (socket);
  test_server_free (proxy);
}
END_TEST

START_TEST (test_close_without_answer)
{
  TestProxyStep step = { TEST_PROXY_CLOSE, NULL };
  TestServer *proxy = test_proxy_new (&step, 1, NULL);
  GSocket *socket = client_connect (test_server_get_port (proxy), FALSE);
  g_autofree char *request = connect_request ("127.0.0.1:9", NULL);
  g_autoptr(GBytes) recorded = NULL;

  client_send (socket, request, -1);
  client_expect_all (socket, "", 0, "no answer");
  recorded = test_server_get_request (proxy, 0);
  test_assert_request_line (recorded, "CONNECT 127.0.0.1:9 HTTP/1.1");
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 0);
  g_object_unref (socket);
  test_server_free (proxy);
}
END_TEST

START_TEST (test_reset_without_answer)
{
  TestProxyStep step = { TEST_PROXY_RESET, NULL };
  TestServer *proxy = test_proxy_new (&step, 1, NULL);
  GSocket *socket = client_connect (test_server_get_port (proxy), FALSE);
  g_autofree char *request = connect_request ("127.0.0.1:9", NULL);
  g_autoptr(GBytes) recorded = NULL;
  g_autoptr(GString) got = NULL;
  g_autofree char *error = NULL;

  client_send (socket, request, -1);
  got = client_read_to_end (socket, &error);
  ck_assert_uint_eq (got->len, 0);
  ck_assert_msg (error != NULL && strstr (error, "reset") != NULL,
                 "expected a reset, got %s", error ? error : "an orderly end");
  recorded = test_server_get_request (proxy, 0);
  test_assert_request_line (recorded, "CONNECT 127.0.0.1:9 HTTP/1.1");
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 0);
  g_object_unref (socket);
  test_server_free (proxy);
}
END_TEST

/* A 200 with stray bytes behind it, then a working tunnel. */
START_TEST (test_reply_then_relay)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  static const char reply[] = "HTTP/1.1 200 OK\r\n\r\nstray";
  TestProxyStep step = { TEST_PROXY_REPLY_THEN_RELAY, reply };
  TestServer *origin = test_server_new_script (steps, 0);
  TestServer *proxy = test_proxy_new (&step, 1, NULL);
  g_autofree char *target = local_target ("localhost", origin);
  g_autofree char *request = connect_request (target, NULL);
  GSocket *socket = client_connect (test_server_get_port (proxy), FALSE);

  client_send (socket, request, -1);
  client_expect (socket, reply, "verbatim reply");
  client_send (socket, GET_ROOT, -1);
  client_expect (socket, OK_HELLO, "response through the tunnel");
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 1);
  assert_target (proxy, 0, target);
  g_object_unref (socket);
  test_server_free (proxy);
  test_server_free (origin);
}
END_TEST

/* --- authentication --- */

START_TEST (test_require_auth)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestProxyStep step = { TEST_PROXY_REQUIRE_AUTH, NULL };
  TestServer *origin = test_server_new_script (steps, 0);
  TestServer *proxy = test_proxy_new (&step, 1, AUTH);
  g_autofree char *target = local_target ("127.0.0.1", origin);
  static const char *attempts[] = {
    NULL,
    "Proxy-Authorization: Basic d3Jvbmc6d3Jvbmc=\r\n",
    "Proxy-Authorization: " AUTH "\r\nProxy-Authorization: " AUTH "\r\n",
  };
  GSocket *socket = client_connect (test_server_get_port (proxy), FALSE);
  g_autofree char *good = connect_request (target, "Proxy-Authorization: " AUTH "\r\n");
  g_autoptr(GString) reply = NULL;
  g_autoptr(GString) again = NULL;
  g_autoptr(GBytes) request = NULL;

  /* no field, a wrong one, two right ones: 407 each, on one connection */
  for (guint i = 0; i < G_N_ELEMENTS (attempts); i++)
    {
      g_autofree char *connect = connect_request (target, attempts[i]);
      g_autoptr(GString) denied = NULL;

      client_send (socket, connect, -1);
      denied = client_read_head (socket);
      assert_string (denied, TEST_PROXY_407, -1, attempts[i] ? attempts[i] : "no credentials");
    }
  client_send (socket, good, -1);
  reply = client_read_head (socket);
  assert_string (reply, TEST_PROXY_200, -1, "right credentials");
  client_send (socket, GET_ROOT, -1);
  client_expect (socket, OK_HELLO, "response through the tunnel");

  ck_assert_uint_eq (test_server_get_n_connections (proxy), 1);
  ck_assert_uint_eq (test_server_get_n_requests (proxy), 4);
  request = test_server_get_request (proxy, 0);
  test_assert_request_header (request, "Proxy-Authorization", NULL);
  g_clear_pointer (&request, g_bytes_unref);
  request = test_server_get_request (proxy, 3);
  test_assert_request_header (request, "Proxy-Authorization", AUTH);
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 1);
  g_object_unref (socket);

  /* a new connection with the right field goes through at once */
  socket = tunnel_open (test_server_get_port (proxy), target, "Proxy-Authorization: " AUTH "\r\n",
                        &again);
  assert_string (again, TEST_PROXY_200, -1, "second connection");
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 2);
  g_object_unref (socket);
  test_server_free (proxy);
  test_server_free (origin);
}
END_TEST

/* A client that never authenticates gets 8 answers, then a close. */
START_TEST (test_require_auth_bounded)
{
  TestProxyStep step = { TEST_PROXY_REQUIRE_AUTH, NULL };
  TestServer *proxy = test_proxy_new (&step, 1, AUTH);
  GSocket *socket = client_connect (test_server_get_port (proxy), FALSE);
  g_autofree char *connect = connect_request ("127.0.0.1:9", NULL);
  g_autoptr(GString) expected = g_string_new (NULL);

  for (guint i = 0; i < 9; i++)
    client_send (socket, connect, -1);
  for (guint i = 0; i < 8; i++)
    g_string_append (expected, TEST_PROXY_407);
  client_expect_all (socket, expected->str, (gssize) expected->len, "8 denials");
  ck_assert_uint_eq (test_server_get_n_requests (proxy), 8);
  g_object_unref (socket);
  test_server_free (proxy);
}
END_TEST

/* --- what the proxy refuses --- */

static const struct {
  const char *description;
  const char *line;
  const char *answer;
} refusal_rows[] = {
  { "off the loopback", "CONNECT example.com:443 HTTP/1.1", TEST_PROXY_502 },
  { "IPv4 off the loopback", "CONNECT 10.0.0.1:80 HTTP/1.1", TEST_PROXY_502 },
  { "mapped IPv4", "CONNECT [::ffff:127.0.0.1]:80 HTTP/1.1", TEST_PROXY_502 },
  { "nothing listens", "CONNECT 127.0.0.1:1 HTTP/1.1", TEST_PROXY_502 },
  { "no port", "CONNECT 127.0.0.1 HTTP/1.1", TEST_PROXY_400 },
  { "empty port", "CONNECT 127.0.0.1: HTTP/1.1", TEST_PROXY_400 },
  { "port 0", "CONNECT 127.0.0.1:0 HTTP/1.1", TEST_PROXY_400 },
  { "port 65536", "CONNECT 127.0.0.1:65536 HTTP/1.1", TEST_PROXY_400 },
  { "signed port", "CONNECT 127.0.0.1:+80 HTTP/1.1", TEST_PROXY_400 },
  { "IPv6 without brackets", "CONNECT ::1:80 HTTP/1.1", TEST_PROXY_400 },
  { "unclosed bracket", "CONNECT [::1:80 HTTP/1.1", TEST_PROXY_400 },
  { "name in brackets", "CONNECT [localhost]:80 HTTP/1.1", TEST_PROXY_400 },
  { "empty host", "CONNECT :80 HTTP/1.1", TEST_PROXY_400 },
  { "userinfo", "CONNECT user@127.0.0.1:80 HTTP/1.1", TEST_PROXY_400 },
  { "HTTP/2.0", "CONNECT 127.0.0.1:80 HTTP/2.0", TEST_PROXY_400 },
  { "no version", "CONNECT 127.0.0.1:80", TEST_PROXY_400 },
  { "two spaces", "CONNECT  127.0.0.1:80 HTTP/1.1", TEST_PROXY_400 },
  { "GET in absolute form", "GET http://127.0.0.1/ HTTP/1.1", TEST_PROXY_405 },
  { "lower-case connect", "connect 127.0.0.1:80 HTTP/1.1", TEST_PROXY_405 },
};

START_TEST (test_refusals)
{
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);
  GSocket *socket = client_connect (test_server_get_port (proxy), FALSE);
  g_autofree char *request = g_strdup_printf ("%s\r\nHost: x\r\n\r\n", refusal_rows[_i].line);

  client_send (socket, request, -1);
  client_expect_all (socket, refusal_rows[_i].answer, -1, refusal_rows[_i].description);
  ck_assert_uint_eq (test_server_get_n_requests (proxy), 1);
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 0);
  g_object_unref (socket);
  test_server_free (proxy);
}
END_TEST

/* Step i for connection i, the last step for the rest. Connections are
 * served one at a time: each tunnel closes before the next opens. */
START_TEST (test_steps_per_connection)
{
  static const char * const steps_a[] = { OK_HELLO, NULL };
  static const char * const steps_b[] = { "HTTP/1.1 204 No Content\r\n\r\n", NULL };
  TestProxyStep steps[] = { { TEST_PROXY_REPLY_CLOSE, TEST_PROXY_407 }, { TEST_PROXY_TUNNEL, NULL } };
  TestServer *a = test_server_new_script (steps_a, 0);
  TestServer *b = test_server_new_script (steps_b, 0);
  TestServer *proxy = test_proxy_new (steps, G_N_ELEMENTS (steps), NULL);
  g_autofree char *target_a = local_target ("127.0.0.1", a);
  g_autofree char *target_b = local_target ("localhost", b);
  const char *targets[] = { target_a, target_a, target_b };
  const char *answers[] = { NULL, OK_HELLO, steps_b[0] };

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *what = g_strdup_printf ("connection %u", i);
      g_autoptr(GString) reply = NULL;
      GSocket *socket = tunnel_open (test_server_get_port (proxy), targets[i], NULL, &reply);

      assert_string (reply, i == 0 ? TEST_PROXY_407 : TEST_PROXY_200, -1, what);
      if (answers[i] != NULL)
        {
          client_send (socket, GET_ROOT, -1);
          client_expect (socket, answers[i], what);
        }
      g_object_unref (socket);
    }

  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 2);
  assert_target (proxy, 0, target_a);
  assert_target (proxy, 1, target_b);
  ck_assert_ptr_null (test_proxy_get_target (proxy, 2));
  test_server_free (proxy);
  test_server_free (a);
  test_server_free (b);
}
END_TEST

/* --- test_conn_relay() in a handler of one's own --- */

typedef struct {
  const char *host;
  guint16     port;
  gint        result;  /* -1 until the handler ran */
} RelayJob;

/* Reads a 5-byte greeting, then relays (or answers "refused"). */
static void
relay_handler (TestConn *conn, guint index, gpointer user_data)
{
  RelayJob *job = user_data;
  g_autoptr(GString) greeting = g_string_new (NULL);
  gboolean ok;

  if (!test_conn_read_exact (conn, 5, greeting))
    return;
  ok = test_conn_relay (conn, job->host, job->port);
  if (!ok)
    test_conn_write (conn, "refused", -1);
  g_atomic_int_set (&job->result, ok);
}

static const struct {
  const char *description;
  const char *host;
  gboolean    origin;   /* port of the origin; else a port nothing listens on */
  gboolean    relayed;
} relay_rows[] = {
  { "127.0.0.1", "127.0.0.1", TRUE, TRUE },
  { "a name", "localhost", TRUE, FALSE },
  { "off the loopback", "192.0.2.1", TRUE, FALSE },
  { "nothing listens", "127.0.0.1", FALSE, FALSE },
};

START_TEST (test_conn_relay_direct)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *origin = test_server_new_script (steps, 0);
  RelayJob job = { relay_rows[_i].host, relay_rows[_i].origin ? test_server_get_port (origin) : 1, -1 };
  TestServer *relay = test_server_new (relay_handler, &job);
  GSocket *socket = client_connect (test_server_get_port (relay), FALSE);
  g_autofree char *sent = g_strconcat ("HELLO", GET_ROOT, NULL);
  g_autoptr(GBytes) received = NULL;

  /* the request behind the greeting is pending in the TestConn: it must go first */
  client_send (socket, sent, -1);
  if (relay_rows[_i].relayed)
    {
      g_autoptr(GBytes) request = NULL;

      client_expect (socket, OK_HELLO, relay_rows[_i].description);
      request = test_server_get_request (origin, 0);
      test_assert_bytes_equal (request, GET_ROOT, -1, "the request the origin got");
      g_clear_object (&socket);
    }
  else
    client_expect_all (socket, "refused", -1, relay_rows[_i].description);
  ck_assert (test_server_wait_handled (relay, 1));
  ck_assert_int_eq (g_atomic_int_get (&job.result), relay_rows[_i].relayed);
  received = test_server_get_received (relay, 0);
  test_assert_bytes_equal (received, sent, -1, "bytes the relay received");
  g_clear_object (&socket);
  test_server_free (relay);
  test_server_free (origin);
}
END_TEST

/* --- TLS through the tunnel --- */

static TestServer *
tls_origin (void)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { certs->server_cert_file, certs->server_key_file, NULL,
                             TEST_TLS_CLIENT_CERT_NONE, NULL, FALSE };
  TestServer *server = test_server_new_script_tls (steps, 0, &options);

  ck_assert_ptr_nonnull (server);
  return server;
}

START_TEST (test_tls_through_proxy)
{
  TestServer *origin = tls_origin ();
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *target = local_target ("localhost", origin);
  g_autofree char *connect = connect_request (target, NULL);
  g_autofree char *sni = NULL;
  g_autoptr(GString) reply = NULL;
  g_autoptr(GBytes) received = NULL;
  GSocket *socket = tunnel_open (test_server_get_port (proxy), target, NULL, &reply);
  const guint8 *data;
  gsize len;
  TlsClient *tls;

  assert_string (reply, TEST_PROXY_200, -1, "CONNECT");
  tls = tls_client_new (socket, "localhost");
  tls_client_get (tls);
  tls_client_free (tls);

  ck_assert (test_server_wait_handled (origin, 1));
  ck_assert (!test_server_get_tls_handshake_failed (origin, 0));
  sni = test_server_get_tls_server_name (origin, 0);
  ck_assert_msg (g_strcmp0 (sni, "localhost") == 0, "SNI: expected localhost, got %s", sni);

  /* behind the CONNECT, the proxy saw a TLS handshake record */
  received = test_server_get_received (proxy, 0);
  data = g_bytes_get_data (received, &len);
  ck_assert_msg (len > strlen (connect) + 5 && memcmp (data, connect, strlen (connect)) == 0 &&
                 data[strlen (connect)] == 0x16 && data[strlen (connect) + 1] == 0x03,
                 "expected the CONNECT, then a TLS record; got %zu bytes", len);
  test_server_free (proxy);
  test_server_free (origin);
}
END_TEST

/* --- tinyproxy --- */

/* Started once in the runner process, stopped there even when a test fails. */
static TestTinyproxy *tinyproxy;
static char *tinyproxy_problem;
static gboolean tinyproxy_missing;

static void
tinyproxy_setup (void)
{
  GError *error = NULL;

  test_certs_get ();
  tinyproxy = test_tinyproxy_start (&error);
  if (tinyproxy == NULL)
    {
      tinyproxy_missing = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      tinyproxy_problem = g_strdup (error->message);
      g_error_free (error);
    }
}

static void
tinyproxy_teardown (void)
{
  g_clear_pointer (&tinyproxy, test_tinyproxy_stop);
  g_clear_pointer (&tinyproxy_problem, g_free);
}

/* FALSE (with a message) when tinyproxy is not installed: skip. */
static gboolean
have_tinyproxy (void)
{
  if (tinyproxy_missing)
    {
      g_printerr ("# %s: skipped\n", tinyproxy_problem);
      return FALSE;
    }
  ck_assert_msg (tinyproxy != NULL, "tinyproxy did not start: %s", tinyproxy_problem);
  return TRUE;
}

static void
assert_log_has (const char *text)
{
  g_autofree char *log = test_tinyproxy_get_log (tinyproxy);

  ck_assert_msg (log != NULL && strstr (log, text) != NULL, "tinyproxy's log lacks \"%s\": %s",
                 text, log);
}

START_TEST (test_tinyproxy_tunnel)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *origin;
  g_autofree char *target = NULL;
  g_autofree char *logged = NULL;
  g_autoptr(GString) reply = NULL;
  g_autoptr(GBytes) request = NULL;
  GSocket *socket;

  if (!have_tinyproxy ())
    return;
  origin = test_server_new_script (steps, 0);
  target = local_target ("127.0.0.1", origin);
  socket = tunnel_open (test_tinyproxy_get_port (tinyproxy), target, NULL, &reply);
  ck_assert_msg (g_str_has_prefix (reply->str, TEST_TINYPROXY_200),
                 "expected %s, got %s", TEST_TINYPROXY_200, reply->str);
  client_send (socket, GET_ROOT, -1);
  client_expect (socket, OK_HELLO, "response through tinyproxy");
  request = test_server_get_request (origin, 0);
  test_assert_bytes_equal (request, GET_ROOT, -1, "the request the origin got");
  logged = g_strdup_printf ("CONNECT %s HTTP/1.1", target);
  assert_log_has (logged);
  g_object_unref (socket);
  test_server_free (origin);
}
END_TEST

static const struct {
  const char *description;
  const char *target;
  const char *status;
  const char *logged;
} tinyproxy_rows[] = {
  { "forbidden host", "forbidden.invalid:443", TEST_TINYPROXY_403,
    "Proxying refused on filtered domain \"forbidden.invalid\"" },
  { "forbidden host, other case", "Forbidden.INVALID:8443", TEST_TINYPROXY_403,
    "Proxying refused on filtered domain \"Forbidden.INVALID\"" },
  { "a refused port", "127.0.0.1:1", TEST_TINYPROXY_500,
    "Could not establish a connection to 127.0.0.1:1" },
};

START_TEST (test_tinyproxy_refusals)
{
  g_autofree char *error = NULL;
  g_autoptr(GString) answer = NULL;
  g_autofree char *request = connect_request (tinyproxy_rows[_i].target, NULL);
  GSocket *socket;

  if (!have_tinyproxy ())
    return;
  socket = client_connect (test_tinyproxy_get_port (tinyproxy), FALSE);
  client_send (socket, request, -1);
  answer = client_read_to_end (socket, &error);
  ck_assert_msg (g_str_has_prefix (answer->str, tinyproxy_rows[_i].status),
                 "%s: expected %s, got %s", tinyproxy_rows[_i].description,
                 tinyproxy_rows[_i].status, answer->str);
  ck_assert_msg (strstr (answer->str, "\r\nConnection: close\r\n") != NULL &&
                 strstr (answer->str, "\r\n\r\n<?xml") != NULL,
                 "%s: expected Connection: close and an HTML page: %s",
                 tinyproxy_rows[_i].description, answer->str);
  ck_assert_msg (error == NULL, "%s: read error instead of a close: %s",
                 tinyproxy_rows[_i].description, error);
  assert_log_has (tinyproxy_rows[_i].logged);
  g_object_unref (socket);
}
END_TEST

START_TEST (test_tinyproxy_tls)
{
  TestServer *origin;
  g_autofree char *target = NULL;
  g_autoptr(GString) reply = NULL;
  TlsClient *tls;
  GSocket *socket;

  if (!have_tinyproxy ())
    return;
  origin = tls_origin ();
  target = local_target ("localhost", origin);
  socket = tunnel_open (test_tinyproxy_get_port (tinyproxy), target, NULL, &reply);
  ck_assert_msg (g_str_has_prefix (reply->str, TEST_TINYPROXY_200), "got %s", reply->str);
  tls = tls_client_new (socket, "localhost");
  tls_client_get (tls);
  tls_client_free (tls);
  test_server_free (origin);
}
END_TEST

/* A second instance gets a port of its own and is gone once stopped. */
START_TEST (test_tinyproxy_start_stop)
{
  GError *error = NULL;
  TestTinyproxy *other;
  guint16 port;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;
  gboolean connected;

  if (!have_tinyproxy ())
    return;
  other = test_tinyproxy_start (&error);
  httplib_assert_no_error (error);
  port = test_tinyproxy_get_port (other);
  test_tinyproxy_stop (other);
  ck_assert_uint_ne (port, test_tinyproxy_get_port (tinyproxy));

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  address = g_inet_socket_address_new (loopback, port);
  g_socket_set_timeout (socket, CLIENT_TIMEOUT_S);
  connected = g_socket_connect (socket, address, NULL, &error);
  ck_assert_msg (!connected, "port %u still accepts after test_tinyproxy_stop()", port);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_error_free (error);
}
END_TEST

static Suite *
proxy_support_suite (void)
{
  Suite *s = suite_create ("proxy-support");
  TCase *tc;

  tc = tcase_create ("tunnel");
  tcase_add_loop_test (tc, test_tunnel_round_trip, 0, G_N_ELEMENTS (tunnel_rows));
  tcase_add_test (tc, test_tunnel_big);
  tcase_add_test (tc, test_tunnel_origin_closes);
  tcase_add_test (tc, test_tunnel_origin_resets);
  tcase_add_test (tc, test_tunnel_free_during_relay);
  tcase_add_loop_test (tc, test_conn_relay_direct, 0, G_N_ELEMENTS (relay_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("script");
  tcase_add_loop_test (tc, test_reply_close, 0, G_N_ELEMENTS (reply_rows));
  tcase_add_test (tc, test_close_without_answer);
  tcase_add_test (tc, test_reset_without_answer);
  tcase_add_test (tc, test_reply_then_relay);
  tcase_add_test (tc, test_require_auth);
  tcase_add_test (tc, test_require_auth_bounded);
  tcase_add_loop_test (tc, test_refusals, 0, G_N_ELEMENTS (refusal_rows));
  tcase_add_test (tc, test_steps_per_connection);
  suite_add_tcase (s, tc);

  tc = tcase_create ("tls");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_tls_through_proxy);
  suite_add_tcase (s, tc);

  tc = tcase_create ("tinyproxy");
  tcase_add_unchecked_fixture (tc, tinyproxy_setup, tinyproxy_teardown);
  tcase_add_test (tc, test_tinyproxy_tunnel);
  tcase_add_loop_test (tc, test_tinyproxy_refusals, 0, G_N_ELEMENTS (tinyproxy_rows));
  tcase_add_test (tc, test_tinyproxy_tls);
  tcase_add_test (tc, test_tinyproxy_start_stop);
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (proxy_support_suite)
