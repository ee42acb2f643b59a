/* httplib-headers-private.h: what the parser and writer need of HttplibHeaders */
#pragma once

#include "httplib-headers.h"

G_BEGIN_DECLS

/* Appends a field from bytes that are not NUL-terminated (the parser's read
 * buffer); the name holds no NUL. Names and values are stored in one
 * growing arena per HttplibHeaders, so parsing a head costs no allocation
 * per field. */
void httplib_headers_append_len (HttplibHeaders *headers,
                                 const char     *name,
                                 gsize           name_len,
                                 const char     *value,
                                 gsize           value_len);

/* Appends " " + more to the value of the last field (obsolete line folding);
 * just more when that value is empty. There must be a last field. */
void httplib_headers_extend_last (HttplibHeaders *headers,
                                  const char     *more,
                                  gsize           more_len);

/* The next value of a field called name (name_len bytes, any case) from
 * field *index on, which it moves past; FALSE when there is none. */
gboolean httplib_headers_next_value (HttplibHeaders  *headers,
                                     const char      *name,
                                     gsize            name_len,
                                     guint           *index,
                                     const char     **value);

/* Whether a[0..len) and b[0..len) are equal without regard to ASCII case:
 * inline, as header lookups run it several times per response. */
static inline gboolean
httplib_ascii_case_equal (const char *a,
                          const char *b,
                          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar x = (guchar) a[i], y = (guchar) b[i];

      if (x != y && ((x | 0x20) != (y | 0x20) || (guchar) ((x | 0x20) - 'a') > 'z' - 'a'))
        return FALSE;
    }
  return TRUE;
}

G_END_DECLS
