/* httplib-replay-peer.c: the scripted server's side of one replay connection
 *
 * What the client writes is recorded request by request: the peer follows
 * HTTP/1.1 request framing (the head up to its empty line, then a
 * Content-Length body or chunks and trailers) only to know where one
 * request ends and the next begins. When a head is complete the next
 * script step answers it at once, before any body, as a server sending
 * `100 Continue` or an early final status would. Reads never block:
 * when no answer is queued, nothing more can come until the client sends
 * another request, so the peer ends the stream as a server closing would,
 * and a test never hangs. A request that finds the script empty is a
 * mistake in the test rather than a server's behaviour, so its reads fail
 * with a message that says so. Once the server has closed, a new request
 * reaches nobody: it is neither recorded nor answered.
 */
#include "httplib-replay-private.h"
#include "httplib-error.h"

#include <string.h>

#define NO_RECORD G_MAXUINT

typedef enum {
  REQUEST_HEAD,        /* lines up to the empty one */
  REQUEST_BODY,        /* `remaining` bytes of a Content-Length body */
  REQUEST_CHUNK_SIZE,  /* a chunk-size line */
  REQUEST_CHUNK_DATA,  /* `remaining` bytes of chunk data */
  REQUEST_CHUNK_END,   /* the line break after chunk data */
  REQUEST_TRAILER,     /* trailer lines up to the empty one */
  REQUEST_UNTIL_CLOSE, /* framing the peer cannot follow: the rest is this request */
} RequestState;

struct _HttplibReplayPeer {
  GMutex                  lock;
  HttplibReplayTransport *transport;

  /* answers */
  GQueue                  answers;       /* GBytes, the first being read */
  gsize                   offset;        /* into the first answer */
  gboolean                ending;        /* no more answers: the end after the queued ones */
  char                   *unanswered;    /* why reads fail once the script ran out, or NULL */

  /* the request being written */
  RequestState            state;
  guint                   record;        /* its index in the transport, or NO_RECORD */
  GString                *line;
  gboolean                seen_request_line;
  char                   *request_line;  /* for messages */
  gboolean                chunked;
  gboolean                bad_framing;
  guint64                 content_length;
  guint64                 remaining;
};

HttplibReplayPeer *
httplib_replay_peer_new (HttplibReplayTransport *transport)
{
  HttplibReplayPeer *peer = g_atomic_rc_box_new0 (HttplibReplayPeer);

  g_mutex_init (&peer->lock);
  peer->transport = g_object_ref (transport);
  g_queue_init (&peer->answers);
  peer->state = REQUEST_HEAD;
  peer->record = NO_RECORD;
  peer->line = g_string_new (NULL);
  return peer;
}

HttplibReplayPeer *
httplib_replay_peer_ref (HttplibReplayPeer *peer)
{
  return g_atomic_rc_box_acquire (peer);
}

static void
peer_free_contents (HttplibReplayPeer *peer)
{
  g_queue_clear_full (&peer->answers, (GDestroyNotify) g_bytes_unref);
  g_string_free (peer->line, TRUE);
  g_free (peer->request_line);
  g_free (peer->unanswered);
  g_object_unref (peer->transport);
  g_mutex_clear (&peer->lock);
}

void
httplib_replay_peer_unref (HttplibReplayPeer *peer)
{
  g_atomic_rc_box_release_full (peer, (GDestroyNotify) peer_free_contents);
}

/* --- answers --- */

static void
answer_request (HttplibReplayPeer *peer)
{
  gboolean close_after = FALSE, script_empty = FALSE;
  GBytes *answer;

  /* A server that closed answers nothing more on this connection. */
  if (peer->ending)
    return;
  answer = httplib_replay_transport_next_answer (peer->transport, &close_after, &script_empty);
  if (answer == NULL)
    {
      peer->ending = TRUE;
      if (script_empty)
        peer->unanswered =
          g_strdup_printf ("the replay transport's script has no response left for "
                           "request %u (\"%s\"): add one per request the test makes",
                           peer->record, peer->request_line ? peer->request_line : "");
      return;
    }
  g_queue_push_tail (&peer->answers, answer);
  peer->ending = close_after;
}

