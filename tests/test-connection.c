/* test-connection.c: every row of the API table, over the tcp plugin and a
 * loopback server */
#include <httplib/httplib.h>
#include <string.h>

#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* --- helpers --- */

static char *
enum_nick (GType type, gint64 value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, (gint) value);
  char *nick = v ? g_strdup (v->value_nick) : g_strdup_printf ("%" G_GINT64_FORMAT, value);

  g_type_class_unref (klass);
  return nick;
}

/* Records state-changed (old, new) as "old>new" nicks, and notify::state. */
typedef struct {
  GType    type;
  GString *pairs;
  guint    n_changed;
  guint    n_notify;
  gint64   last_new;
  gboolean broken_chain;  /* an old state that is not the previous new one */
} StateLog;

static void
state_log_init (StateLog *log, GType type)
{
  log->type = type;
  log->pairs = g_string_new (NULL);
  log->n_changed = 0;
  log->n_notify = 0;
  log->last_new = -1;
  log->broken_chain = FALSE;
}

static void
on_state_changed (const GValue *params, guint n_params, gpointer user_data)
{
  StateLog *log = user_data;
  gint64 old_state = n_params > 0 ? test_value_get_int (&params[0]) : -1;
  gint64 new_state = n_params > 1 ? test_value_get_int (&params[1]) : -1;
  char *a = enum_nick (log->type, old_state), *b = enum_nick (log->type, new_state);

  if (log->last_new >= 0 && old_state != log->last_new)
    log->broken_chain = TRUE;
  log->last_new = new_state;
  if (log->pairs->len)
    g_string_append_c (log->pairs, ' ');
  g_string_append_printf (log->pairs, "%s>%s", a, b);
  log->n_changed++;
  g_free (a);
  g_free (b);
}

static void
on_notify_state (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  ((StateLog *) user_data)->n_notify++;
}

static void
state_log_connect (StateLog *log, gpointer instance)
{
  gulong id = test_signal_connect (instance, "state-changed", on_state_changed, log);

  ck_assert_msg (id != 0, "%s has no state-changed signal", G_OBJECT_TYPE_NAME (instance));
  g_signal_connect (instance, "notify::state", G_CALLBACK (on_notify_state), log);
}

static void
state_log_clear (StateLog *log)
{
  g_string_free (log->pairs, TRUE);
}

/* --- construction --- */

static const struct {
  const char *description;
  const char *host;
  guint       port;
  const char *expected_host;
  guint       expected_port;
} host_forms[] = {
  { "IPv4 literal and port", "127.0.0.1", 8080, "127.0.0.1", 8080 },
  { "host:port", "127.0.0.1:8081", 0, "127.0.0.1", 8081 },
  { "bracketed IPv6 and port", "[::1]:8082", 0, "::1", 8082 },
  { "bracketed IPv6 alone", "[::1]", 0, "::1", 80 },
  { "name, port 0 is 80", "localhost", 0, "localhost", 80 },
  { "IPv4, port 0 is 80", "127.0.0.1", 0, "127.0.0.1", 80 },
  { "unresolvable name is not looked up yet", "example.invalid", 0, "example.invalid", 80 },
};

START_TEST (test_new_host_forms)
{
  GError *error = NULL;
  HttplibConnection *conn;
  char *host = NULL;
  guint port = 0;

  conn = httplib_connection_new (host_forms[_i].host, host_forms[_i].port, &error);
  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (conn);

  ck_assert_msg (g_strcmp0 (httplib_connection_get_host (conn), host_forms[_i].expected_host) == 0,
                 "%s: host: expected %s, got %s", host_forms[_i].description,
                 host_forms[_i].expected_host, httplib_connection_get_host (conn));
  ck_assert_msg (httplib_connection_get_port (conn) == host_forms[_i].expected_port,
                 "%s: port: expected %u, got %u", host_forms[_i].description,
                 host_forms[_i].expected_port, httplib_connection_get_port (conn));

  g_object_get (conn, "host", &host, "port", &port, NULL);
  ck_assert_str_eq (host, host_forms[_i].expected_host);
  ck_assert_uint_eq (port, host_forms[_i].expected_port);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);

  g_free (host);
  g_object_unref (conn);
}
END_TEST

static const struct {
  const char *description;
  const char *host;
} bad_hosts[] = {
  { "non-numeric port", "h:abc" },
  { "empty port", "h:" },
  { "port out of range", "h:99999" },
  { "port with letters after digits", "h:12ab" },
  { "empty host", "" },
  { "space in host", "a b" },
};

