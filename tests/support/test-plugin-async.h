/* test-plugin-async.h: a main loop of the test's own, and the asynchronous
 * steps (open a transport, write, read) that the async plugin suites
 * (test-async-plugins.c, test-async-streams.c) share; every wait is bounded
 * and fails the test when it runs out */
#pragma once

#include <httplib/httplib.h>

#include "test-server.h"

G_BEGIN_DECLS

/* A fresh context, made thread-default for the test: an operation that
 * attached its sources anywhere else would never finish. */
typedef struct {
  GMainContext *context;
  GMainLoop    *loop;
} TestLoop;

TestLoop           *test_loop_new           (void);
void                test_loop_free          (TestLoop *loop);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestLoop, test_loop_free)

/* Iterates until *done, failing the test after 20 s. */
void                test_run_until          (TestLoop *loop, const gboolean *done);
/* Cancels cancellable after ms, from the loop. */
void                test_cancel_after       (TestLoop *loop, GCancellable *cancellable, guint ms);

/* A new instance of the transport registered as name in the default registry. */
HttplibTransport   *test_new_transport      (const char *name);
/* Opens one link asynchronously and waits; the callback must run on this thread. */
GIOStream          *test_open_async         (TestLoop *loop, HttplibTransport *transport,
                                             HttplibEndpoint *endpoint, GIOStream *base,
                                             GCancellable *cancellable, GError **error);
HttplibEndpoint    *test_endpoint_for       (const char *host, guint16 port, double timeout);
/* TLS settings that trust the test CA of test-certs.h. */
HttplibTlsSettings *test_trusting_settings  (void);
/* A TLS loopback server with the test server certificate. */
TestServer         *test_tls_handler_server (TestServerHandler handler, gpointer user_data,
                                             gboolean no_handshake);
/* A plain TCP connection to 127.0.0.1:port, opened asynchronously. */
GIOStream          *test_tcp_to             (TestLoop *loop, guint16 port);
/* TLS over base to host (port 443 in the endpoint), opened asynchronously. */
GIOStream          *test_open_tls           (TestLoop *loop, HttplibTransport *tls,
                                             GIOStream *base, const char *host,
                                             HttplibTlsSettings *settings, double timeout,
                                             GCancellable *cancellable, GError **error);

/* --- async stream I/O --- */

/* What g_output_stream_write_all_async() reported to test_on_written_all(). */
typedef struct {
  gboolean done;
  gboolean ok;
  gsize    count;
  GError  *error;
} TestIoResult;

void                test_on_written_all     (GObject *stream, GAsyncResult *result,
                                             gpointer user_data);
/* Writes all of data asynchronously, asserted to succeed. */
void                test_write_all_async    (TestLoop *loop, GIOStream *stream, const char *data,
                                             gsize len);
/* Reads until len bytes came or the stream ended. */
GString            *test_read_async         (TestLoop *loop, GIOStream *stream, gsize len);

G_END_DECLS
