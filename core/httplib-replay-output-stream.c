/* httplib-replay-output-stream.c: what the client sends to the scripted
 * server, as a pollable GOutputStream
 *
 * Every write is taken whole, recorded and handed to the peer, which
 * queues an answer for each request head; the stream is always writable.
 */
#include "httplib-replay-private.h"

struct _HttplibReplayOutputStream {
  GOutputStream      parent_instance;
  HttplibReplayPeer *peer;
};

static void pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibReplayOutputStream, httplib_replay_output_stream,
                               G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      pollable_iface_init))

static gssize
replay_write (GOutputStream  *stream,
              const void     *buffer,
              gsize           count,
              GCancellable   *cancellable,
              GError        **error)
{
  HttplibReplayOutputStream *self = HTTPLIB_REPLAY_OUTPUT_STREAM (stream);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  count = MIN (count, G_MAXSSIZE);
  httplib_replay_peer_write (self->peer, buffer, count);
  return (gssize) count;
}

static gssize
replay_write_nonblocking (GPollableOutputStream  *stream,
                          const void             *buffer,
                          gsize                   count,
                          GError                **error)
{
  HttplibReplayOutputStream *self = HTTPLIB_REPLAY_OUTPUT_STREAM (stream);

  count = MIN (count, G_MAXSSIZE);
  httplib_replay_peer_write (self->peer, buffer, count);
  return (gssize) count;
}

static gboolean
replay_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

static gboolean
replay_is_writable (GPollableOutputStream *stream)
{
  return TRUE;
}

static GSource *
replay_create_source (GPollableOutputStream *stream,
                      GCancellable          *cancellable)
{
  return httplib_replay_peer_create_source (HTTPLIB_REPLAY_OUTPUT_STREAM (stream)->peer,
                                            G_OBJECT (stream), TRUE, cancellable);
}

static void
pollable_iface_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = replay_can_poll;
  iface->is_writable = replay_is_writable;
  iface->create_source = replay_create_source;
  iface->write_nonblocking = replay_write_nonblocking;
}

static void
httplib_replay_output_stream_finalize (GObject *object)
{
  HttplibReplayOutputStream *self = HTTPLIB_REPLAY_OUTPUT_STREAM (object);

  g_clear_pointer (&self->peer, httplib_replay_peer_unref);
  G_OBJECT_CLASS (httplib_replay_output_stream_parent_class)->finalize (object);
}

static void
httplib_replay_output_stream_class_init (HttplibReplayOutputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = httplib_replay_output_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = replay_write;
}

static void
httplib_replay_output_stream_init (HttplibReplayOutputStream *self)
{
}

GOutputStream *
httplib_replay_output_stream_new (HttplibReplayPeer *peer)
{
  HttplibReplayOutputStream *self = g_object_new (HTTPLIB_TYPE_REPLAY_OUTPUT_STREAM, NULL);

  self->peer = httplib_replay_peer_ref (peer);
  return G_OUTPUT_STREAM (self);
}