gssize
httplib_replay_peer_read (HttplibReplayPeer  *peer,
                          void               *buffer,
                          gsize               count,
                          GError            **error)
{
  GBytes *answer;
  gsize size, n = 0;
  const guint8 *data;

  g_mutex_lock (&peer->lock);
  answer = g_queue_peek_head (&peer->answers);
  if (answer == NULL && peer->unanswered != NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN, peer->unanswered);
      g_mutex_unlock (&peer->lock);
      return -1;
    }
  if (answer == NULL)
    {
      /* Nothing asked is unanswered: the server has said all it will say. */
      peer->ending = TRUE;
      g_mutex_unlock (&peer->lock);
      return 0;
    }
  data = g_bytes_get_data (answer, &size);
  n = MIN (count, size - peer->offset);
  memcpy (buffer, data + peer->offset, n);
  peer->offset += n;
  if (peer->offset == size)
    {
      g_bytes_unref (g_queue_pop_head (&peer->answers));
      peer->offset = 0;
    }
  g_mutex_unlock (&peer->lock);
  return (gssize) n;
}

gboolean
httplib_replay_peer_is_readable (HttplibReplayPeer *peer)
{
  gboolean readable;

  g_mutex_lock (&peer->lock);
  readable = !g_queue_is_empty (&peer->answers) || peer->ending;
  g_mutex_unlock (&peer->lock);
  return readable;
}

/* --- following the request framing --- */

static void
request_done (HttplibReplayPeer *peer)
{
  peer->state = REQUEST_HEAD;
  peer->record = NO_RECORD;
  peer->seen_request_line = FALSE;
  g_clear_pointer (&peer->request_line, g_free);
  peer->chunked = FALSE;
  peer->bad_framing = FALSE;
  peer->content_length = 0;
}

static gboolean
line_is_empty (GString *line)
{
  return strcmp (line->str, "\r\n") == 0 || strcmp (line->str, "\n") == 0;
}

/* One field of the head: only the two that frame the body matter here. */
static void
head_field (HttplibReplayPeer *peer,
            const char        *line)
{
  const char *colon = strchr (line, ':');
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  if (colon == NULL)
    return;
  name = g_strndup (line, colon - line);
  value = g_strstrip (g_strdup (colon + 1));

  if (g_ascii_strcasecmp (name, "Content-Length") == 0)
    {
      guint64 length;

      if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &length, NULL))
        peer->content_length = length;
      else
        peer->bad_framing = TRUE;
    }
  else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    {
      const char *last = strrchr (value, ',');

      last = last ? last + 1 : value;
      while (*last == ' ' || *last == '\t')
        last++;
      if (g_ascii_strcasecmp (last, "chunked") == 0)
        peer->chunked = TRUE;
      else
        peer->bad_framing = TRUE;
    }
}

static void
head_done (HttplibReplayPeer *peer)
{
  answer_request (peer);
  if (peer->bad_framing)
    peer->state = REQUEST_UNTIL_CLOSE;
  else if (peer->chunked)
    peer->state = REQUEST_CHUNK_SIZE;
  else if (peer->content_length > 0)
    {
      peer->state = REQUEST_BODY;
      peer->remaining = peer->content_length;
    }
  else
    request_done (peer);
}

static void
chunk_size_line (HttplibReplayPeer *peer)
{
  char *end = NULL;
  guint64 size = g_ascii_strtoull (peer->line->str, &end, 16);

  if (end == peer->line->str)
    peer->state = REQUEST_UNTIL_CLOSE;
  else if (size == 0)
    peer->state = REQUEST_TRAILER;
  else
    {
      peer->state = REQUEST_CHUNK_DATA;
      peer->remaining = size;
    }
}

static void
line_done (HttplibReplayPeer *peer)
{
  switch (peer->state)
    {
    case REQUEST_HEAD:
      if (line_is_empty (peer->line))
        {
          /* Empty lines before a request line are skipped, as RFC 9112 allows. */
          if (peer->seen_request_line)
            head_done (peer);
        }
      else if (!peer->seen_request_line)
        {
          peer->seen_request_line = TRUE;
          peer->request_line = g_strchomp (g_strdup (peer->line->str));
        }
      else
        head_field (peer, peer->line->str);
      break;
    case REQUEST_CHUNK_SIZE:
      chunk_size_line (peer);
      break;
    case REQUEST_CHUNK_END:
      peer->state = REQUEST_CHUNK_SIZE;
      break;
    case REQUEST_TRAILER:
      if (line_is_empty (peer->line))
        request_done (peer);
      break;
    case REQUEST_BODY:
    case REQUEST_CHUNK_DATA:
    case REQUEST_UNTIL_CLOSE:
    default:
      g_assert_not_reached ();
    }
  g_string_truncate (peer->line, 0);
}

