/* httplib-response.c: one response read from a connection
 *
 * The response parses its head from the connection's read buffer in place
 * and then hands out the body, framed by Content-Length, chunked coding or
 * the end of the connection. Small reads are served from the buffer;
 * large ones go straight from the stream into the caller's memory.
 *
 * ```c
 * g_autoptr(HttplibResponse) response = httplib_connection_get_response (conn, NULL, &error);
 * g_print ("%u %s\n", httplib_response_get_status (response),
 *          httplib_response_get_reason (response));
 * g_autoptr(GBytes) body = httplib_response_read (response, -1, NULL, &error);
 * ```
 */
#include "httplib-response-private.h"
#include "httplib-connection-private.h"
#include "httplib-debug-private.h"
#include "httplib-enum-types.h"
#include "httplib-error.h"
#include "httplib-headers-private.h"
#include "httplib-parser-private.h"

#include <string.h>

/* Reads at least this large skip the buffer and land in the caller's memory. */
#define DIRECT_READ_MIN (8 * 1024)

struct _HttplibResponse {
  GObject               parent_instance;

  HttplibConnection    *connection;    /* strong: its stream and buffer are ours to read */
  char                 *method;        /* a GRefString, shared with the connection */
  gboolean              strict;
  int                   debug_level;

  HttplibResponseState  state;
  guint                 version;
  guint                 status;
  char                 *reason;
  HttplibHeaders       *headers;
  HttplibHeaders       *trailers;
  gboolean              will_close;

  HttplibBodyMode       mode;
  gint64                length;        /* Content-Length as sent, or -1 */
  guint64               remaining;     /* LENGTH mode: bytes still to read */
  guint64               body_read;     /* bytes handed to the caller so far */
  HttplibChunkDecoder   chunks;
  GBytes               *partial;       /* what arrived before an IncompleteRead */
  gsize                 gathered;      /* bytes the running read() holds, for its message */
  GHashTable           *joined;        /* name -> "v1, v2" for get_header() */

  gboolean              reading;       /* an async read or the input stream's is under way */
  gboolean              handed_out;    /* get_response gave it out: someone may listen now */
  HttplibHeadParser     head;          /* the head being read, kept across retries */
  gboolean              head_started;
  guint                 interim;       /* interim responses so far */
};

enum {
  PROP_0,
  PROP_STATUS,
  PROP_REASON,
  PROP_VERSION,
  PROP_MSG,
  PROP_STATE,
  PROP_WILL_CLOSE,
  PROP_LENGTH,
  PROP_CHUNKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/**
 * HttplibResponse:
 *
 * One response, as Python's `HTTPResponse`: status, reason, version and
 * headers once httplib_connection_get_response() returns, then the body
 * through httplib_response_read() or httplib_response_read_into().
 *
 * The whole body must be read (or the response closed) before the
 * connection takes its next request.
 */
G_DEFINE_FINAL_TYPE (HttplibResponse, httplib_response, G_TYPE_OBJECT)

static void
set_state (HttplibResponse      *self,
           HttplibResponseState  state)
{
  HttplibResponseState old = self->state;

  if (old == state)
    return;
  self->state = state;
  /* Nobody holds a response get_response() has not returned yet, so
   * nobody can be listening: most responses reach their body unwatched. */
  if (!self->handed_out)
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (g_signal_has_handler_pending (self, signals[SIGNAL_STATE_CHANGED], 0, FALSE))
    g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, old, state);
}

/* The body is over: the connection may take the next request. */
static void
finish_body (HttplibResponse *self)
{
  set_state (self, HTTPLIB_RESPONSE_STATE_COMPLETE);
  if (self->connection)
    httplib_connection_response_complete (self->connection, self, self->will_close);
}

/* Reading failed: the stream is in an unknown place, so the connection closes. */
static void
fail_body (HttplibResponse *self)
{
  if (self->connection)
    httplib_connection_response_abandoned (self->connection, self);
  set_state (self, HTTPLIB_RESPONSE_STATE_CLOSED);
}

static void
httplib_response_dispose (GObject *object)
{
  HttplibResponse *self = HTTPLIB_RESPONSE (object);

  /* Dropped before the end: the rest of the body is still on the wire. */
  if (self->connection && self->state < HTTPLIB_RESPONSE_STATE_COMPLETE)
    httplib_connection_response_abandoned (self->connection, self);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (httplib_response_parent_class)->dispose (object);
}

