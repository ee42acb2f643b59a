/* test-headers-dump.h: headers as one comparable string, for the suites
 * that link the library either way (shared, or the core's archive) */
#pragma once

#include <httplib/httplib.h>

/* "name: value\n" for each field in order, so fields compare as a string. */
static inline char *
test_headers_dump (HttplibHeaders *headers)
{
  GString *out = g_string_new (NULL);
  HttplibHeadersIter iter;
  const char *name, *value;

  httplib_headers_iter_init (&iter, headers);
  while (httplib_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (out, "%s: %s\n", name, value);
  return g_string_free (out, FALSE);
}