START_TEST (test_new_bad_hosts)
{
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new (bad_hosts[_i].host, 0, &error);

  ck_assert_msg (conn == NULL, "%s (\"%s\"): expected no connection", bad_hosts[_i].description,
                 bad_hosts[_i].host);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  g_error_free (error);
}
END_TEST

START_TEST (test_port_constants)
{
  ck_assert_int_eq (HTTPLIB_HTTP_PORT, 80);
  ck_assert_int_eq (HTTPLIB_HTTPS_PORT, 443);
}
END_TEST

START_TEST (test_connection_properties)
{
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new ("127.0.0.1", 8080, &error);
  gboolean strict = FALSE;
  double timeout = 0;
  char *source = NULL;

  httplib_assert_no_error (error);
  ck_assert_msg (httplib_connection_get_strict (conn), "strict must default to TRUE");
  ck_assert_int_eq (httplib_connection_get_debug_level (conn), 0);

  ck_assert (httplib_connection_set_timeout (conn, 2.5, &error));
  httplib_assert_no_error (error);
  ck_assert_double_eq_tol (httplib_connection_get_timeout (conn), 2.5, 1e-9);

  httplib_connection_set_strict (conn, FALSE);
  httplib_connection_set_source_address (conn, "127.0.0.1");
  g_object_get (conn, "strict", &strict, "timeout", &timeout, "source-address", &source, NULL);
  ck_assert (!strict);
  ck_assert_double_eq_tol (timeout, 2.5, 1e-9);
  ck_assert_str_eq (source, "127.0.0.1");
  ck_assert_str_eq (httplib_connection_get_source_address (conn), "127.0.0.1");

  g_object_set (conn, "strict", TRUE, NULL);
  ck_assert (httplib_connection_get_strict (conn));

  httplib_connection_set_debug_level (conn, 2);
  ck_assert_int_eq (httplib_connection_get_debug_level (conn), 2);

  g_free (source);
  g_object_unref (conn);
}
END_TEST

/* --- requests --- */

