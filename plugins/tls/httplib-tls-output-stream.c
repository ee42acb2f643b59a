/* httplib-tls-output-stream.c: the writing half of an HttplibTlsStream
 *
 * writev is its own, so a request head and a small body become one TLS
 * record and one write on the socket.
 */
#include "httplib-tls-output-stream.h"

struct _HttplibTlsOutputStream {
  GOutputStream     parent_instance;
  HttplibTlsStream *tls;   /* not a reference: the TLS stream owns us and detaches us */
};

static void pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibTlsOutputStream, httplib_tls_output_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      pollable_iface_init))

static gboolean
check_attached (HttplibTlsOutputStream *self,
                GError                **error)
{
  if (self->tls != NULL)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the TLS stream is gone");
  return FALSE;
}

static gssize
write_fn (GOutputStream  *stream,
          const void     *buffer,
          gsize           count,
          GCancellable   *cancellable,
          GError        **error)
{
  HttplibTlsOutputStream *self = HTTPLIB_TLS_OUTPUT_STREAM (stream);

  if (!check_attached (self, error))
    return -1;
  return httplib_tls_stream_write (self->tls, buffer, count, TRUE, cancellable, error);
}

static gboolean
writev_fn (GOutputStream        *stream,
           const GOutputVector  *vectors,
           gsize                 n_vectors,
           gsize                *bytes_written,
           GCancellable         *cancellable,
           GError              **error)
{
  HttplibTlsOutputStream *self = HTTPLIB_TLS_OUTPUT_STREAM (stream);

  *bytes_written = 0;
  if (!check_attached (self, error))
    return FALSE;
  return httplib_tls_stream_writev (self->tls, vectors, n_vectors, bytes_written,
                                    cancellable, error);
}

/* The TLS stream closes the stream below; closing one half does nothing. */
static gboolean
close_fn (GOutputStream  *stream,
          GCancellable   *cancellable,
          GError        **error)
{
  return TRUE;
}

static gboolean
can_poll (GPollableOutputStream *stream)
{
  HttplibTlsOutputStream *self = HTTPLIB_TLS_OUTPUT_STREAM (stream);
  GOutputStream *base;

  if (self->tls == NULL)
    return FALSE;
  base = g_io_stream_get_output_stream (httplib_tls_stream_get_base (self->tls));
  return G_IS_POLLABLE_OUTPUT_STREAM (base) &&
         g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static gboolean
is_writable (GPollableOutputStream *stream)
{
  HttplibTlsOutputStream *self = HTTPLIB_TLS_OUTPUT_STREAM (stream);

  return self->tls == NULL || httplib_tls_stream_is_writable (self->tls);
}

static GSource *
create_source (GPollableOutputStream *stream,
               GCancellable          *cancellable)
{
  HttplibTlsOutputStream *self = HTTPLIB_TLS_OUTPUT_STREAM (stream);

  if (self->tls == NULL)
    return g_pollable_source_new_full (stream, g_timeout_source_new (0), cancellable);
  return httplib_tls_stream_create_source (self->tls, G_IO_OUT, G_OBJECT (stream), cancellable);
}

static gssize
write_nonblocking (GPollableOutputStream  *stream,
                   const void             *buffer,
                   gsize                   count,
                   GError                **error)
{
  HttplibTlsOutputStream *self = HTTPLIB_TLS_OUTPUT_STREAM (stream);

  if (!check_attached (self, error))
    return -1;
  return httplib_tls_stream_write (self->tls, buffer, count, FALSE, NULL, error);
}

static void
pollable_iface_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = can_poll;
  iface->is_writable = is_writable;
  iface->create_source = create_source;
  iface->write_nonblocking = write_nonblocking;
}

static void
httplib_tls_output_stream_class_init (HttplibTlsOutputStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = write_fn;
  stream_class->writev_fn = writev_fn;
  stream_class->close_fn = close_fn;
}

static void
httplib_tls_output_stream_init (HttplibTlsOutputStream *self)
{
}

GOutputStream *
httplib_tls_output_stream_new (HttplibTlsStream *tls)
{
  HttplibTlsOutputStream *self = g_object_new (HTTPLIB_TYPE_TLS_OUTPUT_STREAM, NULL);

  self->tls = tls;
  return G_OUTPUT_STREAM (self);
}

void
httplib_tls_output_stream_detach (HttplibTlsOutputStream *self)
{
  self->tls = NULL;
}
