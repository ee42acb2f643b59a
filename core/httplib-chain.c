/* httplib-chain.c: the transports a connection opens, bottom first
 *
 * DESIGN.md's chains: `tcp(host, port)` for HTTP, `tcp` → `tls(host)` for
 * HTTPS, and through a CONNECT proxy `tcp(proxy)` → `tunnel(origin)`, then
 * `tls(origin)` for HTTPS, so SNI and the certificate check name the
 * origin, never the proxy. Each link is a registered transport that opens its stream on top
 * of the stream of the link below; each gets an endpoint saying where it
 * leads and how.
 */
#include "httplib-chain-private.h"
#include "httplib-registry.h"

/* What a link does in the chain, which decides the endpoint it gets. */
typedef enum {
  LINK_SOCKET,    /* the first link: reaches host:port itself */
  LINK_TUNNEL,    /* CONNECT to the origin through the proxy below */
  LINK_TLS,       /* TLS with the server, over the link below */
} LinkRole;

typedef struct {
  HttplibTransport *transport;
  LinkRole          role;
  gulong            handler;   /* "event": a given transport may serve other chains too */
  gboolean          given;     /* the connection's own instance, not made from a name */
  gboolean          blocked;   /* handler blocked: nobody wants this link's events */
} Link;

struct _HttplibChain {
  GArray                *links;          /* Link, bottom first */
  char                  *transport;      /* what links were made for */
  HttplibTransport      *first;          /* the connection's own first link, or NULL */
  gboolean               opening;        /* in a link's open: a shared transport's other
                                          * events belong to other chains */
  gboolean               tunnel;
  gboolean               tls;
  HttplibChainEventFunc  event_func;
  gpointer               user_data;

  /* During an async open: where events go when a transport without async
   * methods reports them from its worker thread. */
  GThread               *thread;
  GMainContext          *context;

  guint                  proxy_status;
  char                  *proxy_reason;
  HttplibHeaders        *proxy_headers;
};

typedef struct {
  HttplibChain          *chain;
  HttplibTransportEvent  event;
  GIOStream             *stream;
} EventCall;

static void
event_call_free (EventCall *call)
{
  g_clear_object (&call->stream);
  g_free (call);
}

static gboolean
deliver_event (gpointer user_data)
{
  EventCall *call = user_data;

  call->chain->event_func (call->event, call->stream, call->chain->user_data);
  return G_SOURCE_REMOVE;
}

static void
on_event (HttplibTransport      *transport,
          HttplibTransportEvent  event,
          GIOStream             *stream,
          HttplibChain          *chain)
{
  EventCall *call;
  GSource *source;

  if (!chain->opening)
    return;
  if (chain->thread == NULL || chain->thread == g_thread_self ())
    {
      chain->event_func (event, stream, chain->user_data);
      return;
    }
  /* From a worker thread: signals belong to the caller's context. They
   * arrive before the open's result, which is queued after them. */
  call = g_new0 (EventCall, 1);
  call->chain = chain;
  call->event = event;
  call->stream = stream ? g_object_ref (stream) : NULL;
  /* A source, not g_main_context_invoke(), which may run it right here. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_event, call, (GDestroyNotify) event_call_free);
  g_source_attach (source, chain->context);
  g_source_unref (source);
}

static void
link_clear (Link *link)
{
  /* A transport may outlive the chain if someone else holds it. */
  g_clear_signal_handler (&link->handler, link->transport);
  g_clear_object (&link->transport);
}

HttplibChain *
httplib_chain_new (HttplibChainEventFunc event_func,
                   gpointer              user_data)
{
  HttplibChain *chain = g_new0 (HttplibChain, 1);

  chain->event_func = event_func;
  chain->user_data = user_data;
  return chain;
}

void
httplib_chain_free (HttplibChain *chain)
{
  g_clear_pointer (&chain->links, g_array_unref);
  g_clear_pointer (&chain->context, g_main_context_unref);
  g_clear_object (&chain->first);
  g_free (chain->transport);
  g_free (chain->proxy_reason);
  g_clear_pointer (&chain->proxy_headers, httplib_headers_unref);
  g_free (chain);
}

static void
add_link_for (HttplibChain     *chain,
              GArray           *links,
              HttplibTransport *transport,
              LinkRole          role,
              gboolean          given)
{
  Link link = { transport, role, 0, given, FALSE };

  link.handler = g_signal_connect (link.transport, "event", G_CALLBACK (on_event), chain);
  g_array_append_val (links, link);
}

static gboolean
add_link (HttplibChain  *chain,
          GArray        *links,
          const char    *name,
          LinkRole       role,
          GError       **error)
{
  GType type = httplib_registry_lookup_transport (httplib_registry_get_default (), name, error);

  if (type == G_TYPE_INVALID)
    return FALSE;
  add_link_for (chain, links, g_object_new (type, NULL), role, FALSE);
  return TRUE;
}

