/* test-bad-input.c: requests refused before a byte goes out, and responses
 * refused instead of guessed */
#include <httplib/httplib.h>
#include <string.h>

#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* a string literal and its length, NUL bytes included */
#define RAW(s) s, sizeof (s) - 1

#define LINE_LIMIT 65536

/* --- helpers --- */

static void
get_hello (HttplibConnection *conn, const char *url)
{
  GError *error = NULL;
  HttplibResponse *resp;
  GBytes *body;

  ck_assert (httplib_connection_request (conn, "GET", url, NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  body = httplib_response_read (resp, -1, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_bytes_equal (body, "hello", -1, "body of the good request");
  g_bytes_unref (body);
  g_object_unref (resp);
}

/* --- hosts --- */

static const struct {
  const char *description;
  const char *host;
} bad_hosts[] = {
  { "space", "exa mple.org" },
  { "DEL", "exa\x7fmple.org" },
  { "tab", "exa\tmple.org" },
  { "CR LF", "example.org\r\nX: y" },
  { "control byte", "\x01" "example.org" },
  { "space in bracketed IPv6", "[::1 ]:80" },
};

START_TEST (test_bad_host)
{
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new (bad_hosts[_i].host, 80, &error);

  ck_assert_msg (conn == NULL, "%s: the host must be refused", bad_hosts[_i].description);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  g_error_free (error);
}
END_TEST

/* --- requests: refused, and nothing written --- */

typedef enum {
  VIA_REQUEST,          /* httplib_connection_request (method, url) */
  VIA_PUT_REQUEST,      /* httplib_connection_put_request (method, url) */
  VIA_PUT_HEADER,       /* put_request GET, then put_header (name, value) */
  VIA_PUT_HEADERV,      /* put_request GET, then put_headerv (name, {"ok", value}) */
  VIA_REQUEST_HEADERS,  /* request GET with a header field (name, value) */
} Via;

static const struct {
  const char *description;
  Via         via;
  const char *method;  /* or the field name */
  const char *url;     /* or the field value */
  int         code;
} bad_requests[] = {
  /* methods: RFC 9110 tokens only */
  { "method with trailing space", VIA_REQUEST, "GET ", "/", HTTPLIB_ERROR_INVALID_URL },
  { "method with leading space", VIA_REQUEST, " GET", "/", HTTPLIB_ERROR_INVALID_URL },
  { "method with CR", VIA_REQUEST, "G\rET", "/", HTTPLIB_ERROR_INVALID_URL },
  { "empty method", VIA_REQUEST, "", "/", HTTPLIB_ERROR_INVALID_URL },
  { "method with LF", VIA_REQUEST, "GE\nT", "/", HTTPLIB_ERROR_INVALID_URL },
  { "method with non-ASCII", VIA_REQUEST, "G\xc3\x89T", "/", HTTPLIB_ERROR_INVALID_URL },
  { "method with a separator", VIA_REQUEST, "G(T", "/", HTTPLIB_ERROR_INVALID_URL },
  { "method with tab", VIA_REQUEST, "GET\t", "/", HTTPLIB_ERROR_INVALID_URL },
  { "put_request: method with space", VIA_PUT_REQUEST, "GET /x HTTP/1.1\r\n", "/", HTTPLIB_ERROR_INVALID_URL },
  { "put_request: method with LF", VIA_PUT_REQUEST, "GE\nT", "/", HTTPLIB_ERROR_INVALID_URL },
  /* URLs: no bytes 0x00-0x20 or 0x7F */
  { "URL with space", VIA_REQUEST, "GET", "/a b", HTTPLIB_ERROR_INVALID_URL },
  { "URL with DEL", VIA_REQUEST, "GET", "/\x7f", HTTPLIB_ERROR_INVALID_URL },
  { "URL with CR LF injection", VIA_REQUEST, "GET", "/a\r\nX: y", HTTPLIB_ERROR_INVALID_URL },
  { "URL with control byte", VIA_REQUEST, "GET", "/\x01", HTTPLIB_ERROR_INVALID_URL },
  { "URL with tab", VIA_REQUEST, "GET", "/a\tb", HTTPLIB_ERROR_INVALID_URL },
  { "URL with LF", VIA_REQUEST, "GET", "/a\nb", HTTPLIB_ERROR_INVALID_URL },
  { "put_request: URL with space", VIA_PUT_REQUEST, "GET", "/a b", HTTPLIB_ERROR_INVALID_URL },
  { "put_request: URL with CR LF", VIA_PUT_REQUEST, "GET", "/\r\n\r\nGET /smuggled", HTTPLIB_ERROR_INVALID_URL },
  /* header names: tokens only */
  { "name with space", VIA_PUT_HEADER, "Bad Name", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "name with colon", VIA_PUT_HEADER, "X:Y", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "empty name", VIA_PUT_HEADER, "", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "name with CR LF", VIA_PUT_HEADER, "X\r\n", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "name with DEL", VIA_PUT_HEADER, "X\x7f", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "name with non-ASCII", VIA_PUT_HEADER, "X-\xc3\xa9", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "request headers: name with space", VIA_REQUEST_HEADERS, "Bad Name", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "request headers: name with colon", VIA_REQUEST_HEADERS, "X:Y", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "request headers: empty name", VIA_REQUEST_HEADERS, "", "v", HTTPLIB_ERROR_INVALID_HEADER },
  { "request headers: name with CR LF", VIA_REQUEST_HEADERS, "X\r\n", "v", HTTPLIB_ERROR_INVALID_HEADER },
  /* header values: no CR, LF (NUL cannot be passed in a C string) */
  { "value with CR LF", VIA_PUT_HEADER, "X-Test", "a\r\nb", HTTPLIB_ERROR_INVALID_HEADER },
  { "value with LF", VIA_PUT_HEADER, "X-Test", "a\nb", HTTPLIB_ERROR_INVALID_HEADER },
  { "value with CR", VIA_PUT_HEADER, "X-Test", "a\rb", HTTPLIB_ERROR_INVALID_HEADER },
  { "value with folding", VIA_PUT_HEADER, "X-Test", "a\r\n\tb", HTTPLIB_ERROR_INVALID_HEADER },
  { "value with header injection", VIA_PUT_HEADER, "X-Test", "a\r\nSet-Cookie: x", HTTPLIB_ERROR_INVALID_HEADER },
  { "put_headerv: second value with CR LF", VIA_PUT_HEADERV, "X-Test", "b\r\nX: y", HTTPLIB_ERROR_INVALID_HEADER },
  { "put_headerv: bad name", VIA_PUT_HEADERV, "X Test", "b", HTTPLIB_ERROR_INVALID_HEADER },
  { "request headers: value with CR LF", VIA_REQUEST_HEADERS, "X-Test", "a\r\nb", HTTPLIB_ERROR_INVALID_HEADER },
  { "request headers: value with LF", VIA_REQUEST_HEADERS, "X-Test", "a\nb", HTTPLIB_ERROR_INVALID_HEADER },
  { "request headers: value with CR", VIA_REQUEST_HEADERS, "X-Test", "a\rb", HTTPLIB_ERROR_INVALID_HEADER },
};

START_TEST (test_bad_request)
{
  static const char * const steps[] = { OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  const char *desc = bad_requests[_i].description;
  const char *a = bad_requests[_i].method, *b = bad_requests[_i].url;
  GError *error = NULL;
  gboolean ok = TRUE;
  GBytes *first;

  /* an open connection where bad bytes could go */
  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_assert_no_error (error);

  switch (bad_requests[_i].via)
    {
    case VIA_REQUEST:
      ok = httplib_connection_request (conn, a, b, NULL, NULL, NULL, &error);
      break;
    case VIA_PUT_REQUEST:
      ok = httplib_connection_put_request (conn, a, b, FALSE, FALSE, NULL, &error);
      break;
    case VIA_PUT_HEADER:
      ck_assert (httplib_connection_put_request (conn, "GET", "/bad", FALSE, FALSE, NULL, &error));
      httplib_assert_no_error (error);
      ok = httplib_connection_put_header (conn, a, b, &error);
      break;
    case VIA_PUT_HEADERV:
      {
        const char * const values[] = { "ok", b, NULL };

        ck_assert (httplib_connection_put_request (conn, "GET", "/bad", FALSE, FALSE, NULL, &error));
        httplib_assert_no_error (error);
        ok = httplib_connection_put_headerv (conn, a, values, &error);
      }
      break;
    case VIA_REQUEST_HEADERS:
      {
        HttplibHeaders *headers = httplib_headers_new ();

        httplib_headers_append (headers, a, b);
        ok = httplib_connection_request (conn, "GET", "/bad", NULL, headers, NULL, &error);
        httplib_headers_unref (headers);
      }
      break;
    }

  ck_assert_msg (!ok, "%s: the call must fail", desc);
  httplib_assert_error (error, HTTPLIB_ERROR, bad_requests[_i].code);
  g_clear_error (&error);

  /* a good request after the bad one: the server sees only that */
  httplib_connection_close (conn);
  get_hello (conn, "/ok");

  {
    GBytes *on_first = test_server_get_received (server, 0);
    char *got = test_escape (g_bytes_get_data (on_first, NULL), g_bytes_get_size (on_first));

    ck_assert_msg (g_bytes_get_size (on_first) == 0,
                   "%s: nothing may be written, the first connection got \"%s\"", desc, got);
    g_free (got);
    g_bytes_unref (on_first);
  }
  ck_assert_msg (test_server_get_n_requests (server) == 1, "%s: the server saw %u requests",
                 desc, test_server_get_n_requests (server));
  first = test_server_get_request (server, 0);
  test_assert_request_line (first, "GET /ok HTTP/1.1");

  g_bytes_unref (first);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- responses: errors, never guesses --- */

typedef struct {
  const char *description;
  const char *prefix;
  gsize       prefix_len;
  const char *repeat;     /* appended n_repeat times after prefix */
  guint       n_repeat;
  const char *suffix;
  int         code;       /* -1: must be accepted */
  const char *message;    /* the exact message, or NULL */
  const char *body;       /* for accepted rows */
} ResponseRow;

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

static const ResponseRow bad_responses[] = {
  /* lines over the limit */
  { "status line too long", RAW ("HTTP/1.1 200 "), "a", LINE_LIMIT + 1, "\r\n\r\n",
    HTTPLIB_ERROR_LINE_TOO_LONG, "got more than 65536 bytes when reading status line" },
  { "status line without end", RAW ("HTTP/1.1 200 OK"), "x", LINE_LIMIT + 100, "",
    HTTPLIB_ERROR_LINE_TOO_LONG, "got more than 65536 bytes when reading status line" },
  { "header line too long", RAW ("HTTP/1.1 200 OK\r\nX-Long: "), "a", LINE_LIMIT + 1,
    "\r\nContent-Length: 0\r\n\r\n",
    HTTPLIB_ERROR_LINE_TOO_LONG, "got more than 65536 bytes when reading header line" },
  { "chunk size line too long", RAW (CHUNKED_HEAD "1;"), "a", LINE_LIMIT + 1, "\r\nx\r\n0\r\n\r\n",
    HTTPLIB_ERROR_LINE_TOO_LONG, "got more than 65536 bytes when reading chunk size" },
  { "trailer line too long", RAW (CHUNKED_HEAD "2\r\nok\r\n0\r\nX-T: "), "a", LINE_LIMIT + 1, "\r\n\r\n",
    HTTPLIB_ERROR_LINE_TOO_LONG, "got more than 65536 bytes when reading trailer line" },
  /* too many fields */
  { "101 header fields", RAW ("HTTP/1.1 200 OK\r\n"), "X-H: v\r\n", 100, "Content-Length: 0\r\n\r\n",
    HTTPLIB_ERROR_TOO_MANY_HEADERS, "got more than 100 headers" },
  { "101 trailer fields", RAW (CHUNKED_HEAD "2\r\nok\r\n0\r\n"), "X-T: v\r\n", 101, "\r\n",
    HTTPLIB_ERROR_TOO_MANY_HEADERS, NULL },
  /* Content-Length: 1*DIGIT, and duplicates agree */
  { "Content-Length +5", RAW ("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "Content-Length 5_0", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 5_0\r\n\r\nhello"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "Content-Length -1", RAW ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "Content-Length abc", RAW ("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "Content-Length empty", RAW ("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhello"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "Content-Length 0x5", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "Content-Length 5 5", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\nhello"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "Content-Length overflowing 64 bits", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhello"),
    "", 0, "", HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "two differing Content-Length fields", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    "", 0, "", HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "differing Content-Length list", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!"),
    "", 0, "", HTTPLIB_ERROR_BAD_FRAMING, NULL },
  /* Transfer-Encoding */
  { "Transfer-Encoding gzip", RAW ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxxxx"), "", 0, "",
    HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING, NULL },
  { "Transfer-Encoding gzip, chunked", RAW ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    "", 0, "", HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING, NULL },
  { "chunked together with Content-Length",
    RAW ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
    "", 0, "", HTTPLIB_ERROR_BAD_FRAMING, NULL },
  /* chunk sizes: 1 to 16 hex digits */
  { "chunk size zz", RAW (CHUNKED_HEAD "zz\r\nhello\r\n0\r\n\r\n"), "", 0, "", HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "chunk size of 17 hex digits", RAW (CHUNKED_HEAD "00000000000000005\r\nhello\r\n0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "empty chunk size", RAW (CHUNKED_HEAD "\r\nhello\r\n0\r\n\r\n"), "", 0, "", HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "negative chunk size", RAW (CHUNKED_HEAD "-5\r\nhello\r\n0\r\n\r\n"), "", 0, "", HTTPLIB_ERROR_BAD_FRAMING, NULL },
  { "chunk data without CRLF after it", RAW (CHUNKED_HEAD "5\r\nhelloXX0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_BAD_FRAMING, NULL },
  /* fields */
  { "NUL in a header value", RAW ("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_INVALID_HEADER, NULL },
  { "NUL in a header name", RAW ("HTTP/1.1 200 OK\r\nX-\0A: b\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_INVALID_HEADER, NULL },
  { "bare CR in a header value", RAW ("HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_INVALID_HEADER, NULL },
  { "header name with space", RAW ("HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_INVALID_HEADER, NULL },
  { "NUL in a trailer", RAW (CHUNKED_HEAD "2\r\nok\r\n0\r\nX-T: a\0b\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_INVALID_HEADER, NULL },
  /* status lines */
  { "status not a number", RAW ("HTTP/1.1 abc\r\n\r\n"), "", 0, "", HTTPLIB_ERROR_BAD_STATUS_LINE, NULL },
  { "status below 100", RAW ("HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_BAD_STATUS_LINE, NULL },
  { "status of four digits", RAW ("HTTP/1.1 1000 High\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_BAD_STATUS_LINE, NULL },
  { "version without status", RAW ("HTTP/1.1\r\n\r\n"), "", 0, "", HTTPLIB_ERROR_BAD_STATUS_LINE, NULL },
  { "empty status line", RAW ("\r\nHTTP/1.1 200 OK\r\n\r\n"), "", 0, "", HTTPLIB_ERROR_BAD_STATUS_LINE, NULL },
  { "not HTTP while strict", RAW ("ICY 200 OK\r\n\r\n"), "", 0, "", HTTPLIB_ERROR_BAD_STATUS_LINE, NULL },
  { "HTTP/2.0", RAW ("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_UNKNOWN_PROTOCOL, NULL },
  { "HTTP/3", RAW ("HTTP/3 200 OK\r\nContent-Length: 0\r\n\r\n"), "", 0, "",
    HTTPLIB_ERROR_UNKNOWN_PROTOCOL, NULL },
};

/* Limits and duplicates that must still be accepted. */
static const ResponseRow edge_responses[] = {
  { "exactly 100 header fields", RAW ("HTTP/1.1 200 OK\r\n"), "X-H: v\r\n", 99, "Content-Length: 2\r\n\r\nok",
    -1, NULL, "ok" },
  { "exactly 100 trailer fields", RAW (CHUNKED_HEAD "2\r\nok\r\n0\r\n"), "X-T: v\r\n", 100, "\r\n",
    -1, NULL, "ok" },
  { "two agreeing Content-Length fields", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
    "", 0, "", -1, NULL, "ok" },
  { "agreeing Content-Length list", RAW ("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"),
    "", 0, "", -1, NULL, "ok" },
  { "chunk size of 16 hex digits", RAW (CHUNKED_HEAD "0000000000000002\r\nok\r\n0\r\n\r\n"),
    "", 0, "", -1, NULL, "ok" },
  { "upper-case hex chunk size", RAW (CHUNKED_HEAD "A\r\n0123456789\r\n0\r\n\r\n"),
    "", 0, "", -1, NULL, "0123456789" },
  { "a long but allowed header line", RAW ("HTTP/1.1 200 OK\r\nX-Long: "), "a", 60000,
    "\r\nContent-Length: 2\r\n\r\nok", -1, NULL, "ok" },
};

static GBytes *
build_response (const ResponseRow *row)
{
  GString *s = g_string_new_len (row->prefix, (gssize) row->prefix_len);

  for (guint i = 0; i < row->n_repeat; i++)
    g_string_append (s, row->repeat);
  g_string_append (s, row->suffix);
  return g_string_free_to_bytes (s);
}

/* Connection 0 gets the row's response; later ones a good one. */
static void
bad_response_handler (TestConn *conn, guint index, gpointer user_data)
{
  GBytes *response = user_data;
  GString *request = test_conn_read_request (conn);

  if (request == NULL)
    return;
  g_string_free (request, TRUE);
  if (index == 0)
    test_conn_write (conn, g_bytes_get_data (response, NULL), (gssize) g_bytes_get_size (response));
  else
    test_conn_write (conn, OK_HELLO, -1);
  g_string_free (test_conn_read_until_close (conn), TRUE);
}

/* Sends the row's response and returns the error it gave, from
 * get_response or from reading the body. */
static GError *
fetch (HttplibConnection *conn, GBytes **body)
{
  GError *error = NULL;
  HttplibResponse *resp;

  *body = NULL;
  if (!httplib_connection_request (conn, "GET", "/row", NULL, NULL, NULL, &error))
    return error;
  resp = httplib_connection_get_response (conn, NULL, &error);
  if (resp == NULL)
    return error;
  *body = httplib_response_read (resp, -1, NULL, &error);
  g_object_unref (resp);
  return error;
}

START_TEST (test_bad_response)
{
  const ResponseRow *row = &bad_responses[_i];
  GBytes *response = build_response (row), *body = NULL;
  TestServer *server = test_server_new (bad_response_handler, response);
  HttplibConnection *conn = test_connect_to (server);
  GError *error = fetch (conn, &body);

  ck_assert_msg (error != NULL, "%s: expected error %d, got a body of %zu bytes", row->description,
                 row->code, body ? g_bytes_get_size (body) : 0);
  httplib_assert_error (error, HTTPLIB_ERROR, row->code);
  if (row->message)
    ck_assert_msg (strcmp (error->message, row->message) == 0, "%s: message: expected \"%s\", got \"%s\"",
                   row->description, row->message, error->message);
  g_clear_error (&error);

  /* the connection is usable again once closed */
  httplib_connection_close (conn);
  get_hello (conn, "/after");
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);

  g_object_unref (conn);
  test_server_free (server);
  g_bytes_unref (response);
}
END_TEST

START_TEST (test_edge_response)
{
  const ResponseRow *row = &edge_responses[_i];
  GBytes *response = build_response (row), *body = NULL;
  TestServer *server = test_server_new (bad_response_handler, response);
  HttplibConnection *conn = test_connect_to (server);
  GError *error = fetch (conn, &body);

  ck_assert_msg (error == NULL, "%s: must be accepted, got %s:%d: %s", row->description,
                 error ? g_quark_to_string (error->domain) : "", error ? error->code : 0,
                 error ? error->message : "");
  test_assert_bytes_equal (body, row->body, -1, row->description);

  g_bytes_unref (body);
  g_object_unref (conn);
  test_server_free (server);
  g_bytes_unref (response);
}
END_TEST

static Suite *
bad_input_suite (void)
{
  Suite *s = suite_create ("bad-input");
  TCase *tc;

  tc = tcase_create ("hosts");
  tcase_add_loop_test (tc, test_bad_host, 0, G_N_ELEMENTS (bad_hosts));
  suite_add_tcase (s, tc);

  tc = tcase_create ("requests");
  tcase_add_loop_test (tc, test_bad_request, 0, G_N_ELEMENTS (bad_requests));
  suite_add_tcase (s, tc);

  tc = tcase_create ("responses");
  tcase_add_loop_test (tc, test_bad_response, 0, G_N_ELEMENTS (bad_responses));
  suite_add_tcase (s, tc);

  tc = tcase_create ("limits-accepted");
  tcase_add_loop_test (tc, test_edge_response, 0, G_N_ELEMENTS (edge_responses));
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (bad_input_suite)
