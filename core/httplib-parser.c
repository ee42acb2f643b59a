/* httplib-parser.c: the response parser, pure code over byte buffers
 *
 * Everything here works in place on the caller's read buffer: lines are
 * found with memchr() and only names, values and the reason phrase are
 * copied (into the headers arena). `scanned` remembers how far an
 * unfinished line was searched, so feeding a growing buffer stays linear.
 *
 * A line is the bytes before its "\n", any "\r" among them included; it may
 * hold at most HTTPLIB_MAX_LINE bytes. So a "\n" must come within the first
 * HTTPLIB_MAX_LINE + 1 bytes, and a trailing "\r" is dropped after that
 * check. (CPython counts the "\n" too, so it allows one byte less.)
 */
#include "httplib-parser-private.h"
#include "httplib-headers-private.h"
#include "httplib-error.h"

#include <string.h>

/* Error messages quote at most this many bytes of what was received. */
#define QUOTE_MAX 80

/* RFC 9110 tchar: "!#$%&'*+-.^_`|~", digits and letters. */
static const guint8 tchar[256] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x00 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
  0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,  /* 0x20 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,  /* 0x30 */
  0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x40 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,  /* 0x50 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x60 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,  /* 0x70 */
};

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

gboolean
httplib_is_token (const char *s,
                  gsize       len)
{
  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!tchar[(guchar) s[i]])
      return FALSE;

  return TRUE;
}

gboolean
httplib_parse_content_length (const char *s,
                              gsize       len,
                              gint64     *value)
{
  gint64 v = 0;

  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      int digit;

      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      digit = s[i] - '0';
      if (v > (G_MAXINT64 - digit) / 10)
        return FALSE;
      v = v * 10 + digit;
    }

  if (value != NULL)
    *value = v;
  return TRUE;
}

/* Received bytes go into messages escaped and shortened, never raw. */
static char *
quote (const char *s,
       gsize       len)
{
  GString *out = g_string_new ("'");
  gsize n = MIN (len, QUOTE_MAX);

  for (gsize i = 0; i < n; i++)
    {
      guchar c = s[i];

      if (c == '\\' || c == '\'')
        g_string_append_printf (out, "\\%c", c);
      else if (c >= 0x20 && c < 0x7f)
        g_string_append_c (out, c);
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  g_string_append_c (out, '\'');
  if (len > n)
    g_string_append (out, "...");

  return g_string_free (out, FALSE);
}

/* Sets `prefix` + the quoted bytes as the error; returns FALSE. */
static gboolean
fail_quoted (GError     **error,
             HttplibError code,
             const char  *prefix,
             const char  *s,
             gsize        len)
{
  g_autofree char *quoted = quote (s, len);

  g_set_error (error, HTTPLIB_ERROR, code, "%s%s", prefix, quoted);
  return FALSE;
}

static gboolean
has_bad_byte (const char *s,
              gsize       len)
{
  /* A "\r" left in a line is a bare CR: the one before "\n" is gone. */
  return memchr (s, '\0', len) != NULL || memchr (s, '\r', len) != NULL;
}

typedef struct {
  gsize len;   /* bytes of content, without "\n" and a "\r" before it */
  gsize next;  /* offset just after the "\n" */
} Line;

/* Finds the line starting at buf. DONE sets *line; NEED_MORE means no "\n"
 * yet (and buf was searched to its end); ERROR means the line is too long. */
static HttplibParseResult
find_line (const char *buf,
           gsize       len,
           gsize      *scanned,
           const char *what,
           Line       *line,
           GError    **error)
{
  gsize limit = MIN (len, (gsize) HTTPLIB_MAX_LINE + 1);
  const char *lf;

  /* A caller that shrank the buffer gets a rescan, not a bad read. */
  if (*scanned > limit)
    *scanned = 0;

  lf = limit > *scanned ? memchr (buf + *scanned, '\n', limit - *scanned) : NULL;
  if (lf == NULL)
    {
      if (len > HTTPLIB_MAX_LINE)
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_LINE_TOO_LONG,
                       "got more than %d bytes when reading %s", HTTPLIB_MAX_LINE, what);
          return HTTPLIB_PARSE_ERROR;
        }
      *scanned = len;
      return HTTPLIB_PARSE_NEED_MORE;
    }

  *scanned = 0;
  line->next = lf - buf + 1;
  line->len = lf - buf;
  if (line->len > 0 && buf[line->len - 1] == '\r')
    line->len--;

  return HTTPLIB_PARSE_DONE;
}

