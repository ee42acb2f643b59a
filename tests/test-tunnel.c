/* test-tunnel.c: set_tunnel through the tunnel plugin, against the
 * in-process CONNECT proxy and loopback origins (plain and TLS) */
#include <httplib/httplib.h>
#include <string.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-proxy.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* --- helpers --- */

static TestServer *
plain_proxy (void)
{
  TestServer *proxy = test_proxy_new (NULL, 0, NULL);

  ck_assert_ptr_nonnull (proxy);
  return proxy;
}

static TestServer *
scripted_proxy (const TestProxyStep *steps, gsize n_steps)
{
  TestServer *proxy = test_proxy_new (steps, n_steps, NULL);

  ck_assert_ptr_nonnull (proxy);
  return proxy;
}

/* A connection for the proxy, tunnelling to host:port. */
static HttplibConnection *
through (TestServer *proxy, gboolean https, const char *host, guint port, HttplibHeaders *headers)
{
  g_autoptr(HttplibTlsSettings) settings = NULL;
  g_autofree char *proxy_host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (proxy));
  GError *error = NULL;
  HttplibConnection *conn;

  if (https)
    {
      settings = httplib_tls_settings_new ();
      httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
      conn = httplib_connection_new_https (proxy_host, 0, settings, &error);
    }
  else
    conn = httplib_connection_new (proxy_host, 0, &error);
  httplib_assert_no_error (error);
  httplib_connection_set_timeout (conn, 10, NULL);
  ck_assert (httplib_connection_set_tunnel (conn, host, port, headers, &error));
  httplib_assert_no_error (error);
  return conn;
}

/* --- tunnels that work --- */

START_TEST (test_http_keep_alive)
{
  const char *steps[] = { OK_HELLO, OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = plain_proxy ();
  g_autoptr(HttplibConnection) conn = through (proxy, FALSE, "127.0.0.1",
                                               test_server_get_port (origin), NULL);
  g_autofree char *authority = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (origin));
  g_autofree char *connect_line = g_strdup_printf ("CONNECT %s HTTP/1.1", authority);
  g_autofree char *target = NULL;
  g_autoptr(GBytes) connect = NULL;
  g_autoptr(GBytes) request = NULL;

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/path?q=1", NULL, NULL);

      test_assert_body (response, "hello");
    }
  /* One tunnel carried both requests. */
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 1);
  ck_assert_uint_eq (test_server_get_n_connections (origin), 1);
  target = test_proxy_get_target (proxy, 0);
  ck_assert_str_eq (target, authority);

  connect = test_server_get_request (proxy, 0);
  test_assert_request_line (connect, connect_line);
  test_assert_request_header (connect, "Host", authority);
  /* The origin sees origin-form targets and its own Host. */
  request = test_server_get_request (origin, 1);
  test_assert_request_line (request, "GET /path?q=1 HTTP/1.1");
  test_assert_request_header (request, "Host", authority);

  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 200);
  ck_assert_str_eq (httplib_connection_get_proxy_reason (conn), "Connection established");
  ck_assert_ptr_nonnull (httplib_connection_get_proxy_response_headers (conn));
  ck_assert_str_eq (httplib_connection_get_tunnel_host (conn), "127.0.0.1");
  ck_assert_uint_eq (httplib_connection_get_tunnel_port (conn), test_server_get_port (origin));
}
END_TEST

