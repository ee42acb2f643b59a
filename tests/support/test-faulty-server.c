/* test-faulty-server.c: a loopback HTTP server that misbehaves on purpose */
#include "test-faulty-server.h"
#include "test-server-private.h"

#include <string.h>

#define TLS_HEADER      5       /* a TLS record's header: type, version, length */
#define PAUSE_STEP_MS   50      /* how often a trickle pause checks for cancellation */
#define STALE_RESPONSE  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" TEST_FAULTY_STALE_BODY

typedef struct {
  TestFault fault;
  gboolean  tls;
} Faulty;

static const char * const names[] = {
  [TEST_FAULT_NONE] = "none",
  [TEST_FAULT_REFUSED] = "refused",
  [TEST_FAULT_RESET_CONNECT] = "reset-connect",
  [TEST_FAULT_RESET_HANDSHAKE] = "reset-handshake",
  [TEST_FAULT_RESET_REQUEST] = "reset-request",
  [TEST_FAULT_RESET_STATUS] = "reset-status",
  [TEST_FAULT_RESET_HEADERS] = "reset-headers",
  [TEST_FAULT_RESET_BODY_LENGTH] = "reset-body-length",
  [TEST_FAULT_RESET_BODY_CHUNKED] = "reset-body-chunked",
  [TEST_FAULT_RESET_BODY_EOF] = "reset-body-eof",
  [TEST_FAULT_TRICKLE] = "trickle",
  [TEST_FAULT_SILENT] = "silent",
  [TEST_FAULT_EARLY_ANSWER] = "early-answer",
  [TEST_FAULT_OVERLONG] = "overlong",
  [TEST_FAULT_TRAILING_BYTES] = "trailing-bytes",
};

const char *
test_fault_get_name (TestFault fault)
{
  g_return_val_if_fail (fault < G_N_ELEMENTS (names), "?");

  return names[fault];
}

/* What goes out before the reset of each RESET_* fault after the request. */
static const char *
partial_response (TestFault fault)
{
  switch (fault)
    {
    case TEST_FAULT_RESET_STATUS:
      return "HTTP/1.1 20";
    case TEST_FAULT_RESET_HEADERS:
      return "HTTP/1.1 200 OK\r\nContent-Type: text/pl";
    case TEST_FAULT_RESET_BODY_LENGTH:
      return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello";
    case TEST_FAULT_RESET_BODY_CHUNKED:
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
    case TEST_FAULT_RESET_BODY_EOF:
      return "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello";
    default:
      return NULL;
    }
}

/* Reads the first TLS record (the ClientHello) without answering it. */
static gboolean
read_client_hello (TestConn *conn)
{
  g_autoptr(GString) record = g_string_new (NULL);
  gsize length;

  if (!test_conn_read_exact (conn, TLS_HEADER, record))
    return FALSE;
  length = ((guchar) record->str[3] << 8) | (guchar) record->str[4];
  return test_conn_read_exact (conn, length, record);
}

/* Sleeps ms, or less once the server is being freed. FALSE then. */
static gboolean
pause_ms (TestConn *conn, guint ms)
{
  GCancellable *cancellable = test_conn_get_cancellable (conn);

  for (guint waited = 0; waited < ms; waited += PAUSE_STEP_MS)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      g_usleep (MIN (PAUSE_STEP_MS, ms - waited) * 1000);
    }
  return !g_cancellable_is_cancelled (cancellable);
}

static void
trickle (TestConn *conn, const char *data)
{
  for (gsize i = 0; data[i] != '\0'; i++)
    if ((i > 0 && !pause_ms (conn, TEST_FAULTY_TRICKLE_MS)) || !test_conn_write (conn, data + i, 1))
      return;
}

static GString *
trailing_bytes (void)
{
  GString *out = g_string_new (TEST_FAULTY_GOOD_RESPONSE);
  gsize end = out->len + TEST_FAULTY_TRAILING_SIZE;

  while (out->len < end)
    g_string_append (out, STALE_RESPONSE);
  g_string_truncate (out, end);
  return out;
}

/* Answers every request well until the client closes. */
static void
serve (TestConn *conn)
{
  for (;;)
    {
      g_autoptr(GString) request = test_conn_read_request (conn);

      if (request == NULL || !test_conn_write (conn, TEST_FAULTY_GOOD_RESPONSE, -1))
        return;
    }
}

