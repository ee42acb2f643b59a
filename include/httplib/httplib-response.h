/* httplib-response.h: one response read from a connection */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <httplib/httplib-version.h>
#include <httplib/httplib-headers.h>

G_BEGIN_DECLS

/**
 * HttplibResponseState:
 * @HTTPLIB_RESPONSE_STATE_HEADERS: the status line and headers are being read
 * @HTTPLIB_RESPONSE_STATE_BODY: the headers are in; the body is being read
 * @HTTPLIB_RESPONSE_STATE_COMPLETE: the whole body (and any trailers) was read
 * @HTTPLIB_RESPONSE_STATE_CLOSED: the response was closed, read or not
 *
 * The states of an [class@Response], in the order it walks them.
 */
typedef enum {
  HTTPLIB_RESPONSE_STATE_HEADERS,
  HTTPLIB_RESPONSE_STATE_BODY,
  HTTPLIB_RESPONSE_STATE_COMPLETE,
  HTTPLIB_RESPONSE_STATE_CLOSED,
} HttplibResponseState;

#define HTTPLIB_TYPE_RESPONSE (httplib_response_get_type ())

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HttplibResponse, httplib_response, HTTPLIB, RESPONSE, GObject)

HTTPLIB_AVAILABLE_IN_ALL
GBytes         *httplib_response_read          (HttplibResponse *response,
                                                gssize           amt,
                                                GCancellable    *cancellable,
                                                GError         **error);
HTTPLIB_AVAILABLE_IN_ALL
gssize          httplib_response_read_into     (HttplibResponse *response,
                                                void            *buffer,
                                                gsize            count,
                                                GCancellable    *cancellable,
                                                GError         **error);
HTTPLIB_AVAILABLE_IN_ALL
GBytes         *httplib_response_get_partial   (HttplibResponse *response);

/* Without blocking, on the caller's thread-default main context. */
HTTPLIB_AVAILABLE_IN_ALL
void            httplib_response_read_async      (HttplibResponse     *response,
                                                  gsize                count,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
HTTPLIB_AVAILABLE_IN_ALL
GBytes         *httplib_response_read_finish     (HttplibResponse     *response,
                                                  GAsyncResult        *result,
                                                  GError             **error);
HTTPLIB_AVAILABLE_IN_ALL
void            httplib_response_read_all_async  (HttplibResponse     *response,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
HTTPLIB_AVAILABLE_IN_ALL
GBytes         *httplib_response_read_all_finish (HttplibResponse     *response,
                                                  GAsyncResult        *result,
                                                  GError             **error);
HTTPLIB_AVAILABLE_IN_ALL
GInputStream   *httplib_response_get_input_stream (HttplibResponse    *response);
HTTPLIB_AVAILABLE_IN_ALL
void            httplib_response_close         (HttplibResponse *response);

HTTPLIB_AVAILABLE_IN_ALL
const char     *httplib_response_get_header    (HttplibResponse *response,
                                                const char      *name,
                                                const char      *default_value);
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders *httplib_response_get_headers   (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders *httplib_response_get_msg       (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders *httplib_response_get_trailers  (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
int             httplib_response_fileno        (HttplibResponse *response);

HTTPLIB_AVAILABLE_IN_ALL
guint           httplib_response_get_status    (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
const char     *httplib_response_get_reason    (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
guint           httplib_response_get_version   (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
gint64          httplib_response_get_length    (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
gboolean        httplib_response_get_will_close (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
gboolean        httplib_response_get_chunked   (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
HttplibResponseState httplib_response_get_state (HttplibResponse *response);
HTTPLIB_AVAILABLE_IN_ALL
gboolean        httplib_response_is_closed     (HttplibResponse *response);

G_END_DECLS
