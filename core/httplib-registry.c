/* httplib-registry.c: plugins by name
 *
 * The registry maps names ("tcp", "bytes") to GTypes that implement
 * HttplibTransport or HttplibBodySource. A lookup of a name not yet
 * registered loads the module named for it (libhttplib-NAME.so) and, if
 * that does not register it, every other module; a listing, a load or a
 * registration by the application loads every module first. Each module's
 * entry point registers its types through the same door an application
 * uses, so the modules' names are taken before any application's and a
 * clash is reported to whoever registers second. Modules loaded out of
 * order by a lookup settle their clashes as they would have in order.
 */
#include "httplib-registry.h"
#include "httplib-body-source.h"
#include "httplib-error.h"
#include "httplib-plugin-entry-private.h"
#include "httplib-transport.h"

#include <gmodule.h>
#include <string.h>

/* A module file the registry opened, with its place in the load order. */
typedef struct {
  char                    *path;
  char                    *file_name;
  guint                    dir_index;    /* in plugin_dirs */
  gboolean                 named;        /* file is libhttplib-<plugin name>.so */
  GModule                 *module;
  const HttplibPluginInfo *info;
} Module;

struct _HttplibRegistry {
  GObject       parent_instance;

  GRecMutex     lock;          /* recursive: a module registers while we load it */
  GStrv         plugin_dirs;
  gboolean      loaded;        /* every module: later loads do nothing */
  const Module *loading;       /* the module registering now, for entries' origin */
  GHashTable   *transports;    /* name -> HttplibPluginEntry */
  GHashTable   *body_sources;  /* name -> HttplibPluginEntry */
  GHashTable   *module_names;  /* file names opened: an earlier folder shadows a later one */
  GHashTable   *modules;       /* path -> Module, each one that registered */
  GPtrArray    *failures;      /* one message per module that did not load */
};

/**
 * HttplibRegistry:
 *
 * Finds plugins and dispatches by name.
 *
 * The default registry searches every folder of the `HTTPLIB_PLUGIN_PATH`
 * environment variable (colon-separated), then the installed plugin
 * folder. An application may register its own types at any time:
 *
 * ```c
 * httplib_registry_register_transport (httplib_registry_get_default (),
 *                                      "memory", MY_TYPE_MEMORY_TRANSPORT,
 *                                      &error);
 * httplib_connection_set_transport (connection, "memory");
 * ```
 *
 * A name belongs to one type: registering a name that is taken fails
 * and names the type that has it and the file it came from, unless the
 * caller asks for %HTTPLIB_REGISTER_FLAGS_REPLACE. The plugin modules
 * register through the same functions, and every module is loaded before
 * the application's first registration or listing, so their names are
 * taken first. [method@Registry.list_transports] and
 * [method@Registry.list_body_sources] tell which names exist and where
 * each came from.
 *
 * Modules load lazily. A module file named `libhttplib-NAME.so`, whose
 * entry point gives the same NAME (HTTPLIB_PLUGIN_DEFINE()), is loaded
 * by the first lookup of NAME and by nothing else short of loading every
 * module; a plain HTTP client therefore loads `tcp` and never `tls` or
 * GnuTLS. A lookup that the module named for it does not answer loads
 * every other module before it fails, so a module may register names
 * other than its own, and the error lists every module that failed.
 *
 * The outcome never depends on which names were looked up first. Every
 * module is taken in one order: the modules named for their plugin name
 * first, then the others, each group by folder (earlier first) and by
 * file name (byte order); an earlier folder's file shadows a later
 * folder's of the same name. A name two modules register goes to the
 * module named for it (`libhttplib-tcp.so` always has `tcp`; another
 * module's registration of it fails, even with
 * %HTTPLIB_REGISTER_FLAGS_REPLACE); otherwise to the one earlier in that
 * order, unless the later one passed %HTTPLIB_REGISTER_FLAGS_REPLACE.
 * The module that loses a name is named in
 * [method@Registry.get_load_failures].
 */
G_DEFINE_FINAL_TYPE (HttplibRegistry, httplib_registry, G_TYPE_OBJECT)

/* A module that registered is resident: only a refused one is closed. */
static void
module_free (Module *module)
{
  if (module->module != NULL)
    g_module_close (module->module);
  g_free (module->path);
  g_free (module->file_name);
  g_free (module);
}

