/* test-server.h: an in-process loopback HTTP server for the integration suites
 *
 * The server listens on 127.0.0.1 (or ::1) on a free port, or on a Unix
 * domain socket, and runs its own thread. Connections are handled one at a time, in accept order, by a
 * handler that reads requests and writes any raw bytes it likes: split into
 * small writes, cut short, closed or reset at any point. Every socket has a
 * timeout and every blocking call is cancelled by test_server_free(), so no
 * test can hang on the server.
 *
 * Handlers run on the server thread: they must not call Check's assertions.
 * They record what they see, and the test thread checks it afterwards.
 *
 * In TLS mode the server runs the TLS handshake (GnuTLS) on its thread right
 * after accept, then calls the handler, for which every test_conn_*()
 * function works on the decrypted bytes.
 *
 * This library uses only GLib, GIO, GnuTLS and Check, never libhttplib.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TestServer TestServer;
typedef struct _TestConn TestConn;

/* Called on the server thread for each accepted connection; index is the
 * 0-based number of the connection. The connection is closed after the
 * handler returns, if the handler did not close it. */
typedef void (*TestServerHandler) (TestConn *conn,
                                   guint     index,
                                   gpointer  user_data);

/* How long any single socket operation of the server may block. */
#define TEST_SERVER_IO_TIMEOUT 10

TestServer *test_server_new            (TestServerHandler handler,
                                        gpointer          user_data);
/* NULL (with a message on stderr) when IPv6 loopback is unavailable. */
TestServer *test_server_new_ipv6       (TestServerHandler handler,
                                        gpointer          user_data);
/* On a Unix domain socket made at path (which must not exist); the port
 * is 0. NULL (with a message on stderr) when it cannot listen there. */
TestServer *test_server_new_unix       (const char       *path,
                                        TestServerHandler handler,
                                        gpointer          user_data);
void        test_server_free           (TestServer       *server);

guint16     test_server_get_port       (TestServer       *server);
guint       test_server_get_n_connections (TestServer    *server);
/* Every request read by test_conn_read_request(), in order, as raw GBytes
 * (head and body as received). A copy: free it with g_ptr_array_unref(). */
GPtrArray  *test_server_get_requests   (TestServer       *server);
/* Every byte received on connection index (empty if no such connection);
 * over TLS the decrypted bytes. */
GBytes     *test_server_get_received   (TestServer       *server,
                                        guint             index);
/* The size of the first recv() on connection index, 0 if none: a request
 * written in one write() arrives in one piece on loopback. Over TLS the size
 * of the first decrypted record. */
gsize       test_server_get_first_recv_size (TestServer  *server,
                                             guint        index);
/* Waits (at most TEST_SERVER_IO_TIMEOUT * 2 seconds) until n connections were
 * handled completely: handler returned and socket closed. */
gboolean    test_server_wait_handled   (TestServer       *server,
                                        guint             n);

/* --- TLS ---
 *
 * A TLS server loads its credentials once, offers ALPN "http/1.1" and
 * resumes sessions from tickets (TLS 1.3 and 1.2). A failed handshake is
 * recorded and the connection closed without calling the handler; the
 * connection still counts for test_server_wait_handled(). For handlers, a
 * client that closes without close_notify ends the stream like one that
 * sends it. */

typedef enum {
  TEST_TLS_CLIENT_CERT_NONE,     /* do not ask */
  TEST_TLS_CLIENT_CERT_REQUEST,  /* ask; the handshake goes on without one */
  TEST_TLS_CLIENT_CERT_REQUIRE,  /* the handshake fails without one */
} TestTlsClientCert;

typedef struct {
  const char        *cert_file;    /* PEM; required */
  const char        *key_file;     /* PEM; required */
  const char        *ca_file;      /* verifies client certificates (for clientAuth); NULL: none */
  TestTlsClientCert  client_cert;
  const char        *priority;     /* NULL: "NORMAL"; "NORMAL:-VERS-ALL:+VERS-TLS1.2" forces TLS 1.2 */
  gboolean           no_handshake; /* the handler gets the raw TCP bytes (plain HTTP on the
                                    * TLS port, closing during the handshake, ...) */
} TestTlsOptions;

/* The options are copied. NULL (with a message on stderr) when the
 * credentials or the priority string do not load. */
TestServer *test_server_new_tls        (TestServerHandler     handler,
                                        gpointer              user_data,
                                        const TestTlsOptions *options);
/* On ::1; also NULL when IPv6 loopback is unavailable. */
TestServer *test_server_new_tls_ipv6   (TestServerHandler     handler,
                                        gpointer              user_data,
                                        const TestTlsOptions *options);

/* What the handshake of connection index found. Recorded before the handler
 * runs: read them once the client got a response, or after
 * test_server_wait_handled(). FALSE or NULL for an unknown index, a plain
 * server or no_handshake. Free the strings. */
gboolean    test_server_get_tls_resumed          (TestServer *server,
                                                  guint       index);
/* The client certificate's DN (RFC 4514, "CN=test client"), NULL if none. */
char       *test_server_get_tls_client_subject   (TestServer *server,
                                                  guint       index);
/* The SNI host name the client sent, NULL if none. */
char       *test_server_get_tls_server_name      (TestServer *server,
                                                  guint       index);
/* The ALPN protocol negotiated, NULL if none. */
char       *test_server_get_tls_alpn             (TestServer *server,
                                                  guint       index);
/* TRUE when the handshake failed (the client aborted it, sent no required
 * certificate, spoke no TLS, ...) or was cancelled. */
gboolean    test_server_get_tls_handshake_failed (TestServer *server,
                                                  guint       index);

/* --- For handlers --- */

