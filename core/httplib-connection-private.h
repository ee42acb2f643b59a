/* httplib-connection-private.h: what a response needs of its connection */
#pragma once

#include "httplib-connection.h"
#include "httplib-read-buffer-private.h"

G_BEGIN_DECLS

HttplibReadBuffer *httplib_connection_get_read_buffer (HttplibConnection *connection);
/* NULL once the connection was closed under the response. */
GInputStream      *httplib_connection_get_input       (HttplibConnection *connection);
int                httplib_connection_get_fd          (HttplibConnection *connection);

void httplib_connection_emit_informational (HttplibConnection *connection,
                                            guint              status,
                                            const char        *reason,
                                            HttplibHeaders    *headers);

/* The response read its last byte: keep the connection for the next
 * request, or close it when will_close. */
void httplib_connection_response_complete  (HttplibConnection *connection,
                                            HttplibResponse   *response,
                                            gboolean           will_close);
/* The response failed or was dropped before its end: the stream is in an
 * unknown place, so the connection closes. */
void httplib_connection_response_abandoned (HttplibConnection *connection,
                                            HttplibResponse   *response);

G_END_DECLS