static void
httplib_registry_finalize (GObject *object)
{
  HttplibRegistry *self = HTTPLIB_REGISTRY (object);

  g_clear_pointer (&self->plugin_dirs, g_strfreev);
  g_clear_pointer (&self->transports, g_hash_table_unref);
  g_clear_pointer (&self->body_sources, g_hash_table_unref);
  g_clear_pointer (&self->failures, g_ptr_array_unref);
  g_clear_pointer (&self->module_names, g_hash_table_unref);
  g_clear_pointer (&self->modules, g_hash_table_unref);
  g_rec_mutex_clear (&self->lock);

  G_OBJECT_CLASS (httplib_registry_parent_class)->finalize (object);
}

static void
httplib_registry_class_init (HttplibRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = httplib_registry_finalize;
}

static void
httplib_registry_init (HttplibRegistry *self)
{
  g_rec_mutex_init (&self->lock);
  self->transports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) httplib_plugin_entry_unref);
  self->body_sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) httplib_plugin_entry_unref);
  self->failures = g_ptr_array_new_with_free_func (g_free);
  self->module_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->modules = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) module_free);
}

/**
 * httplib_registry_new:
 * @plugin_dirs: (array zero-terminated=1) (nullable): the folders to load
 *   modules from, or %NULL for none
 *
 * Creates a registry of its own, for programs and tests that want to
 * choose exactly which modules are loaded. Most callers want
 * httplib_registry_get_default().
 *
 * Returns: (transfer full): a new registry
 */
HttplibRegistry *
httplib_registry_new (const char * const *plugin_dirs)
{
  HttplibRegistry *self = g_object_new (HTTPLIB_TYPE_REGISTRY, NULL);

  self->plugin_dirs = plugin_dirs ? g_strdupv ((char **) plugin_dirs) : g_new0 (char *, 1);
  return self;
}

static GStrv
default_plugin_dirs (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *path = g_getenv ("HTTPLIB_PLUGIN_PATH");

  if (path != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; parts[i]; i++)
        if (*parts[i] != '\0')
          g_strv_builder_add (builder, parts[i]);
    }
  g_strv_builder_add (builder, HTTPLIB_PLUGIN_DIR);
  return g_strv_builder_end (builder);
}

/**
 * httplib_registry_get_default:
 *
 * Gets the registry every connection uses.
 *
 * Returns: (transfer none): the registry every connection uses
 */
HttplibRegistry *
httplib_registry_get_default (void)
{
  static HttplibRegistry *registry;

  if (g_once_init_enter (&registry))
    {
      HttplibRegistry *self = g_object_new (HTTPLIB_TYPE_REGISTRY, NULL);

      self->plugin_dirs = default_plugin_dirs ();
      g_once_init_leave (&registry, self);
    }
  return registry;
}

/**
 * httplib_registry_get_plugin_dirs:
 * @registry: a registry
 *
 * Gets the folders searched for modules, in order.
 *
 * Returns: (transfer none) (array zero-terminated=1): the folders searched
 *   for modules, in order
 */
const char * const *
httplib_registry_get_plugin_dirs (HttplibRegistry *registry)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), NULL);
  return (const char * const *) registry->plugin_dirs;
}

static void
record_failure (HttplibRegistry *self,
                const char      *format,
                ...) G_GNUC_PRINTF (2, 3);

static void
record_failure (HttplibRegistry *self,
                const char      *format,
                ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (self->failures, g_strdup_vprintf (format, args));
  va_end (args);
}

static const char *
kind_name (HttplibPluginKind kind)
{
  return kind == HTTPLIB_PLUGIN_KIND_TRANSPORT ? "transport" : "body source";
}

static GHashTable *
table_for (HttplibRegistry   *self,
           HttplibPluginKind  kind)
{
  return kind == HTTPLIB_PLUGIN_KIND_TRANSPORT ? self->transports : self->body_sources;
}

/* The order every module is taken in: named modules first, then by folder
 * and file name. Clashes are settled by it, whatever order they loaded in. */
