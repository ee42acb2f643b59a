/* test-requests.c: looking at what the loopback server recorded, assertions
 * that print expected and actual, and signal recording for any signal
 *
 * Split from test-server.c: none of this needs the server's insides, only
 * its public accessors.
 */
#include "test-server.h"
#include "test-server-private.h"

#include <check.h>
#include <string.h>

/* --- header fields --- */

static const char *
skip_ws (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* Calls func for each field of a head ("line\r\n(name: value\r\n)*\r\n").
 * Continuation lines are skipped. Stops when func returns FALSE. */
typedef gboolean (*FieldFunc) (const char *name, gsize name_len,
                               const char *value, gsize value_len,
                               gpointer user_data);

static void
foreach_field (const char *head, gsize len, FieldFunc func, gpointer user_data)
{
  const char *end = head + len;
  const char *line = memchr (head, '\n', len);

  if (line == NULL)
    return;
  line++;

  while (line < end)
    {
      const char *eol = memchr (line, '\n', (gsize) (end - line));
      const char *stop = eol ? eol : end;
      const char *colon;

      if (stop > line && stop[-1] == '\r')
        stop--;
      if (stop == line)
        break;  /* the empty line */

      colon = memchr (line, ':', (gsize) (stop - line));
      if (colon != NULL && *line != ' ' && *line != '\t')
        {
          const char *v = skip_ws (colon + 1, stop);
          const char *vend = stop;

          while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
          if (!func (line, (gsize) (colon - line), v, (gsize) (vend - v), user_data))
            return;
        }

      if (eol == NULL)
        break;
      line = eol + 1;
    }
}

typedef struct {
  const char *name;
  char       *value;  /* first match */
  guint       count;
  GString    *te;     /* for framing: Transfer-Encoding values */
} FieldQuery;

static gboolean
query_field (const char *name, gsize name_len, const char *value, gsize value_len,
             gpointer user_data)
{
  FieldQuery *q = user_data;

  if (strlen (q->name) == name_len && g_ascii_strncasecmp (name, q->name, name_len) == 0)
    {
      if (q->count == 0)
        q->value = g_strndup (value, value_len);
      q->count++;
    }
  return TRUE;
}

char *
test_head_field (const char *head, gsize len, const char *name, guint *count)
{
  FieldQuery q = { name, NULL, 0, NULL };

  foreach_field (head, len, query_field, &q);
  if (count)
    *count = q.count;
  return q.value;
}

/* --- recorded requests --- */

static gsize
head_length (GBytes *request)
{
  gsize len;
  const char *data = g_bytes_get_data (request, &len);
  const char *end = data ? g_strstr_len (data, (gssize) len, "\r\n\r\n") : NULL;

  return end ? (gsize) (end - data) + 4 : len;
}

char *
test_request_get_line (GBytes *request)
{
  gsize len;
  const char *data = g_bytes_get_data (request, &len);
  const char *eol = data ? memchr (data, '\r', len) : NULL;

  return g_strndup (data ? data : "", eol ? (gsize) (eol - data) : len);
}

char *
test_request_get_header (GBytes *request, const char *name)
{
  const char *data = g_bytes_get_data (request, NULL);

  return data ? test_head_field (data, head_length (request), name, NULL) : NULL;
}

guint
test_request_count_header (GBytes *request, const char *name)
{
  const char *data = g_bytes_get_data (request, NULL);
  guint count = 0;

  if (data)
    g_free (test_head_field (data, head_length (request), name, &count));
  return count;
}

char *
test_request_get_head (GBytes *request)
{
  const char *data = g_bytes_get_data (request, NULL);

  return g_strndup (data ? data : "", head_length (request));
}

GBytes *
test_request_get_body (GBytes *request)
{
  gsize head = head_length (request);

  return g_bytes_new_from_bytes (request, head, g_bytes_get_size (request) - head);
}

GBytes *
test_decode_chunked (GBytes *body)
{
  gsize len, pos = 0;
  const char *data = g_bytes_get_data (body, &len);
  GByteArray *out = g_byte_array_new ();

  for (;;)
    {
      const char *eol = data && pos < len ? g_strstr_len (data + pos, (gssize) (len - pos), "\r\n") : NULL;
      char *line, *endp;
      guint64 size;

      if (eol == NULL)
        goto bad;
      line = g_strndup (data + pos, (gsize) (eol - (data + pos)));
      size = g_ascii_strtoull (line, &endp, 16);
      if (endp == line || (*endp != '\0' && *endp != ';' && *endp != ' ' && *endp != '\t'))
        {
          g_free (line);
          goto bad;
        }
      g_free (line);
      pos = (gsize) (eol - data) + 2;
      if (size == 0)
        break;
      if (size > len - pos || len - pos - size < 2 || memcmp (data + pos + size, "\r\n", 2) != 0)
        goto bad;
      g_byte_array_append (out, (const guint8 *) data + pos, (guint) size);
      pos += size + 2;
    }

  /* trailers up to the empty line, which must end the body */
  for (;;)
    {
      const char *eol = pos < len ? g_strstr_len (data + pos, (gssize) (len - pos), "\r\n") : NULL;

      if (eol == NULL)
        goto bad;
      if (eol == data + pos)
        {
          if (pos + 2 != len)
            goto bad;
          break;
        }
      pos = (gsize) (eol - data) + 2;
    }

  return g_byte_array_free_to_bytes (out);

bad:
  g_byte_array_unref (out);
  return NULL;
}

/* --- assertions --- */

char *
test_escape (const char *data, gsize len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len && out->len < 400; i++)
    {
      guchar c = (guchar) data[i];

      if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (out->len >= 400)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

void
test_assert_bytes_equal (GBytes *actual, const char *expected, gssize expected_len, const char *what)
{
  gsize alen = 0, elen = expected_len < 0 ? strlen (expected) : (gsize) expected_len;
  const char *adata = actual ? g_bytes_get_data (actual, &alen) : NULL;
  char *a, *e;

  if (actual != NULL && alen == elen && (elen == 0 || memcmp (adata, expected, elen) == 0))
    return;
  a = actual ? test_escape (adata, alen) : g_strdup ("(null)");
  e = test_escape (expected, elen);
  ck_abort_msg ("%s: expected \"%s\" (%zu bytes), got \"%s\" (%zu bytes)", what, e, elen, a, alen);
}

GBytes *
test_server_get_request (TestServer *server, guint index)
{
  GPtrArray *requests = test_server_get_requests (server);
  GBytes *request;

  ck_assert_msg (requests->len > index, "expected at least %u requests at the server, got %u",
                 index + 1, requests->len);
  request = g_bytes_ref (g_ptr_array_index (requests, index));
  g_ptr_array_unref (requests);
  return request;
}

void
test_assert_request_line (GBytes *request, const char *expected)
{
  char *line = test_request_get_line (request);

  ck_assert_msg (strcmp (line, expected) == 0, "request line: expected \"%s\", got \"%s\"",
                 expected, line);
  g_free (line);
}

void
test_assert_request_header (GBytes *request, const char *name, const char *expected)
{
  char *value = test_request_get_header (request, name);
  guint count = test_request_count_header (request, name);

  if (expected == NULL)
    {
      ck_assert_msg (value == NULL, "expected no %s field in the request, got \"%s\"", name, value);
      return;
    }
  ck_assert_msg (value != NULL, "expected the field %s: %s in the request, got none", name, expected);
  ck_assert_msg (strcmp (value, expected) == 0, "field %s: expected \"%s\", got \"%s\"",
                 name, expected, value);
  ck_assert_msg (count == 1, "field %s: expected once, got %u times", name, count);
  g_free (value);
}

/* --- signals --- */

typedef struct {
  GClosure       closure;
  TestSignalFunc func;
} TestSignalClosure;

static void
test_signal_marshal (GClosure     *closure,
                     GValue       *return_value,
                     guint         n_param_values,
                     const GValue *param_values,
                     gpointer      invocation_hint,
                     gpointer      marshal_data)
{
  TestSignalClosure *self = (TestSignalClosure *) closure;

  self->func (param_values + 1, n_param_values - 1, closure->data);
}

gulong
test_signal_connect (gpointer instance, const char *detailed_signal,
                     TestSignalFunc func, gpointer user_data)
{
  GClosure *closure;
  guint signal_id;
  GQuark detail;

  g_return_val_if_fail (G_IS_OBJECT (instance), 0);

  /* a missing signal is a test failure, not a GLib warning */
  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (instance), &signal_id, &detail, TRUE))
    return 0;

  closure = g_closure_new_simple (sizeof (TestSignalClosure), user_data);
  ((TestSignalClosure *) closure)->func = func;
  g_closure_set_marshal (closure, test_signal_marshal);
  return g_signal_connect_closure (instance, detailed_signal, closure, FALSE);
}

gint64
test_value_get_int (const GValue *value)
{
  if (G_VALUE_HOLDS_ENUM (value))
    return g_value_get_enum (value);
  if (G_VALUE_HOLDS_FLAGS (value))
    return g_value_get_flags (value);

  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_INT:     return g_value_get_int (value);
    case G_TYPE_UINT:    return g_value_get_uint (value);
    case G_TYPE_LONG:    return g_value_get_long (value);
    case G_TYPE_ULONG:   return (gint64) g_value_get_ulong (value);
    case G_TYPE_INT64:   return g_value_get_int64 (value);
    case G_TYPE_UINT64:  return (gint64) g_value_get_uint64 (value);
    case G_TYPE_BOOLEAN: return g_value_get_boolean (value);
    case G_TYPE_CHAR:    return g_value_get_schar (value);
    case G_TYPE_UCHAR:   return g_value_get_uchar (value);
    default:
      return G_MININT64;
    }
}
