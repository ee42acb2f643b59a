/* test-tls-support.c: the TLS parts of the test support library, checked
 * with a plain GnuTLS client (never libhttplib) */
#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define GET_ROOT  "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
#define CLIENT_TIMEOUT_S 10
#define TLS12     "NORMAL:-VERS-ALL:+VERS-TLS1.2"

#define ck_assert_gnutls(call)                                               \
  do {                                                                       \
    int rc__ = (call);                                                       \
    ck_assert_msg (rc__ >= 0, "%s: %s", #call, gnutls_strerror (rc__));      \
  } while (0)

/* --- a plain GnuTLS client --- */

typedef struct {
  const char           *host;        /* verified (and sent as SNI unless an IP); NULL: no checks */
  const char           *trust_file;  /* NULL: the test CA */
  const char           *trust_dir;   /* instead of trust_file */
  const char           *cert_file;   /* a client certificate, or NULL */
  const char           *key_file;
  const char           *priority;    /* NULL: NORMAL */
  const gnutls_datum_t *resume;      /* session data of an earlier connection */
  gboolean              ipv6;
} ClientOptions;

typedef struct {
  int                              fd;
  gnutls_certificate_credentials_t cred;
  gnutls_session_t                 session;
  int                              handshake;  /* what gnutls_handshake() returned */
} Client;

static int
tcp_connect (guint16 port, gboolean ipv6)
{
  struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons (port) };
  int fd = socket (ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int rc;

  ck_assert_msg (fd >= 0, "socket: %s", g_strerror (errno));
  v4.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  v6.sin6_addr = in6addr_loopback;
  if (ipv6)
    rc = connect (fd, (struct sockaddr *) &v6, sizeof v6);
  else
    rc = connect (fd, (struct sockaddr *) &v4, sizeof v4);
  ck_assert_msg (rc == 0, "connect to port %u: %s", port, g_strerror (errno));
  return fd;
}

/* Connects and runs the handshake; its result is in handshake. */
static Client *
client_connect (guint16 port, const ClientOptions *o)
{
  static const gnutls_datum_t protocols[] = {
    { (unsigned char *) "h2", 2 },
    { (unsigned char *) "http/1.1", 8 },
  };
  const TestCerts *certs = test_certs_get ();
  Client *c = g_new0 (Client, 1);

  ck_assert_gnutls (gnutls_certificate_allocate_credentials (&c->cred));
  if (o->trust_dir != NULL)
    ck_assert_int_eq (gnutls_certificate_set_x509_trust_dir (c->cred, o->trust_dir,
                                                             GNUTLS_X509_FMT_PEM), 1);
  else
    ck_assert_int_eq (gnutls_certificate_set_x509_trust_file (c->cred,
                        o->trust_file ? o->trust_file : certs->ca_file, GNUTLS_X509_FMT_PEM), 1);
  if (o->cert_file != NULL)
    ck_assert_gnutls (gnutls_certificate_set_x509_key_file (c->cred, o->cert_file, o->key_file,
                                                            GNUTLS_X509_FMT_PEM));

  ck_assert_gnutls (gnutls_init (&c->session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL));
  ck_assert_gnutls (gnutls_priority_set_direct (c->session, o->priority ? o->priority : "NORMAL",
                                                NULL));
  ck_assert_gnutls (gnutls_credentials_set (c->session, GNUTLS_CRD_CERTIFICATE, c->cred));
  ck_assert_gnutls (gnutls_alpn_set_protocols (c->session, protocols, G_N_ELEMENTS (protocols), 0));
  if (o->host != NULL)
    {
      if (!g_hostname_is_ip_address (o->host))
        ck_assert_gnutls (gnutls_server_name_set (c->session, GNUTLS_NAME_DNS, o->host,
                                                  strlen (o->host)));
      gnutls_session_set_verify_cert (c->session, o->host, 0);
    }
  if (o->resume != NULL)
    ck_assert_gnutls (gnutls_session_set_data (c->session, o->resume->data, o->resume->size));
  gnutls_handshake_set_timeout (c->session, CLIENT_TIMEOUT_S * 1000);
  gnutls_record_set_timeout (c->session, CLIENT_TIMEOUT_S * 1000);

  c->fd = tcp_connect (port, o->ipv6);
  gnutls_transport_set_int (c->session, c->fd);
  for (int i = 0; i < 16; i++)
    {
      c->handshake = gnutls_handshake (c->session);
      if (c->handshake >= 0 || gnutls_error_is_fatal (c->handshake))
        break;
    }
  return c;
}

static void
client_free (Client *c)
{
  if (c->handshake >= 0)
    gnutls_bye (c->session, GNUTLS_SHUT_WR);
  close (c->fd);
  gnutls_deinit (c->session);
  gnutls_certificate_free_credentials (c->cred);
  g_free (c);
}

static void
client_write (Client *c, const char *data)
{
  gsize len = strlen (data), off = 0;

  ck_assert_msg (c->handshake >= 0, "handshake: %s", gnutls_strerror (c->handshake));
  while (off < len)
    {
      ssize_t n = gnutls_record_send (c->session, data + off, len - off);

      ck_assert_msg (n > 0, "send: %s", gnutls_strerror ((int) n));
      off += (gsize) n;
    }
}

/* Reads until max bytes arrived or the stream ended; *end is 1 when max was
 * reached, else what gnutls_record_recv() returned last (0: close_notify). */
static GString *
client_read (Client *c, gsize max, ssize_t *end)
{
  GString *out = g_string_new (NULL);
  char buf[4096];

  *end = 1;
  while (out->len < max)
    {
      ssize_t n = gnutls_record_recv (c->session, buf, MIN (sizeof buf, max - out->len));

      if (n > 0)
        g_string_append_len (out, buf, n);
      else if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
        {
          *end = n;
          break;
        }
    }
  return out;
}

/* Reads len bytes and compares them with expected. */
static void
client_expect (Client *c, const char *expected)
{
  ssize_t end;
  GString *got = client_read (c, strlen (expected), &end);
  GBytes *bytes = g_bytes_new (got->str, got->len);

  ck_assert_msg (end == 1, "read: %s after %zu bytes", gnutls_strerror ((int) end), got->len);
  test_assert_bytes_equal (bytes, expected, -1, "response");
  g_bytes_unref (bytes);
  g_string_free (got, TRUE);
}

static char *
status_string (unsigned int status)
{
  gnutls_datum_t out = { NULL, 0 };
  char *s;

  if (gnutls_certificate_verification_status_print (status, GNUTLS_CRT_X509, &out, 0) < 0)
    return g_strdup_printf ("0x%x", status);
  s = g_strdup_printf ("0x%x (%s)", status, (const char *) out.data);
  gnutls_free (out.data);
  return s;
}

/* --- server handlers --- */

typedef enum {
  END_CLOSE,      /* the answer, then close_notify */
  END_ABRUPTLY,   /* the answer, then a TCP close */
  END_TRUNCATED,  /* the answer in a record cut after 20 bytes */
} Ending;

/* Reads one request and answers OK_HELLO, ending as user_data says. */
static void
answer_handler (TestConn *conn, guint index, gpointer user_data)
{
  GString *request = test_conn_read_request (conn);

  if (request == NULL)
    return;
  g_string_free (request, TRUE);
  switch ((Ending) GPOINTER_TO_INT (user_data))
    {
    case END_CLOSE:
      test_conn_write (conn, OK_HELLO, -1);
      test_conn_close (conn);
      break;
    case END_ABRUPTLY:
      test_conn_write (conn, OK_HELLO, -1);
      test_conn_close_abruptly (conn);
      break;
    case END_TRUNCATED:
      test_conn_write_truncated_record (conn, OK_HELLO, strlen (OK_HELLO), 20);
      break;
    }
}

static TestServer *
tls_server (const char *cert_file, const char *key_file, const char *priority)
{
  TestTlsOptions options = { cert_file, key_file, NULL, TEST_TLS_CLIENT_CERT_NONE, priority, FALSE };
  TestServer *server = test_server_new_tls (answer_handler, GINT_TO_POINTER (END_CLOSE), &options);

  ck_assert_ptr_nonnull (server);
  return server;
}

/* --- the certificates --- */

START_TEST (test_certs_files)
{
  const TestCerts *certs = test_certs_get ();
  const char * const *paths = (const char * const *) certs;
  g_autoptr (GDir) dir = NULL;
  const char *name;
  g_autofree char *in_dir = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *ca_copy = NULL;
  guint n = 0;

  ck_assert_ptr_eq (test_certs_get (), certs);

  /* TestCerts holds only file names */
  for (gsize i = 0; i < sizeof (TestCerts) / sizeof (char *); i++)
    {
      GStatBuf st;

      ck_assert_msg (paths[i] != NULL && g_str_has_prefix (paths[i], certs->dir),
                     "field %zu: %s is not in %s", i, paths[i], certs->dir);
      ck_assert_msg (g_stat (paths[i], &st) == 0, "%s: %s", paths[i], g_strerror (errno));
      if (g_str_has_suffix (paths[i], "-key.pem"))
        ck_assert_msg ((st.st_mode & 0077) == 0, "%s: mode %o, expected no group or other access",
                       paths[i], (unsigned) st.st_mode & 0777);
    }

  /* the CA path: the CA alone, under its OpenSSL subject hash */
  dir = g_dir_open (certs->ca_dir, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      n++;
      ck_assert_msg (strlen (name) == 10 && g_str_has_suffix (name, ".0"),
                     "CA path entry %s: expected <8 hex digits>.0", name);
      in_dir = g_build_filename (certs->ca_dir, name, NULL);
    }
  ck_assert_uint_eq (n, 1);
  ck_assert (g_file_get_contents (certs->ca_file, &ca, NULL, NULL));
  ck_assert (g_file_get_contents (in_dir, &ca_copy, NULL, NULL));
  ck_assert_str_eq (ca, ca_copy);
}
END_TEST

/* OpenSSL finds the CA in ca_dir only if the file name is its subject hash. */
START_TEST (test_certs_ca_dir_openssl)
{
  const TestCerts *certs = test_certs_get ();
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GError *error = NULL;
  int status = -1;

  if (openssl == NULL)
    {
      g_printerr ("# openssl is not installed: CA path naming not checked\n");
      return;
    }
  {
    const char *argv[] = { openssl, "verify", "-CApath", certs->ca_dir, "-no-CAfile",
                           "-no-CAstore", certs->server_cert_file, NULL };

    ck_assert (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, &err, &status, &error));
  }
  httplib_assert_no_error (error);
  ck_assert_msg (g_spawn_check_wait_status (status, NULL),
                 "openssl verify -CApath: %s%s", out, err);
}
END_TEST

