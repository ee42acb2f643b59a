/* httplib-unix-transport.h: HTTP over a Unix domain socket, on GSocketClient */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_UNIX_TRANSPORT (httplib_unix_transport_get_type ())

G_DECLARE_FINAL_TYPE (HttplibUnixTransport, httplib_unix_transport, HTTPLIB, UNIX_TRANSPORT, GObject)

G_END_DECLS
