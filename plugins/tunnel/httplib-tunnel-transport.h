/* httplib-tunnel-transport.h: HTTP CONNECT through the proxy below */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TUNNEL_TRANSPORT (httplib_tunnel_transport_get_type ())

G_DECLARE_FINAL_TYPE (HttplibTunnelTransport, httplib_tunnel_transport, HTTPLIB, TUNNEL_TRANSPORT,
                      GObject)

G_END_DECLS
