/* httplib-debug.c: set_debug_level's output, in CPython 3's form
 *
 * Lines go through GLib's logging under the domain "Httplib" at the
 * message level, so they show by default (as Python prints them) and a
 * log handler can capture or silence them.
 */
#include "httplib-debug-private.h"

#include <stdarg.h>
#include <string.h>

#define DEBUG_LEVEL G_LOG_LEVEL_MESSAGE

/* Python picks double quotes only when the text has a ' and no ". */
static char
pick_quote (const char *data,
            gsize       len)
{
  return memchr (data, '\'', len) && !memchr (data, '"', len) ? '"' : '\'';
}

char *
httplib_debug_repr (const char *data,
                    gsize       len,
                    gboolean    as_bytes)
{
  GString *out = g_string_sized_new (len + 8);
  char quote = pick_quote (data, len);

  if (as_bytes)
    g_string_append_c (out, 'b');
  g_string_append_c (out, quote);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = data[i];

      switch (c)
        {
        case '\r': g_string_append (out, "\\r"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\\': g_string_append (out, "\\\\"); break;
        default:
          if (c == (guchar) quote)
            g_string_append_printf (out, "\\%c", c);
          else if (c >= 0x20 && c < 0x7f)
            g_string_append_c (out, c);
          else if (!as_bytes && c >= 0xa0)
            g_string_append_unichar (out, c);  /* latin-1 text is printable there */
          else
            g_string_append_printf (out, "\\x%02x", c);
        }
    }
  g_string_append_c (out, quote);
  return g_string_free (out, FALSE);
}

void
httplib_debug_send (const char *data,
                    gsize       len)
{
  g_autofree char *repr = httplib_debug_repr (data, len, TRUE);

  g_log (G_LOG_DOMAIN, DEBUG_LEVEL, "send: %s", repr);
}

void
httplib_debug_reply (const char *line,
                     gsize       len)
{
  g_autofree char *repr = httplib_debug_repr (line, len, FALSE);

  g_log (G_LOG_DOMAIN, DEBUG_LEVEL, "reply: %s", repr);
}

void
httplib_debug_header (const char *name,
                      const char *value)
{
  g_log (G_LOG_DOMAIN, DEBUG_LEVEL, "header: %s: %s", name, value);
}

void
httplib_debug_printf (const char *format,
                      ...)
{
  va_list args;

  va_start (args, format);
  g_logv (G_LOG_DOMAIN, DEBUG_LEVEL, format, args);
  va_end (args);
}