static void
httplib_response_finalize (GObject *object)
{
  HttplibResponse *self = HTTPLIB_RESPONSE (object);

  g_clear_pointer (&self->method, g_ref_string_release);
  g_free (self->reason);
  g_clear_pointer (&self->headers, httplib_headers_unref);
  g_clear_pointer (&self->trailers, httplib_headers_unref);
  g_clear_pointer (&self->partial, g_bytes_unref);
  g_clear_pointer (&self->joined, g_hash_table_unref);
  httplib_chunk_decoder_clear (&self->chunks);
  if (self->head_started)
    httplib_head_parser_clear (&self->head);

  G_OBJECT_CLASS (httplib_response_parent_class)->finalize (object);
}

static void
httplib_response_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HttplibResponse *self = HTTPLIB_RESPONSE (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_uint (value, self->status);
      break;
    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;
    case PROP_VERSION:
      g_value_set_uint (value, self->version);
      break;
    case PROP_MSG:
      g_value_set_boxed (value, self->headers);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_WILL_CLOSE:
      g_value_set_boolean (value, self->will_close);
      break;
    case PROP_LENGTH:
      g_value_set_int64 (value, httplib_response_get_length (self));
      break;
    case PROP_CHUNKED:
      g_value_set_boolean (value, self->mode == HTTPLIB_BODY_CHUNKED);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_response_class_init (HttplibResponseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = httplib_response_dispose;
  object_class->finalize = httplib_response_finalize;
  object_class->get_property = httplib_response_get_property;

  /**
   * HttplibResponse:status:
   *
   * The status code the server sent (Python's `status`).
   */
  properties[PROP_STATUS] = g_param_spec_uint ("status", NULL, NULL, 0, 999, 0, flags);
  /**
   * HttplibResponse:reason:
   *
   * The reason phrase the server sent (Python's `reason`).
   */
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, flags);
  /**
   * HttplibResponse:version:
   *
   * The server's HTTP version: 9, 10 or 11 (Python's `version`).
   */
  properties[PROP_VERSION] = g_param_spec_uint ("version", NULL, NULL, 0, 11, 0, flags);
  /**
   * HttplibResponse:msg:
   *
   * The response headers (Python's `msg`).
   */
  properties[PROP_MSG] = g_param_spec_boxed ("msg", NULL, NULL, HTTPLIB_TYPE_HEADERS, flags);
  /**
   * HttplibResponse:state:
   *
   * Where the response is: headers, body, complete, closed.
   */
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, HTTPLIB_TYPE_RESPONSE_STATE,
                                              HTTPLIB_RESPONSE_STATE_HEADERS, flags);
  /**
   * HttplibResponse:will-close:
   *
   * Whether the connection closes after this response (CPython's rules:
   * HTTP/1.1 keeps it unless `Connection` says close; HTTP/1.0 keeps it
   * only with keep-alive; a body with no length closes it).
   */
  properties[PROP_WILL_CLOSE] = g_param_spec_boolean ("will-close", NULL, NULL, FALSE, flags);
  /**
   * HttplibResponse:length:
   *
   * The `Content-Length`, 0 for a response without body, -1 when unknown.
   */
  properties[PROP_LENGTH] = g_param_spec_int64 ("length", NULL, NULL, -1, G_MAXINT64, -1, flags);
  /**
   * HttplibResponse:chunked:
   *
   * Whether the body uses chunked transfer coding.
   */
  properties[PROP_CHUNKED] = g_param_spec_boolean ("chunked", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HttplibResponse::state-changed:
   * @response: the response
   * @old_state: the state it left
   * @new_state: the state it entered
   *
   * Emitted on every change of [property@Response:state] once
   * httplib_connection_get_response() (or its async variant) has returned
   * the response: before that nobody can hold it.
   */
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  HTTPLIB_TYPE_RESPONSE_STATE, HTTPLIB_TYPE_RESPONSE_STATE);

  /**
   * HttplibResponse::progress:
   * @response: the response
   * @received: body bytes read so far
   * @total: the body's length from `Content-Length`, or -1 when unknown
   *
   * Emitted after every read that got body bytes, for progress bars.
   * Costs one check per read when nothing is connected.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_UINT64, G_TYPE_INT64);
}

static void
httplib_response_init (HttplibResponse *self)
{
  self->length = -1;
  httplib_chunk_decoder_init (&self->chunks);
}

HttplibResponse *
httplib_response_hand_out (HttplibResponse *response)
{
  response->handed_out = TRUE;
  return response;
}

HttplibResponse *
httplib_response_new (HttplibConnection *connection,
                      char              *method,
                      gboolean           strict,
                      int                debug_level)
{
  HttplibResponse *self = g_object_new (HTTPLIB_TYPE_RESPONSE, NULL);

  self->connection = g_object_ref (connection);
  self->method = g_ref_string_acquire (method);
  self->strict = strict;
  self->debug_level = debug_level;
  return self;
}

/* A case-insensitive search, with no copy of the header value; the values
 * are short, so a plain scan beats strcasestr's set-up. */