static int
compare_modules (const Module *a,
                 const Module *b)
{
  if (a->named != b->named)
    return a->named ? -1 : 1;
  if (a->dir_index != b->dir_index)
    return a->dir_index < b->dir_index ? -1 : 1;
  return strcmp (a->file_name, b->file_name);
}

static gboolean
module_is_named_for (const Module *module,
                     const char   *name)
{
  return module->named && strcmp (module->info->name, name) == 0;
}

/* The module that registered an entry, or NULL for the application's. */
static const Module *
entry_module (HttplibRegistry    *self,
              HttplibPluginEntry *entry)
{
  const char *path = httplib_plugin_entry_get_module_path (entry);

  return path ? g_hash_table_lookup (self->modules, path) : NULL;
}

static char *
taken_message (HttplibPluginKind  kind,
               const char        *name,
               const char        *type_name,
               const char        *origin)
{
  return g_strdup_printf ("%s '%s' is already registered (type %s from %s); register with "
                          "HTTPLIB_REGISTER_FLAGS_REPLACE to replace it",
                          kind_name (kind), name, type_name, origin);
}

typedef enum {
  CLASH_REFUSE,  /* the holder keeps the name; the caller gets an error */
  CLASH_TAKE,    /* the caller gets the name */
  CLASH_IGNORE,  /* the holder keeps it, as it would have replaced the caller */
} ClashOutcome;

/* Who gets a name two registrations want. Between modules the answer is
 * the one of loading them all in order (see HttplibRegistry), so that it
 * does not depend on which a lookup loaded first; the module that loses a
 * name it had is named in the failures. */
static ClashOutcome
settle_clash (HttplibRegistry       *self,
              HttplibPluginKind      kind,
              const char            *name,
              GType                  type,
              HttplibRegisterFlags   flags,
              HttplibPluginEntry    *holder,
              GError               **error)
{
  const Module *held_by = entry_module (self, holder);
  const Module *loading = self->loading;
  g_autofree char *message = NULL;

  if (loading != NULL && held_by != NULL && held_by != loading)
    {
      if (module_is_named_for (held_by, name))
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                       "%s '%s' is reserved for %s, the module named for it (type %s)",
                       kind_name (kind), name, held_by->path,
                       httplib_plugin_entry_get_type_name (holder));
          return CLASH_REFUSE;
        }
      if (module_is_named_for (loading, name))
        {
          record_failure (self, "%s: %s '%s' is reserved for %s, the module named for it "
                          "(type %s)", held_by->path, kind_name (kind), name, loading->path,
                          g_type_name (type));
          return CLASH_TAKE;
        }
      if (compare_modules (loading, held_by) < 0)
        {
          /* In order, the holder comes second: it replaces or is refused. */
          if (httplib_plugin_entry_get_flags (holder) & HTTPLIB_REGISTER_FLAGS_REPLACE)
            return CLASH_IGNORE;
          message = taken_message (kind, name, g_type_name (type), loading->path);
          record_failure (self, "%s: %s", held_by->path, message);
          return CLASH_TAKE;
        }
    }
  if (flags & HTTPLIB_REGISTER_FLAGS_REPLACE)
    return CLASH_TAKE;
  message = taken_message (kind, name, httplib_plugin_entry_get_type_name (holder),
                           httplib_plugin_entry_get_origin (holder));
  g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN, message);
  return CLASH_REFUSE;
}

