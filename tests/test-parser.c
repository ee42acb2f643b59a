/* test-parser.c: the response parser: status line, fields, framing, chunks */
#include "httplib-parser-private.h"
#include "httplib-headers-private.h"
#include "httplib-error.h"
#include "test-headers-dump.h"
#include "test-utils.h"

#include <string.h>

Suite *parser_suite (void);

/* A literal and its length, so rows may hold NUL bytes. */
#define S(literal) literal, sizeof (literal) - 1

#define NO_ERROR (-1)

/* --- helpers --- */

static const char *
code_name (int code)
{
  switch (code)
    {
    case NO_ERROR: return "no error";
    case HTTPLIB_ERROR_UNKNOWN_PROTOCOL: return "UNKNOWN_PROTOCOL";
    case HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING: return "UNKNOWN_TRANSFER_ENCODING";
    case HTTPLIB_ERROR_BAD_STATUS_LINE: return "BAD_STATUS_LINE";
    case HTTPLIB_ERROR_LINE_TOO_LONG: return "LINE_TOO_LONG";
    case HTTPLIB_ERROR_REMOTE_DISCONNECTED: return "REMOTE_DISCONNECTED";
    case HTTPLIB_ERROR_TOO_MANY_HEADERS: return "TOO_MANY_HEADERS";
    case HTTPLIB_ERROR_INVALID_HEADER: return "INVALID_HEADER";
    case HTTPLIB_ERROR_BAD_FRAMING: return "BAD_FRAMING";
    default: return "other";
    }
}

static int
code_of (const GError *error)
{
  if (error == NULL)
    return NO_ERROR;
  ck_assert_msg (error->domain == HTTPLIB_ERROR, "error from domain %s: %s",
                 g_quark_to_string (error->domain), error->message);
  return error->code;
}

/* Asserts the exact error code, printing the row, both codes and the message. */
#define assert_code(desc, error, expected)                                       \
  ck_assert_msg (code_of (error) == (expected), "%s: expected %s, got %s%s%s",   \
                 (desc), code_name (expected), code_name (code_of (error)),      \
                 (error) ? ": " : "", (error) ? (error)->message : "")

/* Plays the caller: input arrives as a first piece of `first` bytes, then
 * pieces of `step` (0: all the rest); consumed bytes are dropped from the
 * front of the buffer and the rest is fed back, as the connection does. */
static HttplibParseResult
feed_head (HttplibHeadParser *parser,
           const char        *input,
           gsize              len,
           gsize              first,
           gsize              step,
           gsize             *total_consumed,
           GError           **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  gsize given = 0;
  gsize piece = first;

  *total_consumed = 0;
  for (;;)
    {
      HttplibParseResult result;
      gsize n = piece == 0 ? len - given : MIN (piece, len - given);
      gsize consumed = 0;

      g_byte_array_append (buf, (const guint8 *) input + given, n);
      given += n;
      result = httplib_head_parser_feed (parser, (const char *) buf->data, buf->len,
                                         &consumed, error);
      ck_assert_msg (consumed <= buf->len, "consumed %" G_GSIZE_FORMAT " of %u",
                     consumed, buf->len);
      *total_consumed += consumed;
      g_byte_array_remove_range (buf, 0, consumed);
      if (result != HTTPLIB_PARSE_NEED_MORE || given == len)
        return result;
      piece = step;
    }
}

/* Everything a head parse produced, so two ways of feeding compare as text. */
static char *
head_outcome (const char *input,
              gsize       len,
              gboolean    strict,
              gsize       first,
              gsize       step)
{
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  HttplibParseResult result;
  gsize consumed;
  char *outcome;

  httplib_head_parser_init (&parser, strict);
  result = feed_head (&parser, input, len, first, step, &consumed, &error);
  if (result == HTTPLIB_PARSE_ERROR)
    outcome = g_strdup_printf ("error %s after %" G_GSIZE_FORMAT " bytes: %s",
                               code_name (error->code), consumed, error->message);
  else if (result == HTTPLIB_PARSE_NEED_MORE)
    outcome = g_strdup_printf ("need more after %" G_GSIZE_FORMAT " bytes", consumed);
  else
    {
      g_autofree char *fields = test_headers_dump (parser.headers);

      outcome = g_strdup_printf ("done after %" G_GSIZE_FORMAT " bytes: version %u "
                                 "status %u reason '%s' http09 %d\n%s",
                                 consumed, parser.version, parser.status, parser.reason,
                                 parser.http09, fields);
    }
  httplib_head_parser_clear (&parser);

  return outcome;
}

/* Asserts that every split of input, and byte-by-byte feeding, give the
 * same outcome as feeding it at once. */
static void
assert_splits_agree (const char *desc,
                     const char *input,
                     gsize       len,
                     gboolean    strict)
{
  g_autofree char *whole = head_outcome (input, len, strict, len, 0);
  g_autofree char *bytewise = head_outcome (input, len, strict, 1, 1);

  ck_assert_msg (strcmp (whole, bytewise) == 0, "%s, byte by byte: expected\n%s\ngot\n%s",
                 desc, whole, bytewise);
  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autofree char *split = head_outcome (input, len, strict, cut, 0);

      ck_assert_msg (strcmp (whole, split) == 0,
                     "%s, split at %" G_GSIZE_FORMAT ": expected\n%s\ngot\n%s",
                     desc, cut, whole, split);
    }
}

/* --- status line --- */

typedef struct {
  const char *desc;
  const char *input;
  gsize       len;
  gboolean    strict;
  int         code;     /* NO_ERROR: parses */
  guint       version;  /* 9: HTTP/0.9 */
  guint       status;
  const char *reason;
} StatusRow;

