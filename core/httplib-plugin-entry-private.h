/* httplib-plugin-entry-private.h: how the registry makes its entries */
#pragma once

#include "httplib-plugin-entry.h"
#include "httplib-registry.h"

G_BEGIN_DECLS

/* module_path and module_name are NULL for a type registered outside any
 * module (by the application, or built into the library). */
HttplibPluginEntry  *httplib_plugin_entry_new          (const char           *name,
                                                        HttplibPluginKind     kind,
                                                        GType                 type,
                                                        const char           *module_path,
                                                        const char           *module_name,
                                                        HttplibRegisterFlags  flags);

/* The flags it was registered with: the registry settles clashes between
 * modules loaded out of order as if they had loaded in order. */
HttplibRegisterFlags httplib_plugin_entry_get_flags    (HttplibPluginEntry   *entry);

G_END_DECLS