START_TEST (test_https_through_tunnel)
{
  const char *steps[] = { OK_HELLO, OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };
  g_autoptr(TestServer) origin = NULL;
  g_autoptr(TestServer) proxy = plain_proxy ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autofree char *sni = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GBytes) request = NULL;

  options.cert_file = certs->server_cert_file;
  options.key_file = certs->server_key_file;
  origin = test_server_new_script_tls (steps, 0, &options);
  ck_assert_ptr_nonnull (origin);
  conn = through (proxy, TRUE, "localhost", test_server_get_port (origin), NULL);

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);

      test_assert_body (response, "hello");
    }
  /* SNI and the certificate check named the origin, not the proxy. */
  sni = test_server_get_tls_server_name (origin, 0);
  ck_assert_str_eq (sni, "localhost");
  ck_assert_str_eq (httplib_tls_info_get_peer_subject (httplib_connection_get_tls_info (conn)),
                    "CN=localhost");
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 1);
  ck_assert_uint_eq (test_server_get_n_connections (origin), 1);
  host = g_strdup_printf ("localhost:%u", test_server_get_port (origin));
  request = test_server_get_request (origin, 0);
  test_assert_request_header (request, "Host", host);
}
END_TEST

/* The certificate is checked against the origin: a proxied connection to
 * a host the certificate does not name fails like a direct one. */
START_TEST (test_https_wrong_origin_name)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };
  g_autoptr(TestServer) origin = NULL;
  g_autoptr(TestServer) proxy = plain_proxy ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  options.cert_file = certs->wrong_host_cert_file;
  options.key_file = certs->wrong_host_key_file;
  origin = test_server_new_script_tls (steps, 0, &options);
  conn = through (proxy, TRUE, "127.0.0.1", test_server_get_port (origin), NULL);
  error = test_get_error (conn);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  test_assert_message_has (error, "certificate for wrong.example is not valid for host 127.0.0.1");
}
END_TEST

/* Proxy-Authorization goes once in each CONNECT, never to the origin. */
START_TEST (test_proxy_authorization_once_per_tunnel)
{
  const char *steps[] = { OK_HELLO, TEST_STEP_WAIT_CLOSE, OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = NULL;
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *auth = httplib_tunnel_basic_auth_header ("user", "pass", &error);
  TestProxyStep require = { TEST_PROXY_REQUIRE_AUTH, NULL };

  httplib_assert_no_error (error);
  proxy = test_proxy_new (&require, 1, auth);
  httplib_headers_append (headers, "Proxy-Authorization", auth);
  conn = through (proxy, FALSE, "127.0.0.1", test_server_get_port (origin), headers);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);
      g_autoptr(GBytes) connect = NULL;
      g_autoptr(GBytes) request = NULL;

      test_assert_body (response, "hello");
      connect = test_server_get_request (proxy, i);
      ck_assert_uint_eq (test_request_count_header (connect, "Proxy-Authorization"), 1);
      test_assert_request_header (connect, "Proxy-Authorization", "Basic dXNlcjpwYXNz");
      request = test_server_get_request (origin, i);
      test_assert_request_header (request, "Proxy-Authorization", NULL);
      /* A reconnect opens the tunnel again. */
      httplib_connection_close (conn);
    }
  ck_assert_uint_eq (test_proxy_get_n_tunnels (proxy), 2);
  ck_assert_uint_eq (test_server_get_n_requests (proxy), 2);
}
END_TEST

/* A 407 leaves its fields readable; the application answers it. */
START_TEST (test_answer_407)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  TestProxyStep require = { TEST_PROXY_REQUIRE_AUTH, NULL };
  g_autofree char *auth = httplib_tunnel_basic_auth_header ("user", "pass", NULL);
  HttplibHeaders *proxy_headers;

  proxy = test_proxy_new (&require, 1, auth);
  conn = through (proxy, FALSE, "127.0.0.1", test_server_get_port (origin), NULL);
  error = test_get_error (conn);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TUNNEL_FAILED);
  test_assert_message_has (error, "407 Proxy Authentication Required");
  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 407);
  proxy_headers = httplib_connection_get_proxy_response_headers (conn);
  ck_assert_ptr_nonnull (proxy_headers);
  ck_assert_str_eq (httplib_headers_get_one (proxy_headers, "Proxy-Authenticate"),
                    "Basic realm=\"test\"");
  ck_assert_int_ne (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);

  /* Not open: the tunnel can be set again, with credentials. */
  httplib_headers_append (headers, "Proxy-Authorization", auth);
  g_clear_error (&error);
  ck_assert (httplib_connection_set_tunnel (conn, "127.0.0.1", test_server_get_port (origin),
                                            headers, &error));
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 200);
}
END_TEST