static gboolean
contains_ci (const char *haystack,
             const char *needle)
{
  gsize needle_len = strlen (needle);

  if (haystack == NULL)
    return FALSE;
  for (const char *p = haystack; *p != '\0'; p++)
    /* needle is lower case; the compare stops at haystack's NUL. */
    if (((guchar) *p | 0x20) == (guchar) needle[0] && httplib_ascii_case_equal (p, needle, needle_len))
      return TRUE;
  return FALSE;
}

/* CPython's _check_close, word for word in its effect; framing tells
 * which of the fields it reads the head has. */
static gboolean
check_close (HttplibResponse *self,
             guint            framing)
{
  const char *conn = NULL;

  if (framing & HTTPLIB_FRAMING_CONNECTION)
    conn = httplib_headers_get_one (self->headers, "Connection");
  if (self->version == 11)
    return contains_ci (conn, "close");
  if (framing & HTTPLIB_FRAMING_KEEP_ALIVE)
    return FALSE;
  if (contains_ci (conn, "keep-alive"))
    return FALSE;
  if ((framing & HTTPLIB_FRAMING_PROXY_CONNECTION) &&
      contains_ci (httplib_headers_get_one (self->headers, "Proxy-Connection"), "keep-alive"))
    return FALSE;
  return TRUE;
}

static void
debug_headers (HttplibHeaders *headers)
{
  HttplibHeadersIter iter;
  const char *name, *value;

  httplib_headers_iter_init (&iter, headers);
  while (httplib_headers_iter_next (&iter, &name, &value))
    httplib_debug_header (name, value);
}

/* One read into the connection's buffer. Without blocking, a read that
 * would wait fails with G_IO_ERROR_WOULD_BLOCK and changes nothing, so
 * every caller can be retried once more bytes are there. */
static gssize
fill_from (HttplibConnection *connection,
           gboolean           blocking,
           GCancellable      *cancellable,
           GError           **error)
{
  GInputStream *input = connection ? httplib_connection_get_input (connection) : NULL;

  if (input == NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_NOT_CONNECTED,
                           "the connection was closed");
      return -1;
    }
  if (blocking)
    return httplib_connection_fill (connection, cancellable, error);
  return httplib_read_buffer_fill_nonblocking (httplib_connection_get_read_buffer (connection),
                                               input, cancellable, error);
}

static gssize
fill (HttplibResponse *self,
      gboolean         blocking,
      GCancellable    *cancellable,
      GError         **error)
{
  return fill_from (self->connection, blocking, cancellable, error);
}

/* Reads one head (status line and fields) into parser. */
static gboolean
read_head (HttplibConnection *connection,
           int                debug_level,
           HttplibHeadParser *parser,
           gboolean           blocking,
           GCancellable      *cancellable,
           GError           **error)
{
  HttplibReadBuffer *buffer = httplib_connection_get_read_buffer (connection);
  gboolean first = TRUE;

  for (;;)
    {
      gsize consumed = 0;
      HttplibHeadStage before = parser->stage;
      const char *start = httplib_read_buffer_peek (buffer);
      HttplibParseResult result;
      gssize n;

      result = httplib_head_parser_feed (parser, start, httplib_read_buffer_available (buffer),
                                         &consumed, error);
      if (result == HTTPLIB_PARSE_ERROR)
        return FALSE;

      /* The status line is the first line of the feed that left the STATUS stage. */
      if (debug_level > 0 && before == HTTPLIB_HEAD_STATUS &&
          parser->stage != HTTPLIB_HEAD_STATUS && consumed > 0)
        {
          const char *eol = memchr (start, '\n', consumed);

          if (eol != NULL)
            httplib_debug_reply (start, eol - start + 1);
        }
      httplib_read_buffer_consume (buffer, consumed);
      if (result == HTTPLIB_PARSE_DONE)
        return TRUE;

      if (blocking && !httplib_connection_wait_head_input (connection, first, cancellable, error))
        return FALSE;
      first = FALSE;
      n = fill_from (connection, blocking, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          gsize rest = httplib_read_buffer_available (buffer);

          /* The end of the stream ends the head, as CPython reads it; with no
           * bytes at all the server dropped the connection (REMOTE_DISCONNECTED). */
          if (!httplib_head_parser_finish (parser, httplib_read_buffer_peek (buffer), rest, error))
            return FALSE;
          if (!parser->http09)
            httplib_read_buffer_consume (buffer, rest);
          return TRUE;
        }
    }
}

