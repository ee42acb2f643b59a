/* test-limits.c: every limit on what a server may send, at its boundary
 *
 * For each limit a response exactly at it is accepted and one unit over it
 * is refused with the documented code and message: line length (status,
 * header, chunk-size and trailer lines), header fields, head bytes,
 * chunk-size digits, interim responses, trailer fields and trailer bytes.
 * Each row runs through a connection to the loopback server, blocking and
 * on a main loop, and the head rows also through the reader a CONNECT
 * tunnel uses for the proxy's answer (httplib_transport_read_response_head).
 */
#include <httplib/httplib.h>
#include <string.h>

#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

/* The documented limits (README "Limits"); the library's own constants
 * are private, so a change there must show up here. */
#define MAX_LINE          65536
#define MAX_HEADERS       100
#define MAX_HEADER_BYTES  262144
#define MAX_TRAILER_BYTES 262144
#define MAX_CHUNK_DIGITS  16
#define MAX_INTERIM       100

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
#define LAST_CHUNK   "2\r\nok\r\n0\r\n"
/* Fields that split the bytes of a head or trailer section among them. */
#define N_FILL_FIELDS 5

typedef enum {
  STATUS_LINE,     /* n: bytes of the line before "\n" ("\r" included) */
  HEADER_LINE,
  CHUNK_SIZE_LINE,
  TRAILER_LINE,
  HEADER_COUNT,    /* n: header fields */
  HEADER_BYTES,    /* n: bytes of the head, status line to empty line */
  CHUNK_DIGITS,    /* n: hex digits of a chunk size */
  INTERIM,         /* n: 103 responses before the 200 */
  TRAILER_COUNT,   /* n: trailer fields */
  TRAILER_BYTES,   /* n: bytes of the trailer section, empty line included */
} Limit;

typedef struct {
  const char *desc;
  Limit       limit;
  gsize       n;
  const char *eol;      /* the line ending of a line row; NULL: CRLF */
  int         code;     /* -1: accepted */
  const char *message;  /* the exact message when refused */
} LimitRow;

#define REFUSED(d, l, n, eol, code, msg) { d, l, n, eol, HTTPLIB_ERROR_##code, msg }
#define ACCEPTED(d, l, n, eol) { d, l, n, eol, -1, NULL }

/* The head rows come first: the tunnel's reader runs those. */
#define N_HEAD_ROWS 10

static const LimitRow rows[] = {
  ACCEPTED ("status line of 65536 bytes", STATUS_LINE, MAX_LINE, NULL),
  REFUSED ("status line of 65537 bytes", STATUS_LINE, MAX_LINE + 1, NULL,
           LINE_TOO_LONG, "got more than 65536 bytes when reading status line"),
  ACCEPTED ("header line of 65536 bytes", HEADER_LINE, MAX_LINE, NULL),
  REFUSED ("header line of 65537 bytes", HEADER_LINE, MAX_LINE + 1, NULL,
           LINE_TOO_LONG, "got more than 65536 bytes when reading header line"),
  ACCEPTED ("header line of 65536 bytes ended by LF", HEADER_LINE, MAX_LINE, "\n"),
  REFUSED ("header line of 65537 bytes ended by LF", HEADER_LINE, MAX_LINE + 1, "\n",
           LINE_TOO_LONG, "got more than 65536 bytes when reading header line"),
  ACCEPTED ("100 header fields", HEADER_COUNT, MAX_HEADERS, NULL),
  REFUSED ("101 header fields", HEADER_COUNT, MAX_HEADERS + 1, NULL,
           TOO_MANY_HEADERS, "got more than 100 headers"),
  ACCEPTED ("head of 262144 bytes", HEADER_BYTES, MAX_HEADER_BYTES, NULL),
  REFUSED ("head of 262145 bytes", HEADER_BYTES, MAX_HEADER_BYTES + 1, NULL,
           TOO_MANY_HEADERS, "got more than 262144 bytes of headers"),
  ACCEPTED ("chunk-size line of 65536 bytes", CHUNK_SIZE_LINE, MAX_LINE, NULL),
  REFUSED ("chunk-size line of 65537 bytes", CHUNK_SIZE_LINE, MAX_LINE + 1, NULL,
           LINE_TOO_LONG, "got more than 65536 bytes when reading chunk size"),
  ACCEPTED ("trailer line of 65536 bytes", TRAILER_LINE, MAX_LINE, NULL),
  REFUSED ("trailer line of 65537 bytes", TRAILER_LINE, MAX_LINE + 1, NULL,
           LINE_TOO_LONG, "got more than 65536 bytes when reading trailer line"),
  ACCEPTED ("chunk size of 16 hex digits", CHUNK_DIGITS, MAX_CHUNK_DIGITS, NULL),
  REFUSED ("chunk size of 17 hex digits", CHUNK_DIGITS, MAX_CHUNK_DIGITS + 1, NULL,
           BAD_FRAMING, "chunk size has more than 16 hex digits: '00000000000000002'"),
  ACCEPTED ("100 interim responses", INTERIM, MAX_INTERIM, NULL),
  REFUSED ("101 interim responses", INTERIM, MAX_INTERIM + 1, NULL,
           TOO_MANY_HEADERS, "got more than 100 interim responses"),
  ACCEPTED ("100 trailer fields", TRAILER_COUNT, MAX_HEADERS, NULL),
  REFUSED ("101 trailer fields", TRAILER_COUNT, MAX_HEADERS + 1, NULL,
           TOO_MANY_HEADERS, "got more than 100 headers"),
  ACCEPTED ("trailer section of 262144 bytes", TRAILER_BYTES, MAX_TRAILER_BYTES, NULL),
  REFUSED ("trailer section of 262145 bytes", TRAILER_BYTES, MAX_TRAILER_BYTES + 1, NULL,
           TOO_MANY_HEADERS, "got more than 262144 bytes of trailers"),
};