typedef enum {
  TRUST_CA,
  TRUST_CA_DIR,
  TRUST_UNKNOWN_CA,
  TRUST_SELF_SIGNED,
} Trust;

#define CERT(name) G_STRUCT_OFFSET (TestCerts, name##_cert_file), \
                   G_STRUCT_OFFSET (TestCerts, name##_key_file)
#define BAD(flag)  (GNUTLS_CERT_INVALID | (flag))

static const struct {
  const char  *description;
  glong        cert, key;
  const char  *host;
  Trust        trust;
  unsigned int status;  /* expected verification status; 0: trusted */
} verify_rows[] = {
  { "server cert for localhost", CERT (server), "localhost", TRUST_CA, 0 },
  { "server cert for 127.0.0.1", CERT (server), "127.0.0.1", TRUST_CA, 0 },
  { "server cert, CA from ca_dir", CERT (server), "localhost", TRUST_CA_DIR, 0 },
  { "ip-only cert for 127.0.0.1", CERT (ip_only), "127.0.0.1", TRUST_CA, 0 },
  { "ip-only cert for localhost", CERT (ip_only), "localhost", TRUST_CA,
    BAD (GNUTLS_CERT_UNEXPECTED_OWNER) },
  { "expired cert", CERT (expired), "localhost", TRUST_CA, BAD (GNUTLS_CERT_EXPIRED) },
  { "not yet valid cert", CERT (not_yet_valid), "localhost", TRUST_CA,
    BAD (GNUTLS_CERT_NOT_ACTIVATED) },
  { "wrong-host cert", CERT (wrong_host), "localhost", TRUST_CA, BAD (GNUTLS_CERT_UNEXPECTED_OWNER) },
  { "self-signed cert", CERT (self_signed), "localhost", TRUST_CA,
    BAD (GNUTLS_CERT_SIGNER_NOT_FOUND) },
  { "self-signed cert, pinned", CERT (self_signed), "localhost", TRUST_SELF_SIGNED, 0 },
  { "cert of the unknown CA", CERT (unknown_ca), "localhost", TRUST_CA,
    BAD (GNUTLS_CERT_SIGNER_NOT_FOUND) },
  { "cert of the unknown CA, that CA trusted", CERT (unknown_ca), "localhost", TRUST_UNKNOWN_CA, 0 },
};

START_TEST (test_certs_verify)
{
  const TestCerts *certs = test_certs_get ();
  const char *cert_file = G_STRUCT_MEMBER (const char *, certs, verify_rows[_i].cert);
  const char *key_file = G_STRUCT_MEMBER (const char *, certs, verify_rows[_i].key);
  TestServer *server = tls_server (cert_file, key_file, NULL);
  ClientOptions options = { .host = verify_rows[_i].host };
  unsigned int expected = verify_rows[_i].status;
  unsigned int status;
  Client *client;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;

  switch (verify_rows[_i].trust)
    {
    case TRUST_CA: break;
    case TRUST_CA_DIR: options.trust_dir = certs->ca_dir; break;
    case TRUST_UNKNOWN_CA: options.trust_file = certs->unknown_ca_file; break;
    case TRUST_SELF_SIGNED: options.trust_file = certs->self_signed_cert_file; break;
    }

  client = client_connect (test_server_get_port (server), &options);
  status = gnutls_session_get_verify_cert_status (client->session);
  want = status_string (expected);
  got = status_string (status);
  ck_assert_msg (status == expected, "%s: expected status %s, got %s",
                 verify_rows[_i].description, want, got);
  if (expected == 0)
    ck_assert_msg (client->handshake == 0, "%s: handshake: %s", verify_rows[_i].description,
                   gnutls_strerror (client->handshake));
  else
    ck_assert_msg (client->handshake == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR,
                   "%s: expected a verification error, got %s", verify_rows[_i].description,
                   gnutls_strerror (client->handshake));
  client_free (client);

  /* a client that gave up makes the server's handshake fail */
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert_msg (test_server_get_tls_handshake_failed (server, 0) == (expected != 0),
                 "%s: server handshake_failed: expected %d", verify_rows[_i].description,
                 expected != 0);
  test_server_free (server);
}
END_TEST

/* --- the TLS server --- */

static const struct {
  const char             *description;
  const char             *priority;
  gnutls_protocol_t       version;
} versions[] = {
  { "TLS 1.3", NULL, GNUTLS_TLS1_3 },
  { "TLS 1.2", TLS12, GNUTLS_TLS1_2 },
};

START_TEST (test_server_round_trip)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions tls = { certs->server_cert_file, certs->server_key_file, NULL,
                         TEST_TLS_CLIENT_CERT_NONE, versions[_i].priority, FALSE };
  TestServer *server = test_server_new_script_tls (steps, 0, &tls);
  ClientOptions options = { .host = "localhost" };
  gnutls_datum_t alpn;
  Client *client;
  GBytes *received, *request;
  g_autofree char *server_name = NULL;
  g_autofree char *server_alpn = NULL;
  g_autofree char *subject = NULL;

  ck_assert_ptr_nonnull (server);
  client = client_connect (test_server_get_port (server), &options);
  ck_assert_msg (client->handshake == 0, "handshake: %s", gnutls_strerror (client->handshake));
  ck_assert_msg (gnutls_protocol_get_version (client->session) == versions[_i].version,
                 "%s: negotiated %s", versions[_i].description,
                 gnutls_protocol_get_name (gnutls_protocol_get_version (client->session)));
  ck_assert_gnutls (gnutls_alpn_get_selected_protocol (client->session, &alpn));
  ck_assert_msg (alpn.size == 8 && memcmp (alpn.data, "http/1.1", 8) == 0,
                 "ALPN: expected http/1.1, got %.*s", (int) alpn.size, alpn.data);

  client_write (client, GET_ROOT);
  client_expect (client, OK_HELLO);
  client_free (client);
  ck_assert (test_server_wait_handled (server, 1));

  /* the server recorded the plaintext */
  request = test_server_get_request (server, 0);
  test_assert_bytes_equal (request, GET_ROOT, -1, "request at the server");
  received = test_server_get_received (server, 0);
  test_assert_bytes_equal (received, GET_ROOT, -1, "bytes received");
  ck_assert_uint_eq (test_server_get_first_recv_size (server, 0), strlen (GET_ROOT));

  server_name = test_server_get_tls_server_name (server, 0);
  server_alpn = test_server_get_tls_alpn (server, 0);
  subject = test_server_get_tls_client_subject (server, 0);
  ck_assert_str_eq (server_name, "localhost");
  ck_assert_str_eq (server_alpn, "http/1.1");
  ck_assert_ptr_null (subject);
  ck_assert (!test_server_get_tls_resumed (server, 0));
  ck_assert (!test_server_get_tls_handshake_failed (server, 0));

  g_bytes_unref (request);
  g_bytes_unref (received);
  test_server_free (server);
}
END_TEST

