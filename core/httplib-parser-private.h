/* httplib-parser-private.h: the response parser, pure code over byte buffers
 *
 * No I/O and no GObject here: the caller owns the read buffer and feeds it in.
 * Lines end with "\n" (a preceding "\r" is dropped), as CPython accepts.
 */
#pragma once

#include <glib.h>
#include "httplib-headers.h"

G_BEGIN_DECLS

/* Every limit on what a server may send, in one place. The README's
 * "Limits" table and HttplibError's documentation give the same numbers;
 * tests/test-limits.c checks each at its boundary. */

/* Bytes of one line before its "\n" (a "\r" before it included): status
 * line, header and trailer lines, chunk-size lines. LINE_TOO_LONG. */
#define HTTPLIB_MAX_LINE              65536   /* CPython's _MAXLINE */
/* Field lines of a head, folded lines counted; the same for the trailer
 * section. TOO_MANY_HEADERS. */
#define HTTPLIB_MAX_HEADERS           100     /* CPython's _MAXHEADERS */
/* Bytes of a head: status line, field lines and the empty line, with their
 * line endings. TOO_MANY_HEADERS. */
#define HTTPLIB_MAX_HEADER_BYTES      (256 * 1024)
/* Bytes of a trailer section: field lines and the empty line that ends it,
 * with their line endings (not the last-chunk line). TOO_MANY_HEADERS. */
#define HTTPLIB_MAX_TRAILER_BYTES     (256 * 1024)
/* Hex digits of a chunk size (leading zeros count), so it fits 64 bits.
 * BAD_FRAMING. */
#define HTTPLIB_MAX_CHUNK_SIZE_DIGITS 16
/* Interim (1xx but 101) responses skipped before the final one; CPython
 * skips any number. TOO_MANY_HEADERS. */
#define HTTPLIB_MAX_INTERIM_RESPONSES 100

typedef enum {
  HTTPLIB_PARSE_ERROR = -1,      /* *error is set */
  HTTPLIB_PARSE_NEED_MORE = 0,   /* feed more bytes (after those consumed) */
  HTTPLIB_PARSE_DONE = 1,        /* the head (or the body framing) is complete */
} HttplibParseResult;

/* --- The head: status line and header fields --- */

typedef enum {
  HTTPLIB_HEAD_STATUS,
  HTTPLIB_HEAD_FIELDS,
  HTTPLIB_HEAD_DONE,
} HttplibHeadStage;

/* The fields that frame the body, noted by the head parser as it meets
 * them, so the framing is decided without looking fields up. */
typedef enum {
  HTTPLIB_FRAMING_CONTENT_LENGTH    = 1 << 0,
  HTTPLIB_FRAMING_TRANSFER_ENCODING = 1 << 1,
  HTTPLIB_FRAMING_CONNECTION        = 1 << 2,
  HTTPLIB_FRAMING_KEEP_ALIVE        = 1 << 3,
  HTTPLIB_FRAMING_PROXY_CONNECTION  = 1 << 4,
} HttplibFramingFields;

/* HttplibHeadParser.content_length when its fields need a second look: an
 * element that is not a plain number, a list, values that differ, a fold. */
#define HTTPLIB_CONTENT_LENGTH_RECHECK (-2)

typedef struct {
  /* settings */
  gboolean        strict;      /* FALSE accepts HTTP/0.9 (no status line) */
  /* results, valid once DONE */
  guint           version;     /* 9, 10 or 11 */
  guint           status;      /* 100..999 */
  char           *reason;      /* owned; may be "" */
  HttplibHeaders *headers;     /* owned; fields in order as received */
  gboolean        http09;      /* the "status line" was body: nothing consumed */
  guint           framing;     /* HttplibFramingFields of the fields met */
  gint64          content_length; /* -1 when none, or HTTPLIB_CONTENT_LENGTH_RECHECK */
  /* private */
  guint           last_framing; /* the bit of the last field, which a fold extends */
  HttplibHeadStage stage;
  guint           n_fields;
  gsize           n_bytes;     /* bytes of complete lines so far */
  gsize           scanned;     /* bytes already searched for "\n" */
} HttplibHeadParser;

