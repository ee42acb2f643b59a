/* httplib-socket-client.c: what the tcp and unix transports do alike with
 * their GSocketClient
 *
 * GSocketClient emits its "event" five times per connect. With the
 * transport's handler blocked, each emission stops at GLib's fast path
 * instead of marshalling to a handler that would emit again to nobody:
 * most of a plain connect's cost when nothing watches it.
 */
#include "httplib-socket-client.h"
#include "httplib-deadline.h"

static guint
event_signal (void)
{
  static gsize id;

  if (g_once_init_enter (&id))
    g_once_init_leave (&id, g_signal_lookup ("event", HTTPLIB_TYPE_TRANSPORT));
  return (guint) id;
}

void
httplib_socket_client_init (HttplibSocketClient *client,
                            GSocketClient       *socket_client,
                            HttplibTransport    *transport,
                            GCallback            on_event)
{
  client->client = socket_client;
  client->handler = g_signal_connect_object (socket_client, "event", on_event, transport, 0);
  client->forwarding = TRUE;
}

gboolean
httplib_socket_client_follow (HttplibSocketClient *client,
                              HttplibTransport    *transport)
{
  gboolean listening = g_signal_has_handler_pending (transport, event_signal (), 0, FALSE);

  if (listening != client->forwarding)
    {
      if (listening)
        g_signal_handler_unblock (client->client, client->handler);
      else
        g_signal_handler_block (client->client, client->handler);
      client->forwarding = listening;
    }
  return listening;
}

GIOStream *
httplib_socket_client_complete (HttplibSocketClient *client,
                                HttplibTransport    *transport,
                                GSocketConnection   *connection)
{
  if (client->forwarding)
    httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE,
                                    G_IO_STREAM (connection));
  return G_IO_STREAM (connection);
}

typedef struct {
  HttplibDeadline         *deadline;
  char                    *what;
  HttplibConnectedFunc     connected;
  HttplibConnectErrorFunc  reword_error;
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  g_clear_pointer (&data->deadline, httplib_deadline_free);
  g_free (data->what);
  g_free (data);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  HttplibTransport *transport = g_task_get_source_object (task);
  GError *error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      httplib_deadline_check (data->deadline, &error, data->what);
      if (data->reword_error != NULL)
        data->reword_error (transport, &error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, data->connected (transport, connection), g_object_unref);
}

void
httplib_socket_client_connect_async (HttplibSocketClient     *client,
                                     GSocketConnectable      *address,
                                     double                   timeout,
                                     char                    *what,
                                     GTask                   *task,
                                     HttplibConnectedFunc     connected,
                                     HttplibConnectErrorFunc  reword_error)
{
  ConnectData *data = g_new0 (ConnectData, 1);

  data->deadline = httplib_deadline_new (timeout, g_task_get_cancellable (task),
                                         g_task_get_context (task));
  data->what = what;
  data->connected = connected;
  data->reword_error = reword_error;
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);
  g_socket_client_connect_async (client->client, address,
                                 httplib_deadline_get_cancellable (data->deadline),
                                 on_connected, task);
}
