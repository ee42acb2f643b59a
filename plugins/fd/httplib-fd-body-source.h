/* httplib-fd-body-source.h: a request body read from a file descriptor */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_FD_BODY_SOURCE (httplib_fd_body_source_get_type ())

G_DECLARE_FINAL_TYPE (HttplibFdBodySource, httplib_fd_body_source, HTTPLIB, FD_BODY_SOURCE, GObject)

G_END_DECLS