START_TEST (test_server_resumption)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions tls = { certs->server_cert_file, certs->server_key_file, NULL,
                         TEST_TLS_CLIENT_CERT_NONE, versions[_i].priority, FALSE };
  TestServer *server = test_server_new_script_tls (steps, 0, &tls);
  ClientOptions options = { .host = "localhost", .priority = versions[_i].priority };
  gnutls_datum_t data = { NULL, 0 };
  Client *client;

  ck_assert_ptr_nonnull (server);
  client = client_connect (test_server_get_port (server), &options);
  client_write (client, GET_ROOT);
  client_expect (client, OK_HELLO);  /* a TLS 1.3 ticket comes after the handshake */
  ck_assert (!gnutls_session_is_resumed (client->session));
  ck_assert_gnutls (gnutls_session_get_data2 (client->session, &data));
  client_free (client);

  options.resume = &data;
  client = client_connect (test_server_get_port (server), &options);
  ck_assert_msg (client->handshake == 0, "handshake: %s", gnutls_strerror (client->handshake));
  ck_assert_msg (gnutls_session_is_resumed (client->session), "%s: not resumed by the client",
                 versions[_i].description);
  ck_assert (gnutls_protocol_get_version (client->session) == versions[_i].version);
  client_write (client, GET_ROOT);
  client_expect (client, OK_HELLO);
  client_free (client);
  gnutls_free (data.data);

  ck_assert (test_server_wait_handled (server, 2));
  ck_assert_msg (!test_server_get_tls_resumed (server, 0), "first connection reported resumed");
  ck_assert_msg (test_server_get_tls_resumed (server, 1), "%s: second connection not resumed",
                 versions[_i].description);
  test_server_free (server);
}
END_TEST

