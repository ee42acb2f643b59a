/* test-registry.c: finding plugins by name, loading modules, registering types
 *
 * Integration suite over the public API. The test environment points
 * HTTPLIB_PLUGIN_PATH at the built plugins; tests that need folders of
 * their own make them with test_tmp_dir_new() and remove them afterwards.
 *
 * A module placed in a temporary folder is a symbolic link to the built
 * module, not a byte copy: a second copy of the same code would register
 * the same GType names again, which GLib refuses, and with CK_FORK=no the
 * built module is already loaded by earlier tests. Through a link the
 * dynamic loader sees the same file, which is what a folder holding the
 * module means to the registry.
 *
 * The modules of tests/modules/ and lazy loading are in
 * test-registry-modules.c.
 */
#include <httplib/httplib.h>

#include "test-plugin-dirs.h"
#include "test-utils.h"

#include <dlfcn.h>
#include <string.h>

/* --- types defined by the test --- */

/* A transport that only ever refuses. */
#define TEST_TYPE_NULL_TRANSPORT (test_null_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestNullTransport, test_null_transport, TEST, NULL_TRANSPORT, GObject)

struct _TestNullTransport {
  GObject parent_instance;
};

static GIOStream *
null_transport_open (HttplibTransport *transport,
                     HttplibEndpoint  *endpoint,
                     GIOStream        *base,
                     GCancellable     *cancellable,
                     GError          **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "test transport");
  return NULL;
}

static void
null_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = null_transport_open;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNullTransport, test_null_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                      null_transport_iface_init))

static void test_null_transport_class_init (TestNullTransportClass *klass) { }
static void test_null_transport_init (TestNullTransport *self) { }

/* A second transport type, to tell registrations apart. */
#define TEST_TYPE_OTHER_TRANSPORT (test_other_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestOtherTransport, test_other_transport, TEST, OTHER_TRANSPORT, GObject)

struct _TestOtherTransport {
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE_WITH_CODE (TestOtherTransport, test_other_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                      null_transport_iface_init))

static void test_other_transport_class_init (TestOtherTransportClass *klass) { }
static void test_other_transport_init (TestOtherTransport *self) { }

/* An abstract type implementing the interface: it cannot be instantiated. */
#define TEST_TYPE_ABSTRACT_TRANSPORT (test_abstract_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (TestAbstractTransport, test_abstract_transport, TEST,
                          ABSTRACT_TRANSPORT, GObject)

struct _TestAbstractTransportClass {
  GObjectClass parent_class;
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (TestAbstractTransport, test_abstract_transport, G_TYPE_OBJECT,
                                  G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                         null_transport_iface_init))

static void test_abstract_transport_class_init (TestAbstractTransportClass *klass) { }
static void test_abstract_transport_init (TestAbstractTransport *self) { }

/* An empty body. */
#define TEST_TYPE_NULL_BODY_SOURCE (test_null_body_source_get_type ())
G_DECLARE_FINAL_TYPE (TestNullBodySource, test_null_body_source, TEST, NULL_BODY_SOURCE, GObject)

struct _TestNullBodySource {
  GObject parent_instance;
};

static gint64
null_body_source_get_length (HttplibBodySource *source)
{
  return 0;
}

static gboolean
null_body_source_write_to (HttplibBodySource *source,
                           GOutputStream     *stream,
                           GCancellable      *cancellable,
                           GError           **error)
{
  return TRUE;
}

static void
null_body_source_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = null_body_source_get_length;
  iface->write_to = null_body_source_write_to;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNullBodySource, test_null_body_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_BODY_SOURCE,
                                                      null_body_source_iface_init))

static void test_null_body_source_class_init (TestNullBodySourceClass *klass) { }
static void test_null_body_source_init (TestNullBodySource *self) { }

/* A plain GObject subclass that implements neither interface. */
#define TEST_TYPE_PLAIN_OBJECT (test_plain_object_get_type ())
G_DECLARE_FINAL_TYPE (TestPlainObject, test_plain_object, TEST, PLAIN_OBJECT, GObject)

struct _TestPlainObject {
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestPlainObject, test_plain_object, G_TYPE_OBJECT)

static void test_plain_object_class_init (TestPlainObjectClass *klass) { }
static void test_plain_object_init (TestPlainObject *self) { }

/* --- the default registry --- */

START_TEST (test_default_is_shared)
{
  HttplibRegistry *registry = httplib_registry_get_default ();
  g_auto(GStrv) env_dirs = test_env_plugin_dirs ();
  const char * const *dirs;
  guint n_env = g_strv_length (env_dirs);

  ck_assert_msg (HTTPLIB_IS_REGISTRY (registry), "expected a registry, got %p", (void *) registry);
  ck_assert_msg (httplib_registry_get_default () == registry,
                 "expected the same default registry twice, got %p then %p",
                 registry, httplib_registry_get_default ());

  /* HTTPLIB_PLUGIN_PATH first, in order, then the installed folder. */
  dirs = httplib_registry_get_plugin_dirs (registry);
  ck_assert_msg (g_strv_length ((char **) dirs) == n_env + 1,
                 "expected %u folders (HTTPLIB_PLUGIN_PATH and the install folder), got %u",
                 n_env + 1, g_strv_length ((char **) dirs));
  for (guint i = 0; i < n_env; i++)
    ck_assert_msg (g_strcmp0 (dirs[i], env_dirs[i]) == 0,
                   "folder %u: expected %s, got %s", i, env_dirs[i], dirs[i]);
}
END_TEST