static gboolean
register_type_checked (HttplibRegistry       *self,
                       HttplibPluginKind      kind,
                       const char            *name,
                       GType                  type,
                       HttplibRegisterFlags   flags,
                       GError               **error)
{
  GType iface = kind == HTTPLIB_PLUGIN_KIND_TRANSPORT ? HTTPLIB_TYPE_TRANSPORT
                                                      : HTTPLIB_TYPE_BODY_SOURCE;
  HttplibPluginEntry *entry;
  ClashOutcome outcome;

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "a %s needs a non-empty name", kind_name (kind));
      return FALSE;
    }
  if (!G_TYPE_IS_INSTANTIATABLE (type) || G_TYPE_IS_ABSTRACT (type) ||
      !g_type_is_a (type, iface))
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "cannot register %s '%s': type %s is not an instantiable %s",
                   kind_name (kind), name,
                   g_type_name (type) ? g_type_name (type) : "(invalid)", g_type_name (iface));
      return FALSE;
    }
  if ((flags & ~HTTPLIB_REGISTER_FLAGS_REPLACE) != 0)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                   "cannot register %s '%s': unknown flags 0x%x",
                   kind_name (kind), name, (guint) (flags & ~HTTPLIB_REGISTER_FLAGS_REPLACE));
      return FALSE;
    }

  g_rec_mutex_lock (&self->lock);
  /* The modules' names are taken first, so a clash shows here and not at a later load. */
  if (self->loading == NULL)
    httplib_registry_load_plugins (self, NULL);
  entry = g_hash_table_lookup (table_for (self, kind), name);
  outcome = entry ? settle_clash (self, kind, name, type, flags, entry, error) : CLASH_TAKE;
  if (outcome == CLASH_TAKE)
    g_hash_table_replace (table_for (self, kind), g_strdup (name),
                          httplib_plugin_entry_new (name, kind, type,
                                                    self->loading ? self->loading->path : NULL,
                                                    self->loading ? self->loading->info->name
                                                                  : NULL,
                                                    flags));
  g_rec_mutex_unlock (&self->lock);
  return outcome != CLASH_REFUSE;
}

/* A module's failed registration is kept so that lookups can name its file. */
static gboolean
register_type (HttplibRegistry       *self,
               HttplibPluginKind      kind,
               const char            *name,
               GType                  type,
               HttplibRegisterFlags   flags,
               GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  /* Held throughout: loading belongs to whoever is loading, maybe another thread. */
  g_rec_mutex_lock (&self->lock);
  ok = register_type_checked (self, kind, name, type, flags, &local_error);
  if (!ok && self->loading != NULL)
    record_failure (self, "%s: %s", self->loading->path, local_error->message);
  g_rec_mutex_unlock (&self->lock);

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

/**
 * httplib_registry_register_transport:
 * @registry: a registry
 * @name: the name connections use to ask for it
 * @type: a type implementing [iface@Transport]
 * @error: return location for a #GError
 *
 * Registers a transport under a name that must be free: the same as
 * httplib_registry_register_transport_full() with
 * %HTTPLIB_REGISTER_FLAGS_NONE.
 *
 * Errors: %HTTPLIB_ERROR_PLUGIN when @type does not implement the
 * interface, @name is empty, or @name is taken (the message names the
 * type that has it and its module's file).
 *
 * Returns: %TRUE when registered
 */
gboolean
httplib_registry_register_transport (HttplibRegistry *registry,
                                     const char      *name,
                                     GType            type,
                                     GError         **error)
{
  return httplib_registry_register_transport_full (registry, name, type,
                                                   HTTPLIB_REGISTER_FLAGS_NONE, error);
}

/**
 * httplib_registry_register_transport_full:
 * @registry: a registry
 * @name: the name connections use to ask for it
 * @type: a type implementing [iface@Transport]
 * @flags: what to do when @name is taken
 * @error: return location for a #GError
 *
 * Registers a transport. The plugin modules are loaded first, if they were
 * not yet, so a name a module registers is taken by then. (A module's
 * own registrations, from its register function, load nothing more; a
 * clash between modules is settled as [class@Registry] says.) With
 * %HTTPLIB_REGISTER_FLAGS_REPLACE a taken name passes to @type: later
 * lookups and connects get it, and connections that opened their chain
 * before keep the type they made.
 *
 * ```c
 * // Every plain connection from now on goes through the application's own TCP.
 * httplib_registry_register_transport_full (httplib_registry_get_default (), "tcp",
 *                                           MY_TYPE_COUNTING_TCP,
 *                                           HTTPLIB_REGISTER_FLAGS_REPLACE, &error);
 * ```
 *
 * Errors: %HTTPLIB_ERROR_PLUGIN when @type does not implement the
 * interface, @name is empty, @flags has unknown bits, or @name is taken
 * and @flags does not say to replace it; the message then names @name,
 * the type that has it and the module file it came from (or `the
 * application`). From a module, a name that another module is named for
 * is refused even with %HTTPLIB_REGISTER_FLAGS_REPLACE ("is reserved for
 * FILE, the module named for it"). A module whose registration fails is
 * also named in the failures of httplib_registry_load_plugins().
 *
 * Returns: %TRUE when registered
 */
gboolean
httplib_registry_register_transport_full (HttplibRegistry       *registry,
                                          const char            *name,
                                          GType                  type,
                                          HttplibRegisterFlags   flags,
                                          GError               **error)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return register_type (registry, HTTPLIB_PLUGIN_KIND_TRANSPORT, name, type, flags, error);
}

