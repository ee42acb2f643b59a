/* test-headers.c: HttplibHeaders, the ordered case-insensitive multi-map */
#include "httplib-headers.h"
#include "httplib-headers-private.h"
#include "test-headers-dump.h"
#include "test-utils.h"

#include <string.h>

Suite *headers_suite (void);

/* --- helpers --- */

#define assert_dump(headers, expected)                                          \
  G_STMT_START {                                                                \
    g_autofree char *actual__ = test_headers_dump (headers);                                 \
    ck_assert_msg (strcmp (actual__, (expected)) == 0,                          \
                   "expected fields:\n%s\ngot:\n%s", (expected), actual__);     \
  } G_STMT_END

static HttplibHeaders *
sample (void)
{
  HttplibHeaders *headers = httplib_headers_new ();

  httplib_headers_append (headers, "Content-Type", "text/html");
  httplib_headers_append (headers, "Set-Cookie", "a=1");
  httplib_headers_append (headers, "X-Empty", "");
  httplib_headers_append (headers, "set-cookie", "b=2");
  httplib_headers_append (headers, "Connection", "Keep-Alive, Upgrade");
  httplib_headers_append (headers, "SET-COOKIE", "c=3");

  return headers;
}

/* --- basics --- */

START_TEST (test_empty)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();
  g_auto (GStrv) all = httplib_headers_get_all (headers, "X");
  HttplibHeadersIter iter;

  ck_assert_uint_eq (httplib_headers_get_length (headers), 0);
  ck_assert_ptr_null (httplib_headers_get_one (headers, "X"));
  ck_assert_ptr_null (httplib_headers_get_list (headers, "X"));
  ck_assert_ptr_nonnull (all);
  ck_assert_ptr_null (all[0]);
  ck_assert (!httplib_headers_contains (headers, "X"));
  ck_assert (!httplib_headers_value_has_token (headers, "Connection", "close"));
  ck_assert_uint_eq (httplib_headers_remove (headers, "X"), 0);
  httplib_headers_iter_init (&iter, headers);
  ck_assert (!httplib_headers_iter_next (&iter, NULL, NULL));
}
END_TEST

START_TEST (test_order_and_case)
{
  g_autoptr (HttplibHeaders) headers = sample ();

  ck_assert_uint_eq (httplib_headers_get_length (headers), 6);
  assert_dump (headers,
               "Content-Type: text/html\n"
               "Set-Cookie: a=1\n"
               "X-Empty: \n"
               "set-cookie: b=2\n"
               "Connection: Keep-Alive, Upgrade\n"
               "SET-COOKIE: c=3\n");
  /* Names keep the case they were given. */
  ck_assert_str_eq (httplib_headers_get_name (headers, 3), "set-cookie");
  ck_assert_str_eq (httplib_headers_get_value (headers, 3), "b=2");
  ck_assert_str_eq (httplib_headers_get_name (headers, 5), "SET-COOKIE");
}
END_TEST

START_TEST (test_iter_optional_out)
{
  g_autoptr (HttplibHeaders) headers = sample ();
  HttplibHeadersIter iter;
  const char *name = NULL, *value = NULL;
  guint n = 0;

  httplib_headers_iter_init (&iter, headers);
  while (httplib_headers_iter_next (&iter, &name, NULL))
    n++;
  ck_assert_uint_eq (n, 6);
  ck_assert_str_eq (name, "SET-COOKIE");

  httplib_headers_iter_init (&iter, headers);
  ck_assert (httplib_headers_iter_next (&iter, NULL, &value));
  ck_assert_str_eq (value, "text/html");
}
END_TEST

START_TEST (test_boxed)
{
  HttplibHeaders *headers = httplib_headers_new ();
  HttplibHeaders *copy;

  ck_assert (G_TYPE_IS_BOXED (HTTPLIB_TYPE_HEADERS));
  ck_assert_str_eq (g_type_name (HTTPLIB_TYPE_HEADERS), "HttplibHeaders");
  /* A boxed copy is another reference to the same fields. */
  copy = g_boxed_copy (HTTPLIB_TYPE_HEADERS, headers);
  ck_assert_ptr_eq (copy, headers);
  httplib_headers_append (copy, "A", "1");
  g_boxed_free (HTTPLIB_TYPE_HEADERS, copy);
  ck_assert_str_eq (httplib_headers_get_one (headers, "a"), "1");
  ck_assert_ptr_eq (httplib_headers_ref (headers), headers);
  httplib_headers_unref (headers);
  httplib_headers_unref (headers);
}
END_TEST

