/* httplib-read-buffer.c: the connection's one read buffer */
#include "httplib-read-buffer-private.h"

#include <string.h>

void
httplib_read_buffer_init (HttplibReadBuffer *buffer)
{
  buffer->size = HTTPLIB_READ_BUFFER_INITIAL;
  buffer->data = g_malloc (buffer->size);
  buffer->start = buffer->end = 0;
  buffer->eof = FALSE;
}

void
httplib_read_buffer_clear (HttplibReadBuffer *buffer)
{
  g_clear_pointer (&buffer->data, g_free);
  buffer->size = buffer->start = buffer->end = 0;
}

/* Drops whatever is buffered, when the stream under it is replaced. */
void
httplib_read_buffer_reset (HttplibReadBuffer *buffer)
{
  buffer->start = buffer->end = 0;
  buffer->eof = FALSE;
}

/* Makes room at the end: first by moving the unread bytes to the front,
 * then by growing, up to HTTPLIB_READ_BUFFER_MAX. */
static gboolean
make_room (HttplibReadBuffer *buffer)
{
  if (buffer->end < buffer->size)
    return TRUE;
  if (buffer->start > 0)
    {
      memmove (buffer->data, buffer->data + buffer->start, buffer->end - buffer->start);
      buffer->end -= buffer->start;
      buffer->start = 0;
      return TRUE;
    }
  if (buffer->size >= HTTPLIB_READ_BUFFER_MAX)
    return FALSE;
  buffer->size = MIN (buffer->size * 2, HTTPLIB_READ_BUFFER_MAX);
  buffer->data = g_realloc (buffer->data, buffer->size);
  return TRUE;
}

static gboolean
check_room (HttplibReadBuffer *buffer,
            GError           **error)
{
  if (make_room (buffer))
    return TRUE;
  /* The parser's line limit stops long before this: reaching it is a bug. */
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "read buffer full");
  return FALSE;
}

/* One read from the stream. Returns the bytes added, 0 at end of stream,
 * -1 with error set. */
gssize
httplib_read_buffer_fill (HttplibReadBuffer *buffer,
                          GInputStream      *stream,
                          GCancellable      *cancellable,
                          GError           **error)
{
  gssize n;

  if (!check_room (buffer, error))
    return -1;
  n = g_input_stream_read (stream, buffer->data + buffer->end,
                           buffer->size - buffer->end, cancellable, error);
  if (n > 0)
    buffer->end += n;
  return n;
}

/* One read that never blocks: G_IO_ERROR_WOULD_BLOCK when nothing is
 * there yet, or always for a stream that cannot be polled (the caller
 * then fills with httplib_read_buffer_fill_async()). */
gssize
httplib_read_buffer_fill_nonblocking (HttplibReadBuffer *buffer,
                                      GInputStream      *stream,
                                      GCancellable      *cancellable,
                                      GError           **error)
{
  gssize n;

  if (buffer->eof)
    return 0;
  if (!check_room (buffer, error))
    return -1;
  if (!G_IS_POLLABLE_INPUT_STREAM (stream) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "no data yet");
      return -1;
    }
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream),
                                                buffer->data + buffer->end,
                                                buffer->size - buffer->end,
                                                cancellable, error);
  if (n > 0)
    buffer->end += n;
  return n;
}

/* One read through GIO's async machinery (a worker thread for streams
 * that cannot be polled). The buffer must not change until it finishes. */
void
httplib_read_buffer_fill_async (HttplibReadBuffer   *buffer,
                                GInputStream        *stream,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GError) error = NULL;

  if (!check_room (buffer, &error))
    {
      g_task_report_error (stream, callback, user_data, httplib_read_buffer_fill_async,
                           g_steal_pointer (&error));
      return;
    }
  g_input_stream_read_async (stream, buffer->data + buffer->end, buffer->size - buffer->end,
                             G_PRIORITY_DEFAULT, cancellable, callback, user_data);
}

gssize
httplib_read_buffer_fill_finish (HttplibReadBuffer *buffer,
                                 GInputStream      *stream,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  gssize n;

  if (g_async_result_is_tagged (result, httplib_read_buffer_fill_async))
    return g_task_propagate_int (G_TASK (result), error);
  n = g_input_stream_read_finish (stream, result, error);
  if (n > 0)
    buffer->end += n;
  else if (n == 0)
    buffer->eof = TRUE;
  return n;
}

/* Copies up to count buffered bytes to dest and consumes them. */
gsize
httplib_read_buffer_take (HttplibReadBuffer *buffer,
                          void              *dest,
                          gsize              count)
{
  gsize n = MIN (count, httplib_read_buffer_available (buffer));

  memcpy (dest, httplib_read_buffer_peek (buffer), n);
  httplib_read_buffer_consume (buffer, n);
  return n;
}
