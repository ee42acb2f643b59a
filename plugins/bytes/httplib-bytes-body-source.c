/* httplib-bytes-body-source.c: a request body held in memory
 *
 * Strings and GBytes. Hands its bytes to the connection so a small body
 * leaves in the same write as the headers.
 */
#include "httplib-bytes-body-source.h"

struct _HttplibBytesBodySource {
  GObject  parent_instance;
  GBytes  *bytes;
};

enum {
  PROP_0,
  PROP_BYTES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void body_source_iface_init (HttplibBodySourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibBytesBodySource, httplib_bytes_body_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_BODY_SOURCE, body_source_iface_init))

static gint64
bytes_get_length (HttplibBodySource *source)
{
  return g_bytes_get_size (HTTPLIB_BYTES_BODY_SOURCE (source)->bytes);
}

static gboolean
bytes_write_to (HttplibBodySource *source,
                GOutputStream     *stream,
                GCancellable      *cancellable,
                GError           **error)
{
  GBytes *bytes = HTTPLIB_BYTES_BODY_SOURCE (source)->bytes;
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  return size == 0 || g_output_stream_write_all (stream, data, size, NULL, cancellable, error);
}

static void
on_written (GObject      *stream,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
bytes_write_to_async (HttplibBodySource   *source,
                      GOutputStream       *stream,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GBytes *bytes = HTTPLIB_BYTES_BODY_SOURCE (source)->bytes;
  g_autoptr(GTask) task = g_task_new (source, cancellable, callback, user_data);
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  g_task_set_source_tag (task, bytes_write_to_async);
  if (size == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* The bytes stay alive with the task, whatever happens to the source. */
  g_task_set_task_data (task, g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  g_output_stream_write_all_async (stream, data, size, G_PRIORITY_DEFAULT, cancellable,
                                   on_written, g_steal_pointer (&task));
}

static gboolean
bytes_write_to_finish (HttplibBodySource  *source,
                       GAsyncResult       *result,
                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, bytes_write_to_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static GBytes *
bytes_get_bytes (HttplibBodySource *source)
{
  return g_bytes_ref (HTTPLIB_BYTES_BODY_SOURCE (source)->bytes);
}

static void
body_source_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = bytes_get_length;
  iface->write_to = bytes_write_to;
  iface->get_bytes = bytes_get_bytes;
  iface->write_to_async = bytes_write_to_async;
  iface->write_to_finish = bytes_write_to_finish;
}

static void
httplib_bytes_body_source_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  HttplibBytesBodySource *self = HTTPLIB_BYTES_BODY_SOURCE (object);

  switch (prop_id)
    {
    case PROP_BYTES:
      g_clear_pointer (&self->bytes, g_bytes_unref);
      self->bytes = g_value_dup_boxed (value);
      if (self->bytes == NULL)
        self->bytes = g_bytes_new_static ("", 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_bytes_body_source_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  HttplibBytesBodySource *self = HTTPLIB_BYTES_BODY_SOURCE (object);

  switch (prop_id)
    {
    case PROP_BYTES:
      g_value_set_boxed (value, self->bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_bytes_body_source_finalize (GObject *object)
{
  HttplibBytesBodySource *self = HTTPLIB_BYTES_BODY_SOURCE (object);

  g_clear_pointer (&self->bytes, g_bytes_unref);
  G_OBJECT_CLASS (httplib_bytes_body_source_parent_class)->finalize (object);
}

static void
httplib_bytes_body_source_class_init (HttplibBytesBodySourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = httplib_bytes_body_source_set_property;
  object_class->get_property = httplib_bytes_body_source_get_property;
  object_class->finalize = httplib_bytes_body_source_finalize;

  /**
   * HttplibBytesBodySource:bytes:
   *
   * The body.
   */
  properties[PROP_BYTES] =
    g_param_spec_boxed ("bytes", NULL, NULL, G_TYPE_BYTES,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
httplib_bytes_body_source_init (HttplibBytesBodySource *self)
{
  self->bytes = g_bytes_new_static ("", 0);
}
