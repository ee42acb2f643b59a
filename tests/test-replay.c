/* test-replay.c: the replay transport, as an application's tests use it —
 * scripted responses, recorded requests, keep-alive and closes, a script
 * that runs out, bodies with every framing, sync and async, no network.
 *
 * Every connection is made for "example.org" and never resolves it: the
 * replay transport opens the connection in memory.
 */
#include <httplib/httplib.h>
#include <string.h>
#include <unistd.h>

#include "test-client.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define NOT_FOUND "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nmissing"
#define GET_ROOT "GET / HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: identity\r\n\r\n"

/* --- helpers --- */

static HttplibReplayTransport *
new_replay (const char *first_response)
{
  HttplibReplayTransport *replay = httplib_replay_transport_new ();

  if (first_response != NULL)
    {
      g_autoptr(GBytes) raw = g_bytes_new (first_response, strlen (first_response));

      httplib_replay_transport_add_response (replay, raw);
    }
  return replay;
}

static void
add_raw (HttplibReplayTransport *replay,
         const char             *response)
{
  g_autoptr(GBytes) raw = g_bytes_new (response, strlen (response));

  httplib_replay_transport_add_response (replay, raw);
}

/* A connection to example.org that opens through replay. */
static HttplibConnection *
replay_connection (HttplibReplayTransport *replay)
{
  g_autoptr(GError) error = NULL;
  HttplibConnection *conn = httplib_connection_new ("example.org", 0, &error);

  httplib_assert_no_error (error);
  httplib_connection_set_transport_instance (conn, HTTPLIB_TRANSPORT (replay));
  ck_assert_msg (httplib_connection_get_transport_instance (conn) == HTTPLIB_TRANSPORT (replay),
                 "expected the connection to keep the replay transport");
  return conn;
}

/* Request index of replay, compared byte for byte with expected. */
static void
assert_request (HttplibReplayTransport *replay,
                guint                   index,
                const char             *expected)
{
  g_autoptr(GBytes) got = httplib_replay_transport_get_request (replay, index);
  g_autofree char *text = NULL;

  ck_assert_msg (got != NULL, "expected request %u to be recorded, there are %u", index,
                 httplib_replay_transport_get_n_requests (replay));
  text = g_strndup (g_bytes_get_data (got, NULL), g_bytes_get_size (got));
  ck_assert_msg (g_bytes_get_size (got) == strlen (expected) &&
                 memcmp (g_bytes_get_data (got, NULL), expected, strlen (expected)) == 0,
                 "request %u: expected \"%s\", got \"%s\"", index,
                 g_strescape (expected, NULL), g_strescape (text, NULL));
}

static void
assert_counts (HttplibReplayTransport *replay,
               guint                   requests,
               guint                   connections,
               guint                   pending)
{
  ck_assert_msg (httplib_replay_transport_get_n_requests (replay) == requests,
                 "expected %u requests recorded, got %u", requests,
                 httplib_replay_transport_get_n_requests (replay));
  ck_assert_msg (httplib_replay_transport_get_n_connections (replay) == connections,
                 "expected %u connections opened, got %u", connections,
                 httplib_replay_transport_get_n_connections (replay));
  ck_assert_msg (httplib_replay_transport_get_n_pending (replay) == pending,
                 "expected %u script steps left, got %u", pending,
                 httplib_replay_transport_get_n_pending (replay));
}

/* --- requests and responses --- */

START_TEST (test_get)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) resp = NULL;

  assert_counts (replay, 0, 0, 1);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  ck_assert_str_eq (httplib_response_get_reason (resp), "OK");
  test_assert_body (resp, "hello");

  assert_request (replay, 0, GET_ROOT);
  assert_counts (replay, 1, 1, 0);
  ck_assert_msg (httplib_replay_transport_get_request (replay, 1) == NULL,
                 "expected no request at index 1");
}
END_TEST

