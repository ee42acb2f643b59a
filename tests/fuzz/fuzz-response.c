/* fuzz-response.c: libFuzzer target for the response parser
 *
 * The payload is what a server sends: interim heads, the final head and
 * the body in any framing (Content-Length, chunked with trailers, until
 * the end). It is parsed the way HttplibResponse drives the parser
 * (core/httplib-response.c): the head parser over the read buffer's
 * unconsumed bytes, finish() at the end of the stream, interim 1xx heads
 * skipped, the framing decided from the final head, then the body.
 *
 * Each input is parsed twice, all in one read and in reads of the sizes
 * the control bytes give (fuzz-common.h), and the two transcripts (every
 * head, field, body byte, trailer and the error) must be identical. Each
 * head must also satisfy the parser's promises (limits, token names,
 * trimmed values) and parse back to itself once written out canonically.
 *
 * Then the same bytes go through the library itself, a connection over a
 * memory transport: blocking with one read and read(-1), blocking with
 * split reads and read_into(), and async with split reads and
 * read_async(). What each shows (interim count, final head, body, trailers,
 * the end or the error) must be what the parser run saw.
 *
 * Flags (byte 0): bit 0 expand, bit 1 not strict (HTTP/0.9 allowed),
 * bits 2-3 the method: GET, HEAD, CONNECT, POST.
 */
#include "fuzz-common.h"
#include "httplib-parser-private.h"

#include <string.h>

#define FLAG_NOT_STRICT 0x02

static const char *const methods[] = { "GET", "HEAD", "CONNECT", "POST" };

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

/* What HttplibResponse's read_head() does, over the fuzz stream. */
static gboolean
read_head (FuzzStream        *stream,
           HttplibHeadParser *parser,
           GError           **error)
{
  gsize max_passes = 4 * stream->input->len + 64;

  for (gsize pass = 0;; pass++)
    {
      gsize avail = fuzz_stream_available (stream);
      gsize consumed = G_MAXSIZE;
      HttplibParseResult result;

      fuzz_check (pass < max_passes, "the head parser makes no progress");
      result = httplib_head_parser_feed (parser, fuzz_stream_peek (stream), avail, &consumed,
                                         error);
      if (result == HTTPLIB_PARSE_ERROR)
        return FALSE;
      fuzz_check (consumed <= avail, "consumed %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
                  consumed, avail);
      fuzz_stream_consume (stream, consumed);
      if (result == HTTPLIB_PARSE_DONE)
        return TRUE;
      fuzz_check (parser->stage != HTTPLIB_HEAD_DONE, "NEED_MORE once done");
      fuzz_check (parser->scanned <= avail - consumed, "scanned %" G_GSIZE_FORMAT " of %"
                  G_GSIZE_FORMAT, parser->scanned, avail - consumed);

      if (fuzz_stream_fill (stream) == 0)
        {
          gsize rest = fuzz_stream_available (stream);

          if (!httplib_head_parser_finish (parser, fuzz_stream_peek (stream), rest, error))
            return FALSE;
          fuzz_check (parser->stage == HTTPLIB_HEAD_DONE, "finish() left stage %d",
                      parser->stage);
          if (!parser->http09)
            fuzz_stream_consume (stream, rest);
          return TRUE;
        }
    }
}

static void
check_head (const HttplibHeadParser *head)
{
  gsize reason_len = strlen (head->reason);

  fuzz_check (head->stage == HTTPLIB_HEAD_DONE, "stage %d", head->stage);
  fuzz_check (head->version == 10 || head->version == 11 || (head->version == 9 && head->http09),
              "version %u", head->version);
  fuzz_check (head->status >= 100 && head->status <= 999, "status %u", head->status);
  fuzz_check (strpbrk (head->reason, "\r\n") == NULL, "CR or LF in the reason");
  fuzz_check (reason_len == 0 ||
              (!is_ows (head->reason[0]) && !is_ows (head->reason[reason_len - 1])),
              "untrimmed reason");
  fuzz_check (head->n_fields <= HTTPLIB_MAX_HEADERS, "%u fields", head->n_fields);
  fuzz_check (head->n_bytes <= HTTPLIB_MAX_HEADER_BYTES, "%" G_GSIZE_FORMAT " bytes",
              head->n_bytes);
  fuzz_check_headers (head->headers, "head");
}