/* --- lookups --- */

typedef struct {
  const char *desc;
  const char *name;
  const char *one;     /* NULL: absent */
  const char *list;    /* NULL: absent */
  const char *all;     /* values joined with "|" */
} LookupRow;

static const LookupRow lookup_rows[] = {
  { "single field", "Content-Type", "text/html", "text/html", "text/html" },
  { "name in another case", "content-TYPE", "text/html", "text/html", "text/html" },
  { "repeated name in three cases", "set-cookie", "a=1", "a=1, b=2, c=3", "a=1|b=2|c=3" },
  { "empty value is present", "X-Empty", "", "", "" },
  { "absent name", "X-Absent", NULL, NULL, "" },
  { "prefix of a name is not the name", "Set", NULL, NULL, "" },
  { "longer than a name is not the name", "Content-Type2", NULL, NULL, "" },
  { "list value kept whole", "Connection", "Keep-Alive, Upgrade", "Keep-Alive, Upgrade",
    "Keep-Alive, Upgrade" },
};

START_TEST (test_lookup)
{
  const LookupRow *row = &lookup_rows[_i];
  g_autoptr (HttplibHeaders) headers = sample ();
  g_autofree char *list = httplib_headers_get_list (headers, row->name);
  g_auto (GStrv) all = httplib_headers_get_all (headers, row->name);
  g_autofree char *all_joined = g_strjoinv ("|", all);
  const char *one = httplib_headers_get_one (headers, row->name);

  ck_assert_msg (g_strcmp0 (one, row->one) == 0, "%s: get_one expected '%s', got '%s'",
                 row->desc, row->one ? row->one : "(null)", one ? one : "(null)");
  ck_assert_msg (g_strcmp0 (list, row->list) == 0, "%s: get_list expected '%s', got '%s'",
                 row->desc, row->list ? row->list : "(null)", list ? list : "(null)");
  ck_assert_msg (strcmp (all_joined, row->all) == 0, "%s: get_all expected '%s', got '%s'",
                 row->desc, row->all, all_joined);
  ck_assert_msg (httplib_headers_contains (headers, row->name) == (row->one != NULL),
                 "%s: contains expected %d", row->desc, row->one != NULL);
}
END_TEST

/* Case folds letters only: these pairs differ by the bit that folds case. */
START_TEST (test_case_folds_letters_only)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();

  httplib_headers_append (headers, "X-^", "caret");
  httplib_headers_append (headers, "X-@", "at");
  httplib_headers_append (headers, "x-[", "bracket");

  ck_assert_msg (httplib_headers_get_one (headers, "X-~") == NULL, "'X-~' found 'X-^'");
  ck_assert_msg (httplib_headers_get_one (headers, "X-`") == NULL, "'X-`' found 'X-@'");
  ck_assert_msg (httplib_headers_get_one (headers, "x-{") == NULL, "'x-{' found 'x-['");
  ck_assert_str_eq (httplib_headers_get_one (headers, "x-^"), "caret");
  ck_assert_str_eq (httplib_headers_get_one (headers, "X-["), "bracket");
}
END_TEST

/* --- value_has_token --- */

typedef struct {
  const char *desc;
  const char *values[3];  /* values of "Connection", NULL-terminated */
  const char *token;
  gboolean    expected;
} TokenRow;

static const TokenRow token_rows[] = {
  { "exact", { "close" }, "close", TRUE },
  { "other case", { "Close" }, "CLOSE", TRUE },
  { "in a list", { "Upgrade, close" }, "close", TRUE },
  { "first in a list", { "keep-alive,Upgrade" }, "keep-alive", TRUE },
  { "whitespace around", { " \tclose\t , x" }, "close", TRUE },
  { "in the second field", { "Upgrade", "close" }, "close", TRUE },
  { "absent", { "Upgrade" }, "close", FALSE },
  { "substring is not a token", { "closed" }, "close", FALSE },
  { "prefix is not a token", { "clo" }, "close", FALSE },
  { "inner space is not trimmed", { "keep alive" }, "keep-alive", FALSE },
  { "empty elements", { ", ,close," }, "close", TRUE },
  { "empty value", { "" }, "close", FALSE },
  { "no field", { NULL }, "close", FALSE },
};