void               httplib_head_parser_init  (HttplibHeadParser *parser,
                                              gboolean           strict);
void               httplib_head_parser_clear (HttplibHeadParser *parser);
/* Clears and frees a parser made with g_new0(). */
void               httplib_head_parser_free  (HttplibHeadParser *parser);

/* Parses complete lines from buf[0..len). *consumed is the number of bytes
 * used (always whole lines); the caller drops them and feeds the rest plus
 * new bytes next time (`scanned` assumes the unconsumed bytes come back
 * unchanged at the start of buf). A line is the bytes before its "\n", "\r"
 * included, and may hold HTTPLIB_MAX_LINE bytes: if the first
 * HTTPLIB_MAX_LINE + 1 bytes of a line hold no "\n", it fails with
 * LINE_TOO_LONG ("got more than 65536 bytes when reading status line" /
 * "header line"). Field line 101 (folded lines count) fails with
 * TOO_MANY_HEADERS ("got more than 100 headers"), and so does a complete
 * line that takes the head past HTTPLIB_MAX_HEADER_BYTES ("got more than
 * 262144 bytes of headers"), checked before the line is parsed. Once DONE,
 * further feeds return DONE and consume nothing.
 *
 * Status line: "HTTP/1.0" -> 10, "HTTP/1.<digit>" -> 11, other "HTTP/<x>"
 * -> UNKNOWN_PROTOCOL (also "HTTP/0.9 200 OK"), a status that is not three
 * digits 100..999, a missing "HTTP/" version, NUL or a bare CR ->
 * BAD_STATUS_LINE (message quotes the line, escaped, at most 80 bytes).
 * Parts are split at runs of SP/HTAB; the reason is trimmed and may be "".
 * When not strict, a response whose first bytes cannot begin "HTTP/" is
 * HTTP/0.9, decided without waiting for "\n": DONE with http09 TRUE,
 * version 9, status 200, reason "", *consumed 0. An empty line before the
 * status line is BAD_STATUS_LINE when strict, HTTP/0.9 otherwise.
 *
 * Header fields: "name: value"; the name must be an RFC 9110 token, the
 * value has leading/trailing SP/HTAB stripped. Obsolete line folding (a
 * line starting with SP or HTAB) is joined to the previous value with one
 * space (a fold before the first field is INVALID_HEADER). A line without
 * a colon, a name that is not a token (so whitespace before the colon too),
 * NUL, or a bare CR inside a field, fails with INVALID_HEADER. */
HttplibParseResult httplib_head_parser_feed  (HttplibHeadParser *parser,
                                              const char        *buf,
                                              gsize              len,
                                              gsize             *consumed,
                                              GError           **error);

/* For the end of the stream, after feed() said NEED_MORE: buf[0..len) are
 * the bytes still unconsumed. Nothing at all before the status line fails
 * with REMOTE_DISCONNECTED ("Remote end closed connection without
 * response"); when not strict, a short prefix of "HTTP/" is an HTTP/0.9
 * body (left in buf). Otherwise, as CPython does, the end of the stream
 * ends the last line and the head: that line is parsed (errors as in
 * feed()) and the head is DONE, with nothing of the body left. */
gboolean           httplib_head_parser_finish (HttplibHeadParser *parser,
                                               const char        *buf,
                                               gsize              len,
                                               GError           **error);

/* Trailer fields after the last chunk: same rules as header fields, ended
 * by an empty line; they go into `trailers`. Limits as for headers, with
 * the messages "got more than 65536 bytes when reading trailer line",
 * "got more than 100 headers" and "got more than 262144 bytes of
 * trailers". */

/* --- The body framing --- */

typedef enum {
  HTTPLIB_BODY_NONE,      /* no body: HEAD, 1xx, 204, 304 */
  HTTPLIB_BODY_LENGTH,    /* Content-Length */
  HTTPLIB_BODY_CHUNKED,   /* Transfer-Encoding: chunked */
  HTTPLIB_BODY_UNTIL_EOF, /* neither: read until the server closes */
} HttplibBodyMode;

