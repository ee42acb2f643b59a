/* httplib-transport.h: the interface every transport plugin implements */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <httplib/httplib-version.h>
#include <httplib/httplib-endpoint.h>

G_BEGIN_DECLS

/**
 * HttplibTransportEvent:
 * @HTTPLIB_TRANSPORT_EVENT_RESOLVING: looking the host name up
 * @HTTPLIB_TRANSPORT_EVENT_RESOLVED: the host name was resolved
 * @HTTPLIB_TRANSPORT_EVENT_CONNECTING: connecting to an address
 * @HTTPLIB_TRANSPORT_EVENT_CONNECTED: the connection to an address is open
 * @HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATING: talking to a proxy
 * @HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATED: the proxy opened the way
 * @HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKING: the TLS handshake started
 * @HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKED: the TLS handshake is done
 * @HTTPLIB_TRANSPORT_EVENT_COMPLETE: this link of the chain is ready
 *
 * What a transport is doing, reported through [signal@Transport::event]
 * and passed on by [signal@Connection::event].
 */
typedef enum {
  HTTPLIB_TRANSPORT_EVENT_RESOLVING,
  HTTPLIB_TRANSPORT_EVENT_RESOLVED,
  HTTPLIB_TRANSPORT_EVENT_CONNECTING,
  HTTPLIB_TRANSPORT_EVENT_CONNECTED,
  HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATING,
  HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATED,
  HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKING,
  HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKED,
  HTTPLIB_TRANSPORT_EVENT_COMPLETE,
} HttplibTransportEvent;

#define HTTPLIB_TYPE_TRANSPORT (httplib_transport_get_type ())

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (HttplibTransport, httplib_transport, HTTPLIB, TRANSPORT, GObject)

/**
 * HttplibTransportInterface:
 * @g_iface: the parent interface
 * @open: opens a duplex byte stream to @endpoint. @base is the stream of the
 *   link below in the chain, or %NULL when this transport is the first link
 *   and makes its own connection. Returns a new reference; the returned
 *   stream may be @base itself. Honours the cancellable and the endpoint's
 *   timeout; on failure returns %NULL with an error (GIO's own errors pass
 *   through unchanged) and closes what it opened, but not @base.
 * @open_async: the same without blocking, on the thread-default main
 *   context of the caller, where its callback and every source it attaches
 *   run. Optional: without it the core runs @open in a worker thread.
 * @open_finish: finishes @open_async.
 *
 * The virtual methods of a transport. The contract in full, with an
 * example built outside the library, is in
 * [Writing a transport](writing-a-transport.html).
 */
struct _HttplibTransportInterface {
  GTypeInterface g_iface;

  GIOStream * (*open)        (HttplibTransport    *transport,
                              HttplibEndpoint     *endpoint,
                              GIOStream           *base,
                              GCancellable        *cancellable,
                              GError             **error);
  void        (*open_async)  (HttplibTransport    *transport,
                              HttplibEndpoint     *endpoint,
                              GIOStream           *base,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
  GIOStream * (*open_finish) (HttplibTransport    *transport,
                              GAsyncResult        *result,
                              GError             **error);
};

HTTPLIB_AVAILABLE_IN_ALL
GIOStream *httplib_transport_open         (HttplibTransport      *transport,
                                           HttplibEndpoint       *endpoint,
                                           GIOStream             *base,
                                           GCancellable          *cancellable,
                                           GError               **error);
HTTPLIB_AVAILABLE_IN_ALL
void       httplib_transport_open_async   (HttplibTransport      *transport,
                                           HttplibEndpoint       *endpoint,
                                           GIOStream             *base,
                                           GCancellable          *cancellable,
                                           GAsyncReadyCallback    callback,
                                           gpointer               user_data);
HTTPLIB_AVAILABLE_IN_ALL
GIOStream *httplib_transport_open_finish  (HttplibTransport      *transport,
                                           GAsyncResult          *result,
                                           GError               **error);
HTTPLIB_AVAILABLE_IN_ALL
void       httplib_transport_report_event (HttplibTransport      *transport,
                                           HttplibTransportEvent  event,
                                           GIOStream             *stream);
HTTPLIB_AVAILABLE_IN_ALL
GSocket   *httplib_transport_get_socket   (GIOStream             *stream);

/* For transports that speak HTTP themselves (a CONNECT tunnel). */
HTTPLIB_AVAILABLE_IN_ALL
gboolean   httplib_transport_send_request_head  (GOutputStream         *output,
                                                 const char            *method,
                                                 const char            *target,
                                                 HttplibHeaders        *headers,
                                                 int                    debug_level,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
HTTPLIB_AVAILABLE_IN_ALL
gboolean   httplib_transport_read_response_head (GInputStream          *input,
                                                 int                    debug_level,
                                                 guint                 *status,
                                                 char                 **reason,
                                                 HttplibHeaders       **headers,
                                                 GBytes               **rest,
                                                 GCancellable          *cancellable,
                                                 GError               **error);
HTTPLIB_AVAILABLE_IN_ALL
void       httplib_transport_send_request_head_async   (GOutputStream        *output,
                                                        const char           *method,
                                                        const char           *target,
                                                        HttplibHeaders       *headers,
                                                        int                   debug_level,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
HTTPLIB_AVAILABLE_IN_ALL
gboolean   httplib_transport_send_request_head_finish  (GOutputStream        *output,
                                                        GAsyncResult         *result,
                                                        GError              **error);
HTTPLIB_AVAILABLE_IN_ALL
void       httplib_transport_read_response_head_async  (GInputStream         *input,
                                                        int                   debug_level,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
HTTPLIB_AVAILABLE_IN_ALL
gboolean   httplib_transport_read_response_head_finish (GInputStream         *input,
                                                        GAsyncResult         *result,
                                                        guint                *status,
                                                        char                **reason,
                                                        HttplibHeaders      **headers,
                                                        GBytes              **rest,
                                                        GError              **error);

G_END_DECLS