static void
take_head (HttplibResponse   *self,
           HttplibHeadParser *parser)
{
  self->version = parser->version;
  self->status = parser->status;
  g_free (self->reason);
  self->reason = g_steal_pointer (&parser->reason);
  g_clear_pointer (&self->headers, httplib_headers_unref);
  self->headers = parser->headers ? g_steal_pointer (&parser->headers) : httplib_headers_new ();
}

/* Takes the final head and decides the framing and the keep-alive of the
 * body; with must_close the connection closes after it whatever the
 * headers say. */
static gboolean
start_body (HttplibResponse   *self,
            HttplibHeadParser *head,
            gboolean           must_close,
            GError           **error)
{
  guint framing = head->framing;
  gint64 length = -1;
  gboolean ok;

  ok = httplib_body_mode_from_head (head, self->method, &self->mode, &length, error);
  take_head (self, head);
  if (!ok)
    return FALSE;

  self->will_close = must_close || self->version == 9 || self->status == 101 ||
                     check_close (self, framing);
  switch (self->mode)
    {
    case HTTPLIB_BODY_NONE:
      self->length = 0;
      break;
    case HTTPLIB_BODY_LENGTH:
      self->length = length;
      self->remaining = length;
      break;
    case HTTPLIB_BODY_CHUNKED:
      break;
    case HTTPLIB_BODY_UNTIL_EOF:
      /* Only the end of the connection ends this body. */
      self->will_close = TRUE;
      break;
    }

  set_state (self, HTTPLIB_RESPONSE_STATE_BODY);
  if (self->mode == HTTPLIB_BODY_NONE || (self->mode == HTTPLIB_BODY_LENGTH && length == 0))
    finish_body (self);
  return TRUE;
}

static gboolean
is_interim (guint status)
{
  /* Every 1xx but 101 is skipped; 101 ends HTTP on this connection. */
  return status >= 100 && status < 200 && status != 101;
}

/* Reads one head; reports an interim one through the connection's
 * informational signal and counts it against the limit. */
static gboolean
read_one_head (HttplibConnection *connection,
               int                debug_level,
               guint             *interim,
               HttplibHeadParser *parser,
               gboolean           blocking,
               GCancellable      *cancellable,
               GError           **error)
{
  if (!read_head (connection, debug_level, parser, blocking, cancellable, error))
    return FALSE;
  if (debug_level > 0)
    debug_headers (parser->headers);
  if (!is_interim (parser->status))
    return TRUE;

  if (++*interim > HTTPLIB_MAX_INTERIM_RESPONSES)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TOO_MANY_HEADERS,
                   "got more than %d interim responses", HTTPLIB_MAX_INTERIM_RESPONSES);
      return FALSE;
    }
  httplib_connection_emit_informational (connection, parser->status, parser->reason,
                                         parser->headers);
  return TRUE;
}

gboolean
httplib_response_await_continue (HttplibContinueWait *wait,
                                 HttplibConnection   *connection,
                                 gboolean             strict,
                                 int                  debug_level,
                                 gboolean             blocking,
                                 HttplibHeadParser  **final_head,
                                 GCancellable        *cancellable,
                                 GError             **error)
{
  *final_head = NULL;
  for (;;)
    {
      guint status;

      if (wait->parser == NULL)
        {
          wait->parser = g_new0 (HttplibHeadParser, 1);
          httplib_head_parser_init (wait->parser, strict);
        }
      if (!read_one_head (connection, debug_level, &wait->interim, wait->parser, blocking,
                          cancellable, error))
        return FALSE;
      status = wait->parser->status;
      if (!is_interim (status))
        {
          *final_head = g_steal_pointer (&wait->parser);
          return TRUE;
        }
      g_clear_pointer (&wait->parser, httplib_head_parser_free);
      if (status == 100)
        return TRUE;
    }
}

void
httplib_continue_wait_clear (HttplibContinueWait *wait)
{
  g_clear_pointer (&wait->parser, httplib_head_parser_free);
  wait->interim = 0;
}

