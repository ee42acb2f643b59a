/* httplib-client-events.c: a transport's GSocketClient events, handed on
 * only while someone listens
 *
 * GSocketClient emits its "event" five times per connect. With the
 * transport's handler blocked, each emission stops at GLib's fast path
 * instead of marshalling to a handler that would emit again to nobody:
 * most of a plain connect's cost when nothing watches it.
 */
#include "httplib-client-events.h"

static guint
event_signal (void)
{
  static gsize id;

  if (g_once_init_enter (&id))
    g_once_init_leave (&id, g_signal_lookup ("event", HTTPLIB_TYPE_TRANSPORT));
  return (guint) id;
}

void
httplib_client_events_init (HttplibClientEvents *events,
                            GSocketClient       *client,
                            HttplibTransport    *transport,
                            GCallback            on_event)
{
  events->client = client;
  events->handler = g_signal_connect_object (client, "event", on_event, transport, 0);
  events->forwarding = TRUE;
}

gboolean
httplib_client_events_follow (HttplibClientEvents *events,
                              HttplibTransport    *transport)
{
  gboolean listening = g_signal_has_handler_pending (transport, event_signal (), 0, FALSE);

  if (listening != events->forwarding)
    {
      if (listening)
        g_signal_handler_unblock (events->client, events->handler);
      else
        g_signal_handler_block (events->client, events->handler);
      events->forwarding = listening;
    }
  return listening;
}
