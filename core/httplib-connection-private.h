/* httplib-connection-private.h: the connection's insides, shared by its
 * files (httplib-connection.c, httplib-connection-request.c), and what a
 * response needs of its connection */
#pragma once

#include "httplib-connection.h"
#include "httplib-error.h"
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
  char                   *socket_path;    /* a local socket to reach instead of host:port */
  HttplibTlsSettings     *tls_settings;   /* non-NULL for HTTPS */
  char                   *tunnel_host;    /* set_tunnel's origin, or NULL */
  char                   *host_header;    /* the Host value, made on first use */
  guint                   tunnel_port;
  HttplibHeaders         *tunnel_headers; /* extra fields of the CONNECT request */
  int                     debug_level;

  /* the open chain */
  HttplibChain           *chain;          /* the transports, kept across reconnects */
  GIOStream              *base_stream;    /* the first link's stream (a socket, usually) */
  GIOStream              *stream;         /* the top link's stream: what HTTP is spoken on */
  GInputStream           *input;
  GOutputStream          *output;
  GSocket                *socket;         /* the top stream's socket when GIO's own streams sit on it */
  HttplibReadBuffer       buffer;
  HttplibTlsInfo         *tls_info;       /* of the latest handshake */

  /* the exchange in progress */
  HttplibConnectionState  state;
  GString                *request;        /* head being built by put_request/put_header */
  char                   *method;         /* a GRefString: responses share it */
  HttplibResponse        *response;       /* weak: the response whose body is being read */
  gboolean                response_pending; /* end_headers done, get_response not yet called */
  HttplibHeadParser      *early_head;     /* a final head that came instead of 100 Continue */
  gboolean                busy;           /* an async call is under way */
  guint                   exchanges;      /* responses completed on this stream */
  gint64                  idle_since;     /* monotonic time the stream last went idle */
  gboolean                resendable;     /* the request sent may go again (see can_resend) */
  gboolean                awaiting_reply; /* a request went out, nothing was read since */
  guint                   generation;     /* counts dropped streams, for async calls to notice */
  gint64                  head_deadline;  /* monotonic time the response head must be in by, 0: none */
};

/* Stores the state; notifies and emits state-changed when it changed. */
void httplib_connection_set_state   (HttplibConnection      *connection,
                                     HttplibConnectionState  state);
/* Forgets the streams without closing them (the caller closes and unrefs
 * *top and *base, which may be NULL), and detaches any response. */
void httplib_connection_release_streams (HttplibConnection  *connection,
                                         GIOStream         **top,
                                         GIOStream         **base);
/* Drops the stream without touching the state: callers decide what follows. */
void httplib_connection_drop_stream (HttplibConnection      *connection);

/* At construction with a socket path: refuses one that is empty or longer
 * than sun_path holds (INVALID_URL), and makes the default transport
 * `unix`. In httplib-connection-unix.c. */
gboolean httplib_connection_init_socket_path (HttplibConnection  *connection,
                                              GError            **error);

/* --- shared by the blocking and the async calls --- */

/* The chain's config from the connection's settings (borrowed strings). */
void     httplib_connection_get_chain_config (HttplibConnection  *connection,
                                              HttplibChainConfig *config);
/* Around opening the chain: the state and TLS info before, and after. */
HttplibConnectionState httplib_connection_connect_begin (HttplibConnection      *connection);
void     httplib_connection_connect_end     (HttplibConnection      *connection,
                                             HttplibConnectionState  before,
                                             GIOStream              *base,
                                             GIOStream              *top);
/* TRUE when the connection must be opened (again) before a request;
 * closes an idle one the server closed meanwhile. */
gboolean httplib_connection_needs_connect   (HttplibConnection *connection);
/* A request may start: no other one, no unread response, valid method
 * and URL (CANNOT_SEND_REQUEST, INVALID_URL). */
gboolean httplib_connection_check_can_start (HttplibConnection *connection,
                                             const char        *method,
                                             const char        *url,
                                             GError           **error);
