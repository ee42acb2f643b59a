/* httplib-replay-input-stream.c: what the scripted server sends, as a
 * pollable GInputStream
 *
 * Reads take the peer's queued answers and never block; the stream is
 * readable while an answer is queued or the server has ended, so an idle
 * kept-alive connection looks open, as a real one does.
 */
#include "httplib-replay-private.h"

struct _HttplibReplayInputStream {
  GInputStream       parent_instance;
  HttplibReplayPeer *peer;
};

static void pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibReplayInputStream, httplib_replay_input_stream,
                               G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      pollable_iface_init))

static gssize
replay_read (GInputStream  *stream,
             void          *buffer,
             gsize          count,
             GCancellable  *cancellable,
             GError       **error)
{
  HttplibReplayInputStream *self = HTTPLIB_REPLAY_INPUT_STREAM (stream);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  return httplib_replay_peer_read (self->peer, buffer, MIN (count, G_MAXSSIZE), error);
}

static gssize
replay_read_nonblocking (GPollableInputStream  *stream,
                         void                  *buffer,
                         gsize                  count,
                         GError               **error)
{
  HttplibReplayInputStream *self = HTTPLIB_REPLAY_INPUT_STREAM (stream);

  return httplib_replay_peer_read (self->peer, buffer, MIN (count, G_MAXSSIZE), error);
}

static gboolean
replay_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
replay_is_readable (GPollableInputStream *stream)
{
  return httplib_replay_peer_is_readable (HTTPLIB_REPLAY_INPUT_STREAM (stream)->peer);
}

static GSource *
replay_create_source (GPollableInputStream *stream,
                      GCancellable         *cancellable)
{
  return httplib_replay_peer_create_source (HTTPLIB_REPLAY_INPUT_STREAM (stream)->peer,
                                            G_OBJECT (stream), FALSE, cancellable);
}

static void
pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = replay_can_poll;
  iface->is_readable = replay_is_readable;
  iface->create_source = replay_create_source;
  iface->read_nonblocking = replay_read_nonblocking;
}

static void
httplib_replay_input_stream_finalize (GObject *object)
{
  HttplibReplayInputStream *self = HTTPLIB_REPLAY_INPUT_STREAM (object);

  g_clear_pointer (&self->peer, httplib_replay_peer_unref);
  G_OBJECT_CLASS (httplib_replay_input_stream_parent_class)->finalize (object);
}

static void
httplib_replay_input_stream_class_init (HttplibReplayInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = httplib_replay_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = replay_read;
}

static void
httplib_replay_input_stream_init (HttplibReplayInputStream *self)
{
}

GInputStream *
httplib_replay_input_stream_new (HttplibReplayPeer *peer)
{
  HttplibReplayInputStream *self = g_object_new (HTTPLIB_TYPE_REPLAY_INPUT_STREAM, NULL);

  self->peer = httplib_replay_peer_ref (peer);
  return G_INPUT_STREAM (self);
}
