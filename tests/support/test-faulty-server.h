/* test-faulty-server.h: a loopback HTTP server that misbehaves on purpose
 *
 * A TestServer (its own thread, socket timeouts, cancelled by
 * test_server_free()) whose first connection commits one fault and whose
 * later connections behave: they answer every request with
 * TEST_FAULTY_GOOD_RESPONSE and keep the connection alive. So a client that
 * met the fault can close, reconnect to the same port and check that it
 * still works.
 *
 * Plain or TLS: a TLS server runs the handshake itself on each connection
 * (TestTlsOptions.no_handshake plus test_conn_start_tls()), so a fault can
 * strike before, during or after it. For the tunnel transport the server
 * sits behind the CONNECT proxy of test-proxy.h, which passes a reset on
 * as a reset; faults of the CONNECT exchange itself are the proxy's
 * (TEST_PROXY_RESET).
 *
 * "Reset" is a RST: SO_LINGER 0, then close (test_conn_reset()). Each fault
 * strikes at the point it names:
 *
 *   REFUSED          the port is bound but not listening, so connecting is
 *                    refused; test_faulty_server_listen() opens it (every
 *                    connection is then a good one)
 *   RESET_CONNECT    reset as soon as the connection is accepted, before
 *                    reading a byte: the kernel completed the client's
 *                    connect(), so the client meets the RST on its first
 *                    write or read (a TLS client in its ClientHello)
 *   RESET_HANDSHAKE  TLS only: reads the ClientHello record, then resets
 *   RESET_REQUEST    reads the request head and resets while the client is
 *                    still writing its body (send a body of several MiB)
 *   RESET_STATUS     reads the request, writes part of the status line
 *   RESET_HEADERS    ... the status line and part of the header fields
 *   RESET_BODY_LENGTH, RESET_BODY_CHUNKED, RESET_BODY_EOF
 *                    ... the head and part of a body framed by
 *                    Content-Length, by chunked coding, or by the end of
 *                    the connection
 *   TRICKLE          reads the request and writes TEST_FAULTY_GOOD_RESPONSE
 *                    one byte per TEST_FAULTY_TRICKLE_MS, until a write
 *                    fails (the client left)
 *   SILENT           reads the request and never answers; waits for the
 *                    client to close
 *   EARLY_ANSWER     reads the request head only, answers
 *                    TEST_FAULTY_EARLY_RESPONSE (Connection: close) at
 *                    once, then reads and drops everything until the client
 *                    closes (a lingering close, as nginx does)
 *   OVERLONG         answers TEST_FAULTY_OVERLONG_RESPONSE: a body longer
 *                    than its Content-Length, in one write; keeps the
 *                    connection open
 *   TRAILING_BYTES   answers TEST_FAULTY_GOOD_RESPONSE followed, in the
 *                    same write, by TEST_FAULTY_TRAILING_SIZE bytes of
 *                    complete-looking responses whose body is
 *                    TEST_FAULTY_STALE_BODY; keeps the connection open
 *
 * This library uses only GLib, GIO, GnuTLS and Check, never libhttplib.
 */
#pragma once

#include "test-server.h"

G_BEGIN_DECLS

typedef enum {
  TEST_FAULT_NONE,
  TEST_FAULT_REFUSED,
  TEST_FAULT_RESET_CONNECT,
  TEST_FAULT_RESET_HANDSHAKE,
  TEST_FAULT_RESET_REQUEST,
  TEST_FAULT_RESET_STATUS,
  TEST_FAULT_RESET_HEADERS,
  TEST_FAULT_RESET_BODY_LENGTH,
  TEST_FAULT_RESET_BODY_CHUNKED,
  TEST_FAULT_RESET_BODY_EOF,
  TEST_FAULT_TRICKLE,
  TEST_FAULT_SILENT,
  TEST_FAULT_EARLY_ANSWER,
  TEST_FAULT_OVERLONG,
  TEST_FAULT_TRAILING_BYTES,
} TestFault;

#define TEST_FAULTY_GOOD_BODY      "ok"
#define TEST_FAULTY_GOOD_RESPONSE  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" TEST_FAULTY_GOOD_BODY
#define TEST_FAULTY_EARLY_BODY     "too long"
#define TEST_FAULTY_EARLY_RESPONSE "HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\n" \
                                   "Connection: close\r\n\r\n" TEST_FAULTY_EARLY_BODY
#define TEST_FAULTY_OVERLONG_BODY  "hello"
#define TEST_FAULTY_OVERLONG_RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" \
                                      TEST_FAULTY_OVERLONG_BODY " and then some more bytes"
#define TEST_FAULTY_STALE_BODY     "stale"
#define TEST_FAULTY_TRAILING_SIZE  10000
#define TEST_FAULTY_TRICKLE_MS     1000

/* A server on 127.0.0.1 committing fault on its first connection. tls:
 * options for a TLS server (no_handshake is set here), NULL for plain TCP.
 * Free it with test_server_free(). NULL (with a message on stderr) when it
 * cannot listen or the credentials do not load. */
TestServer *test_faulty_server_new    (TestFault             fault,
                                       const TestTlsOptions *tls);
/* For TEST_FAULT_REFUSED: starts listening. TRUE on success. */
gboolean    test_faulty_server_listen (TestServer           *server);
/* The fault's name, as in the table above ("reset-status", ...). */
const char *test_fault_get_name       (TestFault             fault);

/* A listener on 127.0.0.1 whose accept queue is full, so the kernel drops
 * further SYNs and a connect to *port stalls in its connecting stage. Free
 * it with g_ptr_array_unref(): the listener and the sockets filling its
 * queue. NULL (with a message on stderr) when the queue would not fill. */
GPtrArray  *test_stalled_listener_new (guint16              *port);

G_END_DECLS
