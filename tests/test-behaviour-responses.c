/* test-behaviour-responses.c: the response paragraphs of the core issue
 * (bodies, interim responses, HTTP/0.9, a server that closes early), against
 * a loopback server; the request side is in test-behaviour.c */
#include <httplib/httplib.h>
#include <string.h>

#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* --- bodies --- */

START_TEST (test_chunked_extensions_trailers)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;name=value\r\nhello\r\n"
    "6 ; quoted=\"a;b\"\r\n world\r\n"
    "0;last\r\n"
    "X-Trailer: yes\r\n"
    "X-Checksum: 42\r\n"
    "\r\n",
    OK_HELLO,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  HttplibHeaders *trailers;

  ck_assert (httplib_response_get_chunked (resp));
  ck_assert (!httplib_response_get_will_close (resp));
  test_assert_body (resp, "hello world");
  ck_assert_int_eq (httplib_response_get_state (resp), HTTPLIB_RESPONSE_STATE_COMPLETE);

  trailers = httplib_response_get_trailers (resp);
  ck_assert_msg (trailers != NULL, "trailers must be readable after the body");
  ck_assert_uint_eq (httplib_headers_get_length (trailers), 2);
  ck_assert_str_eq (httplib_headers_get_one (trailers, "x-trailer"), "yes");
  ck_assert_str_eq (httplib_headers_get_one (trailers, "X-Checksum"), "42");
  ck_assert_ptr_null (httplib_response_get_header (resp, "X-Trailer", NULL));

  g_object_unref (resp);
  test_get_hello (conn, "/next");
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_chunked_read_pieces)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3\r\nhel\r\n1\r\nl\r\n7\r\no world\r\n0\r\n\r\n",
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  GString *got = g_string_new (NULL);
  GBytes *all;
  guint rounds;

  for (rounds = 0; rounds < 50; rounds++)
    {
      GError *error = NULL;
      GBytes *piece = httplib_response_read (resp, 2, NULL, &error);

      httplib_assert_no_error (error);
      ck_assert_uint_le (g_bytes_get_size (piece), 2);
      if (g_bytes_get_size (piece) == 0)
        {
          g_bytes_unref (piece);
          break;
        }
      g_string_append_len (got, g_bytes_get_data (piece, NULL), (gssize) g_bytes_get_size (piece));
      g_bytes_unref (piece);
    }
  all = g_bytes_new (got->str, got->len);
  test_assert_bytes_equal (all, "hello world", -1, "chunked body read 2 bytes at a time");

  g_bytes_unref (all);
  g_string_free (got, TRUE);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_until_close_body)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello world, until the end",
    TEST_STEP_CLOSE,
    OK_HELLO,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);

  ck_assert (httplib_response_get_will_close (resp));
  ck_assert (!httplib_response_get_chunked (resp));
  ck_assert_int_eq (httplib_response_get_length (resp), -1);
  test_assert_body (resp, "hello world, until the end");
  ck_assert_int_eq (httplib_response_get_state (resp), HTTPLIB_RESPONSE_STATE_COMPLETE);
  g_object_unref (resp);

  test_get_hello (conn, "/again");
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_http10_responses)
{
  static const char * const steps[] = {
    "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.0 200 OK\r\n\r\nuntil close",
    TEST_STEP_CLOSE,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);

  ck_assert_uint_eq (httplib_response_get_version (resp), 10);
  ck_assert_int_eq (httplib_response_get_length (resp), 5);
  test_assert_body (resp, "hello");
  g_object_unref (resp);

  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_version (resp), 10);
  test_assert_body (resp, "until close");

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static const struct {
  const char *description;
  const char *method;
  const char *response;
  guint       status;
} no_body[] = {
  { "HEAD with Content-Length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 200 },
  { "HEAD with chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200 },
  { "204 without length", "GET", "HTTP/1.1 204 No Content\r\n\r\n", 204 },
  { "204 with Content-Length: 0", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", 204 },
  { "304 with Content-Length", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\n", 304 },
  { "304 without length", "GET", "HTTP/1.1 304 Not Modified\r\n\r\n", 304 },
};

START_TEST (test_no_body)
{
  const char * const steps[] = { no_body[_i].response, OK_HELLO, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, no_body[_i].method, "/", NULL, NULL);
  GBytes *body;

  ck_assert_uint_eq (httplib_response_get_status (resp), no_body[_i].status);
  ck_assert_msg (httplib_response_get_state (resp) == HTTPLIB_RESPONSE_STATE_COMPLETE,
                 "%s: a response without body is complete at once, state is %d",
                 no_body[_i].description, httplib_response_get_state (resp));
  body = test_read_all (resp);
  ck_assert_msg (g_bytes_get_size (body) == 0, "%s: expected no body, got %zu bytes",
                 no_body[_i].description, g_bytes_get_size (body));
  g_bytes_unref (body);
  g_object_unref (resp);

  /* nothing was taken from the stream: the next response comes right */
  test_get_hello (conn, "/next");
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* The same responses sent whole and one byte per write must parse alike. */
static const struct {
  const char *description;
  const char *response;
  const char *body;
  guint       status;
  const char *trailer;   /* value of X-T after the body, or NULL */
} split_responses[] = {
  { "Content-Length", "HTTP/1.1 200 OK\r\nServer: t\r\nContent-Length: 11\r\n\r\nhello world", "hello world", 200, NULL },
  { "chunked with trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: v\r\n\r\n", "hello world", 200, "v" },
  { "interim then final", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", "ok", 201, NULL },
  { "LF-only line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "ok", 200, NULL },
  { "folded header", "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok", "ok", 200, NULL },
};

static void
check_split_response (guint row, gsize split)
{
  const char * const steps[] = { split_responses[row].response, NULL };
  TestServer *server = test_server_new_script (steps, split);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  GBytes *body;
  char *what = g_strdup_printf ("%s, split %zu", split_responses[row].description, split);

  ck_assert_msg (httplib_response_get_status (resp) == split_responses[row].status,
                 "%s: status: expected %u, got %u", what, split_responses[row].status,
                 httplib_response_get_status (resp));
  body = test_read_all (resp);
  test_assert_bytes_equal (body, split_responses[row].body, -1, what);
  if (split_responses[row].trailer)
    {
      HttplibHeaders *trailers = httplib_response_get_trailers (resp);

      ck_assert_msg (trailers != NULL, "%s: no trailers", what);
      ck_assert_str_eq (httplib_headers_get_one (trailers, "X-T"), split_responses[row].trailer);
    }
  if (strstr (split_responses[row].response, "X-Folded"))
    ck_assert_str_eq (httplib_response_get_header (resp, "X-Folded", NULL), "a b");

  g_free (what);
  g_bytes_unref (body);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}

START_TEST (test_split_writes)
{
  check_split_response (_i, 0);
  check_split_response (_i, 1);
  check_split_response (_i, 3);
}
END_TEST

/* --- a large body --- */

typedef struct {
  GBytes  *body;
  gboolean chunked;
} LargeBody;

static void
large_body_handler (TestConn *conn, guint index, gpointer user_data)
{
  LargeBody *large = user_data;
  GString *request = test_conn_read_request (conn);
  gsize len;
  const char *data = g_bytes_get_data (large->body, &len);

  if (request == NULL)
    return;
  g_string_free (request, TRUE);

  if (!large->chunked)
    {
      char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", len);

      test_conn_write (conn, head, -1);
      test_conn_write (conn, data, (gssize) len);
      g_free (head);
    }
  else
    {
      gsize off = 0, size = 1;

      test_conn_write (conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", -1);
      while (off < len)
        {
          char *line;

          /* chunk sizes of every magnitude, up to 192 KiB */
          size = MIN ((size * 7 + 3) % (192 * 1024) + 1, len - off);
          line = g_strdup_printf ("%zx\r\n", size);
          test_conn_write (conn, line, -1);
          test_conn_write (conn, data + off, (gssize) size);
          test_conn_write (conn, "\r\n", 2);
          g_free (line);
          off += size;
        }
      test_conn_write (conn, "0\r\n\r\n", -1);
    }
  g_string_free (test_conn_read_until_close (conn), TRUE);
}

START_TEST (test_large_body)
{
  const gsize size = 5 * 1024 * 1024 + 7;
  guint8 *data = g_malloc (size);
  GRand *rand = g_rand_new_with_seed (42);
  LargeBody large;
  TestServer *server;
  HttplibConnection *conn;
  HttplibResponse *resp;
  GByteArray *got = g_byte_array_new ();
  guint8 *piece = g_malloc (64 * 1024);
  guint rounds;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  large.body = g_bytes_new_take (data, size);
  large.chunked = _i == 1;

  server = test_server_new (large_body_handler, &large);
  conn = test_connect_to (server);
  resp = test_do_request (conn, "GET", "/large", NULL, NULL);

  for (rounds = 0; rounds < 100000; rounds++)
    {
      GError *error = NULL;
      gssize n = httplib_response_read_into (resp, piece, 64 * 1024, NULL, &error);

      httplib_assert_no_error (error);
      ck_assert (n >= 0 && n <= 64 * 1024);
      if (n == 0)
        break;
      g_byte_array_append (got, piece, (guint) n);
    }
  ck_assert_msg (got->len == size, "%s body: expected %zu bytes, got %u",
                 large.chunked ? "chunked" : "Content-Length", size, got->len);
  ck_assert_msg (memcmp (got->data, g_bytes_get_data (large.body, NULL), size) == 0,
                 "the large body differs from what the server sent");

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
  g_free (piece);
  g_byte_array_unref (got);
  g_bytes_unref (large.body);
  g_rand_free (rand);
}
END_TEST

/* --- interim responses --- */

static void
on_informational (const GValue *params, guint n_params, gpointer user_data)
{
  GPtrArray *log = user_data;
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%" G_GINT64_FORMAT, n_params > 0 ? test_value_get_int (&params[0]) : -1);
  if (n_params > 1 && G_VALUE_HOLDS_STRING (&params[1]))
    g_string_append_printf (s, " %s", g_value_get_string (&params[1]));
  g_string_append (s, " [");
  if (n_params > 2 && G_VALUE_HOLDS_BOXED (&params[2]) && g_value_get_boxed (&params[2]))
    {
      HttplibHeaders *headers = g_value_get_boxed (&params[2]);
      HttplibHeadersIter iter;
      const char *name, *value;
      gboolean first = TRUE;

      httplib_headers_iter_init (&iter, headers);
      while (httplib_headers_iter_next (&iter, &name, &value))
        {
          g_string_append_printf (s, "%s%s: %s", first ? "" : "; ", name, value);
          first = FALSE;
        }
    }
  g_string_append (s, "]");
  g_ptr_array_add (log, g_string_free (s, FALSE));
}

static char *
join_log (GPtrArray *log)
{
  g_ptr_array_add (log, NULL);
  {
    char *joined = g_strjoinv (" | ", (char **) log->pdata);
    g_ptr_array_remove_index (log, log->len - 1);
    return joined;
  }
}

START_TEST (test_interim_responses)
{
  static const char * const steps[] = {
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    "HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\nX-Two: 2\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    OK_HELLO,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GPtrArray *log = g_ptr_array_new_with_free_func (g_free);
  HttplibResponse *resp;
  char *joined;
  gulong id = test_signal_connect (conn, "informational", on_informational, log);

  ck_assert_msg (id != 0, "HttplibConnection has no \"informational\" signal");
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  ck_assert_ptr_null (httplib_response_get_header (resp, "Link", NULL));
  test_assert_body (resp, "ok");

  joined = join_log (log);
  ck_assert_str_eq (joined,
                    "100 Continue [] | "
                    "103 Early Hints [Link: </a.css>; rel=preload] | "
                    "103 Early Hints [Link: </b.js>; rel=preload; X-Two: 2]");
  g_object_unref (resp);
  test_get_hello (conn, "/next");

  g_free (joined);
  g_ptr_array_unref (log);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static char *
many_interim (guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (s, i % 2 ? "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                              : "HTTP/1.1 100 Continue\r\n\r\n");
  g_string_append (s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  return g_string_free (s, FALSE);
}

START_TEST (test_interim_limit)
{
  char *exactly = many_interim (100), *too_many = many_interim (101);
  const char * const steps[] = { exactly, too_many, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GPtrArray *log = g_ptr_array_new_with_free_func (g_free);
  HttplibResponse *resp;
  GError *error = NULL;

  test_signal_connect (conn, "informational", on_informational, log);

  resp = test_do_request (conn, "GET", "/100", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  test_assert_body (resp, "ok");
  ck_assert_uint_eq (log->len, 100);
  g_object_unref (resp);

  ck_assert (httplib_connection_request (conn, "GET", "/101", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TOO_MANY_HEADERS);

  g_error_free (error);
  g_ptr_array_unref (log);
  g_object_unref (conn);
  test_server_free (server);
  g_free (exactly);
  g_free (too_many);
}
END_TEST

START_TEST (test_switching_protocols_is_final)
{
  static const char * const steps[] = {
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    TEST_STEP_WAIT_CLOSE,
    NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  GPtrArray *log = g_ptr_array_new_with_free_func (g_free);
  HttplibHeaders *headers = httplib_headers_new ();
  HttplibResponse *resp;
  GBytes *body;

  test_signal_connect (conn, "informational", on_informational, log);
  httplib_headers_append (headers, "Upgrade", "websocket");
  httplib_headers_append (headers, "Connection", "Upgrade");
  resp = test_do_request (conn, "GET", "/ws", NULL, headers);
  ck_assert_uint_eq (httplib_response_get_status (resp), 101);
  ck_assert_str_eq (httplib_response_get_header (resp, "Upgrade", NULL), "websocket");
  ck_assert_uint_eq (log->len, 0);
  body = test_read_all (resp);
  ck_assert_uint_eq (g_bytes_get_size (body), 0);

  g_bytes_unref (body);
  g_object_unref (resp);
  httplib_headers_unref (headers);
  g_ptr_array_unref (log);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- HTTP/0.9 --- */

static const struct {
  const char *description;
  const char *response;
} http09[] = {
  { "a line without end, then close", "hello world" },
  { "whole lines, then close", "hello world\r\nsecond line\r\n" },
};

START_TEST (test_http09_strict)
{
  const char * const steps[] = { http09[_i].response, TEST_STEP_CLOSE, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;

  ck_assert (httplib_connection_get_strict (conn));
  ck_assert (httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_STATUS_LINE);

  g_error_free (error);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_http09_lenient)
{
  const char * const steps[] = { http09[_i].response, TEST_STEP_CLOSE, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;

  httplib_connection_set_strict (conn, FALSE);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_version (resp), 9);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  ck_assert (httplib_response_get_will_close (resp));
  test_assert_body (resp, http09[_i].response);

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

/* --- the server closes early --- */

START_TEST (test_incomplete_read_content_length)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", TEST_STEP_CLOSE, OK_HELLO, NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  GError *error = NULL;
  GBytes *body, *partial;

  body = httplib_response_read (resp, -1, NULL, &error);
  ck_assert_ptr_null (body);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ);
  ck_assert_str_eq (error->message, "IncompleteRead(5 bytes read, 5 more expected)");
  g_clear_error (&error);
  partial = httplib_response_get_partial (resp);
  test_assert_bytes_equal (partial, "hello", -1, "partial body");
  g_bytes_unref (partial);
  g_object_unref (resp);

  /* the connection recovers on the next request */
  test_get_hello (conn, "/next");
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);

  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static const struct {
  const char *description;
  const char *response;
  const char *partial;
} chunked_cuts[] = {
  { "inside chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhello", "hello" },
  { "before a chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "hello" },
  { "inside a chunk size line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1", "hello" },
};

/* A caller that passes no GError still gets NULL and the partial bytes. */
START_TEST (test_incomplete_read_without_error)
{
  static const char * const steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", TEST_STEP_CLOSE, NULL
  };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  GBytes *partial;

  ck_assert_ptr_null (httplib_response_read (resp, -1, NULL, NULL));
  partial = httplib_response_get_partial (resp);
  test_assert_bytes_equal (partial, "hello", -1, "partial body");
  g_bytes_unref (partial);

  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_incomplete_read_chunked)
{
  const char * const steps[] = { chunked_cuts[_i].response, TEST_STEP_CLOSE, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp = test_do_request (conn, "GET", "/", NULL, NULL);
  GError *error = NULL;
  GBytes *body, *partial;

  body = httplib_response_read (resp, -1, NULL, &error);
  ck_assert_msg (body == NULL, "%s: expected an error, got %zu bytes", chunked_cuts[_i].description,
                 body ? g_bytes_get_size (body) : 0);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ);
  g_clear_error (&error);
  partial = httplib_response_get_partial (resp);
  test_assert_bytes_equal (partial, chunked_cuts[_i].partial, -1, chunked_cuts[_i].description);

  g_bytes_unref (partial);
  g_object_unref (resp);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

START_TEST (test_close_before_status_line)
{
  static const char * const steps[] = { TEST_STEP_READ_CLOSE, NULL };
  TestServer *server = test_server_new_script (steps, 0);
  HttplibConnection *conn = test_connect_to (server);
  HttplibResponse *resp;
  GError *error = NULL;

  ck_assert (httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_ptr_null (resp);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_REMOTE_DISCONNECTED);
  ck_assert_str_eq (error->message, "Remote end closed connection without response");

  g_error_free (error);
  g_object_unref (conn);
  test_server_free (server);
}
END_TEST

static Suite *
behaviour_responses_suite (void)
{
  Suite *s = suite_create ("behaviour-responses");
  TCase *tc;

  tc = tcase_create ("bodies");
  tcase_add_test (tc, test_chunked_extensions_trailers);
  tcase_add_test (tc, test_chunked_read_pieces);
  tcase_add_test (tc, test_until_close_body);
  tcase_add_test (tc, test_http10_responses);
  tcase_add_loop_test (tc, test_no_body, 0, G_N_ELEMENTS (no_body));
  tcase_add_loop_test (tc, test_split_writes, 0, G_N_ELEMENTS (split_responses));
  tcase_add_loop_test (tc, test_large_body, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("interim");
  tcase_add_test (tc, test_interim_responses);
  tcase_add_test (tc, test_interim_limit);
  tcase_add_test (tc, test_switching_protocols_is_final);
  suite_add_tcase (s, tc);

  tc = tcase_create ("http09");
  tcase_add_loop_test (tc, test_http09_strict, 0, G_N_ELEMENTS (http09));
  tcase_add_loop_test (tc, test_http09_lenient, 0, G_N_ELEMENTS (http09));
  suite_add_tcase (s, tc);

  tc = tcase_create ("early-close");
  tcase_add_test (tc, test_incomplete_read_content_length);
  tcase_add_test (tc, test_incomplete_read_without_error);
  tcase_add_loop_test (tc, test_incomplete_read_chunked, 0, G_N_ELEMENTS (chunked_cuts));
  tcase_add_test (tc, test_close_before_status_line);
  suite_add_tcase (s, tc);

  return s;
}

HTTPLIB_TEST_MAIN (behaviour_responses_suite)
