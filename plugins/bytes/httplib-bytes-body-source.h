/* httplib-bytes-body-source.h: a request body held in memory */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_BYTES_BODY_SOURCE (httplib_bytes_body_source_get_type ())

G_DECLARE_FINAL_TYPE (HttplibBytesBodySource, httplib_bytes_body_source, HTTPLIB, BYTES_BODY_SOURCE, GObject)

G_END_DECLS