static void
capture_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (message));
}

static gboolean
has_message (GPtrArray *messages, const char *expected)
{
  for (guint i = 0; i < messages->len; i++)
    if (strcmp (g_ptr_array_index (messages, i), expected) == 0)
      return TRUE;
  return FALSE;
}

START_TEST (test_debug_shows_connect)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = plain_proxy ();
  g_autoptr(HttplibConnection) conn = through (proxy, FALSE, "127.0.0.1",
                                               test_server_get_port (origin), NULL);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(HttplibResponse) response = NULL;
  guint port = test_server_get_port (origin);
  g_autofree char *send = g_strdup_printf ("send: b'CONNECT 127.0.0.1:%u HTTP/1.1\\r\\n"
                                           "Host: 127.0.0.1:%u\\r\\n\\r\\n'", port, port);
  guint handler = g_log_set_handler ("Httplib", G_LOG_LEVEL_MASK, capture_log, messages);

  httplib_connection_set_debug_level (conn, 1);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  g_log_remove_handler ("Httplib", handler);

  ck_assert_msg (has_message (messages, send), "no “%s” in the log", send);
  ck_assert (has_message (messages, "reply: 'HTTP/1.1 200 Connection established\\r\\n'"));
}
END_TEST

/* --- events and states --- */

typedef struct {
  GString *log;
} Trace;

static const char *
nick (GType type, int value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);

  return g_enum_get_value (klass, value)->value_nick;
}

static void
on_state (HttplibConnection *conn, int old_state, int new_state, Trace *trace)
{
  g_string_append_printf (trace->log, "%s>%s ", nick (HTTPLIB_TYPE_CONNECTION_STATE, old_state),
                          nick (HTTPLIB_TYPE_CONNECTION_STATE, new_state));
}

static void
on_event (HttplibConnection *conn, int event, GIOStream *stream, Trace *trace)
{
  g_string_append_printf (trace->log, "%s ", nick (HTTPLIB_TYPE_TRANSPORT_EVENT, event));
}

START_TEST (test_state_and_event_order)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = plain_proxy ();
  g_autoptr(HttplibConnection) conn = through (proxy, FALSE, "127.0.0.1",
                                               test_server_get_port (origin), NULL);
  g_autoptr(HttplibResponse) response = NULL;
  Trace trace = { g_string_new (NULL) };

  g_signal_connect (conn, "state-changed", G_CALLBACK (on_state), &trace);
  g_signal_connect (conn, "event", G_CALLBACK (on_event), &trace);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  ck_assert_str_eq (trace.log->str,
                    "disconnected>connecting resolving resolved connecting connected complete "
                    "proxy-negotiating proxy-negotiated complete connecting>idle "
                    "idle>request-started request-started>request-sent "
                    "request-sent>response-active response-active>idle ");
  g_string_free (trace.log, TRUE);
}
END_TEST

/* --- set_tunnel's own checks, and the Basic helper --- */

START_TEST (test_set_tunnel_after_connect)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(GError) error = NULL;

  ck_assert (httplib_connection_connect (conn, NULL, &error));
  ck_assert (!httplib_connection_set_tunnel (conn, "example.org", 0, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE);
  ck_assert_ptr_null (httplib_connection_get_tunnel_host (conn));
}
END_TEST

typedef struct {
  const char *what;
  const char *host;
  guint       port;
  const char *header_name;
  const char *header_value;
  int         code;
} BadTunnel;

