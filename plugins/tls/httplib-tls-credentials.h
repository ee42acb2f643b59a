/* httplib-tls-credentials.h: GnuTLS credentials loaded once per settings object */
#pragma once

#include <httplib/httplib.h>
#include <gnutls/gnutls.h>

G_BEGIN_DECLS

typedef struct {
  gnutls_certificate_credentials_t  certificates;
  gnutls_priority_t                 priority;
  gnutls_datum_t                   *alpn;          /* points into alpn_names */
  guint                             n_alpn;
  GStrv                             alpn_names;
  gboolean                          verify;
  gboolean                          check_hostname;
  gboolean                          session_resumption;
} HttplibTlsCredentials;

/* The credentials @settings describe, loaded on first use and kept with
 * @settings until one of its properties changes. HTTPLIB_ERROR_TLS names
 * the file or priority string that could not be loaded. */
HttplibTlsCredentials *httplib_tls_credentials_get   (HttplibTlsSettings     *settings,
                                                      GError                **error);
HttplibTlsCredentials *httplib_tls_credentials_ref   (HttplibTlsCredentials  *credentials);
void                   httplib_tls_credentials_unref (HttplibTlsCredentials  *credentials);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibTlsCredentials, httplib_tls_credentials_unref)

G_END_DECLS
