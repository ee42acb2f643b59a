/* httplib-connection-async.c: the connection's calls that never block
 *
 * Each call is a GTask on the caller's thread-default main context, so
 * callbacks and signals arrive there. Reads run the same steps as the
 * blocking calls, without blocking: when a step would block, the task
 * waits for the input (a pollable source, or one read through GIO's async
 * machinery for a stream that cannot be polled) and runs the step again.
 * Writes are GIO's async writes. A call that finds another one under way
 * fails at once, so nothing interleaves on the wire.
 */
#include "httplib-connection-private.h"
#include "httplib-chunked-output-stream-private.h"
#include "httplib-debug-private.h"
#include "httplib-error.h"
#include "httplib-response-private.h"

/* --- waiting for input --- */

typedef struct {
  HttplibConnection *connection;
  GTask             *task;
  HttplibRetryFunc   retry;
  guint              generation;
} Wait;

static void
wait_free (Wait *wait)
{
  g_object_unref (wait->connection);
  g_object_unref (wait->task);
  g_free (wait);
}

static GError *
closed_meanwhile (void)
{
  return g_error_new_literal (HTTPLIB_ERROR, HTTPLIB_ERROR_NOT_CONNECTED,
                              "the connection was closed during the operation");
}

static gboolean
on_input_readable (GObject  *stream,
                   gpointer  user_data)
{
  Wait *wait = user_data;

  wait->retry (wait->task,
               wait->generation == wait->connection->generation ? NULL : closed_meanwhile ());
  return G_SOURCE_REMOVE;
}

static void
on_input_filled (GObject      *stream,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;
  HttplibConnection *self = wait->connection;
  GError *error = NULL;

  if (wait->generation != self->generation)
    error = closed_meanwhile ();
  else
    httplib_read_buffer_fill_finish (&self->buffer, result, &error);
  wait->retry (wait->task, error);
  wait_free (wait);
}

void
httplib_connection_wait_input (HttplibConnection *self,
                               GTask             *task,
                               HttplibRetryFunc   retry)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  Wait *wait;

  if (self->input == NULL)
    {
      retry (task, g_error_new_literal (HTTPLIB_ERROR, HTTPLIB_ERROR_NOT_CONNECTED,
                                        "the connection was closed"));
      return;
    }

  wait = g_new0 (Wait, 1);
  wait->connection = g_object_ref (self);
  wait->task = g_object_ref (task);
  wait->retry = retry;
  wait->generation = self->generation;
  if (G_IS_POLLABLE_INPUT_STREAM (self->input) &&
      g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->input)))
    {
      GSource *source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->input),
                                                               cancellable);

      g_source_set_callback (source, G_SOURCE_FUNC (on_input_readable), wait,
                             (GDestroyNotify) wait_free);
      /* Wakes the head's reader when its time is up, input or not. */
      if (self->head_deadline != 0)
        g_source_set_ready_time (source, self->head_deadline);
      g_source_attach (source, g_task_get_context (task));
      g_source_unref (source);
    }
  else
    httplib_read_buffer_fill_async (&self->buffer, self->input, cancellable,
                                    on_input_filled, wait);
}

/* --- connecting --- */

static void
on_chain_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibConnection *self = HTTPLIB_CONNECTION (source);
  HttplibConnectionState before = GPOINTER_TO_INT (g_task_get_task_data (task));
  GIOStream *base = NULL, *top = NULL;
  GError *error = NULL;

  if (!httplib_chain_open_finish (self->chain, result, &base, &top, &error))
    base = top = NULL;
  httplib_connection_connect_end (self, before, base, top);
  if (top == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Opens the chain; the caller holds the busy flag. */
static void
open_async (HttplibConnection   *self,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  HttplibChainConfig config;

  g_task_set_task_data (task, GINT_TO_POINTER (httplib_connection_connect_begin (self)), NULL);
  httplib_connection_get_chain_config (self, &config);
  httplib_chain_open_async (self->chain, &config, self, cancellable, on_chain_opened, task);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibConnection *self = HTTPLIB_CONNECTION (source);
  GError *error = NULL;

  self->busy = FALSE;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * httplib_connection_connect_async:
 * @connection: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the connection is open or opening failed
 * @user_data: data for @callback
 *
 * httplib_connection_connect() without blocking: resolving, connecting,
 * the CONNECT tunnel and the TLS handshake all run on the main context.
 * Finish with httplib_connection_connect_finish().
 *
 * Errors: those of httplib_connection_connect();
 * %HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE while another call is under way.
 */
void
httplib_connection_connect_async (HttplibConnection   *connection,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;

  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));

  if (!httplib_connection_check_idle_caller (connection, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE, &error))
    {
      g_task_report_error (connection, callback, user_data, httplib_connection_connect_async,
                           error);
      return;
    }
  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_connection_connect_async);
  if (connection->stream != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  connection->busy = TRUE;
  open_async (connection, cancellable, on_connected, task);
}

