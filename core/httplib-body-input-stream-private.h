/* httplib-body-input-stream-private.h: a response's body as a GInputStream */
#pragma once

#include <gio/gio.h>

#include "httplib-response.h"

G_BEGIN_DECLS

#define HTTPLIB_TYPE_BODY_INPUT_STREAM (httplib_body_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (HttplibBodyInputStream, httplib_body_input_stream,
                      HTTPLIB, BODY_INPUT_STREAM, GInputStream)

GInputStream *httplib_body_input_stream_new (HttplibResponse *response);

G_END_DECLS
