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
  HttplibHeadersIter iter;
  const char *name;
  const char *value;

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (method != NULL && target != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!httplib_validate_method (method, error) || !httplib_validate_url (target, error))
    return FALSE;
  head = g_string_sized_new (256);
  httplib_write_request_line (head, method, target);
  if (headers != NULL)
    {
      httplib_headers_iter_init (&iter, headers);
      while (httplib_headers_iter_next (&iter, &name, &value))
        {
          if (!httplib_validate_header (name, value, error))
            return FALSE;
          httplib_write_header (head, name, value);
        }
    }
  g_string_append (head, "\r\n");

  if (debug_level > 0)
    httplib_debug_send (head->str, head->len);
  return g_output_stream_write_all (output, head->str, head->len, NULL, cancellable, error);
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
  g_autoptr(GByteArray) buffer = g_byte_array_sized_new (READ_CHUNK);
  HttplibHeadParser parser;
  HttplibParseResult result = HTTPLIB_PARSE_NEED_MORE;
  gsize start = 0;  /* the first byte not yet consumed by the parser */
  gboolean ok = FALSE;

  g_return_val_if_fail (G_IS_INPUT_STREAM (input), FALSE);
  g_return_val_if_fail (status != NULL && reason != NULL && headers != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  httplib_head_parser_init (&parser, TRUE);
  /* The parser's line and field limits bound this loop. */
  while (result == HTTPLIB_PARSE_NEED_MORE)
    {
      gsize consumed = 0;
      gsize old_len = buffer->len;
      gssize n;

      g_byte_array_set_size (buffer, old_len + READ_CHUNK);
      n = g_input_stream_read (input, buffer->data + old_len, READ_CHUNK, cancellable, error);
      g_byte_array_set_size (buffer, old_len + MAX (n, 0));
      if (n < 0)
        goto out;
      if (n == 0)
        {
          if (!httplib_head_parser_finish (&parser, (const char *) buffer->data + start,
                                           buffer->len - start, error))
            goto out;
          start = buffer->len;
          break;
        }
      result = httplib_head_parser_feed (&parser, (const char *) buffer->data + start,
                                         buffer->len - start, &consumed, error);
      if (result == HTTPLIB_PARSE_ERROR)
        goto out;
      start += consumed;
    }

  if (debug_level > 0)
    debug_head ((const char *) buffer->data, buffer->len, &parser);
  *status = parser.status;
  *reason = g_steal_pointer (&parser.reason);
  *headers = g_steal_pointer (&parser.headers);
  if (rest != NULL)
    *rest = start < buffer->len ? g_bytes_new (buffer->data + start, buffer->len - start) : NULL;
  ok = TRUE;

out:
  httplib_head_parser_clear (&parser);
  return ok;
}
