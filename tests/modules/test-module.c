/* test-module.c: plugin modules the registry suite loads from folders of
 * its own, never from HTTPLIB_PLUGIN_PATH. One source, four modules:
 *
 *   TEST_MODULE_BAD_VERSION  built for the next plugin API version, so the
 *                            registry must refuse it before it registers
 *                            "test-bad-version"
 *   TEST_MODULE_CLASH        plugin "test-clash": registers "tcp", which the
 *                            tcp module has, "test-clash-extra", which is
 *                            free, and "test-shared"
 *   TEST_MODULE_LAZY         plugin "test-lazy": registers "test-lazy" and
 *                            "test-shared"
 *   TEST_MODULE_REPLACE      registers "tcp" with HTTPLIB_REGISTER_FLAGS_REPLACE
 *
 * Each defines its own transport type (a GType name is process-wide), and
 * counts its registrations in the registry's object data under
 * "test-module:" and its plugin name, so a test can tell which modules a
 * registry loaded without listing (which loads them all).
 */
#include <httplib/httplib.h>
#include <gmodule.h>

#if defined(TEST_MODULE_BAD_VERSION)
# define MODULE_NAME "test-bad-version"
# define MODULE_API_VERSION (HTTPLIB_PLUGIN_API_VERSION + 1)
# define TestModuleTransport TestBadVersionTransport
# define test_module_transport test_bad_version_transport
#elif defined(TEST_MODULE_CLASH)
# define MODULE_NAME "test-clash"
# define MODULE_API_VERSION HTTPLIB_PLUGIN_API_VERSION
# define TestModuleTransport TestClashTransport
# define test_module_transport test_clash_transport
#elif defined(TEST_MODULE_LAZY)
# define MODULE_NAME "test-lazy"
# define MODULE_API_VERSION HTTPLIB_PLUGIN_API_VERSION
# define TestModuleTransport TestLazyTransport
# define test_module_transport test_lazy_transport
#elif defined(TEST_MODULE_REPLACE)
# define MODULE_NAME "test-replace"
# define MODULE_API_VERSION HTTPLIB_PLUGIN_API_VERSION
# define TestModuleTransport TestReplaceTransport
# define test_module_transport test_replace_transport
#else
# error "define one of TEST_MODULE_BAD_VERSION, TEST_MODULE_CLASH, TEST_MODULE_LAZY, TEST_MODULE_REPLACE"
#endif

typedef struct {
  GObject parent_instance;
} TestModuleTransport;

typedef struct {
  GObjectClass parent_class;
} G_PASTE (TestModuleTransport, Class);

static GIOStream *
module_transport_open (HttplibTransport  *transport,
                       HttplibEndpoint   *endpoint,
                       GIOStream         *base,
                       GCancellable      *cancellable,
                       GError           **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s: a test module", MODULE_NAME);
  return NULL;
}

static void
module_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = module_transport_open;
}

GType G_PASTE (test_module_transport, _get_type) (void);

G_DEFINE_TYPE_WITH_CODE (TestModuleTransport, test_module_transport, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                module_transport_iface_init))

static void
G_PASTE (test_module_transport, _class_init) (G_PASTE (TestModuleTransport, Class) *klass)
{
}

static void
G_PASTE (test_module_transport, _init) (TestModuleTransport *self)
{
}

static void
register_types (HttplibRegistry *registry)
{
  GType type = G_PASTE (test_module_transport, _get_type) ();
  const char *key = "test-module:" MODULE_NAME;

  g_object_set_data (G_OBJECT (registry), key,
                     GINT_TO_POINTER (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (registry),
                                                                          key)) + 1));

  /* Failures are recorded by the registry against this module's file. */
#if defined(TEST_MODULE_BAD_VERSION)
  httplib_registry_register_transport (registry, "test-bad-version", type, NULL);
#elif defined(TEST_MODULE_CLASH)
  httplib_registry_register_transport (registry, "tcp", type, NULL);
  httplib_registry_register_transport (registry, "test-clash-extra", type, NULL);
  httplib_registry_register_transport (registry, "test-shared", type, NULL);
#elif defined(TEST_MODULE_LAZY)
  httplib_registry_register_transport (registry, "test-lazy", type, NULL);
  httplib_registry_register_transport (registry, "test-shared", type, NULL);
#else
  httplib_registry_register_transport_full (registry, "tcp", type,
                                            HTTPLIB_REGISTER_FLAGS_REPLACE, NULL);
#endif
}

/* Written out, not HTTPLIB_PLUGIN_DEFINE(), to choose the API version. */
G_MODULE_EXPORT const HttplibPluginInfo *httplib_plugin_query (void);

G_MODULE_EXPORT const HttplibPluginInfo *
httplib_plugin_query (void)
{
  static const HttplibPluginInfo info = { MODULE_API_VERSION, MODULE_NAME, register_types };

  return &info;
}
