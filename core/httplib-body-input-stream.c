/* httplib-body-input-stream.c: a response's body as a GInputStream
 *
 * Reads go through the response's body steps, so framing, progress and
 * errors are the response's own. The stream is pollable when the
 * connection's stream is, and GIO's async reads then run on the main
 * context without threads.
 */
#include "httplib-body-input-stream-private.h"
#include "httplib-connection-private.h"
#include "httplib-response-private.h"

struct _HttplibBodyInputStream {
  GInputStream     parent_instance;
  HttplibResponse *response;
};

static void pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibBodyInputStream, httplib_body_input_stream,
                               G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      pollable_iface_init))

static gssize
body_read (GInputStream  *stream,
           void          *buffer,
           gsize          count,
           GCancellable  *cancellable,
           GError       **error)
{
  HttplibBodyInputStream *self = HTTPLIB_BODY_INPUT_STREAM (stream);

  return httplib_response_read_into (self->response, buffer, count, cancellable, error);
}

/* Closing before the end drops the rest, as httplib_response_close() does. */
static gboolean
body_close (GInputStream  *stream,
            GCancellable  *cancellable,
            GError       **error)
{
  HttplibBodyInputStream *self = HTTPLIB_BODY_INPUT_STREAM (stream);

  httplib_response_close (self->response);
  return TRUE;
}

static GPollableInputStream *
connection_input (HttplibBodyInputStream *self)
{
  HttplibConnection *connection = httplib_response_get_connection (self->response);
  GInputStream *input = connection ? httplib_connection_get_input (connection) : NULL;

  return G_IS_POLLABLE_INPUT_STREAM (input) ? G_POLLABLE_INPUT_STREAM (input) : NULL;
}

static gboolean
body_can_poll (GPollableInputStream *stream)
{
  GPollableInputStream *input = connection_input (HTTPLIB_BODY_INPUT_STREAM (stream));

  /* A finished body reads at once, whatever carried it. */
  return input == NULL ? httplib_response_has_buffered_body (HTTPLIB_BODY_INPUT_STREAM (stream)->response)
                       : g_pollable_input_stream_can_poll (input);
}

static gboolean
body_is_readable (GPollableInputStream *stream)
{
  HttplibBodyInputStream *self = HTTPLIB_BODY_INPUT_STREAM (stream);
  GPollableInputStream *input;

  if (httplib_response_has_buffered_body (self->response))
    return TRUE;
  input = connection_input (self);
  return input != NULL && g_pollable_input_stream_is_readable (input);
}

static GSource *
body_create_source (GPollableInputStream *stream,
                    GCancellable         *cancellable)
{
  HttplibBodyInputStream *self = HTTPLIB_BODY_INPUT_STREAM (stream);
  GPollableInputStream *input = connection_input (self);
  g_autoptr(GSource) child = NULL;

  if (input == NULL || httplib_response_has_buffered_body (self->response))
    {
      /* Ready now: a source that fires at once. */
      child = g_timeout_source_new (0);
      return g_pollable_source_new_full (stream, child, cancellable);
    }
  child = g_pollable_input_stream_create_source (input, NULL);
  return g_pollable_source_new_full (stream, child, cancellable);
}

static gssize
body_read_nonblocking (GPollableInputStream  *stream,
                       void                  *buffer,
                       gsize                  count,
                       GError               **error)
{
  HttplibBodyInputStream *self = HTTPLIB_BODY_INPUT_STREAM (stream);

  return httplib_response_read_body (self->response, buffer, count, FALSE, NULL, error);
}

static void
pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = body_can_poll;
  iface->is_readable = body_is_readable;
  iface->create_source = body_create_source;
  iface->read_nonblocking = body_read_nonblocking;
}

static void
httplib_body_input_stream_finalize (GObject *object)
{
  HttplibBodyInputStream *self = HTTPLIB_BODY_INPUT_STREAM (object);

  g_clear_object (&self->response);
  G_OBJECT_CLASS (httplib_body_input_stream_parent_class)->finalize (object);
}

static void
httplib_body_input_stream_class_init (HttplibBodyInputStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = httplib_body_input_stream_finalize;
  stream_class->read_fn = body_read;
  stream_class->close_fn = body_close;
}

static void
httplib_body_input_stream_init (HttplibBodyInputStream *self)
{
}

GInputStream *
httplib_body_input_stream_new (HttplibResponse *response)
{
  HttplibBodyInputStream *self = g_object_new (HTTPLIB_TYPE_BODY_INPUT_STREAM, NULL);

  self->response = g_object_ref (response);
  return G_INPUT_STREAM (self);
}