/* Decides how the body is framed from the parsed head and the request
 * method, as RFC 9112 section 6.3 and CPython do. In order: HTTP/0.9 ->
 * UNTIL_EOF; "HEAD", 1xx, 204, 304, or 2xx to "CONNECT" -> NONE whatever the
 * fields say; Transfer-Encoding together with Content-Length ->
 * BAD_FRAMING; the Transfer-Encoding values (all fields, joined) other than
 * exactly "chunked" (any case, surrounding SP/HTAB ok) ->
 * UNKNOWN_TRANSFER_ENCODING, else CHUNKED; a Content-Length element (fields
 * and comma lists, SP/HTAB trimmed) that is not 1*DIGIT or overflows gint64,
 * or elements that differ -> BAD_FRAMING, else LENGTH; else UNTIL_EOF.
 * *length is the Content-Length for LENGTH, 0 for NONE, -1 otherwise.
 * On failure the caller closes the connection. */
gboolean httplib_body_mode_from_head (const HttplibHeadParser *head,
                                      const char              *method,
                                      HttplibBodyMode         *mode,
                                      gint64                  *length,
                                      GError                 **error);

typedef enum {
  HTTPLIB_CHUNK_SIZE,      /* expecting a chunk-size line */
  HTTPLIB_CHUNK_DATA,      /* inside chunk data: `remaining` bytes left */
  HTTPLIB_CHUNK_DATA_END,  /* expecting CRLF after the data */
  HTTPLIB_CHUNK_TRAILERS,  /* after the last chunk: trailer fields */
  HTTPLIB_CHUNK_DONE,
} HttplibChunkStage;

typedef struct {
  HttplibChunkStage stage;
  guint64           remaining;  /* data bytes left in this chunk */
  HttplibHeaders   *trailers;   /* owned, created on first trailer field */
  guint             n_trailers;
  gsize             trailer_bytes;
  gsize             scanned;
} HttplibChunkDecoder;

void               httplib_chunk_decoder_init  (HttplibChunkDecoder *decoder);
void               httplib_chunk_decoder_clear (HttplibChunkDecoder *decoder);

/* Consumes framing bytes (size lines, the CRLF after data, trailers) from
 * buf[0..len) until it reaches chunk data or the end. Like the head parser,
 * the caller drops *consumed bytes and feeds the rest back first.
 *  - returns NEED_MORE with stage DATA and remaining > 0: the next
 *    `remaining` bytes of the stream are body data; the caller takes them
 *    (from buf+*consumed or straight from the stream) and reports them with
 *    httplib_chunk_decoder_take().
 *  - returns NEED_MORE with another stage: an incomplete framing line; feed
 *    more bytes.
 *  - returns DONE: the zero chunk and trailers were read.
 * Chunk size: 1 to 16 hex digits, optionally followed by ";extensions"
 * (ignored) and optional whitespace before them or at the end; a 17th
 * digit is BAD_FRAMING ("chunk size has more than 16 hex digits: '...'"),
 * anything else, NUL or a bare CR included, is BAD_FRAMING ("invalid chunk
 * size 'xyz'"). A size line over
 * HTTPLIB_MAX_LINE is LINE_TOO_LONG ("... when reading chunk size"). Data
 * not followed by CRLF (or LF) is BAD_FRAMING. */
HttplibParseResult httplib_chunk_decoder_feed  (HttplibChunkDecoder *decoder,
                                                const char          *buf,
                                                gsize                len,
                                                gsize               *consumed,
                                                GError             **error);
/* Reports n (<= remaining) data bytes taken; at 0 the stage is DATA_END. */
void               httplib_chunk_decoder_take  (HttplibChunkDecoder *decoder,
                                                gsize                n);

/* --- Shared helpers, also used by the request writer --- */

gboolean httplib_is_token        (const char *s, gsize len);  /* RFC 9110 token, non-empty */
gboolean httplib_parse_content_length (const char *s, gsize len, gint64 *value);

G_END_DECLS
