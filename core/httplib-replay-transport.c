/* httplib-replay-transport.c: a transport that answers from a script, for tests
 *
 * The script is a queue of steps (a response, or the server closing the
 * connection) shared by every connection the transport opens; each
 * connection gets a peer (httplib-replay-peer.c) that records what the
 * client writes and takes the next step whenever a request head is
 * complete. No thread, no socket, no timer: the same calls give the same
 * bytes every time.
 */
#include "httplib-replay-private.h"
#include "httplib-error.h"
#include "httplib-status.h"

#include <string.h>

typedef struct {
  GBytes *response;  /* NULL: the server closes the connection */
} Step;

struct _HttplibReplayTransport {
  GObject     parent_instance;

  GMutex      lock;          /* connections may run on other threads */
  GQueue      script;        /* Step, the next first */
  GPtrArray  *requests;      /* GByteArray, one per request, in the order they began */
  guint       n_connections;
};

static void transport_iface_init (HttplibTransportInterface *iface);

/**
 * HttplibReplayTransport:
 *
 * A transport for an application's own tests: deterministic and offline,
 * it answers requests with responses scripted in advance and records the
 * requests it receives.
 *
 * Give it to a connection with
 * [method@Connection.set_transport_instance]; it opens the connection
 * without any network. Each request, once its head is written, is
 * answered by the next step of the script: a response (raw bytes, sent
 * as they are) or a close of the connection (the call reading the
 * response then fails with %HTTPLIB_ERROR_REMOTE_DISCONNECTED, as when a
 * real server closes). A request that finds the script empty is a
 * mistake in the test: reading its response fails with
 * %HTTPLIB_ERROR_PLUGIN, "the replay transport's script has no response
 * left for request 2 ("GET /next HTTP/1.1") ...", and never hangs. When nothing more is scripted for the response being read (a
 * body shorter than its `Content-Length`, or one that lasts until the
 * connection closes), the read sees the connection close.
 *
 * What the server receives is recorded, one entry per request (its head
 * and its body, chunked framing included, as they went out), in the order
 * the requests began, across every connection the transport opened. A
 * request written on a connection the server had closed reaches nobody
 * and is not recorded; the connection sends an idempotent one again on a
 * new connection, as it would to a real server.
 *
 * ```c
 * g_autoptr(HttplibReplayTransport) replay = httplib_replay_transport_new ();
 * g_autoptr(GBytes) body = g_bytes_new_static ("hello", 5);
 * g_autoptr(HttplibConnection) conn = httplib_connection_new ("example.org", 0, &error);
 * g_autoptr(HttplibResponse) response = NULL;
 * g_autoptr(GBytes) sent = NULL;
 *
 * httplib_replay_transport_add_simple_response (replay, 200, NULL, body);
 * httplib_connection_set_transport_instance (conn, HTTPLIB_TRANSPORT (replay));
 * httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error);
 * response = httplib_connection_get_response (conn, NULL, &error);
 * // 200, and a body of "hello"
 *
 * sent = httplib_replay_transport_get_request (replay, 0);
 * // "GET / HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: identity\r\n\r\n"
 * ```
 *
 * From Python:
 *
 * ```python
 * replay = Httplib.ReplayTransport.new()
 * replay.add_response(GLib.Bytes.new(b"HTTP/1.1 204 No Content\r\n\r\n"))
 * conn = Httplib.Connection.new("example.org", 0)
 * conn.set_transport_instance(replay)
 * conn.request("DELETE", "/item/1", None, None)
 * assert conn.get_response().props.status == 204
 * assert replay.get_request(0).get_data().startswith(b"DELETE /item/1 HTTP/1.1\r\n")
 * ```
 *
 * The streams it opens are pollable, so the async calls run on the main
 * context as they do over TCP, without threads. The transport must be
 * the first link of a chain: over another link's stream its open fails
 * with %HTTPLIB_ERROR_PLUGIN. A connection with TLS settings would speak
 * TLS to the script, which cannot answer it.
 *
 * It can also be registered under a name like any transport, but a new
 * instance made from a name has an empty script: give the configured
 * instance to the connection instead.
 */