/* Requests on one kept-alive connection: one open, each request its own entry. */
START_TEST (test_keep_alive)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) first = NULL;
  g_autoptr(HttplibResponse) second = NULL;
  g_autoptr(GPtrArray) requests = NULL;

  add_raw (replay, NOT_FOUND);
  first = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (first, "hello");
  second = test_do_request (conn, "POST", "/form", "a=1&b=2", NULL);
  ck_assert_uint_eq (httplib_response_get_status (second), 404);
  test_assert_body (second, "missing");

  assert_counts (replay, 2, 1, 0);
  requests = httplib_replay_transport_get_requests (replay);
  ck_assert_uint_eq (requests->len, 2);
  assert_request (replay, 0, GET_ROOT);
  assert_request (replay, 1, "POST /form HTTP/1.1\r\nHost: example.org\r\n"
                             "Accept-Encoding: identity\r\nContent-Length: 7\r\n\r\na=1&b=2");
  ck_assert_msg (g_bytes_get_size (requests->pdata[1]) == 95,
                 "expected the second entry to hold 95 bytes, got %" G_GSIZE_FORMAT,
                 g_bytes_get_size (requests->pdata[1]));
}
END_TEST

/* A body of unknown length goes chunked: the whole framing is one request,
 * and the request after it is told apart. */
START_TEST (test_chunked_request)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *head = "PUT /up HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: identity\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n";
  int fds[2];

  add_raw (replay, NOT_FOUND);
  ck_assert_msg (pipe (fds) == 0, "expected a pipe");
  ck_assert_msg (write (fds[1], "piped body", 10) == 10, "expected to fill the pipe");
  close (fds[1]);
  body = httplib_body_source_new_for_fd (fds[0], TRUE, &error);
  httplib_assert_no_error (error);

  ck_assert (httplib_connection_request (conn, "PUT", "/up", body, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");
  g_clear_object (&resp);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "missing");

  assert_counts (replay, 2, 1, 0);
  sent = httplib_replay_transport_get_request (replay, 0);
  text = g_strndup (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
  ck_assert_msg (g_str_has_prefix (text, head), "expected the chunked head, got \"%s\"",
                 g_strescape (text, NULL));
  ck_assert_msg (strstr (text, "piped body") != NULL || strstr (text, "piped") != NULL,
                 "expected the body in the chunks, got \"%s\"", g_strescape (text, NULL));
  ck_assert_msg (g_str_has_suffix (text, "\r\n0\r\n\r\n"),
                 "expected the last chunk to end the request, got \"%s\"",
                 g_strescape (text, NULL));
  assert_request (replay, 1, GET_ROOT);
}
END_TEST

/* put_request, put_header, end_headers and send: one request, written in pieces. */
START_TEST (test_request_in_pieces)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GError) error = NULL;

  add_raw (replay, NOT_FOUND);
  ck_assert (httplib_connection_put_request (conn, "POST", "/pieces", TRUE, TRUE, NULL, &error));
  ck_assert (httplib_connection_put_header (conn, "Host", "example.org", &error));
  ck_assert (httplib_connection_put_header (conn, "Content-Length", "6", &error));
  ck_assert (httplib_connection_end_headers (conn, NULL, NULL, &error));
  ck_assert (httplib_connection_send (conn, "abc", 3, NULL, &error));
  ck_assert (httplib_connection_send (conn, "def", 3, NULL, &error));
  httplib_assert_no_error (error);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (resp, "hello");
  g_clear_object (&resp);
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "missing");

  assert_request (replay, 0, "POST /pieces HTTP/1.1\r\nHost: example.org\r\n"
                             "Content-Length: 6\r\n\r\nabcdef");
  assert_request (replay, 1, GET_ROOT);
}
END_TEST

typedef struct {
  const char *desc;
  const char *response;      /* as scripted */
  guint       status;
  const char *body;          /* NULL: the body read fails with error */
  int         error_code;    /* HTTPLIB_ERROR code of the failure */
} ResponseRow;

