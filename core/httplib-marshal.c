/* httplib-marshal.c: signal marshallers without libffi */
#include "httplib-marshal-private.h"

typedef void (*EnumObjectFunc) (gpointer instance,
                                gint     value,
                                gpointer object,
                                gpointer data);

void
httplib_marshal_VOID__ENUM_OBJECT (GClosure     *closure,
                                   GValue       *return_value,
                                   guint         n_param_values,
                                   const GValue *param_values,
                                   gpointer      invocation_hint,
                                   gpointer      marshal_data)
{
  GCClosure *cclosure = (GCClosure *) closure;
  gpointer instance = g_value_peek_pointer (&param_values[0]);
  EnumObjectFunc callback = (EnumObjectFunc) (marshal_data ? marshal_data : cclosure->callback);

  g_return_if_fail (n_param_values == 3);
  if (G_CCLOSURE_SWAP_DATA (closure))
    callback (closure->data, g_value_get_enum (&param_values[1]),
              g_value_get_object (&param_values[2]), instance);
  else
    callback (instance, g_value_get_enum (&param_values[1]),
              g_value_get_object (&param_values[2]), closure->data);
}

void
httplib_marshal_VOID__ENUM_OBJECTv (GClosure *closure,
                                    GValue   *return_value,
                                    gpointer  instance,
                                    va_list   args,
                                    gpointer  marshal_data,
                                    int       n_params,
                                    GType    *param_types)
{
  GCClosure *cclosure = (GCClosure *) closure;
  EnumObjectFunc callback = (EnumObjectFunc) (marshal_data ? marshal_data : cclosure->callback);
  va_list args_copy;
  gint value;
  gpointer object;

  G_VA_COPY (args_copy, args);
  value = va_arg (args_copy, gint);
  object = va_arg (args_copy, gpointer);
  va_end (args_copy);

  /* Held for the call, as the generic marshaller's GValue would hold it. */
  if (object != NULL)
    g_object_ref (object);
  if (G_CCLOSURE_SWAP_DATA (closure))
    callback (closure->data, value, object, instance);
  else
    callback (instance, value, object, closure->data);
  if (object != NULL)
    g_object_unref (object);
}
