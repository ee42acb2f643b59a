/* httplib-plugin-entry.c: one registered transport or body source, as listed
 *
 * An immutable value: the registry keeps one per name and hands out
 * references when it is listed, so a listing stays valid after the name
 * is replaced.
 */
#include "httplib-plugin-entry-private.h"

struct _HttplibPluginEntry {
  char                 *name;
  HttplibPluginKind     kind;
  GType                 type;
  char                 *module_path;  /* NULL: not registered by a module */
  char                 *module_name;
  HttplibRegisterFlags  flags;
};

/**
 * HttplibPluginEntry:
 *
 * One name of a [class@Registry]: a transport or a body source, its type,
 * and the module file that registered it, as
 * [method@Registry.list_transports] and
 * [method@Registry.list_body_sources] return them.
 *
 * ```c
 * g_autoptr(GPtrArray) entries =
 *   httplib_registry_list_transports (httplib_registry_get_default ());
 *
 * for (guint i = 0; i < entries->len; i++)
 *   g_print ("%s\t%s\n", httplib_plugin_entry_get_name (entries->pdata[i]),
 *            httplib_plugin_entry_get_origin (entries->pdata[i]));
 * ```
 *
 * An entry is a snapshot: it does not change when the name is registered
 * again with %HTTPLIB_REGISTER_FLAGS_REPLACE.
 */
G_DEFINE_BOXED_TYPE (HttplibPluginEntry, httplib_plugin_entry,
                     httplib_plugin_entry_ref, httplib_plugin_entry_unref)

HttplibPluginEntry *
httplib_plugin_entry_new (const char           *name,
                          HttplibPluginKind     kind,
                          GType                 type,
                          const char           *module_path,
                          const char           *module_name,
                          HttplibRegisterFlags  flags)
{
  HttplibPluginEntry *entry = g_atomic_rc_box_new0 (HttplibPluginEntry);

  entry->name = g_strdup (name);
  entry->kind = kind;
  entry->type = type;
  entry->module_path = g_strdup (module_path);
  entry->module_name = g_strdup (module_name);
  entry->flags = flags;
  return entry;
}

HttplibRegisterFlags
httplib_plugin_entry_get_flags (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, HTTPLIB_REGISTER_FLAGS_NONE);
  return entry->flags;
}

/**
 * httplib_plugin_entry_ref:
 * @entry: an entry
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @entry
 */
HttplibPluginEntry *
httplib_plugin_entry_ref (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);

  return g_atomic_rc_box_acquire (entry);
}

static void
entry_free_contents (HttplibPluginEntry *entry)
{
  g_free (entry->name);
  g_free (entry->module_path);
  g_free (entry->module_name);
}

/**
 * httplib_plugin_entry_unref:
 * @entry: (transfer full): an entry
 *
 * Drops a reference; the last one frees the entry.
 */
void
httplib_plugin_entry_unref (HttplibPluginEntry *entry)
{
  g_return_if_fail (entry != NULL);

  g_atomic_rc_box_release_full (entry, (GDestroyNotify) entry_free_contents);
}

/**
 * httplib_plugin_entry_get_name:
 * @entry: an entry
 *
 * Gets the name the type was registered under, such as `tcp`.
 *
 * Returns: the name the type was registered under
 */
const char *
httplib_plugin_entry_get_name (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  return entry->name;
}

/**
 * httplib_plugin_entry_get_kind:
 * @entry: an entry
 *
 * Gets whether the entry is a transport or a body source.
 *
 * Returns: the entry's kind
 */
HttplibPluginKind
httplib_plugin_entry_get_kind (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, HTTPLIB_PLUGIN_KIND_TRANSPORT);
  return entry->kind;
}

/**
 * httplib_plugin_entry_get_gtype:
 * @entry: an entry
 *
 * Gets the registered type, the one a lookup of the name returns.
 *
 * Returns: the registered type
 */
GType
httplib_plugin_entry_get_gtype (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, G_TYPE_INVALID);
  return entry->type;
}

/**
 * httplib_plugin_entry_get_type_name:
 * @entry: an entry
 *
 * Gets the name of the registered type, such as `HttplibTcpTransport`.
 *
 * Returns: the name of the registered type
 */
const char *
httplib_plugin_entry_get_type_name (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  return g_type_name (entry->type);
}

/**
 * httplib_plugin_entry_get_module_path:
 * @entry: an entry
 *
 * Gets the file of the module that registered the type, as the registry
 * opened it (its plugin folder and file name).
 *
 * Returns: (nullable): the module's file, or %NULL when the type was
 *   registered outside any module, by the application
 */
const char *
httplib_plugin_entry_get_module_path (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  return entry->module_path;
}

/**
 * httplib_plugin_entry_get_module_name:
 * @entry: an entry
 *
 * Gets the name the module gave itself in HTTPLIB_PLUGIN_DEFINE(), such
 * as `tcp`.
 *
 * Returns: (nullable): the module's name, or %NULL when the type was
 *   registered outside any module
 */
const char *
httplib_plugin_entry_get_module_name (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  return entry->module_name;
}

/**
 * httplib_plugin_entry_get_origin:
 * @entry: an entry
 *
 * Gets where the type came from, for messages: the module's file, or
 * `the application` for a type registered outside any module. Registry
 * errors about a name name its owner the same way.
 *
 * Returns: the module's file, or `the application`
 */
const char *
httplib_plugin_entry_get_origin (HttplibPluginEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  return entry->module_path ? entry->module_path : "the application";
}
