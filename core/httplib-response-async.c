/* httplib-response-async.c: reading the body without blocking
 *
 * The same body steps as the blocking reads, run without blocking; a step
 * that would block waits for the connection's input and runs again.
 */
#include "httplib-response-private.h"
#include "httplib-body-input-stream-private.h"
#include "httplib-connection-private.h"
#include "httplib-error.h"

/* A read of the whole body starts with a buffer this big. */
#define READ_ALL_INITIAL (16 * 1024)
/* A read of what is there never reserves more than this. */
#define READ_SOME_MAX (1024 * 1024)

typedef struct {
  GByteArray *out;
  gsize       want;   /* the most bytes to return */
  gsize       reserve;
  gboolean    all;    /* read to the end, not just what is there */
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_clear_pointer (&data->out, g_byte_array_unref);
  g_free (data);
}

static void
read_done (GTask  *task,
           GError *error)
{
  HttplibResponse *response = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);

  httplib_response_set_reading (response, FALSE);
  if (error == NULL)
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&data->out)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (data->all && g_error_matches (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ))
    {
      g_autoptr(GBytes) partial = g_byte_array_free_to_bytes (g_steal_pointer (&data->out));

      httplib_response_keep_partial (response, partial);
    }
  g_task_return_error (task, error);
}

static void
read_step (GTask  *task,
           GError *error)
{
  HttplibResponse *response = g_task_get_source_object (task);
  ReadData *data = g_task_get_task_data (task);

  while (error == NULL && data->out->len < data->want)
    {
      gsize len = data->out->len;
      gssize n;

      /* The whole body grows by doubling, as the blocking read does. */
      if (len == data->reserve)
        data->reserve = data->all ? MIN (MAX (len * 2, (gsize) READ_ALL_INITIAL), data->want)
                                  : MIN (data->want, (gsize) READ_SOME_MAX);
      g_byte_array_set_size (data->out, data->reserve);
      n = httplib_response_read_body (response, data->out->data + len, data->reserve - len,
                                      FALSE, g_task_get_cancellable (task), &error);
      g_byte_array_set_size (data->out, len + MAX (n, 0));
      if (n == 0 || (n > 0 && !data->all))
        break;
      if (n > 0)
        httplib_response_set_gathered (response, data->out->len);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      HttplibConnection *connection = httplib_response_get_connection (response);

      g_clear_error (&error);
      if (connection != NULL)
        {
          httplib_connection_wait_input (connection, task, read_step);
          return;
        }
      error = g_error_new_literal (HTTPLIB_ERROR, HTTPLIB_ERROR_NOT_CONNECTED,
                                   "the connection was closed");
    }
  read_done (task, error);
}

static void
start_read (HttplibResponse     *response,
            gsize                want,
            gboolean             all,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data,
            gpointer             source_tag)
{
  GTask *task;
  ReadData *data;
  GError *error = NULL;

  if (!httplib_response_check_not_reading (response, &error))
    {
      g_task_report_error (response, callback, user_data, source_tag, error);
      return;
    }
  task = g_task_new (response, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  data = g_new0 (ReadData, 1);
  data->want = want;
  data->all = all;
  data->out = g_byte_array_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);

  httplib_response_set_reading (response, TRUE);
  httplib_response_set_gathered (response, 0);
  read_step (task, NULL);
  g_object_unref (task);
}

/**
 * httplib_response_read_async:
 * @response: a response
 * @count: the most bytes to return
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when bytes arrived, the body ended, or reading failed
 * @user_data: data for @callback
 *
 * Reads the next bytes of the body without blocking, as many as are there
 * up to @count, as g_input_stream_read_bytes_async() does: the bytes
 * returned are empty only at the end of the body. Finish with
 * httplib_response_read_finish(). For the whole body use
 * httplib_response_read_all_async().
 *
 * Errors: as httplib_response_read_into();
 * %HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE while another read of this
 * response is under way.
 */
void
httplib_response_read_async (HttplibResponse     *response,
                             gsize                count,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (HTTPLIB_IS_RESPONSE (response));

  start_read (response, count, FALSE, cancellable, callback, user_data,
              httplib_response_read_async);
}

/**
 * httplib_response_read_finish:
 * @response: a response
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_response_read_async().
 *
 * Returns: (transfer full): the bytes (empty at the end of the body), or
 *   %NULL with @error set
 */
GBytes *
httplib_response_read_finish (HttplibResponse  *response,
                              GAsyncResult     *result,
                              GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, response), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * httplib_response_read_all_async:
 * @response: a response
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the body was read to its end, or reading failed
 * @user_data: data for @callback
 *
 * Reads the rest of the body without blocking (Python's `read()`).
 * Finish with httplib_response_read_all_finish().
 *
 * Errors: as httplib_response_read(); after
 * %HTTPLIB_ERROR_INCOMPLETE_READ the bytes that did arrive are kept for
 * httplib_response_get_partial().
 */
void
httplib_response_read_all_async (HttplibResponse     *response,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (HTTPLIB_IS_RESPONSE (response));

  start_read (response, G_MAXSIZE, TRUE, cancellable, callback, user_data,
              httplib_response_read_all_async);
}

/**
 * httplib_response_read_all_finish:
 * @response: a response
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_response_read_all_async().
 *
 * Returns: (transfer full): the rest of the body, or %NULL with @error set
 */
GBytes *
httplib_response_read_all_finish (HttplibResponse  *response,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, response), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * httplib_response_get_input_stream:
 * @response: a response
 *
 * The body as a #GInputStream, for GIO: blocking and async reads,
 * g_output_stream_splice() into a file, loaders that take a stream. It
 * reads through the response, so framing, errors and the
 * [signal@Response::progress] signal are the same; async reads need no
 * thread when the connection's stream is pollable (TCP and TLS are).
 * Closing it before the end of the body closes the response, as
 * httplib_response_close() does.
 *
 * Returns: (transfer full): a new stream over the rest of the body
 */
GInputStream *
httplib_response_get_input_stream (HttplibResponse *response)
{
  g_return_val_if_fail (HTTPLIB_IS_RESPONSE (response), NULL);
  return httplib_body_input_stream_new (response);
}
