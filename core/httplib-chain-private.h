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
  HttplibTlsSettings *tls_settings;    /* non-NULL: a `tls` link on top */
} HttplibChainConfig;

typedef struct _HttplibChain HttplibChain;

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibChain, httplib_chain_free)

G_END_DECLS