gboolean
httplib_response_begin (HttplibResponse   *self,
                        HttplibHeadParser *final_head,
                        GCancellable      *cancellable,
                        GError           **error)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (self), FALSE);

  /* Read early, instead of a 100 Continue: the body was never sent, so the
   * server's framing of the rest is unknown and the connection must close. */
  if (final_head != NULL)
    {
      gboolean ok = start_body (self, final_head, TRUE, error);

      httplib_head_parser_free (final_head);
      return ok;
    }
  return httplib_response_begin_step (self, TRUE, cancellable, error);
}

gboolean
httplib_response_begin_step (HttplibResponse *self,
                             gboolean         blocking,
                             GCancellable    *cancellable,
                             GError         **error)
{
  for (;;)
    {
      if (!self->head_started)
        {
          httplib_head_parser_init (&self->head, self->strict);
          self->head_started = TRUE;
        }
      /* Without blocking, WOULD_BLOCK keeps the parser for the next try. */
      if (!read_one_head (self->connection, self->debug_level, &self->interim, &self->head,
                          blocking, cancellable, error))
        return FALSE;
      self->head_started = FALSE;
      if (!is_interim (self->head.status))
        {
          gboolean ok = start_body (self, &self->head, FALSE, error);

          httplib_head_parser_clear (&self->head);
          return ok;
        }
      take_head (self, &self->head);
      httplib_head_parser_clear (&self->head);
    }
}

gboolean
httplib_response_got_nothing (HttplibResponse *self)
{
  HttplibReadBuffer *buffer;

  if (self->connection == NULL || self->interim > 0 ||
      (self->head_started && self->head.stage != HTTPLIB_HEAD_STATUS))
    return FALSE;
  buffer = httplib_connection_get_read_buffer (self->connection);
  return httplib_read_buffer_available (buffer) == 0;
}

gboolean
httplib_response_check_not_reading (HttplibResponse  *self,
                                    GError          **error)
{
  if (!self->reading)
    return TRUE;
  g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE,
                       "another read is in progress on this response");
  return FALSE;
}

void
httplib_response_set_reading (HttplibResponse *self,
                              gboolean         reading)
{
  self->reading = reading;
}

HttplibConnection *
httplib_response_get_connection (HttplibResponse *self)
{
  return self->connection;
}

gboolean
httplib_response_has_buffered_body (HttplibResponse *self)
{
  if (self->state != HTTPLIB_RESPONSE_STATE_BODY || self->connection == NULL)
    return TRUE;  /* a read returns at once: the end, or an error */
  return httplib_read_buffer_available (httplib_connection_get_read_buffer (self->connection)) > 0;
}

void
httplib_response_keep_partial (HttplibResponse *self,
                               GBytes          *partial)
{
  g_clear_pointer (&self->partial, g_bytes_unref);
  self->partial = g_bytes_ref (partial);
}

void
httplib_response_set_gathered (HttplibResponse *self,
                               gsize            gathered)
{
  self->gathered = gathered;
}

void
httplib_response_detach (HttplibResponse *self)
{
  g_return_if_fail (HTTPLIB_IS_RESPONSE (self));

  g_clear_object (&self->connection);
  set_state (self, HTTPLIB_RESPONSE_STATE_CLOSED);
}

/* The server closed before the body's end. */
static void
set_incomplete (HttplibResponse *self,
                GError         **error)
{
  if (self->mode == HTTPLIB_BODY_LENGTH)
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ,
                 "IncompleteRead(%" G_GSIZE_FORMAT " bytes read, %" G_GUINT64_FORMAT " more expected)",
                 self->gathered, self->remaining);
  else
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ,
                 "IncompleteRead(%" G_GSIZE_FORMAT " bytes read)", self->gathered);
}

/* Up to count bytes of the stream: from the buffer when it holds some,
 * else straight into dest for large reads, else through the buffer. */
static gssize
read_raw (HttplibResponse *self,
          void            *dest,
          gsize            count,
          gboolean         blocking,
          GCancellable    *cancellable,
          GError         **error)
{
  HttplibReadBuffer *buffer = httplib_connection_get_read_buffer (self->connection);
  GInputStream *input;
  gssize n;

  if (httplib_read_buffer_available (buffer) > 0)
    return httplib_read_buffer_take (buffer, dest, count);

  input = httplib_connection_get_input (self->connection);
  if (count >= DIRECT_READ_MIN && input != NULL)
    {
      if (blocking)
        return g_input_stream_read (input, dest, count, cancellable, error);
      if (G_IS_POLLABLE_INPUT_STREAM (input) &&
          g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)))
        return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input),
                                                         dest, count, cancellable, error);
    }

  n = fill (self, blocking, cancellable, error);
  if (n <= 0)
    return n;
  return httplib_read_buffer_take (buffer, dest, count);
}