/**
 * httplib_connection_connect_finish:
 * @connection: a connection
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_connection_connect_async().
 *
 * Returns: %TRUE when connected
 */
gboolean
httplib_connection_connect_finish (HttplibConnection  *connection,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- sending a request --- */

typedef struct {
  char                *method;
  char                *url;
  HttplibBodySource   *body;
  HttplibHeaders      *headers;
  gboolean             chunked;
  gboolean             expect;
  GBytes              *in_memory;
  GOutputVector        vectors[4];
  char                 size_line[24];
  GOutputStream       *chunker;
  HttplibContinueWait  wait;
  GSource             *readable;   /* Expect: the server said something */
  GSource             *timer;      /* Expect: the continue timeout */
} RequestData;

static void
stop_continue_wait (RequestData *data)
{
  if (data->readable != NULL)
    g_source_destroy (data->readable);
  if (data->timer != NULL)
    g_source_destroy (data->timer);
  g_clear_pointer (&data->readable, g_source_unref);
  g_clear_pointer (&data->timer, g_source_unref);
}

static void
request_data_free (RequestData *data)
{
  stop_continue_wait (data);
  g_free (data->method);
  g_free (data->url);
  g_clear_object (&data->body);
  g_clear_pointer (&data->headers, httplib_headers_unref);
  g_clear_pointer (&data->in_memory, g_bytes_unref);
  g_clear_object (&data->chunker);
  httplib_continue_wait_clear (&data->wait);
  g_free (data);
}

static void
request_done (GTask  *task,
              GError *error)
{
  HttplibConnection *self = g_task_get_source_object (task);

  self->busy = FALSE;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* A write or read failed part way: the connection cannot go on. */
static void
request_failed (GTask  *task,
                GError *error)
{
  httplib_connection_fail_write (g_task_get_source_object (task));
  request_done (task, error);
}

static void
on_chunks_finished (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RequestData *data = g_task_get_task_data (task);
  GError *error = NULL;

  /* The source is the stream under the chunker, which wrote the zero chunk. */
  if (httplib_chunked_output_stream_finish_finish (HTTPLIB_CHUNKED_OUTPUT_STREAM (data->chunker),
                                                   result, &error))
    request_done (task, NULL);
  else
    request_failed (task, error);
}

static void
on_body_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RequestData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!httplib_body_source_write_to_finish (HTTPLIB_BODY_SOURCE (source), result, &error))
    request_failed (task, error);
  else if (data->chunker != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      httplib_chunked_output_stream_finish_async (HTTPLIB_CHUNKED_OUTPUT_STREAM (data->chunker),
                                                  cancellable, on_chunks_finished,
                                                  g_steal_pointer (&task));
    }
  else
    request_done (task, NULL);
}

static void
send_body (GTask *task)
{
  HttplibConnection *self = g_task_get_source_object (task);
  RequestData *data = g_task_get_task_data (task);
  GOutputStream *target = self->output;

  if (self->debug_level > 0)
    httplib_debug_printf ("send: <body from %s, %" G_GINT64_FORMAT " bytes>",
                          G_OBJECT_TYPE_NAME (data->body),
                          httplib_body_source_get_length (data->body));
  if (data->chunked)
    target = data->chunker = httplib_chunked_output_stream_new (self->output);
  httplib_body_source_write_to_async (data->body, target, g_task_get_cancellable (task),
                                      on_body_written, g_object_ref (task));
}

