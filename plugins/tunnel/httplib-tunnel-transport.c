/* httplib-tunnel-transport.c: HTTP CONNECT through the proxy below
 *
 * The `tunnel` link of a proxied chain: over the stream the link below
 * opened to the proxy, it sends `CONNECT origin:port` with the caller's
 * extra fields and reads the proxy's answer with the core's parser. A 2xx
 * makes the same stream a pipe to the origin, which it hands up unchanged
 * (to HTTP, or to a `tls` link that then talks to the origin). Anything
 * else fails with HTTPLIB_ERROR_TUNNEL_FAILED naming the proxy's status;
 * the answer's fields are kept in the endpoint for the application.
 *
 * The asynchronous open does the same with the core's asynchronous HTTP
 * helpers, bounded by the endpoint's timeout.
 */
#include "httplib-tunnel-transport.h"
#include "httplib-deadline.h"

#include <string.h>

struct _HttplibTunnelTransport {
  GObject parent_instance;
};

static void transport_iface_init (HttplibTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibTunnelTransport, httplib_tunnel_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, transport_iface_init))

/* "host:port", with an IPv6 literal in brackets and without its zone. */
static char *
authority (const char *host,
           guint16     port)
{
  g_autofree char *ascii = NULL;

  if (strchr (host, ':') != NULL)
    {
      const char *zone = strchr (host, '%');

      return g_strdup_printf ("[%.*s]:%u", zone ? (int) (zone - host) : (int) strlen (host),
                              host, port);
    }
  ascii = g_hostname_to_ascii (host);
  return g_strdup_printf ("%s:%u", ascii ? ascii : host, port);
}

/* The CONNECT request's fields: Host first unless the caller gave one. */
static HttplibHeaders *
connect_headers (const char     *target,
                 HttplibHeaders *extra)
{
  HttplibHeaders *headers = httplib_headers_new ();
  HttplibHeadersIter iter;
  const char *name;
  const char *value;

  if (extra == NULL || !httplib_headers_contains (extra, "Host"))
    httplib_headers_append (headers, "Host", target);
  if (extra != NULL)
    {
      httplib_headers_iter_init (&iter, extra);
      while (httplib_headers_iter_next (&iter, &name, &value))
        httplib_headers_append (headers, name, value);
    }
  return headers;
}

/* The checks both opens share before they send anything. */
static gboolean
check_base (GIOStream  *base,
            GError    **error)
{
  if (base != NULL)
    return TRUE;
  g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                       "the tunnel transport needs a connection to the proxy below it (tcp ...)");
  return FALSE;
}

/* Judges the proxy's answer: records it on the endpoint, and accepts a
 * 2xx with nothing after it. */
static GIOStream *
judge_reply (HttplibTransport *transport,
             HttplibEndpoint  *endpoint,
             GIOStream        *base,
             guint             status,
             const char       *reason,
             HttplibHeaders   *reply,
             GBytes           *rest,
             GError          **error)
{
  httplib_endpoint_set_reply (endpoint, status, reason, reply);

  if (status < 200 || status > 299)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TUNNEL_FAILED,
                   "Tunnel connection failed: %u %s", status, reason);
      return NULL;
    }
  /* The origin has not been spoken to: nothing can be its. */
  if (rest != NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TUNNEL_FAILED,
                   "Tunnel connection failed: the proxy sent %" G_GSIZE_FORMAT
                   " bytes after its %u %s", g_bytes_get_size (rest), status, reason);
      return NULL;
    }

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATED, base);
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE, base);
  return g_object_ref (base);
}

static GIOStream *
httplib_tunnel_transport_open (HttplibTransport  *transport,
                               HttplibEndpoint   *endpoint,
                               GIOStream         *base,
                               GCancellable      *cancellable,
                               GError           **error)
{
  g_autofree char *target = NULL;
  g_autoptr(HttplibHeaders) request = NULL;
  g_autoptr(HttplibHeaders) reply = NULL;
  g_autoptr(GBytes) rest = NULL;
  g_autofree char *reason = NULL;
  int debug_level = httplib_endpoint_get_debug_level (endpoint);
  guint status = 0;

  if (!check_base (base, error))
    return NULL;

  target = authority (httplib_endpoint_get_host (endpoint), httplib_endpoint_get_port (endpoint));
  request = connect_headers (target, httplib_endpoint_get_headers (endpoint));

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATING, base);
  if (!httplib_transport_send_request_head (g_io_stream_get_output_stream (base), "CONNECT",
                                            target, request, debug_level, cancellable, error))
    return NULL;
  if (!httplib_transport_read_response_head (g_io_stream_get_input_stream (base), debug_level,
                                             &status, &reason, &reply, &rest, cancellable, error))
    {
      g_prefix_error (error, "the proxy's answer to CONNECT %s: ", target);
      return NULL;
    }
  return judge_reply (transport, endpoint, base, status, reason, reply, rest, error);
}

