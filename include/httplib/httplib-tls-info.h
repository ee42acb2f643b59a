/* httplib-tls-info.h: what a TLS handshake negotiated */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <httplib/httplib-version.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TLS_INFO (httplib_tls_info_get_type ())

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HttplibTlsInfo, httplib_tls_info, HTTPLIB, TLS_INFO, GObject)

HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_tls_info_get_protocol_version  (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_tls_info_get_cipher_suite      (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_tls_info_get_alpn_protocol     (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_tls_info_get_server_name       (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
gboolean    httplib_tls_info_get_session_resumed   (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
gboolean    httplib_tls_info_get_verified          (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
GBytes     *httplib_tls_info_get_peer_certificate  (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
char       *httplib_tls_info_get_peer_certificate_pem (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_tls_info_get_peer_subject      (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
const char *httplib_tls_info_get_peer_issuer       (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
GDateTime  *httplib_tls_info_get_peer_not_before   (HttplibTlsInfo *info);
HTTPLIB_AVAILABLE_IN_ALL
GDateTime  *httplib_tls_info_get_peer_not_after    (HttplibTlsInfo *info);

/* For TLS transports: hang the info on the stream they return. */
HTTPLIB_AVAILABLE_IN_ALL
void            httplib_tls_info_attach            (HttplibTlsInfo *info,
                                                    GIOStream      *stream);
HTTPLIB_AVAILABLE_IN_ALL
HttplibTlsInfo *httplib_tls_info_get_for_stream    (GIOStream      *stream);

G_END_DECLS
