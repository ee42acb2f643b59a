/* test-registry-modules.c: the test modules of tests/modules/, and modules
 * loaded lazily, one lookup at a time
 *
 * Integration suite over the public API, beside test-registry.c (whose
 * header says why a module in a temporary folder is a symbolic link).
 *
 * The test modules of tests/modules/ (built for another API version, a
 * name clash, a module sharing a name with it, a replacement) come from
 * their build paths, given by meson as TEST_MODULE_*_PATH; they are linked
 * into temporary folders the same way, under the file names each test
 * needs: `libhttplib-NAME.so` to be loaded by a lookup of NAME, any other
 * name to be loaded only with every module. Each counts its registrations
 * in the registry's object data, so a test sees which modules a lookup
 * loaded. REGISTRY_PROBE_PATH is a program that reports which modules a
 * fresh process maps for a plain GET.
 */
#include <httplib/httplib.h>

#include "test-plugin-dirs.h"
#include "test-server.h"
#include "test-utils.h"

#include <string.h>

/* --- modules of tests/modules/ --- */

/* A folder holding the tcp module and the given test module under file_name
 * (which sorts after tcp's); returns the test module's path there. */
static char *
folder_with_test_module (const char  *module,
                         const char  *file_name,
                         const char **dir_out,
                         char       **tcp_out)
{
  const char *dir = test_tmp_dir_new ();
  g_autofree char *tcp_name = NULL;
  g_autofree char *tcp = test_find_module ("tcp", &tcp_name);

  test_link_file (dir, tcp_name, tcp);
  test_link_file (dir, file_name, module);
  *dir_out = dir;
  *tcp_out = g_build_filename (dir, tcp_name, NULL);
  return g_build_filename (dir, file_name, NULL);
}

/* A module built for another plugin API version is refused by name, and
 * does not stop the others. The refusal is reported by load_plugins(),
 * by get_load_failures() and by every failed lookup; lookups that succeed
 * say nothing of it. */
START_TEST (test_api_version_mismatch)
{
  const char *dir;
  g_autofree char *tcp = NULL;
  /* "a-" sorts before tcp's file: the load goes on after the refusal. */
  g_autofree char *module = folder_with_test_module (TEST_MODULE_BAD_VERSION_PATH,
                                                     "a-bad-version." G_MODULE_SUFFIX,
                                                     &dir, &tcp);
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (dirs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) transports = NULL;
  g_autofree char *expected = g_strdup_printf ("%s: built for plugin API %u, this library has %u",
                                               module, HTTPLIB_PLUGIN_API_VERSION + 1,
                                               HTTPLIB_PLUGIN_API_VERSION);
  g_auto(GStrv) failures = NULL;
  GType type;

  ck_assert_msg (!httplib_registry_load_plugins (registry, &error),
                 "expected the module built for API %u to fail the load, got TRUE",
                 HTTPLIB_PLUGIN_API_VERSION + 1);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  ck_assert_str_eq (error->message, expected);
  g_clear_error (&error);

  /* Its register function never ran. */
  type = httplib_registry_lookup_transport (registry, "test-bad-version", &error);
  ck_assert_msg (type == G_TYPE_INVALID, "expected the refused module's transport to be "
                 "unknown, got %s", g_type_name (type));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'test-bad-version'");
  test_assert_contains (error->message, expected);
  g_clear_error (&error);

  /* The module beside it loaded. */
  type = httplib_registry_lookup_transport (registry, "tcp", &error);
  httplib_assert_no_error (error);
  ck_assert_str_eq (g_type_name (type), "HttplibTcpTransport");
  transports = httplib_registry_list_transports (registry);
  ck_assert_msg (transports->len == 1, "expected only tcp listed, got %u entries",
                 transports->len);
  ck_assert_str_eq (httplib_plugin_entry_get_module_path (transports->pdata[0]), tcp);

  failures = httplib_registry_get_load_failures (registry);
  ck_assert_msg (g_strv_length (failures) == 1, "expected one failure, got %u",
                 g_strv_length (failures));
  ck_assert_str_eq (failures[0], expected);

  /* Asking again gives the same answer: nothing is loaded twice. */
  ck_assert_msg (!httplib_registry_load_plugins (registry, &error),
                 "expected a second load to report the failure again, got TRUE");
  ck_assert_str_eq (error->message, expected);
}
END_TEST