static const StatusRow status_rows[] = {
  { "HTTP/1.0", S ("HTTP/1.0 200 OK\r\n\r\n"), TRUE, NO_ERROR, 10, 200, "OK" },
  { "HTTP/1.1", S ("HTTP/1.1 200 OK\r\n\r\n"), TRUE, NO_ERROR, 11, 200, "OK" },
  { "HTTP/1.2 is 1.1", S ("HTTP/1.2 200 OK\r\n\r\n"), TRUE, NO_ERROR, 11, 200, "OK" },
  { "HTTP/1.9 is 1.1", S ("HTTP/1.9 200 OK\r\n\r\n"), TRUE, NO_ERROR, 11, 200, "OK" },
  { "not strict HTTP/1.1", S ("HTTP/1.1 200 OK\r\n\r\n"), FALSE, NO_ERROR, 11, 200, "OK" },
  { "no reason", S ("HTTP/1.1 200\r\n\r\n"), TRUE, NO_ERROR, 11, 200, "" },
  { "no reason, trailing space", S ("HTTP/1.1 200 \r\n\r\n"), TRUE, NO_ERROR, 11, 200, "" },
  { "reason with spaces", S ("HTTP/1.1 404 Not Found Here\r\n\r\n"), TRUE, NO_ERROR, 11, 404,
    "Not Found Here" },
  { "reason trimmed", S ("HTTP/1.1 200 OK \t \r\n\r\n"), TRUE, NO_ERROR, 11, 200, "OK" },
  { "runs of spaces", S ("HTTP/1.1  200   OK\r\n\r\n"), TRUE, NO_ERROR, 11, 200, "OK" },
  { "tabs", S ("HTTP/1.1\t200\tOK\r\n\r\n"), TRUE, NO_ERROR, 11, 200, "OK" },
  { "LF only", S ("HTTP/1.1 201 Created\n\n"), TRUE, NO_ERROR, 11, 201, "Created" },
  { "obs-text reason", S ("HTTP/1.1 200 Gr\xfc\xdf" "e\r\n\r\n"), TRUE, NO_ERROR, 11, 200,
    "Gr\xfc\xdf" "e" },
  { "status 100", S ("HTTP/1.1 100 Continue\r\n\r\n"), TRUE, NO_ERROR, 11, 100, "Continue" },
  { "status 999", S ("HTTP/1.1 999 x\r\n\r\n"), TRUE, NO_ERROR, 11, 999, "x" },
  { "status 99", S ("HTTP/1.1 99 x\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status 099", S ("HTTP/1.1 099 x\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status 000", S ("HTTP/1.1 000 x\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status 2000", S ("HTTP/1.1 2000\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status abc", S ("HTTP/1.1 abc\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status 20a", S ("HTTP/1.1 20a OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status +20", S ("HTTP/1.1 +20 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status -200", S ("HTTP/1.1 -200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "no status", S ("HTTP/1.1\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "no status, trailing space", S ("HTTP/1.1 \r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "not strict, bad status", S ("HTTP/1.1 abc\r\n\r\n"), FALSE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "bare CR in reason", S ("HTTP/1.1 200 O\rK\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "CR CR LF", S ("HTTP/1.1 200 OK\r\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "NUL in reason", S ("HTTP/1.1 200 O\0K\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "status checked before version", S ("HTTP/2.0 abc\r\n\r\n"), TRUE,
    HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "HTTP/2.0", S ("HTTP/2.0 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_UNKNOWN_PROTOCOL },
  { "HTTP/0.9 in a status line", S ("HTTP/0.9 200 OK\r\n\r\n"), TRUE,
    HTTPLIB_ERROR_UNKNOWN_PROTOCOL },
  { "HTTP/1.10", S ("HTTP/1.10 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_UNKNOWN_PROTOCOL },
  { "HTTP/1.x", S ("HTTP/1.x 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_UNKNOWN_PROTOCOL },
  { "HTTP/1", S ("HTTP/1 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_UNKNOWN_PROTOCOL },
  { "HTTP/ alone", S ("HTTP/ 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_UNKNOWN_PROTOCOL },
  { "not strict HTTP/2.0", S ("HTTP/2.0 200 OK\r\n\r\n"), FALSE, HTTPLIB_ERROR_UNKNOWN_PROTOCOL },
  { "ICY strict", S ("ICY 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "ICY not strict is 0.9", S ("ICY 200 OK\r\n\r\n"), FALSE, NO_ERROR, 9, 200, "" },
  { "lower-case http strict", S ("http/1.1 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "lower-case http not strict", S ("http/1.1 200 OK\r\n\r\n"), FALSE, NO_ERROR, 9, 200, "" },
  { "leading space strict", S (" HTTP/1.1 200 OK\r\n\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "empty line strict", S ("\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "empty LF line strict", S ("\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "empty line before status strict", S ("\r\nHTTP/1.1 200 OK\r\n\r\n"), TRUE,
    HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "empty line not strict is 0.9", S ("\r\nHTTP/1.1 200 OK\r\n\r\n"), FALSE, NO_ERROR, 9, 200, "" },
  { "HTTP/0.9 body strict", S ("<html>hello</html>\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "HTTP/0.9 body not strict", S ("<html>hello</html>\n"), FALSE, NO_ERROR, 9, 200, "" },
  { "HTTP/0.9 without newline", S ("<html>"), FALSE, NO_ERROR, 9, 200, "" },
  { "HTTP/0.9 close to HTTP/", S ("HTTPX/1.1 200 OK\r\n\r\n"), FALSE, NO_ERROR, 9, 200, "" },
  { "HTTP/ prefix cut by newline", S ("HTTP\n"), FALSE, NO_ERROR, 9, 200, "" },
};

START_TEST (test_status_line)
{
  const StatusRow *row = &status_rows[_i];
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  HttplibParseResult result;
  gsize consumed;

  httplib_head_parser_init (&parser, row->strict);
  result = feed_head (&parser, row->input, row->len, row->len, 0, &consumed, &error);
  assert_code (row->desc, error, row->code);
  if (row->code != NO_ERROR)
    ck_assert_msg (result == HTTPLIB_PARSE_ERROR, "%s: expected ERROR, got %d", row->desc, result);
  else
    {
      gsize expected_consumed = row->version == 9 ? 0 : row->len;

      ck_assert_msg (result == HTTPLIB_PARSE_DONE, "%s: expected DONE, got %d", row->desc, result);
      ck_assert_msg (parser.version == row->version, "%s: expected version %u, got %u",
                     row->desc, row->version, parser.version);
      ck_assert_msg (parser.status == row->status, "%s: expected status %u, got %u",
                     row->desc, row->status, parser.status);
      ck_assert_msg (strcmp (parser.reason, row->reason) == 0, "%s: expected reason '%s', got '%s'",
                     row->desc, row->reason, parser.reason);
      ck_assert_msg (parser.http09 == (row->version == 9), "%s: expected http09 %d, got %d",
                     row->desc, row->version == 9, parser.http09);
      ck_assert_msg (consumed == expected_consumed, "%s: expected %" G_GSIZE_FORMAT
                     " bytes consumed, got %" G_GSIZE_FORMAT, row->desc, expected_consumed, consumed);
      ck_assert_uint_eq (httplib_headers_get_length (parser.headers), 0);
    }
  httplib_head_parser_clear (&parser);
}
END_TEST

START_TEST (test_status_line_split)
{
  const StatusRow *row = &status_rows[_i];

  assert_splits_agree (row->desc, row->input, row->len, row->strict);
}
END_TEST

/* --- header fields --- */

typedef struct {
  const char *desc;
  const char *input;   /* after "HTTP/1.1 200 OK\r\n", up to the empty line */
  gsize       len;
  int         code;
  const char *fields;  /* dump of the headers when they parse */
} FieldRow;

static const FieldRow field_rows[] = {
  { "in order, duplicates kept",
    S ("Set-Cookie: a\r\nContent-Type: text/plain\r\nset-cookie: b\r\n\r\n"), NO_ERROR,
    "Set-Cookie: a\nContent-Type: text/plain\nset-cookie: b\n" },
  { "no fields", S ("\r\n"), NO_ERROR, "" },
  { "LF-only lines", S ("A: 1\nB: 2\n\n"), NO_ERROR, "A: 1\nB: 2\n" },
  { "mixed line ends", S ("A: 1\r\nB: 2\n\r\n"), NO_ERROR, "A: 1\nB: 2\n" },
  { "value trimmed", S ("A: \t spaced \t \r\n\r\n"), NO_ERROR, "A: spaced\n" },
  { "no space after colon", S ("A:b\r\n\r\n"), NO_ERROR, "A: b\n" },
  { "empty values", S ("A:\r\nB: \t\r\n\r\n"), NO_ERROR, "A: \nB: \n" },
  { "inner whitespace kept", S ("A: x  y\tz\r\n\r\n"), NO_ERROR, "A: x  y\tz\n" },
  { "colons in value", S ("Host: a:b:c\r\n\r\n"), NO_ERROR, "Host: a:b:c\n" },
  { "obs-text in value", S ("A: caf\xc3\xa9\r\n\r\n"), NO_ERROR, "A: caf\xc3\xa9\n" },
  { "every tchar in name", S ("!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n"), NO_ERROR,
    "!#$%&'*+-.^_`|~09azAZ: v\n" },
  { "folding with space and tab", S ("X-Long: one\r\n two\r\n\tthree  \r\nY: z\r\n\r\n"),
    NO_ERROR, "X-Long: one two three\nY: z\n" },
  { "folding LF-only", S ("X: a\n b\n\n"), NO_ERROR, "X: a b\n" },
  { "folding after an empty value", S ("X:\r\n  more\r\n\r\n"), NO_ERROR, "X: more\n" },
  { "blank fold line adds nothing", S ("X: a\r\n \t\r\n\r\n"), NO_ERROR, "X: a\n" },
  { "no colon", S ("NoColon\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "space before colon", S ("Name : v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "tab before colon", S ("Name\t: v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "empty name", S (": v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "space in name", S ("Na me: v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "separator in name", S ("Na(me): v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "slash in name", S ("Na/me: v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "DEL in name", S ("Na\x7fme: v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "non-ASCII name", S ("N\xc3\xa4me: v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "NUL in name", S ("Na\0me: v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "NUL in value", S ("Name: a\0b\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "bare CR in value", S ("Name: a\rb\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "CR CR LF", S ("Name: a\r\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "bare CR alone", S ("\r\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "fold before the first field", S (" Name: v\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "NUL in a folded line", S ("A: b\r\n c\0d\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "error after good fields", S ("A: 1\r\nB: 2\r\nbad\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
};

static GByteArray *
head_with_fields (const FieldRow *row)
{
  static const char status[] = "HTTP/1.1 200 OK\r\n";
  GByteArray *head = g_byte_array_new ();

  g_byte_array_append (head, (const guint8 *) status, strlen (status));
  g_byte_array_append (head, (const guint8 *) row->input, row->len);
  return head;
}

START_TEST (test_fields)
{
  const FieldRow *row = &field_rows[_i];
  g_autoptr (GByteArray) head = head_with_fields (row);
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  HttplibParseResult result;
  gsize consumed;

  httplib_head_parser_init (&parser, TRUE);
  result = feed_head (&parser, (const char *) head->data, head->len, head->len, 0,
                      &consumed, &error);
  assert_code (row->desc, error, row->code);
  if (row->code == NO_ERROR)
    {
      g_autofree char *fields = test_headers_dump (parser.headers);

      ck_assert_msg (result == HTTPLIB_PARSE_DONE, "%s: expected DONE, got %d", row->desc, result);
      ck_assert_msg (strcmp (fields, row->fields) == 0, "%s: expected fields\n%s\ngot\n%s",
                     row->desc, row->fields, fields);
      ck_assert_msg (consumed == head->len, "%s: expected %u bytes consumed, got %" G_GSIZE_FORMAT,
                     row->desc, head->len, consumed);
    }
  httplib_head_parser_clear (&parser);
}
END_TEST

START_TEST (test_fields_split)
{
  const FieldRow *row = &field_rows[_i];
  g_autoptr (GByteArray) head = head_with_fields (row);

  assert_splits_agree (row->desc, (const char *) head->data, head->len, TRUE);
}
END_TEST

START_TEST (test_head_leaves_body)
{
  static const char input[] = "HTTP/1.1 100 Continue\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nA: 1\r\n\r\nBODY";
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  gsize consumed, more;

  /* An interim response ends at its empty line; the final one follows. */
  httplib_head_parser_init (&parser, TRUE);
  ck_assert_int_eq (httplib_head_parser_feed (&parser, input, strlen (input), &consumed, &error),
                    HTTPLIB_PARSE_DONE);
  ck_assert_uint_eq (parser.status, 100);
  ck_assert_uint_eq (consumed, 25);
  /* Once DONE, nothing more is consumed. */
  ck_assert_int_eq (httplib_head_parser_feed (&parser, input + consumed, strlen (input) - consumed,
                                              &more, &error),
                    HTTPLIB_PARSE_DONE);
  ck_assert_uint_eq (more, 0);
  httplib_head_parser_clear (&parser);

  httplib_head_parser_init (&parser, TRUE);
  ck_assert_int_eq (httplib_head_parser_feed (&parser, input + 25, strlen (input) - 25,
                                              &consumed, &error),
                    HTTPLIB_PARSE_DONE);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (parser.status, 200);
  ck_assert_str_eq (input + 25 + consumed, "BODY");
  httplib_head_parser_clear (&parser);
}
END_TEST

START_TEST (test_head_scanned)
{
  g_autoptr (GString) buf = g_string_new ("HTTP/1.1 200 ");
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  gsize consumed;

  /* A growing unfinished line is searched only where it is new. */
  httplib_head_parser_init (&parser, TRUE);
  for (guint i = 0; i < 20; i++)
    {
      ck_assert_int_eq (httplib_head_parser_feed (&parser, buf->str, buf->len, &consumed, &error),
                        HTTPLIB_PARSE_NEED_MORE);
      ck_assert_uint_eq (consumed, 0);
      ck_assert_msg (parser.scanned == buf->len, "expected scanned %" G_GSIZE_FORMAT
                     ", got %" G_GSIZE_FORMAT, buf->len, parser.scanned);
      g_string_append (buf, "reason ");
    }
  g_string_append (buf, "\r\nX: 1");
  ck_assert_int_eq (httplib_head_parser_feed (&parser, buf->str, buf->len, &consumed, &error),
                    HTTPLIB_PARSE_NEED_MORE);
  ck_assert_uint_eq (parser.scanned, 4);
  g_string_erase (buf, 0, consumed);
  ck_assert_str_eq (buf->str, "X: 1");
  g_string_append (buf, "\r\n\r\n");
  ck_assert_int_eq (httplib_head_parser_feed (&parser, buf->str, buf->len, &consumed, &error),
                    HTTPLIB_PARSE_DONE);
  ck_assert_uint_eq (parser.scanned, 0);
  ck_assert_str_eq (httplib_headers_get_one (parser.headers, "x"), "1");
  httplib_head_parser_clear (&parser);
}
END_TEST

/* --- the end of the stream --- */

typedef struct {
  const char *desc;
  const char *input;   /* everything received before the end */
  gsize       len;
  gboolean    strict;
  int         code;
  guint       status;  /* 0 for HTTP/0.9 */
  const char *fields;
} FinishRow;

static const FinishRow finish_rows[] = {
  { "nothing strict", S (""), TRUE, HTTPLIB_ERROR_REMOTE_DISCONNECTED },
  { "nothing not strict", S (""), FALSE, HTTPLIB_ERROR_REMOTE_DISCONNECTED },
  { "short 0.9 body", S ("HTT"), FALSE, NO_ERROR, 0, "" },
  { "short garbage strict", S ("HTT"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "0.9 body", S ("hello"), FALSE, NO_ERROR, 0, "" },
  { "status line without newline", S ("HTTP/1.1 200 OK"), TRUE, NO_ERROR, 200, "" },
  { "status line and CR", S ("HTTP/1.1 204 OK\r"), TRUE, NO_ERROR, 204, "" },
  { "bad partial status line", S ("HTTP/1.1 abc"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "partial field", S ("HTTP/1.1 200 OK\r\nA: b"), TRUE, NO_ERROR, 200, "A: b\n" },
  { "no empty line", S ("HTTP/1.1 200 OK\r\nA: b\r\n"), TRUE, NO_ERROR, 200, "A: b\n" },
  { "bad partial field", S ("HTTP/1.1 200 OK\r\nA: b\r\nbad"), TRUE,
    HTTPLIB_ERROR_INVALID_HEADER },
  { "whole head", S ("HTTP/1.1 200 OK\r\n\r\n"), TRUE, NO_ERROR, 200, "" },
  /* Found by fuzz-response: "\r" alone was taken for a whole head, status 0. */
  { "a lone CR strict", S ("\r"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE },
  { "a lone CR not strict", S ("\r"), FALSE, NO_ERROR, 0, "" },
  { "head ended by a lone CR", S ("HTTP/1.1 200 OK\r\nA: b\r\n\r"), TRUE, NO_ERROR, 200, "A: b\n" },
};

START_TEST (test_finish)
{
  const FinishRow *row = &finish_rows[_i];
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;
  gboolean ok;

  httplib_head_parser_init (&parser, row->strict);
  if (httplib_head_parser_feed (&parser, row->input, row->len, &consumed, &error) !=
      HTTPLIB_PARSE_NEED_MORE)
    consumed = 0;  /* DONE: feeding everything to finish() must agree */
  ok = httplib_head_parser_finish (&parser, row->input + consumed, row->len - consumed, &error);
  assert_code (row->desc, error, row->code);
  ck_assert_msg (ok == (row->code == NO_ERROR), "%s: expected %d, got %d",
                 row->desc, row->code == NO_ERROR, ok);
  if (ok)
    {
      g_autofree char *fields = test_headers_dump (parser.headers);

      ck_assert_int_eq (parser.stage, HTTPLIB_HEAD_DONE);
      ck_assert_msg (parser.http09 == (row->status == 0), "%s: expected http09 %d",
                     row->desc, row->status == 0);
      ck_assert_msg (parser.status == (row->status ? row->status : 200),
                     "%s: expected status %u, got %u", row->desc, row->status, parser.status);
      ck_assert_msg (strcmp (fields, row->fields) == 0, "%s: expected fields\n%s\ngot\n%s",
                     row->desc, row->fields, fields);
    }
  httplib_head_parser_clear (&parser);
}
END_TEST

/* --- messages --- */

typedef struct {
  const char *desc;
  const char *input;
  gsize       len;
  gboolean    strict;
  int         code;
  const char *message;
} MessageRow;

static const MessageRow message_rows[] = {
  { "bad status", S ("HTTP/1.1 abc\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE,
    "bad status line: 'HTTP/1.1 abc'" },
  { "empty status line", S ("\r\n"), TRUE, HTTPLIB_ERROR_BAD_STATUS_LINE,
    "bad status line: ''" },
  { "escaped status line", S ("HTTP/1.1 2\x01\xff'\\\t\0\r\n"), TRUE,
    HTTPLIB_ERROR_BAD_STATUS_LINE,
    "bad status line: 'HTTP/1.1 2\\x01\\xff\\'\\\\\\t\\x00'" },
  { "unknown protocol", S ("HTTP/2.0 200 OK\r\n"), TRUE, HTTPLIB_ERROR_UNKNOWN_PROTOCOL,
    "unknown protocol: 'HTTP/2.0'" },
  { "no colon", S ("HTTP/1.1 200 OK\r\nfoo\r\n"), TRUE, HTTPLIB_ERROR_INVALID_HEADER,
    "header line without a colon: 'foo'" },
  { "bad name", S ("HTTP/1.1 200 OK\r\nA b: c\r\n"), TRUE, HTTPLIB_ERROR_INVALID_HEADER,
    "invalid header name: 'A b'" },
  { "bare CR", S ("HTTP/1.1 200 OK\r\nA: b\rc\r\n"), TRUE, HTTPLIB_ERROR_INVALID_HEADER,
    "invalid character in header line: 'A: b\\rc'" },
  { "early fold", S ("HTTP/1.1 200 OK\r\n\tx\r\n"), TRUE, HTTPLIB_ERROR_INVALID_HEADER,
    "folded line before the first header field: '\\tx'" },
};

START_TEST (test_messages)
{
  const MessageRow *row = &message_rows[_i];
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  gsize consumed;

  httplib_head_parser_init (&parser, row->strict);
  httplib_head_parser_feed (&parser, row->input, row->len, &consumed, &error);
  assert_code (row->desc, error, row->code);
  ck_assert_msg (strcmp (error->message, row->message) == 0, "%s: expected \"%s\", got \"%s\"",
                 row->desc, row->message, error->message);
  httplib_head_parser_clear (&parser);
}
END_TEST

START_TEST (test_message_truncated)
{
  g_autofree char *reason = g_strnfill (200, 'r');
  g_autofree char *input = g_strdup_printf ("HTTP/1.1 2x0 %s\r\n", reason);
  g_autofree char *expected = g_strdup_printf ("bad status line: '%.80s'...", input);
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  gsize consumed;

  httplib_head_parser_init (&parser, TRUE);
  ck_assert_int_eq (httplib_head_parser_feed (&parser, input, strlen (input), &consumed, &error),
                    HTTPLIB_PARSE_ERROR);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_STATUS_LINE);
  ck_assert_str_eq (error->message, expected);
  httplib_head_parser_clear (&parser);
}
END_TEST

/* --- limits --- */

typedef enum { STATUS_LINE, HEADER_LINE, CHUNK_SIZE_LINE, TRAILER_LINE } LineKind;
typedef enum { CRLF, LF, NO_LF } Ending;

typedef struct {
  const char *desc;
  LineKind    kind;
  gsize       size;  /* bytes before the "\n", a "\r" included */
  Ending      ending;
  int         code;  /* NO_ERROR: DONE, or NEED_MORE without "\n" */
} LineRow;

#define LINE_ROWS(kind, name)                                                   \
  { name " of 65536 with CRLF", kind, 65536, CRLF, NO_ERROR },                  \
  { name " of 65536 with LF", kind, 65536, LF, NO_ERROR },                      \
  { name " of 65536, no LF yet", kind, 65536, NO_LF, NO_ERROR },                \
  { name " of 65537 with CRLF", kind, 65537, CRLF, HTTPLIB_ERROR_LINE_TOO_LONG }, \
  { name " of 65537 with LF", kind, 65537, LF, HTTPLIB_ERROR_LINE_TOO_LONG },   \
  { name " of 65537, no LF", kind, 65537, NO_LF, HTTPLIB_ERROR_LINE_TOO_LONG }

static const LineRow line_rows[] = {
  LINE_ROWS (STATUS_LINE, "status line"),
  LINE_ROWS (HEADER_LINE, "header line"),
  LINE_ROWS (CHUNK_SIZE_LINE, "chunk size"),
  LINE_ROWS (TRAILER_LINE, "trailer line"),
};

/* Builds the line of row->size bytes, in the message it belongs to. */
static GString *
long_line_input (const LineRow *row,
                 gsize         *line_start)
{
  static const char *const prefixes[] = { "", "HTTP/1.1 200 OK\r\n", "", "0\r\n" };
  static const char *const starts[] = { "HTTP/1.1 200 ", "X: ", "1;", "X: " };
  GString *input = g_string_new (prefixes[row->kind]);
  gsize fill = row->size - strlen (starts[row->kind]) - (row->ending == CRLF ? 1 : 0);

  *line_start = input->len;
  g_string_append (input, starts[row->kind]);
  for (gsize i = 0; i < fill; i++)
    g_string_append_c (input, 'x');
  if (row->ending == NO_LF)
    return input;

  g_string_append (input, row->ending == CRLF ? "\r\n" : "\n");
  if (row->kind == CHUNK_SIZE_LINE)
    g_string_append (input, "a\r\n0\r\n");
  g_string_append (input, "\r\n");
  return input;
}

static const char *
line_kind_name (LineKind kind)
{
  static const char *const names[] = { "status line", "header line", "chunk size", "trailer line" };

  return names[kind];
}

static HttplibParseResult
parse_whole (LineKind     kind,
             const char  *input,
             gsize        len,
             gsize       *scanned,
             GError     **error)
{
  HttplibParseResult result;
  gsize consumed;

  if (kind == STATUS_LINE || kind == HEADER_LINE)
    {
      HttplibHeadParser parser;

      httplib_head_parser_init (&parser, TRUE);
      result = httplib_head_parser_feed (&parser, input, len, &consumed, error);
      *scanned = parser.scanned + consumed;
      httplib_head_parser_clear (&parser);
    }
  else
    {
      HttplibChunkDecoder decoder;
      gsize pos = 0;

      /* The input holds all of its (short) chunk data. */
      httplib_chunk_decoder_init (&decoder);
      for (;;)
        {
          result = httplib_chunk_decoder_feed (&decoder, input + pos, len - pos, &consumed, error);
          pos += consumed;
          if (result != HTTPLIB_PARSE_NEED_MORE || decoder.stage != HTTPLIB_CHUNK_DATA)
            break;
          pos += decoder.remaining;
          httplib_chunk_decoder_take (&decoder, decoder.remaining);
        }
      *scanned = decoder.scanned + pos;
      httplib_chunk_decoder_clear (&decoder);
    }

  return result;
}

START_TEST (test_line_length)
{
  const LineRow *row = &line_rows[_i];
  gsize line_start, scanned = 0;
  g_autoptr (GString) input = long_line_input (row, &line_start);
  g_autoptr (GError) error = NULL;
  HttplibParseResult result;
  HttplibParseResult expected;

  result = parse_whole (row->kind, input->str, input->len, &scanned, &error);
  assert_code (row->desc, error, row->code);
  if (row->code != NO_ERROR)
    {
      g_autofree char *message = g_strdup_printf ("got more than 65536 bytes when reading %s",
                                                  line_kind_name (row->kind));

      ck_assert_str_eq (error->message, message);
      return;
    }

  expected = row->ending == NO_LF ? HTTPLIB_PARSE_NEED_MORE : HTTPLIB_PARSE_DONE;
  ck_assert_msg (result == expected, "%s: expected %d, got %d", row->desc, expected, result);
  if (row->ending == NO_LF)
    ck_assert_msg (scanned == input->len, "%s: expected all %" G_GSIZE_FORMAT " bytes scanned,"
                   " got %" G_GSIZE_FORMAT, row->desc, input->len, scanned);
}
END_TEST

typedef struct {
  const char *desc;
  guint       n_fields;
  guint       n_folds;   /* continuation lines after the first field */
  gboolean    trailers;
  int         code;
} CountRow;

static const CountRow count_rows[] = {
  { "100 headers", 100, 0, FALSE, NO_ERROR },
  { "101 headers", 101, 0, FALSE, HTTPLIB_ERROR_TOO_MANY_HEADERS },
  { "99 headers and a folded line", 99, 1, FALSE, NO_ERROR },
  { "100 headers and a folded line", 100, 1, FALSE, HTTPLIB_ERROR_TOO_MANY_HEADERS },
  { "100 trailers", 100, 0, TRUE, NO_ERROR },
  { "101 trailers", 101, 0, TRUE, HTTPLIB_ERROR_TOO_MANY_HEADERS },
  { "100 trailers and a folded line", 100, 1, TRUE, HTTPLIB_ERROR_TOO_MANY_HEADERS },
};

START_TEST (test_field_count)
{
  const CountRow *row = &count_rows[_i];
  g_autoptr (GString) input = g_string_new (row->trailers ? "0\r\n" : "HTTP/1.1 200 OK\r\n");
  g_autoptr (GError) error = NULL;
  gsize scanned;

  for (guint i = 0; i < row->n_fields; i++)
    {
      g_string_append_printf (input, "X-%u: %u\r\n", i, i);
      if (i == 0)
        for (guint j = 0; j < row->n_folds; j++)
          g_string_append (input, " folded\r\n");
    }
  g_string_append (input, "\r\n");

  parse_whole (row->trailers ? TRAILER_LINE : HEADER_LINE, input->str, input->len, &scanned, &error);
  assert_code (row->desc, error, row->code);
  if (error != NULL)
    ck_assert_str_eq (error->message, "got more than 100 headers");
}
END_TEST

/* --- body framing --- */

typedef struct {
  const char     *desc;
  const char     *method;
  const char     *head;
  int             code;
  HttplibBodyMode mode;
  gint64          length;
} BodyRow;

#define OK_200(fields) "HTTP/1.1 200 OK\r\n" fields "\r\n"

static const BodyRow body_rows[] = {
  { "nothing: until EOF", "GET", OK_200 (""), NO_ERROR, HTTPLIB_BODY_UNTIL_EOF, -1 },
  { "HTTP/1.0, nothing: until EOF", "GET", "HTTP/1.0 200 OK\r\n\r\n", NO_ERROR,
    HTTPLIB_BODY_UNTIL_EOF, -1 },
  { "HTTP/0.9", "GET", "<html>", NO_ERROR, HTTPLIB_BODY_UNTIL_EOF, -1 },
  { "Content-Length", "GET", OK_200 ("Content-Length: 5\r\n"), NO_ERROR, HTTPLIB_BODY_LENGTH, 5 },
  { "Content-Length 0", "GET", OK_200 ("Content-Length: 0\r\n"), NO_ERROR, HTTPLIB_BODY_LENGTH, 0 },
  { "Content-Length leading zeros", "GET", OK_200 ("Content-Length: 007\r\n"), NO_ERROR,
    HTTPLIB_BODY_LENGTH, 7 },
  { "Content-Length any case", "GET", OK_200 ("content-LENGTH: 5\r\n"), NO_ERROR,
    HTTPLIB_BODY_LENGTH, 5 },
  { "Content-Length largest", "GET", OK_200 ("Content-Length: 9223372036854775807\r\n"),
    NO_ERROR, HTTPLIB_BODY_LENGTH, G_MAXINT64 },
  { "Content-Length 5, 5", "GET", OK_200 ("Content-Length: 5, 5\r\n"), NO_ERROR,
    HTTPLIB_BODY_LENGTH, 5 },
  { "Content-Length 5,5", "GET", OK_200 ("Content-Length: 5,5\r\n"), NO_ERROR,
    HTTPLIB_BODY_LENGTH, 5 },
  { "Content-Length 5 twice", "GET", OK_200 ("Content-Length: 5\r\nContent-Length: 5\r\n"),
    NO_ERROR, HTTPLIB_BODY_LENGTH, 5 },
  { "Content-Length 5 and 05", "GET", OK_200 ("Content-Length: 5\r\nContent-Length: 05\r\n"),
    NO_ERROR, HTTPLIB_BODY_LENGTH, 5 },
  { "Content-Length 5, 6", "GET", OK_200 ("Content-Length: 5, 6\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length 5 then 6", "GET", OK_200 ("Content-Length: 5\r\nContent-Length: 6\r\n"),
    HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length +5", "GET", OK_200 ("Content-Length: +5\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length 5_0", "GET", OK_200 ("Content-Length: 5_0\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length -1", "GET", OK_200 ("Content-Length: -1\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length empty", "GET", OK_200 ("Content-Length: \r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length ' 5x'", "GET", OK_200 ("Content-Length:  5x\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length 5 5", "GET", OK_200 ("Content-Length: 5 5\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length 0x10", "GET", OK_200 ("Content-Length: 0x10\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length 1e3", "GET", OK_200 ("Content-Length: 1e3\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length '5,'", "GET", OK_200 ("Content-Length: 5,\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length ',5'", "GET", OK_200 ("Content-Length: ,5\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length overflow", "GET", OK_200 ("Content-Length: 9223372036854775808\r\n"),
    HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length far overflow", "GET", OK_200 ("Content-Length: 99999999999999999999999\r\n"),
    HTTPLIB_ERROR_BAD_FRAMING },
  /* The parser notes a plain Content-Length as it reads; a fold changes it after. */
  { "Content-Length folded into 5 5", "GET", OK_200 ("Content-Length: 5\r\n 5\r\n"),
    HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length folded into 5, 5", "GET", OK_200 ("Content-Length: 5,\r\n 5\r\n"), NO_ERROR,
    HTTPLIB_BODY_LENGTH, 5 },
  { "fold after another field", "GET", OK_200 ("Content-Length: 5\r\nX-A: 1\r\n 2\r\n"), NO_ERROR,
    HTTPLIB_BODY_LENGTH, 5 },
  { "Content-Length bad then good", "GET", OK_200 ("Content-Length: x\r\nContent-Length: 5\r\n"),
    HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length good then bad", "GET", OK_200 ("Content-Length: 5\r\nContent-Length: x\r\n"),
    HTTPLIB_ERROR_BAD_FRAMING },
  { "chunked", "GET", OK_200 ("Transfer-Encoding: chunked\r\n"), NO_ERROR, HTTPLIB_BODY_CHUNKED, -1 },
  { "Chunked", "GET", OK_200 ("Transfer-Encoding: Chunked\r\n"), NO_ERROR, HTTPLIB_BODY_CHUNKED, -1 },
  { "CHUNKED, name in any case", "GET", OK_200 ("TRANSFER-encoding: CHUNKED\r\n"), NO_ERROR,
    HTTPLIB_BODY_CHUNKED, -1 },
  { "chunked with whitespace", "GET", OK_200 ("Transfer-Encoding: \t chunked \t\r\n"), NO_ERROR,
    HTTPLIB_BODY_CHUNKED, -1 },
  { "gzip, chunked", "GET", OK_200 ("Transfer-Encoding: gzip, chunked\r\n"),
    HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING },
  { "chunked, gzip", "GET", OK_200 ("Transfer-Encoding: chunked, gzip\r\n"),
    HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING },
  { "gzip", "GET", OK_200 ("Transfer-Encoding: gzip\r\n"), HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING },
  { "identity", "GET", OK_200 ("Transfer-Encoding: identity\r\n"),
    HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING },
  { "empty Transfer-Encoding", "GET", OK_200 ("Transfer-Encoding: \r\n"),
    HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING },
  { "chunked twice", "GET", OK_200 ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
    HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING },
  { "chunked with a parameter", "GET", OK_200 ("Transfer-Encoding: chunked;q=1\r\n"),
    HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING },
  { "chunked and Content-Length", "GET",
    OK_200 ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "Content-Length and chunked", "GET",
    OK_200 ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "gzip and Content-Length", "GET",
    OK_200 ("Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "HEAD", "HEAD", OK_200 ("Content-Length: 5\r\n"), NO_ERROR, HTTPLIB_BODY_NONE, 0 },
  { "HEAD ignores chunked", "HEAD", OK_200 ("Transfer-Encoding: chunked\r\n"), NO_ERROR,
    HTTPLIB_BODY_NONE, 0 },
  { "HEAD ignores bad framing", "HEAD",
    OK_200 ("Transfer-Encoding: gzip\r\nContent-Length: x\r\n"), NO_ERROR, HTTPLIB_BODY_NONE, 0 },
  { "head is not HEAD", "head", OK_200 ("Content-Length: 5\r\n"), NO_ERROR, HTTPLIB_BODY_LENGTH, 5 },
  { "100", "GET", "HTTP/1.1 100 Continue\r\n\r\n", NO_ERROR, HTTPLIB_BODY_NONE, 0 },
  { "101 with Content-Length", "GET", "HTTP/1.1 101 Switching\r\nContent-Length: 5\r\n\r\n",
    NO_ERROR, HTTPLIB_BODY_NONE, 0 },
  { "199 with chunked", "GET", "HTTP/1.1 199 x\r\nTransfer-Encoding: chunked\r\n\r\n", NO_ERROR,
    HTTPLIB_BODY_NONE, 0 },
  { "204 with Content-Length", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
    NO_ERROR, HTTPLIB_BODY_NONE, 0 },
  { "304 with chunked", "GET", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    NO_ERROR, HTTPLIB_BODY_NONE, 0 },
  { "205 is not 204", "GET", "HTTP/1.1 205 Reset\r\nContent-Length: 0\r\n\r\n", NO_ERROR,
    HTTPLIB_BODY_LENGTH, 0 },
  { "200 to CONNECT", "CONNECT", OK_200 ("Content-Length: 5\r\n"), NO_ERROR, HTTPLIB_BODY_NONE, 0 },
  { "407 to CONNECT", "CONNECT", "HTTP/1.1 407 Auth\r\nContent-Length: 5\r\n\r\n", NO_ERROR,
    HTTPLIB_BODY_LENGTH, 5 },
  { "404 to GET", "GET", "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n", NO_ERROR,
    HTTPLIB_BODY_LENGTH, 9 },
};

typedef struct {
  const char *desc;
  const char *head;
  guint       framing;
  gint64      content_length;
} FramingRow;

static const FramingRow framing_rows[] = {
  { "none", OK_200 ("Server: x\r\n"), 0, -1 },
  { "all five, any case", OK_200 ("CONTENT-length: 7\r\ntransfer-ENCODING: chunked\r\n"
                                  "connection: close\r\nKEEP-ALIVE: 5\r\nProxy-Connection: x\r\n"),
    HTTPLIB_FRAMING_CONTENT_LENGTH | HTTPLIB_FRAMING_TRANSFER_ENCODING |
    HTTPLIB_FRAMING_CONNECTION | HTTPLIB_FRAMING_KEEP_ALIVE | HTTPLIB_FRAMING_PROXY_CONNECTION, 7 },
  { "same lengths, other names", OK_200 ("Connectiox: a\r\nContent-Lengtx: 5\r\n"
                                         "Keep-Alivex: 1\r\nTransfer-Encodinx: x\r\n"), 0, -1 },
  { "two agreeing lengths", OK_200 ("Content-Length: 5\r\nContent-Length: 005\r\n"),
    HTTPLIB_FRAMING_CONTENT_LENGTH, 5 },
  { "a list is looked at later", OK_200 ("Content-Length: 5, 5\r\n"),
    HTTPLIB_FRAMING_CONTENT_LENGTH, HTTPLIB_CONTENT_LENGTH_RECHECK },
  { "disagreeing lengths", OK_200 ("Content-Length: 5\r\nContent-Length: 6\r\n"),
    HTTPLIB_FRAMING_CONTENT_LENGTH, HTTPLIB_CONTENT_LENGTH_RECHECK },
  { "a folded length", OK_200 ("Content-Length: 5\r\n 5\r\n"),
    HTTPLIB_FRAMING_CONTENT_LENGTH, HTTPLIB_CONTENT_LENGTH_RECHECK },
  { "a fold of another field", OK_200 ("Content-Length: 5\r\nServer: a\r\n b\r\n"),
    HTTPLIB_FRAMING_CONTENT_LENGTH, 5 },
};

/* What the parser notes for the framing while it reads the fields. */
START_TEST (test_framing_notes)
{
  const FramingRow *row = &framing_rows[_i];
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  gsize consumed;

  httplib_head_parser_init (&parser, TRUE);
  ck_assert_int_eq (httplib_head_parser_feed (&parser, row->head, strlen (row->head),
                                              &consumed, &error),
                    HTTPLIB_PARSE_DONE);
  ck_assert_msg (parser.framing == row->framing, "%s: framing %#x, expected %#x",
                 row->desc, parser.framing, row->framing);
  ck_assert_msg (parser.content_length == row->content_length,
                 "%s: content length %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
                 row->desc, parser.content_length, row->content_length);
  httplib_head_parser_clear (&parser);
}
END_TEST

START_TEST (test_body_mode)
{
  const BodyRow *row = &body_rows[_i];
  HttplibHeadParser parser;
  g_autoptr (GError) error = NULL;
  HttplibBodyMode mode = 99;
  gint64 length = 99;
  gsize consumed;
  gboolean ok;

  httplib_head_parser_init (&parser, FALSE);
  ck_assert_int_eq (httplib_head_parser_feed (&parser, row->head, strlen (row->head),
                                              &consumed, &error),
                    HTTPLIB_PARSE_DONE);
  ok = httplib_body_mode_from_head (&parser, row->method, &mode, &length, &error);
  assert_code (row->desc, error, row->code);
  ck_assert_msg (ok == (row->code == NO_ERROR), "%s: expected %d, got %d",
                 row->desc, row->code == NO_ERROR, ok);
  if (ok)
    {
      ck_assert_msg (mode == row->mode, "%s: expected mode %d, got %d", row->desc, row->mode, mode);
      ck_assert_msg (length == row->length, "%s: expected length %" G_GINT64_FORMAT
                     ", got %" G_GINT64_FORMAT, row->desc, row->length, length);
    }
  httplib_head_parser_clear (&parser);
}
END_TEST

/* --- shared helpers --- */

typedef struct {
  const char *desc;
  const char *input;
  gsize       len;
  gboolean    ok;
  gint64      value;
} NumberRow;

static const NumberRow number_rows[] = {
  { "zero", S ("0"), TRUE, 0 },
  { "digits", S ("1234567890"), TRUE, 1234567890 },
  { "leading zeros", S ("000"), TRUE, 0 },
  { "largest", S ("9223372036854775807"), TRUE, G_MAXINT64 },
  { "largest + 1", S ("9223372036854775808"), FALSE },
  { "largest * 10", S ("92233720368547758070"), FALSE },
  { "empty", S (""), FALSE },
  { "plus", S ("+5"), FALSE },
  { "minus", S ("-5"), FALSE },
  { "space", S (" 5"), FALSE },
  { "trailing space", S ("5 "), FALSE },
  { "underscore", S ("5_0"), FALSE },
  { "hex", S ("0x10"), FALSE },
  { "NUL", S ("5\0"), FALSE },
};

START_TEST (test_content_length)
{
  const NumberRow *row = &number_rows[_i];
  gint64 value = -7;
  gboolean ok = httplib_parse_content_length (row->input, row->len, &value);

  ck_assert_msg (ok == row->ok, "%s: expected %d, got %d", row->desc, row->ok, ok);
  ck_assert_msg (value == (ok ? row->value : -7), "%s: expected value %" G_GINT64_FORMAT
                 ", got %" G_GINT64_FORMAT, row->desc, ok ? row->value : -7, value);
}
END_TEST

typedef struct {
  const char *desc;
  const char *input;
  gsize       len;
  gboolean    ok;
} TokenRow;

static const TokenRow token_rows[] = {
  { "word", S ("Content-Type"), TRUE },
  { "every tchar", S ("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    TRUE },
  { "empty", S (""), FALSE },
  { "space", S ("a b"), FALSE },
  { "tab", S ("a\tb"), FALSE },
  { "colon", S ("a:"), FALSE },
  { "separators", S ("(),/;<=>?@[\\]{}\""), FALSE },
  { "DEL", S ("\x7f"), FALSE },
  { "high byte", S ("\x80"), FALSE },
  { "NUL", S ("a\0"), FALSE },
  { "CR", S ("a\r"), FALSE },
};

START_TEST (test_is_token)
{
  const TokenRow *row = &token_rows[_i];
  gboolean ok = httplib_is_token (row->input, row->len);

  ck_assert_msg (ok == row->ok, "%s: expected %d, got %d", row->desc, row->ok, ok);
  /* Separators fail one by one too. */
  if (!row->ok)
    for (gsize i = 0; i < row->len; i++)
      if (!g_ascii_isalnum (row->input[i]))
        ck_assert_msg (!httplib_is_token (row->input + i, 1), "%s: byte 0x%02x is a token",
                       row->desc, (guchar) row->input[i]);
}
END_TEST

/* --- chunked --- */

typedef struct {
  HttplibParseResult result;
  GError            *error;
  GString           *body;
  char              *trailers;  /* dump, NULL when no trailer came */
  gsize              left;      /* bytes after the end */
  HttplibChunkStage  stage;
} Decoded;

static void
decoded_clear (Decoded *decoded)
{
  g_clear_error (&decoded->error);
  g_string_free (decoded->body, TRUE);
  g_free (decoded->trailers);
}

/* Plays the caller as feed_head() does, and takes data bytes straight from
 * the buffer whenever the decoder stops at stage DATA. */
static void
decode (const char *input,
        gsize       len,
        gsize       first,
        gsize       step,
        Decoded    *out)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  HttplibChunkDecoder decoder;
  gsize given = 0;
  gsize piece = first;

  memset (out, 0, sizeof *out);
  out->body = g_string_new (NULL);
  httplib_chunk_decoder_init (&decoder);
  for (;;)
    {
      gsize n = piece == 0 ? len - given : MIN (piece, len - given);

      g_byte_array_append (buf, (const guint8 *) input + given, n);
      given += n;
      for (;;)
        {
          gsize consumed = 0;

          if (decoder.stage == HTTPLIB_CHUNK_DATA)
            {
              gsize take = MIN (decoder.remaining, buf->len);

              if (take == 0)
                break;
              g_string_append_len (out->body, (const char *) buf->data, take);
              httplib_chunk_decoder_take (&decoder, take);
              g_byte_array_remove_range (buf, 0, take);
              continue;
            }
          out->result = httplib_chunk_decoder_feed (&decoder, (const char *) buf->data, buf->len,
                                                    &consumed, &out->error);
          ck_assert_msg (consumed <= buf->len, "consumed %" G_GSIZE_FORMAT " of %u",
                         consumed, buf->len);
          g_byte_array_remove_range (buf, 0, consumed);
          if (out->result != HTTPLIB_PARSE_NEED_MORE)
            goto out;
          if (decoder.stage != HTTPLIB_CHUNK_DATA)
            break;
        }
      if (given == len)
        break;
      piece = step;
    }

out:
  out->left = buf->len + (len - given);
  out->stage = decoder.stage;
  if (decoder.trailers != NULL)
    out->trailers = test_headers_dump (decoder.trailers);
  httplib_chunk_decoder_clear (&decoder);
}

static char *
describe_decoded (const Decoded *d)
{
  if (d->result == HTTPLIB_PARSE_ERROR)
    return g_strdup_printf ("error %s: %s, body '%s'", code_name (d->error->code),
                            d->error->message, d->body->str);

  return g_strdup_printf ("%s at stage %d, body '%s', %" G_GSIZE_FORMAT " left, trailers\n%s",
                          d->result == HTTPLIB_PARSE_DONE ? "done" : "need more", d->stage,
                          d->body->str, d->left, d->trailers ? d->trailers : "(none)");
}

typedef struct {
  const char *desc;
  const char *input;
  gsize       len;
  int         code;
  gboolean    done;      /* FALSE: NEED_MORE at the end of input */
  const char *body;
  const char *trailers;  /* NULL: none */
  gsize       left;      /* bytes after the end, or not yet used */
} ChunkRow;

static const ChunkRow chunk_rows[] = {
  { "one chunk", S ("5\r\nhello\r\n0\r\n\r\n"), NO_ERROR, TRUE, "hello" },
  { "two chunks", S ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), NO_ERROR, TRUE, "hello world" },
  { "no data", S ("0\r\n\r\n"), NO_ERROR, TRUE, "" },
  { "upper-case hex", S ("A\r\n0123456789\r\n0\r\n\r\n"), NO_ERROR, TRUE, "0123456789" },
  { "lower-case hex", S ("a\r\n0123456789\r\n0\r\n\r\n"), NO_ERROR, TRUE, "0123456789" },
  { "hex 1F", S ("1F\r\n0123456789abcdefghijklmnopqrstu\r\n0\r\n\r\n"), NO_ERROR, TRUE,
    "0123456789abcdefghijklmnopqrstu" },
  { "16 hex digits", S ("0000000000000005\r\nhello\r\n0000000000000000\r\n\r\n"), NO_ERROR, TRUE,
    "hello" },
  { "extensions", S ("5;name=value\r\nhello\r\n0;last;x=\"y\"\r\n\r\n"), NO_ERROR, TRUE, "hello" },
  { "whitespace before extension", S ("5 ;a\r\nhello\r\n0\t;b\r\n\r\n"), NO_ERROR, TRUE, "hello" },
  { "trailing whitespace", S ("5 \t\r\nhello\r\n0 \r\n\r\n"), NO_ERROR, TRUE, "hello" },
  { "LF only", S ("5\nhello\n0\n\n"), NO_ERROR, TRUE, "hello" },
  { "data with CRLF inside", S ("4\r\n\r\n\r\n\r\n0\r\n\r\n"), NO_ERROR, TRUE, "\r\n\r\n" },
  { "bytes after the end stay", S ("0\r\n\r\nHTTP/1.1"), NO_ERROR, TRUE, "", NULL, 8 },
  { "trailers", S ("3\r\nabc\r\n0\r\nX-Sum: 123\r\nx-other:  y \r\n\r\n"), NO_ERROR, TRUE, "abc",
    "X-Sum: 123\nx-other: y\n" },
  { "folded trailer", S ("0\r\nX: a\r\n b\r\n\r\n"), NO_ERROR, TRUE, "", "X: a b\n" },
  { "trailers LF only", S ("0\nX: 1\n\n"), NO_ERROR, TRUE, "", "X: 1\n" },
  { "cut in size", S ("1"), NO_ERROR, FALSE, "", NULL, 1 },
  { "cut in data", S ("5\r\nhel"), NO_ERROR, FALSE, "hel" },
  { "cut after data", S ("5\r\nhello\r"), NO_ERROR, FALSE, "hello", NULL, 1 },
  { "cut in trailers", S ("0\r\nX: 1\r\n"), NO_ERROR, FALSE, "", "X: 1\n" },
  { "empty size", S ("\r\nhello\r\n0\r\n\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "only an extension", S (";x\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "17 hex digits", S ("00000000000000005\r\nhello\r\n0\r\n\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "0x10", S ("0x10\r\n0123456789abcdef\r\n0\r\n\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "negative", S ("-1\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "plus", S ("+5\r\nhello\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "space before size", S (" 5\r\nhello\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "not hex", S ("5g\r\nhello\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "words", S ("five\r\nhello\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "space inside size", S ("5 5\r\nhello\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "bare CR in size line", S ("5;a\rb\r\nhello\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "NUL in size line", S ("5;\0\r\nhello\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "missing CRLF after data", S ("5\r\nhelloX\r\n0\r\n\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "CR without LF after data", S ("5\r\nhello\rX0\r\n\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "data longer than its size", S ("3\r\nhello\r\n0\r\n\r\n"), HTTPLIB_ERROR_BAD_FRAMING },
  { "trailer without colon", S ("0\r\nnocolon\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "trailer bad name", S ("0\r\nX Y: 1\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "trailer NUL", S ("0\r\nX: a\0b\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "trailer bare CR", S ("0\r\nX: a\rb\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
  { "trailer fold first", S ("0\r\n X: 1\r\n\r\n"), HTTPLIB_ERROR_INVALID_HEADER },
};

START_TEST (test_chunked)
{
  const ChunkRow *row = &chunk_rows[_i];
  Decoded d;

  decode (row->input, row->len, row->len, 0, &d);
  assert_code (row->desc, d.error, row->code);
  if (row->code == NO_ERROR)
    {
      HttplibParseResult expected = row->done ? HTTPLIB_PARSE_DONE : HTTPLIB_PARSE_NEED_MORE;

      ck_assert_msg (d.result == expected, "%s: expected %d, got %d", row->desc, expected, d.result);
      ck_assert_msg (strcmp (d.body->str, row->body) == 0, "%s: expected body '%s', got '%s'",
                     row->desc, row->body, d.body->str);
      ck_assert_msg (g_strcmp0 (d.trailers, row->trailers) == 0,
                     "%s: expected trailers\n%s\ngot\n%s", row->desc,
                     row->trailers ? row->trailers : "(none)", d.trailers ? d.trailers : "(none)");
      ck_assert_msg (d.left == row->left, "%s: expected %" G_GSIZE_FORMAT " bytes left, got %"
                     G_GSIZE_FORMAT, row->desc, row->left, d.left);
    }
  else
    ck_assert_msg (d.result == HTTPLIB_PARSE_ERROR, "%s: expected ERROR, got %d",
                   row->desc, d.result);
  decoded_clear (&d);
}
END_TEST

START_TEST (test_chunked_split)
{
  const ChunkRow *row = &chunk_rows[_i];
  Decoded d;
  g_autofree char *whole = NULL;
  g_autofree char *bytewise = NULL;

  decode (row->input, row->len, row->len, 0, &d);
  whole = describe_decoded (&d);
  decoded_clear (&d);
  decode (row->input, row->len, 1, 1, &d);
  bytewise = describe_decoded (&d);
  decoded_clear (&d);
  ck_assert_msg (strcmp (whole, bytewise) == 0, "%s, byte by byte: expected\n%s\ngot\n%s",
                 row->desc, whole, bytewise);

  for (gsize cut = 0; cut <= row->len; cut++)
    {
      g_autofree char *split = NULL;

      decode (row->input, row->len, cut, 0, &d);
      split = describe_decoded (&d);
      decoded_clear (&d);
      ck_assert_msg (strcmp (whole, split) == 0,
                     "%s, split at %" G_GSIZE_FORMAT ": expected\n%s\ngot\n%s",
                     row->desc, cut, whole, split);
    }
}
END_TEST

START_TEST (test_chunk_data_path)
{
  HttplibChunkDecoder decoder;
  g_autoptr (GError) error = NULL;
  gsize consumed;

  httplib_chunk_decoder_init (&decoder);
  ck_assert_int_eq (decoder.stage, HTTPLIB_CHUNK_SIZE);

  /* The size line is used; the decoder stops where data starts. */
  ck_assert_int_eq (httplib_chunk_decoder_feed (&decoder, "5\r\nhel", 6, &consumed, &error),
                    HTTPLIB_PARSE_NEED_MORE);
  ck_assert_uint_eq (consumed, 3);
  ck_assert_int_eq (decoder.stage, HTTPLIB_CHUNK_DATA);
  ck_assert_uint_eq (decoder.remaining, 5);

  httplib_chunk_decoder_take (&decoder, 3);
  ck_assert_int_eq (decoder.stage, HTTPLIB_CHUNK_DATA);
  ck_assert_uint_eq (decoder.remaining, 2);

  /* Feeding inside data does nothing: the caller takes data first. */
  ck_assert_int_eq (httplib_chunk_decoder_feed (&decoder, "lo\r\n", 4, &consumed, &error),
                    HTTPLIB_PARSE_NEED_MORE);
  ck_assert_uint_eq (consumed, 0);

  httplib_chunk_decoder_take (&decoder, 2);
  ck_assert_int_eq (decoder.stage, HTTPLIB_CHUNK_DATA_END);
  ck_assert_uint_eq (decoder.remaining, 0);

  ck_assert_int_eq (httplib_chunk_decoder_feed (&decoder, "\r", 1, &consumed, &error),
                    HTTPLIB_PARSE_NEED_MORE);
  ck_assert_uint_eq (consumed, 0);
  ck_assert_int_eq (httplib_chunk_decoder_feed (&decoder, "\r\n0\r\nA: 1\r\n\r\nnext", 17,
                                                &consumed, &error),
                    HTTPLIB_PARSE_DONE);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (consumed, 13);
  ck_assert_int_eq (decoder.stage, HTTPLIB_CHUNK_DONE);

  /* Trailers stay readable after DONE, and DONE stays DONE. */
  ck_assert_ptr_nonnull (decoder.trailers);
  ck_assert_str_eq (httplib_headers_get_one (decoder.trailers, "a"), "1");
  ck_assert_int_eq (httplib_chunk_decoder_feed (&decoder, "next", 4, &consumed, &error),
                    HTTPLIB_PARSE_DONE);
  ck_assert_uint_eq (consumed, 0);
  httplib_chunk_decoder_clear (&decoder);
}
END_TEST

typedef struct {
  const char *desc;
  const char *line;
  guint64     size;
} SizeRow;

static const SizeRow size_rows[] = {
  { "1", "1\r\n", 1 },
  { "largest", "ffffffffffffffff\r\n", G_MAXUINT64 },
  { "largest upper-case", "FFFFFFFFFFFFFFFF\r\n", G_MAXUINT64 },
  { "16 digits", "123456789abcdef0\r\n", G_GUINT64_CONSTANT (0x123456789abcdef0) },
  { "mixed case", "aBcD\n", 0xabcd },
};

START_TEST (test_chunk_size)
{
  const SizeRow *row = &size_rows[_i];
  HttplibChunkDecoder decoder;
  g_autoptr (GError) error = NULL;
  gsize consumed;

  httplib_chunk_decoder_init (&decoder);
  ck_assert_int_eq (httplib_chunk_decoder_feed (&decoder, row->line, strlen (row->line),
                                                &consumed, &error),
                    HTTPLIB_PARSE_NEED_MORE);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (consumed, strlen (row->line));
  ck_assert_int_eq (decoder.stage, HTTPLIB_CHUNK_DATA);
  ck_assert_msg (decoder.remaining == row->size, "%s: expected %" G_GUINT64_FORMAT
                 ", got %" G_GUINT64_FORMAT, row->desc, row->size, decoder.remaining);
  httplib_chunk_decoder_clear (&decoder);
}
END_TEST

START_TEST (test_chunk_messages)
{
  HttplibChunkDecoder decoder;
  g_autoptr (GError) error = NULL;
  gsize consumed;

  httplib_chunk_decoder_init (&decoder);
  httplib_chunk_decoder_feed (&decoder, "0x10;a\r\n", 8, &consumed, &error);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_FRAMING);
  ck_assert_str_eq (error->message, "invalid chunk size '0x10;a'");
  httplib_chunk_decoder_clear (&decoder);
  g_clear_error (&error);

  httplib_chunk_decoder_init (&decoder);
  httplib_chunk_decoder_feed (&decoder, "1\r\nab", 6, &consumed, &error);
  ck_assert_uint_eq (consumed, 3);
  httplib_chunk_decoder_take (&decoder, 1);
  httplib_chunk_decoder_feed (&decoder, "b", 1, &consumed, &error);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_BAD_FRAMING);
  ck_assert_str_eq (error->message, "missing CRLF after chunk data");
  httplib_chunk_decoder_clear (&decoder);
}
END_TEST

START_TEST (test_chunk_preconditions)
{
  HttplibChunkDecoder decoder;
  gsize consumed;

  httplib_chunk_decoder_init (&decoder);
  assert_one_critical (httplib_chunk_decoder_take (&decoder, 1));
  ck_assert_int_eq (decoder.stage, HTTPLIB_CHUNK_SIZE);
  httplib_chunk_decoder_feed (&decoder, "2\r\n", 3, &consumed, NULL);
  assert_one_critical (httplib_chunk_decoder_take (&decoder, 3));
  ck_assert_uint_eq (decoder.remaining, 2);
  httplib_chunk_decoder_clear (&decoder);
}
END_TEST

Suite *
parser_suite (void)
{
  Suite *suite = suite_create ("parser");
  TCase *tc;

  tc = tcase_create ("status-line");
  tcase_add_loop_test (tc, test_status_line, 0, G_N_ELEMENTS (status_rows));
  tcase_add_loop_test (tc, test_status_line_split, 0, G_N_ELEMENTS (status_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("fields");
  tcase_add_loop_test (tc, test_fields, 0, G_N_ELEMENTS (field_rows));
  tcase_add_loop_test (tc, test_fields_split, 0, G_N_ELEMENTS (field_rows));
  tcase_add_test (tc, test_head_leaves_body);
  tcase_add_test (tc, test_head_scanned);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("end-of-stream");
  tcase_add_loop_test (tc, test_finish, 0, G_N_ELEMENTS (finish_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("messages");
  tcase_add_loop_test (tc, test_messages, 0, G_N_ELEMENTS (message_rows));
  tcase_add_test (tc, test_message_truncated);
  tcase_add_test (tc, test_chunk_messages);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("limits");
  tcase_add_loop_test (tc, test_line_length, 0, G_N_ELEMENTS (line_rows));
  tcase_add_loop_test (tc, test_field_count, 0, G_N_ELEMENTS (count_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("body-mode");
  tcase_add_loop_test (tc, test_body_mode, 0, G_N_ELEMENTS (body_rows));
  tcase_add_loop_test (tc, test_framing_notes, 0, G_N_ELEMENTS (framing_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("helpers");
  tcase_add_loop_test (tc, test_content_length, 0, G_N_ELEMENTS (number_rows));
  tcase_add_loop_test (tc, test_is_token, 0, G_N_ELEMENTS (token_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("chunked");
  tcase_add_loop_test (tc, test_chunked, 0, G_N_ELEMENTS (chunk_rows));
  tcase_add_loop_test (tc, test_chunked_split, 0, G_N_ELEMENTS (chunk_rows));
  tcase_add_loop_test (tc, test_chunk_size, 0, G_N_ELEMENTS (size_rows));
  tcase_add_test (tc, test_chunk_data_path);
  tcase_add_test (tc, test_chunk_preconditions);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (parser_suite)
