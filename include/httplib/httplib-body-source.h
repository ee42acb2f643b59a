/* httplib-body-source.h: the interface every request body implements */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <httplib/httplib-version.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_BODY_SOURCE (httplib_body_source_get_type ())

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (HttplibBodySource, httplib_body_source, HTTPLIB, BODY_SOURCE, GObject)

/**
 * HttplibBodySourceInterface:
 * @g_iface: the parent interface
 * @get_length: the body's length in bytes, or -1 when it is not known (the
 *   request is then sent with `Transfer-Encoding: chunked`)
 * @write_to: writes the whole body to @stream
 * @get_bytes: optional; the whole body when it is already in memory, so the
 *   connection can send it in the same write as the headers
 * @write_to_async: optional; @write_to without blocking, on the caller's
 *   thread-default main context. Without it the core runs @write_to in a
 *   worker thread.
 * @write_to_finish: finishes @write_to_async
 *
 * The virtual methods of a request body.
 */
struct _HttplibBodySourceInterface {
  GTypeInterface g_iface;

  gint64     (*get_length)     (HttplibBodySource   *source);
  gboolean   (*write_to)       (HttplibBodySource   *source,
                                GOutputStream       *stream,
                                GCancellable        *cancellable,
                                GError             **error);
  GBytes *   (*get_bytes)      (HttplibBodySource   *source);
  void       (*write_to_async) (HttplibBodySource   *source,
                                GOutputStream       *stream,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
  gboolean   (*write_to_finish) (HttplibBodySource  *source,
                                 GAsyncResult       *result,
                                 GError            **error);
};

HTTPLIB_AVAILABLE_IN_ALL
gint64    httplib_body_source_get_length (HttplibBodySource *source);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_body_source_write_to   (HttplibBodySource *source,
                                          GOutputStream     *stream,
                                          GCancellable      *cancellable,
                                          GError           **error);
HTTPLIB_AVAILABLE_IN_ALL
void      httplib_body_source_write_to_async  (HttplibBodySource   *source,
                                               GOutputStream       *stream,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
HTTPLIB_AVAILABLE_IN_ALL
gboolean  httplib_body_source_write_to_finish (HttplibBodySource   *source,
                                               GAsyncResult        *result,
                                               GError             **error);
HTTPLIB_AVAILABLE_IN_ALL
GBytes   *httplib_body_source_get_bytes  (HttplibBodySource *source);

HTTPLIB_AVAILABLE_IN_ALL
HttplibBodySource *httplib_body_source_new_for_bytes  (GBytes     *bytes,
                                                       GError    **error);
HTTPLIB_AVAILABLE_IN_ALL
HttplibBodySource *httplib_body_source_new_for_string (const char *text,
                                                       GError    **error);

HTTPLIB_AVAILABLE_IN_ALL
HttplibBodySource *httplib_body_source_new_for_fd     (int         fd,
                                                       gboolean    close_when_done,
                                                       GError    **error);

G_END_DECLS