START_TEST (test_request_get)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *request;

  ck_assert (httplib_connection_request (conn, "GET", "/path?q=1", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  ck_assert_str_eq (httplib_response_get_reason (resp), "OK");
  ck_assert_uint_eq (httplib_response_get_version (resp), 11);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "GET /path?q=1 HTTP/1.1");
  test_assert_request_header (request, "Content-Length", NULL);

  g_bytes_unref (request);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_request_body_source)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibBodySource *body;
  HttplibHeaders *headers = httplib_headers_new ();
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *request, *request_body;

  body = httplib_body_source_new_for_string ("some body", &error);
  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (body);
  ck_assert_int_eq (httplib_body_source_get_length (body), 9);
  httplib_headers_append (headers, "X-Test", "yes");

  ck_assert (httplib_connection_request (conn, "POST", "/submit", body, headers, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "POST /submit HTTP/1.1");
  test_assert_request_header (request, "Content-Length", "9");
  test_assert_request_header (request, "X-Test", "yes");
  request_body = test_request_get_body (request);
  test_assert_bytes_equal (request_body, "some body", -1, "request body");

  g_bytes_unref (request_body);
  g_bytes_unref (request);
  g_object_unref (resp);
  g_object_unref (body);
  httplib_headers_unref (headers);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_request_string)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GBytes *request, *body;

  resp = test_do_request (conn, "POST", "/s", "text body", NULL);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  test_assert_request_header (request, "Content-Length", "9");
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, "text body", -1, "request body");
  /* DESIGN.md: one write carries headers and a small body together */
  ck_assert_msg (test_server_get_first_recv_size (server, 0) == g_bytes_get_size (request),
                 "head and body should arrive in one write: first read %zu bytes of %zu",
                 test_server_get_first_recv_size (server, 0), g_bytes_get_size (request));

  g_bytes_unref (body);
  g_bytes_unref (request);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_request_bytes)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  static const char data[] = { 'a', '\0', 'b', '\r', '\n', (char) 0xff };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *payload = g_bytes_new_static (data, sizeof data);
  GBytes *request, *body;

  ck_assert (httplib_connection_request_bytes (conn, "PUT", "/bin", payload, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "PUT /bin HTTP/1.1");
  test_assert_request_header (request, "Content-Length", "6");
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, data, sizeof data, "request body");

  g_bytes_unref (body);
  g_bytes_unref (request);
  g_bytes_unref (payload);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_put_request_headers)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  static const char * const multi[] = { "a", "b", "c", NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *request;
  char *head, *host;

  ck_assert (httplib_connection_put_request (conn, "GET", "/manual", FALSE, FALSE, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_put_header (conn, "X-One", "1", &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_put_headerv (conn, "X-Multi", multi, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_end_headers (conn, NULL, NULL, &error));
  httplib_assert_no_error (error);

  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  head = test_request_get_head (request);
  host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));
  test_assert_request_line (request, "GET /manual HTTP/1.1");
  test_assert_request_header (request, "Host", host);
  test_assert_request_header (request, "Accept-Encoding", "identity");
  test_assert_request_header (request, "X-One", "1");
  /* several values: continuation lines of a tab and a value, as putheader */
  ck_assert_msg (strstr (head, "\r\nX-Multi: a\r\n\tb\r\n\tc\r\n") != NULL,
                 "expected X-Multi: a CRLF TAB b CRLF TAB c in the head, got \"%s\"",
                 test_escape (head, strlen (head)));
  ck_assert_msg (g_str_has_suffix (head, "\r\n\r\n"), "head must end with an empty line");
  ck_assert_uint_eq (g_bytes_get_size (request), strlen (head));

  g_free (host);
  g_free (head);
  g_bytes_unref (request);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_end_headers_with_body)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *message = g_bytes_new_static ("hello world", 11);
  GBytes *request, *body;

  ck_assert (httplib_connection_put_request (conn, "POST", "/eh", FALSE, FALSE, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_put_header (conn, "Content-Length", "11", &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_end_headers (conn, message, NULL, &error));
  httplib_assert_no_error (error);

  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, "hello world", -1, "request body");
  test_assert_request_header (request, "Content-Length", "11");
  ck_assert_msg (test_server_get_first_recv_size (server, 0) == g_bytes_get_size (request),
                 "end_headers must send the body in the same write as the head: "
                 "first read %zu bytes of %zu",
                 test_server_get_first_recv_size (server, 0), g_bytes_get_size (request));

  g_bytes_unref (body);
  g_bytes_unref (request);
  g_bytes_unref (message);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_send)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;
  GBytes *tail = g_bytes_new_static ("llo", 3);
  GBytes *request, *body;

  ck_assert (httplib_connection_put_request (conn, "POST", "/send", FALSE, FALSE, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_put_header (conn, "Content-Length", "5", &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_end_headers (conn, NULL, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_send (conn, "he", 2, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_send_bytes (conn, tail, NULL, &error));
  httplib_assert_no_error (error);

  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");

  request = test_server_get_request (server, 0);
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, "hello", -1, "request body");

  g_bytes_unref (body);
  g_bytes_unref (request);
  g_bytes_unref (tail);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- responses --- */

START_TEST (test_read_pieces)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", NULL
  };
  static const char * const pieces[] = { "hel", "lo ", "wor", "ld", "" };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      GError *error = NULL;
      GBytes *piece = httplib_response_read (resp, 3, NULL, &error);
      char *what = g_strdup_printf ("read(3) number %u", i + 1);

      httplib_assert_no_error (error);
      test_assert_bytes_equal (piece, pieces[i], -1, what);
      g_bytes_unref (piece);
      g_free (what);
    }
  ck_assert_int_eq (httplib_response_get_state (resp), HTTPLIB_RESPONSE_STATE_COMPLETE);

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* Records every progress emission as "received/total". */
static void
on_progress (HttplibResponse *resp, guint64 received, gint64 total, gpointer user_data)
{
  GString *log = user_data;

  g_string_append_printf (log, "%s%" G_GUINT64_FORMAT "/%" G_GINT64_FORMAT,
                          log->len ? " " : "", received, total);
}

START_TEST (test_progress_signal)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  GString *log = g_string_new (NULL);
  GBytes *piece;

  /* Known length: the total is Content-Length; no emission for the final 0. */
  g_signal_connect (resp, "progress", G_CALLBACK (on_progress), log);
  piece = httplib_response_read (resp, 4, NULL, NULL);
  g_bytes_unref (piece);
  test_assert_body (resp, "o world");
  ck_assert_str_eq (log->str, "4/11 11/11");
  g_object_unref (resp);

  /* Chunked: the total is unknown (-1), one emission per chunk read. */
  g_string_truncate (log, 0);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_signal_connect (resp, "progress", G_CALLBACK (on_progress), log);
  test_assert_body (resp, "hello world");
  ck_assert_str_eq (log->str, "5/-1 11/-1");

  g_string_free (log, TRUE);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_read_into)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  GString *got = g_string_new (NULL);
  GBytes *all;
  guint rounds;

  for (rounds = 0; rounds < 100; rounds++)
    {
      GError *error = NULL;
      char buffer[4];
      gssize n = httplib_response_read_into (resp, buffer, sizeof buffer, NULL, &error);

      httplib_assert_no_error (error);
      ck_assert_msg (n >= 0 && n <= (gssize) sizeof buffer, "read_into returned %zd", n);
      if (n == 0)
        break;
      g_string_append_len (got, buffer, n);
    }
  ck_assert_msg (rounds < 100, "read_into never returned 0 at the end");
  all = g_bytes_new (got->str, got->len);
  test_assert_bytes_equal (all, "hello world", -1, "bytes from read_into");

  g_bytes_unref (all);
  g_string_free (got, TRUE);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_get_header)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Set-Cookie: a=1\r\n"
    "Set-Cookie: b=2\r\n"
    "X-Empty:\r\n"
    "X-Spaces:   padded  \r\n"
    "Content-Length: 2\r\n\r\nok", NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);

  ck_assert_str_eq (httplib_response_get_header (resp, "Content-Type", NULL), "text/plain");
  ck_assert_str_eq (httplib_response_get_header (resp, "content-type", NULL), "text/plain");
  ck_assert_str_eq (httplib_response_get_header (resp, "X-Missing", "dflt"), "dflt");
  ck_assert_ptr_null (httplib_response_get_header (resp, "X-Missing", NULL));
  ck_assert_str_eq (httplib_response_get_header (resp, "X-Empty", "dflt"), "");
  ck_assert_str_eq (httplib_response_get_header (resp, "X-Spaces", NULL), "padded");
  /* several fields of one name are joined with ", " as getheader does */
  ck_assert_str_eq (httplib_response_get_header (resp, "set-cookie", NULL), "a=1, b=2");
  test_assert_body (resp, "ok");

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_get_headers_order)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\n"
    "Server: test\r\n"
    "X-B: 2\r\n"
    "x-a: 1\r\n"
    "Set-Cookie: a\r\n"
    "Content-Length: 2\r\n"
    "Set-Cookie: b\r\n\r\nok", NULL
  };
  static const char * const expected[][2] = {
    { "Server", "test" }, { "X-B", "2" }, { "x-a", "1" },
    { "Set-Cookie", "a" }, { "Content-Length", "2" }, { "Set-Cookie", "b" },
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  HttplibHeaders *headers = httplib_response_get_headers (resp);
  HttplibHeadersIter iter;
  const char *name, *value;
  guint i = 0;

  ck_assert_ptr_nonnull (headers);
  ck_assert_uint_eq (httplib_headers_get_length (headers), G_N_ELEMENTS (expected));
  httplib_headers_iter_init (&iter, headers);
  while (httplib_headers_iter_next (&iter, &name, &value))
    {
      ck_assert_msg (i < G_N_ELEMENTS (expected), "more headers than sent");
      ck_assert_msg (strcmp (name, expected[i][0]) == 0 && strcmp (value, expected[i][1]) == 0,
                     "header %u: expected %s: %s, got %s: %s", i,
                     expected[i][0], expected[i][1], name, value);
      i++;
    }
  ck_assert_uint_eq (i, G_N_ELEMENTS (expected));
  ck_assert_uint_eq (httplib_headers_get_length (httplib_response_get_msg (resp)),
                     G_N_ELEMENTS (expected));
  test_assert_body (resp, "ok");

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_fileno)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  int fd = httplib_response_fileno (resp);

  ck_assert_msg (fd >= 0, "fileno while connected: expected a descriptor, got %d", fd);
  test_assert_body (resp, "hello");

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static const struct {
  const char *description;
  const char *status_line;
  guint       version;
  guint       status;
  const char *reason;
} status_lines[] = {
  { "HTTP/1.1 200", "HTTP/1.1 200 OK", 11, 200, "OK" },
  { "HTTP/1.0 404", "HTTP/1.0 404 Not Found", 10, 404, "Not Found" },
  { "reason with spaces", "HTTP/1.1 201 Created It Now", 11, 201, "Created It Now" },
  { "empty reason after space", "HTTP/1.1 299 ", 11, 299, "" },
  { "no reason at all", "HTTP/1.1 200", 11, 200, "" },
};