static void
faulty_handler (TestConn *conn, guint index, gpointer user_data)
{
  Faulty *faulty = user_data;
  TestFault fault = index == 0 ? faulty->fault : TEST_FAULT_NONE;
  g_autoptr(GString) request = NULL;

  /* Before the TLS handshake. */
  if (fault == TEST_FAULT_RESET_CONNECT)
    {
      test_conn_reset (conn);
      return;
    }
  if (fault == TEST_FAULT_RESET_HANDSHAKE)
    {
      if (read_client_hello (conn))
        test_conn_reset (conn);
      return;
    }
  if (faulty->tls && !test_conn_start_tls (conn))
    return;

  switch (fault)
    {
    case TEST_FAULT_NONE:
    case TEST_FAULT_REFUSED:
    case TEST_FAULT_RESET_CONNECT:
    case TEST_FAULT_RESET_HANDSHAKE:
      break;

    case TEST_FAULT_RESET_REQUEST:
      request = test_conn_read_head (conn);
      if (request != NULL)
        test_conn_reset (conn);
      return;

    case TEST_FAULT_RESET_STATUS:
    case TEST_FAULT_RESET_HEADERS:
    case TEST_FAULT_RESET_BODY_LENGTH:
    case TEST_FAULT_RESET_BODY_CHUNKED:
    case TEST_FAULT_RESET_BODY_EOF:
      request = test_conn_read_request (conn);
      if (request != NULL && test_conn_write (conn, partial_response (fault), -1))
        test_conn_reset (conn);
      return;

    case TEST_FAULT_TRICKLE:
      request = test_conn_read_request (conn);
      if (request != NULL)
        trickle (conn, TEST_FAULTY_GOOD_RESPONSE);
      return;

    case TEST_FAULT_SILENT:
      request = test_conn_read_request (conn);
      if (request != NULL)
        g_string_free (test_conn_read_until_close (conn), TRUE);
      return;

    case TEST_FAULT_EARLY_ANSWER:
      request = test_conn_read_head (conn);
      if (request != NULL && test_conn_write (conn, TEST_FAULTY_EARLY_RESPONSE, -1))
        g_string_free (test_conn_read_until_close (conn), TRUE);
      return;

    case TEST_FAULT_OVERLONG:
      request = test_conn_read_request (conn);
      if (request == NULL || !test_conn_write (conn, TEST_FAULTY_OVERLONG_RESPONSE, -1))
        return;
      break;

    case TEST_FAULT_TRAILING_BYTES:
      request = test_conn_read_request (conn);
      if (request != NULL)
        {
          g_autoptr(GString) answer = trailing_bytes ();

          if (!test_conn_write (conn, answer->str, (gssize) answer->len))
            return;
        }
      break;
    }
  serve (conn);
}

TestServer *
test_faulty_server_new (TestFault fault, const TestTlsOptions *tls)
{
  Faulty *faulty;
  TestTlsOptions options;
  TestServer *server;

  g_return_val_if_fail (fault <= TEST_FAULT_TRAILING_BYTES, NULL);
  g_return_val_if_fail (fault != TEST_FAULT_RESET_HANDSHAKE || tls != NULL, NULL);

  faulty = g_new0 (Faulty, 1);
  faulty->fault = fault;
  faulty->tls = tls != NULL;
  if (tls != NULL)
    {
      options = *tls;
      options.no_handshake = TRUE;
    }

  if (fault == TEST_FAULT_REFUSED)
    server = test_server_new_unlistened (faulty_handler, faulty, tls ? &options : NULL);
  else if (tls != NULL)
    server = test_server_new_tls (faulty_handler, faulty, &options);
  else
    server = test_server_new (faulty_handler, faulty);
  if (server == NULL)
    {
      g_free (faulty);
      return NULL;
    }
  test_server_set_user_data_free (server, g_free);
  return server;
}

gboolean
test_faulty_server_listen (TestServer *server)
{
  g_return_val_if_fail (test_server_get_handler_data (server, faulty_handler) != NULL, FALSE);

  return test_server_start_listening (server);
}

GPtrArray *
test_stalled_listener_new (guint16 *port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  GSocket *listener;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (listener == NULL)
    return NULL;
  g_ptr_array_add (sockets, listener);
  g_socket_set_listen_backlog (listener, 0);
  if (!g_socket_bind (listener, any, TRUE, NULL) || !g_socket_listen (listener, NULL))
    return NULL;
  bound = g_socket_get_local_address (listener, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  /* Fill the queue until a connect no longer completes at once. */
  for (guint i = 0; i < 16; i++)
    {
      GSocket *filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL);

      if (filler == NULL)
        return NULL;
      g_ptr_array_add (sockets, filler);
      g_socket_set_blocking (filler, FALSE);
      g_socket_connect (filler, bound, NULL, NULL);
      if (!g_socket_condition_timed_wait (filler, G_IO_OUT, 100 * 1000, NULL, NULL))
        return g_steal_pointer (&sockets);
    }
  g_printerr ("could not fill the accept queue of a loopback listener\n");
  return NULL;
}