/* Reads exactly one request: the head up to CRLFCRLF, then a body framed by
 * Content-Length or chunked (with trailers). NULL on EOF or error. The
 * request is recorded for test_server_get_requests(). */
GString    *test_conn_read_request     (TestConn         *conn);
/* Only the head, up to and including CRLFCRLF, not recorded as a request
 * (for handlers that answer before the body: Expect: 100-continue). NULL
 * on EOF or error. */
GString    *test_conn_read_head        (TestConn         *conn);
gboolean    test_conn_read_exact       (TestConn         *conn,
                                        gsize             n,
                                        GString          *out);
/* Everything until the peer closes (or the timeout). Never NULL. */
GString    *test_conn_read_until_close (TestConn         *conn);
/* FALSE once a write failed (the peer went away); later writes do nothing. */
gboolean    test_conn_write            (TestConn         *conn,
                                        const char       *data,
                                        gssize            len);
/* Writes in pieces of chunk bytes with a short pause between, so the
 * client sees the data in many small reads. */
gboolean    test_conn_write_split      (TestConn         *conn,
                                        const char       *data,
                                        gsize             len,
                                        gsize             chunk);
/* Over TLS, sends close_notify first (unless the connection failed). */
void        test_conn_close            (TestConn         *conn);
/* Closes TCP without a TLS close_notify: the peer sees a truncation. Over
 * plain TCP the same as test_conn_close(). */
void        test_conn_close_abruptly   (TestConn         *conn);
/* SO_LINGER 0, then close: the peer gets a RST (no close_notify). */
void        test_conn_reset            (TestConn         *conn);
/* TLS only (not in no_handshake mode): encrypts data (at most 16384 bytes)
 * as one record but puts only its first keep bytes (5-byte header
 * included) on the wire, so the client sees a truncated record. The
 * connection is unusable afterwards: later writes fail, and closing sends
 * no close_notify. FALSE on a write error. */
gboolean    test_conn_write_truncated_record (TestConn   *conn,
                                              const char *data,
                                              gsize       len,
                                              gsize       keep);
guint       test_conn_get_index        (TestConn         *conn);

/* --- Scripted servers ---
 *
 * A script is a NULL-terminated list of steps run across connections in
 * order. A plain string step reads one request and writes the string as the
 * response. The special steps below do what they say; when a step ends a
 * connection, the next step runs on the next connection. After the last
 * step the server waits for the client to close (a request that arrives
 * then is recorded and answered by closing). */
#define TEST_STEP_CLOSE       "\001close"       /* close now, read nothing */
#define TEST_STEP_RESET       "\001reset"       /* reset now, read nothing */
#define TEST_STEP_READ_CLOSE  "\001read-close"  /* read a request, close without answering */
#define TEST_STEP_READ_HANG   "\001read-hang"   /* read a request, never answer, wait for the client to go */
#define TEST_STEP_WAIT_CLOSE  "\001wait-close"  /* wait for the client to close */

typedef struct {
  const char * const *steps;
  gsize               split;  /* 0: one write per response; else piece size */
  /*< private >*/
  guint               pos;
} TestScript;

/* The handler behind scripted servers; user_data is a TestScript that must
 * outlive the server. */
void        test_script_handler        (TestConn         *conn,
                                        guint             index,
                                        gpointer          user_data);
/* A server on 127.0.0.1 running a copy of steps (split: see TestScript). */
TestServer *test_server_new_script     (const char * const *steps,
                                        gsize               split);
/* The same over TLS (see test_server_new_tls()). */
TestServer *test_server_new_script_tls (const char * const   *steps,
                                        gsize                 split,
                                        const TestTlsOptions *options);

/* --- Looking at recorded requests --- */

/* The request line, without CRLF. */
char       *test_request_get_line      (GBytes           *request);
/* The value of the first field called name (any case), or NULL. */
char       *test_request_get_header    (GBytes           *request,
                                        const char       *name);
guint       test_request_count_header  (GBytes           *request,
                                        const char       *name);
/* The head up to and including CRLFCRLF, as a string. */
char       *test_request_get_head      (GBytes           *request);
/* The bytes after the head, as received (chunked framing kept). */
GBytes     *test_request_get_body      (GBytes           *request);

/* A chunked body decoded (extensions and trailers dropped); NULL when it
 * is not valid chunked framing. */
GBytes     *test_decode_chunked        (GBytes           *body);

/* --- Assertions for the test thread (Check), printing expected and actual --- */

/* data as C source would spell it (\r, \n, \xNN), shortened; free it */
char       *test_escape                (const char       *data,
                                        gsize             len);
void        test_assert_bytes_equal    (GBytes           *actual,
                                        const char       *expected,
                                        gssize            expected_len,
                                        const char       *what);
/* The index-th recorded request (a new reference); fails the test when the
 * server recorded fewer. */
GBytes     *test_server_get_request    (TestServer       *server,
                                        guint             index);
guint       test_server_get_n_requests (TestServer       *server);
void        test_assert_request_line   (GBytes           *request,
                                        const char       *expected);
/* expected NULL: the field must be absent; else present exactly once. */
void        test_assert_request_header (GBytes           *request,
                                        const char       *name,
                                        const char       *expected);

/* --- Signal recording that does not depend on a signal's exact C types --- */

typedef void (*TestSignalFunc) (const GValue *params,
                                guint         n_params,
                                gpointer      user_data);

/* Connects func to instance's detailed_signal with a marshaller that passes
 * the signal's parameters (the instance excluded) as GValues. */
gulong      test_signal_connect        (gpointer          instance,
                                        const char       *detailed_signal,
                                        TestSignalFunc    func,
                                        gpointer          user_data);
/* An int, uint, enum, flags, boolean or char GValue as a gint64. */
gint64      test_value_get_int         (const GValue     *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)

G_END_DECLS
