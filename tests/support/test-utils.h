/* test-utils.h: the shared Check runner and small helpers for every suite */
#pragma once

#include <check.h>
#include <gio/gio.h>

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

/* How many criticals test_count_critical() has seen. */
extern guint test_n_criticals;
void test_count_critical (const char *domain, GLogLevelFlags level, const char *message,
                          gpointer user_data);

/* Runs stmt with criticals counted instead of fatal (meson sets
 * G_DEBUG=fatal-criticals), and asserts it logged exactly one. */
#define assert_one_critical(stmt)                                                   \
  G_STMT_START {                                                                    \
    GLogLevelFlags old_fatal__ = g_log_set_always_fatal (G_LOG_FATAL_MASK);         \
    GLogFunc old_handler__ = g_log_set_default_handler (test_count_critical, NULL); \
    guint before__ = test_n_criticals;                                              \
    stmt;                                                                           \
    g_log_set_default_handler (old_handler__, NULL);                                \
    g_log_set_always_fatal (old_fatal__);                                           \
    ck_assert_msg (test_n_criticals == before__ + 1,                                \
                   "expected 1 critical from %s, got %u", #stmt,                    \
                   test_n_criticals - before__);                                    \
  } G_STMT_END

/* Cancels cancellable from another thread after ms milliseconds, while
 * the test thread is blocked in the call under test; join the thread. */
GThread *test_cancel_later (GCancellable *cancellable, guint ms);

G_END_DECLS
