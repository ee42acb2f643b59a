/* httplib-tls-output-stream.h: the writing half of an HttplibTlsStream */
#pragma once

#include "httplib-tls-stream.h"

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TLS_OUTPUT_STREAM (httplib_tls_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (HttplibTlsOutputStream, httplib_tls_output_stream, HTTPLIB,
                      TLS_OUTPUT_STREAM, GOutputStream)

GOutputStream *httplib_tls_output_stream_new    (HttplibTlsStream       *tls);
/* The TLS stream is going away: writes fail with G_IO_ERROR_CLOSED. */
void           httplib_tls_output_stream_detach (HttplibTlsOutputStream *stream);

G_END_DECLS
