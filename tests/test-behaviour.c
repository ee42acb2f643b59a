/* test-behaviour.c: the behaviour paragraphs of the core issue on the
 * request side (Host, framing, keep-alive, the order of calls, sockets),
 * against a loopback server; the responses are in test-behaviour-responses.c */
#include <httplib/httplib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define OK_EMPTY "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

/* --- helpers --- */

static char *
replace_all (const char *s, const char *from, const char *to)
{
  char **parts = g_strsplit (s, from, -1);
  char *result = g_strjoinv (to, parts);

  g_strfreev (parts);
  return result;
}

/* fmt with each "%u" replaced by port, and "{zone}" by the loopback
 * interface's index: glibc resolves a zone name only for link-local
 * addresses, a numeric zone for any */
static char *
expand_port (const char *fmt, guint port)
{
  char *number = g_strdup_printf ("%u", port);
  char *zone = g_strdup_printf ("%u", if_nametoindex ("lo") ? if_nametoindex ("lo") : 1u);
  char *with_port = replace_all (fmt, "%u", number);
  char *result = replace_all (with_port, "{zone}", zone);

  g_free (number);
  g_free (zone);
  g_free (with_port);
  return result;
}

/* --- a transport that always reaches the loopback server, whatever the
 * endpoint says: it lets a test see the Host header written for hosts and
 * ports it cannot reach (port 80, link-local addresses with a zone). --- */

#define REDIRECT_TRANSPORT "test-redirect"

static guint16 redirect_port;  /* where the redirect transport really connects */

#define TEST_TYPE_REDIRECT_TRANSPORT (test_redirect_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestRedirectTransport, test_redirect_transport, TEST, REDIRECT_TRANSPORT, GObject)

struct _TestRedirectTransport {
  GObject parent_instance;
};

static GIOStream *
redirect_open (HttplibTransport *transport, HttplibEndpoint *endpoint, GIOStream *base,
               GCancellable *cancellable, GError **error)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *connection;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, TEST_SERVER_IO_TIMEOUT);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", redirect_port,
                                                cancellable, error);
  g_object_unref (client);
  return connection ? G_IO_STREAM (connection) : NULL;
}

static void
test_redirect_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = redirect_open;
}

G_DEFINE_TYPE_WITH_CODE (TestRedirectTransport, test_redirect_transport, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                test_redirect_transport_iface_init))

static void
test_redirect_transport_class_init (TestRedirectTransportClass *klass)
{
}

static void
test_redirect_transport_init (TestRedirectTransport *self)
{
}

static void
register_redirect_transport (void)
{
  static gboolean registered;  /* with CK_FORK=no the process is shared */
  GError *error = NULL;

  if (registered)
    return;
  httplib_registry_register_transport (httplib_registry_get_default (), REDIRECT_TRANSPORT,
                                       TEST_TYPE_REDIRECT_TRANSPORT, &error);
  httplib_assert_no_error (error);
  registered = TRUE;
}

/* --- a body source of unknown length --- */

#define TEST_TYPE_STREAM_BODY (test_stream_body_get_type ())
G_DECLARE_FINAL_TYPE (TestStreamBody, test_stream_body, TEST, STREAM_BODY, GObject)

struct _TestStreamBody {
  GObject parent_instance;
};

static gint64
stream_body_get_length (HttplibBodySource *source)
{
  return -1;
}

static gboolean
stream_body_write_to (HttplibBodySource *source, GOutputStream *stream,
                      GCancellable *cancellable, GError **error)
{
  return g_output_stream_write_all (stream, "first,", 6, NULL, cancellable, error) &&
         g_output_stream_write_all (stream, "second", 6, NULL, cancellable, error);
}

static void
test_stream_body_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = stream_body_get_length;
  iface->write_to = stream_body_write_to;
}

G_DEFINE_TYPE_WITH_CODE (TestStreamBody, test_stream_body, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_BODY_SOURCE,
                                                test_stream_body_iface_init))

static void
test_stream_body_class_init (TestStreamBodyClass *klass)
{
}

static void
test_stream_body_init (TestStreamBody *self)
{
}

/* --- Host --- */

