/* httplib-replay-private.h: the insides of the replay transport
 *
 * HttplibReplayTransport holds the script and the recorded requests; each
 * open makes a peer (the scripted server's side of one connection) and a
 * GSimpleIOStream over a replay input and output stream that talk to it.
 */
#pragma once

#include "httplib-replay-transport.h"

G_BEGIN_DECLS

/* --- the transport, as its peers use it --- */

/* A new, empty request record; returns its index. */
guint   httplib_replay_transport_begin_request (HttplibReplayTransport *transport);
void    httplib_replay_transport_record        (HttplibReplayTransport *transport,
                                                guint                   index,
                                                const guint8           *data,
                                                gsize                   size);
/* Takes the next script step for a request whose head arrived: the
 * response to send (transfer full), *close_after set when a close step
 * follows it; NULL when the server closes instead (a close step), or
 * with *script_empty set when no step is left. */
GBytes *httplib_replay_transport_next_answer   (HttplibReplayTransport *transport,
                                                gboolean               *close_after,
                                                gboolean               *script_empty);

/* --- the peer: the server's side of one connection --- */

typedef struct _HttplibReplayPeer HttplibReplayPeer;

HttplibReplayPeer *httplib_replay_peer_new         (HttplibReplayTransport *transport);
HttplibReplayPeer *httplib_replay_peer_ref         (HttplibReplayPeer      *peer);
void               httplib_replay_peer_unref       (HttplibReplayPeer      *peer);
/* Never blocks: the bytes of the answers queued so far, else 0 (the end
 * of the stream), since nothing more can come without another request;
 * -1 with HTTPLIB_ERROR_PLUGIN once a request found the script empty
 * (not a close, which the connection would answer by sending again). */
gssize             httplib_replay_peer_read        (HttplibReplayPeer      *peer,
                                                    void                   *buffer,
                                                    gsize                   count,
                                                    GError                **error);
/* TRUE when a read would return bytes or the end of the stream. */
gboolean           httplib_replay_peer_is_readable (HttplibReplayPeer      *peer);
/* Records the bytes, and queues an answer for each request head completed;
 * drops a request that starts after the server closed. */
void               httplib_replay_peer_write       (HttplibReplayPeer      *peer,
                                                    const void             *buffer,
                                                    gsize                   count);
/* A pollable source for stream, ready while the peer is readable (always,
 * for the output). */
GSource           *httplib_replay_peer_create_source (HttplibReplayPeer    *peer,
                                                      GObject              *stream,
                                                      gboolean              output,
                                                      GCancellable         *cancellable);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibReplayPeer, httplib_replay_peer_unref)

/* --- the two streams --- */

#define HTTPLIB_TYPE_REPLAY_INPUT_STREAM (httplib_replay_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (HttplibReplayInputStream, httplib_replay_input_stream,
                      HTTPLIB, REPLAY_INPUT_STREAM, GInputStream)

GInputStream  *httplib_replay_input_stream_new  (HttplibReplayPeer *peer);

#define HTTPLIB_TYPE_REPLAY_OUTPUT_STREAM (httplib_replay_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (HttplibReplayOutputStream, httplib_replay_output_stream,
                      HTTPLIB, REPLAY_OUTPUT_STREAM, GOutputStream)

GOutputStream *httplib_replay_output_stream_new (HttplibReplayPeer *peer);

G_END_DECLS