static gssize
read_chunked (HttplibResponse *self,
              void            *dest,
              gsize            count,
              gboolean         blocking,
              GCancellable    *cancellable,
              GError         **error)
{
  HttplibReadBuffer *buffer = httplib_connection_get_read_buffer (self->connection);

  for (;;)
    {
      gsize consumed = 0;
      HttplibParseResult result;
      gssize n;

      result = httplib_chunk_decoder_feed (&self->chunks, httplib_read_buffer_peek (buffer),
                                           httplib_read_buffer_available (buffer),
                                           &consumed, error);
      if (result == HTTPLIB_PARSE_ERROR)
        return -1;
      httplib_read_buffer_consume (buffer, consumed);

      if (result == HTTPLIB_PARSE_DONE)
        {
          self->trailers = g_steal_pointer (&self->chunks.trailers);
          return 0;
        }
      if (self->chunks.stage == HTTPLIB_CHUNK_DATA && self->chunks.remaining > 0)
        {
          n = read_raw (self, dest, MIN (count, self->chunks.remaining), blocking,
                        cancellable, error);
          if (n > 0)
            {
              httplib_chunk_decoder_take (&self->chunks, n);
              return n;
            }
        }
      else
        n = fill (self, blocking, cancellable, error);  /* a framing line is still incomplete */

      if (n < 0)
        return -1;
      if (n == 0)
        {
          set_incomplete (self, error);
          return -1;
        }
    }
}

/* One read of body bytes: > 0, 0 at the end of the body, -1 on error.
 * Any error closes the connection, whose stream is then at an unknown
 * place; but G_IO_ERROR_WOULD_BLOCK (only without blocking) changes nothing. */
gssize
httplib_response_read_body (HttplibResponse *self,
                            void            *dest,
                            gsize            count,
                            gboolean         blocking,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize n = 0;

  if (self->state != HTTPLIB_RESPONSE_STATE_BODY || count == 0)
    return 0;

  switch (self->mode)
    {
    case HTTPLIB_BODY_NONE:
      break;
    case HTTPLIB_BODY_LENGTH:
      n = read_raw (self, dest, MIN (count, self->remaining), blocking, cancellable,
                    &local_error);
      if (n == 0)
        {
          set_incomplete (self, &local_error);
          n = -1;
        }
      else if (n > 0)
        self->remaining -= n;
      break;
    case HTTPLIB_BODY_CHUNKED:
      n = read_chunked (self, dest, count, blocking, cancellable, &local_error);
      break;
    case HTTPLIB_BODY_UNTIL_EOF:
      n = read_raw (self, dest, count, blocking, cancellable, &local_error);
      break;
    }

  if (n < 0)
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        fail_body (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return -1;
    }
  self->body_read += n;
  if (n > 0 && g_signal_has_handler_pending (self, signals[SIGNAL_PROGRESS], 0, FALSE))
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, self->body_read,
                   self->mode == HTTPLIB_BODY_LENGTH ? self->length : (gint64) -1);
  if (n == 0 || (self->mode == HTTPLIB_BODY_LENGTH && self->remaining == 0))
    finish_body (self);
  return n;
}

/**
 * httplib_response_read_into: (skip)
 * @response: a response
 * @buffer: (array length=count) (element-type guint8) (out caller-allocates): where the body goes
 * @count: (in): the size of @buffer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads up to @count bytes of the body into @buffer, returning as soon as
 * some are there (Python's `readinto`). Large reads go straight from the
 * socket into @buffer.
 *
 * Errors: %HTTPLIB_ERROR_INCOMPLETE_READ when the server closes before the
 * body's end, %HTTPLIB_ERROR_BAD_FRAMING or %HTTPLIB_ERROR_LINE_TOO_LONG for
 * broken chunked coding, %G_IO_ERROR_TIMED_OUT and other %G_IO_ERROR codes
 * from the stream. After an error the connection is closed.
 *
 * Bindings do not see this function: no binding can fill a buffer the
 * caller passes in, so they use [method@Response.read], which returns the
 * bytes read as a #GBytes.
 *
 * Returns: the number of bytes read, 0 at the end of the body, -1 on error
 */