/* --- Header fields, shared by heads and trailers --- */

static gboolean
count_field (guint   *n_fields,
             GError **error)
{
  if (++*n_fields <= HTTPLIB_MAX_HEADERS)
    return TRUE;

  g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TOO_MANY_HEADERS,
               "got more than %d headers", HTTPLIB_MAX_HEADERS);
  return FALSE;
}

/* Adds a complete line to its section's size: once per line, so the
 * limit costs nothing per byte. */
static gboolean
count_bytes (gsize      *n_bytes,
             gsize       line_bytes,
             gsize       max,
             const char *what,
             GError    **error)
{
  *n_bytes += line_bytes;
  if (G_LIKELY (*n_bytes <= max))
    return TRUE;

  g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TOO_MANY_HEADERS,
               "got more than %" G_GSIZE_FORMAT " bytes of %s", max, what);
  return FALSE;
}

/* Obsolete line folding: the trimmed line joins the last value after one
 * space, as RFC 9112 section 5.2 tells a recipient to do. */
static gboolean
unfold_line (HttplibHeaders *headers,
             const char     *line,
             gsize           len,
             GError        **error)
{
  const char *start = line;
  const char *end = line + len;

  if (httplib_headers_get_length (headers) == 0)
    return fail_quoted (error, HTTPLIB_ERROR_INVALID_HEADER,
                        "folded line before the first header field: ", line, len);

  while (start < end && is_ows (*start))
    start++;
  while (end > start && is_ows (end[-1]))
    end--;
  if (start < end)
    httplib_headers_extend_last (headers, start, end - start);

  return TRUE;
}

/* Why a field line was refused, checked in the order the errors are
 * documented: a bad byte anywhere, then no colon, then a bad name. */
static gboolean
fail_field_line (const char  *line,
                 gsize        len,
                 GError     **error)
{
  const char *colon;

  if (has_bad_byte (line, len))
    return fail_quoted (error, HTTPLIB_ERROR_INVALID_HEADER,
                        "invalid character in header line: ", line, len);
  colon = memchr (line, ':', len);
  if (colon == NULL)
    return fail_quoted (error, HTTPLIB_ERROR_INVALID_HEADER,
                        "header line without a colon: ", line, len);
  /* Whitespace before the colon is not a token byte: RFC 9112 5.1 says reject. */
  return fail_quoted (error, HTTPLIB_ERROR_INVALID_HEADER,
                      "invalid header name: ", line, colon - line);
}

/* The HttplibFramingFields bit of a field name, 0 for other fields. */
static guint
framing_bit (const char *name,
             gsize       len)
{
  switch (len)
    {
    case 10:
      if (httplib_ascii_case_equal (name, "connection", 10))
        return HTTPLIB_FRAMING_CONNECTION;
      return httplib_ascii_case_equal (name, "keep-alive", 10) ? HTTPLIB_FRAMING_KEEP_ALIVE : 0;
    case 14:
      return httplib_ascii_case_equal (name, "content-length", 14) ? HTTPLIB_FRAMING_CONTENT_LENGTH : 0;
    case 16:
      return httplib_ascii_case_equal (name, "proxy-connection", 16) ? HTTPLIB_FRAMING_PROXY_CONNECTION : 0;
    case 17:
      return httplib_ascii_case_equal (name, "transfer-encoding", 17) ? HTTPLIB_FRAMING_TRANSFER_ENCODING : 0;
    default:
      return 0;
    }
}

/* Notes a field of the head: its framing bit, and a Content-Length value
 * when it is one plain number agreeing with any earlier one. */