START_TEST (test_response_properties)
{
  char *response = g_strdup_printf ("%s\r\nX-Thing: 1\r\nContent-Length: 0\r\n\r\n",
                                    status_lines[_i].status_line);
  const char * const steps[] = { response, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  HttplibHeaders *msg = NULL;
  guint version = 0, status = 0;
  char *reason = NULL;

  g_object_get (resp, "msg", &msg, "version", &version, "status", &status, "reason", &reason, NULL);
  ck_assert_msg (version == status_lines[_i].version, "%s: version: expected %u, got %u",
                 status_lines[_i].description, status_lines[_i].version, version);
  ck_assert_msg (status == status_lines[_i].status, "%s: status: expected %u, got %u",
                 status_lines[_i].description, status_lines[_i].status, status);
  ck_assert_msg (g_strcmp0 (reason, status_lines[_i].reason) == 0, "%s: reason: expected '%s', got '%s'",
                 status_lines[_i].description, status_lines[_i].reason, reason);
  ck_assert_ptr_nonnull (msg);
  ck_assert_str_eq (httplib_headers_get_one (msg, "x-thing"), "1");

  ck_assert_uint_eq (httplib_response_get_version (resp), status_lines[_i].version);
  ck_assert_uint_eq (httplib_response_get_status (resp), status_lines[_i].status);
  ck_assert_str_eq (httplib_response_get_reason (resp), status_lines[_i].reason);

  httplib_headers_unref (msg);
  g_free (reason);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
  g_free (response);
}
END_TEST

/* --- set_debug_level --- */

typedef struct {
  GPtrArray *messages;
} LogCapture;

static void
capture_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  g_ptr_array_add (((LogCapture *) user_data)->messages, g_strdup (message));
}