/* The framing the parser noted on the way must be what the fields say:
 * the bits match the names present, and deciding the framing from the
 * fields alone (the slow path) agrees on mode, length and error. */
static void
check_framing (const HttplibHeadParser *head,
               const char              *method)
{
  static const struct { guint bit; const char *name; } names[] = {
    { HTTPLIB_FRAMING_CONTENT_LENGTH, "Content-Length" },
    { HTTPLIB_FRAMING_TRANSFER_ENCODING, "Transfer-Encoding" },
    { HTTPLIB_FRAMING_CONNECTION, "Connection" },
    { HTTPLIB_FRAMING_KEEP_ALIVE, "Keep-Alive" },
    { HTTPLIB_FRAMING_PROXY_CONNECTION, "Proxy-Connection" },
  };
  HttplibHeadParser slow = *head;
  g_autoptr(GError) fast_error = NULL;
  g_autoptr(GError) slow_error = NULL;
  HttplibBodyMode fast_mode = 0, slow_mode = 0;
  gint64 fast_length = 0, slow_length = 0;
  gboolean fast_ok, slow_ok;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    fuzz_check (((head->framing & names[i].bit) != 0) ==
                httplib_headers_contains (head->headers, names[i].name),
                "framing bit of %s", names[i].name);
  slow.content_length = HTTPLIB_CONTENT_LENGTH_RECHECK;
  fast_ok = httplib_body_mode_from_head (head, method, &fast_mode, &fast_length, &fast_error);
  slow_ok = httplib_body_mode_from_head (&slow, method, &slow_mode, &slow_length, &slow_error);
  fuzz_check (fast_ok == slow_ok, "framing: noted %d, from the fields %d", fast_ok, slow_ok);
  if (fast_ok)
    fuzz_check (fast_mode == slow_mode && fast_length == slow_length,
                "framing: noted %d/%" G_GINT64_FORMAT ", from the fields %d/%" G_GINT64_FORMAT,
                fast_mode, fast_length, slow_mode, slow_length);
  else
    fuzz_check (fast_error->code == slow_error->code &&
                strcmp (fast_error->message, slow_error->message) == 0,
                "framing errors differ: '%s' and '%s'", fast_error->message, slow_error->message);
}

/* The head written out canonically must parse back to the same head. */
static void
check_round_trip (const HttplibHeadParser *head)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) before = g_string_new (NULL);
  g_autoptr(GString) after = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  HttplibHeadParser again;
  guint n = httplib_headers_get_length (head->headers);
  gsize consumed = 0;
  HttplibParseResult result;

  if (head->http09)
    return;
  g_string_append_printf (text, "HTTP/1.%c %03u %s\r\n", head->version == 10 ? '0' : '1',
                          head->status, head->reason);
  if (text->len - 1 > HTTPLIB_MAX_LINE)
    return;
  for (guint i = 0; i < n; i++)
    {
      gsize at = text->len;

      g_string_append_printf (text, "%s: %s\r\n", httplib_headers_get_name (head->headers, i),
                              httplib_headers_get_value (head->headers, i));
      /* Folded lines join into one that may be over the limit. */
      if (text->len - at - 1 > HTTPLIB_MAX_LINE)
        return;
    }
  g_string_append (text, "\r\n");
  if (text->len > HTTPLIB_MAX_HEADER_BYTES)
    return;

  copy = fuzz_exact_copy (text->str, text->len);
  httplib_head_parser_init (&again, TRUE);
  result = httplib_head_parser_feed (&again, copy, text->len, &consumed, &error);
  fuzz_check (result == HTTPLIB_PARSE_DONE && consumed == text->len,
              "a canonical head does not parse back: %s", error ? error->message : "incomplete");
  g_string_append_printf (before, "%u %u %s\n", head->version, head->status, head->reason);
  fuzz_append_headers (before, "field", head->headers);
  g_string_append_printf (after, "%u %u %s\n", again.version, again.status, again.reason);
  fuzz_append_headers (after, "field", again.headers);
  httplib_head_parser_clear (&again);
  fuzz_assert_same (before, after, "a head and its canonical form");
}