gssize
httplib_response_read_into (HttplibResponse *response,
                            void            *buffer,
                            gsize            count,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), -1);
  g_return_val_if_fail (buffer != NULL || count == 0, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!httplib_response_check_not_reading (response, error))
    return -1;
  response->gathered = 0;
  return httplib_response_read_body (response, buffer, count, TRUE, cancellable, error);
}

/* Never reserve more than this ahead of the bytes actually arriving. */
#define MAX_PREALLOCATION (64 * 1024 * 1024)

/**
 * httplib_response_read:
 * @response: a response
 * @amt: the most bytes to read, or -1 for the whole rest of the body
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads and returns the body, or up to the next @amt bytes of it (Python's
 * `read([amt])`): fewer only at the end of the body. After the end, and
 * for responses without a body (HEAD, 1xx, 204, 304), it returns empty
 * bytes.
 *
 * When the server closes early the call fails with
 * %HTTPLIB_ERROR_INCOMPLETE_READ, as `IncompleteRead(5 bytes read, 10 more
 * expected)`, and the bytes this call did read are kept for
 * httplib_response_get_partial(). Other errors as for
 * httplib_response_read_into().
 *
 * Returns: (transfer full): the bytes, or %NULL with @error set
 */
GBytes *
httplib_response_read (HttplibResponse *response,
                       gssize           amt,
                       GCancellable    *cancellable,
                       GError         **error)
{
  g_autoptr(GByteArray) out = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 want;
  gsize reserve;

  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!httplib_response_check_not_reading (response, error))
    return NULL;
  want = amt < 0 ? G_MAXUINT64 : (guint64) amt;
  if (response->mode == HTTPLIB_BODY_LENGTH)
    want = MIN (want, response->remaining);
  reserve = MIN (want, amt < 0 && response->mode != HTTPLIB_BODY_LENGTH ? 16 * 1024 : MAX_PREALLOCATION);
  out = g_byte_array_sized_new (reserve);
  response->gathered = 0;

  while (out->len < want)
    {
      gsize len = out->len;
      gsize space;
      gssize n;

      /* Grow by doubling, so a body of unknown length costs log(n) reallocations. */
      if (len == reserve)
        reserve = MIN (MAX (reserve * 2, (gsize) 16 * 1024), want);
      g_byte_array_set_size (out, reserve);
      space = reserve - len;

      n = httplib_response_read_body (response, out->data + len, space, TRUE, cancellable,
                                      &local_error);
      g_byte_array_set_size (out, len + MAX (n, 0));
      if (n < 0)
        {
          if (g_error_matches (local_error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ))
            {
              g_clear_pointer (&response->partial, g_bytes_unref);
              response->partial = g_byte_array_free_to_bytes (g_steal_pointer (&out));
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (n == 0)
        break;
      response->gathered = out->len;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * httplib_response_get_partial:
 * @response: a response
 *
 * Gets the bytes the last httplib_response_read() got before it failed with
 * %HTTPLIB_ERROR_INCOMPLETE_READ (Python's `IncompleteRead.partial`).
 *
 * Returns: (transfer full) (nullable): the bytes the last
 *   httplib_response_read() got before it failed with
 *   %HTTPLIB_ERROR_INCOMPLETE_READ (Python's `IncompleteRead.partial`)
 */
GBytes *
httplib_response_get_partial (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), NULL);
  return response->partial ? g_bytes_ref (response->partial) : NULL;
}

/**
 * httplib_response_close:
 * @response: a response
 *
 * Closes the response. When its body was not read to the end, the
 * connection closes too, and the next request opens it again.
 */
void
httplib_response_close (HttplibResponse *response)
{
  g_return_if_fail (HTTPLIB_IS_RESPONSE (response));

  if (response->state == HTTPLIB_RESPONSE_STATE_CLOSED)
    return;
  if (response->state < HTTPLIB_RESPONSE_STATE_COMPLETE && response->connection)
    httplib_connection_response_abandoned (response->connection, response);
  set_state (response, HTTPLIB_RESPONSE_STATE_CLOSED);
}

/**
 * httplib_response_is_closed:
 * @response: a response
 *
 * Checks whether the response is done with (Python's `isclosed()`).
 *
 * Returns: %TRUE when the body was read to its end or the response closed
 *   (Python's `isclosed()`)
 */
gboolean
httplib_response_is_closed (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), TRUE);
  return response->state >= HTTPLIB_RESPONSE_STATE_COMPLETE;
}

/**
 * httplib_response_get_header:
 * @response: a response
 * @name: a header name, in any case
 * @default_value: (nullable): what to return when there is no such header
 *
 * Python's `getheader(name, default)`: several fields of one name are
 * joined with ", ".
 *
 * Returns: (nullable): the value, or @default_value
 */
const char *
httplib_response_get_header (HttplibResponse *response,
                             const char      *name,
                             const char      *default_value)
{
  g_auto(GStrv) values = NULL;
  char *joined;

  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (response->headers == NULL)
    return default_value;
  values = httplib_headers_get_all (response->headers, name);
  if (values[0] == NULL)
    return default_value;
  if (values[1] == NULL)
    return httplib_headers_get_one (response->headers, name);

  /* Kept until the response goes, as libsoup keeps its joined lists. */
  if (response->joined == NULL)
    response->joined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  joined = g_strjoinv (", ", values);
  g_hash_table_replace (response->joined, g_ascii_strdown (name, -1), joined);
  return joined;
}

/**
 * httplib_response_get_headers:
 * @response: a response
 *
 * Python's `getheaders()`: every field, in order.
 *
 * Returns: (transfer none): the headers
 */
HttplibHeaders *
httplib_response_get_headers (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), NULL);
  return response->headers;
}

