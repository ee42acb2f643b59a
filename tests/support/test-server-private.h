/* test-server-private.h: what test-server.c shares with test-requests.c and
 * test-proxy.c */
#pragma once

#include "test-server.h"

G_BEGIN_DECLS

/* The value of the first field called name (any case) in a request head of
 * len bytes, or NULL; count, when given, gets how many there are. */
char *test_head_field (const char *head,
                       gsize       len,
                       const char *name,
                       guint      *count);

/* --- For the CONNECT proxy, which moves bytes past the TestConn reader --- */

/* The connection's socket, or NULL over TLS or once it closed or failed. */
GSocket      *test_conn_get_plain_socket (TestConn     *conn);
/* The server's cancellable, cancelled by test_server_free(). */
GCancellable *test_conn_get_cancellable  (TestConn     *conn);
/* Removes and returns the bytes received but not consumed yet. */
GBytes       *test_conn_take_pending     (TestConn     *conn);
/* Adds bytes read from the socket directly to test_server_get_received(). */
void          test_conn_record_received  (TestConn     *conn,
                                          const guint8 *data,
                                          gsize         len);

/* A server on 127.0.0.1, plain or TLS (options non-NULL), bound to its port
 * but not listening: connecting to it is refused until
 * test_server_start_listening(). */
TestServer   *test_server_new_unlistened     (TestServerHandler     handler,
                                              gpointer              user_data,
                                              const TestTlsOptions *options);
gboolean      test_server_start_listening    (TestServer           *server);

/* For a TLS server in no_handshake mode: runs the server side of the
 * handshake now, on bytes nobody read yet, and records it like one run at
 * accept. Every test_conn_*() call works on decrypted bytes afterwards. */
gboolean      test_conn_start_tls            (TestConn             *conn);

/* notify is called on the user_data once the server thread stopped. */
void          test_server_set_user_data_free (TestServer     *server,
                                              GDestroyNotify  notify);
/* The server's user_data if it runs handler, else NULL. */
gpointer      test_server_get_handler_data   (TestServer        *server,
                                              TestServerHandler  handler);

G_END_DECLS
