/* httplib-tls-transport.h: TLS on GnuTLS over the link below */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TLS_TRANSPORT (httplib_tls_transport_get_type ())

G_DECLARE_FINAL_TYPE (HttplibTlsTransport, httplib_tls_transport, HTTPLIB, TLS_TRANSPORT, GObject)

G_END_DECLS
