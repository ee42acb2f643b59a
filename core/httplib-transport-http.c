/* httplib-transport-http.c: the core's request writer and response parser,
 * for transports that speak HTTP themselves
 *
 * A CONNECT tunnel sends one request and reads one response head before it
 * hands the stream up. These two helpers give such a transport the same
 * validation, limits and debug output as the connection's own requests,
 * so a third-party proxy transport gets them too.
 */
#include "httplib-transport.h"
#include "httplib-debug-private.h"
#include "httplib-error.h"
#include "httplib-parser-private.h"
#include "httplib-request-writer-private.h"

#include <string.h>

#define READ_CHUNK 4096

/* The validated head, or NULL with error set: nothing goes out then. */
static GString *
build_request_head (const char     *method,
                    const char     *target,
                    HttplibHeaders *headers,
                    int             debug_level,
                    GError        **error)
{
  g_autoptr(GString) head = NULL;
  HttplibHeadersIter iter;
  const char *name;
  const char *value;

  if (!httplib_validate_method (method, error) || !httplib_validate_url (target, error))
    return NULL;
  head = g_string_sized_new (256);
  httplib_write_request_line (head, method, target);
  if (headers != NULL)
    {
      httplib_headers_iter_init (&iter, headers);
      while (httplib_headers_iter_next (&iter, &name, &value))
        {
          if (!httplib_validate_header (name, value, error))
            return NULL;
          httplib_write_header (head, name, value);
        }
    }
  g_string_append (head, "\r\n");

  if (debug_level > 0)
    httplib_debug_send (head->str, head->len);
  return g_steal_pointer (&head);
}

/**
 * httplib_transport_send_request_head:
 * @output: the stream to write to
 * @method: the method, such as `CONNECT`
 * @target: the request target, such as `example.org:443`
 * @headers: (nullable): the header fields, in order; nothing is added
 * @debug_level: the connection's debug level
 *   ([method@Endpoint.get_debug_level]); above 0 the head is logged as
 *   [method@Connection.set_debug_level] does
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * For transports that speak HTTP themselves: validates and writes one
 * request head (`METHOD target HTTP/1.1`, the fields, an empty line) in one
 * write. Nothing is written when a part is invalid: a method that is not a
 * token or a target with spaces or control characters is
 * %HTTPLIB_ERROR_INVALID_URL, a bad field name or value
 * %HTTPLIB_ERROR_INVALID_HEADER. Errors of @output pass through.
 *
 * Returns: %TRUE when the head was written
 */