static const ResponseRow response_rows[] = {
  { "chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 200, "hello world", 0 },
  { "body until the connection closes", "HTTP/1.1 200 OK\r\n\r\nuntil the end", 200,
    "until the end", 0 },
  { "HTTP/1.0 response", "HTTP/1.0 201 Created\r\nContent-Length: 2\r\n\r\nok", 201, "ok", 0 },
  { "body shorter than its Content-Length",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 200, NULL,
    HTTPLIB_ERROR_INCOMPLETE_READ },
  { "chunked body cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    200, NULL, HTTPLIB_ERROR_INCOMPLETE_READ },
};

START_TEST (test_scripted_responses)
{
  const ResponseRow *row = &response_rows[_i];
  g_autoptr(HttplibReplayTransport) replay = new_replay (row->response);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  ck_assert_msg (httplib_response_get_status (resp) == row->status,
                 "%s: expected status %u, got %u", row->desc, row->status,
                 httplib_response_get_status (resp));
  body = httplib_response_read (resp, -1, NULL, &error);
  if (row->body != NULL)
    {
      httplib_assert_no_error (error);
      ck_assert_msg (g_bytes_get_size (body) == strlen (row->body) &&
                     memcmp (g_bytes_get_data (body, NULL), row->body, strlen (row->body)) == 0,
                     "%s: expected body \"%s\", got %" G_GSIZE_FORMAT " bytes", row->desc,
                     row->body, g_bytes_get_size (body));
    }
  else
    httplib_assert_error (error, HTTPLIB_ERROR, row->error_code);
}
END_TEST

/* An interim 100 Continue and the final response, scripted as one answer. */
static void
on_informational (HttplibConnection *conn,
                  guint              status,
                  const char        *reason,
                  HttplibHeaders    *headers,
                  gpointer           user_data)
{
  *(guint *) user_data = status;
}

START_TEST (test_expect_continue)
{
  g_autoptr(HttplibReplayTransport) replay =
    new_replay ("HTTP/1.1 100 Continue\r\n\r\n"
                "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone");
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(HttplibResponse) resp = NULL;
  guint interim = 0;

  g_signal_connect (conn, "informational", G_CALLBACK (on_informational), &interim);
  httplib_headers_append (headers, "Expect", "100-continue");
  resp = test_do_request (conn, "PUT", "/file", "data", headers);
  ck_assert_uint_eq (httplib_response_get_status (resp), 201);
  test_assert_body (resp, "done");
  ck_assert_msg (interim == 100, "expected the informational 100, got %u", interim);

  /* The body followed the 100: one request, head and body. */
  assert_request (replay, 0, "PUT /file HTTP/1.1\r\nHost: example.org\r\n"
                             "Accept-Encoding: identity\r\nContent-Length: 4\r\n"
                             "Expect: 100-continue\r\n\r\ndata");
  assert_counts (replay, 1, 1, 0);
}
END_TEST

START_TEST (test_simple_response)
{
  g_autoptr(HttplibReplayTransport) replay = httplib_replay_transport_new ();
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"ok\":true}", 11);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(HttplibHeaders) chunked = httplib_headers_new ();
  g_autoptr(GBytes) chunks = g_bytes_new_static ("2\r\nab\r\n0\r\n\r\n", 12);

  httplib_headers_append (headers, "Content-Type", "application/json");
  httplib_headers_append (headers, "X-Trace", "1");
  httplib_replay_transport_add_simple_response (replay, 200, headers, body);
  httplib_replay_transport_add_simple_response (replay, 204, NULL, NULL);
  httplib_replay_transport_add_simple_response (replay, 599, NULL, NULL);
  httplib_headers_append (chunked, "Transfer-Encoding", "chunked");
  httplib_replay_transport_add_simple_response (replay, 200, chunked, chunks);

  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_str_eq (httplib_response_get_header (resp, "Content-Type", NULL), "application/json");
  ck_assert_str_eq (httplib_response_get_header (resp, "X-Trace", NULL), "1");
  ck_assert_str_eq (httplib_response_get_header (resp, "Content-Length", NULL), "11");
  test_assert_body (resp, "{\"ok\":true}");
  g_clear_object (&resp);

  /* 204: the standard phrase, and no Content-Length. */
  resp = test_do_request (conn, "DELETE", "/item", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (resp), 204);
  ck_assert_str_eq (httplib_response_get_reason (resp), "No Content");
  ck_assert_msg (httplib_response_get_header (resp, "Content-Length", NULL) == NULL,
                 "expected no Content-Length on a 204");
  test_assert_body (resp, "");
  g_clear_object (&resp);

  /* A code without a standard phrase gets an empty one. */
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (resp), 599);
  ck_assert_str_eq (httplib_response_get_reason (resp), "");
  test_assert_body (resp, "");
  g_clear_object (&resp);

  /* The caller's own framing is kept: no Content-Length is added. */
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  ck_assert_msg (httplib_response_get_header (resp, "Content-Length", NULL) == NULL,
                 "expected no Content-Length beside Transfer-Encoding");
  test_assert_body (resp, "ab");
  assert_counts (replay, 4, 1, 0);
}
END_TEST

