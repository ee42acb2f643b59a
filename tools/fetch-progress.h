/* fetch-progress.h: httplib-fetch's progress bar on a terminal */
#pragma once

#include <httplib/httplib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct _FetchProgress FetchProgress;

FetchProgress *fetch_progress_new    (FILE            *out);
void           fetch_progress_free   (FetchProgress   *progress);

/* Follows the response's progress signal until fetch_progress_finish(). */
void           fetch_progress_watch  (FetchProgress   *progress,
                                      HttplibResponse *response);
/* Draws the last state and ends the line. */
void           fetch_progress_finish (FetchProgress   *progress);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FetchProgress, fetch_progress_free)

G_END_DECLS