/**
 * httplib_registry_register_body_source:
 * @registry: a registry
 * @name: the name used to ask for it
 * @type: a type implementing [iface@BodySource]
 * @error: return location for a #GError
 *
 * Registers a body source under a name that must be free: the same as
 * httplib_registry_register_body_source_full() with
 * %HTTPLIB_REGISTER_FLAGS_NONE.
 *
 * Errors: %HTTPLIB_ERROR_PLUGIN when @type does not implement the
 * interface, @name is empty, or @name is taken (the message names the
 * type that has it and its module's file).
 *
 * Returns: %TRUE when registered
 */
gboolean
httplib_registry_register_body_source (HttplibRegistry *registry,
                                       const char      *name,
                                       GType            type,
                                       GError         **error)
{
  return httplib_registry_register_body_source_full (registry, name, type,
                                                     HTTPLIB_REGISTER_FLAGS_NONE, error);
}

/**
 * httplib_registry_register_body_source_full:
 * @registry: a registry
 * @name: the name used to ask for it
 * @type: a type implementing [iface@BodySource]
 * @flags: what to do when @name is taken
 * @error: return location for a #GError
 *
 * Registers a body source, as httplib_registry_register_transport_full()
 * registers a transport: the modules are loaded first, and a taken name
 * is an error unless @flags has %HTTPLIB_REGISTER_FLAGS_REPLACE. Body
 * sources and transports have separate names.
 *
 * Errors: %HTTPLIB_ERROR_PLUGIN when @type does not implement the
 * interface, @name is empty, @flags has unknown bits, or @name is taken
 * and @flags does not say to replace it (the message names the type that
 * has it and its module's file).
 *
 * Returns: %TRUE when registered
 */
gboolean
httplib_registry_register_body_source_full (HttplibRegistry       *registry,
                                            const char            *name,
                                            GType                  type,
                                            HttplibRegisterFlags   flags,
                                            GError               **error)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return register_type (registry, HTTPLIB_PLUGIN_KIND_BODY_SOURCE, name, type, flags, error);
}

typedef const HttplibPluginInfo *(*QueryFunc) (void);

/* A module named for its plugin, NAME, is the file MODULE_PREFIX NAME.so. */
#define MODULE_PREFIX "libhttplib-"

/* Plugin name -> GModule, for the whole process: a second copy of a module
 * (the same plugin from another file) would register its GTypes twice. */
static GHashTable *loaded_plugins;
G_LOCK_DEFINE_STATIC (loaded_plugins);

static gboolean
claim_plugin_name (const char *name,
                   GModule    *module)
{
  GModule *owner;

  G_LOCK (loaded_plugins);
  if (loaded_plugins == NULL)
    loaded_plugins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  owner = g_hash_table_lookup (loaded_plugins, name);
  if (owner == NULL)
    g_hash_table_insert (loaded_plugins, g_strdup (name), module);
  G_UNLOCK (loaded_plugins);

  return owner == NULL || owner == module;
}

/* Opens a module file and asks its entry point what it is; NULL, with the
 * failure recorded, when it is no module of this library's. */
