/* httplib-replay-transport.h: a transport that answers from a script, for tests */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <httplib/httplib-version.h>
#include <httplib/httplib-headers.h>
#include <httplib/httplib-transport.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_REPLAY_TRANSPORT (httplib_replay_transport_get_type ())

HTTPLIB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HttplibReplayTransport, httplib_replay_transport, HTTPLIB,
                      REPLAY_TRANSPORT, GObject)

HTTPLIB_AVAILABLE_IN_ALL
HttplibReplayTransport *httplib_replay_transport_new                 (void);

HTTPLIB_AVAILABLE_IN_ALL
void                    httplib_replay_transport_add_response        (HttplibReplayTransport *transport,
                                                                      GBytes                 *raw);
HTTPLIB_AVAILABLE_IN_ALL
void                    httplib_replay_transport_add_simple_response (HttplibReplayTransport *transport,
                                                                      guint                   status,
                                                                      HttplibHeaders         *headers,
                                                                      GBytes                 *body);
HTTPLIB_AVAILABLE_IN_ALL
void                    httplib_replay_transport_add_close           (HttplibReplayTransport *transport);
HTTPLIB_AVAILABLE_IN_ALL
guint                   httplib_replay_transport_get_n_pending       (HttplibReplayTransport *transport);

HTTPLIB_AVAILABLE_IN_ALL
guint                   httplib_replay_transport_get_n_requests      (HttplibReplayTransport *transport);
HTTPLIB_AVAILABLE_IN_ALL
GBytes                 *httplib_replay_transport_get_request         (HttplibReplayTransport *transport,
                                                                      guint                   index);
HTTPLIB_AVAILABLE_IN_ALL
GPtrArray              *httplib_replay_transport_get_requests        (HttplibReplayTransport *transport);
HTTPLIB_AVAILABLE_IN_ALL
guint                   httplib_replay_transport_get_n_connections   (HttplibReplayTransport *transport);

G_END_DECLS
