/* httplib-read-buffer-private.h: the connection's one read buffer
 *
 * Bytes are read once into this buffer and parsed in place; the parser's
 * consumed lines are dropped by moving `start`. Large body reads bypass it
 * and go straight into the caller's buffer.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HTTPLIB_READ_BUFFER_INITIAL (16 * 1024)
/* Room for the longest line the parser accepts, plus its CRLF, twice over. */
#define HTTPLIB_READ_BUFFER_MAX     (128 * 1024 + 4)

typedef struct {
  char  *data;
  gsize  start;   /* first unconsumed byte */
  gsize  end;     /* one past the last byte read */
  gsize  size;
  gboolean eof;   /* an async fill saw the end of the stream */
} HttplibReadBuffer;

void   httplib_read_buffer_init  (HttplibReadBuffer *buffer);
void   httplib_read_buffer_clear (HttplibReadBuffer *buffer);
void   httplib_read_buffer_reset (HttplibReadBuffer *buffer);
gssize httplib_read_buffer_fill  (HttplibReadBuffer *buffer,
                                  GInputStream      *stream,
                                  GCancellable      *cancellable,
                                  GError           **error);
gssize httplib_read_buffer_fill_socket (HttplibReadBuffer *buffer,
                                        GSocket           *socket,
                                        GCancellable      *cancellable,
                                        GError           **error);
gssize httplib_read_buffer_fill_nonblocking (HttplibReadBuffer *buffer,
                                             GInputStream      *stream,
                                             GCancellable      *cancellable,
                                             GError           **error);
void   httplib_read_buffer_fill_async  (HttplibReadBuffer   *buffer,
                                        GInputStream        *stream,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gssize httplib_read_buffer_fill_finish (HttplibReadBuffer *buffer,
                                        GAsyncResult      *result,
                                        GError           **error);
gsize  httplib_read_buffer_take  (HttplibReadBuffer *buffer,
                                  void              *dest,
                                  gsize              count);

static inline gsize
httplib_read_buffer_available (const HttplibReadBuffer *buffer)
{
  return buffer->end - buffer->start;
}

static inline const char *
httplib_read_buffer_peek (const HttplibReadBuffer *buffer)
{
  return buffer->data + buffer->start;
}

static inline void
httplib_read_buffer_consume (HttplibReadBuffer *buffer,
                             gsize              n)
{
  g_assert (n <= buffer->end - buffer->start);
  buffer->start += n;
  if (buffer->start == buffer->end)
    buffer->start = buffer->end = 0;
}

G_END_DECLS