/* Expect: 100-continue, once the server said something: a 100 releases
 * the body, a final status takes its place. */
static void
continue_step (GTask  *task,
               GError *error)
{
  HttplibConnection *self = g_task_get_source_object (task);
  RequestData *data = g_task_get_task_data (task);

  if (error == NULL &&
      !httplib_response_await_continue (&data->wait, self, self->strict, self->debug_level,
                                        FALSE, &self->early_head,
                                        g_task_get_cancellable (task), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_clear_error (&error);
          httplib_connection_wait_input (self, task, continue_step);
          return;
        }
    }
  if (error != NULL)
    {
      request_failed (task, error);
      return;
    }
  if (self->early_head != NULL)
    {
      if (self->debug_level > 0)
        httplib_debug_printf ("send: <body skipped: the server answered %u before 100 Continue>",
                              self->early_head->status);
      request_done (task, NULL);
      return;
    }
  send_body (task);
}

static gboolean
on_continue_readable (GObject  *stream,
                      gpointer  user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);

  stop_continue_wait (g_task_get_task_data (task));
  continue_step (task, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_continue_timeout (gpointer user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);

  stop_continue_wait (g_task_get_task_data (task));
  send_body (task);
  return G_SOURCE_REMOVE;
}

static void
start_continue_wait (GTask *task)
{
  HttplibConnection *self = g_task_get_source_object (task);
  RequestData *data = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);

  if (httplib_read_buffer_available (&self->buffer) > 0)
    {
      continue_step (task, NULL);
      return;
    }
  /* As the blocking call: without a way to wait, the body goes at once. */
  if (self->continue_timeout <= 0 || !G_IS_POLLABLE_INPUT_STREAM (self->input) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->input)))
    {
      send_body (task);
      return;
    }

  data->readable = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->input),
                                                          g_task_get_cancellable (task));
  g_source_set_callback (data->readable, G_SOURCE_FUNC (on_continue_readable),
                         g_object_ref (task), g_object_unref);
  g_source_attach (data->readable, context);
  data->timer = g_timeout_source_new ((guint) MIN (self->continue_timeout * 1000, G_MAXUINT));
  g_source_set_callback (data->timer, on_continue_timeout, g_object_ref (task), g_object_unref);
  g_source_attach (data->timer, context);
}

static void on_request_connected (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_head_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibConnection *self = g_task_get_source_object (task);
  RequestData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_writev_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (httplib_connection_can_rewrite (self, data->body == NULL, error))
        {
          /* The server had reset the kept-alive connection: build it all again on a new one. */
          g_clear_error (&error);
          httplib_connection_close (self);
          open_async (self, g_task_get_cancellable (task), on_request_connected, g_object_ref (task));
          return;
        }
      request_failed (task, error);
      return;
    }
  httplib_connection_head_sent (self, data->body == NULL);
  if (data->expect)
    start_continue_wait (task);
  else if (data->body != NULL && data->in_memory == NULL)
    send_body (task);
  else
    request_done (task, NULL);
}

static void
send_head (GTask *task)
{
  HttplibConnection *self = g_task_get_source_object (task);
  RequestData *data = g_task_get_task_data (task);
  gsize n;

  data->chunked = httplib_connection_build_request (self, data->method, data->url,
                                                    data->body, data->headers);
  data->expect = httplib_connection_expects_continue (data->body, data->headers);
  if (data->body != NULL && !data->expect)
    data->in_memory = httplib_body_source_get_bytes (data->body);
  n = httplib_connection_end_head (self, data->in_memory, data->chunked, data->vectors,
                                   data->size_line);
  if (self->debug_level > 0)
    for (gsize i = 0; i < n; i++)
      httplib_debug_send (data->vectors[i].buffer, data->vectors[i].size);
  g_output_stream_writev_all_async (self->output, data->vectors, n, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), on_head_written,
                                    g_object_ref (task));
}

static void
on_request_connected (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    send_head (task);
  else
    request_done (task, error);
}

