/* httplib-chunked-output-stream-private.h: chunked transfer coding on the way out */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_CHUNKED_OUTPUT_STREAM (httplib_chunked_output_stream_get_type ())

G_DECLARE_FINAL_TYPE (HttplibChunkedOutputStream, httplib_chunked_output_stream,
                      HTTPLIB, CHUNKED_OUTPUT_STREAM, GFilterOutputStream)

GOutputStream *httplib_chunked_output_stream_new    (GOutputStream *base);
/* Writes the last chunk ("0\r\n\r\n"); the base stream stays open. */
gboolean       httplib_chunked_output_stream_finish (HttplibChunkedOutputStream *stream,
                                                     GCancellable               *cancellable,
                                                     GError                    **error);

/* The zero chunk without blocking. */
void           httplib_chunked_output_stream_finish_async  (HttplibChunkedOutputStream *stream,
                                                            GCancellable               *cancellable,
                                                            GAsyncReadyCallback         callback,
                                                            gpointer                    user_data);
gboolean       httplib_chunked_output_stream_finish_finish (HttplibChunkedOutputStream *stream,
                                                            GAsyncResult               *result,
                                                            GError                    **error);

G_END_DECLS