/* A module registering the name of the module named for it (tcp's, from
 * libhttplib-tcp.so): that name is refused and named with both files,
 * whatever the order of loading; its other names register. */
START_TEST (test_module_name_clash)
{
  const char *dir;
  g_autofree char *tcp = NULL;
  g_autofree char *module = folder_with_test_module (TEST_MODULE_CLASH_PATH,
                                                     "z-clash." G_MODULE_SUFFIX, &dir, &tcp);
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (dirs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) transports = NULL;
  GType type;

  ck_assert_msg (!httplib_registry_load_plugins (registry, &error),
                 "expected the clash to fail the load, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, module);
  test_assert_contains (error->message, "transport 'tcp' is reserved for");
  test_assert_contains (error->message, "the module named for it");
  test_assert_contains (error->message, "HttplibTcpTransport");
  test_assert_contains (error->message, tcp);
  g_clear_error (&error);

  type = httplib_registry_lookup_transport (registry, "tcp", &error);
  httplib_assert_no_error (error);
  ck_assert_str_eq (g_type_name (type), "HttplibTcpTransport");

  transports = httplib_registry_list_transports (registry);
  ck_assert_msg (transports->len == 3, "expected tcp, test-clash-extra and test-shared, got %u "
                 "entries", transports->len);
  ck_assert_str_eq (httplib_plugin_entry_get_name (transports->pdata[1]), "test-clash-extra");
  ck_assert_str_eq (httplib_plugin_entry_get_type_name (transports->pdata[1]),
                    "TestClashTransport");
  ck_assert_str_eq (httplib_plugin_entry_get_module_path (transports->pdata[1]), module);
  ck_assert_str_eq (httplib_plugin_entry_get_module_name (transports->pdata[1]), "test-clash");
}
END_TEST

/* A module may replace another module's name through the same door, with
 * the flag; not the name of the module named for it. */
START_TEST (test_module_replaces)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autofree char *tcp = test_find_module ("tcp", NULL);
  g_autofree char *module = g_build_filename (dir, "z-replace." G_MODULE_SUFFIX, NULL);
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) transports = NULL;
  GType type;

  /* The tcp module under a file name that is not named for it. */
  test_link_file (dir, "a-tcp." G_MODULE_SUFFIX, tcp);
  test_link_file (dir, "z-replace." G_MODULE_SUFFIX, TEST_MODULE_REPLACE_PATH);
  registry = httplib_registry_new (dirs);

  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected the replacement to load cleanly, got %s",
                 error ? error->message : "FALSE without an error");
  type = httplib_registry_lookup_transport (registry, "tcp", &error);
  httplib_assert_no_error (error);
  ck_assert_str_eq (g_type_name (type), "TestReplaceTransport");

  transports = httplib_registry_list_transports (registry);
  ck_assert_msg (transports->len == 1, "expected only tcp, got %u entries", transports->len);
  ck_assert_str_eq (httplib_plugin_entry_get_module_path (transports->pdata[0]), module);
  ck_assert_str_eq (httplib_plugin_entry_get_module_name (transports->pdata[0]), "test-replace");
}
END_TEST

