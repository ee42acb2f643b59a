/* test-plugin-dirs.h: temporary plugin folders and the built modules, for
 * the registry suites
 *
 * Folders made here are removed by test_tmp_dirs_teardown(): use
 * test_tmp_dirs_setup() and test_tmp_dirs_teardown() as a checked fixture.
 * A module placed in one is a symbolic link to the built file (see
 * tests/test-registry.c for why not a copy).
 *
 * This library uses only GLib, GIO, GnuTLS and Check, never libhttplib.
 */
#pragma once

#include <check.h>
#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* A checked fixture: the folders of test_tmp_dir_new() live until teardown. */
void        test_tmp_dirs_setup    (void);
void        test_tmp_dirs_teardown (void);

/* A new empty folder, removed by test_tmp_dirs_teardown(). */
const char *test_tmp_dir_new       (void);
/* Removes path and, for a folder, what it holds; links are removed, never followed. */
void        test_remove_tree       (const char *path);

void        test_write_file        (const char *dir, const char *name, const char *contents);
/* dir/name as a symbolic link to target, made absolute. */
void        test_link_file         (const char *dir, const char *name, const char *target);

/* The folders of HTTPLIB_PLUGIN_PATH, as the test environment sets them. */
GStrv       test_env_plugin_dirs   (void);
/* The built module whose file name contains word, found in
 * HTTPLIB_PLUGIN_PATH; its file name in *file_name when that is not NULL. */
char       *test_find_module       (const char *word, char **file_name);

#define test_assert_contains(haystack, needle)                                  \
  ck_assert_msg (strstr ((haystack), (needle)) != NULL,                         \
                 "expected a message containing \"%s\", got \"%s\"",            \
                 (needle), (haystack))

G_END_DECLS