START_TEST (test_default_finds_builtin)
{
  HttplibRegistry *registry = httplib_registry_get_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) transport = NULL;
  GType tcp, bytes;

  tcp = httplib_registry_lookup_transport (registry, "tcp", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (g_type_is_a (tcp, HTTPLIB_TYPE_TRANSPORT),
                 "expected \"tcp\" to implement HttplibTransport, got type %s",
                 g_type_name (tcp));
  ck_assert_msg (G_TYPE_IS_INSTANTIATABLE (tcp) && !G_TYPE_IS_ABSTRACT (tcp),
                 "expected \"tcp\" to be instantiable, got type %s", g_type_name (tcp));
  transport = g_object_new (tcp, NULL);
  ck_assert_msg (HTTPLIB_IS_TRANSPORT (transport), "expected a transport, got %s",
                 G_OBJECT_TYPE_NAME (transport));

  bytes = httplib_registry_lookup_body_source (registry, "bytes", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (g_type_is_a (bytes, HTTPLIB_TYPE_BODY_SOURCE),
                 "expected \"bytes\" to implement HttplibBodySource, got type %s",
                 g_type_name (bytes));

  /* Transports and body sources are looked up separately. */
  ck_assert_msg (httplib_registry_lookup_body_source (registry, "tcp", &error) == G_TYPE_INVALID,
                 "expected no body source named \"tcp\", got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  g_clear_error (&error);
  ck_assert_msg (httplib_registry_lookup_transport (registry, "bytes", &error) == G_TYPE_INVALID,
                 "expected no transport named \"bytes\", got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
}
END_TEST

/* An unknown name: the error names it and every folder searched. */
START_TEST (test_default_unknown_name)
{
  HttplibRegistry *registry = httplib_registry_get_default ();
  const char *name = _i == 0 ? "no-such-transport" : "no-such-body-source";
  g_autoptr(GError) error = NULL;
  const char * const *dirs;
  GType type;

  type = _i == 0 ? httplib_registry_lookup_transport (registry, name, &error)
                 : httplib_registry_lookup_body_source (registry, name, &error);
  ck_assert_msg (type == G_TYPE_INVALID, "expected no type for %s, got %s",
                 name, g_type_name (type));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, name);

  dirs = httplib_registry_get_plugin_dirs (registry);
  ck_assert_msg (dirs[0] != NULL, "expected the default registry to search some folder");
  for (guint i = 0; dirs[i]; i++)
    test_assert_contains (error->message, dirs[i]);
}
END_TEST

/* --- registries over chosen folders --- */

START_TEST (test_env_folders_load_cleanly)
{
  g_auto(GStrv) dirs = test_env_plugin_dirs ();
  g_autoptr(HttplibRegistry) registry = httplib_registry_new ((const char * const *) dirs);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected the built plugins to load, got %s",
                 error ? error->message : "FALSE without an error");
  httplib_assert_no_error (error);
  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected a second load to succeed too, got %s",
                 error ? error->message : "FALSE without an error");

  ck_assert_msg (httplib_registry_lookup_transport (registry, "tcp", &error) != G_TYPE_INVALID,
                 "expected \"tcp\", got %s", error ? error->message : "nothing");
  ck_assert_msg (httplib_registry_lookup_body_source (registry, "bytes", &error) != G_TYPE_INVALID,
                 "expected \"bytes\", got %s", error ? error->message : "nothing");
}
END_TEST

START_TEST (test_empty_folder)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (dirs);
  g_autoptr(GError) error = NULL;
  const char * const *got = httplib_registry_get_plugin_dirs (registry);

  ck_assert_msg (got[0] != NULL && g_strcmp0 (got[0], dir) == 0 && got[1] == NULL,
                 "expected the folders [%s], got [%s%s]", dir,
                 got[0] ? got[0] : "", got[0] && got[1] ? ", ..." : "");

  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected an empty folder to load without failures, got %s",
                 error ? error->message : "FALSE without an error");

  ck_assert_msg (httplib_registry_lookup_transport (registry, "tcp", &error) == G_TYPE_INVALID,
                 "expected no \"tcp\" in an empty folder, got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'tcp'");
  test_assert_contains (error->message, dir);
  g_clear_error (&error);

  ck_assert_msg (httplib_registry_lookup_body_source (registry, "bytes", &error) == G_TYPE_INVALID,
                 "expected no \"bytes\" in an empty folder, got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'bytes'");
  test_assert_contains (error->message, dir);
}
END_TEST

START_TEST (test_no_folders)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;
  const char * const *dirs = httplib_registry_get_plugin_dirs (registry);

  ck_assert_msg (dirs != NULL && dirs[0] == NULL, "expected no folders, got %s",
                 dirs ? dirs[0] : "NULL");
  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected nothing to load without failures, got %s",
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (httplib_registry_lookup_transport (registry, "tcp", &error) == G_TYPE_INVALID,
                 "expected no \"tcp\", got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'tcp'");
}
END_TEST