static const struct {
  const char        *description;
  TestTlsClientCert  mode;
  const char        *sends;    /* "client", "server" (a certificate not for clients) or none */
  const char        *subject;  /* what the server saw; NULL: none, or it refused */
  gboolean           refused;
} client_certs[] = {
  { "required, none sent", TEST_TLS_CLIENT_CERT_REQUIRE, NULL, NULL, TRUE },
  { "required, sent", TEST_TLS_CLIENT_CERT_REQUIRE, "client", "CN=test client", FALSE },
  { "required, a server cert sent", TEST_TLS_CLIENT_CERT_REQUIRE, "server", NULL, TRUE },
  { "requested, none sent", TEST_TLS_CLIENT_CERT_REQUEST, NULL, NULL, FALSE },
  { "requested, sent", TEST_TLS_CLIENT_CERT_REQUEST, "client", "CN=test client", FALSE },
};

START_TEST (test_server_client_cert)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions tls = { certs->server_cert_file, certs->server_key_file, certs->ca_file,
                         client_certs[_i].mode, NULL, FALSE };
  TestServer *server = test_server_new_script_tls (steps, 0, &tls);
  ClientOptions options = { .host = "localhost" };
  g_autofree char *subject = NULL;
  Client *client;

  ck_assert_ptr_nonnull (server);
  if (g_strcmp0 (client_certs[_i].sends, "client") == 0)
    {
      options.cert_file = certs->client_cert_file;
      options.key_file = certs->client_key_file;
    }
  else if (g_strcmp0 (client_certs[_i].sends, "server") == 0)
    {
      options.cert_file = certs->server_cert_file;
      options.key_file = certs->server_key_file;
    }
  client = client_connect (test_server_get_port (server), &options);

  if (client_certs[_i].refused)
    {
      /* under TLS 1.3 the client's handshake is over before the server
       * checks its certificate: the refusal (an alert, or a closed
       * connection when the request crosses it) comes after */
      if (client->handshake == 0 &&
          gnutls_record_send (client->session, GET_ROOT, strlen (GET_ROOT)) > 0)
        {
          ssize_t end;
          GString *got = client_read (client, 1, &end);

          ck_assert_msg (got->len == 0 && end < 0, "%s: expected an error, got %zu bytes (%s)",
                         client_certs[_i].description, got->len, gnutls_strerror ((int) end));
          g_string_free (got, TRUE);
        }
      client_free (client);
      ck_assert (test_server_wait_handled (server, 1));
      ck_assert_msg (test_server_get_tls_handshake_failed (server, 0),
                     "%s: the server's handshake succeeded", client_certs[_i].description);
      ck_assert_uint_eq (test_server_get_n_requests (server), 0);  /* no handler */
    }
  else
    {
      ck_assert_msg (client->handshake == 0, "%s: handshake: %s", client_certs[_i].description,
                     gnutls_strerror (client->handshake));
      client_write (client, GET_ROOT);
      client_expect (client, OK_HELLO);
      client_free (client);
      ck_assert (test_server_wait_handled (server, 1));
    }

  subject = test_server_get_tls_client_subject (server, 0);
  ck_assert_msg (g_strcmp0 (subject, client_certs[_i].subject) == 0,
                 "%s: client subject: expected %s, got %s", client_certs[_i].description,
                 client_certs[_i].subject, subject);
  test_server_free (server);
}
END_TEST

