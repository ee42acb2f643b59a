/* httplib-connection-private.h: the connection's insides, shared by its
 * files (httplib-connection.c, httplib-connection-request.c), and what a
 * response needs of its connection */
#pragma once

#include "httplib-connection.h"
#include "httplib-chain-private.h"
#include "httplib-parser-private.h"
#include "httplib-read-buffer-private.h"

G_BEGIN_DECLS

#define HTTPLIB_DEFAULT_CONTINUE_TIMEOUT 1.0

struct _HttplibConnection {
  GObject                 parent_instance;

  /* settings */
  char                   *host_port;      /* as given, parsed in init */
  char                   *host;
  guint                   port;
  guint                   default_port;
  gboolean                strict;
  double                  timeout;
  double                  continue_timeout;
  char                   *source_address;
  char                   *transport_name;
  HttplibTlsSettings     *tls_settings;   /* non-NULL for HTTPS */
  char                   *tunnel_host;    /* set_tunnel's origin, or NULL */
  guint                   tunnel_port;
  HttplibHeaders         *tunnel_headers; /* extra fields of the CONNECT request */
  int                     debug_level;

  /* the open chain */
  HttplibChain           *chain;          /* the transports, kept across reconnects */
  GIOStream              *base_stream;    /* the first link's stream (a socket, usually) */
  GIOStream              *stream;         /* the top link's stream: what HTTP is spoken on */
  GInputStream           *input;
  GOutputStream          *output;
  HttplibReadBuffer       buffer;
  HttplibTlsInfo         *tls_info;       /* of the latest handshake */

  /* the exchange in progress */
  HttplibConnectionState  state;
  GString                *request;        /* head being built by put_request/put_header */
  char                   *method;
  HttplibResponse        *response;       /* weak: the response whose body is being read */
  gboolean                response_pending; /* end_headers done, get_response not yet called */
  HttplibHeadParser      *early_head;     /* a final head that came instead of 100 Continue */
};

/* Stores the state; notifies and emits state-changed when it changed. */
void httplib_connection_set_state   (HttplibConnection      *connection,
                                     HttplibConnectionState  state);
/* Drops the stream without touching the state: callers decide what follows. */
void httplib_connection_drop_stream (HttplibConnection      *connection);

HttplibReadBuffer *httplib_connection_get_read_buffer (HttplibConnection *connection);
/* NULL once the connection was closed under the response. */
GInputStream      *httplib_connection_get_input       (HttplibConnection *connection);
int                httplib_connection_get_fd          (HttplibConnection *connection);

void httplib_connection_emit_informational (HttplibConnection *connection,
                                            guint              status,
                                            const char        *reason,
                                            HttplibHeaders    *headers);

/* The response read its last byte: keep the connection for the next
 * request, or close it when will_close. */
void httplib_connection_response_complete  (HttplibConnection *connection,
                                            HttplibResponse   *response,
                                            gboolean           will_close);
/* The response failed or was dropped before its end: the stream is in an
 * unknown place, so the connection closes. */
void httplib_connection_response_abandoned (HttplibConnection *connection,
                                            HttplibResponse   *response);

G_END_DECLS
