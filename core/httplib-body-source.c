/* httplib-body-source.c: the interface every request body implements
 *
 * A body knows its length (or says -1) and writes itself to the
 * connection's output stream; the connection frames it (Content-Length or
 * chunked) and never looks inside. A body already in memory may hand its
 * bytes over so that small requests go out in one write with the headers.
 */
#include "httplib-body-source.h"
#include "httplib-error.h"
#include "httplib-registry.h"

#include <string.h>

/**
 * HttplibBodySource:
 *
 * A request body. Plugins (`bytes`, `fd`) and applications implement it and
 * register it by name with httplib_registry_register_body_source().
 */
G_DEFINE_INTERFACE (HttplibBodySource, httplib_body_source, G_TYPE_OBJECT)

static void
httplib_body_source_default_init (HttplibBodySourceInterface *iface)
{
}

/**
 * httplib_body_source_get_length:
 * @source: a body source
 *
 * Gets the length of the body, which the connection sends as
 * `Content-Length`; a body of unknown length is sent chunked.
 *
 * Returns: the length in bytes, or -1 when it is not known
 */
gint64
httplib_body_source_get_length (HttplibBodySource *source)
{
  HttplibBodySourceInterface *iface;

  g_return_val_if_fail (HTTPLIB_IS_BODY_SOURCE (source), -1);

  iface = HTTPLIB_BODY_SOURCE_GET_IFACE (source);
  return iface->get_length ? iface->get_length (source) : -1;
}

/**
 * httplib_body_source_write_to:
 * @source: a body source
 * @stream: where to write
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes the whole body to @stream. Errors come from @stream (%G_IO_ERROR)
 * or from the source (%HTTPLIB_ERROR_UNIMPLEMENTED_FILE_MODE and others).
 *
 * Returns: %TRUE on success
 */
gboolean
httplib_body_source_write_to (HttplibBodySource *source,
                              GOutputStream     *stream,
                              GCancellable      *cancellable,
                              GError           **error)
{
  HttplibBodySourceInterface *iface;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (HTTPLIB_IS_BODY_SOURCE (source), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = HTTPLIB_BODY_SOURCE_GET_IFACE (source);
  if (iface->write_to == NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "body source %s has no write_to method",
                   G_OBJECT_TYPE_NAME (source));
      return FALSE;
    }
  if (iface->write_to (source, stream, cancellable, &local_error))
    return TRUE;

  if (local_error == NULL)
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                 "body source %s failed without an error",
                 G_OBJECT_TYPE_NAME (source));
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The fallback for sources with only the blocking method. */
static void
write_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (httplib_body_source_write_to (source_object, task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * httplib_body_source_write_to_async:
 * @source: a body source
 * @stream: where to write
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when the body is written or writing failed
 * @user_data: data for @callback
 *
 * Writes the whole body to @stream without blocking: through the source's
 * own `write_to_async` when it has one, else by running its blocking
 * `write_to` in a worker thread. Finish with
 * httplib_body_source_write_to_finish().
 */
void
httplib_body_source_write_to_async (HttplibBodySource   *source,
                                    GOutputStream       *stream,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  HttplibBodySourceInterface *iface;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HTTPLIB_IS_BODY_SOURCE (source));
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));

  iface = HTTPLIB_BODY_SOURCE_GET_IFACE (source);
  if (iface->write_to_async != NULL && iface->write_to_finish != NULL)
    {
      iface->write_to_async (source, stream, cancellable, callback, user_data);
      return;
    }

  task = g_task_new (source, cancellable, callback, user_data);
  g_task_set_source_tag (task, httplib_body_source_write_to_async);
  g_task_set_task_data (task, g_object_ref (stream), g_object_unref);
  g_task_run_in_thread (task, write_in_thread);
}

/**
 * httplib_body_source_write_to_finish:
 * @source: a body source
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes httplib_body_source_write_to_async(); errors as for
 * httplib_body_source_write_to().
 *
 * Returns: %TRUE on success
 */