G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibReplayTransport, httplib_replay_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                      transport_iface_init))

static void
step_free (Step *step)
{
  g_clear_pointer (&step->response, g_bytes_unref);
  g_free (step);
}

static GIOStream *
open_stream (HttplibReplayTransport  *self,
             GIOStream               *base,
             GCancellable            *cancellable,
             GError                 **error)
{
  g_autoptr(HttplibReplayPeer) peer = NULL;
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;
  GIOStream *stream;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (base != NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                           "the replay transport opens the first link of a chain; "
                           "it cannot run over another transport's stream");
      return NULL;
    }

  g_mutex_lock (&self->lock);
  self->n_connections++;
  g_mutex_unlock (&self->lock);

  peer = httplib_replay_peer_new (self);
  input = httplib_replay_input_stream_new (peer);
  output = httplib_replay_output_stream_new (peer);
  stream = g_simple_io_stream_new (input, output);
  httplib_transport_report_event (HTTPLIB_TRANSPORT (self), HTTPLIB_TRANSPORT_EVENT_CONNECTED,
                                  stream);
  httplib_transport_report_event (HTTPLIB_TRANSPORT (self), HTTPLIB_TRANSPORT_EVENT_COMPLETE,
                                  stream);
  return stream;
}

static GIOStream *
replay_open (HttplibTransport  *transport,
             HttplibEndpoint   *endpoint,
             GIOStream         *base,
             GCancellable      *cancellable,
             GError           **error)
{
  return open_stream (HTTPLIB_REPLAY_TRANSPORT (transport), base, cancellable, error);
}

static void
replay_open_async (HttplibTransport    *transport,
                   HttplibEndpoint     *endpoint,
                   GIOStream           *base,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  GError *error = NULL;
  GIOStream *stream;

  g_task_set_source_tag (task, replay_open_async);
  /* Opening never waits; GTask still delivers the result from the main loop. */
  stream = open_stream (HTTPLIB_REPLAY_TRANSPORT (transport), base, cancellable, &error);
  if (stream == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

static GIOStream *
replay_open_finish (HttplibTransport  *transport,
                    GAsyncResult      *result,
                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = replay_open;
  iface->open_async = replay_open_async;
  iface->open_finish = replay_open_finish;
}

static void
httplib_replay_transport_finalize (GObject *object)
{
  HttplibReplayTransport *self = HTTPLIB_REPLAY_TRANSPORT (object);

  g_queue_clear_full (&self->script, (GDestroyNotify) step_free);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (httplib_replay_transport_parent_class)->finalize (object);
}

static void
httplib_replay_transport_class_init (HttplibReplayTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = httplib_replay_transport_finalize;
}

static void
httplib_replay_transport_init (HttplibReplayTransport *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->script);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
}

/**
 * httplib_replay_transport_new:
 *
 * Creates a replay transport with an empty script.
 *
 * Returns: (transfer full): a new replay transport
 */
HttplibReplayTransport *
httplib_replay_transport_new (void)
{
  return g_object_new (HTTPLIB_TYPE_REPLAY_TRANSPORT, NULL);
}

static void
add_step (HttplibReplayTransport *self,
          GBytes                 *response)
{
  Step *step = g_new0 (Step, 1);

  step->response = response;
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->script, step);
  g_mutex_unlock (&self->lock);
}

/**
 * httplib_replay_transport_add_response:
 * @transport: a replay transport
 * @raw: the response as the server sends it: status line, header fields,
 *   the empty line and the body, with its framing
 *
 * Adds a response to the end of the script. It answers one request and is
 * sent as it is, byte for byte, so it may be anything a server could send:
 * an interim `100 Continue` before the final response, a chunked body, a
 * malformed head for testing how the client refuses it.
 */
void
httplib_replay_transport_add_response (HttplibReplayTransport *transport,
                                       GBytes                 *raw)
{
  g_return_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport));
  g_return_if_fail (raw != NULL);

  add_step (transport, g_bytes_ref (raw));
}

