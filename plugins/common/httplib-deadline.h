/* httplib-deadline.h: the endpoint's timeout for one asynchronous operation
 *
 * Compiled into each plugin that needs it; nothing here is exported.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HttplibDeadline HttplibDeadline;

/* A cancellable that is cancelled when the caller's @cancellable is, or
 * when @timeout seconds (0 or less: never) have passed on @context. */
HttplibDeadline *httplib_deadline_new             (double           timeout,
                                                   GCancellable    *cancellable,
                                                   GMainContext    *context);
void             httplib_deadline_free            (HttplibDeadline *deadline);
GCancellable    *httplib_deadline_get_cancellable (HttplibDeadline *deadline);
gboolean         httplib_deadline_expired         (HttplibDeadline *deadline);
/* When *error is the cancellation this deadline caused by expiring, it
 * becomes G_IO_ERROR_TIMED_OUT "<what> timed out after N s". */
void             httplib_deadline_check           (HttplibDeadline *deadline,
                                                   GError         **error,
                                                   const char      *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibDeadline, httplib_deadline_free)

G_END_DECLS
