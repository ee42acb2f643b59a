/* httplib-socket-client.h: what the tcp and unix transports do alike with
 * their GSocketClient: hand its events on only while someone listens, and
 * connect asynchronously within the endpoint's timeout
 *
 * Compiled into each plugin that needs it (tcp, unix); nothing here is
 * exported.
 */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

typedef struct {
  GSocketClient *client;      /* the transport's, not owned */
  gulong         handler;     /* its "event" to the transport's handler */
  gboolean       forwarding;  /* handler unblocked: someone listened as this open began */
} HttplibSocketClient;

/* The transport's last step on a new connection; returns the stream it
 * hands out, which takes over @connection. */
typedef GIOStream *(*HttplibConnectedFunc) (HttplibTransport  *transport,
                                            GSocketConnection *connection);
/* Rewords the error of a failed connect. */
typedef void       (*HttplibConnectErrorFunc) (HttplibTransport  *transport,
                                               GError           **error);

/* Connects @on_event (user data: @transport) to @client's "event" for as
 * long as @transport lives, unblocked. */
void       httplib_socket_client_init   (HttplibSocketClient *client,
                                         GSocketClient       *socket_client,
                                         HttplibTransport    *transport,
                                         GCallback            on_event);
/* Called as an open starts: blocks the handler while nobody listens to
 * @transport's "event" and unblocks it when someone does. Returns
 * client->forwarding. */
gboolean   httplib_socket_client_follow (HttplibSocketClient *client,
                                         HttplibTransport    *transport);
/* Reports the COMPLETE event when this open forwards events; returns
 * @connection as a stream. */
GIOStream *httplib_socket_client_complete (HttplibSocketClient *client,
                                           HttplibTransport    *transport,
                                           GSocketConnection   *connection);
/* g_socket_client_connect_async() to @address, bounded by @timeout
 * seconds (0 or less: none) from now; @task, whose source object is the
 * transport, gets what @connected makes of the connection, or the error:
 * a timeout worded "@what timed out after N s", then passed to
 * @reword_error when given. @what is taken over. */
void       httplib_socket_client_connect_async (HttplibSocketClient     *client,
                                                GSocketConnectable      *address,
                                                double                   timeout,
                                                char                    *what,
                                                GTask                   *task,
                                                HttplibConnectedFunc     connected,
                                                HttplibConnectErrorFunc  reword_error);

G_END_DECLS
