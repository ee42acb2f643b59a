/* httplib-request-writer.c: validating and serialising a request */
#include "httplib-request-writer-private.h"
#include "httplib-debug-private.h"
#include "httplib-error.h"
#include "httplib-parser-private.h"

#include <string.h>

/* The first byte in s that a request line may not carry, or NULL. */
static const char *
find_control (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s <= 0x20 || (guchar) *s == 0x7f)
      return s;
  return NULL;
}

static void
set_repr_error (GError    **error,
                int         code,
                const char *what,
                const char *text)
{
  g_autofree char *repr = httplib_debug_repr (text, strlen (text), FALSE);

  g_set_error (error, HTTPLIB_ERROR, code, "%s %s", what, repr);
}

gboolean
httplib_validate_method (const char *method,
                         GError    **error)
{
  if (httplib_is_token (method, strlen (method)))
    return TRUE;
  set_repr_error (error, HTTPLIB_ERROR_INVALID_URL,
                  "method must be an RFC 9110 token; invalid method", method);
  return FALSE;
}

static gboolean
validate_no_control (const char *text,
                     const char *what,
                     GError    **error)
{
  const char *bad = find_control (text);
  g_autofree char *repr = NULL;

  if (bad == NULL)
    return TRUE;
  repr = httplib_debug_repr (text, strlen (text), FALSE);
  g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
               "%s can't contain control characters. %s (found at least '\\x%02x')",
               what, repr, (guchar) *bad);
  return FALSE;
}

gboolean
httplib_validate_url (const char *url,
                      GError    **error)
{
  return validate_no_control (url, "URL", error);
}

gboolean
httplib_validate_host (const char *host,
                       GError    **error)
{
  if (*host == '\0')
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                           "empty host");
      return FALSE;
    }
  return validate_no_control (host, "host", error);
}

gboolean
httplib_validate_header (const char *name,
                         const char *value,
                         GError    **error)
{
  if (!httplib_is_token (name, strlen (name)))
    {
      set_repr_error (error, HTTPLIB_ERROR_INVALID_HEADER, "Invalid header name", name);
      return FALSE;
    }
  if (strpbrk (value, "\r\n") != NULL)
    {
      set_repr_error (error, HTTPLIB_ERROR_INVALID_HEADER, "Invalid header value", value);
      return FALSE;
    }
  return TRUE;
}

/* Grows @out by @len bytes in one step and returns where they go. */
static char *
reserve (GString *out,
         gsize    len)
{
  gsize at = out->len;

  g_string_set_size (out, at + len);
  return out->str + at;
}

static char *
put (char       *p,
     const char *s,
     gsize       len)
{
  memcpy (p, s, len);
  return p + len;
}

void
httplib_write_request_line (GString    *out,
                            const char *method,
                            const char *url)
{
  gsize method_len = strlen (method);
  const char *target = *url ? url : "/";
  gsize target_len = strlen (target);
  char *p = reserve (out, method_len + 1 + target_len + sizeof " HTTP/1.1\r\n" - 1);

  p = put (p, method, method_len);
  *p++ = ' ';
  p = put (p, target, target_len);
  put (p, " HTTP/1.1\r\n", sizeof " HTTP/1.1\r\n" - 1);
}

void
httplib_write_header (GString    *out,
                      const char *name,
                      const char *value)
{
  gsize name_len = strlen (name);
  gsize value_len = strlen (value);
  char *p = reserve (out, name_len + 2 + value_len + 2);

  p = put (p, name, name_len);
  p = put (p, ": ", 2);
  p = put (p, value, value_len);
  put (p, "\r\n", 2);
}

void
httplib_write_header_values (GString            *out,
                             const char         *name,
                             const char * const *values)
{
  g_string_append (out, name);
  g_string_append_c (out, ':');
  for (guint i = 0; values[i]; i++)
    {
      /* Python joins several arguments with CRLF TAB: continuation lines. */
      g_string_append (out, i == 0 ? " " : "\r\n\t");
      g_string_append (out, values[i]);
    }
  g_string_append_len (out, "\r\n", 2);
}

char *
httplib_format_host_header (const char *host,
                            guint       port,
                            guint       default_port)
{
  g_autofree char *ascii = NULL;
  gboolean ipv6 = strchr (host, ':') != NULL;
  const char *name = host;
  gsize name_len;
  char digits[16];
  gsize i = sizeof digits;
  char *out, *p;

  if (ipv6)
    {
      const char *zone = strchr (host, '%');

      /* The zone id names a local interface; it means nothing to the server. */
      name_len = zone ? (gsize) (zone - host) : strlen (host);
    }
  else
    {
      if (!g_str_is_ascii (host) && (ascii = g_hostname_to_ascii (host)) != NULL)
        name = ascii;
      name_len = strlen (name);
    }

  /* Digits by hand and one allocation: this runs for every request. */
  if (port != default_port)
    {
      do
        digits[--i] = (char) ('0' + port % 10);
      while ((port /= 10) > 0 && i > 1);
      digits[--i] = ':';
    }

  p = out = g_malloc (name_len + 2 + (sizeof digits - i) + 1);
  if (ipv6)
    *p++ = '[';
  p = put (p, name, name_len);
  if (ipv6)
    *p++ = ']';
  p = put (p, digits + i, sizeof digits - i);
  *p = '\0';
  return out;
}

gboolean
httplib_split_host_port (const char *host_port,
                         guint       port,
                         guint       default_port,
                         char      **host_out,
                         guint      *port_out,
                         GError    **error)
{
  g_autofree char *host = NULL;
  const char *colon = strrchr (host_port, ':');
  const char *bracket = strrchr (host_port, ']');
  gboolean bare_ipv6 = colon != NULL && bracket == NULL && strchr (host_port, ':') != colon;
  gboolean port_in_host = colon != NULL && (bracket == NULL || colon > bracket) && !bare_ipv6;

  if (port == 0 && port_in_host)
    {
      g_autoptr(GError) parse_error = NULL;
      guint64 value;

      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &value, &parse_error))
        {
          if (colon[1] == '\0')
            g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                         "empty port in '%s'", host_port);
          else if (g_error_matches (parse_error, G_NUMBER_PARSER_ERROR,
                                    G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
            g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                         "port %s is out of range (1-65535)", colon + 1);
          else
            g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                         "nonnumeric port: '%s'", colon + 1);
          return FALSE;
        }
      port = value;
      host = g_strndup (host_port, colon - host_port);
    }
  else
    host = g_strdup (host_port);

  if (port > G_MAXUINT16)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL,
                   "port %u is out of range", port);
      return FALSE;
    }

  /* "[::1]" names the IPv6 host "::1". */
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);

      g_free (host);
      host = inner;
    }
  if (!httplib_validate_host (host, error))
    return FALSE;

  *host_out = g_steal_pointer (&host);
  *port_out = port ? port : default_port;
  return TRUE;
}