static char *
log_dump (LogCapture *cap)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < cap->messages->len; i++)
    g_string_append_printf (s, "[%s] ", (char *) g_ptr_array_index (cap->messages, i));
  return g_string_free (s, FALSE);
}

static gboolean
log_has (LogCapture *cap, const char *exact, const char *prefix, const char *substring)
{
  for (guint i = 0; i < cap->messages->len; i++)
    {
      const char *m = g_ptr_array_index (cap->messages, i);

      if (exact && strcmp (m, exact) == 0)
        return TRUE;
      if (prefix && g_str_has_prefix (m, prefix) && (!substring || strstr (m, substring)))
        return TRUE;
    }
  return FALSE;
}

START_TEST (test_debug_level)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  LogCapture cap = { g_ptr_array_new_with_free_func (g_free) };
  guint handler = g_log_set_handler ("Httplib", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                                     capture_log, &cap);
  HttplibResponse *resp;
  char *send_prefix, *dump;

  httplib_connection_set_debug_level (conn, 1);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  g_log_remove_handler ("Httplib", handler);

  /* Python's repr of the bytes sent: CR and LF appear as \r and \n */
  send_prefix = g_strdup_printf ("send: b'GET / HTTP/1.1\\r\\nHost: 127.0.0.1:%u\\r\\n",
                                 test_server_get_port (server));
  dump = log_dump (&cap);
  ck_assert_msg (log_has (&cap, NULL, send_prefix, "Accept-Encoding: identity\\r\\n\\r\\n'"),
                 "expected a line starting \"%s\" and ending in the empty line; got %s",
                 send_prefix, dump);
  ck_assert_msg (log_has (&cap, "reply: 'HTTP/1.1 200 OK\\r\\n'", NULL, NULL),
                 "expected the line \"reply: 'HTTP/1.1 200 OK\\r\\n'\"; got %s", dump);
  ck_assert_msg (log_has (&cap, "header: Content-Length: 5", NULL, NULL),
                 "expected the line \"header: Content-Length: 5\"; got %s", dump);

  g_free (dump);
  g_free (send_prefix);
  g_ptr_array_unref (cap.messages);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_debug_level_zero)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  LogCapture cap = { g_ptr_array_new_with_free_func (g_free) };
  guint handler = g_log_set_handler ("Httplib", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                                     capture_log, &cap);
  HttplibResponse *resp;
  char *dump;

  /* the default, then explicitly 0 after 1 */
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  g_object_unref (resp);
  httplib_connection_set_debug_level (conn, 1);
  httplib_connection_set_debug_level (conn, 0);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  g_log_remove_handler ("Httplib", handler);

  dump = log_dump (&cap);
  ck_assert_msg (cap.messages->len == 0, "level 0 must log nothing; got %s", dump);

  g_free (dump);
  g_ptr_array_unref (cap.messages);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- the seed's examples --- */

START_TEST (test_example_get_twice)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *r1, *r2;

  r1 = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (r1), 200);
  ck_assert_str_eq (httplib_response_get_reason (r1), "OK");
  test_assert_body (r1, "hello");

  r2 = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (r2), 404);
  ck_assert_str_eq (httplib_response_get_reason (r2), "Not Found");
  test_assert_body (r2, "not found");
  httplib_connection_close (conn);

  ck_assert_uint_eq (test_server_get_n_requests (server), 2);
  ck_assert_msg (test_server_get_n_connections (server) == 1,
                 "both requests must use one connection; the server accepted %u",
                 test_server_get_n_connections (server));

  g_object_unref (r1);
  g_object_unref (r2);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_example_head)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n",
    OK_HELLO,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *res, *next;
  GBytes *data, *request;

  res = test_do_request (conn, "HEAD", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (res), 200);
  ck_assert_str_eq (httplib_response_get_reason (res), "OK");
  data = test_read_all (res);
  ck_assert_msg (g_bytes_get_size (data) == 0, "HEAD: read() must return 0 bytes, got %zu",
                 g_bytes_get_size (data));

  /* the 1234 bytes announced never come: the connection stays in step */
  next = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (next, "hello");
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "HEAD / HTTP/1.1");

  g_bytes_unref (request);
  g_bytes_unref (data);
  g_object_unref (res);
  g_object_unref (next);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

