/* httplib-tls-stream.h: a GnuTLS session over the stream of the link below */
#pragma once

#include <gio/gio.h>
#include <gnutls/gnutls.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_TLS_STREAM (httplib_tls_stream_get_type ())
G_DECLARE_FINAL_TYPE (HttplibTlsStream, httplib_tls_stream, HTTPLIB, TLS_STREAM, GIOStream)

/* Called with the session whenever it can be resumed later: after a TLS 1.2
 * handshake, and for each TLS 1.3 session ticket. */
typedef void (*HttplibTlsSessionFunc) (gnutls_session_t session,
                                       gpointer         user_data);

/* Takes ownership of session, which must be set up for a client. */
HttplibTlsStream *httplib_tls_stream_new              (GIOStream             *base,
                                                       gnutls_session_t       session,
                                                       HttplibTlsSessionFunc  session_func,
                                                       gpointer               user_data,
                                                       GDestroyNotify         destroy);
GIOStream        *httplib_tls_stream_get_base         (HttplibTlsStream      *stream);

/* Runs the handshake. A failed certificate check is
 * HTTPLIB_ERROR_CERTIFICATE (described by the caller: see
 * httplib_tls_stream_verify_failed), others HTTPLIB_ERROR_TLS, and errors
 * of the stream below (timeout, cancellation, reset) pass through. */
gboolean          httplib_tls_stream_handshake        (HttplibTlsStream      *stream,
                                                       GCancellable          *cancellable,
                                                       GError               **error);
/* The same without blocking, on the caller's thread-default main context:
 * GnuTLS reads and writes the stream below without blocking, and the
 * handshake waits on its pollable sources. Cancelling fails it with
 * G_IO_ERROR_CANCELLED. The stream below must be pollable, or the
 * blocking handshake runs in a worker thread. */
void              httplib_tls_stream_handshake_async  (HttplibTlsStream      *stream,
                                                       GCancellable          *cancellable,
                                                       GAsyncReadyCallback    callback,
                                                       gpointer               user_data);
gboolean          httplib_tls_stream_handshake_finish (HttplibTlsStream      *stream,
                                                       GAsyncResult          *result,
                                                       GError               **error);
/* Whether the last handshake failed because the peer's certificate did
 * not verify. */
gboolean          httplib_tls_stream_verify_failed    (HttplibTlsStream      *stream);

/* For the input and output streams. An end of the stream below without
 * TLS's close_notify reads as the end of the stream: HTTP's own framing
 * tells a complete body from a cut one. */
gssize            httplib_tls_stream_read             (HttplibTlsStream      *stream,
                                                       void                  *buffer,
                                                       gsize                  count,
                                                       gboolean               blocking,
                                                       GCancellable          *cancellable,
                                                       GError               **error);
gssize            httplib_tls_stream_write            (HttplibTlsStream      *stream,
                                                       const void            *buffer,
                                                       gsize                  count,
                                                       gboolean               blocking,
                                                       GCancellable          *cancellable,
                                                       GError               **error);
/* Small vectors go out in one TLS record and one write below. */
gboolean          httplib_tls_stream_writev           (HttplibTlsStream      *stream,
                                                       const GOutputVector   *vectors,
                                                       gsize                  n_vectors,
                                                       gsize                 *bytes_written,
                                                       GCancellable          *cancellable,
                                                       GError               **error);
gboolean          httplib_tls_stream_is_readable      (HttplibTlsStream      *stream);
gboolean          httplib_tls_stream_is_writable      (HttplibTlsStream      *stream);
GSource          *httplib_tls_stream_create_source    (HttplibTlsStream      *stream,
                                                       GIOCondition           condition,
                                                       GObject               *pollable,
                                                       GCancellable          *cancellable);

G_END_DECLS