gboolean
httplib_body_source_write_to_finish (HttplibBodySource  *source,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  HttplibBodySourceInterface *iface;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (HTTPLIB_IS_BODY_SOURCE (source), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_async_result_is_tagged (result, httplib_body_source_write_to_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  iface = HTTPLIB_BODY_SOURCE_GET_IFACE (source);
  if (iface->write_to_finish (source, result, &local_error))
    return TRUE;
  if (local_error == NULL)
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                 "body source %s failed without an error",
                 G_OBJECT_TYPE_NAME (source));
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * httplib_body_source_get_bytes:
 * @source: a body source
 *
 * Gets the whole body when it is already in memory, so the connection can
 * send it in the same write as the headers. A source that streams its body
 * returns %NULL and is written with httplib_body_source_write_to().
 *
 * Returns: (transfer full) (nullable): the whole body when it is in memory
 */
GBytes *
httplib_body_source_get_bytes (HttplibBodySource *source)
{
  HttplibBodySourceInterface *iface;

  g_return_val_if_fail (HTTPLIB_IS_BODY_SOURCE (source), NULL);

  iface = HTTPLIB_BODY_SOURCE_GET_IFACE (source);
  return iface->get_bytes ? iface->get_bytes (source) : NULL;
}

/**
 * httplib_body_source_new_for_bytes:
 * @bytes: the body
 * @error: return location for a #GError
 *
 * Creates a body from the `bytes` plugin of the default registry.
 *
 * Returns: (transfer full): a body source, or %NULL with
 *   %HTTPLIB_ERROR_PLUGIN when the `bytes` plugin is missing
 */
HttplibBodySource *
httplib_body_source_new_for_bytes (GBytes  *bytes,
                                   GError **error)
{
  g_autoptr(GTypeClass) klass = NULL;
  GType type;

  g_return_val_if_fail (bytes != NULL, NULL);

  type = httplib_registry_lookup_body_source (httplib_registry_get_default (), "bytes", error);
  if (type == G_TYPE_INVALID)
    return NULL;

  /* Whoever registered "bytes" must take the body as a property. */
  klass = g_type_class_ref (type);
  if (g_object_class_find_property (G_OBJECT_CLASS (klass), "bytes") == NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "body source 'bytes' (%s) has no 'bytes' property",
                   g_type_name (type));
      return NULL;
    }
  return g_object_new (type, "bytes", bytes, NULL);
}

/**
 * httplib_body_source_new_for_string:
 * @text: the body, NUL-terminated (the NUL is not sent)
 * @error: return location for a #GError
 *
 * Creates a body from a string, as Python sends a `str` body.
 *
 * Returns: (transfer full): a body source, or %NULL with
 *   %HTTPLIB_ERROR_PLUGIN when the `bytes` plugin is missing
 */
HttplibBodySource *
httplib_body_source_new_for_string (const char *text,
                                    GError    **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  bytes = g_bytes_new (text, strlen (text));
  return httplib_body_source_new_for_bytes (bytes, error);
}

/**
 * httplib_body_source_new_for_fd:
 * @fd: a readable file descriptor
 * @close_when_done: whether the body source closes @fd when it is freed
 * @error: return location for a #GError
 *
 * Creates a body from the `fd` plugin of the default registry, as Python
 * sends an open file. A regular file is sent from its current offset to
 * its end, with that length; a pipe or socket until its end, chunked.
 *
 * Errors: %HTTPLIB_ERROR_PLUGIN when the `fd` plugin is missing;
 * %G_IO_ERROR_INVALID_ARGUMENT for a closed or negative @fd; %HTTPLIB_ERROR_UNIMPLEMENTED_FILE_MODE for
 * one open for writing only; %G_IO_ERROR_IS_DIRECTORY for a directory.
 * @fd is not closed on error.
 *
 * Returns: (transfer full): a body source, or %NULL with @error set
 */
HttplibBodySource *
httplib_body_source_new_for_fd (int       fd,
                                gboolean  close_when_done,
                                GError  **error)
{
  g_autoptr(GTypeClass) klass = NULL;
  GType type;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  type = httplib_registry_lookup_body_source (httplib_registry_get_default (), "fd", error);
  if (type == G_TYPE_INVALID)
    return NULL;

  /* Whoever registered "fd" must take these two properties. */
  klass = g_type_class_ref (type);
  if (g_object_class_find_property (G_OBJECT_CLASS (klass), "fd") == NULL ||
      g_object_class_find_property (G_OBJECT_CLASS (klass), "close-when-done") == NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "body source 'fd' (%s) has no 'fd' and 'close-when-done' properties",
                   g_type_name (type));
      return NULL;
    }
  if (g_type_is_a (type, G_TYPE_INITABLE))
    return g_initable_new (type, NULL, error, "fd", fd, "close-when-done", close_when_done, NULL);
  return g_object_new (type, "fd", fd, "close-when-done", close_when_done, NULL);
}