static void
note_field (HttplibHeadParser *head,
            const char        *name,
            gsize              name_len,
            const char        *value,
            gsize              value_len)
{
  guint bit = framing_bit (name, name_len);
  gint64 length;

  head->last_framing = bit;
  head->framing |= bit;
  if (bit != HTTPLIB_FRAMING_CONTENT_LENGTH || head->content_length == HTTPLIB_CONTENT_LENGTH_RECHECK)
    return;
  if (httplib_parse_content_length (value, value_len, &length) &&
      (head->content_length < 0 || head->content_length == length))
    head->content_length = length;
  else
    head->content_length = HTTPLIB_CONTENT_LENGTH_RECHECK;
}

/* One field line into headers; head, when given (not for trailers), notes it. */
static gboolean
parse_field_line (HttplibHeaders    *headers,
                  HttplibHeadParser *head,
                  const char        *line,
                  gsize              len,
                  GError           **error)
{
  const char *end = line + len;
  const char *colon = line;
  const char *value;

  if (is_ows (line[0]))
    {
      if (has_bad_byte (line, len))
        return fail_field_line (line, len, error);
      /* The folded value is looked at again when the framing is decided. */
      if (head != NULL && head->last_framing == HTTPLIB_FRAMING_CONTENT_LENGTH)
        head->content_length = HTTPLIB_CONTENT_LENGTH_RECHECK;
      return unfold_line (headers, line, len, error);
    }

  /* The name's token bytes up to the colon, then a value without NUL or bare CR. */
  while (colon < end && tchar[(guchar) *colon])
    colon++;
  if (colon == line || colon == end || *colon != ':')
    return fail_field_line (line, len, error);
  value = colon + 1;
  if (has_bad_byte (value, end - value))
    return fail_field_line (line, len, error);

  while (value < end && is_ows (*value))
    value++;
  while (end > value && is_ows (end[-1]))
    end--;
  if (head != NULL)
    note_field (head, line, colon - line, value, end - value);
  httplib_headers_append_len (headers, line, colon - line, value, end - value);

  return TRUE;
}

/* --- The head --- */

void
httplib_head_parser_init (HttplibHeadParser *parser,
                          gboolean           strict)
{
  g_return_if_fail (parser != NULL);

  memset (parser, 0, sizeof *parser);
  parser->strict = strict;
  parser->content_length = -1;
  parser->headers = httplib_headers_new ();
  parser->stage = HTTPLIB_HEAD_STATUS;
}

void
httplib_head_parser_clear (HttplibHeadParser *parser)
{
  g_return_if_fail (parser != NULL);

  g_clear_pointer (&parser->reason, g_free);
  g_clear_pointer (&parser->headers, httplib_headers_unref);
}

void
httplib_head_parser_free (HttplibHeadParser *parser)
{
  httplib_head_parser_clear (parser);
  g_free (parser);
}

/* An HTTP/0.9 response is all body: anything that cannot become "HTTP/". */
static gboolean
cannot_be_status_line (const char *buf,
                       gsize       len)
{
  static const char prefix[] = "HTTP/";

  return len > 0 && memcmp (buf, prefix, MIN (len, sizeof prefix - 1)) != 0;
}

static void
become_http09 (HttplibHeadParser *parser)
{
  parser->http09 = TRUE;
  parser->version = 9;
  parser->status = 200;
  parser->reason = g_strdup ("");
  parser->stage = HTTPLIB_HEAD_DONE;
}

static gboolean
parse_status_code (const char *s,
                   gsize       len,
                   guint      *status)
{
  if (len != 3 || s[0] < '1' || s[0] > '9' ||
      !g_ascii_isdigit (s[1]) || !g_ascii_isdigit (s[2]))
    return FALSE;

  *status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  return TRUE;
}

/* "HTTP/1.0" is 10 and "HTTP/1.<digit>" 11; anything else is 0. */
static guint
parse_version (const char *s,
               gsize       len)
{
  if (len != 8 || memcmp (s, "HTTP/1.", 7) != 0 || !g_ascii_isdigit (s[7]))
    return 0;

  return s[7] == '0' ? 10 : 11;
}