/* A folder that does not exist is searched as an empty one, and named. */
START_TEST (test_missing_folder)
{
  g_autofree char *missing = g_build_filename (test_tmp_dir_new (), "does-not-exist", NULL);
  const char *dirs[] = { missing, NULL };
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (dirs);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected a missing folder to be skipped, got %s",
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (httplib_registry_lookup_transport (registry, "tcp", &error) == G_TYPE_INVALID,
                 "expected no \"tcp\", got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, missing);
}
END_TEST

/* Only files named like modules are opened. */
START_TEST (test_other_files_ignored)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tcp = test_find_module ("tcp", NULL);

  test_write_file (dir, "README", "not a module\n");
  test_write_file (dir, "broken.so.txt", "not a module either\n");
  test_link_file (dir, "tcp.so.disabled", tcp);

  registry = httplib_registry_new (dirs);
  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected files not named *.%s to be ignored, got %s", G_MODULE_SUFFIX,
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (httplib_registry_lookup_transport (registry, "tcp", &error) == G_TYPE_INVALID,
                 "expected tcp.so.disabled not to be loaded, got \"tcp\"");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
}
END_TEST

/* A file that is not a library fails alone: the good module beside it loads. */
START_TEST (test_broken_module)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tcp_name = NULL;
  g_autofree char *tcp = test_find_module ("tcp", &tcp_name);
  g_autofree char *broken = g_build_filename (dir, "broken." G_MODULE_SUFFIX, NULL);
  GType type;

  test_write_file (dir, "broken." G_MODULE_SUFFIX, "this is not a shared library\n");
  test_link_file (dir, tcp_name, tcp);

  registry = httplib_registry_new (dirs);
  ck_assert_msg (!httplib_registry_load_plugins (registry, &error),
                 "expected the broken module to fail the load, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, broken);
  g_clear_error (&error);

  type = httplib_registry_lookup_transport (registry, "tcp", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (g_type_is_a (type, HTTPLIB_TYPE_TRANSPORT),
                 "expected \"tcp\" from the good module, got %s", g_type_name (type));

  /* A failed lookup names the module that did not load, too. */
  ck_assert_msg (httplib_registry_lookup_transport (registry, "tls", &error) == G_TYPE_INVALID,
                 "expected no \"tls\", got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'tls'");
  test_assert_contains (error->message, broken);
}
END_TEST

/* A second copy of a plugin, in another file, must not register its types
 * twice in the process: it is refused and named. */
START_TEST (test_second_copy_refused)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tcp_name = NULL;
  g_autofree char *tcp = test_find_module ("tcp", &tcp_name);
  g_autofree char *copy = g_build_filename (dir, tcp_name, NULL);
  g_autofree char *contents = NULL;
  gsize length;

  /* The default registry loads the original first. */
  httplib_registry_lookup_transport (httplib_registry_get_default (), "tcp", &error);
  httplib_assert_no_error (error);

  ck_assert_msg (g_file_get_contents (tcp, &contents, &length, NULL), "expected to read %s", tcp);
  ck_assert_msg (g_file_set_contents (copy, contents, length, NULL), "expected to write %s", copy);

  registry = httplib_registry_new (dirs);
  ck_assert_msg (!httplib_registry_load_plugins (registry, &error),
                 "expected the copy to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, copy);
  test_assert_contains (error->message, "already loaded from another file");
}
END_TEST

/* A real library without the entry point: the core library itself. */
START_TEST (test_module_without_entry_point)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *module = g_build_filename (dir, "noentry." G_MODULE_SUFFIX, NULL);
  Dl_info info;

  ck_assert_msg (dladdr ((void *) httplib_registry_new, &info) != 0 && info.dli_fname != NULL,
                 "expected dladdr to find the library of httplib_registry_new, got nothing");
  test_link_file (dir, "noentry." G_MODULE_SUFFIX, info.dli_fname);

  registry = httplib_registry_new (dirs);
  ck_assert_msg (!httplib_registry_load_plugins (registry, &error),
                 "expected a library without %s to fail the load, got TRUE",
                 HTTPLIB_PLUGIN_ENTRY_POINT);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, module);
  test_assert_contains (error->message, HTTPLIB_PLUGIN_ENTRY_POINT);
}
END_TEST