static gboolean
is_interim (guint status)
{
  return status >= 100 && status < 200 && status != 101;
}

/* --- what a reader of the response sees, to compare with HttplibResponse --- */

typedef struct {
  guint    n_interim;  /* interim heads skipped */
  GString *head;       /* the final head: "final version status reason" and its fields */
  GString *body;       /* the body bytes read */
  GString *end;        /* trailers and "complete", or "incomplete", or the error */
  gboolean failed;     /* `end` is an error */
} Seen;

static void
seen_init (Seen *seen)
{
  memset (seen, 0, sizeof *seen);
  seen->head = g_string_new (NULL);
  seen->body = g_string_new (NULL);
  seen->end = g_string_new (NULL);
}

static void
seen_clear (Seen *seen)
{
  g_string_free (seen->head, TRUE);
  g_string_free (seen->body, TRUE);
  g_string_free (seen->end, TRUE);
}

static void
seen_fail (Seen *seen, const GError *error)
{
  fuzz_append_error (seen->end, error);
  seen->failed = TRUE;
}

static void
seen_set_head (Seen *seen, guint version, guint status, const char *reason,
               HttplibHeaders *headers)
{
  g_string_append_printf (seen->head, "final %u %u %s\n", version, status, reason);
  fuzz_append_headers (seen->head, "field", headers);
}

static void
seen_complete (Seen *seen, HttplibHeaders *trailers)
{
  fuzz_append_headers (seen->end, "trailer", trailers);
  g_string_append (seen->end, "complete\n");
}

/* The bytes of a body that failed are left out when the reader could not
 * have them (httplib_response_read() returns none then). */
static GString *
seen_summary (const Seen *seen, gboolean body_on_error)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "interim %u\n", seen->n_interim);
  g_string_append_len (out, seen->head->str, seen->head->len);
  if (!seen->failed || body_on_error)
    g_string_append_len (out, seen->body->str, seen->body->len);
  g_string_append_len (out, seen->end->str, seen->end->len);
  return out;
}

/* --- the parser, driven as HttplibResponse drives it --- */

/* Content-Length or until the end: the bytes, then "incomplete" or "end". */
static FuzzBodyOutcome
read_plain_body (FuzzStream *stream,
                 gint64      length,
                 GString    *out,
                 GString    *body)
{
  guint64 remaining = length < 0 ? G_MAXUINT64 : (guint64) length;

  while (remaining > 0)
    {
      gsize n = MIN (remaining, fuzz_stream_available (stream));

      if (n == 0)
        {
          if (fuzz_stream_fill (stream) == 0)
            {
              g_string_append (out, length < 0 ? "end\n" : "incomplete\n");
              return length < 0 ? FUZZ_BODY_DONE : FUZZ_BODY_INCOMPLETE;
            }
          continue;
        }
      g_string_append_len (out, fuzz_stream_peek (stream), n);
      g_string_append_len (body, fuzz_stream_peek (stream), n);
      fuzz_stream_consume (stream, n);
      remaining -= n;
    }
  g_string_append (out, "end\n");
  return FUZZ_BODY_DONE;
}

