/* fetch-trace.c: httplib-fetch's --trace
 *
 * One line per connection state change, network event and response state
 * change, each with the milliseconds since the trace began:
 *
 *   [    0.412 ms] connection  disconnected -> connecting
 *   [    0.530 ms] event       connecting 127.0.0.1:8080
 *   [    1.900 ms] response    headers -> body
 *
 * A response only exists for the caller once httplib_connection_get_response()
 * returned, and by then it has left the headers state (and, for an empty
 * body, finished). Those first steps are written when the response comes
 * back, before any connection line that followed them, so the order of the
 * lines is the order things happened; their time is the earliest moment the
 * tool could know of them.
 */
#include "fetch-trace.h"

typedef struct {
  gint64  when;
  char   *text;
} PendingLine;

struct _FetchTrace {
  FILE                 *out;
  gint64                start;
  HttplibConnection    *connection;  /* not owned */
  gulong                state_handler, event_handler;
  /* Between response-active and the return of get_response(). */
  gboolean              awaiting_response;
  gboolean              response_active;
  GArray               *pending;     /* of PendingLine */
};

static const char *
nick (GType type,
      int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  return v != NULL ? v->value_nick : "unknown";
}

static void
write_line (FetchTrace *trace,
            gint64      when,
            const char *text)
{
  fprintf (trace->out, "[%9.3f ms] %s\n", (when - trace->start) / 1000.0, text);
  fflush (trace->out);
}

static void
add_line (FetchTrace *trace,
          const char *text)
{
  gint64 now = g_get_monotonic_time ();

  if (trace->awaiting_response && trace->response_active)
    {
      PendingLine line = { now, g_strdup (text) };

      g_array_append_val (trace->pending, line);
      return;
    }
  write_line (trace, now, text);
}

static void
clear_pending_line (gpointer data)
{
  g_free (((PendingLine *) data)->text);
}

static void
on_connection_state (HttplibConnection      *connection,
                     HttplibConnectionState  old_state,
                     HttplibConnectionState  new_state,
                     gpointer                user_data)
{
  FetchTrace *trace = user_data;
  g_autofree char *text = g_strdup_printf ("connection  %s -> %s",
                                           nick (HTTPLIB_TYPE_CONNECTION_STATE, old_state),
                                           nick (HTTPLIB_TYPE_CONNECTION_STATE, new_state));

  add_line (trace, text);
  if (new_state == HTTPLIB_CONNECTION_STATE_RESPONSE_ACTIVE && trace->awaiting_response)
    trace->response_active = TRUE;
}

/* The peer's address, for the events that carry a socket. */
static char *
describe_stream (GIOStream *stream)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *ip = NULL;

  if (!G_IS_SOCKET_CONNECTION (stream))
    return NULL;
  address = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (stream), NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  if (g_inet_address_get_family (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)))
      == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static void
on_event (HttplibConnection     *connection,
          HttplibTransportEvent  event,
          GIOStream             *stream,
          gpointer               user_data)
{
  FetchTrace *trace = user_data;
  g_autofree char *peer = NULL;
  g_autofree char *text = NULL;

  if (event == HTTPLIB_TRANSPORT_EVENT_CONNECTING || event == HTTPLIB_TRANSPORT_EVENT_CONNECTED)
    peer = describe_stream (stream);
  text = g_strdup_printf ("event       %s%s%s", nick (HTTPLIB_TYPE_TRANSPORT_EVENT, event),
                          peer != NULL ? " " : "", peer != NULL ? peer : "");
  add_line (trace, text);
}

static void
on_response_state (HttplibResponse      *response,
                   HttplibResponseState  old_state,
                   HttplibResponseState  new_state,
                   gpointer              user_data)
{
  FetchTrace *trace = user_data;
  g_autofree char *text = g_strdup_printf ("response    %s -> %s",
                                           nick (HTTPLIB_TYPE_RESPONSE_STATE, old_state),
                                           nick (HTTPLIB_TYPE_RESPONSE_STATE, new_state));

  add_line (trace, text);
}

FetchTrace *
fetch_trace_new (FILE *out)
{
  FetchTrace *trace = g_new0 (FetchTrace, 1);

  trace->out = out;
  trace->start = g_get_monotonic_time ();
  trace->pending = g_array_new (FALSE, FALSE, sizeof (PendingLine));
  g_array_set_clear_func (trace->pending, clear_pending_line);
  return trace;
}

void
fetch_trace_free (FetchTrace *trace)
{
  if (trace->connection != NULL)
    {
      g_clear_signal_handler (&trace->state_handler, trace->connection);
      g_clear_signal_handler (&trace->event_handler, trace->connection);
    }
  g_array_unref (trace->pending);
  g_free (trace);
}

void
fetch_trace_watch_connection (FetchTrace        *trace,
                              HttplibConnection *connection)
{
  trace->connection = connection;
  trace->state_handler = g_signal_connect (connection, "state-changed",
                                           G_CALLBACK (on_connection_state), trace);
  trace->event_handler = g_signal_connect (connection, "event", G_CALLBACK (on_event), trace);
}

void
fetch_trace_response_expected (FetchTrace *trace)
{
  trace->awaiting_response = TRUE;
  trace->response_active = FALSE;
}

void
fetch_trace_watch_response (FetchTrace      *trace,
                            HttplibResponse *response)
{
  gint64 when = g_get_monotonic_time ();

  trace->awaiting_response = FALSE;
  trace->response_active = FALSE;

  if (response != NULL)
    {
      HttplibResponseState state = httplib_response_get_state (response);

      /* Steps taken inside get_response(): written at the first moment seen. */
      if (trace->pending->len > 0)
        when = MIN (when, g_array_index (trace->pending, PendingLine, 0).when);
      for (HttplibResponseState s = HTTPLIB_RESPONSE_STATE_HEADERS; s < state; s++)
        {
          g_autofree char *text = g_strdup_printf ("response    %s -> %s",
                                                   nick (HTTPLIB_TYPE_RESPONSE_STATE, s),
                                                   nick (HTTPLIB_TYPE_RESPONSE_STATE, s + 1));

          write_line (trace, when, text);
        }
      g_signal_connect (response, "state-changed", G_CALLBACK (on_response_state), trace);
    }

  for (guint i = 0; i < trace->pending->len; i++)
    {
      PendingLine *line = &g_array_index (trace->pending, PendingLine, i);

      write_line (trace, line->when, line->text);
    }
  g_array_set_size (trace->pending, 0);
}
