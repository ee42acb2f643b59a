/* test-transport.c: one transport opened by itself, as the tcp and unix
 * suites do */
#include "test-transport.h"
#include "test-client.h"
#include "test-plugin-async.h"
#include "test-utils.h"

#include <gio/gunixsocketaddress.h>

GIOStream *
test_transport_open (HttplibTransport *transport, HttplibEndpoint *endpoint, gboolean async,
                     GCancellable *cancellable, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!async)
    return httplib_transport_open (transport, endpoint, NULL, cancellable, error);
  httplib_transport_open_async (transport, endpoint, NULL, cancellable, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  return httplib_transport_open_finish (transport, result, error);
}

char *
test_stream_peer (GIOStream *stream)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *ip = NULL;

  ck_assert (G_IS_SOCKET_CONNECTION (stream));
  address = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (stream), NULL);
  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    return g_strdup (g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address)));
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("(none)");
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s %u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

void
test_event_log_init (TestEventLog *log)
{
  log->names = g_string_new (NULL);
  log->peers = g_string_new (NULL);
}

void
test_event_log_clear (TestEventLog *log)
{
  g_string_free (log->names, TRUE);
  g_string_free (log->peers, TRUE);
  log->names = log->peers = NULL;
}

void
test_event_log_on_transport_event (HttplibTransport *transport, HttplibTransportEvent event,
                                   GIOStream *stream, gpointer user_data)
{
  TestEventLog *log = user_data;
  g_autoptr(GEnumClass) klass = g_type_class_ref (HTTPLIB_TYPE_TRANSPORT_EVENT);

  g_string_append_printf (log->names, "%s%s", log->names->len ? " " : "",
                          g_enum_get_value (klass, event)->value_nick);
  if (event == HTTPLIB_TRANSPORT_EVENT_CONNECTING)
    {
      g_autofree char *peer = test_stream_peer (stream);

      g_string_append_printf (log->peers, "%s%s", log->peers->len ? "," : "", peer);
    }
}

void
test_event_log_on_connection_event (HttplibConnection *conn, HttplibTransportEvent event,
                                    GIOStream *stream, gpointer user_data)
{
  test_event_log_on_transport_event (NULL, event, stream, user_data);
}

const TestOpenWay test_open_ways[TEST_N_OPEN_WAYS] = {
  { "blocking, nobody listening", FALSE, FALSE },
  { "blocking, listening", FALSE, TRUE },
  { "async, nobody listening", TRUE, FALSE },
  { "async, listening", TRUE, TRUE },
};

void
test_open_with_listener_on_demand (HttplibTransport *transport, HttplibEndpoint *endpoint,
                                   gboolean async, TestEventLog *log)
{
  GError *error = NULL;

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GIOStream) silent = test_transport_open (transport, endpoint, async, NULL, &error);
      g_autoptr(GIOStream) heard = NULL;
      g_autoptr(GIOStream) silent_again = NULL;
      gulong id;

      httplib_assert_no_error (error);
      id = g_signal_connect (transport, "event", G_CALLBACK (test_event_log_on_transport_event),
                             log);
      heard = test_transport_open (transport, endpoint, async, NULL, &error);
      httplib_assert_no_error (error);
      g_signal_handler_disconnect (transport, id);
      silent_again = test_transport_open (transport, endpoint, async, NULL, &error);
      httplib_assert_no_error (error);
    }
}

void
test_request_with_listener_on_demand (HttplibConnection *conn, TestEventLog *log)
{
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(HttplibResponse) first = NULL;
      g_autoptr(HttplibResponse) second = NULL;
      gulong id;

      first = test_do_request (conn, "GET", "/", NULL, NULL);
      test_assert_body (first, "hello");
      httplib_connection_close (conn);

      id = g_signal_connect (conn, "event", G_CALLBACK (test_event_log_on_connection_event), log);
      second = test_do_request (conn, "GET", "/", NULL, NULL);
      test_assert_body (second, "hello");
      httplib_connection_close (conn);
      g_signal_handler_disconnect (conn, id);
    }
}

GError *
test_transport_open_failing (const char *name, const TestOpenWay *way, HttplibEndpoint *endpoint,
                             GCancellable *cancellable, char **events)
{
  g_autoptr(HttplibTransport) transport = test_new_transport (name);
  g_autoptr(GIOStream) stream = NULL;
  TestEventLog log;
  GError *error = NULL;

  test_event_log_init (&log);
  if (way->listen)
    g_signal_connect (transport, "event", G_CALLBACK (test_event_log_on_transport_event), &log);
  stream = test_transport_open (transport, endpoint, way->async, cancellable, &error);
  ck_assert_msg (stream == NULL, "%s: expected the open to fail", way->description);
  ck_assert_msg (error != NULL, "%s: expected an error", way->description);
  g_signal_handlers_disconnect_by_data (transport, &log);
  *events = g_strdup (log.names->str);
  test_event_log_clear (&log);
  return error;
}