/* Splits at runs of SP/HTAB like CPython's line.split(None, 2), then checks
 * in CPython's order: "HTTP/" prefix, status code, protocol version. */
static gboolean
parse_status_line (HttplibHeadParser *parser,
                   const char        *line,
                   gsize              len,
                   GError           **error)
{
  const char *p = line;
  const char *end = line + len;
  const char *status;
  gsize version_len;

  if (has_bad_byte (line, len))
    goto bad;

  while (p < end && !is_ows (*p))
    p++;
  version_len = p - line;
  while (p < end && is_ows (*p))
    p++;
  status = p;
  while (p < end && !is_ows (*p))
    p++;
  if (version_len < 5 || memcmp (line, "HTTP/", 5) != 0 ||
      !parse_status_code (status, p - status, &parser->status))
    goto bad;

  parser->version = parse_version (line, version_len);
  if (parser->version == 0)
    return fail_quoted (error, HTTPLIB_ERROR_UNKNOWN_PROTOCOL,
                        "unknown protocol: ", line, version_len);

  while (p < end && is_ows (*p))
    p++;
  while (end > p && is_ows (end[-1]))
    end--;
  parser->reason = g_strndup (p, end - p);

  return TRUE;

bad:
  return fail_quoted (error, HTTPLIB_ERROR_BAD_STATUS_LINE, "bad status line: ", line, len);
}

/* Uses one complete line of the head. */
static gboolean
take_head_line (HttplibHeadParser *parser,
                const char        *line,
                gsize              len,
                GError           **error)
{
  if (parser->stage == HTTPLIB_HEAD_STATUS)
    {
      if (!parse_status_line (parser, line, len, error))
        return FALSE;
      parser->stage = HTTPLIB_HEAD_FIELDS;
      return TRUE;
    }

  if (len == 0)
    {
      parser->stage = HTTPLIB_HEAD_DONE;
      return TRUE;
    }

  return count_field (&parser->n_fields, error) &&
         parse_field_line (parser->headers, parser, line, len, error);
}

HttplibParseResult
httplib_head_parser_feed (HttplibHeadParser *parser,
                          const char        *buf,
                          gsize              len,
                          gsize             *consumed,
                          GError           **error)
{
  gsize pos = 0;

  g_return_val_if_fail (parser != NULL, HTTPLIB_PARSE_ERROR);
  g_return_val_if_fail (buf != NULL || len == 0, HTTPLIB_PARSE_ERROR);
  g_return_val_if_fail (consumed != NULL, HTTPLIB_PARSE_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, HTTPLIB_PARSE_ERROR);

  while (parser->stage != HTTPLIB_HEAD_DONE)
    {
      const char *what = parser->stage == HTTPLIB_HEAD_STATUS ? "status line" : "header line";
      HttplibParseResult result;
      Line line;

      /* Decided on the first bytes: a 0.9 body need not contain "\n". */
      if (parser->stage == HTTPLIB_HEAD_STATUS && !parser->strict &&
          cannot_be_status_line (buf, len))
        {
          become_http09 (parser);
          break;
        }

      result = find_line (buf + pos, len - pos, &parser->scanned, what, &line, error);
      if (result == HTTPLIB_PARSE_DONE &&
          (!count_bytes (&parser->n_bytes, line.next, HTTPLIB_MAX_HEADER_BYTES, "headers", error) ||
           !take_head_line (parser, buf + pos, line.len, error)))
        result = HTTPLIB_PARSE_ERROR;
      if (result != HTTPLIB_PARSE_DONE)
        {
          *consumed = pos;
          return result;
        }
      pos += line.next;
    }

  *consumed = pos;
  return HTTPLIB_PARSE_DONE;
}