static const struct {
  const char *description;
  const char *host;           /* %u: the server's port */
  gboolean    pass_port;
  gboolean    ipv6;
  const char *expected;       /* %u: the server's port */
} host_real[] = {
  { "IPv4 with port", "127.0.0.1", TRUE, FALSE, "127.0.0.1:%u" },
  { "host:port form", "127.0.0.1:%u", FALSE, FALSE, "127.0.0.1:%u" },
  { "name with port", "localhost", TRUE, FALSE, "localhost:%u" },
  { "IPv6 literal in brackets", "::1", TRUE, TRUE, "[::1]:%u" },
  { "bracketed IPv6 host:port", "[::1]:%u", FALSE, TRUE, "[::1]:%u" },
  { "IPv6 zone id stripped", "::1%{zone}", TRUE, TRUE, "[::1]:%u" },
  { "bracketed IPv6 with zone id stripped", "[::1%{zone}]:%u", FALSE, TRUE, "[::1]:%u" },
};

START_TEST (test_host_real)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestScript script = { steps, 0, 0 };
  TestServer *server;
  HttplibConnection *conn;
  GError *error = NULL;
  GBytes *request;
  char *host, *expected;
  guint port;

  server = host_real[_i].ipv6 ? test_server_new_ipv6 (test_script_handler, &script)
                              : test_server_new (test_script_handler, &script);
  if (server == NULL && host_real[_i].ipv6)
    {
      g_printerr ("# %s: no IPv6 loopback, skipped\n", host_real[_i].description);
      return;
    }
  ck_assert_ptr_nonnull (server);
  port = test_server_get_port (server);
  host = expand_port (host_real[_i].host, port);
  expected = expand_port (host_real[_i].expected, port);

  conn = httplib_connection_new (host, host_real[_i].pass_port ? port : 0, &error);
  httplib_assert_no_error (error);
  test_get_hello (conn, "/");

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Host", expected);

  g_bytes_unref (request);
  g_object_unref (conn);
  test_server_free (server);
  g_free (host);
  g_free (expected);
}
END_TEST

static const struct {
  const char *description;
  const char *host;
  guint       port;
  const char *expected;
} host_redirected[] = {
  { "default port omitted", "example.org", 80, "example.org" },
  { "default port from host:port omitted", "example.org:80", 0, "example.org" },
  { "port 0 means 80, omitted", "example.org", 0, "example.org" },
  { "other port kept", "example.org", 8080, "example.org:8080" },
  { "IPv6 literal, default port", "2001:db8::1", 80, "[2001:db8::1]" },
  { "IPv6 zone id stripped", "fe80::1%eth0", 80, "[fe80::1]" },
  { "bracketed IPv6 zone id stripped, port kept", "[fe80::1%eth0]:8080", 0, "[fe80::1]:8080" },
};

START_TEST (test_host_redirected)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn;
  GError *error = NULL;
  GBytes *request;

  register_redirect_transport ();
  redirect_port = test_server_get_port (server);

  conn = httplib_connection_new (host_redirected[_i].host, host_redirected[_i].port, &error);
  httplib_assert_no_error (error);
  httplib_connection_set_transport (conn, REDIRECT_TRANSPORT);
  ck_assert_str_eq (httplib_connection_get_transport (conn), REDIRECT_TRANSPORT);
  test_get_hello (conn, "/");

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Host", host_redirected[_i].expected);

  g_bytes_unref (request);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static const struct {
  const char *description;
  const char *name;
  const char *value;
  const char *canonical;   /* the automatic field it replaces */
} caller_fields[] = {
  { "Host", "Host", "example.org", "Host" },
  { "host in lower case", "host", "example.org", "Host" },
  { "HOST in upper case", "HOST", "example.org:81", "Host" },
  { "Accept-Encoding", "Accept-Encoding", "gzip", "Accept-Encoding" },
  { "ACCEPT-ENCODING in upper case", "ACCEPT-ENCODING", "br", "Accept-Encoding" },
  { "accept-encoding in lower case", "accept-encoding", "identity, gzip", "Accept-Encoding" },
};

START_TEST (test_caller_fields_suppress_automatic)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibHeaders *headers = httplib_headers_new ();
  GBytes *request;
  char *head;

  httplib_headers_append (headers, caller_fields[_i].name, caller_fields[_i].value);
  {
    HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, headers);
    test_assert_body (resp, "hello");
    g_object_unref (resp);
  }

  request = test_server_get_request (server, 0);
  head = test_request_get_head (request);
  ck_assert_msg (test_request_count_header (request, caller_fields[_i].canonical) == 1,
                 "%s: expected one %s field, got %u in \"%s\"", caller_fields[_i].description,
                 caller_fields[_i].canonical,
                 test_request_count_header (request, caller_fields[_i].canonical),
                 test_escape (head, strlen (head)));
  test_assert_request_header (request, caller_fields[_i].canonical, caller_fields[_i].value);

  g_free (head);
  g_bytes_unref (request);
  httplib_headers_unref (headers);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static const struct {
  const char *description;
  gboolean    skip_host;
  gboolean    skip_accept_encoding;
} skips[] = {
  { "nothing skipped", FALSE, FALSE },
  { "skip_host", TRUE, FALSE },
  { "skip_accept_encoding", FALSE, TRUE },
  { "both skipped", TRUE, TRUE },
};