/* --- building the responses --- */

static void
append_fill (GString *s, gsize n)
{
  gsize at = s->len;

  g_string_set_size (s, at + n);
  memset (s->str + at, 'a', n);
}

/* A line of n bytes before its "\n": prefix, filler, the ending. */
static void
append_line (GString *s, const char *prefix, gsize n, const char *eol)
{
  gsize eol_len = strlen (eol);

  g_string_append (s, prefix);
  append_fill (s, n - strlen (prefix) - (eol_len - 1));
  g_string_append (s, eol);
}

/* N_FILL_FIELDS field lines of `total` bytes in all, endings included. */
static void
append_fill_fields (GString *s, const char *name, gsize total)
{
  for (guint i = 0; i < N_FILL_FIELDS; i++)
    {
      gsize size = total / N_FILL_FIELDS + (i == N_FILL_FIELDS - 1 ? total % N_FILL_FIELDS : 0);
      g_autofree char *prefix = g_strdup_printf ("%s-%u: ", name, i);
      gsize before = s->len;

      append_line (s, prefix, size - 1, "\r\n");
      g_assert (s->len - before == size);
    }
}

static GString *
build_response (const LimitRow *row)
{
  GString *s = g_string_new (NULL);
  const char *eol = row->eol != NULL ? row->eol : "\r\n";
  gsize before;

  switch (row->limit)
    {
    case STATUS_LINE:
      append_line (s, "HTTP/1.1 200 ", row->n, eol);
      g_string_append (s, "Content-Length: 2\r\n\r\nok");
      break;
    case HEADER_LINE:
      g_string_append (s, "HTTP/1.1 200 OK\r\n");
      append_line (s, "X-Long: ", row->n, eol);
      g_string_append (s, "Content-Length: 2\r\n\r\nok");
      break;
    case CHUNK_SIZE_LINE:
      g_string_append (s, CHUNKED_HEAD);
      append_line (s, "2;x=", row->n, eol);
      g_string_append (s, "ok\r\n0\r\n\r\n");
      break;
    case TRAILER_LINE:
      g_string_append (s, CHUNKED_HEAD LAST_CHUNK);
      append_line (s, "X-Long: ", row->n, eol);
      g_string_append (s, "\r\n");
      break;
    case HEADER_COUNT:
      g_string_append (s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
      for (guint i = 1; i < row->n; i++)
        g_string_append_printf (s, "X-H%u: v\r\n", i);
      g_string_append (s, "\r\nok");
      break;
    case HEADER_BYTES:
      g_string_append (s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
      append_fill_fields (s, "X-Fill", row->n - s->len - 2);
      g_string_append (s, "\r\n");
      g_assert (s->len == row->n);
      g_string_append (s, "ok");
      break;
    case CHUNK_DIGITS:
      g_string_append (s, CHUNKED_HEAD);
      for (gsize i = 1; i < row->n; i++)
        g_string_append_c (s, '0');
      g_string_append (s, "2\r\nok\r\n0\r\n\r\n");
      break;
    case INTERIM:
      for (gsize i = 0; i < row->n; i++)
        g_string_append (s, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n");
      g_string_append (s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      break;
    case TRAILER_COUNT:
      g_string_append (s, CHUNKED_HEAD LAST_CHUNK);
      for (gsize i = 0; i < row->n; i++)
        g_string_append_printf (s, "X-T%" G_GSIZE_FORMAT ": v\r\n", i);
      g_string_append (s, "\r\n");
      break;
    case TRAILER_BYTES:
      g_string_append (s, CHUNKED_HEAD LAST_CHUNK);
      before = s->len;
      append_fill_fields (s, "X-Fill", row->n - 2);
      g_string_append (s, "\r\n");
      g_assert (s->len - before == row->n);
      break;
    }
  return s;
}

/* --- checking what was accepted --- */

static void
check_accepted (const LimitRow *row, HttplibResponse *resp, GBytes *body, guint n_informational)
{
  HttplibHeaders *headers = httplib_response_get_headers (resp);
  HttplibHeaders *trailers = httplib_response_get_trailers (resp);
  gsize eol_extra = row->eol != NULL ? strlen (row->eol) - 1 : 1;

  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  test_assert_bytes_equal (body, "ok", -1, row->desc);
  switch (row->limit)
    {
    case STATUS_LINE:
      /* The reason is the line after "HTTP/1.1 200 ", without its "\r". */
      ck_assert_uint_eq (strlen (httplib_response_get_reason (resp)), row->n - 13 - eol_extra);
      break;
    case HEADER_LINE:
      ck_assert_uint_eq (strlen (httplib_headers_get_one (headers, "X-Long")),
                         row->n - 8 - eol_extra);
      break;
    case TRAILER_LINE:
      ck_assert_ptr_nonnull (trailers);
      ck_assert_uint_eq (strlen (httplib_headers_get_one (trailers, "X-Long")),
                         row->n - 8 - eol_extra);
      break;
    case HEADER_COUNT:
      ck_assert_uint_eq (httplib_headers_get_length (headers), row->n);
      break;
    case HEADER_BYTES:
      ck_assert_uint_eq (httplib_headers_get_length (headers), 1 + N_FILL_FIELDS);
      break;
    case INTERIM:
      ck_assert_uint_eq (n_informational, row->n);
      break;
    case TRAILER_COUNT:
      ck_assert_ptr_nonnull (trailers);
      ck_assert_uint_eq (httplib_headers_get_length (trailers), row->n);
      break;
    case TRAILER_BYTES:
      ck_assert_ptr_nonnull (trailers);
      ck_assert_uint_eq (httplib_headers_get_length (trailers), N_FILL_FIELDS);
      break;
    case CHUNK_SIZE_LINE:
    case CHUNK_DIGITS:
      break;
    }
}

static void
check_refused (const LimitRow *row, const GError *error)
{
  ck_assert_msg (error != NULL, "%s: expected an error, got none", row->desc);
  httplib_assert_error (error, HTTPLIB_ERROR, row->code);
  ck_assert_msg (strcmp (error->message, row->message) == 0,
                 "%s: expected the message “%s”, got “%s”", row->desc, row->message,
                 error->message);
}

static void
on_informational (const GValue *params, guint n_params, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* --- through a connection --- */

/* GET / and the whole body; the first error stops it. */
static HttplibResponse *
exchange (HttplibConnection *conn, gboolean async, GBytes **body, GError **error)
{
  g_autoptr(HttplibResponse) resp = NULL;

  *body = NULL;
  if (!(async ? test_async_request (conn, "GET", "/", NULL, NULL, NULL, error)
              : httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, error)))
    return NULL;
  resp = async ? test_async_get_response (conn, NULL, error)
               : httplib_connection_get_response (conn, NULL, error);
  if (resp != NULL)
    *body = async ? test_async_read_all (resp, NULL, error)
                  : httplib_response_read (resp, -1, NULL, error);
  return *body != NULL ? g_steal_pointer (&resp) : NULL;
}

static void
run_connection_row (const LimitRow *row, gboolean async)
{
  g_autoptr(GString) response = build_response (row);
  const char *steps[] = { response->str, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autoptr(HttplibConnection) conn = test_connect_to (server);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = async ? g_main_context_new () : NULL;
  guint n_informational = 0;

  if (context != NULL)
    g_main_context_push_thread_default (context);
  test_signal_connect (conn, "informational", on_informational, &n_informational);
  resp = exchange (conn, async, &body, &error);
  if (row->code < 0)
    {
      httplib_assert_no_error (error);
      check_accepted (row, resp, body, n_informational);
    }
  else
    {
      ck_assert_ptr_null (body);
      check_refused (row, error);
    }
  httplib_connection_close (conn);
  g_clear_object (&resp);
  g_clear_object (&conn);
  if (context != NULL)
    g_main_context_pop_thread_default (context);
}

START_TEST (test_limit_blocking)
{
  run_connection_row (&rows[_i], FALSE);
}
END_TEST

START_TEST (test_limit_async)
{
  run_connection_row (&rows[_i], TRUE);
}
END_TEST

/* --- through the reader of a CONNECT tunnel --- */

static gboolean
is_head_row (const LimitRow *row)
{
  return row->limit == STATUS_LINE || row->limit == HEADER_LINE ||
         row->limit == HEADER_COUNT || row->limit == HEADER_BYTES;
}

static void
run_tunnel_row (const LimitRow *row, gboolean async)
{
  g_autoptr(GString) reply = build_response (row);
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(HttplibHeaders) headers = NULL;
  g_autoptr(GBytes) rest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  guint status = 0;
  gboolean ok;

  ck_assert_msg (is_head_row (row), "%s is not about the head", row->desc);
  input = g_memory_input_stream_new_from_data (reply->str, reply->len, NULL);
  if (!async)
    ok = httplib_transport_read_response_head (input, 0, &status, &reason, &headers, &rest,
                                               NULL, &error);
  else
    {
      g_autoptr(GAsyncResult) result = NULL;
      GAsyncResult *slot = NULL;

      httplib_transport_read_response_head_async (input, 0, NULL, test_on_async_done, &slot);
      result = test_wait_for_result (&slot);
      ok = httplib_transport_read_response_head_finish (input, result, &status, &reason,
                                                        &headers, &rest, &error);
    }

  if (row->code >= 0)
    {
      ck_assert (!ok);
      check_refused (row, error);
      return;
    }
  httplib_assert_no_error (error);
  ck_assert (ok);
  ck_assert_uint_eq (status, 200);
  /* What was read past the head comes back: "ok", or less when the head
   * ended exactly at the end of a read (262144 bytes is 64 of them). */
  if (rest != NULL)
    ck_assert_msg (g_bytes_get_size (rest) <= 2 &&
                   memcmp (g_bytes_get_data (rest, NULL), "ok", g_bytes_get_size (rest)) == 0,
                   "%s: %" G_GSIZE_FORMAT " bytes after the head, not a prefix of \"ok\"",
                   row->desc, g_bytes_get_size (rest));
  if (row->limit == HEADER_COUNT)
    ck_assert_uint_eq (httplib_headers_get_length (headers), row->n);
  if (row->limit == HEADER_BYTES)
    ck_assert_uint_eq (httplib_headers_get_length (headers), 1 + N_FILL_FIELDS);
}

START_TEST (test_tunnel_limit_blocking)
{
  run_tunnel_row (&rows[_i], FALSE);
}
END_TEST

START_TEST (test_tunnel_limit_async)
{
  run_tunnel_row (&rows[_i], TRUE);
}
END_TEST

static Suite *
limits_suite (void)
{
  Suite *s = suite_create ("limits");
  TCase *tc;

  tc = tcase_create ("connection");
  tcase_add_loop_test (tc, test_limit_blocking, 0, G_N_ELEMENTS (rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("connection-async");
  tcase_add_loop_test (tc, test_limit_async, 0, G_N_ELEMENTS (rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("tunnel-reply");
  tcase_add_loop_test (tc, test_tunnel_limit_blocking, 0, N_HEAD_ROWS);
  tcase_add_loop_test (tc, test_tunnel_limit_async, 0, N_HEAD_ROWS);
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (limits_suite)