static const struct {
  const char *description;
  Ending      ending;
  gboolean    gets_answer;
  int         end[2];  /* what the client's read ends with: one of these */
} endings[] = {
  { "close sends close_notify", END_CLOSE, TRUE, { 0, 0 } },
  { "close_abruptly sends none", END_ABRUPTLY, TRUE,
    { GNUTLS_E_PREMATURE_TERMINATION, GNUTLS_E_PREMATURE_TERMINATION } },
  { "truncated record", END_TRUNCATED, FALSE,
    { GNUTLS_E_PREMATURE_TERMINATION, GNUTLS_E_UNEXPECTED_PACKET_LENGTH } },
};

START_TEST (test_server_endings)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions tls = { certs->server_cert_file, certs->server_key_file, NULL,
                         TEST_TLS_CLIENT_CERT_NONE, NULL, FALSE };
  TestServer *server = test_server_new_tls (answer_handler, GINT_TO_POINTER (endings[_i].ending), &tls);
  ClientOptions options = { .host = "localhost" };
  Client *client;
  GString *got;
  GBytes *bytes;
  ssize_t end;

  ck_assert_ptr_nonnull (server);
  client = client_connect (test_server_get_port (server), &options);
  client_write (client, GET_ROOT);
  got = client_read (client, G_MAXSIZE, &end);
  bytes = g_bytes_new (got->str, got->len);
  test_assert_bytes_equal (bytes, endings[_i].gets_answer ? OK_HELLO : "", -1,
                           endings[_i].description);
  ck_assert_msg (end == endings[_i].end[0] || end == endings[_i].end[1],
                 "%s: the read ended with %s (%zd), expected %s", endings[_i].description,
                 end == 0 ? "close_notify" : gnutls_strerror ((int) end), end,
                 endings[_i].end[0] == 0 ? "close_notify" : gnutls_strerror (endings[_i].end[0]));
  g_bytes_unref (bytes);
  g_string_free (got, TRUE);
  client_free (client);
  test_server_free (server);
}
END_TEST