static const BadTunnel bad_tunnels[] = {
  { "port not a number", "example.org:http", 0, NULL, NULL, HTTPLIB_ERROR_INVALID_URL },
  { "port out of range", "example.org:70000", 0, NULL, NULL, HTTPLIB_ERROR_INVALID_URL },
  { "empty host", "", 0, NULL, NULL, HTTPLIB_ERROR_INVALID_URL },
  { "space in host", "exa mple.org", 0, NULL, NULL, HTTPLIB_ERROR_INVALID_URL },
  { "CRLF in a header value", "example.org", 0, "Proxy-Authorization", "Basic x\r\nX: y",
    HTTPLIB_ERROR_INVALID_HEADER },
  { "space in a header name", "example.org", 0, "Proxy Authorization", "x",
    HTTPLIB_ERROR_INVALID_HEADER },
};

START_TEST (test_bad_tunnel)
{
  const BadTunnel *row = &bad_tunnels[_i];
  g_autoptr(HttplibConnection) conn = httplib_connection_new ("127.0.0.1", 9, NULL);
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(GError) error = NULL;

  if (row->header_name != NULL)
    httplib_headers_append (headers, row->header_name, row->header_value);
  ck_assert_msg (!httplib_connection_set_tunnel (conn, row->host, row->port, headers, &error),
                 "%s was accepted", row->what);
  httplib_assert_error (error, HTTPLIB_ERROR, row->code);
  /* Nothing changed. */
  ck_assert_ptr_null (httplib_connection_get_tunnel_host (conn));
}
END_TEST

START_TEST (test_tunnel_ports)
{
  g_autoptr(HttplibConnection) plain = httplib_connection_new ("proxy.invalid:3128", 0, NULL);
  g_autoptr(HttplibConnection) https = httplib_connection_new_https ("proxy.invalid:3128", 0, NULL, NULL);
  GError *error = NULL;

  ck_assert (httplib_connection_set_tunnel (plain, "example.org", 0, NULL, &error));
  ck_assert_uint_eq (httplib_connection_get_tunnel_port (plain), 80);
  ck_assert (httplib_connection_set_tunnel (https, "example.org", 0, NULL, &error));
  ck_assert_uint_eq (httplib_connection_get_tunnel_port (https), 443);
  ck_assert (httplib_connection_set_tunnel (https, "[::1]:8443", 0, NULL, &error));
  ck_assert_str_eq (httplib_connection_get_tunnel_host (https), "::1");
  ck_assert_uint_eq (httplib_connection_get_tunnel_port (https), 8443);
  ck_assert (httplib_connection_set_tunnel (plain, "example.org", 8080, NULL, &error));
  ck_assert_uint_eq (httplib_connection_get_tunnel_port (plain), 8080);
  httplib_assert_no_error (error);
}
END_TEST

typedef struct {
  const char *user;
  const char *password;
  const char *expected;  /* NULL: HTTPLIB_ERROR_INVALID_HEADER */
} BasicRow;

static const BasicRow basic_rows[] = {
  { "user", "pass", "Basic dXNlcjpwYXNz" },
  { "Aladdin", "open sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" },   /* RFC 7617 */
  { "test", "123\xc2\xa3", "Basic dGVzdDoxMjPCow==" },                  /* RFC 7617, UTF-8 */
  { "", "", "Basic Og==" },
  { "us:er", "pass", NULL },
  { "user", "pa\nss", NULL },
  { "us\x7f" "er", "pass", NULL },
  { "user", "\xff\xfe", NULL },
};

START_TEST (test_basic_auth_header)
{
  const BasicRow *row = &basic_rows[_i];
  g_autoptr(GError) error = NULL;
  g_autofree char *value = httplib_tunnel_basic_auth_header (row->user, row->password, &error);

  if (row->expected != NULL)
    {
      httplib_assert_no_error (error);
      ck_assert_str_eq (value, row->expected);
    }
  else
    {
      ck_assert_ptr_null (value);
      httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_HEADER);
    }
}
END_TEST

/* --- proxies that fail --- */

