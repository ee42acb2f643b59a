/* test-utils.h: the shared Check runner and small helpers for every suite */
#pragma once

#include <check.h>
#include <glib.h>

G_BEGIN_DECLS

/* Runs one suite and prints TAP for `meson test`; returns the exit status. */
int httplib_test_run (Suite *suite);

#define HTTPLIB_TEST_MAIN(suite_func)        \
  int main (void)                            \
  {                                          \
    return httplib_test_run (suite_func ()); \
  }

/* Asserts that error is set with the given domain and code, printing both. */
#define httplib_assert_error(err, dom, cod)                                     \
  do {                                                                          \
    const GError *e__ = (err);                                                  \
    ck_assert_msg (e__ != NULL, "expected error %s:%d, got none", #cod, (int) (cod)); \
    ck_assert_msg (e__->domain == (dom) && e__->code == (int) (cod),            \
                   "expected %s (%d), got %s:%d: %s", #cod, (int) (cod),       \
                   g_quark_to_string (e__->domain), e__->code, e__->message);  \
  } while (0)

#define httplib_assert_no_error(err)                                            \
  do {                                                                          \
    const GError *e__ = (err);                                                  \
    ck_assert_msg (e__ == NULL, "unexpected error %s:%d: %s",                   \
                   e__ ? g_quark_to_string (e__->domain) : "",                  \
                   e__ ? e__->code : 0, e__ ? e__->message : "");               \
  } while (0)

G_END_DECLS