/* Answers a ClientHello in plain HTTP. */
static void
raw_handler (TestConn *conn, guint index, gpointer user_data)
{
  GString *header = g_string_new (NULL);

  if (test_conn_read_exact (conn, 5, header))
    test_conn_write (conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", -1);
  g_string_free (header, TRUE);
}

START_TEST (test_server_no_handshake)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions tls = { certs->server_cert_file, certs->server_key_file, NULL,
                         TEST_TLS_CLIENT_CERT_NONE, NULL, TRUE };
  TestServer *server = test_server_new_tls (raw_handler, NULL, &tls);
  ClientOptions options = { .host = "localhost" };
  GBytes *received;
  const guint8 *data;
  gsize len;
  Client *client;

  ck_assert_ptr_nonnull (server);
  client = client_connect (test_server_get_port (server), &options);
  ck_assert_msg (client->handshake < 0, "a handshake with a plain HTTP server succeeded");
  client_free (client);
  ck_assert (test_server_wait_handled (server, 1));

  /* the handler saw the raw ClientHello record: handshake type, TLS 1.x */
  received = test_server_get_received (server, 0);
  data = g_bytes_get_data (received, &len);
  ck_assert_msg (len > 5 && data[0] == 0x16 && data[1] == 0x03 &&
                 len == 5 + ((gsize) data[3] << 8 | data[4]),
                 "expected one TLS handshake record, got %zu bytes", len);
  ck_assert (!test_server_get_tls_handshake_failed (server, 0));
  g_bytes_unref (received);
  test_server_free (server);
}
END_TEST

