/* httplib-tls-input-stream.h: the reading half of an HttplibTlsStream */
#pragma once

#include "httplib-tls-stream.h"

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TLS_INPUT_STREAM (httplib_tls_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (HttplibTlsInputStream, httplib_tls_input_stream, HTTPLIB, TLS_INPUT_STREAM,
                      GInputStream)

GInputStream *httplib_tls_input_stream_new    (HttplibTlsStream      *tls);
/* The TLS stream is going away: reads fail with G_IO_ERROR_CLOSED. */
void          httplib_tls_input_stream_detach (HttplibTlsInputStream *stream);

G_END_DECLS