typedef struct {
  const char      *what;
  TestProxyAction  action;
  const char      *reply;
  GQuark         (*domain) (void);
  int              code;
  const char      *message;
} BadProxy;

static char *long_line_reply;
static char *many_headers_reply;

static const BadProxy bad_proxies[] = {
  { "closes before answering", TEST_PROXY_CLOSE, NULL, httplib_error_quark,
    HTTPLIB_ERROR_REMOTE_DISCONNECTED, "the proxy's answer to CONNECT" },
  { "malformed status line", TEST_PROXY_REPLY_CLOSE, "HTTP/1.1 two hundred OK\r\n\r\n",
    httplib_error_quark, HTTPLIB_ERROR_BAD_STATUS_LINE, "the proxy's answer to CONNECT" },
  { "not HTTP", TEST_PROXY_REPLY_CLOSE, "SSH-2.0-OpenSSH_9.2\r\n", httplib_error_quark,
    HTTPLIB_ERROR_BAD_STATUS_LINE, "SSH-2.0" },
  { "over-long line", TEST_PROXY_REPLY_CLOSE, NULL /* long_line_reply */, httplib_error_quark,
    HTTPLIB_ERROR_LINE_TOO_LONG, "got more than 65536 bytes" },
  { "too many headers", TEST_PROXY_REPLY_CLOSE, NULL /* many_headers_reply */, httplib_error_quark,
    HTTPLIB_ERROR_TOO_MANY_HEADERS, "got more than 100 headers" },
  { "200 then garbage", TEST_PROXY_REPLY_THEN_RELAY, "HTTP/1.1 200 OK\r\n\r\ngarbage",
    httplib_error_quark, HTTPLIB_ERROR_TUNNEL_FAILED, "the proxy sent 7 bytes after its 200 OK" },
  { "407", TEST_PROXY_REPLY_CLOSE, TEST_PROXY_407, httplib_error_quark,
    HTTPLIB_ERROR_TUNNEL_FAILED, "Tunnel connection failed: 407 Proxy Authentication Required" },
  { "403", TEST_PROXY_REPLY_CLOSE, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
    httplib_error_quark, HTTPLIB_ERROR_TUNNEL_FAILED, "Tunnel connection failed: 403 Forbidden" },
  { "502", TEST_PROXY_REPLY_CLOSE, TEST_PROXY_502, httplib_error_quark,
    HTTPLIB_ERROR_TUNNEL_FAILED, "Tunnel connection failed: 502 Bad Gateway" },
  { "504", TEST_PROXY_REPLY_CLOSE, "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n",
    httplib_error_quark, HTTPLIB_ERROR_TUNNEL_FAILED, "Tunnel connection failed: 504 Gateway Timeout" },
  { "1xx only", TEST_PROXY_REPLY_CLOSE, "HTTP/1.1 100 Continue\r\n\r\n", httplib_error_quark,
    HTTPLIB_ERROR_TUNNEL_FAILED, "Tunnel connection failed: 100 Continue" },
};

static void
make_big_replies (void)
{
  GString *s = g_string_new ("HTTP/1.1 200 OK\r\nX-Long: ");

  for (int i = 0; i < 70000; i++)
    g_string_append_c (s, 'a');
  g_string_append (s, "\r\n\r\n");
  long_line_reply = g_string_free (s, FALSE);

  s = g_string_new ("HTTP/1.1 200 OK\r\n");
  for (int i = 0; i < 101; i++)
    g_string_append_printf (s, "X-H%d: v\r\n", i);
  g_string_append (s, "\r\n");
  many_headers_reply = g_string_free (s, FALSE);
}

static void
free_big_replies (void)
{
  g_clear_pointer (&long_line_reply, g_free);
  g_clear_pointer (&many_headers_reply, g_free);
}