void
httplib_chain_set_first (HttplibChain     *chain,
                         HttplibTransport *transport)
{
  /* Stored only: the links are made again at the next open, never under one. */
  g_set_object (&chain->first, transport);
}

HttplibTransport *
httplib_chain_get_first (HttplibChain *chain)
{
  return chain->first;
}

/* Whether the links' first transport is still the one the chain should use. */
static gboolean
first_link_matches (HttplibChain             *chain,
                    const HttplibChainConfig *config)
{
  Link *link = &g_array_index (chain->links, Link, 0);

  if (chain->first != NULL)
    return link->given && link->transport == chain->first;
  return !link->given && g_strcmp0 (chain->transport, config->transport) == 0;
}

static gboolean
ensure_links (HttplibChain             *chain,
              const HttplibChainConfig *config,
              GError                  **error)
{
  g_autoptr(GArray) links = NULL;
  gboolean tunnel = config->tunnel_host != NULL;
  gboolean tls = config->tls_settings != NULL;

  if (chain->links != NULL && chain->tls == tls && chain->tunnel == tunnel &&
      first_link_matches (chain, config))
    return TRUE;

  g_clear_pointer (&chain->links, g_array_unref);
  links = g_array_new (FALSE, TRUE, sizeof (Link));
  g_array_set_clear_func (links, (GDestroyNotify) link_clear);
  if (chain->first != NULL)
    add_link_for (chain, links, g_object_ref (chain->first), LINK_SOCKET, TRUE);
  else if (!add_link (chain, links, config->transport, LINK_SOCKET, error))
    return FALSE;
  if (tunnel && !add_link (chain, links, "tunnel", LINK_TUNNEL, error))
    return FALSE;
  if (tls && !add_link (chain, links, "tls", LINK_TLS, error))
    return FALSE;

  chain->links = g_steal_pointer (&links);
  g_free (chain->transport);
  chain->transport = g_strdup (config->transport);
  chain->tunnel = tunnel;
  chain->tls = tls;
  return TRUE;
}

/* A transport skips emitting when no handler is unblocked, which saves
 * most of a plain connect's cost when nobody listens. */
static void
forward_events (HttplibChain             *chain,
                const HttplibChainConfig *config)
{
  for (guint i = 0; i < chain->links->len; i++)
    {
      Link *link = &g_array_index (chain->links, Link, i);
      gboolean block = !config->events && link->role != LINK_TLS;

      if (block == link->blocked)
        continue;
      if (block)
        g_signal_handler_block (link->transport, link->handler);
      else
        g_signal_handler_unblock (link->transport, link->handler);
      link->blocked = block;
    }
}

static HttplibEndpoint *
make_endpoint (const HttplibChainConfig *config,
               LinkRole                  role)
{
  gboolean to_origin = role != LINK_SOCKET && config->tunnel_host != NULL;
  HttplibEndpoint *endpoint = httplib_endpoint_new (to_origin ? config->tunnel_host : config->host,
                                                    to_origin ? config->tunnel_port : config->port);

  httplib_endpoint_set_timeout (endpoint, config->timeout);
  httplib_endpoint_set_debug_level (endpoint, config->debug_level);
  if (role == LINK_SOCKET)
    {
      httplib_endpoint_set_source_address (endpoint, config->source_address);
      httplib_endpoint_set_socket_path (endpoint, config->socket_path);
    }
  else if (role == LINK_TUNNEL)
    httplib_endpoint_set_headers (endpoint, config->tunnel_headers);
  else
    httplib_endpoint_set_tls_settings (endpoint, config->tls_settings);
  return endpoint;
}

static void
keep_proxy_reply (HttplibChain    *chain,
                  HttplibEndpoint *endpoint)
{
  HttplibHeaders *headers = endpoint ? httplib_endpoint_get_reply_headers (endpoint) : NULL;

  chain->proxy_status = endpoint ? httplib_endpoint_get_reply_status (endpoint) : 0;
  g_free (chain->proxy_reason);
  chain->proxy_reason = endpoint ? g_strdup (httplib_endpoint_get_reply_reason (endpoint)) : NULL;
  if (headers != NULL)
    httplib_headers_ref (headers);
  g_clear_pointer (&chain->proxy_headers, httplib_headers_unref);
  chain->proxy_headers = headers;
}