/* --- closes and the end of the script --- */

/* A request the script has no step for fails clearly, without hanging. */
START_TEST (test_script_runs_out)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) resp = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(HttplibResponse) none = NULL;
  g_autoptr(GError) error = NULL;

  test_assert_body (resp, "hello");
  ck_assert (httplib_connection_request_string (conn, "GET", "/next", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  none = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_msg (none == NULL, "expected no response once the script ran out");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_message_has (error, "no response left for request 1");
  test_assert_message_has (error, "GET /next HTTP/1.1");
  /* The request itself was received and recorded. */
  assert_counts (replay, 2, 1, 0);
  assert_request (replay, 1, "GET /next HTTP/1.1\r\nHost: example.org\r\n"
                             "Accept-Encoding: identity\r\n\r\n");
}
END_TEST

/* A close after a response: the next request finds the connection closed
 * and goes on another, which the rest of the script answers; the copy lost
 * on the closed one reached no server and is not recorded. */
START_TEST (test_close_after_response)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) first = NULL;
  g_autoptr(HttplibResponse) second = NULL;

  httplib_replay_transport_add_close (replay);
  add_raw (replay, NOT_FOUND);
  first = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (first, "hello");
  assert_counts (replay, 1, 1, 1);

  second = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (second, "missing");
  assert_counts (replay, 2, 2, 0);
  assert_request (replay, 1, GET_ROOT);
}
END_TEST

/* A request that is not idempotent is not sent twice: the close is the caller's to see. */
START_TEST (test_close_then_post)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) first = NULL;
  g_autoptr(HttplibResponse) lost = NULL;
  g_autoptr(GError) error = NULL;

  httplib_replay_transport_add_close (replay);
  add_raw (replay, NOT_FOUND);
  first = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (first, "hello");

  ck_assert (httplib_connection_request_string (conn, "POST", "/form", "a=1", NULL, NULL,
                                                &error));
  httplib_assert_no_error (error);
  lost = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_msg (lost == NULL, "expected no response to a POST on a closed connection");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_REMOTE_DISCONNECTED);
  /* Nothing reached the server, and the script's next step is still there. */
  assert_counts (replay, 1, 1, 1);
}
END_TEST

/* A close as the answer: the server drops the connection without a response. */
START_TEST (test_close_instead_of_response)
{
  g_autoptr(HttplibReplayTransport) replay = httplib_replay_transport_new ();
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GError) error = NULL;

  httplib_replay_transport_add_close (replay);
  add_raw (replay, OK_HELLO);
  ck_assert (httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error));
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_msg (resp == NULL, "expected no response from a close");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_REMOTE_DISCONNECTED);
  g_clear_error (&error);

  /* The caller retries: a new connection, the next step. */
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  assert_counts (replay, 2, 2, 0);
}
END_TEST

/* A response the client cannot parse is refused as from any server. */
START_TEST (test_malformed_response)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay ("HTTP/1.1 two hundred\r\n\r\n");
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert (httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error));
  resp = httplib_connection_get_response (conn, NULL, &error);
  ck_assert_msg (resp == NULL, "expected a bad status line to be refused");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_STATUS_LINE);
}
END_TEST

/* --- the transport and the connection --- */

/* Two connections share one script, answered in the order requests arrive. */
START_TEST (test_shared_by_connections)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) a = replay_connection (replay);
  g_autoptr(HttplibConnection) b = replay_connection (replay);
  g_autoptr(HttplibResponse) from_b = NULL;
  g_autoptr(HttplibResponse) from_a = NULL;

  add_raw (replay, NOT_FOUND);
  from_b = test_do_request (b, "GET", "/", NULL, NULL);
  test_assert_body (from_b, "hello");
  from_a = test_do_request (a, "GET", "/", NULL, NULL);
  test_assert_body (from_a, "missing");
  assert_counts (replay, 2, 2, 0);
}
END_TEST