/* Not even the flag takes a name from the module named for it. */
START_TEST (test_module_replace_refused)
{
  const char *dir;
  g_autofree char *tcp = NULL;
  g_autofree char *module = folder_with_test_module (TEST_MODULE_REPLACE_PATH,
                                                     "z-replace." G_MODULE_SUFFIX, &dir, &tcp);
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = httplib_registry_new (dirs);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected =
    g_strdup_printf ("%s: transport 'tcp' is reserved for %s, the module named for it "
                     "(type HttplibTcpTransport)", module, tcp);
  GType type;

  ck_assert_msg (!httplib_registry_load_plugins (registry, &error),
                 "expected the replacement of tcp's own name to fail the load, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  ck_assert_str_eq (error->message, expected);
  g_clear_error (&error);

  type = httplib_registry_lookup_transport (registry, "tcp", &error);
  httplib_assert_no_error (error);
  ck_assert_str_eq (g_type_name (type), "HttplibTcpTransport");
}
END_TEST

/* --- loading lazily --- */

#define NAMED_FILE(name) "libhttplib-" name "." G_MODULE_SUFFIX

/* How many times the test module of plugin name registered into registry
 * (tests/modules/ count it there); listing would load them all. */
static int
registrations (HttplibRegistry *registry,
               const char      *plugin)
{
  g_autofree char *key = g_strconcat ("test-module:", plugin, NULL);

  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (registry), key));
}

static void
assert_registrations (HttplibRegistry *registry,
                      const char      *when,
                      int              clash,
                      int              lazy)
{
  ck_assert_msg (registrations (registry, "test-clash") == clash &&
                 registrations (registry, "test-lazy") == lazy,
                 "%s: expected test-clash and test-lazy registered %d and %d times, got %d and %d",
                 when, clash, lazy, registrations (registry, "test-clash"),
                 registrations (registry, "test-lazy"));
}

static void
assert_transport (HttplibRegistry *registry,
                  const char      *name,
                  const char      *type_name)
{
  g_autoptr(GError) error = NULL;
  GType type = httplib_registry_lookup_transport (registry, name, &error);

  ck_assert_msg (type != G_TYPE_INVALID, "expected \"%s\" to be found, got %s", name,
                 error ? error->message : "nothing");
  ck_assert_msg (g_strcmp0 (g_type_name (type), type_name) == 0,
                 "expected \"%s\" to be %s, got %s", name, type_name, g_type_name (type));
}

/* A lookup loads the module named for the name and nothing else. */
START_TEST (test_lazy_lookup)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autofree char *tcp = test_find_module ("tcp", NULL);
  g_autofree char *clash = g_build_filename (dir, "a-clash." G_MODULE_SUFFIX, NULL);
  g_autofree char *tcp_there = g_build_filename (dir, NAMED_FILE ("tcp"), NULL);
  g_autofree char *lazy = g_build_filename (dir, NAMED_FILE ("test-lazy"), NULL);
  g_autofree char *reserved = NULL;
  g_autofree char *taken = NULL;
  g_autoptr(HttplibRegistry) registry = NULL;
  g_auto(GStrv) failures = NULL;

  /* a-clash.so sorts first and registers tcp, but is named for nothing. */
  test_link_file (dir, NAMED_FILE ("tcp"), tcp);
  test_link_file (dir, "a-clash." G_MODULE_SUFFIX, TEST_MODULE_CLASH_PATH);
  test_link_file (dir, NAMED_FILE ("test-lazy"), TEST_MODULE_LAZY_PATH);
  registry = httplib_registry_new (dirs);

  assert_transport (registry, "tcp", "HttplibTcpTransport");
  assert_registrations (registry, "after looking up tcp", 0, 0);
  assert_transport (registry, "test-lazy", "TestLazyTransport");
  assert_registrations (registry, "after looking up test-lazy", 0, 1);
  assert_transport (registry, "tcp", "HttplibTcpTransport");
  assert_transport (registry, "test-lazy", "TestLazyTransport");
  assert_registrations (registry, "after looking both up again", 0, 1);

  /* No file is named for test-clash-extra: every module loads, each once. */
  assert_transport (registry, "test-clash-extra", "TestClashTransport");
  assert_registrations (registry, "after looking up test-clash-extra", 1, 1);

  /* The named modules keep their names: tcp its own, test-lazy test-shared,
   * as if every module had loaded in order (named ones first). */
  assert_transport (registry, "tcp", "HttplibTcpTransport");
  assert_transport (registry, "test-shared", "TestLazyTransport");
  reserved = g_strdup_printf ("%s: transport 'tcp' is reserved for %s, the module named for it "
                              "(type HttplibTcpTransport)", clash, tcp_there);
  taken = g_strdup_printf ("%s: transport 'test-shared' is already registered (type "
                           "TestLazyTransport from %s); register with "
                           "HTTPLIB_REGISTER_FLAGS_REPLACE to replace it", clash, lazy);
  failures = httplib_registry_get_load_failures (registry);
  ck_assert_msg (g_strv_length (failures) == 2, "expected 2 failures, got %u",
                 g_strv_length (failures));
  ck_assert_str_eq (failures[0], reserved);
  ck_assert_str_eq (failures[1], taken);
  assert_registrations (registry, "after listing the failures", 1, 1);
}
END_TEST