/* Appends everything to `out` and what a reader sees to `seen`. */
static void
parse_response (const FuzzInput *input,
                gboolean         split,
                gboolean         round_trip,
                GString         *out,
                Seen            *seen)
{
  const char *method = methods[(input->flags >> 2) & 3];
  gboolean strict = !(input->flags & FLAG_NOT_STRICT);
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibHeaders) trailers = NULL;
  FuzzBodyOutcome outcome = FUZZ_BODY_DONE;
  HttplibHeadParser head;
  HttplibBodyMode mode;
  gint64 length;
  FuzzStream stream;

  fuzz_stream_init (&stream, input, split);
  for (;;)
    {
      httplib_head_parser_init (&head, strict);
      if (!read_head (&stream, &head, &error))
        {
          fuzz_append_error (out, error);
          seen_fail (seen, error);
          goto out;
        }
      check_head (&head);
      if (round_trip)
        check_round_trip (&head);
      g_string_append_printf (out, "head %u %u %d ", head.version, head.status, head.http09);
      g_string_append (out, head.reason);
      g_string_append_c (out, '\n');
      fuzz_append_headers (out, "field", head.headers);
      if (!is_interim (head.status))
        break;
      httplib_head_parser_clear (&head);
      /* As HttplibResponse does, with the same limit and message. */
      if (seen->n_interim == HTTPLIB_MAX_INTERIM_RESPONSES)
        {
          g_set_error (&error, HTTPLIB_ERROR, HTTPLIB_ERROR_TOO_MANY_HEADERS,
                       "got more than %d interim responses", HTTPLIB_MAX_INTERIM_RESPONSES);
          fuzz_append_error (out, error);
          seen_fail (seen, error);
          fuzz_stream_clear (&stream);
          return;
        }
      seen->n_interim++;
    }

  check_framing (&head, method);
  if (!httplib_body_mode_from_head (&head, method, &mode, &length, &error))
    {
      fuzz_append_error (out, error);
      seen_fail (seen, error);
      goto out;
    }
  seen_set_head (seen, head.version, head.status, head.reason, head.headers);
  g_string_append_printf (out, "body %d %" G_GINT64_FORMAT "\n", mode, length);
  fuzz_check (mode == HTTPLIB_BODY_NONE ? length == 0 :
              mode == HTTPLIB_BODY_LENGTH ? length >= 0 : length == -1,
              "mode %d with length %" G_GINT64_FORMAT, mode, length);
  switch (mode)
    {
    case HTTPLIB_BODY_NONE:
      break;
    case HTTPLIB_BODY_LENGTH:
      outcome = read_plain_body (&stream, length, out, seen->body);
      break;
    case HTTPLIB_BODY_UNTIL_EOF:
      outcome = read_plain_body (&stream, -1, out, seen->body);
      break;
    case HTTPLIB_BODY_CHUNKED:
      outcome = fuzz_read_chunked (&stream, NULL, 0, out, seen->body, &trailers, &error);
      break;
    }
  if (outcome == FUZZ_BODY_DONE)
    seen_complete (seen, trailers);
  else if (outcome == FUZZ_BODY_INCOMPLETE)
    g_string_append (seen->end, "incomplete\n");
  else
    seen_fail (seen, error);

out:
  httplib_head_parser_clear (&head);
  fuzz_stream_clear (&stream);
}

/* --- the same bytes through HttplibConnection and HttplibResponse --- */

#define FUZZ_TYPE_MEMORY_TRANSPORT (fuzz_memory_transport_get_type ())
G_DECLARE_FINAL_TYPE (FuzzMemoryTransport, fuzz_memory_transport, FUZZ, MEMORY_TRANSPORT,
                      GObject)

struct _FuzzMemoryTransport {
  GObject parent_instance;
};

/* What the next stream opened serves. */
static const FuzzInput *serving;
static gboolean serving_split;

static GIOStream *
memory_transport_open (HttplibTransport *transport,
                       HttplibEndpoint  *endpoint,
                       GIOStream        *base,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(GInputStream) input = fuzz_piece_stream_new (serving, serving_split);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();

  return g_simple_io_stream_new (input, output);
}

/* Without a thread: the blocking open never blocks. */
static void
memory_transport_open_async (HttplibTransport    *transport,
                             HttplibEndpoint     *endpoint,
                             GIOStream           *base,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);

  g_task_return_pointer (task, memory_transport_open (transport, endpoint, base, NULL, NULL),
                         g_object_unref);
}

static GIOStream *
memory_transport_open_finish (HttplibTransport  *transport,
                              GAsyncResult      *result,
                              GError           **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
memory_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = memory_transport_open;
  iface->open_async = memory_transport_open_async;
  iface->open_finish = memory_transport_open_finish;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (FuzzMemoryTransport, fuzz_memory_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                      memory_transport_iface_init))

static void
fuzz_memory_transport_class_init (FuzzMemoryTransportClass *klass)
{
}

