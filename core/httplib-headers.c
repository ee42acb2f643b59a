/* httplib-headers.c: an ordered, case-insensitive multi-map of header fields */
#include "httplib-headers.h"
#include "httplib-headers-private.h"

#include <string.h>

/**
 * HttplibHeaders:
 *
 * The header fields of a request or response, in the order they were added
 * or received, like Python's `http.client.HTTPMessage`. Names compare
 * without regard to ASCII case and a name may occur more than once.
 *
 * All names and values live in one growing buffer, so a parsed head costs
 * no allocation per field; a small head fits in the first storage that
 * comes in the same allocation as the object. Strings returned as `const char *` therefore
 * stay valid only until the next change to the same headers (append,
 * replace, remove or clear).
 *
 * ```c
 * g_autoptr (HttplibHeaders) headers = httplib_headers_new ();
 *
 * httplib_headers_append (headers, "Set-Cookie", "a=1");
 * httplib_headers_append (headers, "set-cookie", "b=2");
 * g_autofree char *cookies = httplib_headers_get_list (headers, "SET-COOKIE");
 * // cookies is "a=1, b=2"
 * ```
 *
 * Reference counting is atomic, but changes are not: share a
 * #HttplibHeaders between threads only while nobody modifies it.
 */

typedef struct {
  gsize name;      /* offsets into the arena, which may move */
  gsize value;
  gsize name_len;  /* so a lookup compares lengths before bytes */
} Field;

#define FIRST_FIELDS 16
#define FIRST_ARENA  512

struct _HttplibHeaders {
  char  *arena;        /* names and values, each NUL-terminated, back to back */
  gsize  arena_len;    /* arena[arena_len] is always a NUL, like GString's */
  gsize  arena_alloc;
  Field *fields;       /* in order */
  guint  n_fields;
  guint  fields_alloc;
  gsize  garbage;      /* arena bytes no field refers to any more */
  guint64 name_bits;   /* name_bit() of every name added: a lookup of an absent name stops here */
  /* the first storage, in the same allocation: most heads fit */
  Field  first_fields[FIRST_FIELDS];
  char   first_arena[FIRST_ARENA];
};

/* Below this much garbage compaction is not worth a copy. */
#define MIN_GARBAGE_TO_COMPACT 1024

G_DEFINE_BOXED_TYPE (HttplibHeaders, httplib_headers,
                     httplib_headers_ref, httplib_headers_unref)

static Field *
field_at (HttplibHeaders *headers,
          guint           index)
{
  return &headers->fields[index];
}

static const char *
name_of (HttplibHeaders *headers,
         const Field    *field)
{
  return headers->arena + field->name;
}

static const char *
value_of (HttplibHeaders *headers,
          const Field    *field)
{
  return headers->arena + field->value;
}

/* One bit of 64 per name, from its length and first letter in any case:
 * most lookups on a response are for fields it does not have. */
static inline guint64
name_bit (const char *name,
          gsize       name_len)
{
  return G_GUINT64_CONSTANT (1) << ((name_len + ((guchar) name[0] | 0x20)) & 63);
}

static inline gboolean
may_have (HttplibHeaders *headers,
          const char     *name,
          gsize           name_len)
{
  return name_len == 0 || (headers->name_bits & name_bit (name, name_len)) != 0;
}

/* @name_len is strlen (name), measured once per lookup by the caller. */
static gboolean
field_is (HttplibHeaders *headers,
          const Field    *field,
          const char     *name,
          gsize           name_len)
{
  return field->name_len == name_len &&
         httplib_ascii_case_equal (name_of (headers, field), name, name_len);
}

/* Callers may pass strings they got from these very headers; those move
 * when the arena grows or is compacted. */
static gboolean
points_into_arena (HttplibHeaders *headers,
                   const char     *p)
{
  guintptr start = (guintptr) headers->arena;
  guintptr end = start + headers->arena_alloc;

  return (guintptr) p >= start && (guintptr) p < end;
}

/**
 * httplib_headers_new:
 *
 * Creates an empty set of header fields.
 *
 * Returns: (transfer full): a new #HttplibHeaders
 */
HttplibHeaders *
httplib_headers_new (void)
{
  /* Not zeroed: the first storage is large and written before it is read. */
  HttplibHeaders *headers = g_atomic_rc_box_new (HttplibHeaders);

  headers->arena = headers->first_arena;
  headers->arena_len = 0;
  headers->arena_alloc = FIRST_ARENA;
  headers->arena[0] = '\0';
  headers->fields = headers->first_fields;
  headers->n_fields = 0;
  headers->fields_alloc = FIRST_FIELDS;
  headers->garbage = 0;
  headers->name_bits = 0;

  return headers;
}