static Module *
open_module (HttplibRegistry *self,
             guint            dir_index,
             const char      *file_name)
{
  g_autofree char *path = g_build_filename (self->plugin_dirs[dir_index], file_name, NULL);
  g_autofree char *named_file = NULL;
  GModule *module;
  gpointer symbol = NULL;
  const HttplibPluginInfo *info;
  Module *result;

  /* Local binding keeps one plugin's symbols from resolving another's. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      record_failure (self, "%s", g_module_error ());  /* it names the file */
      return NULL;
    }
  if (!g_module_symbol (module, HTTPLIB_PLUGIN_ENTRY_POINT, &symbol) || symbol == NULL)
    {
      record_failure (self, "%s: no %s entry point", path, HTTPLIB_PLUGIN_ENTRY_POINT);
      g_module_close (module);
      return NULL;
    }
  info = ((QueryFunc) symbol) ();
  if (info == NULL || info->api_version != HTTPLIB_PLUGIN_API_VERSION)
    {
      record_failure (self, "%s: built for plugin API %u, this library has %u",
                      path, info ? info->api_version : 0, HTTPLIB_PLUGIN_API_VERSION);
      g_module_close (module);
      return NULL;
    }

  result = g_new0 (Module, 1);
  result->path = g_steal_pointer (&path);
  result->file_name = g_strdup (file_name);
  result->dir_index = dir_index;
  result->module = module;
  result->info = info;
  if (info->name != NULL)
    {
      named_file = g_strconcat (MODULE_PREFIX, info->name, "." G_MODULE_SUFFIX, NULL);
      result->named = strcmp (file_name, named_file) == 0;
    }
  return result;
}

/* Lets an opened module register its types; takes the module. */
static void
register_module (HttplibRegistry *self,
                 Module          *module)
{
  const HttplibPluginInfo *info = module->info;
  const Module *outer = self->loading;

  if (info->register_types == NULL)
    {
      record_failure (self, "%s: plugin '%s' has no register function",
                      module->path, info->name ? info->name : "(unnamed)");
      module_free (module);
      return;
    }
  if (info->name == NULL || !claim_plugin_name (info->name, module->module))
    {
      record_failure (self, "%s: plugin '%s' is already loaded from another file",
                      module->path, info->name ? info->name : "(unnamed)");
      module_free (module);
      return;
    }

  /* Types registered by the module live as long as the process. */
  g_module_make_resident (module->module);
  module->module = NULL;
  g_hash_table_insert (self->modules, module->path, module);
  /* A module may look a name up as it registers, which may load another. */
  self->loading = module;
  info->register_types (self);
  self->loading = outer;
}

static gboolean
is_module_file (const char *name)
{
  return g_str_has_suffix (name, "." G_MODULE_SUFFIX);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static int
compare_module_order (gconstpointer a,
                      gconstpointer b)
{
  return compare_modules (*(Module * const *) a, *(Module * const *) b);
}

/* Opens the modules of one folder not opened yet, adding them to modules. */
static void
open_dir (HttplibRegistry *self,
          guint            dir_index,
          GPtrArray       *modules)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  /* A folder that does not exist is simply empty: the default path has several. */
  dir = g_dir_open (self->plugin_dirs[dir_index], 0, NULL);
  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (is_module_file (name) && !g_hash_table_contains (self->module_names, name))
      g_ptr_array_add (names, g_strdup (name));

  /* Sorted, so which module wins a name conflict does not depend on the file system. */
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      Module *module;

      g_hash_table_add (self->module_names, g_strdup (names->pdata[i]));
      module = open_module (self, dir_index, names->pdata[i]);
      if (module != NULL)
        g_ptr_array_add (modules, module);
    }
}

/* Loads every module not loaded yet, in order; first, if given, one a
 * lookup opened that turned out not to be named for its plugin. */
static void
load_all (HttplibRegistry *self,
          Module          *opened)
{
  g_autoptr(GPtrArray) modules = g_ptr_array_new ();

  self->loaded = TRUE;
  if (opened != NULL)
    g_ptr_array_add (modules, opened);
  for (guint i = 0; self->plugin_dirs[i]; i++)
    open_dir (self, i, modules);

  /* Named modules claim their plugin names before a stray copy under another file name can. */
  g_ptr_array_sort (modules, compare_module_order);
  for (guint i = 0; i < modules->len; i++)
    register_module (self, modules->pdata[i]);
}

/* A name a module file may be named for: no folder in it, nothing empty. */
static gboolean
is_file_name_part (const char *name)
{
  return *name != '\0' && strchr (name, '/') == NULL && strchr (name, G_DIR_SEPARATOR) == NULL;
}

/* Loads the module named for a name, libhttplib-NAME.so, from the first
 * folder that has it, unless it was opened already. */