/* A name registered by a module not named for it is found: the lookup
 * loads every module. A file named for a name whose plugin has another
 * name loads with the others, in its turn. */
START_TEST (test_lazy_other_file_name)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autofree char *tcp = test_find_module ("tcp", NULL);
  g_autofree char *other = g_build_filename (dir, NAMED_FILE ("test-other"), NULL);
  g_autoptr(HttplibRegistry) first = NULL;
  g_autoptr(HttplibRegistry) second = NULL;
  g_autoptr(GPtrArray) transports = NULL;
  g_autoptr(GError) error = NULL;

  test_link_file (dir, NAMED_FILE ("tcp"), tcp);
  test_link_file (dir, NAMED_FILE ("test-other"), TEST_MODULE_LAZY_PATH);

  first = httplib_registry_new (dirs);
  assert_transport (first, "test-lazy", "TestLazyTransport");
  assert_registrations (first, "after looking up test-lazy", 0, 1);
  transports = httplib_registry_list_transports (first);
  for (guint i = 0; i < transports->len; i++)
    if (g_strcmp0 (httplib_plugin_entry_get_name (transports->pdata[i]), "test-lazy") == 0)
      ck_assert_str_eq (httplib_plugin_entry_get_module_path (transports->pdata[i]), other);

  second = httplib_registry_new (dirs);
  ck_assert_msg (httplib_registry_lookup_transport (second, "test-other", &error) ==
                 G_TYPE_INVALID, "expected no transport test-other, got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "'test-other'");
  assert_registrations (second, "after looking up test-other", 0, 1);
  assert_transport (second, "test-lazy", "TestLazyTransport");
  assert_transport (second, "tcp", "HttplibTcpTransport");
  assert_registrations (second, "after looking up the rest", 0, 1);
}
END_TEST

/* A name nobody registered: the error names every module that did not
 * load, the one named for the name too, each once. */
START_TEST (test_lazy_missing_name)
{
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autofree char *tcp = test_find_module ("tcp", NULL);
  g_autofree char *named = g_build_filename (dir, NAMED_FILE ("broken"), NULL);
  g_autofree char *broken = g_build_filename (dir, "broken." G_MODULE_SUFFIX, NULL);
  g_autofree char *bad_version = g_build_filename (dir, "a-bad-version." G_MODULE_SUFFIX, NULL);
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) failures = NULL;

  test_link_file (dir, NAMED_FILE ("tcp"), tcp);
  test_write_file (dir, NAMED_FILE ("broken"), "not a shared library\n");
  test_write_file (dir, "broken." G_MODULE_SUFFIX, "not a shared library either\n");
  test_link_file (dir, "a-bad-version." G_MODULE_SUFFIX, TEST_MODULE_BAD_VERSION_PATH);
  registry = httplib_registry_new (dirs);

  assert_transport (registry, "tcp", "HttplibTcpTransport");
  ck_assert_msg (httplib_registry_lookup_transport (registry, "broken", &error) ==
                 G_TYPE_INVALID, "expected no transport \"broken\", got one");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_contains (error->message, "no transport named 'broken' is registered");
  test_assert_contains (error->message, named);
  test_assert_contains (error->message, broken);
  test_assert_contains (error->message, bad_version);

  failures = httplib_registry_get_load_failures (registry);
  ck_assert_msg (g_strv_length (failures) == 3, "expected 3 failures, one a module, got %u",
                 g_strv_length (failures));
  test_assert_contains (failures[0], named);
}
END_TEST