START_TEST (test_put_request_skips)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *request;
  char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));

  ck_assert (httplib_connection_put_request (conn, "GET", "/", skips[_i].skip_host,
                                             skips[_i].skip_accept_encoding, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_end_headers (conn, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Host", skips[_i].skip_host ? NULL : host);
  test_assert_request_header (request, "Accept-Encoding",
                              skips[_i].skip_accept_encoding ? NULL : "identity");

  g_free (host);
  g_bytes_unref (request);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_accept_encoding_default)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GBytes *request;

  test_get_hello (conn, "/");
  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Accept-Encoding", "identity");

  g_bytes_unref (request);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- Content-Length and the request line --- */

static const struct {
  const char *description;
  const char *method;
  const char *body;             /* NULL: no body */
  const char *caller_name;      /* a Content-Length the caller gives, or NULL */
  const char *caller_value;
  const char *expected;         /* NULL: no Content-Length */
} lengths[] = {
  { "GET without body: none", "GET", NULL, NULL, NULL, NULL },
  { "HEAD without body: none", "HEAD", NULL, NULL, NULL, NULL },
  { "DELETE without body: none", "DELETE", NULL, NULL, NULL, NULL },
  { "OPTIONS without body: none", "OPTIONS", NULL, NULL, NULL, NULL },
  { "POST without body: 0", "POST", NULL, NULL, NULL, "0" },
  { "PUT without body: 0", "PUT", NULL, NULL, NULL, "0" },
  { "PATCH without body: 0", "PATCH", NULL, NULL, NULL, "0" },
  { "GET with body: its length", "GET", "abc", NULL, NULL, "3" },
  { "POST with body: its length", "POST", "hello", NULL, NULL, "5" },
  { "DELETE with body: its length", "DELETE", "x", NULL, NULL, "1" },
  { "POST with empty body: 0", "POST", "", NULL, NULL, "0" },
  { "GET with empty body: 0", "GET", "", NULL, NULL, "0" },
  { "caller's Content-Length not duplicated", "POST", "abc", "Content-Length", "3", "3" },
  { "caller's content-length in lower case not duplicated", "PUT", "abc", "content-length", "3", "3" },
};

START_TEST (test_content_length_rules)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibHeaders *headers = httplib_headers_new ();
  HttplibResponse *resp;
  GBytes *request, *body;
  char *value;
  guint count;

  if (lengths[_i].caller_name)
    httplib_headers_append (headers, lengths[_i].caller_name, lengths[_i].caller_value);
  resp = test_do_request (conn, lengths[_i].method, "/", lengths[_i].body, headers);
  if (strcmp (lengths[_i].method, "HEAD") != 0)
    test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  value = test_request_get_header (request, "Content-Length");
  count = test_request_count_header (request, "Content-Length");
  ck_assert_msg (g_strcmp0 (value, lengths[_i].expected) == 0,
                 "%s: Content-Length: expected %s, got %s", lengths[_i].description,
                 lengths[_i].expected ? lengths[_i].expected : "(none)", value ? value : "(none)");
  ck_assert_msg (count == (lengths[_i].expected ? 1u : 0u), "%s: Content-Length appears %u times",
                 lengths[_i].description, count);
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, lengths[_i].body ? lengths[_i].body : "", -1, lengths[_i].description);

  g_free (value);
  g_bytes_unref (body);
  g_bytes_unref (request);
  g_object_unref (resp);
  httplib_headers_unref (headers);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_unknown_length_is_chunked)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibBodySource *body = g_object_new (TEST_TYPE_STREAM_BODY, NULL);
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *request, *raw, *decoded;

  ck_assert (httplib_connection_request (conn, "POST", "/stream", body, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Transfer-Encoding", "chunked");
  test_assert_request_header (request, "Content-Length", NULL);
  raw = test_request_get_body (request);
  decoded = test_decode_chunked (raw);
  ck_assert_msg (decoded != NULL, "the body is not valid chunked framing: \"%s\"",
                 test_escape (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw)));
  test_assert_bytes_equal (decoded, "first,second", -1, "decoded request body");

  g_bytes_unref (decoded);
  g_bytes_unref (raw);
  g_bytes_unref (request);
  g_object_unref (resp);
  g_object_unref (body);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_request_line)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GBytes *request;

  test_get_hello (conn, "/a/b?c=d&e=%20f#frag");
  resp = test_do_request (conn, "OPTIONS", "*", NULL, NULL);
  test_assert_body (resp, "hello");
  g_object_unref (resp);
  test_get_hello (conn, "http://example.org/absolute");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "GET /a/b?c=d&e=%20f#frag HTTP/1.1");
  g_bytes_unref (request);
  request = test_server_get_request (server, 1);
  test_assert_request_line (request, "OPTIONS * HTTP/1.1");
  g_bytes_unref (request);
  request = test_server_get_request (server, 2);
  test_assert_request_line (request, "GET http://example.org/absolute HTTP/1.1");
  g_bytes_unref (request);

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_tcp_nodelay)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  int fd = httplib_response_fileno (resp), nodelay = 0;
  socklen_t size = sizeof nodelay;

  ck_assert_int_ge (fd, 0);
  ck_assert_int_eq (getsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &size), 0);
  ck_assert_msg (nodelay != 0, "TCP_NODELAY must be on");
  test_assert_body (resp, "hello");

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- keep-alive --- */