#define REDIRECT_BODY "Redirecting to <a href=\"http://bugs.python.org/issue12524\">" \
                      "http://bugs.python.org/issue12524</a>"

START_TEST (test_example_post)
{
  static const char * const steps[] = {
    "HTTP/1.1 302 Found\r\nLocation: http://bugs.python.org/issue12524\r\n"
    "Content-Length: 96\r\n\r\n" REDIRECT_BODY,
    NULL
  };
  const char *params = "%40number=12524&%40type=issue&%40action=show";
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibHeaders *headers = httplib_headers_new ();
  HttplibResponse *response;
  GBytes *request, *body;
  char *length;

  ck_assert_uint_eq (strlen (REDIRECT_BODY), 96);
  httplib_headers_append (headers, "Content-type", "application/x-www-form-urlencoded");
  httplib_headers_append (headers, "Accept", "text/plain");

  /* the seed posts to "", which goes out as "/" */
  response = test_do_request (conn, "POST", "", params, headers);
  ck_assert_uint_eq (httplib_response_get_status (response), 302);
  ck_assert_str_eq (httplib_response_get_reason (response), "Found");
  test_assert_body (response, REDIRECT_BODY);
  httplib_connection_close (conn);

  request = test_server_get_request (server, 0);
  length = g_strdup_printf ("%zu", strlen (params));
  test_assert_request_line (request, "POST / HTTP/1.1");
  test_assert_request_header (request, "Content-Type", "application/x-www-form-urlencoded");
  test_assert_request_header (request, "Accept", "text/plain");
  test_assert_request_header (request, "Content-Length", length);
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, params, -1, "POST body");

  g_free (length);
  g_bytes_unref (body);
  g_bytes_unref (request);
  httplib_headers_unref (headers);
  g_object_unref (response);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_example_put)
{
  static const char * const steps[] = { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", NULL };
  const char *BODY = "***filecontents***";
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn;
  HttplibResponse *response;
  GError *error = NULL;
  GBytes *request, *body;
  char *host = g_strdup_printf ("localhost:%u", test_server_get_port (server));

  conn = httplib_connection_new ("localhost", test_server_get_port (server), &error);
  httplib_assert_no_error (error);
  response = test_do_request (conn, "PUT", "/file", BODY, NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 200);
  ck_assert_str_eq (httplib_response_get_reason (response), "OK");
  test_assert_body (response, "");

  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "PUT /file HTTP/1.1");
  test_assert_request_header (request, "Host", host);
  test_assert_request_header (request, "Content-Length", "18");
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, BODY, -1, "PUT body");

  g_free (host);
  g_bytes_unref (body);
  g_bytes_unref (request);
  g_object_unref (response);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- states and signals --- */

