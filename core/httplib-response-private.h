/* httplib-response-private.h: how a connection makes and drives a response */
#pragma once

#include "httplib-response.h"
#include "httplib-connection.h"
#include "httplib-parser-private.h"

G_BEGIN_DECLS

HttplibResponse *httplib_response_new    (HttplibConnection *connection,
                                          const char        *method,
                                          gboolean           strict,
                                          int                debug_level);
/* Reads the status line and headers, skipping interim 1xx responses;
 * final_head, when given, is a head read early and is taken over. */
gboolean         httplib_response_begin  (HttplibResponse   *response,
                                          HttplibHeadParser *final_head,
                                          GCancellable      *cancellable,
                                          GError           **error);
/* Reads heads up to the final one (see httplib_response_begin()). Without
 * blocking it may fail with G_IO_ERROR_WOULD_BLOCK: call it again once the
 * input is readable (or the buffer was filled); nothing is lost. */
gboolean         httplib_response_begin_step (HttplibResponse *response,
                                              gboolean         blocking,
                                              GCancellable    *cancellable,
                                              GError         **error);
/* One read of body bytes: > 0, 0 at the end, -1 on error; without
 * blocking G_IO_ERROR_WOULD_BLOCK as above. */
gssize           httplib_response_read_body  (HttplibResponse *response,
                                              void            *dest,
                                              gsize            count,
                                              gboolean         blocking,
                                              GCancellable    *cancellable,
                                              GError         **error);

/* For Expect: 100-continue, before the body is sent: reads interim heads
 * up to a 100 (TRUE, *final_head NULL: send the body) or up to a final
 * head (TRUE, *final_head set: skip the body and pass it to begin()). */
gboolean         httplib_response_await_continue (HttplibConnection  *connection,
                                                  gboolean            strict,
                                                  int                 debug_level,
                                                  HttplibHeadParser **final_head,
                                                  GCancellable       *cancellable,
                                                  GError            **error);
/* The connection closed under the response. */
void             httplib_response_detach (HttplibResponse   *response);

G_END_DECLS