/* RFC 9110: these never have a body, and 1xx and 204 no Content-Length either. */
static gboolean
status_has_length (guint status)
{
  return status >= 200 && status != 204 && status != 304;
}

/**
 * httplib_replay_transport_add_simple_response:
 * @transport: a replay transport
 * @status: the status code, 100 to 999
 * @headers: (nullable): header fields to send, in order
 * @body: (nullable): the body, or %NULL for none
 *
 * Adds an HTTP/1.1 response to the end of the script, built from its
 * parts: the status line with the standard reason phrase (none for a
 * code without one), @headers as given, a `Content-Length` of @body's
 * size unless @headers has `Content-Length` or `Transfer-Encoding` (or
 * the status has no body: 1xx, 204, 304), the empty line, then @body.
 */
void
httplib_replay_transport_add_simple_response (HttplibReplayTransport *transport,
                                              guint                   status,
                                              HttplibHeaders         *headers,
                                              GBytes                 *body)
{
  g_autoptr(GString) raw = g_string_new (NULL);
  const char *phrase;
  gsize body_size = body ? g_bytes_get_size (body) : 0;

  g_return_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport));
  g_return_if_fail (status >= 100 && status <= 999);

  phrase = httplib_status_get_phrase (status);
  g_string_append_printf (raw, "HTTP/1.1 %u %s\r\n", status, phrase ? phrase : "");
  if (headers != NULL)
    {
      HttplibHeadersIter iter;
      const char *name, *value;

      httplib_headers_iter_init (&iter, headers);
      while (httplib_headers_iter_next (&iter, &name, &value))
        g_string_append_printf (raw, "%s: %s\r\n", name, value);
    }
  if (status_has_length (status) &&
      (headers == NULL || (!httplib_headers_contains (headers, "Content-Length") &&
                           !httplib_headers_contains (headers, "Transfer-Encoding"))))
    g_string_append_printf (raw, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_size);
  g_string_append (raw, "\r\n");
  if (body != NULL)
    g_string_append_len (raw, g_bytes_get_data (body, NULL), (gssize) body_size);

  add_step (transport, g_string_free_to_bytes (g_steal_pointer (&raw)));
}

/**
 * httplib_replay_transport_add_close:
 * @transport: a replay transport
 *
 * Adds a close of the connection to the end of the script. After a
 * response, the server closes the connection once the response is read:
 * the next request finds it closed and goes on a new connection (a
 * request that is not idempotent, such as a `POST`, fails with
 * %HTTPLIB_ERROR_REMOTE_DISCONNECTED instead of being sent twice). As the
 * first step, or after another close, it answers the next request by
 * closing without a response (%HTTPLIB_ERROR_REMOTE_DISCONNECTED, unless
 * the connection sends the request again).
 */
void
httplib_replay_transport_add_close (HttplibReplayTransport *transport)
{
  g_return_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport));

  add_step (transport, NULL);
}

/**
 * httplib_replay_transport_get_n_pending:
 * @transport: a replay transport
 *
 * Counts the script's steps not taken yet (responses and closes), so a
 * test can check that every scripted response was asked for.
 *
 * Returns: the number of steps left
 */
guint
httplib_replay_transport_get_n_pending (HttplibReplayTransport *transport)
{
  guint n;

  g_return_val_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport), 0);

  g_mutex_lock (&transport->lock);
  n = g_queue_get_length (&transport->script);
  g_mutex_unlock (&transport->lock);
  return n;
}

/**
 * httplib_replay_transport_get_n_requests:
 * @transport: a replay transport
 *
 * Counts the requests received, including one still being written.
 *
 * Returns: the number of requests received
 */
guint
httplib_replay_transport_get_n_requests (HttplibReplayTransport *transport)
{
  guint n;

  g_return_val_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport), 0);

  g_mutex_lock (&transport->lock);
  n = transport->requests->len;
  g_mutex_unlock (&transport->lock);
  return n;
}

