/* httplib-connection.h: one HTTP/1.1 connection to one server */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <httplib/httplib-version.h>
#include <httplib/httplib-headers.h>
#include <httplib/httplib-body-source.h>
#include <httplib/httplib-response.h>
#include <httplib/httplib-transport.h>
#include <httplib/httplib-tls-settings.h>
#include <httplib/httplib-tls-info.h>

G_BEGIN_DECLS

/**
 * HTTPLIB_HTTP_PORT:
 *
 * The default port of HTTP (Python's `HTTP_PORT`).
 */
#define HTTPLIB_HTTP_PORT 80

/**
 * HTTPLIB_HTTPS_PORT:
 *
 * The default port of HTTPS (Python's `HTTPS_PORT`).
 */
#define HTTPLIB_HTTPS_PORT 443

/**
 * HttplibConnectionState:
 * @HTTPLIB_CONNECTION_STATE_DISCONNECTED: never connected
 * @HTTPLIB_CONNECTION_STATE_CONNECTING: the transport chain is being opened
 * @HTTPLIB_CONNECTION_STATE_IDLE: connected, ready for a request
 * @HTTPLIB_CONNECTION_STATE_REQUEST_STARTED: a request line was put; headers
 *   may be added
 * @HTTPLIB_CONNECTION_STATE_REQUEST_SENT: the headers were sent; a body may
 *   follow with httplib_connection_send()
 * @HTTPLIB_CONNECTION_STATE_RESPONSE_ACTIVE: a response is being read
 * @HTTPLIB_CONNECTION_STATE_CLOSED: the connection was closed; the next
 *   request opens it again
 *
 * The states of an [class@Connection].
 */
typedef enum {
  HTTPLIB_CONNECTION_STATE_DISCONNECTED,
  HTTPLIB_CONNECTION_STATE_CONNECTING,
  HTTPLIB_CONNECTION_STATE_IDLE,
  HTTPLIB_CONNECTION_STATE_REQUEST_STARTED,
  HTTPLIB_CONNECTION_STATE_REQUEST_SENT,
  HTTPLIB_CONNECTION_STATE_RESPONSE_ACTIVE,
  HTTPLIB_CONNECTION_STATE_CLOSED,
} HttplibConnectionState;

#define HTTPLIB_TYPE_CONNECTION (httplib_connection_get_type ())

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HttplibConnection, httplib_connection, HTTPLIB, CONNECTION, GObject)

