/* httplib-tls-settings.h: how HTTPS connections verify and present themselves */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <glib-object.h>
#include <httplib/httplib-version.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TLS_SETTINGS (httplib_tls_settings_get_type ())

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HttplibTlsSettings, httplib_tls_settings, HTTPLIB, TLS_SETTINGS, GObject)

HTTPLIB_AVAILABLE_IN_ALL
HttplibTlsSettings *httplib_tls_settings_new                 (void);
HTTPLIB_AVAILABLE_IN_ALL
HttplibTlsSettings *httplib_tls_settings_get_default         (void);

HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_tls_settings_get_ca_file         (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_ca_file         (HttplibTlsSettings  *settings,
                                                              const char          *ca_file);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_tls_settings_get_ca_path         (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_ca_path         (HttplibTlsSettings  *settings,
                                                              const char          *ca_path);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_tls_settings_get_cert_file       (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_tls_settings_get_key_file        (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_client_certificate (HttplibTlsSettings *settings,
                                                              const char          *cert_file,
                                                              const char          *key_file);
HTTPLIB_AVAILABLE_IN_ALL
gboolean            httplib_tls_settings_get_verify          (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_verify          (HttplibTlsSettings  *settings,
                                                              gboolean             verify);
HTTPLIB_AVAILABLE_IN_ALL
gboolean            httplib_tls_settings_get_check_hostname  (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_check_hostname  (HttplibTlsSettings  *settings,
                                                              gboolean             check_hostname);
HTTPLIB_AVAILABLE_IN_ALL
const char         *httplib_tls_settings_get_priority        (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_priority        (HttplibTlsSettings  *settings,
                                                              const char          *priority);
HTTPLIB_AVAILABLE_IN_ALL
const char * const *httplib_tls_settings_get_alpn_protocols  (HttplibTlsSettings  *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_alpn_protocols  (HttplibTlsSettings  *settings,
                                                              const char * const  *protocols);
HTTPLIB_AVAILABLE_IN_ALL
gboolean            httplib_tls_settings_get_session_resumption (HttplibTlsSettings *settings);
HTTPLIB_AVAILABLE_IN_ALL
void                httplib_tls_settings_set_session_resumption (HttplibTlsSettings *settings,
                                                              gboolean             enabled);

G_END_DECLS
