/* httplib-response-private.h: how a connection makes and drives a response */
#pragma once

#include "httplib-response.h"
#include "httplib-connection.h"

G_BEGIN_DECLS

HttplibResponse *httplib_response_new    (HttplibConnection *connection,
                                          const char        *method,
                                          gboolean           strict,
                                          int                debug_level);
/* Reads the status line and headers, skipping interim 1xx responses. */
gboolean         httplib_response_begin  (HttplibResponse   *response,
                                          GCancellable      *cancellable,
                                          GError           **error);
/* The connection closed under the response. */
void             httplib_response_detach (HttplibResponse   *response);

G_END_DECLS