/* httplib_connection_check_can_start(), and every header valid. */
gboolean httplib_connection_check_request   (HttplibConnection *connection,
                                             const char        *method,
                                             const char        *url,
                                             HttplibHeaders    *headers,
                                             GError           **error);
/* The request line and automatic headers into the head being built. */
void     httplib_connection_start_request   (HttplibConnection *connection,
                                             const char        *method,
                                             const char        *url,
                                             gboolean           skip_host,
                                             gboolean           skip_accept_encoding);
/* The whole head of request(); TRUE when the body goes chunked. */
gboolean httplib_connection_build_request   (HttplibConnection *connection,
                                             const char        *method,
                                             const char        *url,
                                             HttplibBodySource *body,
                                             HttplibHeaders    *headers);
gboolean httplib_connection_expects_continue (HttplibBodySource *body,
                                              HttplibHeaders    *headers);
/* Ends the head; fills vectors with it and an in-memory body (framed
 * when chunked), returning how many. */
gsize    httplib_connection_end_head        (HttplibConnection *connection,
                                             GBytes            *body,
                                             gboolean           chunked,
                                             GOutputVector      vectors[4],
                                             char               size_line[24]);
/* The head went out; head_only when no body was or will be sent. */
void     httplib_connection_head_sent       (HttplibConnection *connection,
                                             gboolean           head_only);
/* Whether a request that got nothing back, failing with error, may be sent
 * again on a new connection: see httplib-connection-request.c. */
gboolean httplib_connection_can_resend      (HttplibConnection *connection,
                                             HttplibResponse   *response,
                                             const GError      *error);
/* Whether a head that failed to go out with error may go on a new connection. */
gboolean httplib_connection_can_rewrite     (HttplibConnection *connection,
                                             gboolean           head_only,
                                             const GError      *error);
/* Reopens the connection and writes the last request's head again. */
gboolean httplib_connection_resend          (HttplibConnection *connection,
                                             GCancellable      *cancellable,
                                             GError           **error);
/* No async call is under way; else fails with code ("another operation
 * is in progress"), so nothing interleaves on the wire. */
gboolean httplib_connection_check_idle_caller (HttplibConnection  *connection,
                                               HttplibError        code,
                                               GError            **error);
/* The response for the request sent, its head not read yet; errors
 * RESPONSE_NOT_READY, or IMPROPER_CONNECTION_STATE while busy. */
HttplibResponse *httplib_connection_take_response (HttplibConnection *connection,
                                                   GError           **error);

/* Async calls: calls retry (on the task's context) once the input may have
 * more bytes, or with an error (transfer full) when the read under it
 * failed or the connection was closed meanwhile. */
typedef void (*HttplibRetryFunc) (GTask *task, GError *error);
void     httplib_connection_wait_input      (HttplibConnection *connection,
                                             GTask             *task,
                                             HttplibRetryFunc   retry);

/* The timeout bounds reading a response head as a whole, so a server that
 * trickles it cannot stretch the wait: start (at get_response) and clear
 * the deadline. */
void     httplib_connection_start_head_deadline (HttplibConnection *connection);
void     httplib_connection_clear_head_deadline (HttplibConnection *connection);
/* FALSE with G_IO_ERROR_TIMED_OUT once the deadline passed. */
gboolean httplib_connection_check_head_deadline (HttplibConnection  *connection,
                                                 GError            **error);
/* Blocking reads of a head: before a read but the first, waits for input
 * no longer than the deadline allows (the first is bounded by the socket's
 * own timeout, and mostly finds the whole head). */
gboolean httplib_connection_wait_head_input (HttplibConnection  *connection,
                                             gboolean            first,
                                             GCancellable       *cancellable,
                                             GError            **error);

/* A write failed part way: the connection closes. */
void     httplib_connection_fail_write      (HttplibConnection *connection);

/* One blocking read into the read buffer of an open connection: bytes
 * added, 0 at the end of the stream, -1 on error. */
gssize             httplib_connection_fill            (HttplibConnection *connection,
                                                       GCancellable      *cancellable,
                                                       GError           **error);
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
