/* httplib-tcp-transport.h: plain TCP on GSocketClient */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TCP_TRANSPORT (httplib_tcp_transport_get_type ())

G_DECLARE_FINAL_TYPE (HttplibTcpTransport, httplib_tcp_transport, HTTPLIB, TCP_TRANSPORT, GObject)

G_END_DECLS