gboolean
httplib_head_parser_finish (HttplibHeadParser *parser,
                            const char        *buf,
                            gsize              len,
                            GError           **error)
{
  HttplibParseResult result;
  gsize consumed;

  g_return_val_if_fail (parser != NULL, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  result = httplib_head_parser_feed (parser, buf, len, &consumed, error);
  if (result != HTTPLIB_PARSE_NEED_MORE)
    return result == HTTPLIB_PARSE_DONE;
  buf += consumed;
  len -= consumed;

  if (parser->stage == HTTPLIB_HEAD_STATUS && len == 0)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_REMOTE_DISCONNECTED,
                           "Remote end closed connection without response");
      return FALSE;
    }
  if (parser->stage == HTTPLIB_HEAD_STATUS && !parser->strict && len < 5)
    {
      /* feed() saw a prefix of "HTTP/", but it was the whole 0.9 body. */
      become_http09 (parser);
      return TRUE;
    }

  /* The end of the stream ends the last line and the head, as in CPython. */
  if (len > 0 &&
      !count_bytes (&parser->n_bytes, len, HTTPLIB_MAX_HEADER_BYTES, "headers", error))
    return FALSE;
  if (len > 0 && buf[len - 1] == '\r')
    len--;
  /* A lone "\r" is an empty status line, not the end of a head. */
  if ((len > 0 || parser->stage == HTTPLIB_HEAD_STATUS) &&
      !take_head_line (parser, buf, len, error))
    return FALSE;
  parser->stage = HTTPLIB_HEAD_DONE;

  return TRUE;
}

/* --- Body framing --- */

static gboolean
has_no_body (const HttplibHeadParser *head,
             const char              *method)
{
  /* RFC 9112 6.3 rules 1 and 2; a 2xx to CONNECT turns into a tunnel. */
  return strcmp (method, "HEAD") == 0 ||
         head->status < 200 || head->status == 204 || head->status == 304 ||
         (strcmp (method, "CONNECT") == 0 && head->status < 300);
}

/* Only a lone "chunked" is understood; "gzip, chunked" would need decoding. */
static gboolean
check_transfer_encoding (HttplibHeaders *headers,
                         GError        **error)
{
  g_autofree char *list = httplib_headers_get_list (headers, "Transfer-Encoding");
  const char *start = list;
  const char *end = list + strlen (list);

  while (start < end && is_ows (*start))
    start++;
  while (end > start && is_ows (end[-1]))
    end--;
  if (end - start == 7 && g_ascii_strncasecmp (start, "chunked", 7) == 0)
    return TRUE;

  return fail_quoted (error, HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING,
                      "unknown Transfer-Encoding: ", list, strlen (list));
}

/* Checks every element of one Content-Length value against *length, which
 * is -1 until the first element sets it. */
static gboolean
merge_content_length (const char *value,
                      gint64     *length,
                      GError    **error)
{
  const char *p = value;

  for (;;)
    {
      const char *comma = strchr (p, ',');
      const char *end = comma != NULL ? comma : p + strlen (p);
      gint64 element;

      while (p < end && is_ows (*p))
        p++;
      while (end > p && is_ows (end[-1]))
        end--;
      if (!httplib_parse_content_length (p, end - p, &element))
        return fail_quoted (error, HTTPLIB_ERROR_BAD_FRAMING,
                            "invalid Content-Length: ", value, strlen (value));
      if (*length >= 0 && *length != element)
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_FRAMING,
                       "conflicting Content-Length values: %" G_GINT64_FORMAT
                       " and %" G_GINT64_FORMAT, *length, element);
          return FALSE;
        }
      *length = element;
      if (comma == NULL)
        return TRUE;
      p = comma + 1;
    }
}

static gboolean
parse_content_lengths (HttplibHeaders *headers,
                       gint64         *length,
                       GError        **error)
{
  const char *value;
  guint index = 0;

  *length = -1;
  while (httplib_headers_next_value (headers, "Content-Length", 14, &index, &value))
    if (!merge_content_length (value, length, error))
      return FALSE;

  return TRUE;
}