START_TEST (test_keep_alive_reuse)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, OK_HELLO, OK_HELLO, OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);

  for (guint i = 0; i < 5; i++)
    {
      char *url = g_strdup_printf ("/%u", i);
      test_get_hello (conn, url);
      g_free (url);
    }
  ck_assert_uint_eq (test_server_get_n_requests (server), 5);
  ck_assert_msg (test_server_get_n_connections (server) == 1,
                 "5 requests should share one connection; the server accepted %u",
                 test_server_get_n_connections (server));
  for (guint i = 0; i < 5; i++)
    {
      GBytes *request = test_server_get_request (server, i);
      char *line = g_strdup_printf ("GET /%u HTTP/1.1", i);

      test_assert_request_line (request, line);
      g_free (line);
      g_bytes_unref (request);
    }

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* CPython's _check_close, and "no length and not chunked means close". */
static const struct {
  const char *description;
  const char *response;
  const char *body;
  gboolean    server_closes;  /* the body ends when the server closes */
  gboolean    will_close;
} check_close[] = {
  { "1.1 plain keeps", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, FALSE },
  { "1.1 Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, TRUE },
  { "1.1 Connection: Close (case)", "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, TRUE },
  { "1.1 Connection: keep-alive, close", "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, TRUE },
  { "1.1 Connection: keep-alive", "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, FALSE },
  { "1.1 chunked keeps", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "ok", FALSE, FALSE },
  { "1.1 204 without length keeps", "HTTP/1.1 204 No Content\r\n\r\n", "", FALSE, FALSE },
  { "1.1 no length, not chunked: close", "HTTP/1.1 200 OK\r\n\r\nok", "ok", TRUE, TRUE },
  { "1.0 plain closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, TRUE },
  { "1.0 Connection: keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, FALSE },
  { "1.0 Connection: Keep-Alive (case)", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, FALSE },
  { "1.0 Keep-Alive field", "HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, FALSE },
  { "1.0 Proxy-Connection: keep-alive", "HTTP/1.0 200 OK\r\nProxy-Connection: keep-alive\r\nContent-Length: 2\r\n\r\nok", "ok", FALSE, FALSE },
  { "1.0 keep-alive but no length: close", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nok", "ok", TRUE, TRUE },
};

START_TEST (test_check_close)
{
  const char * const steps[] = {
    check_close[_i].response,
    check_close[_i].server_closes ? TEST_STEP_CLOSE : OK_HELLO,
    OK_HELLO,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/first", NULL, NULL);
  guint expected_connections = check_close[_i].will_close ? 2 : 1;
  gboolean will_close = FALSE;

  ck_assert_msg (httplib_response_get_will_close (resp) == check_close[_i].will_close,
                 "%s: will-close: expected %d, got %d", check_close[_i].description,
                 check_close[_i].will_close, httplib_response_get_will_close (resp));
  g_object_get (resp, "will-close", &will_close, NULL);
  ck_assert (will_close == check_close[_i].will_close);
  test_assert_body (resp, check_close[_i].body);
  g_object_unref (resp);

  test_get_hello (conn, "/second");
  ck_assert_msg (test_server_get_n_connections (server) == expected_connections,
                 "%s: expected %u connections, the server accepted %u", check_close[_i].description,
                 expected_connections, test_server_get_n_connections (server));

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- reconnecting, and never resending --- */

static const struct {
  const char *description;
  const char *how;
} idle_closes[] = {
  { "server closed the idle connection", TEST_STEP_CLOSE },
  { "server reset the idle connection", TEST_STEP_RESET },
};

START_TEST (test_reconnect_after_idle_close)
{
  const char * const steps[] = { OK_HELLO, idle_closes[_i].how, OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GBytes *first, *received;

  test_get_hello (conn, "/one");
  /* let the server finish with the first connection before reusing it */
  ck_assert (test_server_wait_handled (server, 1));
  test_get_hello (conn, "/two");

  ck_assert_msg (test_server_get_n_connections (server) == 2,
                 "%s: expected a second connection, the server accepted %u",
                 idle_closes[_i].description, test_server_get_n_connections (server));
  ck_assert_uint_eq (test_server_get_n_requests (server), 2);

  /* the second request went out once, on the new connection only */
  first = test_server_get_request (server, 0);
  received = test_server_get_received (server, 0);
  ck_assert_msg (g_bytes_get_size (received) == g_bytes_get_size (first),
                 "%s: the old connection got %zu bytes, the first request has %zu",
                 idle_closes[_i].description, g_bytes_get_size (received), g_bytes_get_size (first));
  test_assert_received_prefix (server, 1, "GET /two HTTP/1.1\r\n");

  g_bytes_unref (received);
  g_bytes_unref (first);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_remote_disconnected_not_resent)
{
  static const char * const steps[] = { TEST_STEP_READ_CLOSE, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;

  ck_assert (httplib_connection_request (conn, "POST", "/once", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_REMOTE_DISCONNECTED);
  ck_assert_str_eq (error->message, "Remote end closed connection without response");
  g_clear_error (&error);

  ck_assert_msg (test_server_get_n_requests (server) == 1,
                 "the request must not be resent: the server saw %u",
                 test_server_get_n_requests (server));
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

typedef struct {
  const char *method;
  guint       requests;     /* what the server saw */
  guint       connections;
} KeptRow;

static const KeptRow kept_rows[] = {
  /* Idempotent: sent again once on a new connection, which the script closes too. */
  { "GET", 3, 2 },
  /* Not idempotent: the server may have acted on it, so it goes once. */
  { "POST", 2, 1 },
};

START_TEST (test_remote_disconnected_on_kept_connection)
{
  static const char * const steps[] = { OK_HELLO, TEST_STEP_READ_CLOSE, NULL };
  const KeptRow *row = &kept_rows[_i];
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;

  test_get_hello (conn, "/one");
  ck_assert (httplib_connection_request (conn, row->method, "/two", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_REMOTE_DISCONNECTED);
  g_clear_error (&error);

  ck_assert_msg (test_server_get_n_requests (server) == row->requests,
                 "%s /two: expected the server to see %u requests, it saw %u", row->method,
                 row->requests, test_server_get_n_requests (server));
  ck_assert_uint_eq (test_server_get_n_connections (server), row->connections);

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- the order of calls --- */

START_TEST (test_unread_response_blocks_request)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/first", NULL, NULL);
  GError *error = NULL;
  GBytes *first, *second, *received;

  ck_assert (!httplib_connection_request_string (conn, "GET", "/bad", NULL, NULL, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_REQUEST);
  g_clear_error (&error);
  ck_assert (!httplib_connection_put_request (conn, "GET", "/bad", FALSE, FALSE, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_REQUEST);
  g_clear_error (&error);

  test_assert_body (resp, "hello");
  g_object_unref (resp);
  test_get_hello (conn, "/second");

  /* nothing of the refused requests reached the server */
  ck_assert_uint_eq (test_server_get_n_requests (server), 2);
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
  first = test_server_get_request (server, 0);
  second = test_server_get_request (server, 1);
  test_assert_request_line (first, "GET /first HTTP/1.1");
  test_assert_request_line (second, "GET /second HTTP/1.1");
  received = test_server_get_received (server, 0);
  ck_assert_uint_eq (g_bytes_get_size (received), g_bytes_get_size (first) + g_bytes_get_size (second));

  g_bytes_unref (received);
  g_bytes_unref (first);
  g_bytes_unref (second);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_response_not_ready_nothing_sent)
{
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new ("127.0.0.1", 9, &error);
  HttplibResponse *resp;

  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_RESPONSE_NOT_READY);

  g_error_free (error);
  g_object_unref (conn);
}
END_TEST

START_TEST (test_response_not_ready_twice)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL), *again;
  GError *error = NULL;

  again = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (again);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_RESPONSE_NOT_READY);
  g_clear_error (&error);

  /* also once the first was read */
  test_assert_body (resp, "hello");
  again = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (again);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_RESPONSE_NOT_READY);
  g_clear_error (&error);

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_cannot_send_header)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;

  /* before put_request */
  ck_assert (!httplib_connection_put_header (conn, "X-Early", "1", &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_HEADER);
  g_clear_error (&error);
  ck_assert (!httplib_connection_end_headers (conn, NULL, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_HEADER);
  g_clear_error (&error);

  /* a second put_request while one is started */
  ck_assert (httplib_connection_put_request (conn, "GET", "/", FALSE, FALSE, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (!httplib_connection_put_request (conn, "GET", "/again", FALSE, FALSE, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_REQUEST);
  g_clear_error (&error);

  /* after end_headers */
  ck_assert (httplib_connection_end_headers (conn, NULL, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (!httplib_connection_put_header (conn, "X-Late", "1", &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CANNOT_SEND_HEADER);
  g_clear_error (&error);

  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- sockets: timeout, source address, refused --- */

START_TEST (test_timeout)
{
  static const char * const steps[] = { TEST_STEP_READ_HANG, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;

  ck_assert (httplib_connection_set_timeout (conn, 1.0, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_request (conn, "GET", "/slow", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

  g_error_free (error);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_source_address)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);

  httplib_connection_set_source_address (conn, "127.0.0.1");
  test_get_hello (conn, "/");

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_connection_refused)
{
  /* a bound socket that does not listen refuses connections, and holds the
   * port so nobody else takes it meanwhile */
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new (loopback, 0), *bound;
  HttplibConnection *conn;
  GError *error = NULL;
  guint16 port;

  ck_assert (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  httplib_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  conn = httplib_connection_new ("127.0.0.1", port, &error);
  httplib_assert_no_error (error);
  ck_assert (!httplib_connection_connect (conn, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  ck_assert (!httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  g_object_unref (conn);
  g_object_unref (bound);
  g_object_unref (address);
  g_object_unref (loopback);
  g_socket_close (socket, NULL);
  g_object_unref (socket);
}
END_TEST

static Suite *
behaviour_suite (void)
{
  Suite *s = suite_create ("behaviour");
  TCase *tc;

  tc = tcase_create ("host");
  tcase_add_loop_test (tc, test_host_real, 0, G_N_ELEMENTS (host_real));
  tcase_add_loop_test (tc, test_host_redirected, 0, G_N_ELEMENTS (host_redirected));
  tcase_add_loop_test (tc, test_caller_fields_suppress_automatic, 0, G_N_ELEMENTS (caller_fields));
  tcase_add_loop_test (tc, test_put_request_skips, 0, G_N_ELEMENTS (skips));
  tcase_add_test (tc, test_accept_encoding_default);
  suite_add_tcase (s, tc);

  tc = tcase_create ("request-framing");
  tcase_add_loop_test (tc, test_content_length_rules, 0, G_N_ELEMENTS (lengths));
  tcase_add_test (tc, test_unknown_length_is_chunked);
  tcase_add_test (tc, test_request_line);
  tcase_add_test (tc, test_tcp_nodelay);
  suite_add_tcase (s, tc);

  tc = tcase_create ("keep-alive");
  tcase_add_test (tc, test_keep_alive_reuse);
  tcase_add_loop_test (tc, test_check_close, 0, G_N_ELEMENTS (check_close));
  tcase_add_loop_test (tc, test_reconnect_after_idle_close, 0, G_N_ELEMENTS (idle_closes));
  tcase_add_test (tc, test_remote_disconnected_not_resent);
  tcase_add_loop_test (tc, test_remote_disconnected_on_kept_connection, 0,
                       G_N_ELEMENTS (kept_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("call-order");
  tcase_add_test (tc, test_unread_response_blocks_request);
  tcase_add_test (tc, test_response_not_ready_nothing_sent);
  tcase_add_test (tc, test_response_not_ready_twice);
  tcase_add_test (tc, test_cannot_send_header);
  suite_add_tcase (s, tc);

  tc = tcase_create ("socket");
  tcase_add_test (tc, test_timeout);
  tcase_add_test (tc, test_source_address);
  tcase_add_test (tc, test_connection_refused);
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (behaviour_suite)
