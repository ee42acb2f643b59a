/* httplib-tls-certificate.h: what a session's peer certificate says, in words */
#pragma once

#include <httplib/httplib.h>
#include <gnutls/gnutls.h>

G_BEGIN_DECLS

/* The outcome of a completed handshake, for httplib_tls_info_attach(). */
HttplibTlsInfo *httplib_tls_info_new_for_session      (gnutls_session_t  session,
                                                       const char       *server_name,
                                                       gboolean          verified);
/* Why the peer's certificate failed verification for host, in a sentence
 * naming the certificate and each failed check. */
char           *httplib_tls_describe_verify_failure   (gnutls_session_t  session,
                                                       const char       *host);

G_END_DECLS
