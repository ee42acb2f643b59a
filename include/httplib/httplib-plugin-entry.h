/* httplib-plugin-entry.h: one registered transport or body source, as listed */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <glib-object.h>
#include <httplib/httplib-version.h>

G_BEGIN_DECLS

/**
 * HttplibPluginKind:
 * @HTTPLIB_PLUGIN_KIND_TRANSPORT: a type implementing [iface@Transport]
 * @HTTPLIB_PLUGIN_KIND_BODY_SOURCE: a type implementing [iface@BodySource]
 *
 * Which of the registry's two name spaces an entry belongs to.
 */
typedef enum {
  HTTPLIB_PLUGIN_KIND_TRANSPORT,
  HTTPLIB_PLUGIN_KIND_BODY_SOURCE,
} HttplibPluginKind;

#define HTTPLIB_TYPE_PLUGIN_ENTRY (httplib_plugin_entry_get_type ())

typedef struct _HttplibPluginEntry HttplibPluginEntry;

HTTPLIB_AVAILABLE_IN_ALL
GType               httplib_plugin_entry_get_type        (void) G_GNUC_CONST;
HTTPLIB_AVAILABLE_IN_ALL
HttplibPluginEntry *httplib_plugin_entry_ref             (HttplibPluginEntry *entry);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_plugin_entry_unref           (HttplibPluginEntry *entry);

HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_plugin_entry_get_name        (HttplibPluginEntry *entry);
HTTPLIB_AVAILABLE_IN_ALL
HttplibPluginKind   httplib_plugin_entry_get_kind        (HttplibPluginEntry *entry);
HTTPLIB_AVAILABLE_IN_ALL
GType               httplib_plugin_entry_get_gtype       (HttplibPluginEntry *entry);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_plugin_entry_get_type_name   (HttplibPluginEntry *entry);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_plugin_entry_get_module_path (HttplibPluginEntry *entry);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_plugin_entry_get_module_name (HttplibPluginEntry *entry);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_plugin_entry_get_origin      (HttplibPluginEntry *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibPluginEntry, httplib_plugin_entry_unref)

G_END_DECLS
