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

static void
httplib_chunked_output_stream_class_init (HttplibChunkedOutputStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = chunked_write;
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
