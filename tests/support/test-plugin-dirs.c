/* test-plugin-dirs.c: temporary plugin folders and the built modules */
#include "test-plugin-dirs.h"
#include "test-utils.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

static GPtrArray *tmp_dirs;

void
test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        /* Only files and links are made here; a link is removed, never followed. */
        if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
            !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          test_remove_tree (child);
        else
          g_remove (child);
      }
  g_rmdir (path);
}

void
test_tmp_dirs_setup (void)
{
  tmp_dirs = g_ptr_array_new_with_free_func (g_free);
}

void
test_tmp_dirs_teardown (void)
{
  for (guint i = 0; i < tmp_dirs->len; i++)
    {
      test_remove_tree (tmp_dirs->pdata[i]);
      ck_assert_msg (!g_file_test (tmp_dirs->pdata[i], G_FILE_TEST_EXISTS),
                     "expected %s to be removed, it is still there",
                     (char *) tmp_dirs->pdata[i]);
    }
  g_clear_pointer (&tmp_dirs, g_ptr_array_unref);
}

const char *
test_tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("httplib-registry-XXXXXX", &error);

  httplib_assert_no_error (error);
  g_ptr_array_add (tmp_dirs, path);
  return path;
}

void
test_write_file (const char *dir,
                 const char *name,
                 const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  httplib_assert_no_error (error);
}

void
test_link_file (const char *dir,
                const char *name,
                const char *target)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *absolute = g_canonicalize_filename (target, NULL);

  ck_assert_msg (symlink (absolute, path) == 0, "expected to link %s to %s, got %s",
                 path, absolute, g_strerror (errno));
}

GStrv
test_env_plugin_dirs (void)
{
  const char *path = g_getenv ("HTTPLIB_PLUGIN_PATH");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = NULL;

  ck_assert_msg (path != NULL && *path != '\0',
                 "expected HTTPLIB_PLUGIN_PATH to name the built plugins, got %s",
                 path ? "an empty string" : "nothing");
  parts = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; parts[i]; i++)
    if (*parts[i] != '\0')
      g_strv_builder_add (builder, parts[i]);
  return g_strv_builder_end (builder);
}

char *
test_find_module (const char *word,
                  char      **file_name)
{
  g_auto(GStrv) dirs = test_env_plugin_dirs ();

  for (guint i = 0; dirs[i]; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (dirs[i], 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (strstr (name, word) != NULL && g_str_has_suffix (name, "." G_MODULE_SUFFIX))
          {
            if (file_name != NULL)
              *file_name = g_strdup (name);
            return g_build_filename (dirs[i], name, NULL);
          }
    }
  ck_abort_msg ("expected a %s module in HTTPLIB_PLUGIN_PATH=%s, found none",
                word, g_getenv ("HTTPLIB_PLUGIN_PATH"));
  return NULL;
}