START_TEST (test_bad_proxy)
{
  const BadProxy *row = &bad_proxies[_i];
  const char *origin_steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (origin_steps, 0);
  TestProxyStep steps[2] = { { row->action, row->reply }, { TEST_PROXY_TUNNEL, NULL } };
  g_autoptr(TestServer) proxy = NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) response = NULL;

  if (row->code == HTTPLIB_ERROR_LINE_TOO_LONG)
    steps[0].reply = long_line_reply;
  else if (row->code == HTTPLIB_ERROR_TOO_MANY_HEADERS)
    steps[0].reply = many_headers_reply;
  proxy = scripted_proxy (steps, 2);
  conn = through (proxy, FALSE, "127.0.0.1", test_server_get_port (origin), NULL);

  error = test_get_error (conn);
  ck_assert_msg (error != NULL, "%s: no error", row->what);
  httplib_assert_error (error, row->domain (), row->code);
  test_assert_message_has (error, row->message);
  ck_assert_int_ne (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
  ck_assert_uint_eq (test_server_get_n_requests (origin), 0);

  /* Usable again after close: the proxy's next connection tunnels. */
  httplib_connection_close (conn);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
}
END_TEST

START_TEST (test_proxy_refuses_connection)
{
  g_autoptr(TestServer) closed = test_server_new_script ((const char *[]) { NULL }, 0);
  guint16 port = test_server_get_port (closed);
  g_autoptr(HttplibConnection) conn = NULL;
  g_autofree char *proxy = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&closed, test_server_free);
  proxy = g_strdup_printf ("127.0.0.1:%u", port);
  conn = httplib_connection_new (proxy, 0, NULL);
  ck_assert (httplib_connection_set_tunnel (conn, "127.0.0.1", 80, NULL, NULL));
  error = test_get_error (conn);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 0);
  ck_assert_ptr_null (httplib_connection_get_proxy_response_headers (conn));
}
END_TEST

/* The proxy cannot reach the origin: it says 502. */
START_TEST (test_origin_unreachable)
{
  g_autoptr(TestServer) gone = test_server_new_script ((const char *[]) { NULL }, 0);
  guint16 port = test_server_get_port (gone);
  g_autoptr(TestServer) proxy = plain_proxy ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&gone, test_server_free);
  conn = through (proxy, FALSE, "127.0.0.1", port, NULL);
  error = test_get_error (conn);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TUNNEL_FAILED);
  test_assert_message_has (error, "502 Bad Gateway");
  ck_assert_uint_eq (httplib_connection_get_proxy_status (conn), 502);
}
END_TEST

static void
tunnel_setup (void)
{
  test_certs_get ();
  make_big_replies ();
}

static Suite *
tunnel_suite (void)
{
  Suite *suite = suite_create ("tunnel");
  TCase *tc;

  tc = tcase_create ("tunnels");
  tcase_add_unchecked_fixture (tc, tunnel_setup, free_big_replies);
  tcase_add_test (tc, test_http_keep_alive);
  tcase_add_test (tc, test_https_through_tunnel);
  tcase_add_test (tc, test_https_wrong_origin_name);
  tcase_add_test (tc, test_proxy_authorization_once_per_tunnel);
  tcase_add_test (tc, test_answer_407);
  tcase_add_test (tc, test_debug_shows_connect);
  tcase_add_test (tc, test_state_and_event_order);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("set-tunnel");
  tcase_add_test (tc, test_set_tunnel_after_connect);
  tcase_add_loop_test (tc, test_bad_tunnel, 0, G_N_ELEMENTS (bad_tunnels));
  tcase_add_test (tc, test_tunnel_ports);
  tcase_add_loop_test (tc, test_basic_auth_header, 0, G_N_ELEMENTS (basic_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("failures");
  tcase_add_unchecked_fixture (tc, tunnel_setup, free_big_replies);
  tcase_add_loop_test (tc, test_bad_proxy, 0, G_N_ELEMENTS (bad_proxies));
  tcase_add_test (tc, test_proxy_refuses_connection);
  tcase_add_test (tc, test_origin_unreachable);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (tunnel_suite)