START_TEST (test_connection_states_keep_alive)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  StateLog log;

  state_log_init (&log, HTTPLIB_TYPE_CONNECTION_STATE);
  state_log_connect (&log, conn);

  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  ck_assert_str_eq (log.pairs->str,
                    "disconnected>connecting connecting>idle idle>request-started "
                    "request-started>request-sent request-sent>response-active "
                    "response-active>idle");
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);

  httplib_connection_close (conn);
  ck_assert_msg (g_str_has_suffix (log.pairs->str, " idle>closed"),
                 "close: expected idle>closed last, got %s", log.pairs->str);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_CLOSED);
  ck_assert_msg (!log.broken_chain, "each old state must be the previous new state: %s", log.pairs->str);
  ck_assert_msg (log.n_notify == log.n_changed, "notify::state fired %u times for %u changes",
                 log.n_notify, log.n_changed);

  state_log_clear (&log);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_connection_states_server_close)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
    TEST_STEP_CLOSE,
    OK_HELLO,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  StateLog log;

  state_log_init (&log, HTTPLIB_TYPE_CONNECTION_STATE);
  state_log_connect (&log, conn);

  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert (httplib_response_get_will_close (resp));
  test_assert_body (resp, "hello");
  ck_assert_str_eq (log.pairs->str,
                    "disconnected>connecting connecting>idle idle>request-started "
                    "request-started>request-sent request-sent>response-active "
                    "response-active>closed");
  g_object_unref (resp);

  /* the next request opens the connection again */
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  ck_assert_msg (strstr (log.pairs->str, "response-active>closed closed>connecting connecting>idle") != NULL,
                 "expected closed>connecting after the close, got %s", log.pairs->str);
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);
  ck_assert_msg (!log.broken_chain, "each old state must be the previous new state: %s", log.pairs->str);
  ck_assert_msg (log.n_notify == log.n_changed, "notify::state fired %u times for %u changes",
                 log.n_notify, log.n_changed);

  state_log_clear (&log);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_connection_states_connect_close)
{
  static const char * const steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GError *error = NULL;
  StateLog log;

  state_log_init (&log, HTTPLIB_TYPE_CONNECTION_STATE);
  state_log_connect (&log, conn);

  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
  httplib_connection_close (conn);
  ck_assert_str_eq (log.pairs->str, "disconnected>connecting connecting>idle idle>closed");
  ck_assert_uint_eq (log.n_notify, 3);

  state_log_clear (&log);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* open() is connect() under the name bindings see: same states, and a
 * second call on an open connection does nothing. */
START_TEST (test_connection_open)
{
  static const char * const steps[] = { TEST_STEP_WAIT_CLOSE, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GError *error = NULL;
  StateLog log;

  state_log_init (&log, HTTPLIB_TYPE_CONNECTION_STATE);
  state_log_connect (&log, conn);

  ck_assert (httplib_connection_open (conn, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
  ck_assert (httplib_connection_open (conn, NULL, &error));
  httplib_assert_no_error (error);
  httplib_connection_close (conn);
  ck_assert_str_eq (log.pairs->str, "disconnected>connecting connecting>idle idle>closed");

  state_log_clear (&log);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* A transport name nobody registered: open() reports it, names the name,
 * and leaves the connection disconnected. */
START_TEST (test_connection_open_unknown_transport)
{
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new ("127.0.0.1", 9, &error);

  httplib_assert_no_error (error);
  httplib_connection_set_transport (conn, "no-such-transport");
  ck_assert (!httplib_connection_open (conn, NULL, &error));
  ck_assert_msg (g_error_matches (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN),
                 "expected HTTPLIB_ERROR_PLUGIN, got %s", error ? error->message : "no error");
  ck_assert_msg (strstr (error->message, "no-such-transport") != NULL,
                 "message does not name the transport: %s", error->message);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);

  g_clear_error (&error);
  g_object_unref (conn);
}
END_TEST

START_TEST (test_response_states)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  HttplibResponseState state = HTTPLIB_RESPONSE_STATE_HEADERS;
  StateLog log;

  ck_assert_int_eq (httplib_response_get_state (resp), HTTPLIB_RESPONSE_STATE_BODY);
  g_object_get (resp, "state", &state, NULL);
  ck_assert_int_eq (state, HTTPLIB_RESPONSE_STATE_BODY);
  ck_assert (!httplib_response_is_closed (resp));

  state_log_init (&log, HTTPLIB_TYPE_RESPONSE_STATE);
  state_log_connect (&log, resp);
  test_assert_body (resp, "hello");
  ck_assert_str_eq (log.pairs->str, "body>complete");
  httplib_response_close (resp);
  ck_assert_str_eq (log.pairs->str, "body>complete complete>closed");
  ck_assert_int_eq (httplib_response_get_state (resp), HTTPLIB_RESPONSE_STATE_CLOSED);
  ck_assert (httplib_response_is_closed (resp));
  ck_assert_uint_eq (log.n_notify, 2);

  state_log_clear (&log);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_response_states_no_body)
{
  static const char * const steps[] = { "HTTP/1.1 204 No Content\r\n\r\n", NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  StateLog log;

  ck_assert_int_eq (httplib_response_get_state (resp), HTTPLIB_RESPONSE_STATE_COMPLETE);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
  state_log_init (&log, HTTPLIB_TYPE_RESPONSE_STATE);
  state_log_connect (&log, resp);
  httplib_response_close (resp);
  ck_assert_str_eq (log.pairs->str, "complete>closed");

  state_log_clear (&log);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_response_close_unread)
{
  static const char * const steps[] = { OK_HELLO, OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  StateLog log;

  state_log_init (&log, HTTPLIB_TYPE_RESPONSE_STATE);
  state_log_connect (&log, resp);
  httplib_response_close (resp);
  ck_assert_str_eq (log.pairs->str, "body>closed");
  g_object_unref (resp);

  /* the unread body left the stream in an unknown place: a new connection */
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);

  state_log_clear (&log);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static void
on_event (const GValue *params, guint n_params, gpointer user_data)
{
  GArray *events = user_data;
  int event = n_params > 0 ? (int) test_value_get_int (&params[0]) : -1;

  g_array_append_val (events, event);
}

static int
first_index (GArray *events, int event)
{
  for (guint i = 0; i < events->len; i++)
    if (g_array_index (events, int, i) == event)
      return (int) i;
  return -1;
}

static int
last_index (GArray *events, int event)
{
  for (guint i = events->len; i > 0; i--)
    if (g_array_index (events, int, i - 1) == event)
      return (int) i - 1;
  return -1;
}

START_TEST (test_connection_events)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GArray *events = g_array_new (FALSE, FALSE, sizeof (int));
  HttplibResponse *resp;
  GString *names = g_string_new (NULL);
  int resolving, resolved, connecting, connected, complete;
  gulong id;

  id = test_signal_connect (conn, "event", on_event, events);
  ck_assert_msg (id != 0, "HttplibConnection has no \"event\" signal");

  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");

  for (guint i = 0; i < events->len; i++)
    {
      char *nick = enum_nick (HTTPLIB_TYPE_TRANSPORT_EVENT, g_array_index (events, int, i));
      g_string_append_printf (names, "%s ", nick);
      g_free (nick);
    }

  resolving = first_index (events, HTTPLIB_TRANSPORT_EVENT_RESOLVING);
  resolved = first_index (events, HTTPLIB_TRANSPORT_EVENT_RESOLVED);
  connecting = first_index (events, HTTPLIB_TRANSPORT_EVENT_CONNECTING);
  connected = last_index (events, HTTPLIB_TRANSPORT_EVENT_CONNECTED);
  complete = last_index (events, HTTPLIB_TRANSPORT_EVENT_COMPLETE);

  ck_assert_msg (resolving >= 0 && resolved > resolving && connecting > resolved &&
                 connected > connecting && complete > connected,
                 "expected resolving < resolved < connecting < connected < complete, got: %s",
                 names->str);
  ck_assert_msg (complete == (int) events->len - 1 &&
                 first_index (events, HTTPLIB_TRANSPORT_EVENT_COMPLETE) == complete,
                 "complete must come once, last: %s", names->str);

  g_signal_handler_disconnect (conn, id);
  g_object_unref (resp);

  g_string_free (names, TRUE);
  g_array_unref (events);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static Suite *
connection_suite (void)
{
  Suite *s = suite_create ("connection");
  TCase *tc;

  tc = tcase_create ("new");
  tcase_add_loop_test (tc, test_new_host_forms, 0, G_N_ELEMENTS (host_forms));
  tcase_add_loop_test (tc, test_new_bad_hosts, 0, G_N_ELEMENTS (bad_hosts));
  tcase_add_test (tc, test_port_constants);
  tcase_add_test (tc, test_connection_properties);
  suite_add_tcase (s, tc);

  tc = tcase_create ("request");
  tcase_add_test (tc, test_request_get);
  tcase_add_test (tc, test_request_body_source);
  tcase_add_test (tc, test_request_string);
  tcase_add_test (tc, test_request_bytes);
  tcase_add_test (tc, test_put_request_headers);
  tcase_add_test (tc, test_end_headers_with_body);
  tcase_add_test (tc, test_send);
  suite_add_tcase (s, tc);

  tc = tcase_create ("response");
  tcase_add_test (tc, test_read_pieces);
  tcase_add_test (tc, test_progress_signal);
  tcase_add_test (tc, test_read_into);
  tcase_add_test (tc, test_get_header);
  tcase_add_test (tc, test_get_headers_order);
  tcase_add_test (tc, test_fileno);
  tcase_add_loop_test (tc, test_response_properties, 0, G_N_ELEMENTS (status_lines));
  suite_add_tcase (s, tc);

  tc = tcase_create ("debug");
  tcase_add_test (tc, test_debug_level);
  tcase_add_test (tc, test_debug_level_zero);
  suite_add_tcase (s, tc);

  tc = tcase_create ("examples");
  tcase_add_test (tc, test_example_get_twice);
  tcase_add_test (tc, test_example_head);
  tcase_add_test (tc, test_example_post);
  tcase_add_test (tc, test_example_put);
  suite_add_tcase (s, tc);

  tc = tcase_create ("states");
  tcase_add_test (tc, test_connection_states_keep_alive);
  tcase_add_test (tc, test_connection_states_server_close);
  tcase_add_test (tc, test_connection_states_connect_close);
  tcase_add_test (tc, test_connection_open);
  tcase_add_test (tc, test_connection_open_unknown_transport);
  tcase_add_test (tc, test_response_states);
  tcase_add_test (tc, test_response_states_no_body);
  tcase_add_test (tc, test_response_close_unread);
  tcase_add_test (tc, test_connection_events);
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (connection_suite)