HTTPLIB_AVAILABLE_IN_ALL
HttplibConnection *httplib_connection_new            (const char         *host,
                                                      guint               port,
                                                      GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
HttplibConnection *httplib_connection_new_https      (const char         *host,
                                                      guint               port,
                                                      HttplibTlsSettings *settings,
                                                      GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
HttplibConnection *httplib_connection_new_unix       (const char         *socket_path,
                                                      const char         *authority,
                                                      GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_connection_get_socket_path       (HttplibConnection  *connection);

HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_connect        (HttplibConnection  *connection,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_open           (HttplibConnection  *connection,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_close          (HttplibConnection  *connection);

HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_request        (HttplibConnection  *connection,
                                             const char         *method,
                                             const char         *url,
                                             HttplibBodySource  *body,
                                             HttplibHeaders     *headers,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_request_bytes  (HttplibConnection  *connection,
                                             const char         *method,
                                             const char         *url,
                                             GBytes             *body,
                                             HttplibHeaders     *headers,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_request_string (HttplibConnection  *connection,
                                             const char         *method,
                                             const char         *url,
                                             const char         *body,
                                             HttplibHeaders     *headers,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
HttplibResponse *httplib_connection_get_response (HttplibConnection *connection,
                                                  GCancellable      *cancellable,
                                                  GError           **error);

/* Without blocking, on the caller's thread-default main context. */
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_connect_async  (HttplibConnection   *connection,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_connect_finish (HttplibConnection   *connection,
                                             GAsyncResult        *result,
                                             GError             **error);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_request_async  (HttplibConnection   *connection,
                                             const char          *method,
                                             const char          *url,
                                             HttplibBodySource   *body,
                                             HttplibHeaders      *headers,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_request_finish (HttplibConnection   *connection,
                                             GAsyncResult        *result,
                                             GError             **error);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_get_response_async (HttplibConnection   *connection,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
HTTPLIB_AVAILABLE_IN_ALL
HttplibResponse *httplib_connection_get_response_finish (HttplibConnection  *connection,
                                                         GAsyncResult       *result,
                                                         GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_close_async    (HttplibConnection   *connection,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_close_finish   (HttplibConnection   *connection,
                                             GAsyncResult        *result,
                                             GError             **error);

HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_put_request    (HttplibConnection  *connection,
                                             const char         *method,
                                             const char         *url,
                                             gboolean            skip_host,
                                             gboolean            skip_accept_encoding,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_put_header     (HttplibConnection  *connection,
                                             const char         *header,
                                             const char         *value,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_put_headerv    (HttplibConnection  *connection,
                                             const char         *header,
                                             const char * const *values,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_end_headers    (HttplibConnection  *connection,
                                             GBytes             *message_body,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_send           (HttplibConnection  *connection,
                                             const void         *data,
                                             gsize               length,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_send_bytes     (HttplibConnection  *connection,
                                             GBytes             *data,
                                             GCancellable       *cancellable,
                                             GError            **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_send_body      (HttplibConnection  *connection,
                                             HttplibBodySource  *body,
                                             gboolean            encode_chunked,
                                             GCancellable       *cancellable,
                                             GError            **error);

HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_set_debug_level (HttplibConnection *connection,
                                              int                level);
HTTPLIB_AVAILABLE_IN_ALL
int       httplib_connection_get_debug_level (HttplibConnection *connection);

HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_connection_get_host      (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
guint     httplib_connection_get_port        (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_get_strict      (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_set_strict      (HttplibConnection *connection,
                                              gboolean           strict);
HTTPLIB_AVAILABLE_IN_ALL
double    httplib_connection_get_timeout     (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_set_timeout     (HttplibConnection *connection,
                                              double             timeout,
                                              GError           **error);
HTTPLIB_AVAILABLE_IN_ALL
double    httplib_connection_get_continue_timeout (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_connection_set_continue_timeout (HttplibConnection *connection,
                                                   double             timeout,
                                                   GError           **error);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_connection_get_source_address (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_set_source_address (HttplibConnection *connection,
                                                 const char        *address);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_connection_get_transport (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_set_transport   (HttplibConnection *connection,
                                              const char        *name);
HTTPLIB_AVAILABLE_IN_ALL
HttplibTransport *httplib_connection_get_transport_instance (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_connection_set_transport_instance (HttplibConnection *connection,
                                                     HttplibTransport  *transport);
HTTPLIB_AVAILABLE_IN_ALL
HttplibConnectionState httplib_connection_get_state (HttplibConnection *connection);

HTTPLIB_AVAILABLE_IN_ALL
gboolean        httplib_connection_set_tunnel       (HttplibConnection *connection,
                                                     const char        *host,
                                                     guint              port,
                                                     HttplibHeaders    *headers,
                                                     GError           **error);
HTTPLIB_AVAILABLE_IN_ALL
const char     *httplib_connection_get_tunnel_host  (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
guint           httplib_connection_get_tunnel_port  (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
guint           httplib_connection_get_proxy_status (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
const char     *httplib_connection_get_proxy_reason (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders *httplib_connection_get_proxy_response_headers (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
char           *httplib_tunnel_basic_auth_header    (const char        *user,
                                                     const char        *password,
                                                     GError           **error);

HTTPLIB_AVAILABLE_IN_ALL
HttplibTlsSettings *httplib_connection_get_tls_settings (HttplibConnection *connection);
HTTPLIB_AVAILABLE_IN_ALL
HttplibTlsInfo     *httplib_connection_get_tls_info     (HttplibConnection *connection);

G_END_DECLS
