/* httplib-deadline.c: the endpoint's timeout for one asynchronous operation
 *
 * An asynchronous open has no blocking call for a socket timeout to
 * interrupt, and name resolution has none at all. So each open makes its
 * own cancellable, tied to the caller's, and a timer on the caller's main
 * context cancels it; the error is then told apart from the caller's
 * cancellation and reported as a timeout.
 */
#include "httplib-deadline.h"

struct _HttplibDeadline {
  GCancellable *cancellable;   /* ours: what the operation is given */
  GCancellable *caller;        /* the caller's, or NULL */
  gulong        caller_id;
  GSource      *timer;
  double        timeout;
  gboolean      expired;
};

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  /* May run in the thread that cancelled: cancelling is thread-safe. */
  g_cancellable_cancel (user_data);
}

static gboolean
on_timer (gpointer user_data)
{
  HttplibDeadline *deadline = user_data;

  deadline->expired = TRUE;
  g_cancellable_cancel (deadline->cancellable);
  g_clear_pointer (&deadline->timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

HttplibDeadline *
httplib_deadline_new (double        timeout,
                      GCancellable *cancellable,
                      GMainContext *context)
{
  HttplibDeadline *deadline = g_new0 (HttplibDeadline, 1);

  deadline->cancellable = g_cancellable_new ();
  deadline->timeout = timeout;
  if (cancellable != NULL)
    {
      deadline->caller = g_object_ref (cancellable);
      /* Calls back at once when it is already cancelled. */
      deadline->caller_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                   g_object_ref (deadline->cancellable),
                                                   g_object_unref);
    }
  if (timeout > 0)
    {
      guint ms = timeout * 1000 > G_MAXUINT ? G_MAXUINT : (guint) (timeout * 1000 + 0.5);

      deadline->timer = g_timeout_source_new (MAX (ms, 1));
      g_source_set_callback (deadline->timer, on_timer, deadline, NULL);
      g_source_set_static_name (deadline->timer, "[httplib] timeout");
      g_source_attach (deadline->timer, context);
    }
  return deadline;
}

void
httplib_deadline_free (HttplibDeadline *deadline)
{
  if (deadline->timer != NULL)
    {
      g_source_destroy (deadline->timer);
      g_source_unref (deadline->timer);
    }
  if (deadline->caller != NULL)
    {
      g_cancellable_disconnect (deadline->caller, deadline->caller_id);
      g_object_unref (deadline->caller);
    }
  g_object_unref (deadline->cancellable);
  g_free (deadline);
}

GCancellable *
httplib_deadline_get_cancellable (HttplibDeadline *deadline)
{
  return deadline->cancellable;
}

gboolean
httplib_deadline_expired (HttplibDeadline *deadline)
{
  return deadline->expired;
}

void
httplib_deadline_check (HttplibDeadline *deadline,
                        GError         **error,
                        const char      *what)
{
  if (error == NULL || *error == NULL || !deadline->expired ||
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Both happened: the caller's cancellation is what the caller asked for. */
  if (g_cancellable_is_cancelled (deadline->caller))
    return;
  g_clear_error (error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s timed out after %g s",
               what, deadline->timeout);
}