static void
fuzz_memory_transport_init (FuzzMemoryTransport *self)
{
}

static void
on_informational (HttplibConnection *conn, guint status, const char *reason,
                  HttplibHeaders *headers, gpointer user_data)
{
  ((Seen *) user_data)->n_interim++;
}

/* Reads the body with read_into() in the sizes of the pieces (split) or
 * with read(-1). */
static void
read_real_body (HttplibResponse *resp, const FuzzInput *input, gboolean split, Seen *seen)
{
  g_autoptr(GError) error = NULL;

  if (!split)
    {
      g_autoptr(GBytes) body = httplib_response_read (resp, -1, NULL, &error);
      g_autoptr(GBytes) partial = NULL;

      if (body != NULL)
        {
          g_string_append_len (seen->body, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
          seen_complete (seen, httplib_response_get_trailers (resp));
          return;
        }
      partial = httplib_response_get_partial (resp);
      if (partial != NULL)
        g_string_append_len (seen->body, g_bytes_get_data (partial, NULL),
                             g_bytes_get_size (partial));
    }
  else
    {
      g_autofree guint8 *buffer = g_malloc (64 * 1024);

      for (guint i = 0;; i++)
        {
          gsize size = MIN (fuzz_piece_size (input, i), 64 * 1024);
          gssize n = httplib_response_read_into (resp, buffer, size, NULL, &error);

          fuzz_check (n <= (gssize) size, "read_into gave %" G_GSSIZE_FORMAT " for %"
                      G_GSIZE_FORMAT, n, size);
          if (n < 0)
            break;
          if (n == 0)
            {
              seen_complete (seen, httplib_response_get_trailers (resp));
              return;
            }
          g_string_append_len (seen->body, (const char *) buffer, n);
        }
    }
  if (g_error_matches (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ))
    g_string_append (seen->end, "incomplete\n");
  else
    seen_fail (seen, error);
}

static void
real_response (const FuzzInput *input, gboolean split, Seen *seen)
{
  const char *method = methods[(input->flags >> 2) & 3];
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibConnection) conn = httplib_connection_new ("fuzz.example", 80, &error);
  g_autoptr(HttplibResponse) resp = NULL;

  fuzz_check (conn != NULL, "no connection: %s", error->message);
  httplib_connection_set_transport (conn, "fuzz-memory");
  httplib_connection_set_strict (conn, !(input->flags & FLAG_NOT_STRICT));
  g_signal_connect (conn, "informational", G_CALLBACK (on_informational), seen);
  serving = input;
  serving_split = split;
  fuzz_check (httplib_connection_request (conn, method, "/", NULL, NULL, NULL, &error),
              "the request was not sent: %s", error->message);
  resp = httplib_connection_get_response (conn, NULL, &error);
  if (resp == NULL)
    {
      seen_fail (seen, error);
      return;
    }
  seen_set_head (seen, httplib_response_get_version (resp), httplib_response_get_status (resp),
                 httplib_response_get_reason (resp), httplib_response_get_headers (resp));
  read_real_body (resp, input, split, seen);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
on_too_long (gpointer user_data)
{
  fuzz_fail ("an async call did not finish within 10 s");
  return G_SOURCE_REMOVE;
}

/* Runs the thread-default context until *slot is set, 10 s at most. */
static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *timeout = g_timeout_source_new_seconds (10);

  g_source_set_callback (timeout, on_too_long, NULL, NULL);
  g_source_attach (timeout, context);
  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  return g_steal_pointer (slot);
}