gboolean
httplib_body_mode_from_head (const HttplibHeadParser *head,
                             const char              *method,
                             HttplibBodyMode         *mode,
                             gint64                  *length,
                             GError                 **error)
{
  gboolean has_te, has_cl;

  g_return_val_if_fail (head != NULL, FALSE);
  g_return_val_if_fail (head->stage == HTTPLIB_HEAD_DONE, FALSE);
  g_return_val_if_fail (method != NULL, FALSE);
  g_return_val_if_fail (mode != NULL, FALSE);
  g_return_val_if_fail (length != NULL, FALSE);

  *mode = HTTPLIB_BODY_UNTIL_EOF;
  *length = -1;
  if (head->http09)
    return TRUE;

  if (has_no_body (head, method))
    {
      *mode = HTTPLIB_BODY_NONE;
      *length = 0;
      return TRUE;
    }

  has_te = (head->framing & HTTPLIB_FRAMING_TRANSFER_ENCODING) != 0;
  has_cl = (head->framing & HTTPLIB_FRAMING_CONTENT_LENGTH) != 0;
  /* Either may be a smuggling attempt: RFC 9112 6.3 rule 3 says close. */
  if (has_te && has_cl)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_FRAMING,
                           "response has both Transfer-Encoding and Content-Length");
      return FALSE;
    }

  if (has_te)
    {
      if (!check_transfer_encoding (head->headers, error))
        return FALSE;
      *mode = HTTPLIB_BODY_CHUNKED;
      return TRUE;
    }

  if (has_cl)
    {
      /* The parser took the common case, one plain number; the rest again here. */
      if (head->content_length >= 0)
        *length = head->content_length;
      else if (!parse_content_lengths (head->headers, length, error))
        return FALSE;
      *mode = HTTPLIB_BODY_LENGTH;
    }

  return TRUE;
}

/* --- Chunked transfer coding --- */

void
httplib_chunk_decoder_init (HttplibChunkDecoder *decoder)
{
  g_return_if_fail (decoder != NULL);

  memset (decoder, 0, sizeof *decoder);
  decoder->stage = HTTPLIB_CHUNK_SIZE;
}

void
httplib_chunk_decoder_clear (HttplibChunkDecoder *decoder)
{
  g_return_if_fail (decoder != NULL);

  g_clear_pointer (&decoder->trailers, httplib_headers_unref);
}

/* 1 to 16 hex digits, then optional SP/HTAB, then nothing or ";ext". */
static gboolean
parse_chunk_size (const char *line,
                  gsize       len,
                  guint64    *size,
                  GError    **error)
{
  guint64 value = 0;
  gsize i = 0;

  /* Extensions are ignored, but not bytes that could split a line elsewhere. */
  if (has_bad_byte (line, len))
    goto bad;

  for (; i < len && g_ascii_isxdigit (line[i]); i++)
    {
      if (i == HTTPLIB_MAX_CHUNK_SIZE_DIGITS)
        return fail_quoted (error, HTTPLIB_ERROR_BAD_FRAMING,
                            "chunk size has more than "
                            G_STRINGIFY (HTTPLIB_MAX_CHUNK_SIZE_DIGITS) " hex digits: ", line, len);
      value = (value << 4) | g_ascii_xdigit_value (line[i]);
    }
  if (i == 0)
    goto bad;

  while (i < len && is_ows (line[i]))
    i++;
  if (i < len && line[i] != ';')
    goto bad;

  *size = value;
  return TRUE;

bad:
  return fail_quoted (error, HTTPLIB_ERROR_BAD_FRAMING, "invalid chunk size ", line, len);
}

/* Each step below uses one framing unit: DONE means it was used, *used
 * bytes of it, and the stage moved on. */

static HttplibParseResult
take_size_line (HttplibChunkDecoder *decoder,
                const char          *buf,
                gsize                len,
                gsize               *used,
                GError             **error)
{
  HttplibParseResult result;
  guint64 size = 0;
  Line line;

  result = find_line (buf, len, &decoder->scanned, "chunk size", &line, error);
  if (result != HTTPLIB_PARSE_DONE)
    return result;

  if (!parse_chunk_size (buf, line.len, &size, error))
    return HTTPLIB_PARSE_ERROR;

  decoder->remaining = size;
  decoder->stage = size > 0 ? HTTPLIB_CHUNK_DATA : HTTPLIB_CHUNK_TRAILERS;
  *used = line.next;
  return HTTPLIB_PARSE_DONE;
}