START_TEST (test_value_has_token)
{
  const TokenRow *row = &token_rows[_i];
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();
  gboolean actual;

  httplib_headers_append (headers, "Keep-Alive", "close");
  for (guint i = 0; row->values[i] != NULL; i++)
    httplib_headers_append (headers, "Connection", row->values[i]);
  actual = httplib_headers_value_has_token (headers, "connection", row->token);
  ck_assert_msg (actual == row->expected, "%s: expected %d, got %d",
                 row->desc, row->expected, actual);
}
END_TEST

/* --- changes --- */

START_TEST (test_remove)
{
  g_autoptr (HttplibHeaders) headers = sample ();

  ck_assert_uint_eq (httplib_headers_remove (headers, "SET-cookie"), 3);
  assert_dump (headers,
               "Content-Type: text/html\n"
               "X-Empty: \n"
               "Connection: Keep-Alive, Upgrade\n");
  ck_assert_uint_eq (httplib_headers_remove (headers, "Set-Cookie"), 0);
  ck_assert_uint_eq (httplib_headers_remove (headers, "content-type"), 1);
  ck_assert_uint_eq (httplib_headers_get_length (headers), 2);
  ck_assert_str_eq (httplib_headers_get_name (headers, 0), "X-Empty");
}
END_TEST

START_TEST (test_replace)
{
  g_autoptr (HttplibHeaders) headers = sample ();

  httplib_headers_replace (headers, "set-cookie", "z=9");
  httplib_headers_replace (headers, "X-New", "new");
  assert_dump (headers,
               "Content-Type: text/html\n"
               "X-Empty: \n"
               "Connection: Keep-Alive, Upgrade\n"
               "set-cookie: z=9\n"
               "X-New: new\n");
}
END_TEST

START_TEST (test_clear)
{
  g_autoptr (HttplibHeaders) headers = sample ();

  httplib_headers_clear (headers);
  ck_assert_uint_eq (httplib_headers_get_length (headers), 0);
  ck_assert_ptr_null (httplib_headers_get_one (headers, "Content-Type"));
  httplib_headers_append (headers, "A", "1");
  assert_dump (headers, "A: 1\n");
}
END_TEST

START_TEST (test_append_len)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();
  const char buf[] = "Host: example.org\r\n";

  /* Bytes that are not NUL-terminated where the field ends. */
  httplib_headers_append_len (headers, buf, 4, buf + 6, 11);
  httplib_headers_append_len (headers, "X-Empty", 7, "", 0);
  assert_dump (headers, "Host: example.org\nX-Empty: \n");
}
END_TEST

START_TEST (test_extend_last)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();

  httplib_headers_append (headers, "A", "one");
  httplib_headers_extend_last (headers, "two", 3);
  httplib_headers_extend_last (headers, "three!", 5);
  httplib_headers_append (headers, "Empty", "");
  httplib_headers_extend_last (headers, "x", 1);
  assert_dump (headers, "A: one two three\nEmpty: x\n");
}
END_TEST

START_TEST (test_extend_last_after_remove)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();

  /* The last value is no longer at the end of the arena: it must move. */
  httplib_headers_append (headers, "A", "1");
  httplib_headers_append (headers, "B", "2");
  httplib_headers_remove (headers, "B");
  httplib_headers_extend_last (headers, "more", 4);
  httplib_headers_append (headers, "C", "3");
  httplib_headers_extend_last (headers, "x", 1);
  assert_dump (headers, "A: 1 more\nC: 3 x\n");
}
END_TEST

START_TEST (test_growth)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();
  char value[200];

  /* Enough to move the arena many times; offsets must follow. */
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *name = g_strdup_printf ("X-%u", i);

      memset (value, 'a' + i % 26, sizeof value - 1);
      value[sizeof value - 1] = '\0';
      httplib_headers_append (headers, name, value);
    }
  ck_assert_uint_eq (httplib_headers_get_length (headers), 2000);
  for (guint i = 0; i < 2000; i += 97)
    {
      g_autofree char *name = g_strdup_printf ("x-%u", i);
      const char *actual = httplib_headers_get_one (headers, name);

      ck_assert_msg (actual != NULL && strlen (actual) == 199 && actual[198] == (char) ('a' + i % 26),
                     "%s: expected 199 x '%c', got '%.20s...'", name, 'a' + i % 26,
                     actual ? actual : "(null)");
    }
}
END_TEST