/* The instance goes first; NULL goes back to the transport by name. */
START_TEST (test_instance_and_name)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GError) error = NULL;

  httplib_connection_set_transport (conn, "no-such-transport");
  resp = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (resp, "hello");
  httplib_connection_close (conn);

  httplib_connection_set_transport_instance (conn, NULL);
  ck_assert_msg (httplib_connection_get_transport_instance (conn) == NULL,
                 "expected no instance after setting NULL");
  ck_assert_msg (!httplib_connection_connect (conn, NULL, &error),
                 "expected the unknown name to fail the connect");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_message_has (error, "'no-such-transport'");
  assert_counts (replay, 1, 1, 0);
}
END_TEST

static void
on_event (HttplibConnection     *conn,
          HttplibTransportEvent  event,
          GIOStream             *stream,
          gpointer               user_data)
{
  g_array_append_val ((GArray *) user_data, event);
}

START_TEST (test_events)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(GArray) events = g_array_new (FALSE, FALSE, sizeof (HttplibTransportEvent));
  g_autoptr(GError) error = NULL;

  g_signal_connect (conn, "event", G_CALLBACK (on_event), events);
  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_msg (events->len == 2 &&
                 g_array_index (events, HttplibTransportEvent, 0) ==
                 HTTPLIB_TRANSPORT_EVENT_CONNECTED &&
                 g_array_index (events, HttplibTransportEvent, 1) ==
                 HTTPLIB_TRANSPORT_EVENT_COMPLETE,
                 "expected CONNECTED then COMPLETE, got %u events", events->len);
}
END_TEST

