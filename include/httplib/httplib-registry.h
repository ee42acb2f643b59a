/* httplib-registry.h: plugins by name */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <glib-object.h>
#include <httplib/httplib-version.h>
#include <httplib/httplib-plugin-entry.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_REGISTRY (httplib_registry_get_type ())

/**
 * HttplibRegisterFlags:
 * @HTTPLIB_REGISTER_FLAGS_NONE: a name that is already registered is an
 *   error
 * @HTTPLIB_REGISTER_FLAGS_REPLACE: a name that is already registered is
 *   given to the new type; connections opened earlier keep the old one
 *
 * How httplib_registry_register_transport_full() and
 * httplib_registry_register_body_source_full() treat a name that is taken.
 */
typedef enum { /*< flags >*/
  HTTPLIB_REGISTER_FLAGS_NONE = 0,
  HTTPLIB_REGISTER_FLAGS_REPLACE = 1 << 0,
} HttplibRegisterFlags;

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HttplibRegistry, httplib_registry, HTTPLIB, REGISTRY, GObject)

/**
 * HttplibPluginRegisterFunc:
 * @registry: the registry loading the module
 *
 * Registers a module's types with httplib_registry_register_transport() and
 * httplib_registry_register_body_source().
 */
typedef void (*HttplibPluginRegisterFunc) (HttplibRegistry *registry);

/**
 * HttplibPluginInfo:
 * @api_version: %HTTPLIB_PLUGIN_API_VERSION at the module's build time
 * @name: the module's name, for messages; a module whose file is named
 *   after it, `libhttplib-NAME.so`, is loaded only when NAME is looked up
 *   (or every module is loaded), and keeps the transport or body source
 *   called NAME against any other module
 * @register_types: called once when the module is loaded
 *
 * What a plugin module's one exported entry point,
 * `httplib_plugin_query()`, returns. Write it with HTTPLIB_PLUGIN_DEFINE().
 */
typedef struct {
  guint                      api_version;
  const char                *name;
  HttplibPluginRegisterFunc  register_types;
} HttplibPluginInfo;

/**
 * HTTPLIB_PLUGIN_ENTRY_POINT:
 *
 * The symbol the registry looks up in each module.
 */
#define HTTPLIB_PLUGIN_ENTRY_POINT "httplib_plugin_query"

/**
 * HTTPLIB_PLUGIN_DEFINE:
 * @plugin_name: a string naming the module
 * @register_func: a #HttplibPluginRegisterFunc
 *
 * Defines the entry point of a plugin module. Name the module's file
 * after @plugin_name, `libhttplib-NAME.so` (meson's
 * `shared_module('httplib-NAME', ...)`), and register a transport or
 * body source under that same name: the module is then loaded only when
 * a connection asks for that name.
 */
#define HTTPLIB_PLUGIN_DEFINE(plugin_name, register_func)                   \
  G_MODULE_EXPORT const HttplibPluginInfo *httplib_plugin_query (void);     \
  G_MODULE_EXPORT const HttplibPluginInfo *                                 \
  httplib_plugin_query (void)                                               \
  {                                                                         \
    static const HttplibPluginInfo info = {                                 \
      HTTPLIB_PLUGIN_API_VERSION, plugin_name, register_func                \
    };                                                                      \
    return &info;                                                           \
  }

HTTPLIB_AVAILABLE_IN_ALL
HttplibRegistry *httplib_registry_get_default          (void);
HTTPLIB_AVAILABLE_IN_ALL
HttplibRegistry *httplib_registry_new                  (const char * const *plugin_dirs);

HTTPLIB_AVAILABLE_IN_ALL
gboolean         httplib_registry_register_transport   (HttplibRegistry *registry,
                                                        const char      *name,
                                                        GType            type,
                                                        GError         **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean         httplib_registry_register_body_source (HttplibRegistry *registry,
                                                        const char      *name,
                                                        GType            type,
                                                        GError         **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean         httplib_registry_register_transport_full   (HttplibRegistry      *registry,
                                                             const char           *name,
                                                             GType                 type,
                                                             HttplibRegisterFlags  flags,
                                                             GError              **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean         httplib_registry_register_body_source_full (HttplibRegistry      *registry,
                                                             const char           *name,
                                                             GType                 type,
                                                             HttplibRegisterFlags  flags,
                                                             GError              **error);
HTTPLIB_AVAILABLE_IN_ALL
GType            httplib_registry_lookup_transport     (HttplibRegistry *registry,
                                                        const char      *name,
                                                        GError         **error);
HTTPLIB_AVAILABLE_IN_ALL
GType            httplib_registry_lookup_body_source   (HttplibRegistry *registry,
                                                        const char      *name,
                                                        GError         **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean         httplib_registry_load_plugins         (HttplibRegistry *registry,
                                                        GError         **error);
HTTPLIB_AVAILABLE_IN_ALL
const char * const *httplib_registry_get_plugin_dirs   (HttplibRegistry *registry);
HTTPLIB_AVAILABLE_IN_ALL
GPtrArray       *httplib_registry_list_transports      (HttplibRegistry *registry);
HTTPLIB_AVAILABLE_IN_ALL
GPtrArray       *httplib_registry_list_body_sources    (HttplibRegistry *registry);
HTTPLIB_AVAILABLE_IN_ALL
GStrv            httplib_registry_get_load_failures    (HttplibRegistry *registry);

G_END_DECLS
