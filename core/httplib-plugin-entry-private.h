/* httplib-plugin-entry-private.h: how the registry makes its entries */
#pragma once

#include "httplib-plugin-entry.h"

G_BEGIN_DECLS

/* module_path and module_name are NULL for a type registered outside any
 * module (by the application, or built into the library). */
HttplibPluginEntry *httplib_plugin_entry_new (const char        *name,
                                              HttplibPluginKind  kind,
                                              GType              type,
                                              const char        *module_path,
                                              const char        *module_name);

G_END_DECLS