/* The same module file in two folders: the earlier folder's is loaded, once. */
START_TEST (test_shadowed_module)
{
  const char *first = test_tmp_dir_new ();
  const char *second = test_tmp_dir_new ();
  const char *dirs[] = { first, second, NULL };
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tcp_name = NULL;
  g_autofree char *tcp = test_find_module ("tcp", &tcp_name);
  g_autofree char *first_module = g_build_filename (first, tcp_name, NULL);
  g_autofree char *second_module = g_build_filename (second, tcp_name, NULL);
  GType type;

  test_link_file (first, tcp_name, tcp);
  test_link_file (second, tcp_name, tcp);

  registry = httplib_registry_new (dirs);
  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected the second %s to be shadowed, got %s", tcp_name,
                 error ? error->message : "FALSE without an error");

  type = httplib_registry_lookup_transport (registry, "tcp", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (type != G_TYPE_INVALID, "expected \"tcp\", got nothing");

  /* A clash reports where the name came from: the earlier folder. */
  ck_assert_msg (!httplib_registry_register_transport (registry, "tcp", TEST_TYPE_NULL_TRANSPORT,
                                                       &error),
                 "expected \"tcp\" to be taken, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, first_module);
  ck_assert_msg (strstr (error->message, second_module) == NULL,
                 "expected the module in %s to be shadowed, got \"%s\"", second, error->message);
}
END_TEST

/* --- registering --- */

START_TEST (test_register_and_lookup)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;
  GType type;

  ck_assert_msg (httplib_registry_register_transport (registry, "memory",
                                                      TEST_TYPE_NULL_TRANSPORT, &error),
                 "expected the transport to register, got %s",
                 error ? error->message : "FALSE without an error");
  /* The two kinds have separate names. */
  ck_assert_msg (httplib_registry_register_body_source (registry, "memory",
                                                        TEST_TYPE_NULL_BODY_SOURCE, &error),
                 "expected the body source to register, got %s",
                 error ? error->message : "FALSE without an error");

  type = httplib_registry_lookup_transport (registry, "memory", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (type == TEST_TYPE_NULL_TRANSPORT, "expected %s, got %s",
                 g_type_name (TEST_TYPE_NULL_TRANSPORT), g_type_name (type));
  type = httplib_registry_lookup_body_source (registry, "memory", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (type == TEST_TYPE_NULL_BODY_SOURCE, "expected %s, got %s",
                 g_type_name (TEST_TYPE_NULL_BODY_SOURCE), g_type_name (type));
}
END_TEST

static GType object_type (void) { return G_TYPE_OBJECT; }
static GType int_type (void) { return G_TYPE_INT; }
static GType invalid_type (void) { return G_TYPE_INVALID; }
static GType transport_iface_type (void) { return HTTPLIB_TYPE_TRANSPORT; }

typedef struct {
  const char *desc;
  gboolean    as_transport;  /* else as a body source */
  GType     (*get_type) (void);
} WrongTypeRow;

static const WrongTypeRow wrong_type_rows[] = {
  { "GObject as a transport", TRUE, object_type },
  { "plain GObject subclass as a transport", TRUE, test_plain_object_get_type },
  { "plain GObject subclass as a body source", FALSE, test_plain_object_get_type },
  { "body source as a transport", TRUE, test_null_body_source_get_type },
  { "transport as a body source", FALSE, test_null_transport_get_type },
  { "abstract transport", TRUE, test_abstract_transport_get_type },
  { "the interface type itself", TRUE, transport_iface_type },
  { "a fundamental non-object type", TRUE, int_type },
  { "G_TYPE_INVALID", FALSE, invalid_type },
};

START_TEST (test_register_wrong_type)
{
  const WrongTypeRow *row = &wrong_type_rows[_i];
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;
  GType type = row->get_type ();
  gboolean ok;

  ok = row->as_transport
       ? httplib_registry_register_transport (registry, "wrong", type, &error)
       : httplib_registry_register_body_source (registry, "wrong", type, &error);
  ck_assert_msg (!ok, "%s: expected type %s to be refused, got TRUE",
                 row->desc, g_type_name (type));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  ck_assert_msg (strstr (error->message, "'wrong'") != NULL,
                 "%s: expected the message to name 'wrong', got \"%s\"",
                 row->desc, error->message);
  g_clear_error (&error);

  /* The name stays free. */
  type = row->as_transport ? httplib_registry_lookup_transport (registry, "wrong", &error)
                           : httplib_registry_lookup_body_source (registry, "wrong", &error);
  ck_assert_msg (type == G_TYPE_INVALID, "%s: expected nothing under 'wrong', got %s",
                 row->desc, g_type_name (type));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
}
END_TEST

START_TEST (test_register_twice)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;
  GType type;

  ck_assert_msg (httplib_registry_register_transport (registry, "dup",
                                                      TEST_TYPE_NULL_TRANSPORT, &error),
                 "expected the first registration to succeed, got %s",
                 error ? error->message : "FALSE without an error");

  ck_assert_msg (!httplib_registry_register_transport (registry, "dup",
                                                       TEST_TYPE_OTHER_TRANSPORT, &error),
                 "expected a second \"dup\" to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  /* It names the name and the first registration: its type and origin. */
  test_assert_contains (error->message, "'dup'");
  test_assert_contains (error->message, g_type_name (TEST_TYPE_NULL_TRANSPORT));
  test_assert_contains (error->message, "the application");
  test_assert_contains (error->message, "HTTPLIB_REGISTER_FLAGS_REPLACE");
  g_clear_error (&error);

  /* The same type again is refused too. */
  ck_assert_msg (!httplib_registry_register_transport (registry, "dup",
                                                       TEST_TYPE_NULL_TRANSPORT, &error),
                 "expected the same registration twice to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  g_clear_error (&error);

  type = httplib_registry_lookup_transport (registry, "dup", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (type == TEST_TYPE_NULL_TRANSPORT, "expected the first type %s to stay, got %s",
                 g_type_name (TEST_TYPE_NULL_TRANSPORT), g_type_name (type));

  ck_assert_msg (httplib_registry_register_body_source (registry, "dup-body",
                                                        TEST_TYPE_NULL_BODY_SOURCE, &error),
                 "expected the body source to register, got %s",
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (!httplib_registry_register_body_source (registry, "dup-body",
                                                         TEST_TYPE_NULL_BODY_SOURCE, &error),
                 "expected a second body source \"dup-body\" to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'dup-body'");
  test_assert_contains (error->message, g_type_name (TEST_TYPE_NULL_BODY_SOURCE));
}
END_TEST

START_TEST (test_register_empty_name)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (!httplib_registry_register_transport (registry, "", TEST_TYPE_NULL_TRANSPORT,
                                                       &error),
                 "expected an empty transport name to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  g_clear_error (&error);

  ck_assert_msg (!httplib_registry_register_body_source (registry, "",
                                                         TEST_TYPE_NULL_BODY_SOURCE, &error),
                 "expected an empty body source name to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
}
END_TEST


/* --- replacing a name --- */

START_TEST (test_register_replace)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  GType type;

  ck_assert_msg (httplib_registry_register_transport (registry, "dup", TEST_TYPE_NULL_TRANSPORT,
                                                      &error),
                 "expected the first registration to succeed, got %s",
                 error ? error->message : "FALSE without an error");
  before = httplib_registry_list_transports (registry);

  ck_assert_msg (httplib_registry_register_transport_full (registry, "dup",
                                                           TEST_TYPE_OTHER_TRANSPORT,
                                                           HTTPLIB_REGISTER_FLAGS_REPLACE,
                                                           &error),
                 "expected REPLACE to take the name, got %s",
                 error ? error->message : "FALSE without an error");
  type = httplib_registry_lookup_transport (registry, "dup", &error);
  httplib_assert_no_error (error);
  ck_assert_msg (type == TEST_TYPE_OTHER_TRANSPORT, "expected the new type %s, got %s",
                 g_type_name (TEST_TYPE_OTHER_TRANSPORT), g_type_name (type));

  /* The listing shows the new owner; an entry taken before keeps the old. */
  after = httplib_registry_list_transports (registry);
  ck_assert_msg (after->len == 1, "expected one transport listed, got %u", after->len);
  ck_assert_msg (httplib_plugin_entry_get_gtype (after->pdata[0]) == TEST_TYPE_OTHER_TRANSPORT,
                 "expected the listing to show %s, got %s",
                 g_type_name (TEST_TYPE_OTHER_TRANSPORT),
                 httplib_plugin_entry_get_type_name (after->pdata[0]));
  ck_assert_msg (before->len == 1 &&
                 httplib_plugin_entry_get_gtype (before->pdata[0]) == TEST_TYPE_NULL_TRANSPORT,
                 "expected the earlier entry to stay %s, got %s",
                 g_type_name (TEST_TYPE_NULL_TRANSPORT),
                 before->len ? httplib_plugin_entry_get_type_name (before->pdata[0]) : "nothing");

  /* Without the flag the new owner is defended, and named. */
  ck_assert_msg (!httplib_registry_register_transport_full (registry, "dup",
                                                            TEST_TYPE_NULL_TRANSPORT,
                                                            HTTPLIB_REGISTER_FLAGS_NONE, &error),
                 "expected FLAGS_NONE to be refused on a taken name, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'dup'");
  test_assert_contains (error->message, g_type_name (TEST_TYPE_OTHER_TRANSPORT));
  g_clear_error (&error);

  /* REPLACE on a free name simply registers. */
  ck_assert_msg (httplib_registry_register_body_source_full (registry, "body",
                                                             TEST_TYPE_NULL_BODY_SOURCE,
                                                             HTTPLIB_REGISTER_FLAGS_REPLACE,
                                                             &error),
                 "expected REPLACE on a free name to register, got %s",
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (httplib_registry_register_body_source_full (registry, "body",
                                                             TEST_TYPE_NULL_BODY_SOURCE,
                                                             HTTPLIB_REGISTER_FLAGS_REPLACE,
                                                             &error),
                 "expected REPLACE with the same type to succeed, got %s",
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (httplib_registry_lookup_body_source (registry, "body", &error) ==
                 TEST_TYPE_NULL_BODY_SOURCE, "expected the body source under \"body\"");
  httplib_assert_no_error (error);
}
END_TEST

/* REPLACE does not excuse a type that cannot serve, and unknown flags are refused. */
START_TEST (test_register_replace_checks)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (httplib_registry_register_transport (registry, "kept", TEST_TYPE_NULL_TRANSPORT,
                                                      &error),
                 "expected the transport to register, got %s",
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (!httplib_registry_register_transport_full (registry, "kept",
                                                            TEST_TYPE_PLAIN_OBJECT,
                                                            HTTPLIB_REGISTER_FLAGS_REPLACE,
                                                            &error),
                 "expected a non-transport to be refused even with REPLACE, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'kept'");
  g_clear_error (&error);

  ck_assert_msg (!httplib_registry_register_transport_full (registry, "kept",
                                                            TEST_TYPE_OTHER_TRANSPORT,
                                                            (HttplibRegisterFlags) (1 << 7),
                                                            &error),
                 "expected unknown flags to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "unknown flags 0x80");
  g_clear_error (&error);

  ck_assert_msg (httplib_registry_lookup_transport (registry, "kept", &error) ==
                 TEST_TYPE_NULL_TRANSPORT, "expected the first type to stay");
  httplib_assert_no_error (error);
}
END_TEST

/* An application registering a name a module has: refused, naming the file, until it replaces. */
START_TEST (test_register_over_module)
{
  g_auto(GStrv) dirs = test_env_plugin_dirs ();
  g_autoptr(HttplibRegistry) registry = httplib_registry_new ((const char * const *) dirs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *tcp = test_find_module ("tcp", NULL);
  HttplibPluginEntry *entry = NULL;

  /* No load first: registering loads the modules, so the clash shows now. */
  ck_assert_msg (!httplib_registry_register_transport (registry, "tcp", TEST_TYPE_NULL_TRANSPORT,
                                                       &error),
                 "expected \"tcp\" to be taken by the tcp module, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'tcp'");
  test_assert_contains (error->message, "HttplibTcpTransport");
  test_assert_contains (error->message, tcp);
  g_clear_error (&error);

  ck_assert_msg (httplib_registry_register_transport_full (registry, "tcp",
                                                           TEST_TYPE_NULL_TRANSPORT,
                                                           HTTPLIB_REGISTER_FLAGS_REPLACE,
                                                           &error),
                 "expected REPLACE to take \"tcp\", got %s",
                 error ? error->message : "FALSE without an error");
  ck_assert_msg (httplib_registry_lookup_transport (registry, "tcp", &error) ==
                 TEST_TYPE_NULL_TRANSPORT, "expected the application's \"tcp\" after REPLACE");
  httplib_assert_no_error (error);

  entries = httplib_registry_list_transports (registry);
  for (guint i = 0; i < entries->len; i++)
    if (g_strcmp0 (httplib_plugin_entry_get_name (entries->pdata[i]), "tcp") == 0)
      entry = entries->pdata[i];
  ck_assert_msg (entry != NULL, "expected \"tcp\" in the listing");
  ck_assert_msg (httplib_plugin_entry_get_module_path (entry) == NULL &&
                 httplib_plugin_entry_get_module_name (entry) == NULL,
                 "expected the replaced \"tcp\" to come from no module, got %s (%s)",
                 httplib_plugin_entry_get_module_path (entry),
                 httplib_plugin_entry_get_module_name (entry));
  ck_assert_str_eq (httplib_plugin_entry_get_origin (entry), "the application");
}
END_TEST

/* --- listing --- */

typedef struct {
  const char        *name;
  HttplibPluginKind  kind;
  const char        *type_name;
} ListedRow;

static const ListedRow built_in_rows[] = {
  { "tcp", HTTPLIB_PLUGIN_KIND_TRANSPORT, "HttplibTcpTransport" },
  { "tls", HTTPLIB_PLUGIN_KIND_TRANSPORT, "HttplibTlsTransport" },
  { "tunnel", HTTPLIB_PLUGIN_KIND_TRANSPORT, "HttplibTunnelTransport" },
  { "unix", HTTPLIB_PLUGIN_KIND_TRANSPORT, "HttplibUnixTransport" },
  { "bytes", HTTPLIB_PLUGIN_KIND_BODY_SOURCE, "HttplibBytesBodySource" },
  { "fd", HTTPLIB_PLUGIN_KIND_BODY_SOURCE, "HttplibFdBodySource" },
};

/* Entry i of entries must be row: the built-in plugins, each from its module file. */
static void
check_built_in_entry (HttplibPluginEntry *entry,
                      const ListedRow    *row)
{
  g_autofree char *module = test_find_module (row->name, NULL);

  ck_assert_str_eq (httplib_plugin_entry_get_name (entry), row->name);
  ck_assert_msg (httplib_plugin_entry_get_kind (entry) == row->kind,
                 "%s: expected kind %d, got %d", row->name, row->kind,
                 httplib_plugin_entry_get_kind (entry));
  ck_assert_str_eq (httplib_plugin_entry_get_type_name (entry), row->type_name);
  ck_assert_msg (httplib_plugin_entry_get_gtype (entry) == g_type_from_name (row->type_name),
                 "%s: expected the GType of %s, got %s", row->name, row->type_name,
                 g_type_name (httplib_plugin_entry_get_gtype (entry)));
  /* Through the same door as any module: registered while its file was loading. */
  ck_assert_msg (g_strcmp0 (httplib_plugin_entry_get_module_path (entry), module) == 0,
                 "%s: expected module file %s, got %s", row->name, module,
                 httplib_plugin_entry_get_module_path (entry));
  ck_assert_str_eq (httplib_plugin_entry_get_origin (entry), module);
  ck_assert_str_eq (httplib_plugin_entry_get_module_name (entry), row->name);
}

START_TEST (test_list_built_in)
{
  g_auto(GStrv) dirs = test_env_plugin_dirs ();
  g_autoptr(HttplibRegistry) registry = httplib_registry_new ((const char * const *) dirs);
  g_autoptr(GPtrArray) transports = NULL;
  g_autoptr(GPtrArray) bodies = NULL;
  g_auto(GStrv) failures = NULL;

  /* Listing loads the modules, as a lookup does: no load_plugins() before. */
  transports = httplib_registry_list_transports (registry);
  bodies = httplib_registry_list_body_sources (registry);
  ck_assert_msg (transports->len == 4, "expected 4 transports (tcp, tls, tunnel, unix), got %u",
                 transports->len);
  ck_assert_msg (bodies->len == 2, "expected 2 body sources (bytes, fd), got %u", bodies->len);
  /* Sorted by name. */
  for (guint i = 0; i < 4; i++)
    check_built_in_entry (transports->pdata[i], &built_in_rows[i]);
  for (guint i = 0; i < 2; i++)
    check_built_in_entry (bodies->pdata[i], &built_in_rows[4 + i]);

  failures = httplib_registry_get_load_failures (registry);
  ck_assert_msg (failures != NULL && failures[0] == NULL,
                 "expected no load failures, got \"%s\"", failures ? failures[0] : "NULL");
}
END_TEST

START_TEST (test_list_application_types)
{
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) transports = NULL;
  g_autoptr(GPtrArray) bodies = NULL;
  HttplibPluginEntry *entry;

  transports = httplib_registry_list_transports (registry);
  ck_assert_msg (transports->len == 0, "expected an empty registry to list nothing, got %u",
                 transports->len);
  g_clear_pointer (&transports, g_ptr_array_unref);

  httplib_registry_register_transport (registry, "zeta", TEST_TYPE_OTHER_TRANSPORT, &error);
  httplib_assert_no_error (error);
  httplib_registry_register_transport (registry, "alpha", TEST_TYPE_NULL_TRANSPORT, &error);
  httplib_assert_no_error (error);
  httplib_registry_register_body_source (registry, "alpha", TEST_TYPE_NULL_BODY_SOURCE, &error);
  httplib_assert_no_error (error);

  transports = httplib_registry_list_transports (registry);
  ck_assert_msg (transports->len == 2, "expected 2 transports, got %u", transports->len);
  entry = transports->pdata[0];
  ck_assert_str_eq (httplib_plugin_entry_get_name (entry), "alpha");
  ck_assert_str_eq (httplib_plugin_entry_get_name (transports->pdata[1]), "zeta");
  ck_assert_msg (httplib_plugin_entry_get_gtype (entry) == TEST_TYPE_NULL_TRANSPORT,
                 "expected alpha to be %s, got %s", g_type_name (TEST_TYPE_NULL_TRANSPORT),
                 httplib_plugin_entry_get_type_name (entry));
  ck_assert_msg (httplib_plugin_entry_get_module_path (entry) == NULL,
                 "expected no module for an application's type, got %s",
                 httplib_plugin_entry_get_module_path (entry));
  ck_assert_msg (httplib_plugin_entry_get_module_name (entry) == NULL,
                 "expected no module name for an application's type, got %s",
                 httplib_plugin_entry_get_module_name (entry));
  ck_assert_str_eq (httplib_plugin_entry_get_origin (entry), "the application");

  bodies = httplib_registry_list_body_sources (registry);
  ck_assert_msg (bodies->len == 1, "expected 1 body source, got %u", bodies->len);
  ck_assert_msg (httplib_plugin_entry_get_kind (bodies->pdata[0]) ==
                 HTTPLIB_PLUGIN_KIND_BODY_SOURCE, "expected the kind BODY_SOURCE");

  /* An entry is a value that outlives the registry's references. */
  entry = httplib_plugin_entry_ref (entry);
  g_clear_pointer (&transports, g_ptr_array_unref);
  ck_assert_str_eq (httplib_plugin_entry_get_name (entry), "alpha");
  httplib_plugin_entry_unref (entry);

  ck_assert_msg (G_TYPE_IS_BOXED (HTTPLIB_TYPE_PLUGIN_ENTRY), "expected a boxed type");
}
END_TEST

/* --- the bytes body source --- */

typedef struct {
  const char *desc;
  const char *data;
  gsize       length;
  gboolean    as_string;  /* through _new_for_string, else _new_for_bytes */
} BodyRow;

static const BodyRow body_rows[] = {
  { "string", "hello", 5, TRUE },
  { "empty string", "", 0, TRUE },
  { "UTF-8 string", "caf\xc3\xa9", 5, TRUE },
  { "bytes", "hello", 5, FALSE },
  { "empty bytes", "", 0, FALSE },
  { "bytes with NUL and CRLF inside", "a\0b\r\nc", 6, FALSE },
};

static void
check_body (const char        *desc,
            HttplibBodySource *source,
            const char        *data,
            gsize              length)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GBytes) expected = g_bytes_new (data, length);
  g_autoptr(GBytes) in_memory = NULL;
  GType bytes_type;

  bytes_type = httplib_registry_lookup_body_source (httplib_registry_get_default (), "bytes",
                                                    &error);
  httplib_assert_no_error (error);
  ck_assert_msg (G_OBJECT_TYPE (source) == bytes_type,
                 "%s: expected the \"bytes\" type %s, got %s", desc,
                 g_type_name (bytes_type), G_OBJECT_TYPE_NAME (source));

  ck_assert_msg (httplib_body_source_get_length (source) == (gint64) length,
                 "%s: expected length %" G_GSIZE_FORMAT ", got %" G_GINT64_FORMAT,
                 desc, length, httplib_body_source_get_length (source));

  ck_assert_msg (httplib_body_source_write_to (source, out, NULL, &error),
                 "%s: expected write_to to succeed, got %s", desc,
                 error ? error->message : "FALSE without an error");
  g_output_stream_close (out, NULL, &error);
  httplib_assert_no_error (error);
  written = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  ck_assert_msg (g_bytes_equal (written, expected),
                 "%s: expected %" G_GSIZE_FORMAT " bytes written as given, got %" G_GSIZE_FORMAT
                 " bytes that differ", desc, length, g_bytes_get_size (written));

  /* A body in memory may hand its bytes over whole; if it does, they match. */
  in_memory = httplib_body_source_get_bytes (source);
  if (in_memory != NULL)
    ck_assert_msg (g_bytes_equal (in_memory, expected),
                   "%s: expected get_bytes to give the %" G_GSIZE_FORMAT " bytes, got %"
                   G_GSIZE_FORMAT " that differ", desc, length, g_bytes_get_size (in_memory));
}

START_TEST (test_body_source)
{
  const BodyRow *row = &body_rows[_i];
  g_autoptr(HttplibBodySource) source = NULL;
  g_autoptr(GError) error = NULL;

  if (row->as_string)
    source = httplib_body_source_new_for_string (row->data, &error);
  else
    {
      g_autoptr(GBytes) bytes = g_bytes_new (row->data, row->length);

      source = httplib_body_source_new_for_bytes (bytes, &error);
    }
  httplib_assert_no_error (error);
  ck_assert_msg (HTTPLIB_IS_BODY_SOURCE (source), "%s: expected a body source, got %p",
                 row->desc, (void *) source);
  check_body (row->desc, source, row->data, row->length);
}
END_TEST

START_TEST (test_body_source_large)
{
  gsize length = 1024 * 1024 + 7;
  g_autofree char *data = g_malloc (length);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(HttplibBodySource) source = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < length; i++)
    data[i] = (char) (i * 31 + 7);
  bytes = g_bytes_new (data, length);
  source = httplib_body_source_new_for_bytes (bytes, &error);
  httplib_assert_no_error (error);
  check_body ("1 MiB and 7 bytes", source, data, length);
}
END_TEST

/* The stream's error reaches the caller unchanged. */
START_TEST (test_body_source_closed_stream)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(HttplibBodySource) source = NULL;
  g_autoptr(GError) error = NULL;

  source = httplib_body_source_new_for_string ("hello", &error);
  httplib_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);

  ck_assert_msg (!httplib_body_source_write_to (source, out, NULL, &error),
                 "expected writing to a closed stream to fail, got TRUE");
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}
END_TEST

/* --- the suite --- */

static Suite *
registry_suite (void)
{
  Suite *suite = suite_create ("registry");
  TCase *tc;

  tc = tcase_create ("default");
  tcase_add_test (tc, test_default_is_shared);
  tcase_add_test (tc, test_default_finds_builtin);
  tcase_add_loop_test (tc, test_default_unknown_name, 0, 2);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("folders");
  tcase_add_checked_fixture (tc, test_tmp_dirs_setup, test_tmp_dirs_teardown);
  tcase_add_test (tc, test_env_folders_load_cleanly);
  tcase_add_test (tc, test_empty_folder);
  tcase_add_test (tc, test_no_folders);
  tcase_add_test (tc, test_missing_folder);
  tcase_add_test (tc, test_other_files_ignored);
  tcase_add_test (tc, test_broken_module);
  tcase_add_test (tc, test_module_without_entry_point);
  tcase_add_test (tc, test_second_copy_refused);
  tcase_add_test (tc, test_shadowed_module);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("register");
  tcase_add_test (tc, test_register_and_lookup);
  tcase_add_loop_test (tc, test_register_wrong_type, 0, G_N_ELEMENTS (wrong_type_rows));
  tcase_add_test (tc, test_register_twice);
  tcase_add_test (tc, test_register_empty_name);
  tcase_add_test (tc, test_register_replace);
  tcase_add_test (tc, test_register_replace_checks);
  tcase_add_test (tc, test_register_over_module);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("list");
  tcase_add_test (tc, test_list_built_in);
  tcase_add_test (tc, test_list_application_types);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("body-source");
  tcase_add_loop_test (tc, test_body_source, 0, G_N_ELEMENTS (body_rows));
  tcase_add_test (tc, test_body_source_large);
  tcase_add_test (tc, test_body_source_closed_stream);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (registry_suite)