/**
 * httplib_headers_ref:
 * @headers: a #HttplibHeaders
 *
 * Takes a reference on @headers.
 *
 * Returns: (transfer full): @headers
 */
HttplibHeaders *
httplib_headers_ref (HttplibHeaders *headers)
{
  g_return_val_if_fail (headers != NULL, NULL);

  return g_atomic_rc_box_acquire (headers);
}

static void
headers_free_contents (HttplibHeaders *headers)
{
  if (headers->arena != headers->first_arena)
    g_free (headers->arena);
  if (headers->fields != headers->first_fields)
    g_free (headers->fields);
}

/**
 * httplib_headers_unref:
 * @headers: (transfer full): a #HttplibHeaders
 *
 * Drops a reference on @headers, freeing it when it was the last one.
 */
void
httplib_headers_unref (HttplibHeaders *headers)
{
  g_return_if_fail (headers != NULL);

  g_atomic_rc_box_release_full (headers, (GDestroyNotify) headers_free_contents);
}

/* Makes the arena @len bytes long (and NUL-terminated), growing it as
 * needed: g_string_set_size's semantics. */
static void
arena_set_size (HttplibHeaders *headers,
                gsize           len)
{
  if (G_UNLIKELY (len >= headers->arena_alloc))
    {
      gsize alloc = MAX (headers->arena_alloc * 2, len + 1);

      if (headers->arena == headers->first_arena)
        {
          headers->arena = g_malloc (alloc);
          memcpy (headers->arena, headers->first_arena, headers->arena_len + 1);
        }
      else
        headers->arena = g_realloc (headers->arena, alloc);
      headers->arena_alloc = alloc;
    }
  headers->arena_len = len;
  headers->arena[len] = '\0';
}

/* Appends one NUL-terminated copy of s[0..len) and returns its offset. */
static gsize
arena_add (HttplibHeaders *headers,
           const char     *s,
           gsize           len)
{
  gsize offset = headers->arena_len;

  arena_set_size (headers, offset + len + 1);
  memcpy (headers->arena + offset, s, len);
  headers->arena[offset + len] = '\0';

  return offset;
}

static void
fields_add (HttplibHeaders *headers,
            const Field    *field)
{
  if (G_UNLIKELY (headers->n_fields == headers->fields_alloc))
    {
      guint alloc = headers->fields_alloc * 2;

      if (headers->fields == headers->first_fields)
        headers->fields = memcpy (g_new (Field, alloc), headers->first_fields,
                                  sizeof (Field) * headers->n_fields);
      else
        headers->fields = g_renew (Field, headers->fields, alloc);
      headers->fields_alloc = alloc;
    }
  headers->fields[headers->n_fields++] = *field;
}