gboolean
httplib_transport_send_request_head (GOutputStream  *output,
                                     const char     *method,
                                     const char     *target,
                                     HttplibHeaders *headers,
                                     int             debug_level,
                                     GCancellable   *cancellable,
                                     GError        **error)
{
  g_autoptr(GString) head = NULL;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (method != NULL && target != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  head = build_request_head (method, target, headers, debug_level, error);
  if (head == NULL)
    return FALSE;
  return g_output_stream_write_all (output, head->str, head->len, NULL, cancellable, error);
}

static void
free_string (GString *string)
{
  g_string_free (string, TRUE);
}

static void
on_head_written (GObject      *output,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (output), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * httplib_transport_send_request_head_async:
 * @output: the stream to write to
 * @method: the method, such as `CONNECT`
 * @target: the request target, such as `example.org:443`
 * @headers: (nullable): the header fields, in order; nothing is added
 * @debug_level: the connection's debug level; above 0 the head is logged
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the head is written or writing failed
 * @user_data: data for @callback
 *
 * httplib_transport_send_request_head() without blocking: the head is
 * validated at once (an invalid one writes nothing and fails the same
 * way), then written with g_output_stream_write_all_async(). Finish with
 * httplib_transport_send_request_head_finish().
 */
void
httplib_transport_send_request_head_async (GOutputStream       *output,
                                           const char          *method,
                                           const char          *target,
                                           HttplibHeaders      *headers,
                                           int                  debug_level,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  GString *head;

  g_return_if_fail (G_IS_OUTPUT_STREAM (output));
  g_return_if_fail (method != NULL && target != NULL);

  task = g_task_new (output, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_transport_send_request_head_async);
  head = build_request_head (method, target, headers, debug_level, &error);
  if (head == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, head, (GDestroyNotify) free_string);
  g_output_stream_write_all_async (output, head->str, head->len, G_PRIORITY_DEFAULT,
                                   cancellable, on_head_written, g_steal_pointer (&task));
}

/**
 * httplib_transport_send_request_head_finish:
 * @output: the stream given to httplib_transport_send_request_head_async()
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_transport_send_request_head_async(); errors as for
 * httplib_transport_send_request_head().
 *
 * Returns: %TRUE when the head was written
 */
gboolean
httplib_transport_send_request_head_finish (GOutputStream  *output,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, output), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result,
                                                  httplib_transport_send_request_head_async),
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
debug_head (const char *data, gsize len, HttplibHeadParser *parser)
{
  const char *eol = memchr (data, '\n', len);
  HttplibHeadersIter iter;
  const char *name;
  const char *value;

  httplib_debug_reply (data, eol ? (gsize) (eol - data + 1) : len);
  httplib_headers_iter_init (&iter, parser->headers);
  while (httplib_headers_iter_next (&iter, &name, &value))
    httplib_debug_header (name, value);
}

/* The state of one head being read, shared by the blocking and the
 * asynchronous reader: bytes go into `buffer` READ_CHUNK at a time and the
 * parser consumes whole lines from `start`. */
typedef struct {
  GByteArray        *buffer;
  HttplibHeadParser  parser;
  gsize              start;   /* the first byte not yet consumed by the parser */
  gsize              old_len; /* the length before the read in progress */
  int                debug_level;
} HeadReader;

static HeadReader *
head_reader_new (int debug_level)
{
  HeadReader *reader = g_new0 (HeadReader, 1);

  reader->buffer = g_byte_array_sized_new (READ_CHUNK);
  reader->debug_level = debug_level;
  httplib_head_parser_init (&reader->parser, TRUE);
  return reader;
}

static void
head_reader_free (HeadReader *reader)
{
  httplib_head_parser_clear (&reader->parser);
  g_byte_array_unref (reader->buffer);
  g_free (reader);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HeadReader, head_reader_free)

/* Where the next read goes: READ_CHUNK bytes of room. */
static guint8 *
head_reader_space (HeadReader *reader)
{
  reader->old_len = reader->buffer->len;
  g_byte_array_set_size (reader->buffer, reader->old_len + READ_CHUNK);
  return reader->buffer->data + reader->old_len;
}

/* Takes the result of one read (n bytes, 0 at the end, -1 on error) and
 * parses what it can. The parser's line and field limits bound the reads. */
static HttplibParseResult
head_reader_take (HeadReader *reader,
                  gssize      n,
                  GError    **error)
{
  HttplibParseResult result;
  gsize consumed = 0;

  g_byte_array_set_size (reader->buffer, reader->old_len + MAX (n, 0));
  if (n < 0)
    return HTTPLIB_PARSE_ERROR;
  if (n == 0)
    {
      if (!httplib_head_parser_finish (&reader->parser,
                                       (const char *) reader->buffer->data + reader->start,
                                       reader->buffer->len - reader->start, error))
        return HTTPLIB_PARSE_ERROR;
      reader->start = reader->buffer->len;
      return HTTPLIB_PARSE_DONE;
    }
  result = httplib_head_parser_feed (&reader->parser,
                                     (const char *) reader->buffer->data + reader->start,
                                     reader->buffer->len - reader->start, &consumed, error);
  reader->start += consumed;
  return result;
}

/* The whole head is parsed: hands the results over. */
static void
head_reader_steal (HeadReader      *reader,
                   guint           *status,
                   char           **reason,
                   HttplibHeaders **headers,
                   GBytes         **rest)
{
  GByteArray *buffer = reader->buffer;

  if (reader->debug_level > 0)
    debug_head ((const char *) buffer->data, buffer->len, &reader->parser);
  *status = reader->parser.status;
  *reason = g_steal_pointer (&reader->parser.reason);
  *headers = g_steal_pointer (&reader->parser.headers);
  if (rest != NULL)
    *rest = reader->start < buffer->len
      ? g_bytes_new (buffer->data + reader->start, buffer->len - reader->start)
      : NULL;
}

/**
 * httplib_transport_read_response_head:
 * @input: the stream to read from
 * @debug_level: the connection's debug level; above 0 the head is logged
 * @status: (out): the status code
 * @reason: (out) (transfer full): the reason phrase, possibly empty
 * @headers: (out) (transfer full): the header fields
 * @rest: (out) (transfer full) (nullable): bytes read after the head, or
 *   %NULL when there were none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * For transports that speak HTTP themselves: reads one response head with
 * the connection's parser and limits, and no body (a 2xx to `CONNECT` has
 * none). The stream is read in blocks, so bytes the peer sent after the
 * head come back in @rest: for a tunnel, whatever the proxy sends before
 * the client spoke is not the origin's.
 *
 * Errors: %HTTPLIB_ERROR_REMOTE_DISCONNECTED when the peer closes before a
 * status line, %HTTPLIB_ERROR_BAD_STATUS_LINE, %HTTPLIB_ERROR_UNKNOWN_PROTOCOL,
 * %HTTPLIB_ERROR_LINE_TOO_LONG, %HTTPLIB_ERROR_TOO_MANY_HEADERS,
 * %HTTPLIB_ERROR_INVALID_HEADER, and the errors of @input.
 *
 * Returns: %TRUE when a whole head was read
 */
gboolean
httplib_transport_read_response_head (GInputStream    *input,
                                      int              debug_level,
                                      guint           *status,
                                      char           **reason,
                                      HttplibHeaders **headers,
                                      GBytes         **rest,
                                      GCancellable    *cancellable,
                                      GError         **error)
{
  g_autoptr(HeadReader) reader = NULL;
  HttplibParseResult result = HTTPLIB_PARSE_NEED_MORE;

  g_return_val_if_fail (G_IS_INPUT_STREAM (input), FALSE);
  g_return_val_if_fail (status != NULL && reason != NULL && headers != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  reader = head_reader_new (debug_level);
  while (result == HTTPLIB_PARSE_NEED_MORE)
    {
      guint8 *space = head_reader_space (reader);
      gssize n = g_input_stream_read (input, space, READ_CHUNK, cancellable, error);

      result = head_reader_take (reader, n, error);
    }
  if (result == HTTPLIB_PARSE_ERROR)
    return FALSE;
  head_reader_steal (reader, status, reason, headers, rest);
  return TRUE;
}

/* What httplib_transport_read_response_head_finish() hands over. */
typedef struct {
  guint           status;
  char           *reason;
  HttplibHeaders *headers;
  GBytes         *rest;
} ResponseHead;

static void
response_head_free (ResponseHead *head)
{
  g_free (head->reason);
  g_clear_pointer (&head->headers, httplib_headers_unref);
  g_clear_pointer (&head->rest, g_bytes_unref);
  g_free (head);
}

static void read_more (GTask *task);

static void
on_head_read (GObject      *input,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HeadReader *reader = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (input), result, &error);
  ResponseHead *head;

  switch (head_reader_take (reader, n, &error))
    {
    case HTTPLIB_PARSE_NEED_MORE:
      read_more (g_steal_pointer (&task));
      return;
    case HTTPLIB_PARSE_ERROR:
      g_task_return_error (task, error);
      return;
    case HTTPLIB_PARSE_DONE:
      head = g_new0 (ResponseHead, 1);
      head_reader_steal (reader, &head->status, &head->reason, &head->headers, &head->rest);
      g_task_return_pointer (task, head, (GDestroyNotify) response_head_free);
      return;
    }
}

/* Takes the task's reference. */
static void
read_more (GTask *task)
{
  HeadReader *reader = g_task_get_task_data (task);
  guint8 *space = head_reader_space (reader);

  g_input_stream_read_async (g_task_get_source_object (task), space, READ_CHUNK,
                             G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                             on_head_read, task);
}

/**
 * httplib_transport_read_response_head_async:
 * @input: the stream to read from
 * @debug_level: the connection's debug level; above 0 the head is logged
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when a whole head was read or reading failed
 * @user_data: data for @callback
 *
 * httplib_transport_read_response_head() without blocking: @input is read
 * with g_input_stream_read_async() (which waits on a pollable stream
 * without a thread) in the same blocks, with the same parser and limits.
 * Cancelling @cancellable ends it with %G_IO_ERROR_CANCELLED. Finish with
 * httplib_transport_read_response_head_finish().
 */
void
httplib_transport_read_response_head_async (GInputStream        *input,
                                            int                  debug_level,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (G_IS_INPUT_STREAM (input));

  task = g_task_new (input, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_transport_read_response_head_async);
  g_task_set_task_data (task, head_reader_new (debug_level), (GDestroyNotify) head_reader_free);
  read_more (task);
}

/**
 * httplib_transport_read_response_head_finish:
 * @input: the stream given to httplib_transport_read_response_head_async()
 * @result: the result given to the callback
 * @status: (out): the status code
 * @reason: (out) (transfer full): the reason phrase, possibly empty
 * @headers: (out) (transfer full): the header fields
 * @rest: (out) (transfer full) (nullable): bytes read after the head, or
 *   %NULL when there were none
 * @error: return location for a #GError
 *
 * Finishes httplib_transport_read_response_head_async(). The results and
 * errors are those of httplib_transport_read_response_head(); on error the
 * out arguments are left alone.
 *
 * Returns: %TRUE when a whole head was read
 */
gboolean
httplib_transport_read_response_head_finish (GInputStream    *input,
                                             GAsyncResult    *result,
                                             guint           *status,
                                             char           **reason,
                                             HttplibHeaders **headers,
                                             GBytes         **rest,
                                             GError         **error)
{
  ResponseHead *head;

  g_return_val_if_fail (g_task_is_valid (result, input), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result,
                                                  httplib_transport_read_response_head_async),
                        FALSE);
  g_return_val_if_fail (status != NULL && reason != NULL && headers != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  head = g_task_propagate_pointer (G_TASK (result), error);
  if (head == NULL)
    return FALSE;
  *status = head->status;
  *reason = g_steal_pointer (&head->reason);
  *headers = g_steal_pointer (&head->headers);
  if (rest != NULL)
    *rest = g_steal_pointer (&head->rest);
  response_head_free (head);
  return TRUE;
}