/* The module named for a name comes from the first folder that has that
 * file; the same file name in a later folder is never opened. */
START_TEST (test_lazy_shadowing)
{
  const char *first = test_tmp_dir_new ();
  const char *second = test_tmp_dir_new ();
  const char *dirs[] = { first, second, NULL };
  g_autofree char *tcp = test_find_module ("tcp", NULL);
  g_autoptr(HttplibRegistry) registry = NULL;
  g_autoptr(GPtrArray) transports = NULL;
  g_autoptr(GError) error = NULL;

  test_link_file (first, NAMED_FILE ("test-lazy"), TEST_MODULE_LAZY_PATH);
  /* Another module under the same file name, shadowed. */
  test_link_file (second, NAMED_FILE ("test-lazy"), TEST_MODULE_CLASH_PATH);
  test_link_file (second, NAMED_FILE ("tcp"), tcp);
  registry = httplib_registry_new (dirs);

  assert_transport (registry, "test-lazy", "TestLazyTransport");
  assert_registrations (registry, "after looking up test-lazy", 0, 1);
  /* Not in the first folder: found in the second. */
  assert_transport (registry, "tcp", "HttplibTcpTransport");
  assert_registrations (registry, "after looking up tcp", 0, 1);

  ck_assert_msg (httplib_registry_load_plugins (registry, &error),
                 "expected the shadowed file never to load, got %s",
                 error ? error->message : "FALSE without an error");
  assert_registrations (registry, "after loading every module", 0, 1);
  transports = httplib_registry_list_transports (registry);
  ck_assert_msg (transports->len == 3, "expected tcp, test-lazy and test-shared, got %u",
                 transports->len);
}
END_TEST

/* What a sequence of calls does before the outcome is checked: look a
 * transport up (found or not), or one of the calls that load everything. */
#define STEP_LOAD "(load_plugins)"
#define STEP_LIST "(list_transports)"

typedef struct {
  const char *desc;
  const char *steps[4];
} OrderRow;

static const OrderRow clash_order_rows[] = {
  { "every module loaded first", { STEP_LOAD } },
  { "test-lazy, then test-shared", { "test-lazy", "test-shared" } },
  { "test-clash first (it takes tcp before tcp loads)", { "test-clash", "tcp" } },
  { "tcp, test-lazy, then an unknown name", { "tcp", "test-lazy", "no-such-transport" } },
  { "test-lazy, tcp, then a listing", { "test-lazy", "tcp", STEP_LIST } },
};