static gboolean
state_reads_lines (RequestState state)
{
  return state == REQUEST_HEAD || state == REQUEST_CHUNK_SIZE ||
         state == REQUEST_CHUNK_END || state == REQUEST_TRAILER;
}

void
httplib_replay_peer_write (HttplibReplayPeer *peer,
                           const void        *buffer,
                           gsize              count)
{
  const guint8 *data = buffer;

  g_mutex_lock (&peer->lock);
  while (count > 0)
    {
      gsize n;

      /* Written after the server closed: the bytes reach nobody. */
      if (peer->record == NO_RECORD && peer->ending && g_queue_is_empty (&peer->answers))
        break;
      if (peer->record == NO_RECORD)
        peer->record = httplib_replay_transport_begin_request (peer->transport);

      if (state_reads_lines (peer->state))
        {
          const guint8 *newline = memchr (data, '\n', count);

          n = newline ? (gsize) (newline - data) + 1 : count;
          g_string_append_len (peer->line, (const char *) data, n);
        }
      else if (peer->state == REQUEST_UNTIL_CLOSE)
        n = count;
      else
        n = (gsize) MIN ((guint64) count, peer->remaining);

      /* Recorded before the state moves on: the next byte may start a new request. */
      httplib_replay_transport_record (peer->transport, peer->record, data, n);
      data += n;
      count -= n;

      if (state_reads_lines (peer->state))
        {
          if (peer->line->len > 0 && peer->line->str[peer->line->len - 1] == '\n')
            line_done (peer);
        }
      else if (peer->state != REQUEST_UNTIL_CLOSE)
        {
          peer->remaining -= n;
          if (peer->remaining == 0 && peer->state == REQUEST_BODY)
            request_done (peer);
          else if (peer->remaining == 0)
            peer->state = REQUEST_CHUNK_END;
        }
    }
  g_mutex_unlock (&peer->lock);
}

/* --- readiness for the main loop --- */

typedef struct {
  GSource            source;
  HttplibReplayPeer *peer;
  GObject           *stream;
  gboolean           output;
} PeerSource;

static gboolean
peer_source_ready (GSource *source)
{
  PeerSource *self = (PeerSource *) source;

  return self->output || httplib_replay_peer_is_readable (self->peer);
}

static gboolean
peer_source_prepare (GSource *source,
                     int     *timeout)
{
  /* No file descriptor: only the client's own calls change readiness. */
  *timeout = -1;
  return peer_source_ready (source);
}

static gboolean
peer_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  PeerSource *self = (PeerSource *) source;

  if (callback == NULL)
    return G_SOURCE_CONTINUE;
  return ((GPollableSourceFunc) (void (*) (void)) callback) (self->stream, user_data);
}

static void
peer_source_finalize (GSource *source)
{
  PeerSource *self = (PeerSource *) source;

  httplib_replay_peer_unref (self->peer);
  g_object_unref (self->stream);
}

static GSourceFuncs peer_source_funcs = {
  .prepare = peer_source_prepare,
  .check = peer_source_ready,
  .dispatch = peer_source_dispatch,
  .finalize = peer_source_finalize,
};

GSource *
httplib_replay_peer_create_source (HttplibReplayPeer *peer,
                                   GObject           *stream,
                                   gboolean           output,
                                   GCancellable      *cancellable)
{
  GSource *source = g_source_new (&peer_source_funcs, sizeof (PeerSource));
  PeerSource *self = (PeerSource *) source;

  g_source_set_static_name (source, output ? "HttplibReplayOutputStream"
                                           : "HttplibReplayInputStream");
  self->peer = httplib_replay_peer_ref (peer);
  self->stream = g_object_ref (stream);
  self->output = output;
  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      /* The callback runs when cancelled, and the read then fails with CANCELLED. */
      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }
  return source;
}
