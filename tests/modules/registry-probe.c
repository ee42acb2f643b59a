/* registry-probe.c: which plugin modules a fresh process maps for a task
 *
 * Run by the registry suite, which needs a process of its own: a module,
 * once loaded, stays mapped for the life of the process. With the default
 * registry (HTTPLIB_PLUGIN_PATH as the suite sets it) it does one thing:
 *
 *   registry-probe get PORT       a plain GET of / from 127.0.0.1:PORT
 *   registry-probe lookup NAME…   looks each transport name up
 *
 * then prints, one a line and sorted, the file name of every library
 * mapped whose name starts with "libhttplib-" or "libgnutls". Any failure
 * is one line on standard error and exit status 1.
 */
#include <httplib/httplib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
fail (const char *what,
      GError     *error)
{
  fprintf (stderr, "registry-probe: %s: %s\n", what, error ? error->message : "failed");
  return EXIT_FAILURE;
}

static gboolean
do_get (const char  *port_text,
        GError     **error)
{
  g_autoptr(HttplibConnection) connection = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  guint64 port;

  if (!g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, error))
    return FALSE;
  connection = httplib_connection_new ("127.0.0.1", (guint) port, error);
  if (connection == NULL || !httplib_connection_set_timeout (connection, 10, error) ||
      !httplib_connection_request (connection, "GET", "/", NULL, NULL, NULL, error))
    return FALSE;
  response = httplib_connection_get_response (connection, NULL, error);
  if (response == NULL)
    return FALSE;
  body = httplib_response_read (response, -1, NULL, error);
  return body != NULL;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static gboolean
is_reported (const char *file_name)
{
  return g_str_has_prefix (file_name, "libhttplib-") || g_str_has_prefix (file_name, "libgnutls");
}

/* The file names of /proc/self/maps that is_reported() keeps, sorted, once each. */
static gboolean
print_mapped (GError **error)
{
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, error))
    return FALSE;
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *path = strchr (lines[i], '/');
      g_autofree char *name = path ? g_path_get_basename (path) : NULL;

      if (name != NULL && is_reported (name) &&
          !g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
        g_ptr_array_add (names, g_steal_pointer (&name));
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    printf ("%s\n", (char *) names->pdata[i]);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;

  /* Bounded even if a socket timeout failed to fire. */
  alarm (60);
  if (argc == 3 && strcmp (argv[1], "get") == 0)
    {
      if (!do_get (argv[2], &error))
        return fail ("get", error);
    }
  else if (argc >= 3 && strcmp (argv[1], "lookup") == 0)
    {
      for (int i = 2; i < argc; i++)
        if (httplib_registry_lookup_transport (httplib_registry_get_default (), argv[i],
                                               &error) == G_TYPE_INVALID)
          return fail (argv[i], error);
    }
  else
    {
      fprintf (stderr, "usage: registry-probe get PORT | lookup NAME...\n");
      return EXIT_FAILURE;
    }
  if (!print_mapped (&error))
    return fail ("/proc/self/maps", error);
  return EXIT_SUCCESS;
}
