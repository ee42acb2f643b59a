/* test-runner.c: runs one Check suite and prints TAP */
#include "test-utils.h"

#include <stdlib.h>

int
httplib_test_run (Suite *suite)
{
  SRunner *runner = srunner_create (suite);
  int failed;

  /* TAP on stdout is what `meson test` reads. */
  srunner_set_tap (runner, "-");
  srunner_run_all (runner, CK_SILENT);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);

  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

guint test_n_criticals;

void
test_count_critical (const char     *domain,
                     GLogLevelFlags  level,
                     const char     *message,
                     gpointer        user_data)
{
  test_n_criticals++;
}

typedef struct {
  GCancellable *cancellable;
  guint         ms;
} CancelLater;

static gpointer
cancel_later_thread (gpointer user_data)
{
  CancelLater *later = user_data;

  g_usleep (later->ms * 1000);
  g_cancellable_cancel (later->cancellable);
  g_object_unref (later->cancellable);
  g_free (later);
  return NULL;
}

GThread *
test_cancel_later (GCancellable *cancellable, guint ms)
{
  CancelLater *later = g_new0 (CancelLater, 1);

  later->cancellable = g_object_ref (cancellable);
  later->ms = ms;
  return g_thread_new ("cancel-later", cancel_later_thread, later);
}
