/* httplib-tls-input-stream.c: the reading half of an HttplibTlsStream
 *
 * Pollable, so the connection can tell an idle connection the server
 * closed from one still open, and the async API can wait on it.
 */
#include "httplib-tls-input-stream.h"

struct _HttplibTlsInputStream {
  GInputStream      parent_instance;
  HttplibTlsStream *tls;   /* not a reference: the TLS stream owns us and detaches us */
};

static void pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibTlsInputStream, httplib_tls_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      pollable_iface_init))

static gboolean
check_attached (HttplibTlsInputStream *self,
                GError               **error)
{
  if (self->tls != NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the TLS stream is gone");
  return FALSE;
}

static gssize
read_fn (GInputStream  *stream,
         void          *buffer,
         gsize          count,
         GCancellable  *cancellable,
         GError       **error)
{
  HttplibTlsInputStream *self = HTTPLIB_TLS_INPUT_STREAM (stream);

  if (!check_attached (self, error))
    return -1;
  return httplib_tls_stream_read (self->tls, buffer, count, TRUE, cancellable, error);
}

/* The TLS stream closes the stream below; closing one half does nothing. */
static gboolean
close_fn (GInputStream  *stream,
          GCancellable  *cancellable,
          GError       **error)
{
  return TRUE;
}

static gboolean
can_poll (GPollableInputStream *stream)
{
  HttplibTlsInputStream *self = HTTPLIB_TLS_INPUT_STREAM (stream);
  GInputStream *base;

  if (self->tls == NULL)
    return FALSE;
  base = g_io_stream_get_input_stream (httplib_tls_stream_get_base (self->tls));
  return G_IS_POLLABLE_INPUT_STREAM (base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
is_readable (GPollableInputStream *stream)
{
  HttplibTlsInputStream *self = HTTPLIB_TLS_INPUT_STREAM (stream);

  return self->tls == NULL || httplib_tls_stream_is_readable (self->tls);
}

static GSource *
create_source (GPollableInputStream *stream,
               GCancellable         *cancellable)
{
  HttplibTlsInputStream *self = HTTPLIB_TLS_INPUT_STREAM (stream);

  if (self->tls == NULL)
    return g_pollable_source_new_full (stream, g_timeout_source_new (0), cancellable);
  return httplib_tls_stream_create_source (self->tls, G_IO_IN, G_OBJECT (stream), cancellable);
}

static gssize
read_nonblocking (GPollableInputStream  *stream,
                  void                  *buffer,
                  gsize                  count,
                  GError               **error)
{
  HttplibTlsInputStream *self = HTTPLIB_TLS_INPUT_STREAM (stream);

  if (!check_attached (self, error))
    return -1;
  return httplib_tls_stream_read (self->tls, buffer, count, FALSE, NULL, error);
}

static void
pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = can_poll;
  iface->is_readable = is_readable;
  iface->create_source = create_source;
  iface->read_nonblocking = read_nonblocking;
}

static void
httplib_tls_input_stream_class_init (HttplibTlsInputStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  stream_class->read_fn = read_fn;
  stream_class->close_fn = close_fn;
}

static void
httplib_tls_input_stream_init (HttplibTlsInputStream *self)
{
}

GInputStream *
httplib_tls_input_stream_new (HttplibTlsStream *tls)
{
  HttplibTlsInputStream *self = g_object_new (HTTPLIB_TYPE_TLS_INPUT_STREAM, NULL);

  self->tls = tls;
  return G_INPUT_STREAM (self);
}

void
httplib_tls_input_stream_detach (HttplibTlsInputStream *self)
{
  self->tls = NULL;
}
