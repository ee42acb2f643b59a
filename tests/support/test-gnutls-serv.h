/* test-gnutls-serv.h: Debian's real gnutls-serv as a peer for TLS tests
 *
 * Starts `gnutls-serv --http` (package gnutls-bin) on a free port with the
 * given certificate and key. It answers a GET with an HTML page that shows
 * the session (protocol version, cipher, SNI, the request's header) and then
 * closes. It does not ask for a client certificate.
 *
 * gnutls-serv has no option for its listening address: it listens on every
 * address (IPv4 and IPv6) of the port; clients should use 127.0.0.1.
 *
 * The server is stopped by test_gnutls_serv_stop(), or at the latest when
 * the process that started it exits or dies (on Linux, when the thread that
 * started it ends: start it from the test's own thread).
 *
 * This library uses only GLib, GIO, GnuTLS and Check, never libhttplib.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TestGnutlsServ TestGnutlsServ;

/* How long test_gnutls_serv_start() waits for the server to accept. */
#define TEST_GNUTLS_SERV_START_TIMEOUT 10

/* NULL with G_IO_ERROR_NOT_FOUND when gnutls-serv is not installed (the
 * caller skips), or with G_IO_ERROR_FAILED when it exited or did not
 * accept within TEST_GNUTLS_SERV_START_TIMEOUT seconds. */
TestGnutlsServ *test_gnutls_serv_start      (const char      *cert_file,
                                             const char      *key_file,
                                             GError         **error);
guint16         test_gnutls_serv_get_port   (TestGnutlsServ  *serv);
/* What it printed so far (session details, handshake errors; each start-up
 * probe leaves a "non-properly terminated" line), for failure messages. */
char           *test_gnutls_serv_get_output (TestGnutlsServ  *serv);
/* SIGTERM, then SIGKILL if it is still running after a few seconds; reaps
 * it and frees serv. NULL is allowed. */
void            test_gnutls_serv_stop       (TestGnutlsServ  *serv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestGnutlsServ, test_gnutls_serv_stop)

G_END_DECLS