/**
 * httplib_connection_request_async:
 * @connection: a connection
 * @method: the method, an RFC 9110 token such as `GET`
 * @url: the request target, such as `/index.html`
 * @body: (nullable): the body, or %NULL
 * @headers: (nullable): extra headers
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the request (head and body) is sent or sending failed
 * @user_data: data for @callback
 *
 * httplib_connection_request() without blocking, opening the connection
 * first when needed, with the same headers, framing and
 * `Expect: 100-continue` handling. Finish with
 * httplib_connection_request_finish().
 *
 * Errors: those of httplib_connection_request();
 * %HTTPLIB_ERROR_CANNOT_SEND_REQUEST while another call is under way.
 * Bad arguments are reported before anything is sent.
 */
void
httplib_connection_request_async (HttplibConnection   *connection,
                                  const char          *method,
                                  const char          *url,
                                  HttplibBodySource   *body,
                                  HttplibHeaders      *headers,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  HttplibConnection *self = connection;
  RequestData *data;
  GTask *task;
  GError *error = NULL;

  g_return_if_fail (HTTPLIB_IS_CONNECTION (self));
  g_return_if_fail (method != NULL && url != NULL);
  g_return_if_fail (body == NULL || HTTPLIB_IS_BODY_SOURCE (body));

  if (!httplib_connection_check_request (self, method, url, headers, &error))
    {
      g_task_report_error (self, callback, user_data, httplib_connection_request_async, error);
      return;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_connection_request_async);
  data = g_new0 (RequestData, 1);
  data->method = g_strdup (method);
  data->url = g_strdup (url);
  data->body = body ? g_object_ref (body) : NULL;
  data->headers = headers ? httplib_headers_ref (headers) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) request_data_free);

  self->busy = TRUE;
  if (httplib_connection_needs_connect (self))
    open_async (self, cancellable, on_request_connected, task);
  else
    {
      send_head (task);
      g_object_unref (task);
    }
}

/**
 * httplib_connection_request_finish:
 * @connection: a connection
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_connection_request_async().
 *
 * Returns: %TRUE when the request was sent
 */
gboolean
httplib_connection_request_finish (HttplibConnection  *connection,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- reading the response head --- */

static void on_reopened (GObject *source, GAsyncResult *result, gpointer user_data);

static void
response_failed (GTask  *task,
                 GError *error)
{
  HttplibConnection *self = g_task_get_source_object (task);

  httplib_connection_clear_head_deadline (self);
  self->busy = FALSE;
  httplib_connection_close (self);
  g_task_return_error (task, error);
}

static void
response_step (GTask  *task,
               GError *error)
{
  HttplibConnection *self = g_task_get_source_object (task);
  HttplibResponse *response = g_task_get_task_data (task);

  if (error == NULL &&
      httplib_response_begin_step (response, FALSE, g_task_get_cancellable (task), &error))
    {
      httplib_connection_clear_head_deadline (self);
      self->busy = FALSE;
      g_task_return_pointer (task, g_object_ref (httplib_response_hand_out (response)),
                             g_object_unref);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_clear_error (&error);
      if (httplib_connection_check_head_deadline (self, &error))
        {
          httplib_connection_wait_input (self, task, response_step);
          return;
        }
    }
  if (httplib_connection_can_resend (self, response, error))
    {
      g_clear_error (&error);
      httplib_connection_clear_head_deadline (self);
      httplib_connection_close (self);
      open_async (self, g_task_get_cancellable (task), on_reopened, g_object_ref (task));
      return;
    }
  response_failed (task, error);
}

static void
on_head_resent (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibConnection *self = g_task_get_source_object (task);
  HttplibResponse *response;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      httplib_connection_fail_write (self);
      response_failed (task, error);
      return;
    }
  httplib_connection_head_sent (self, TRUE);
  /* A new response for the new connection; the busy flag is still ours. */
  self->busy = FALSE;
  response = httplib_connection_take_response (self, &error);
  self->busy = TRUE;
  if (response == NULL)
    {
      response_failed (task, error);
      return;
    }
  g_task_set_task_data (task, response, g_object_unref);
  /* a new exchange: its head gets the whole timeout */
  httplib_connection_start_head_deadline (self);
  response_step (task, NULL);
}

