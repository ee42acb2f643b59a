/* httplib-client-events.h: a transport's GSocketClient events, handed on
 * only while someone listens
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
} HttplibClientEvents;

/* Connects @on_event (user data: @transport) to @client's "event" for as
 * long as @transport lives, unblocked. */
void     httplib_client_events_init   (HttplibClientEvents *events,
                                       GSocketClient       *client,
                                       HttplibTransport    *transport,
                                       GCallback            on_event);
/* Called as an open starts: blocks the handler while nobody listens to
 * @transport's "event" and unblocks it when someone does. Returns
 * events->forwarding. */
gboolean httplib_client_events_follow (HttplibClientEvents *events,
                                       HttplibTransport    *transport);

G_END_DECLS
