/* httplib-chunked-output-stream.c: chunked transfer coding on the way out
 *
 * A body of unknown length is framed as chunks: each write becomes one
 * chunk, sent with its size line and CRLF in a single writev.
 */
#include "httplib-chunked-output-stream-private.h"

#include <stdio.h>

struct _HttplibChunkedOutputStream {
  GFilterOutputStream parent_instance;
};

G_DEFINE_FINAL_TYPE (HttplibChunkedOutputStream, httplib_chunked_output_stream,
                     G_TYPE_FILTER_OUTPUT_STREAM)

static gssize
chunked_write (GOutputStream *stream,
               const void    *buffer,
               gsize          count,
               GCancellable  *cancellable,
               GError       **error)
{
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));
  char size_line[24];
  GOutputVector vectors[3];

  /* An empty chunk would end the body. */
  if (count == 0)
    return 0;

  vectors[0].buffer = size_line;
  vectors[0].size = g_snprintf (size_line, sizeof size_line, "%" G_GSIZE_MODIFIER "x\r\n", count);
  vectors[1].buffer = buffer;
  vectors[1].size = count;
  vectors[2].buffer = "\r\n";
  vectors[2].size = 2;

  if (!g_output_stream_writev_all (base, vectors, G_N_ELEMENTS (vectors), NULL, cancellable, error))
    return -1;
  return count;
}

/* The async write frames the chunk the same way, in one async writev. */
typedef struct {
  char          size_line[24];
  GOutputVector vectors[3];
  gsize         count;
} ChunkWrite;

static void
on_chunk_written (GObject      *base,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChunkWrite *chunk = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_output_stream_writev_all_finish (G_OUTPUT_STREAM (base), result, NULL, &error))
    g_task_return_int (task, (gssize) chunk->count);
  else
    g_task_return_error (task, error);
}

static void
chunked_write_async (GOutputStream       *stream,
                     const void          *buffer,
                     gsize                count,
                     int                  io_priority,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  ChunkWrite *chunk = g_new0 (ChunkWrite, 1);

  g_task_set_task_data (task, chunk, g_free);
  if (count == 0)
    {
      g_task_return_int (task, 0);
      g_object_unref (task);
      return;
    }
  chunk->count = count;
  chunk->vectors[0].buffer = chunk->size_line;
  chunk->vectors[0].size = g_snprintf (chunk->size_line, sizeof chunk->size_line,
                                       "%" G_GSIZE_MODIFIER "x\r\n", count);
  chunk->vectors[1].buffer = buffer;
  chunk->vectors[1].size = count;
  chunk->vectors[2].buffer = "\r\n";
  chunk->vectors[2].size = 2;
  g_output_stream_writev_all_async (base, chunk->vectors, G_N_ELEMENTS (chunk->vectors),
                                    io_priority, cancellable, on_chunk_written, task);
}

static gssize
chunked_write_finish (GOutputStream  *stream,
                      GAsyncResult   *result,
                      GError        **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void
httplib_chunked_output_stream_class_init (HttplibChunkedOutputStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = chunked_write;
  stream_class->write_async = chunked_write_async;
  stream_class->write_finish = chunked_write_finish;
}

static void
httplib_chunked_output_stream_init (HttplibChunkedOutputStream *self)
{
}

GOutputStream *
httplib_chunked_output_stream_new (GOutputStream *base)
{
  return g_object_new (HTTPLIB_TYPE_CHUNKED_OUTPUT_STREAM,
                       "base-stream", base,
                       "close-base-stream", FALSE,
                       NULL);
}

gboolean
httplib_chunked_output_stream_finish (HttplibChunkedOutputStream *stream,
                                      GCancellable               *cancellable,
                                      GError                    **error)
{
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));

  return g_output_stream_write_all (base, "0\r\n\r\n", 5, NULL, cancellable, error);
}

void
httplib_chunked_output_stream_finish_async (HttplibChunkedOutputStream *stream,
                                            GCancellable               *cancellable,
                                            GAsyncReadyCallback         callback,
                                            gpointer                    user_data)
{
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));

  g_output_stream_write_all_async (base, "0\r\n\r\n", 5, G_PRIORITY_DEFAULT, cancellable,
                                   callback, user_data);
}

gboolean
httplib_chunked_output_stream_finish_finish (HttplibChunkedOutputStream *stream,
                                             GAsyncResult               *result,
                                             GError                    **error)
{
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));

  return g_output_stream_write_all_finish (base, result, NULL, error);
}