START_TEST (test_compaction)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();
  g_autofree char *expected = NULL;

  /* Replacing over and over makes garbage; compaction must keep the rest. */
  httplib_headers_append (headers, "First", "kept");
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *value = g_strdup_printf ("%u-%0100u", i, i);

      httplib_headers_replace (headers, "Counter", value);
      if (i % 1000 == 0)
        httplib_headers_extend_last (headers, "folded", 6);
    }
  ck_assert_uint_eq (httplib_headers_get_length (headers), 2);
  ck_assert_str_eq (httplib_headers_get_one (headers, "First"), "kept");
  expected = g_strdup_printf ("%u-%0100u", 4999, 4999);
  ck_assert_str_eq (httplib_headers_get_value (headers, 1), expected);
}
END_TEST

START_TEST (test_own_strings)
{
  g_autoptr (HttplibHeaders) headers = httplib_headers_new ();
  g_autofree char *long_value = g_strnfill (300, 'v');

  /* Strings taken from the same headers stay safe while it grows... */
  httplib_headers_append (headers, "Name", long_value);
  for (guint i = 0; i < 50; i++)
    httplib_headers_append (headers, httplib_headers_get_name (headers, i),
                            httplib_headers_get_value (headers, i));
  ck_assert_uint_eq (httplib_headers_get_length (headers), 51);
  ck_assert_str_eq (httplib_headers_get_value (headers, 50), long_value);

  /* ...and while replace() removes (and compacts) under them. */
  httplib_headers_append (headers, "Other", "o");
  httplib_headers_replace (headers, httplib_headers_get_name (headers, 0),
                           httplib_headers_get_value (headers, 51));
  assert_dump (headers, "Other: o\nName: o\n");
}
END_TEST

/* --- programmer errors --- */

START_TEST (test_preconditions)
{
  g_autoptr (HttplibHeaders) headers = sample ();
  const char *result = "unset";

  assert_one_critical (result = httplib_headers_get_name (headers, 6));
  ck_assert_ptr_null (result);
  result = "unset";
  assert_one_critical (result = httplib_headers_get_value (headers, G_MAXUINT));
  ck_assert_ptr_null (result);
  assert_one_critical (httplib_headers_append (headers, NULL, "v"));
  assert_one_critical (httplib_headers_append (headers, "n", NULL));
  assert_one_critical (httplib_headers_replace (headers, NULL, "v"));
  assert_one_critical (result = httplib_headers_get_one (headers, NULL));
  ck_assert_ptr_null (result);
  ck_assert_uint_eq (httplib_headers_get_length (headers), 6);
}
END_TEST

Suite *
headers_suite (void)
{
  Suite *suite = suite_create ("headers");
  TCase *tc;

  tc = tcase_create ("basics");
  tcase_add_test (tc, test_empty);
  tcase_add_test (tc, test_order_and_case);
  tcase_add_test (tc, test_iter_optional_out);
  tcase_add_test (tc, test_boxed);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("lookup");
  tcase_add_loop_test (tc, test_lookup, 0, G_N_ELEMENTS (lookup_rows));
  tcase_add_test (tc, test_case_folds_letters_only);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("value-has-token");
  tcase_add_loop_test (tc, test_value_has_token, 0, G_N_ELEMENTS (token_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("changes");
  tcase_add_test (tc, test_remove);
  tcase_add_test (tc, test_replace);
  tcase_add_test (tc, test_clear);
  tcase_add_test (tc, test_append_len);
  tcase_add_test (tc, test_extend_last);
  tcase_add_test (tc, test_extend_last_after_remove);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("arena");
  tcase_add_test (tc, test_growth);
  tcase_add_test (tc, test_compaction);
  tcase_add_test (tc, test_own_strings);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("preconditions");
  tcase_add_test (tc, test_preconditions);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (headers_suite)