typedef struct {
  HttplibEndpoint *endpoint;
  GIOStream       *base;
  char            *target;
  HttplibDeadline *deadline;
} OpenData;

static void
open_data_free (OpenData *data)
{
  httplib_endpoint_unref (data->endpoint);
  g_object_unref (data->base);
  g_free (data->target);
  g_clear_pointer (&data->deadline, httplib_deadline_free);
  g_free (data);
}

static void
on_reply_read (GObject      *input,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(HttplibHeaders) reply = NULL;
  g_autoptr(GBytes) rest = NULL;
  g_autofree char *reason = NULL;
  GError *error = NULL;
  GIOStream *stream;
  guint status = 0;

  if (!httplib_transport_read_response_head_finish (G_INPUT_STREAM (input), result, &status,
                                                    &reason, &reply, &rest, &error))
    {
      httplib_deadline_check (data->deadline, &error, "waiting for the proxy's answer");
      g_prefix_error (&error, "the proxy's answer to CONNECT %s: ", data->target);
      g_task_return_error (task, error);
      return;
    }
  stream = judge_reply (g_task_get_source_object (task), data->endpoint, data->base, status,
                        reason, reply, rest, &error);
  if (stream != NULL)
    g_task_return_pointer (task, stream, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
on_request_sent (GObject      *output,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!httplib_transport_send_request_head_finish (G_OUTPUT_STREAM (output), result, &error))
    {
      httplib_deadline_check (data->deadline, &error, "sending CONNECT to the proxy");
      g_task_return_error (task, error);
      return;
    }
  httplib_transport_read_response_head_async (g_io_stream_get_input_stream (data->base),
                                              httplib_endpoint_get_debug_level (data->endpoint),
                                              httplib_deadline_get_cancellable (data->deadline),
                                              on_reply_read, g_steal_pointer (&task));
}

static void
httplib_tunnel_transport_open_async (HttplibTransport    *transport,
                                     HttplibEndpoint     *endpoint,
                                     GIOStream           *base,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  g_autoptr(HttplibHeaders) request = NULL;
  GError *error = NULL;
  OpenData *data;

  g_task_set_source_tag (task, httplib_tunnel_transport_open_async);
  /* A cancellation ends the steps below with their own, more precise error. */
  g_task_set_check_cancellable (task, FALSE);
  if (!check_base (base, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (OpenData, 1);
  data->endpoint = httplib_endpoint_ref (endpoint);
  data->base = g_object_ref (base);
  data->target = authority (httplib_endpoint_get_host (endpoint),
                            httplib_endpoint_get_port (endpoint));
  data->deadline = httplib_deadline_new (httplib_endpoint_get_timeout (endpoint), cancellable,
                                         g_task_get_context (task));
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  request = connect_headers (data->target, httplib_endpoint_get_headers (endpoint));

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_PROXY_NEGOTIATING, base);
  httplib_transport_send_request_head_async (g_io_stream_get_output_stream (base), "CONNECT",
                                             data->target, request,
                                             httplib_endpoint_get_debug_level (endpoint),
                                             httplib_deadline_get_cancellable (data->deadline),
                                             on_request_sent, g_steal_pointer (&task));
}

static GIOStream *
httplib_tunnel_transport_open_finish (HttplibTransport  *transport,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, httplib_tunnel_transport_open_async),
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = httplib_tunnel_transport_open;
  iface->open_async = httplib_tunnel_transport_open_async;
  iface->open_finish = httplib_tunnel_transport_open_finish;
}

static void
httplib_tunnel_transport_class_init (HttplibTunnelTransportClass *klass)
{
}

static void
httplib_tunnel_transport_init (HttplibTunnelTransport *self)
{
}
