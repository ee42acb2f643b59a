/* fetch-progress.c: httplib-fetch's progress bar
 *
 * Drawn on standard error from the response's progress signal, at most ten
 * times a second, as one line rewritten in place:
 *
 *   [##########          ]  50%  2.0 MB / 4.0 MB  1.3 MB/s  0:02 left
 *
 * When the length is unknown, only the bytes and the rate.
 */
#include "fetch-progress.h"

#include <string.h>

#define BAR_WIDTH 20
#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)

struct _FetchProgress {
  FILE            *out;
  HttplibResponse *response;  /* a reference while watched */
  gulong           handler;
  gint64           start;
  gint64           last_draw;
  guint64          received;
  gint64           total;
  gsize            last_width;
  gboolean         drawn;
};

/* One line of the bar, without the carriage return. */
static char *
fetch_progress_format (guint64 received,
                       gint64  total,
                       double  seconds)
{
  GString *line = g_string_new (NULL);
  g_autofree char *got = g_format_size (received);
  double rate = seconds > 0 ? received / seconds : 0;
  g_autofree char *speed = g_format_size ((guint64) rate);

  if (total > 0)
    {
      g_autofree char *all = g_format_size (total);
      guint64 shown = MIN (received, (guint64) total);
      int percent = (int) (shown * 100 / total);
      int filled = (int) (shown * BAR_WIDTH / total);

      g_string_append_c (line, '[');
      for (int i = 0; i < BAR_WIDTH; i++)
        g_string_append_c (line, i < filled ? '#' : ' ');
      g_string_append_printf (line, "] %3d%%  %s / %s  %s/s", percent, got, all, speed);
      if (rate > 0 && shown < (guint64) total)
        {
          guint64 left = (guint64) ((total - shown) / rate + 0.5);

          g_string_append_printf (line, "  %" G_GUINT64_FORMAT ":%02u left",
                                  left / 60, (guint) (left % 60));
        }
    }
  else
    g_string_append_printf (line, "%s  %s/s", got, speed);
  return g_string_free (line, FALSE);
}

static void
draw (FetchProgress *progress,
      gint64         now)
{
  g_autofree char *line = fetch_progress_format (progress->received, progress->total,
                                                 (now - progress->start) / (double) G_USEC_PER_SEC);
  gsize width = strlen (line);

  /* Spaces wipe what a longer previous line left on the terminal. */
  fprintf (progress->out, "\r%s%*s", line,
           (int) (progress->last_width > width ? progress->last_width - width : 0), "");
  fflush (progress->out);
  progress->last_width = width;
  progress->last_draw = now;
  progress->drawn = TRUE;
}

static void
on_progress (HttplibResponse *response,
             guint64          received,
             gint64           total,
             gpointer         user_data)
{
  FetchProgress *progress = user_data;
  gint64 now = g_get_monotonic_time ();

  progress->received = received;
  progress->total = total;
  if (!progress->drawn || now - progress->last_draw >= REDRAW_INTERVAL_US)
    draw (progress, now);
}

FetchProgress *
fetch_progress_new (FILE *out)
{
  FetchProgress *progress = g_new0 (FetchProgress, 1);

  progress->out = out;
  progress->total = -1;
  return progress;
}

static void
unwatch (FetchProgress *progress)
{
  if (progress->response != NULL)
    g_clear_signal_handler (&progress->handler, progress->response);
  g_clear_object (&progress->response);
}

void
fetch_progress_free (FetchProgress *progress)
{
  unwatch (progress);
  g_free (progress);
}

void
fetch_progress_watch (FetchProgress   *progress,
                      HttplibResponse *response)
{
  unwatch (progress);
  progress->response = g_object_ref (response);
  progress->handler = g_signal_connect (response, "progress", G_CALLBACK (on_progress), progress);
  progress->start = g_get_monotonic_time ();
  progress->received = 0;
  progress->total = httplib_response_get_length (response);
  progress->last_width = 0;
  progress->drawn = FALSE;
}

void
fetch_progress_finish (FetchProgress *progress)
{
  if (progress->response == NULL)
    return;
  draw (progress, g_get_monotonic_time ());
  fputc ('\n', progress->out);
  fflush (progress->out);
  unwatch (progress);
}