void
httplib_headers_append_len (HttplibHeaders *headers,
                            const char     *name,
                            gsize           name_len,
                            const char     *value,
                            gsize           value_len)
{
  Field field;
  char *p;

  g_return_if_fail (headers != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  /* Both strings in one step: "name\0value\0". */
  field.name = headers->arena_len;
  field.value = field.name + name_len + 1;
  field.name_len = name_len;
  arena_set_size (headers, field.value + value_len + 1);
  p = headers->arena + field.name;
  memcpy (p, name, name_len);
  p[name_len] = '\0';
  memcpy (p + name_len + 1, value, value_len);
  p[name_len + 1 + value_len] = '\0';
  if (name_len > 0)
    headers->name_bits |= name_bit (name, name_len);
  fields_add (headers, &field);
}

void
httplib_headers_extend_last (HttplibHeaders *headers,
                             const char     *more,
                             gsize           more_len)
{
  Field *last;
  gsize value_len, end;

  g_return_if_fail (headers != NULL);
  g_return_if_fail (more != NULL);
  g_return_if_fail (headers->n_fields > 0);

  last = field_at (headers, headers->n_fields - 1);
  value_len = strlen (value_of (headers, last));

  /* Only a value at the very end of the arena can grow in place. */
  if (last->value + value_len + 1 != headers->arena_len)
    {
      gsize old = last->value;

      last->value = headers->arena_len;
      arena_set_size (headers, last->value + value_len + 1);
      memcpy (headers->arena + last->value, headers->arena + old, value_len);
      headers->garbage += value_len + 1;
    }

  /* An empty value takes no separator: it would only be trimmed away. */
  end = last->value + value_len;
  if (value_len > 0)
    headers->arena[end++] = ' ';
  arena_set_size (headers, end + more_len + 1);
  memcpy (headers->arena + end, more, more_len);
  headers->arena[end + more_len] = '\0';
}

/**
 * httplib_headers_append:
 * @headers: a #HttplibHeaders
 * @name: the field name
 * @value: the field value
 *
 * Adds a field after all the others, keeping any fields of the same name.
 * Neither @name nor @value is checked here; the request writer refuses
 * forbidden bytes before anything is sent.
 */
void
httplib_headers_append (HttplibHeaders *headers,
                        const char     *name,
                        const char     *value)
{
  g_autofree char *name_copy = NULL;
  g_autofree char *value_copy = NULL;

  g_return_if_fail (headers != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  if (points_into_arena (headers, name))
    name = name_copy = g_strdup (name);
  if (points_into_arena (headers, value))
    value = value_copy = g_strdup (value);

  httplib_headers_append_len (headers, name, strlen (name), value, strlen (value));
}

/* Rewrites the arena with only the live strings, dropping the garbage. */
static void
compact (HttplibHeaders *headers)
{
  char *old = headers->arena;
  gboolean old_is_first = old == headers->first_arena;
  gsize live = headers->arena_len - headers->garbage;

  /* The live strings go to a fresh buffer (the first storage if they fit). */
  if (!old_is_first && live < FIRST_ARENA)
    {
      headers->arena = headers->first_arena;
      headers->arena_alloc = FIRST_ARENA;
    }
  else
    {
      headers->arena = g_malloc (live + 1);
      headers->arena_alloc = live + 1;
    }
  headers->arena_len = 0;
  headers->arena[0] = '\0';
  for (guint i = 0; i < headers->n_fields; i++)
    {
      Field *field = field_at (headers, i);
      const char *name = old + field->name;
      const char *value = old + field->value;

      field->name = arena_add (headers, name, strlen (name));
      field->value = arena_add (headers, value, strlen (value));
    }
  headers->garbage = 0;
  if (!old_is_first)
    g_free (old);
}

/**
 * httplib_headers_remove:
 * @headers: a #HttplibHeaders
 * @name: the field name
 *
 * Removes every field called @name (in any case).
 *
 * Returns: the number of fields removed
 */
guint
httplib_headers_remove (HttplibHeaders *headers,
                        const char     *name)
{
  gsize name_len;
  guint kept = 0;
  guint removed;

  g_return_val_if_fail (headers != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  name_len = strlen (name);
  for (guint i = 0; i < headers->n_fields; i++)
    {
      Field field = *field_at (headers, i);

      if (field_is (headers, &field, name, name_len))
        headers->garbage += strlen (name_of (headers, &field)) + 1 +
                            strlen (value_of (headers, &field)) + 1;
      else
        *field_at (headers, kept++) = field;
    }

  removed = headers->n_fields - kept;
  headers->n_fields = kept;

  /* Compact once garbage is half the arena: amortised O(1) per byte. */
  if (headers->garbage >= MIN_GARBAGE_TO_COMPACT &&
      headers->garbage * 2 >= headers->arena_len)
    compact (headers);

  return removed;
}

/**
 * httplib_headers_replace:
 * @headers: a #HttplibHeaders
 * @name: the field name
 * @value: the new value
 *
 * Removes every field called @name, then appends one with @value.
 */
void
httplib_headers_replace (HttplibHeaders *headers,
                         const char     *name,
                         const char     *value)
{
  g_autofree char *name_copy = NULL;
  g_autofree char *value_copy = NULL;

  g_return_if_fail (headers != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  /* remove() may compact the arena under strings taken from it. */
  if (points_into_arena (headers, name))
    name = name_copy = g_strdup (name);
  if (points_into_arena (headers, value))
    value = value_copy = g_strdup (value);

  httplib_headers_remove (headers, name);
  httplib_headers_append_len (headers, name, strlen (name), value, strlen (value));
}

/**
 * httplib_headers_clear:
 * @headers: a #HttplibHeaders
 *
 * Removes every field.
 */
void
httplib_headers_clear (HttplibHeaders *headers)
{
  g_return_if_fail (headers != NULL);

  headers->n_fields = 0;
  arena_set_size (headers, 0);
  headers->garbage = 0;
  headers->name_bits = 0;
}

/**
 * httplib_headers_get_one:
 * @headers: a #HttplibHeaders
 * @name: the field name
 *
 * Looks up the first field called @name (in any case).
 *
 * Returns: (nullable): its value, valid until @headers next changes, or
 *   %NULL if there is no such field
 */
const char *
httplib_headers_get_one (HttplibHeaders *headers,
                         const char     *name)
{
  gsize name_len;

  g_return_val_if_fail (headers != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  name_len = strlen (name);
  if (!may_have (headers, name, name_len))
    return NULL;
  for (guint i = 0; i < headers->n_fields; i++)
    {
      const Field *field = field_at (headers, i);

      if (field_is (headers, field, name, name_len))
        return value_of (headers, field);
    }

  return NULL;
}

gboolean
httplib_headers_next_value (HttplibHeaders  *headers,
                            const char      *name,
                            gsize            name_len,
                            guint           *index,
                            const char     **value)
{
  if (!may_have (headers, name, name_len))
    return FALSE;
  for (; *index < headers->n_fields; (*index)++)
    {
      const Field *field = field_at (headers, *index);

      if (field_is (headers, field, name, name_len))
        {
          *value = value_of (headers, field);
          (*index)++;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * httplib_headers_get_list:
 * @headers: a #HttplibHeaders
 * @name: the field name
 *
 * Joins the values of every field called @name (in any case) with ", ",
 * in order, as RFC 9110 allows for list-based fields.
 *
 * Returns: (transfer full) (nullable): the joined values, or %NULL if
 *   there is no such field
 */
char *
httplib_headers_get_list (HttplibHeaders *headers,
                          const char     *name)
{
  gsize name_len;
  GString *list = NULL;

  g_return_val_if_fail (headers != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  name_len = strlen (name);
  for (guint i = 0; i < headers->n_fields; i++)
    {
      const Field *field = field_at (headers, i);

      if (!field_is (headers, field, name, name_len))
        continue;
      if (list == NULL)
        list = g_string_new (NULL);
      else
        g_string_append (list, ", ");
      g_string_append (list, value_of (headers, field));
    }

  return list != NULL ? g_string_free (list, FALSE) : NULL;
}

/**
 * httplib_headers_get_all:
 * @headers: a #HttplibHeaders
 * @name: the field name
 *
 * Collects the values of every field called @name (in any case), in order,
 * like Python's `HTTPMessage.get_all()` but with an empty vector instead of
 * `None`.
 *
 * Returns: (transfer full): a %NULL-terminated array of values, empty if
 *   there is no such field
 */
GStrv
httplib_headers_get_all (HttplibHeaders *headers,
                         const char     *name)
{
  gsize name_len;
  GPtrArray *values;

  g_return_val_if_fail (headers != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  values = g_ptr_array_new ();
  name_len = strlen (name);
  for (guint i = 0; i < headers->n_fields; i++)
    {
      const Field *field = field_at (headers, i);

      if (field_is (headers, field, name, name_len))
        g_ptr_array_add (values, g_strdup (value_of (headers, field)));
    }
  g_ptr_array_add (values, NULL);

  return (GStrv) g_ptr_array_free (values, FALSE);
}

/**
 * httplib_headers_contains:
 * @headers: a #HttplibHeaders
 * @name: the field name
 *
 * Tells whether a field called @name (in any case) is present.
 *
 * Returns: %TRUE if there is at least one such field
 */
gboolean
httplib_headers_contains (HttplibHeaders *headers,
                          const char     *name)
{
  g_return_val_if_fail (headers != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return httplib_headers_get_one (headers, name) != NULL;
}

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

/* Whether the comma-separated list in value has an element equal to token. */
static gboolean
list_has_token (const char *value,
                const char *token,
                gsize       token_len)
{
  const char *p = value;

  for (;;)
    {
      const char *end = strchr (p, ',');
      const char *stop = end != NULL ? end : p + strlen (p);

      while (p < stop && is_ows (*p))
        p++;
      while (stop > p && is_ows (stop[-1]))
        stop--;
      if ((gsize) (stop - p) == token_len && g_ascii_strncasecmp (p, token, token_len) == 0)
        return TRUE;
      if (end == NULL)
        return FALSE;
      p = end + 1;
    }
}

/**
 * httplib_headers_value_has_token:
 * @headers: a #HttplibHeaders
 * @name: the field name
 * @token: the list element to look for
 *
 * Tells whether any field called @name has @token as an element of its
 * comma-separated value, comparing without regard to ASCII case and
 * ignoring spaces and tabs around elements. This is how `Connection: close`
 * and `Connection: keep-alive` are recognised.
 *
 * Returns: %TRUE if @token is in the list
 */
gboolean
httplib_headers_value_has_token (HttplibHeaders *headers,
                                 const char     *name,
                                 const char     *token)
{
  gsize name_len;
  gsize token_len;

  g_return_val_if_fail (headers != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  token_len = strlen (token);
  name_len = strlen (name);
  if (!may_have (headers, name, name_len))
    return FALSE;
  for (guint i = 0; i < headers->n_fields; i++)
    {
      const Field *field = field_at (headers, i);

      if (field_is (headers, field, name, name_len) &&
          list_has_token (value_of (headers, field), token, token_len))
        return TRUE;
    }

  return FALSE;
}

/**
 * httplib_headers_get_length:
 * @headers: a #HttplibHeaders
 *
 * Counts the fields, each occurrence of a name separately.
 *
 * Returns: the number of fields
 */
guint
httplib_headers_get_length (HttplibHeaders *headers)
{
  g_return_val_if_fail (headers != NULL, 0);

  return headers->n_fields;
}

/**
 * httplib_headers_get_name:
 * @headers: a #HttplibHeaders
 * @index: a position, less than httplib_headers_get_length()
 *
 * Gets the name of the field at @index, in the case it was given.
 *
 * Returns: (nullable): the name, valid until @headers next changes, or
 *   %NULL if @index is out of range
 */
const char *
httplib_headers_get_name (HttplibHeaders *headers,
                          guint           index)
{
  g_return_val_if_fail (headers != NULL, NULL);
  g_return_val_if_fail (index < headers->n_fields, NULL);

  return name_of (headers, field_at (headers, index));
}

/**
 * httplib_headers_get_value:
 * @headers: a #HttplibHeaders
 * @index: a position, less than httplib_headers_get_length()
 *
 * Gets the value of the field at @index.
 *
 * Returns: (nullable): the value, valid until @headers next changes, or
 *   %NULL if @index is out of range
 */
const char *
httplib_headers_get_value (HttplibHeaders *headers,
                           guint           index)
{
  g_return_val_if_fail (headers != NULL, NULL);
  g_return_val_if_fail (index < headers->n_fields, NULL);

  return value_of (headers, field_at (headers, index));
}

/**
 * httplib_headers_iter_init:
 * @iter: (out caller-allocates): the iterator to set up
 * @headers: a #HttplibHeaders
 *
 * Prepares @iter to walk the fields of @headers in order. The iterator
 * holds no reference; do not change @headers while iterating.
 *
 * ```c
 * HttplibHeadersIter iter;
 * const char *name, *value;
 *
 * httplib_headers_iter_init (&iter, headers);
 * while (httplib_headers_iter_next (&iter, &name, &value))
 *   g_print ("%s: %s\n", name, value);
 * ```
 */
void
httplib_headers_iter_init (HttplibHeadersIter *iter,
                           HttplibHeaders     *headers)
{
  g_return_if_fail (iter != NULL);
  g_return_if_fail (headers != NULL);

  iter->headers = headers;
  iter->index = 0;
}

/**
 * httplib_headers_iter_next:
 * @iter: an iterator set up with httplib_headers_iter_init()
 * @name: (out) (optional) (transfer none): the field name
 * @value: (out) (optional) (transfer none): the field value
 *
 * Moves to the next field. The strings stay valid until the headers next
 * change.
 *
 * Returns: %TRUE with @name and @value set, or %FALSE after the last field
 */
gboolean
httplib_headers_iter_next (HttplibHeadersIter *iter,
                           const char        **name,
                           const char        **value)
{
  const Field *field;

  g_return_val_if_fail (iter != NULL, FALSE);
  g_return_val_if_fail (iter->headers != NULL, FALSE);

  if (iter->index >= iter->headers->n_fields)
    return FALSE;

  field = field_at (iter->headers, iter->index++);
  if (name != NULL)
    *name = name_of (iter->headers, field);
  if (value != NULL)
    *value = value_of (iter->headers, field);

  return TRUE;
}