/* The async calls, reading the body with read_async() in the pieces' sizes. */
static void
real_response_async (const FuzzInput *input, Seen *seen)
{
  const char *method = methods[(input->flags >> 2) & 3];
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibConnection) conn = httplib_connection_new ("fuzz.example", 80, &error);
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GAsyncResult) sent = NULL;
  g_autoptr(GAsyncResult) got = NULL;
  GAsyncResult *slot = NULL;

  fuzz_check (conn != NULL, "no connection: %s", error->message);
  httplib_connection_set_transport (conn, "fuzz-memory");
  httplib_connection_set_strict (conn, !(input->flags & FLAG_NOT_STRICT));
  g_signal_connect (conn, "informational", G_CALLBACK (on_informational), seen);
  serving = input;
  serving_split = TRUE;
  httplib_connection_request_async (conn, method, "/", NULL, NULL, NULL, on_done, &slot);
  sent = wait_for (&slot);
  fuzz_check (httplib_connection_request_finish (conn, sent, &error),
              "the request was not sent: %s", error->message);
  httplib_connection_get_response_async (conn, NULL, on_done, &slot);
  got = wait_for (&slot);
  resp = httplib_connection_get_response_finish (conn, got, &error);
  if (resp == NULL)
    {
      seen_fail (seen, error);
      return;
    }
  seen_set_head (seen, httplib_response_get_version (resp), httplib_response_get_status (resp),
                 httplib_response_get_reason (resp), httplib_response_get_headers (resp));
  for (guint i = 0;; i++)
    {
      gsize size = MIN (fuzz_piece_size (input, i), 64 * 1024);
      g_autoptr(GAsyncResult) read = NULL;
      g_autoptr(GBytes) bytes = NULL;

      httplib_response_read_async (resp, size, NULL, on_done, &slot);
      read = wait_for (&slot);
      bytes = httplib_response_read_finish (resp, read, &error);
      if (bytes == NULL)
        break;
      fuzz_check (g_bytes_get_size (bytes) <= size, "read_async gave %" G_GSIZE_FORMAT " for %"
                  G_GSIZE_FORMAT, g_bytes_get_size (bytes), size);
      if (g_bytes_get_size (bytes) == 0)
        {
          seen_complete (seen, httplib_response_get_trailers (resp));
          return;
        }
      g_string_append_len (seen->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  if (g_error_matches (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ))
    g_string_append (seen->end, "incomplete\n");
  else
    seen_fail (seen, error);
}

typedef enum { REAL_ONE_READ, REAL_SPLIT, REAL_ASYNC } RealWay;

static void
compare_with_real (const FuzzInput *input, RealWay way, const Seen *parsed)
{
  static const char *const names[] = {
    "the parser and HttplibResponse (one read, read(-1))",
    "the parser and HttplibResponse (split reads, read_into())",
    "the parser and HttplibResponse (async, split reads, read_async())",
  };
  g_autoptr(GString) expected = seen_summary (parsed, way != REAL_ONE_READ);
  g_autoptr(GString) got = NULL;
  Seen real;

  seen_init (&real);
  if (way == REAL_ASYNC)
    {
      g_autoptr(GMainContext) context = g_main_context_new ();

      g_main_context_push_thread_default (context);
      real_response_async (input, &real);
      while (g_main_context_iteration (context, FALSE))
        ;
      g_main_context_pop_thread_default (context);
    }
  else
    real_response (input, way == REAL_SPLIT, &real);
  got = seen_summary (&real, way != REAL_ONE_READ);
  seen_clear (&real);
  fuzz_assert_same (expected, got, names[way]);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_init_glib ();
  if (!httplib_registry_register_transport (httplib_registry_get_default (), "fuzz-memory",
                                            FUZZ_TYPE_MEMORY_TRANSPORT, &error))
    fuzz_fail ("cannot register the memory transport: %s", error->message);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GString) whole = g_string_new (NULL);
  g_autoptr(GString) split = g_string_new (NULL);
  Seen seen_whole, seen_split;
  FuzzInput input;

  if (!fuzz_input_init (&input, data, size, 0))
    return 0;
  seen_init (&seen_whole);
  seen_init (&seen_split);
  parse_response (&input, FALSE, TRUE, whole, &seen_whole);
  parse_response (&input, TRUE, FALSE, split, &seen_split);
  fuzz_assert_same (whole, split, "one read and split reads");
  compare_with_real (&input, REAL_ONE_READ, &seen_whole);
  compare_with_real (&input, REAL_SPLIT, &seen_split);
  compare_with_real (&input, REAL_ASYNC, &seen_split);
  seen_clear (&seen_whole);
  seen_clear (&seen_split);
  fuzz_input_clear (&input);
  return 0;
}
