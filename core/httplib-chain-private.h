/* httplib-chain-private.h: the transports a connection opens, bottom first */
#pragma once

#include "httplib-transport.h"
#include "httplib-tls-settings.h"

G_BEGIN_DECLS

/* Where the chain goes: the connection's settings at connect time. */
typedef struct {
  const char         *transport;       /* the first link's registered name */
  const char         *host;
  guint16             port;
  double              timeout;
  const char         *source_address;
  const char         *socket_path;     /* for the first link: a local socket to reach */
  int                 debug_level;
  const char         *tunnel_host;     /* non-NULL: a `tunnel` link to the origin */
  guint16             tunnel_port;
  HttplibHeaders     *tunnel_headers;  /* extra fields of the CONNECT request */
  HttplibTlsSettings *tls_settings;    /* non-NULL: a `tls` link on top, with the origin */
  gboolean            events;          /* someone listens: pass on every link's events */
} HttplibChainConfig;

typedef struct _HttplibChain HttplibChain;

/* Called for each event of a link during its open; without config->events
 * only the tls link's events come (the connection keeps its TLS info). */
typedef void (*HttplibChainEventFunc) (HttplibTransportEvent  event,
                                       GIOStream             *stream,
                                       gpointer               user_data);

HttplibChain *httplib_chain_new   (HttplibChainEventFunc     event_func,
                                   gpointer                  user_data);
void          httplib_chain_free  (HttplibChain             *chain);
/* Opens every link in turn. *base gets the first link's stream (the
 * socket, usually), *top the last one's, what HTTP is spoken on. The
 * transports are kept across opens, so a reconnect can reuse their state
 * (a TLS session); they are made again when the config names others. */
gboolean      httplib_chain_open  (HttplibChain             *chain,
                                   const HttplibChainConfig *config,
                                   GIOStream               **base,
                                   GIOStream               **top,
                                   GCancellable             *cancellable,
                                   GError                  **error);

/* httplib_chain_open() without blocking; the task's source object is
 * source_object (the connection), which must keep the chain alive. */
void          httplib_chain_open_async  (HttplibChain             *chain,
                                         const HttplibChainConfig *config,
                                         gpointer                  source_object,
                                         GCancellable             *cancellable,
                                         GAsyncReadyCallback       callback,
                                         gpointer                  user_data);
gboolean      httplib_chain_open_finish (HttplibChain             *chain,
                                         GAsyncResult             *result,
                                         GIOStream               **base,
                                         GIOStream               **top,
                                         GError                  **error);

/* The first link's transport itself (the connection's own instance,
 * configured by the application), used instead of a new one made from
 * config->transport; NULL goes back to the name. Takes effect at the
 * next open. */
void              httplib_chain_set_first (HttplibChain     *chain,
                                           HttplibTransport *transport);
HttplibTransport *httplib_chain_get_first (HttplibChain     *chain);

/* What a proxy answered the last tunnel the chain opened (status 0 when
 * there was no answer), kept when the tunnel failed too. */
guint           httplib_chain_get_proxy_status  (HttplibChain *chain);
const char     *httplib_chain_get_proxy_reason  (HttplibChain *chain);
HttplibHeaders *httplib_chain_get_proxy_headers (HttplibChain *chain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibChain, httplib_chain_free)

G_END_DECLS
