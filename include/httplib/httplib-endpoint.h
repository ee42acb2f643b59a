/* httplib-endpoint.h: where a transport connects, and how */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <glib-object.h>
#include <httplib/httplib-version.h>
#include <httplib/httplib-headers.h>
#include <httplib/httplib-tls-settings.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_ENDPOINT (httplib_endpoint_get_type ())

typedef struct _HttplibEndpoint HttplibEndpoint;

HTTPLIB_AVAILABLE_IN_ALL
GType            httplib_endpoint_get_type           (void) G_GNUC_CONST;
HTTPLIB_AVAILABLE_IN_ALL
HttplibEndpoint *httplib_endpoint_new                (const char      *host,
                                                      guint16          port);
HTTPLIB_AVAILABLE_IN_ALL
HttplibEndpoint *httplib_endpoint_ref                (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_unref              (HttplibEndpoint *endpoint);

HTTPLIB_AVAILABLE_IN_ALL
const char      *httplib_endpoint_get_host           (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
guint16          httplib_endpoint_get_port           (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
double           httplib_endpoint_get_timeout        (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_set_timeout        (HttplibEndpoint *endpoint,
                                                      double           timeout);
HTTPLIB_AVAILABLE_IN_ALL
const char      *httplib_endpoint_get_source_address (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_set_source_address (HttplibEndpoint *endpoint,
                                                      const char      *address);
HTTPLIB_AVAILABLE_IN_ALL
const char      *httplib_endpoint_get_socket_path    (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_set_socket_path    (HttplibEndpoint *endpoint,
                                                      const char      *path);
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders  *httplib_endpoint_get_headers        (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_set_headers        (HttplibEndpoint *endpoint,
                                                      HttplibHeaders  *headers);

HTTPLIB_AVAILABLE_IN_ALL
HttplibTlsSettings *httplib_endpoint_get_tls_settings (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_set_tls_settings   (HttplibEndpoint    *endpoint,
                                                      HttplibTlsSettings *settings);
HTTPLIB_AVAILABLE_IN_ALL
int              httplib_endpoint_get_debug_level    (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_set_debug_level    (HttplibEndpoint *endpoint,
                                                      int              level);
HTTPLIB_AVAILABLE_IN_ALL
void             httplib_endpoint_set_reply          (HttplibEndpoint *endpoint,
                                                      guint            status,
                                                      const char      *reason,
                                                      HttplibHeaders  *headers);
HTTPLIB_AVAILABLE_IN_ALL
guint            httplib_endpoint_get_reply_status   (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
const char      *httplib_endpoint_get_reply_reason   (HttplibEndpoint *endpoint);
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders  *httplib_endpoint_get_reply_headers  (HttplibEndpoint *endpoint);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibEndpoint, httplib_endpoint_unref)

G_END_DECLS