gboolean
httplib_chain_open (HttplibChain             *chain,
                    const HttplibChainConfig *config,
                    GIOStream               **base,
                    GIOStream               **top,
                    GCancellable             *cancellable,
                    GError                  **error)
{
  g_autoptr(GIOStream) first = NULL;
  g_autoptr(GIOStream) stream = NULL;

  keep_proxy_reply (chain, NULL);
  if (!ensure_links (chain, config, error))
    return FALSE;
  forward_events (chain, config);

  for (guint i = 0; i < chain->links->len; i++)
    {
      Link *link = &g_array_index (chain->links, Link, i);
      g_autoptr(HttplibEndpoint) endpoint = make_endpoint (config, link->role);
      GIOStream *next;

      chain->opening = TRUE;
      next = httplib_transport_open (link->transport, endpoint, stream, cancellable, error);
      chain->opening = FALSE;

      if (link->role == LINK_TUNNEL)
        keep_proxy_reply (chain, endpoint);
      if (next == NULL)
        {
          /* The links below are open: close them from the bottom. */
          if (first != NULL)
            g_io_stream_close (first, NULL, NULL);
          if (stream != NULL && stream != first)
            g_io_stream_close (stream, NULL, NULL);
          return FALSE;
        }
      if (i == 0)
        first = g_object_ref (next);
      g_clear_object (&stream);
      stream = next;
    }

  *base = g_steal_pointer (&first);
  *top = g_steal_pointer (&stream);
  return TRUE;
}

/* --- the same without blocking --- */

typedef struct {
  HttplibChain *chain;
  GPtrArray    *endpoints;  /* one per link, made at the start */
  guint         next;       /* the link being opened */
  GIOStream    *first;
  GIOStream    *stream;
} OpenState;

static void
open_state_free (OpenState *state)
{
  g_ptr_array_unref (state->endpoints);
  g_clear_object (&state->first);
  g_clear_object (&state->stream);
  g_free (state);
}

static void open_next_link (GTask *task);

static void
on_link_opened (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenState *state = g_task_get_task_data (task);
  Link *link = &g_array_index (state->chain->links, Link, state->next);
  GError *error = NULL;
  GIOStream *next = httplib_transport_open_finish (link->transport, result, &error);

  state->chain->opening = FALSE;
  if (link->role == LINK_TUNNEL)
    keep_proxy_reply (state->chain, g_ptr_array_index (state->endpoints, state->next));
  if (next == NULL)
    {
      /* The links below are open: close them from the bottom. */
      if (state->first != NULL)
        g_io_stream_close (state->first, NULL, NULL);
      if (state->stream != NULL && state->stream != state->first)
        g_io_stream_close (state->stream, NULL, NULL);
      state->chain->thread = NULL;
      g_clear_pointer (&state->chain->context, g_main_context_unref);
      g_task_return_error (task, error);
      return;
    }
  if (state->next == 0)
    state->first = g_object_ref (next);
  g_clear_object (&state->stream);
  state->stream = next;
  state->next++;
  open_next_link (g_steal_pointer (&task));
}

static void
open_next_link (GTask *task)
{
  OpenState *state = g_task_get_task_data (task);
  Link *link;

  if (state->next == state->chain->links->len)
    {
      state->chain->thread = NULL;
      g_clear_pointer (&state->chain->context, g_main_context_unref);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  link = &g_array_index (state->chain->links, Link, state->next);
  state->chain->opening = TRUE;
  httplib_transport_open_async (link->transport, g_ptr_array_index (state->endpoints, state->next),
                                state->stream, g_task_get_cancellable (task),
                                on_link_opened, task);
}

void
httplib_chain_open_async (HttplibChain             *chain,
                          const HttplibChainConfig *config,
                          gpointer                  source_object,
                          GCancellable             *cancellable,
                          GAsyncReadyCallback       callback,
                          gpointer                  user_data)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);
  OpenState *state = g_new0 (OpenState, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, httplib_chain_open_async);
  state->chain = chain;
  state->endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) httplib_endpoint_unref);
  g_task_set_task_data (task, state, (GDestroyNotify) open_state_free);

  keep_proxy_reply (chain, NULL);
  if (!ensure_links (chain, config, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  forward_events (chain, config);
  chain->thread = g_thread_self ();
  g_clear_pointer (&chain->context, g_main_context_unref);
  chain->context = g_main_context_ref (g_task_get_context (task));
  /* The endpoints copy the config now: the caller's strings may change. */
  for (guint i = 0; i < chain->links->len; i++)
    g_ptr_array_add (state->endpoints,
                     make_endpoint (config, g_array_index (chain->links, Link, i).role));
  open_next_link (task);
}

gboolean
httplib_chain_open_finish (HttplibChain  *chain,
                           GAsyncResult  *result,
                           GIOStream    **base,
                           GIOStream    **top,
                           GError       **error)
{
  OpenState *state = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  *base = g_steal_pointer (&state->first);
  *top = g_steal_pointer (&state->stream);
  return TRUE;
}

guint
httplib_chain_get_proxy_status (HttplibChain *chain)
{
  return chain->proxy_status;
}

const char *
httplib_chain_get_proxy_reason (HttplibChain *chain)
{
  return chain->proxy_reason;
}

HttplibHeaders *
httplib_chain_get_proxy_headers (HttplibChain *chain)
{
  return chain->proxy_headers;
}
