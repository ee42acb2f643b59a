/* httplib-marshal-private.h: signal marshallers without libffi
 *
 * The transports' and the connection's `event (enum, GIOStream)` signals
 * fire several times per connect; GObject's generic marshaller would go
 * through libffi for each handler.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

void httplib_marshal_VOID__ENUM_OBJECT  (GClosure     *closure,
                                         GValue       *return_value,
                                         guint         n_param_values,
                                         const GValue *param_values,
                                         gpointer      invocation_hint,
                                         gpointer      marshal_data);
void httplib_marshal_VOID__ENUM_OBJECTv (GClosure     *closure,
                                         GValue       *return_value,
                                         gpointer      instance,
                                         va_list       args,
                                         gpointer      marshal_data,
                                         int           n_params,
                                         GType        *param_types);

G_END_DECLS