static HttplibParseResult
take_data_end (HttplibChunkDecoder *decoder,
               const char          *buf,
               gsize                len,
               gsize               *used,
               GError             **error)
{
  if (len == 0 || (len == 1 && buf[0] == '\r'))
    return HTTPLIB_PARSE_NEED_MORE;

  if (buf[0] == '\n')
    *used = 1;
  else if (buf[0] == '\r' && buf[1] == '\n')
    *used = 2;
  else
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_FRAMING,
                           "missing CRLF after chunk data");
      return HTTPLIB_PARSE_ERROR;
    }

  decoder->stage = HTTPLIB_CHUNK_SIZE;
  return HTTPLIB_PARSE_DONE;
}

static HttplibParseResult
take_trailer_line (HttplibChunkDecoder *decoder,
                   const char          *buf,
                   gsize                len,
                   gsize               *used,
                   GError             **error)
{
  HttplibParseResult result;
  Line line;

  result = find_line (buf, len, &decoder->scanned, "trailer line", &line, error);
  if (result != HTTPLIB_PARSE_DONE)
    return result;
  if (!count_bytes (&decoder->trailer_bytes, line.next, HTTPLIB_MAX_TRAILER_BYTES, "trailers",
                    error))
    return HTTPLIB_PARSE_ERROR;

  if (line.len == 0)
    decoder->stage = HTTPLIB_CHUNK_DONE;
  else
    {
      if (decoder->trailers == NULL)
        decoder->trailers = httplib_headers_new ();
      if (!count_field (&decoder->n_trailers, error) ||
          !parse_field_line (decoder->trailers, NULL, buf, line.len, error))
        return HTTPLIB_PARSE_ERROR;
    }

  *used = line.next;
  return HTTPLIB_PARSE_DONE;
}

HttplibParseResult
httplib_chunk_decoder_feed (HttplibChunkDecoder *decoder,
                            const char          *buf,
                            gsize                len,
                            gsize               *consumed,
                            GError             **error)
{
  HttplibParseResult result = HTTPLIB_PARSE_NEED_MORE;
  gsize pos = 0;

  g_return_val_if_fail (decoder != NULL, HTTPLIB_PARSE_ERROR);
  g_return_val_if_fail (buf != NULL || len == 0, HTTPLIB_PARSE_ERROR);
  g_return_val_if_fail (consumed != NULL, HTTPLIB_PARSE_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, HTTPLIB_PARSE_ERROR);

  /* Stops at data (the caller's to take) or at the end. */
  while (decoder->stage != HTTPLIB_CHUNK_DATA && decoder->stage != HTTPLIB_CHUNK_DONE)
    {
      gsize used = 0;

      switch (decoder->stage)
        {
        case HTTPLIB_CHUNK_SIZE:
          result = take_size_line (decoder, buf + pos, len - pos, &used, error);
          break;
        case HTTPLIB_CHUNK_DATA_END:
          result = take_data_end (decoder, buf + pos, len - pos, &used, error);
          break;
        case HTTPLIB_CHUNK_TRAILERS:
          result = take_trailer_line (decoder, buf + pos, len - pos, &used, error);
          break;
        case HTTPLIB_CHUNK_DATA:
        case HTTPLIB_CHUNK_DONE:
        default:
          g_assert_not_reached ();
        }
      if (result != HTTPLIB_PARSE_DONE)
        break;
      pos += used;
    }

  *consumed = pos;
  if (result == HTTPLIB_PARSE_ERROR)
    return result;
  return decoder->stage == HTTPLIB_CHUNK_DONE ? HTTPLIB_PARSE_DONE : HTTPLIB_PARSE_NEED_MORE;
}

void
httplib_chunk_decoder_take (HttplibChunkDecoder *decoder,
                            gsize                n)
{
  g_return_if_fail (decoder != NULL);
  g_return_if_fail (decoder->stage == HTTPLIB_CHUNK_DATA);
  g_return_if_fail (n <= decoder->remaining);

  decoder->remaining -= n;
  if (decoder->remaining == 0)
    decoder->stage = HTTPLIB_CHUNK_DATA_END;
}