/* One transport under two connections: dropping one leaves the other's events. */
START_TEST (test_shared_events)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) a = replay_connection (replay);
  g_autoptr(HttplibConnection) b = replay_connection (replay);
  g_autoptr(GArray) events_a = g_array_new (FALSE, FALSE, sizeof (HttplibTransportEvent));
  g_autoptr(GArray) events_b = g_array_new (FALSE, FALSE, sizeof (HttplibTransportEvent));
  g_autoptr(GError) error = NULL;

  g_signal_connect (a, "event", G_CALLBACK (on_event), events_a);
  g_signal_connect (b, "event", G_CALLBACK (on_event), events_b);
  ck_assert (httplib_connection_connect (a, NULL, &error));
  ck_assert (httplib_connection_connect (b, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_msg (events_a->len == 2 && events_b->len == 2,
                 "expected 2 events each, got %u and %u", events_a->len, events_b->len);

  g_clear_object (&a);
  httplib_connection_close (b);
  ck_assert (httplib_connection_connect (b, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_msg (events_b->len == 4, "expected b's reconnect to report 2 more events, got %u",
                 events_b->len - 2);
  ck_assert_msg (events_a->len == 2, "expected nothing for the dropped connection, got %u",
                 events_a->len);
}
END_TEST

/* Over another link's stream it refuses: it is a first link only. */
START_TEST (test_not_over_a_stream)
{
  g_autoptr(HttplibReplayTransport) replay = httplib_replay_transport_new ();
  g_autoptr(HttplibReplayTransport) below = httplib_replay_transport_new ();
  g_autoptr(HttplibEndpoint) endpoint = httplib_endpoint_new ("example.org", 80);
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  base = httplib_transport_open (HTTPLIB_TRANSPORT (below), endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  stream = httplib_transport_open (HTTPLIB_TRANSPORT (replay), endpoint, base, NULL, &error);
  ck_assert_msg (stream == NULL, "expected the replay transport to refuse a base stream");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_message_has (error, "first link");
}
END_TEST

START_TEST (test_cancelled)
{
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = replay_connection (replay);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  ck_assert_msg (!httplib_connection_request_string (conn, "GET", "/", NULL, NULL, cancellable,
                                                     &error),
                 "expected a cancelled request to fail");
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_counts (replay, 0, 0, 1);
}
END_TEST

/* The transport registered by name, like any other: an empty script. */
START_TEST (test_registered_by_name)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;

  ck_assert (httplib_registry_register_transport (registry, "replay",
                                                  HTTPLIB_TYPE_REPLAY_TRANSPORT, &error));
  httplib_assert_no_error (error);
  ck_assert_msg (httplib_registry_lookup_transport (registry, "replay", &error) ==
                 HTTPLIB_TYPE_REPLAY_TRANSPORT, "expected the replay type under \"replay\"");
}
END_TEST

/* --- async --- */

START_TEST (test_async_keep_alive)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(HttplibReplayTransport) replay = new_replay (OK_HELLO);
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  conn = replay_connection (replay);
  add_raw (replay, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3\r\nabc\r\n0\r\n\r\n");

  ck_assert (test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = test_async_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  body = test_async_read_all (resp, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_msg (g_bytes_get_size (body) == 5 && memcmp (g_bytes_get_data (body, NULL),
                                                         "hello", 5) == 0,
                 "expected \"hello\", got %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (body));
  g_clear_object (&resp);
  g_clear_pointer (&body, g_bytes_unref);

  ck_assert (test_async_request (conn, "POST", "/x", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = test_async_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  body = test_async_read_all (resp, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_msg (g_bytes_get_size (body) == 3, "expected 3 bytes, got %" G_GSIZE_FORMAT,
                 g_bytes_get_size (body));

  assert_counts (replay, 2, 1, 0);
  assert_request (replay, 0, GET_ROOT);
  g_clear_object (&resp);
  g_clear_object (&conn);
  g_main_context_pop_thread_default (context);
}
END_TEST

START_TEST (test_async_script_runs_out)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(HttplibReplayTransport) replay = httplib_replay_transport_new ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  conn = replay_connection (replay);
  ck_assert (test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  httplib_assert_no_error (error);
  resp = test_async_get_response (conn, NULL, &error);
  ck_assert_msg (resp == NULL, "expected no response from an empty script");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_message_has (error, "request 0");
  g_clear_object (&conn);
  g_main_context_pop_thread_default (context);
}
END_TEST

/* The body as a pollable stream, read with GIO's async calls. */
START_TEST (test_async_body_stream)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(HttplibReplayTransport) replay = new_replay ("HTTP/1.1 200 OK\r\n\r\nuntil close");
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) input = NULL;
  gssize spliced;

  g_main_context_push_thread_default (context);
  conn = replay_connection (replay);
  ck_assert (test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error));
  resp = test_async_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  input = httplib_response_get_input_stream (resp);
  ck_assert_msg (G_IS_POLLABLE_INPUT_STREAM (input) &&
                 g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)),
                 "expected the body stream to be pollable over the replay transport");
  g_output_stream_splice_async (sink, input, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  spliced = g_output_stream_splice_finish (sink, result, &error);
  httplib_assert_no_error (error);
  ck_assert_msg (spliced == 11, "expected 11 bytes, got %" G_GSSIZE_FORMAT, spliced);
  g_clear_object (&resp);
  g_clear_object (&conn);
  g_main_context_pop_thread_default (context);
}
END_TEST

/* --- the suite --- */

static Suite *
replay_suite (void)
{
  Suite *suite = suite_create ("replay");
  TCase *tc;

  tc = tcase_create ("exchange");
  tcase_add_test (tc, test_get);
  tcase_add_test (tc, test_keep_alive);
  tcase_add_test (tc, test_chunked_request);
  tcase_add_test (tc, test_request_in_pieces);
  tcase_add_loop_test (tc, test_scripted_responses, 0, G_N_ELEMENTS (response_rows));
  tcase_add_test (tc, test_expect_continue);
  tcase_add_test (tc, test_simple_response);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("closes");
  tcase_add_test (tc, test_script_runs_out);
  tcase_add_test (tc, test_close_after_response);
  tcase_add_test (tc, test_close_then_post);
  tcase_add_test (tc, test_close_instead_of_response);
  tcase_add_test (tc, test_malformed_response);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("transport");
  tcase_add_test (tc, test_shared_by_connections);
  tcase_add_test (tc, test_instance_and_name);
  tcase_add_test (tc, test_events);
  tcase_add_test (tc, test_shared_events);
  tcase_add_test (tc, test_not_over_a_stream);
  tcase_add_test (tc, test_cancelled);
  tcase_add_test (tc, test_registered_by_name);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("async");
  tcase_add_test (tc, test_async_keep_alive);
  tcase_add_test (tc, test_async_script_runs_out);
  tcase_add_test (tc, test_async_body_stream);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (replay_suite)
