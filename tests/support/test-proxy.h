/* test-proxy.h: a scripted in-process HTTP CONNECT proxy for the tunnel tests
 *
 * The proxy is a TestServer on 127.0.0.1 whose handler reads one CONNECT
 * request per connection and follows the script step for that connection
 * (0-based accept order; the last step for every later connection). So it
 * shares the server's thread, socket timeouts, cancellation by
 * test_server_free() and recording: every CONNECT request is in
 * test_server_get_requests() (look at it with test_request_get_line() and
 * test_request_get_header()), and test_server_get_received() holds every
 * byte a client sent, tunnelled bytes included. Like every TestServer it
 * serves one connection at a time: a second tunnel opens only once the
 * first one closed.
 *
 * A tunnel goes only to the loopback: the CONNECT target must be
 * 127.0.0.1, [::1] or localhost (127.0.0.1 first, then ::1) with a port.
 * The proxy connects before it answers, like a real one:
 *
 *   request line not "CONNECT host:port HTTP/1.x"  TEST_PROXY_400
 *   another method                                 TEST_PROXY_405
 *   a target off the loopback, or unreachable      TEST_PROXY_502
 *
 * each followed by a close. Bytes the client sent after the CONNECT head
 * (before the answer) go to the target first. The head is read like any
 * request (test_conn_read_request()): a CONNECT that announces a body with
 * Content-Length or chunked has that body read as its own.
 *
 * This library uses only GLib, GIO, GnuTLS and Check, never libhttplib.
 */
#pragma once

#include "test-server.h"

G_BEGIN_DECLS

#define TEST_PROXY_200 "HTTP/1.1 200 Connection established\r\n\r\n"
#define TEST_PROXY_407 "HTTP/1.1 407 Proxy Authentication Required\r\n" \
                       "Proxy-Authenticate: Basic realm=\"test\"\r\n"   \
                       "Content-Length: 0\r\n\r\n"
#define TEST_PROXY_400 "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define TEST_PROXY_405 "HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\n" \
                       "Content-Length: 0\r\nConnection: close\r\n\r\n"
#define TEST_PROXY_502 "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

typedef enum {
  /* answer reply (NULL: TEST_PROXY_200) and relay to the target */
  TEST_PROXY_TUNNEL,
  /* read the request, write reply verbatim (required), close */
  TEST_PROXY_REPLY_CLOSE,
  /* read the request, close without answering */
  TEST_PROXY_CLOSE,
  /* like TUNNEL, but reply (required) is written verbatim: a 200 followed by
   * stray bytes, a 200 without its empty line, ... */
  TEST_PROXY_REPLY_THEN_RELAY,
  /* a request whose one Proxy-Authorization field equals expected_auth is a
   * TUNNEL (reply as there); any other gets TEST_PROXY_407 and the proxy
   * reads the next CONNECT on the same connection (at most 8 in all) */
  TEST_PROXY_REQUIRE_AUTH,
  /* read the request, reset the connection without answering */
  TEST_PROXY_RESET,
} TestProxyAction;

typedef struct {
  TestProxyAction  action;
  const char      *reply;
} TestProxyStep;

/* A proxy running a copy of steps (n_steps 0: one TUNNEL step).
 * expected_auth is the whole field value ("Basic dXNlcjpwYXNz"); required
 * when a step is REQUIRE_AUTH. Free it with test_server_free(). NULL (with a
 * message on stderr) when it cannot listen. */
TestServer *test_proxy_new            (const TestProxyStep *steps,
                                       gsize                n_steps,
                                       const char          *expected_auth);
/* The CONNECT target ("127.0.0.1:8080", "[::1]:443", as the request line
 * spelt it) of tunnel index, in the order tunnels opened; NULL if none. A
 * tunnel counts once its target accepted, before the proxy answers: a
 * client that read the answer finds it here. Free it. */
char       *test_proxy_get_target     (TestServer          *proxy,
                                       guint                index);
guint       test_proxy_get_n_tunnels  (TestServer          *proxy);

/* For any handler on a plain TestServer: connects to host:port (host
 * "127.0.0.1" or "::1" only) and copies bytes both ways, starting with
 * those received but not yet read from conn, until either side closes (a
 * half-close too) or fails, nothing moves for TEST_SERVER_IO_TIMEOUT
 * seconds, or the server is freed; then closes both, or, when one side
 * failed (a reset), resets the other, as a transparent tunnel would. The
 * bytes from conn's
 * peer go to test_server_get_received() too. TRUE once connected; FALSE,
 * with conn left open, when host is not allowed or the connection failed. */
gboolean    test_conn_relay           (TestConn            *conn,
                                       const char          *host,
                                       guint16              port);

G_END_DECLS