/* The request lost to a server's close goes again on a new connection. */
static void
on_reopened (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibConnection *self = HTTPLIB_CONNECTION (source);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      response_failed (task, error);
      return;
    }
  httplib_connection_set_state (self, HTTPLIB_CONNECTION_STATE_REQUEST_STARTED);
  if (self->debug_level > 0)
    httplib_debug_send (self->request->str, self->request->len);
  g_output_stream_write_all_async (self->output, self->request->str, self->request->len,
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   on_head_resent, g_object_ref (task));
}

/**
 * httplib_connection_get_response_async:
 * @connection: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the status line and headers are read, or reading failed
 * @user_data: data for @callback
 *
 * httplib_connection_get_response() without blocking. Finish with
 * httplib_connection_get_response_finish(), then read the body with
 * httplib_response_read_async() or the response's input stream.
 *
 * Errors: those of httplib_connection_get_response(), after which the
 * connection is closed; %HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE while
 * another call is under way.
 */
void
httplib_connection_get_response_async (HttplibConnection   *connection,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  HttplibConnection *self = connection;
  HttplibResponse *response;
  GError *error = NULL;
  GTask *task;

  g_return_if_fail (HTTPLIB_IS_CONNECTION (self));

  response = httplib_connection_take_response (self, &error);
  if (response == NULL)
    {
      g_task_report_error (self, callback, user_data, httplib_connection_get_response_async, error);
      return;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_connection_get_response_async);
  g_task_set_task_data (task, response, g_object_unref);
  if (self->early_head != NULL)
    {
      /* Read before the body would have gone (Expect: 100-continue). */
      if (httplib_response_begin (response, g_steal_pointer (&self->early_head), NULL, &error))
        g_task_return_pointer (task, g_object_ref (httplib_response_hand_out (response)),
                               g_object_unref);
      else
        {
          httplib_connection_close (self);
          g_task_return_error (task, error);
        }
    }
  else
    {
      self->busy = TRUE;
      httplib_connection_start_head_deadline (self);
      response_step (task, NULL);
    }
  g_object_unref (task);
}

/**
 * httplib_connection_get_response_finish:
 * @connection: a connection
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_connection_get_response_async().
 *
 * Returns: (transfer full): the response, or %NULL with @error set
 */
HttplibResponse *
httplib_connection_get_response_finish (HttplibConnection  *connection,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- closing --- */

static void
on_base_closed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  /* As close(): a stream that fails to close is gone all the same. */
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
on_top_closed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GIOStream *base = g_task_get_task_data (task);

  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  if (base != NULL)
    g_io_stream_close_async (base, G_PRIORITY_DEFAULT, NULL, on_base_closed,
                             g_steal_pointer (&task));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * httplib_connection_close_async:
 * @connection: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the streams are closed
 * @user_data: data for @callback
 *
 * httplib_connection_close() without blocking on the goodbye (a TLS
 * `close_notify`). The connection is in the closed state at once; the
 * next request opens it again. Finish with
 * httplib_connection_close_finish().
 *
 * Errors: %HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE while another call is
 * under way (cancel it first, or use httplib_connection_close()).
 */
void
httplib_connection_close_async (HttplibConnection   *connection,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GIOStream *top = NULL, *base = NULL;
  GError *error = NULL;
  GTask *task;

  g_return_if_fail (HTTPLIB_IS_CONNECTION (connection));

  if (!httplib_connection_check_idle_caller (connection, HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE, &error))
    {
      g_task_report_error (connection, callback, user_data, httplib_connection_close_async, error);
      return;
    }

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_connection_close_async);
  httplib_connection_release_streams (connection, &top, &base);
  if (connection->state != HTTPLIB_CONNECTION_STATE_DISCONNECTED)
    httplib_connection_set_state (connection, HTTPLIB_CONNECTION_STATE_CLOSED);
  g_task_set_task_data (task, base, base ? g_object_unref : NULL);

  if (top != NULL)
    {
      g_io_stream_close_async (top, G_PRIORITY_DEFAULT, cancellable, on_top_closed, task);
      g_object_unref (top);
    }
  else
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/**
 * httplib_connection_close_finish:
 * @connection: a connection
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_connection_close_async().
 *
 * Returns: %TRUE when closed
 */
gboolean
httplib_connection_close_finish (HttplibConnection  *connection,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
