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

/* The same read straight from a socket, bounded by its timeout. */
gssize
httplib_read_buffer_fill_socket (HttplibReadBuffer *buffer,
                                 GSocket           *socket,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  gssize n;

  if (!check_room (buffer, error))
    return -1;
  /* Blocking whatever the socket's own mode, as GIO's socket stream reads. */
  n = g_socket_receive_with_blocking (socket, buffer->data + buffer->end,
                                      buffer->size - buffer->end, TRUE, cancellable, error);
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

typedef struct {
  char  *data;
  gsize  size;
} Chunk;

static void
chunk_free (Chunk *chunk)
{
  g_free (chunk->data);
  g_free (chunk);
}

static void
on_chunk_read (GObject      *stream,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (stream), result, &error);

  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
}

/* One read through GIO's async machinery, for streams that cannot be
 * polled (GIO then reads in a worker thread). It reads into a chunk of its
 * own, copied in by the finish call, so the buffer itself may be reset or
 * grown meanwhile without harm. */
void
httplib_read_buffer_fill_async (HttplibReadBuffer   *buffer,
                                GInputStream        *stream,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  Chunk *chunk = g_new0 (Chunk, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, httplib_read_buffer_fill_async);
  g_task_set_task_data (task, chunk, (GDestroyNotify) chunk_free);
  if (!check_room (buffer, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  chunk->size = buffer->size - buffer->end;
  chunk->data = g_malloc (chunk->size);
  g_input_stream_read_async (stream, chunk->data, chunk->size, G_PRIORITY_DEFAULT,
                             cancellable, on_chunk_read, task);
}

gssize
httplib_read_buffer_fill_finish (HttplibReadBuffer *buffer,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  Chunk *chunk = g_task_get_task_data (G_TASK (result));
  gssize n = g_task_propagate_int (G_TASK (result), error);

  if (n == 0)
    buffer->eof = TRUE;
  if (n <= 0)
    return n;
  if (!check_room (buffer, error) || buffer->size - buffer->end < (gsize) n)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "read buffer full");
      return -1;
    }
  memcpy (buffer->data + buffer->end, chunk->data, n);
  buffer->end += n;
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
