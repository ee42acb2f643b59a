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

/* Content-Length or until the end: the bytes, then "incomplete" or "end". */
static void
read_plain_body (FuzzStream *stream,
                 gint64      length,
                 GString    *out)
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
              return;
            }
          continue;
        }
      g_string_append_len (out, fuzz_stream_peek (stream), n);
      fuzz_stream_consume (stream, n);
      remaining -= n;
    }
  g_string_append (out, "end\n");
}

static void
parse_response (const FuzzInput *input,
                gboolean         split,
                gboolean         round_trip,
                GString         *out)
{
  const char *method = methods[(input->flags >> 2) & 3];
  gboolean strict = !(input->flags & FLAG_NOT_STRICT);
  g_autoptr(GError) error = NULL;
  HttplibHeadParser head;
  HttplibBodyMode mode;
  gint64 length;
  FuzzStream stream;
  guint interim = 0;

  fuzz_stream_init (&stream, input, split);
  for (;;)
    {
      httplib_head_parser_init (&head, strict);
      if (!read_head (&stream, &head, &error))
        {
          fuzz_append_error (out, error);
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
      /* As HttplibResponse does, with the same limit. */
      if (++interim > HTTPLIB_MAX_INTERIM_RESPONSES)
        {
          g_string_append (out, "too many interim responses\n");
          fuzz_stream_clear (&stream);
          return;
        }
    }

  if (!httplib_body_mode_from_head (&head, method, &mode, &length, &error))
    {
      fuzz_append_error (out, error);
      goto out;
    }
  g_string_append_printf (out, "body %d %" G_GINT64_FORMAT "\n", mode, length);
  fuzz_check (mode == HTTPLIB_BODY_NONE ? length == 0 :
              mode == HTTPLIB_BODY_LENGTH ? length >= 0 : length == -1,
              "mode %d with length %" G_GINT64_FORMAT, mode, length);
  switch (mode)
    {
    case HTTPLIB_BODY_NONE:
      break;
    case HTTPLIB_BODY_LENGTH:
      read_plain_body (&stream, length, out);
      break;
    case HTTPLIB_BODY_UNTIL_EOF:
      read_plain_body (&stream, -1, out);
      break;
    case HTTPLIB_BODY_CHUNKED:
      fuzz_read_chunked (&stream, NULL, 0, out, NULL, NULL);
      break;
    }

out:
  httplib_head_parser_clear (&head);
  fuzz_stream_clear (&stream);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GString) whole = g_string_new (NULL);
  g_autoptr(GString) split = g_string_new (NULL);
  FuzzInput input;

  if (!fuzz_input_init (&input, data, size, 0))
    return 0;
  parse_response (&input, FALSE, TRUE, whole);
  parse_response (&input, TRUE, FALSE, split);
  fuzz_assert_same (whole, split, "one read and split reads");
  fuzz_input_clear (&input);
  return 0;
}