/**
 * httplib_replay_transport_get_request:
 * @transport: a replay transport
 * @index: which request, from 0 for the first
 *
 * Gets the bytes of one request as the client wrote them: the head and
 * the body with its framing.
 *
 * Returns: (transfer full) (nullable): a copy of the request's bytes, or
 *   %NULL when @index is not below httplib_replay_transport_get_n_requests()
 */
GBytes *
httplib_replay_transport_get_request (HttplibReplayTransport *transport,
                                      guint                   index)
{
  GBytes *bytes = NULL;

  g_return_val_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport), NULL);

  g_mutex_lock (&transport->lock);
  if (index < transport->requests->len)
    {
      GByteArray *request = transport->requests->pdata[index];

      bytes = g_bytes_new (request->data, request->len);
    }
  g_mutex_unlock (&transport->lock);
  return bytes;
}

/**
 * httplib_replay_transport_get_requests:
 * @transport: a replay transport
 *
 * Gets every request received so far, one entry per request in the order
 * they began, as httplib_replay_transport_get_request() gives them.
 *
 * Returns: (transfer container) (element-type GBytes): copies of the requests;
 *   the array drops them when it is freed with g_ptr_array_unref()
 */
GPtrArray *
httplib_replay_transport_get_requests (HttplibReplayTransport *transport)
{
  GPtrArray *requests;

  g_return_val_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport), NULL);

  requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_mutex_lock (&transport->lock);
  for (guint i = 0; i < transport->requests->len; i++)
    {
      GByteArray *request = transport->requests->pdata[i];

      g_ptr_array_add (requests, g_bytes_new (request->data, request->len));
    }
  g_mutex_unlock (&transport->lock);
  return requests;
}

/**
 * httplib_replay_transport_get_n_connections:
 * @transport: a replay transport
 *
 * Counts the connections opened: one per open of a connection, so
 * requests on a kept-alive connection count one.
 *
 * Returns: the number of connections opened
 */
guint
httplib_replay_transport_get_n_connections (HttplibReplayTransport *transport)
{
  guint n;

  g_return_val_if_fail (HTTPLIB_IS_REPLAY_TRANSPORT (transport), 0);

  g_mutex_lock (&transport->lock);
  n = transport->n_connections;
  g_mutex_unlock (&transport->lock);
  return n;
}

/* --- for the peers --- */

guint
httplib_replay_transport_begin_request (HttplibReplayTransport *transport)
{
  guint index;

  g_mutex_lock (&transport->lock);
  index = transport->requests->len;
  g_ptr_array_add (transport->requests, g_byte_array_new ());
  g_mutex_unlock (&transport->lock);
  return index;
}

void
httplib_replay_transport_record (HttplibReplayTransport *transport,
                                 guint                   index,
                                 const guint8           *data,
                                 gsize                   size)
{
  g_mutex_lock (&transport->lock);
  while (size > 0)
    {
      guint n = (guint) MIN (size, G_MAXUINT);

      g_byte_array_append (transport->requests->pdata[index], data, n);
      data += n;
      size -= n;
    }
  g_mutex_unlock (&transport->lock);
}

GBytes *
httplib_replay_transport_next_answer (HttplibReplayTransport *transport,
                                      gboolean               *close_after,
                                      gboolean               *script_empty)
{
  Step *step, *next;
  GBytes *response = NULL;

  g_mutex_lock (&transport->lock);
  step = g_queue_pop_head (&transport->script);
  *script_empty = step == NULL;
  if (step != NULL)
    response = g_steal_pointer (&step->response);
  g_clear_pointer (&step, step_free);

  /* A close right after a response belongs to that response's connection. */
  next = g_queue_peek_head (&transport->script);
  *close_after = FALSE;
  if (response != NULL && next != NULL && next->response == NULL)
    {
      step_free (g_queue_pop_head (&transport->script));
      *close_after = TRUE;
    }
  g_mutex_unlock (&transport->lock);
  return response;
}