START_TEST (test_server_ipv6)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions tls = { certs->server_cert_file, certs->server_key_file, NULL,
                         TEST_TLS_CLIENT_CERT_NONE, NULL, FALSE };
  TestServer *server = test_server_new_tls_ipv6 (answer_handler, GINT_TO_POINTER (END_CLOSE), &tls);
  ClientOptions options = { .host = "::1", .ipv6 = TRUE };
  Client *client;

  if (server == NULL)
    {
      g_printerr ("# no IPv6 loopback: skipped\n");
      return;
    }
  client = client_connect (test_server_get_port (server), &options);
  ck_assert_msg (client->handshake == 0, "handshake with ::1: %s",
                 gnutls_strerror (client->handshake));
  client_write (client, GET_ROOT);
  client_expect (client, OK_HELLO);
  client_free (client);
  test_server_free (server);
}
END_TEST

/* A client that never sends its ClientHello must not hold up
 * test_server_free(): the handshake is cancelled. */
START_TEST (test_server_free_during_handshake)
{
  const TestCerts *certs = test_certs_get ();
  TestServer *server = tls_server (certs->server_cert_file, certs->server_key_file, NULL);
  int fd = tcp_connect (test_server_get_port (server), FALSE);
  gint64 start, deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (test_server_get_n_connections (server) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);

  start = g_get_monotonic_time ();
  test_server_free (server);
  ck_assert_msg (g_get_monotonic_time () - start < 2 * G_TIME_SPAN_SECOND,
                 "test_server_free took %" G_GINT64_FORMAT " ms (the socket timeout is %d s)",
                 (g_get_monotonic_time () - start) / 1000, TEST_SERVER_IO_TIMEOUT);
  close (fd);
}
END_TEST

static Suite *
tls_support_suite (void)
{
  Suite *s = suite_create ("tls-support");
  TCase *tc;

  tc = tcase_create ("certs");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_certs_files);
  tcase_add_test (tc, test_certs_ca_dir_openssl);
  tcase_add_loop_test (tc, test_certs_verify, 0, G_N_ELEMENTS (verify_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("server");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_loop_test (tc, test_server_round_trip, 0, G_N_ELEMENTS (versions));
  tcase_add_loop_test (tc, test_server_resumption, 0, G_N_ELEMENTS (versions));
  tcase_add_loop_test (tc, test_server_client_cert, 0, G_N_ELEMENTS (client_certs));
  tcase_add_loop_test (tc, test_server_endings, 0, G_N_ELEMENTS (endings));
  tcase_add_test (tc, test_server_no_handshake);
  tcase_add_test (tc, test_server_ipv6);
  tcase_add_test (tc, test_server_free_during_handshake);
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (tls_support_suite)
