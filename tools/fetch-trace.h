/* fetch-trace.h: httplib-fetch's --trace, every state change and network event */
#pragma once

#include <httplib/httplib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct _FetchTrace FetchTrace;

FetchTrace *fetch_trace_new                (FILE              *out);
void        fetch_trace_free               (FetchTrace        *trace);

void        fetch_trace_watch_connection   (FetchTrace        *trace,
                                            HttplibConnection *connection);
/* Call right before httplib_connection_get_response(). */
void        fetch_trace_response_expected  (FetchTrace        *trace);
/* Call right after it, with what it returned (NULL on failure). */
void        fetch_trace_watch_response     (FetchTrace        *trace,
                                            HttplibResponse   *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FetchTrace, fetch_trace_free)

G_END_DECLS