/**
 * httplib_response_get_msg:
 * @response: a response
 *
 * Python's `msg`: the same headers as httplib_response_get_headers().
 *
 * Returns: (transfer none): the headers
 */
HttplibHeaders *
httplib_response_get_msg (HttplibResponse *response)
{
  return httplib_response_get_headers (response);
}

/**
 * httplib_response_get_trailers:
 * @response: a response
 *
 * Gets the trailer fields of a chunked body, once it was read to the end, or
 * %NULL when it had none.
 *
 * Returns: (transfer none) (nullable): the trailer fields of a chunked body,
 *   once it was read to the end, or %NULL when it had none
 */
HttplibHeaders *
httplib_response_get_trailers (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), NULL);
  return response->trailers;
}

/**
 * httplib_response_fileno:
 * @response: a response
 *
 * Gets the file descriptor of the socket under the connection, or -1 when
 * there is none (closed, or a transport without a socket).
 *
 * Returns: the file descriptor of the socket under the connection, or -1
 *   when there is none (closed, or a transport without a socket)
 */
int
httplib_response_fileno (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), -1);
  return response->connection ? httplib_connection_get_fd (response->connection) : -1;
}

/**
 * httplib_response_get_status:
 * @response: a response
 *
 * Gets the status code (see #HttplibStatus).
 *
 * Returns: the status code (see #HttplibStatus)
 */
guint
httplib_response_get_status (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), 0);
  return response->status;
}

/**
 * httplib_response_get_reason:
 * @response: a response
 *
 * Gets the reason phrase, possibly empty.
 *
 * Returns: the reason phrase, possibly empty
 */
const char *
httplib_response_get_reason (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), NULL);
  return response->reason ? response->reason : "";
}

/**
 * httplib_response_get_version:
 * @response: a response
 *
 * Gets the HTTP version of the status line (Python's `version`).
 *
 * Returns: 9, 10 or 11 for HTTP/0.9, 1.0 and 1.1
 */
guint
httplib_response_get_version (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), 0);
  return response->version;
}

/**
 * httplib_response_get_length:
 * @response: a response
 *
 * Gets the `Content-Length`, 0 for a response without body, or -1 when the
 * length is unknown (chunked, or until the connection closes).
 *
 * Returns: the `Content-Length`, 0 for a response without body, or -1 when
 *   the length is unknown (chunked, or until the connection closes)
 */
gint64
httplib_response_get_length (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), -1);
  return response->length;
}

/**
 * httplib_response_get_will_close:
 * @response: a response
 *
 * Checks whether the connection closes after this response.
 *
 * Returns: whether the connection closes after this response
 */
gboolean
httplib_response_get_will_close (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), TRUE);
  return response->will_close;
}

/**
 * httplib_response_get_chunked:
 * @response: a response
 *
 * Checks whether the body uses chunked transfer coding.
 *
 * Returns: whether the body uses chunked transfer coding
 */
gboolean
httplib_response_get_chunked (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), FALSE);
  return response->mode == HTTPLIB_BODY_CHUNKED;
}

/**
 * httplib_response_get_state:
 * @response: a response
 *
 * Gets the response's state.
 *
 * Returns: the response's state
 */
HttplibResponseState
httplib_response_get_state (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), HTTPLIB_RESPONSE_STATE_CLOSED);
  return response->state;
}