static void
run_steps (HttplibRegistry    *registry,
           const char * const *steps)
{
  for (guint i = 0; i < 4 && steps[i] != NULL; i++)
    if (strcmp (steps[i], STEP_LOAD) == 0)
      httplib_registry_load_plugins (registry, NULL);
    else if (strcmp (steps[i], STEP_LIST) == 0)
      g_ptr_array_unref (httplib_registry_list_transports (registry));
    else
      httplib_registry_lookup_transport (registry, steps[i], NULL);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Two modules registering one name: the same module keeps it, and the
 * same failures are reported, in whatever order lookups loaded them. */
START_TEST (test_lazy_clash_order)
{
  const OrderRow *row = &clash_order_rows[_i];
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autofree char *tcp = test_find_module ("tcp", NULL);
  g_autofree char *tcp_there = g_build_filename (dir, NAMED_FILE ("tcp"), NULL);
  g_autofree char *clash = g_build_filename (dir, NAMED_FILE ("test-clash"), NULL);
  g_autofree char *lazy = g_build_filename (dir, NAMED_FILE ("test-lazy"), NULL);
  g_autoptr(HttplibRegistry) registry = NULL;
  g_auto(GStrv) failures = NULL;
  const char *expected[2];
  g_autofree char *reserved = NULL;
  g_autofree char *taken = NULL;

  test_link_file (dir, NAMED_FILE ("tcp"), tcp);
  test_link_file (dir, NAMED_FILE ("test-clash"), TEST_MODULE_CLASH_PATH);
  test_link_file (dir, NAMED_FILE ("test-lazy"), TEST_MODULE_LAZY_PATH);
  registry = httplib_registry_new (dirs);
  run_steps (registry, row->steps);

  /* tcp's own name stays its own; test-shared goes to test-clash, whose
   * file comes before test-lazy's. */
  assert_transport (registry, "tcp", "HttplibTcpTransport");
  assert_transport (registry, "test-shared", "TestClashTransport");
  assert_transport (registry, "test-lazy", "TestLazyTransport");
  assert_transport (registry, "test-clash-extra", "TestClashTransport");

  reserved = g_strdup_printf ("%s: transport 'tcp' is reserved for %s, the module named for it "
                              "(type HttplibTcpTransport)", clash, tcp_there);
  taken = g_strdup_printf ("%s: transport 'test-shared' is already registered (type "
                           "TestClashTransport from %s); register with "
                           "HTTPLIB_REGISTER_FLAGS_REPLACE to replace it", lazy, clash);
  expected[0] = reserved;
  expected[1] = taken;
  failures = httplib_registry_get_load_failures (registry);
  ck_assert_msg (g_strv_length (failures) == 2, "%s: expected 2 failures, got %u",
                 row->desc, g_strv_length (failures));
  qsort (failures, 2, sizeof (char *), compare_strings);
  for (guint i = 0; i < 2; i++)
    ck_assert_msg (strcmp (failures[i], expected[i]) == 0, "%s: expected failure \"%s\", got "
                   "\"%s\"", row->desc, expected[i], failures[i]);
  assert_registrations (registry, row->desc, 1, 1);
}
END_TEST

static const OrderRow replace_order_rows[] = {
  { "every module loaded first", { STEP_LOAD } },
  { "test-replace first (it registers out of order)", { "test-replace" } },
  { "tcp first", { "tcp" } },
};

/* A later module that replaces a name keeps it even when a lookup loaded
 * it before the earlier one. */
START_TEST (test_lazy_replace_order)
{
  const OrderRow *row = &replace_order_rows[_i];
  const char *dir = test_tmp_dir_new ();
  const char *dirs[] = { dir, NULL };
  g_autoptr(HttplibRegistry) registry = NULL;
  g_auto(GStrv) failures = NULL;

  /* Both named, test-clash's file first; neither is named for tcp. */
  test_link_file (dir, NAMED_FILE ("test-clash"), TEST_MODULE_CLASH_PATH);
  test_link_file (dir, NAMED_FILE ("test-replace"), TEST_MODULE_REPLACE_PATH);
  registry = httplib_registry_new (dirs);
  run_steps (registry, row->steps);

  assert_transport (registry, "tcp", "TestReplaceTransport");
  failures = httplib_registry_get_load_failures (registry);
  ck_assert_msg (failures[0] == NULL, "%s: expected no failures, got \"%s\"", row->desc,
                 failures[0]);
  ck_assert_msg (registrations (registry, "test-clash") == 1,
                 "%s: expected test-clash to register once, got %d", row->desc,
                 registrations (registry, "test-clash"));
}
END_TEST

/* In a process of its own, so that nothing is mapped before: a plain GET
 * maps the tcp module and no other, and never GnuTLS. */
#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

typedef struct {
  const char *desc;
  const char *args[3];            /* after the probe's path; "PORT" is the server's */
  const char *mapped[4];
  const char *not_mapped[6];      /* file names, or prefixes of them */
} ProbeRow;

static const ProbeRow probe_rows[] = {
  { "a plain GET", { "get", "PORT" }, { NAMED_FILE ("tcp") },
    { NAMED_FILE ("tls"), NAMED_FILE ("tunnel"), NAMED_FILE ("unix"), NAMED_FILE ("bytes"),
      NAMED_FILE ("fd"), "libgnutls" } },
  /* The probe sees what a lookup maps. */
  { "looking up tcp and tls", { "lookup", "tcp", "tls" },
    { NAMED_FILE ("tcp"), NAMED_FILE ("tls"), "libgnutls" },
    { NAMED_FILE ("tunnel"), NAMED_FILE ("unix"), NAMED_FILE ("bytes"), NAMED_FILE ("fd") } },
};

static gboolean
has_line_starting (GStrv       lines,
                   const char *prefix)
{
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return TRUE;
  return FALSE;
}

START_TEST (test_lazy_fresh_process)
{
  const ProbeRow *row = &probe_rows[_i];
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *port = g_strdup_printf ("%u", test_server_get_port (server));
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[5] = { REGISTRY_PROBE_PATH };
  int status = 0;

  for (guint i = 0; i < 3 && row->args[i] != NULL; i++)
    argv[i + 1] = strcmp (row->args[i], "PORT") == 0 ? port : row->args[i];
  /* The probe bounds itself: socket timeouts and an alarm. */
  ck_assert_msg (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error),
                 "%s: cannot run %s: %s", row->desc, argv[0], error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, &error), "%s: the probe failed (%s): %s",
                 row->desc, error ? error->message : "", err);

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; i < G_N_ELEMENTS (row->mapped) && row->mapped[i] != NULL; i++)
    ck_assert_msg (has_line_starting (lines, row->mapped[i]),
                   "%s: expected %s mapped, got:\n%s", row->desc, row->mapped[i], out);
  for (guint i = 0; i < G_N_ELEMENTS (row->not_mapped) && row->not_mapped[i] != NULL; i++)
    ck_assert_msg (!has_line_starting (lines, row->not_mapped[i]),
                   "%s: expected no %s mapped, got:\n%s", row->desc, row->not_mapped[i], out);
}
END_TEST