static void
load_named (HttplibRegistry *self,
            const char      *name)
{
  g_autofree char *file_name = NULL;

  if (self->loaded || !is_file_name_part (name))
    return;
  file_name = g_strconcat (MODULE_PREFIX, name, "." G_MODULE_SUFFIX, NULL);
  if (g_hash_table_contains (self->module_names, file_name))
    return;

  for (guint i = 0; self->plugin_dirs[i]; i++)
    {
      g_autofree char *path = g_build_filename (self->plugin_dirs[i], file_name, NULL);
      Module *module;

      /* A dangling link counts, as in a folder listing: it fails, and is named. */
      if (!g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
        continue;
      g_hash_table_add (self->module_names, g_strdup (file_name));
      module = open_module (self, i, file_name);
      if (module == NULL)
        return;
      /* One whose plugin has another name waits for its turn among the others. */
      if (module->named)
        register_module (self, module);
      else
        load_all (self, module);
      return;
    }
}

/**
 * httplib_registry_load_plugins:
 * @registry: a registry
 * @error: return location for a #GError
 *
 * Loads every module in the plugin folders that is not loaded yet, once;
 * later calls do nothing. Listings, the application's registrations and
 * lookups of a name that no module is named for call it on first use.
 * A module that fails to load (not a library, no entry point, built for
 * another %HTTPLIB_PLUGIN_API_VERSION, a second copy of a loaded plugin)
 * is skipped, and one whose type fails to register (a name another
 * module has, see [class@Registry]) loses that name; either is named in the error
 * (%HTTPLIB_ERROR_PLUGIN, the first failure) and in the message of any
 * later failed lookup, and listed by
 * httplib_registry_get_load_failures(). The other modules still load.
 *
 * Returns: %TRUE when every module loaded
 */
gboolean
httplib_registry_load_plugins (HttplibRegistry *registry,
                               GError         **error)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  gboolean ok;

  g_rec_mutex_lock (&registry->lock);
  if (!registry->loaded)
    load_all (registry, NULL);
  ok = registry->failures->len == 0;
  if (!ok)
    g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                         registry->failures->pdata[0]);
  g_rec_mutex_unlock (&registry->lock);

  return ok;
}

/* Whether no module still to load could change what a name is: every
 * module is loaded, or the name is its own module's, which it keeps. */
static gboolean
is_settled (HttplibRegistry    *self,
            HttplibPluginEntry *entry,
            const char         *name)
{
  const Module *module;

  if (entry == NULL)
    return self->loaded;
  if (self->loaded)
    return TRUE;
  module = entry_module (self, entry);
  return module == NULL || module_is_named_for (module, name);
}

static GType
lookup (HttplibRegistry   *self,
        HttplibPluginKind  kind,
        const char        *name,
        GError           **error)
{
  HttplibPluginEntry *entry;
  GType type = G_TYPE_INVALID;

  g_rec_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (table_for (self, kind), name);
  if (!is_settled (self, entry, name))
    {
      load_named (self, name);
      entry = g_hash_table_lookup (table_for (self, kind), name);
    }
  if (!is_settled (self, entry, name))
    {
      /* Any other module may register it: the name only counts once they all did. */
      httplib_registry_load_plugins (self, NULL);
      entry = g_hash_table_lookup (table_for (self, kind), name);
    }

  if (entry != NULL)
    type = httplib_plugin_entry_get_gtype (entry);
  else
    {
      g_autofree char *dirs = g_strjoinv (", ", self->plugin_dirs);
      g_autoptr(GString) message = g_string_new (NULL);

      g_string_printf (message, "no %s named '%s' is registered (plugin folders searched: %s)",
                       kind_name (kind), name, *dirs ? dirs : "none");
      for (guint i = 0; i < self->failures->len; i++)
        g_string_append_printf (message, "; failed to load %s", (char *) self->failures->pdata[i]);
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN, message->str);
    }
  g_rec_mutex_unlock (&self->lock);
  return type;
}

/**
 * httplib_registry_lookup_transport:
 * @registry: a registry
 * @name: a transport name
 * @error: return location for a #GError
 *
 * Finds a transport. A name not registered yet loads the module named for
 * it, `libhttplib-NAME.so`, and when that does not register it, every
 * other module (see [class@Registry]). Fails with %HTTPLIB_ERROR_PLUGIN
 * naming @name, the folders searched and every module that failed to
 * load.
 *
 * Returns: the type, or %G_TYPE_INVALID with @error set
 */
GType
httplib_registry_lookup_transport (HttplibRegistry *registry,
                                   const char      *name,
                                   GError         **error)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), G_TYPE_INVALID);
  g_return_val_if_fail (name != NULL, G_TYPE_INVALID);
  return lookup (registry, HTTPLIB_PLUGIN_KIND_TRANSPORT, name, error);
}

/**
 * httplib_registry_lookup_body_source:
 * @registry: a registry
 * @name: a body source name
 * @error: return location for a #GError
 *
 * Finds a body source, loading modules as
 * httplib_registry_lookup_transport() does. Fails with
 * %HTTPLIB_ERROR_PLUGIN naming @name, the folders searched and every
 * module that failed to load.
 *
 * Returns: the type, or %G_TYPE_INVALID with @error set
 */
GType
httplib_registry_lookup_body_source (HttplibRegistry *registry,
                                     const char      *name,
                                     GError         **error)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), G_TYPE_INVALID);
  g_return_val_if_fail (name != NULL, G_TYPE_INVALID);
  return lookup (registry, HTTPLIB_PLUGIN_KIND_BODY_SOURCE, name, error);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (httplib_plugin_entry_get_name (*(HttplibPluginEntry * const *) a),
                 httplib_plugin_entry_get_name (*(HttplibPluginEntry * const *) b));
}

static GPtrArray *
list (HttplibRegistry   *self,
      HttplibPluginKind  kind)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) httplib_plugin_entry_unref);
  GHashTableIter iter;
  gpointer value;

  g_rec_mutex_lock (&self->lock);
  httplib_registry_load_plugins (self, NULL);
  g_hash_table_iter_init (&iter, table_for (self, kind));
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (entries, httplib_plugin_entry_ref (value));
  g_rec_mutex_unlock (&self->lock);

  g_ptr_array_sort (entries, compare_entries);
  return entries;
}

/**
 * httplib_registry_list_transports:
 * @registry: a registry
 *
 * Lists the registered transports, sorted by name, each with its type and
 * the module file it came from. Loads the plugin modules first, as a
 * lookup does, so the list holds every name a lookup would find.
 *
 * ```python
 * for entry in Httplib.Registry.get_default().list_transports():
 *     print(entry.get_name(), entry.get_type_name(), entry.get_origin())
 * ```
 *
 * Returns: (transfer container) (element-type HttplibPluginEntry): the
 *   registered transports, sorted by name; the array holds a
 *   reference to each and drops them when it is freed with
 *   g_ptr_array_unref()
 */
GPtrArray *
httplib_registry_list_transports (HttplibRegistry *registry)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), NULL);
  return list (registry, HTTPLIB_PLUGIN_KIND_TRANSPORT);
}

/**
 * httplib_registry_list_body_sources:
 * @registry: a registry
 *
 * Lists the registered body sources, sorted by name, as
 * httplib_registry_list_transports() lists the transports; loads the
 * plugin modules first.
 *
 * Returns: (transfer container) (element-type HttplibPluginEntry): the
 *   registered body sources, sorted by name; the array holds a
 *   reference to each and drops them when it is freed with
 *   g_ptr_array_unref()
 */
GPtrArray *
httplib_registry_list_body_sources (HttplibRegistry *registry)
{
  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), NULL);
  return list (registry, HTTPLIB_PLUGIN_KIND_BODY_SOURCE);
}

/**
 * httplib_registry_get_load_failures:
 * @registry: a registry
 *
 * Gets why modules did not load or failed to register a type, one
 * message per failure, each naming the module's file, in the order they
 * happened. Loads the plugin modules first. Empty when every module
 * loaded and registered its types.
 *
 * Returns: (transfer full) (array zero-terminated=1): the failures, each
 *   naming a module's file
 */
GStrv
httplib_registry_get_load_failures (HttplibRegistry *registry)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (HTTPLIB_IS_REGISTRY (registry), NULL);

  g_rec_mutex_lock (&registry->lock);
  httplib_registry_load_plugins (registry, NULL);
  for (guint i = 0; i < registry->failures->len; i++)
    g_strv_builder_add (builder, registry->failures->pdata[i]);
  g_rec_mutex_unlock (&registry->lock);
  return g_strv_builder_end (builder);
}