/* --- the suite --- */

static Suite *
registry_modules_suite (void)
{
  Suite *suite = suite_create ("registry-modules");
  TCase *tc;

  tc = tcase_create ("modules");
  tcase_add_checked_fixture (tc, test_tmp_dirs_setup, test_tmp_dirs_teardown);
  tcase_add_test (tc, test_api_version_mismatch);
  tcase_add_test (tc, test_module_name_clash);
  tcase_add_test (tc, test_module_replaces);
  tcase_add_test (tc, test_module_replace_refused);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("lazy");
  tcase_add_checked_fixture (tc, test_tmp_dirs_setup, test_tmp_dirs_teardown);
  tcase_add_test (tc, test_lazy_lookup);
  tcase_add_test (tc, test_lazy_other_file_name);
  tcase_add_test (tc, test_lazy_missing_name);
  tcase_add_test (tc, test_lazy_shadowing);
  tcase_add_loop_test (tc, test_lazy_clash_order, 0, G_N_ELEMENTS (clash_order_rows));
  tcase_add_loop_test (tc, test_lazy_replace_order, 0, G_N_ELEMENTS (replace_order_rows));
  tcase_add_loop_test (tc, test_lazy_fresh_process, 0, G_N_ELEMENTS (probe_rows));
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (registry_modules_suite)
