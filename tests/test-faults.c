/* test-faults.c: servers that misbehave on purpose, over each transport
 *
 * One row per fault and transport (tcp; tcp -> tls; tcp -> tunnel, with
 * tls above the tunnel for the handshake fault). Each row checks the exact
 * error and the call that returns it, that no file descriptor is left open,
 * that a timeout fires within its time, and that after
 * httplib_connection_close() the same connection object completes a good
 * request. The blocking API runs every row; the async API a subset.
 * LeakSanitizer (the asan build) checks memory.
 */
#include <httplib/httplib.h>
#include <string.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-faulty-server.h"
#include "test-proxy.h"
#include "test-server.h"
#include "test-utils.h"

/* The connection's timeout in rows that wait for it, and in the others,
 * where it only stops a hang. */
#define SHORT_TIMEOUT   2
#define LONG_TIMEOUT    10
/* How late past its time a timeout may fire on a loaded machine. */
#define TIMEOUT_SLACK   5.0
/* A body that cannot fit in the socket buffers between client and server
 * (through the proxy: two hops), so the client is still writing when the
 * server resets or answers. */
#define BIG_BODY_SIZE   (48 * 1024 * 1024)

typedef enum {
  VIA_TCP,
  VIA_TLS,
  VIA_TUNNEL,
} Via;

static const char * const via_names[] = { "tcp", "tls", "tunnel" };

/* Which call fails. */
typedef enum {
  AT_NONE     = 0,       /* nothing: the row expects success */
  AT_REQUEST  = 1 << 0,  /* httplib_connection_request (connecting included) */
  AT_RESPONSE = 1 << 1,  /* httplib_connection_get_response */
  AT_BODY     = 1 << 2,  /* httplib_response_read */
} Stage;

typedef struct {
  TestFault    fault;
  Via          via;
  Stage        at;       /* where the error may come: a mask, for the races the row explains */
  GQuark     (*domain) (void);
  int          code;
  gboolean     timed;    /* the error is the connection's timeout */
} FaultRow;

#define HTTPLIB(c) httplib_error_quark, HTTPLIB_ERROR_##c
#define GIO(c)     g_io_error_quark, G_IO_ERROR_##c
#define OK         NULL, 0

static const FaultRow rows[] = {
  { TEST_FAULT_REFUSED, VIA_TCP, AT_REQUEST, GIO (CONNECTION_REFUSED) },
  { TEST_FAULT_REFUSED, VIA_TLS, AT_REQUEST, GIO (CONNECTION_REFUSED) },
  /* the proxy could not reach the origin: 502 */
  { TEST_FAULT_REFUSED, VIA_TUNNEL, AT_REQUEST, HTTPLIB (TUNNEL_FAILED) },

  /* Over tcp the client's connect() is done when the server resets: the
   * request's write meets the RST, or the response's read if the write was
   * faster. */
  { TEST_FAULT_RESET_CONNECT, VIA_TCP, AT_REQUEST | AT_RESPONSE, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_CONNECT, VIA_TLS, AT_REQUEST, GIO (CONNECTION_CLOSED) },
  /* the proxy resets after reading the CONNECT request */
  { TEST_FAULT_RESET_CONNECT, VIA_TUNNEL, AT_REQUEST, GIO (CONNECTION_CLOSED) },

  /* no handshake over plain tcp; through the tunnel, TLS to the origin */
  { TEST_FAULT_RESET_HANDSHAKE, VIA_TLS, AT_REQUEST, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_HANDSHAKE, VIA_TUNNEL, AT_REQUEST, GIO (CONNECTION_CLOSED) },

  { TEST_FAULT_RESET_REQUEST, VIA_TCP, AT_REQUEST, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_REQUEST, VIA_TLS, AT_REQUEST, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_REQUEST, VIA_TUNNEL, AT_REQUEST, GIO (CONNECTION_CLOSED) },

  { TEST_FAULT_RESET_STATUS, VIA_TCP, AT_RESPONSE, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_STATUS, VIA_TLS, AT_RESPONSE, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_STATUS, VIA_TUNNEL, AT_RESPONSE, GIO (CONNECTION_CLOSED) },

  { TEST_FAULT_RESET_HEADERS, VIA_TCP, AT_RESPONSE, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_HEADERS, VIA_TLS, AT_RESPONSE, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_HEADERS, VIA_TUNNEL, AT_RESPONSE, GIO (CONNECTION_CLOSED) },

  { TEST_FAULT_RESET_BODY_LENGTH, VIA_TCP, AT_BODY, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_BODY_LENGTH, VIA_TLS, AT_BODY, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_BODY_LENGTH, VIA_TUNNEL, AT_BODY, GIO (CONNECTION_CLOSED) },

  { TEST_FAULT_RESET_BODY_CHUNKED, VIA_TCP, AT_BODY, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_BODY_CHUNKED, VIA_TLS, AT_BODY, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_BODY_CHUNKED, VIA_TUNNEL, AT_BODY, GIO (CONNECTION_CLOSED) },

  { TEST_FAULT_RESET_BODY_EOF, VIA_TCP, AT_BODY, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_BODY_EOF, VIA_TLS, AT_BODY, GIO (CONNECTION_CLOSED) },
  { TEST_FAULT_RESET_BODY_EOF, VIA_TUNNEL, AT_BODY, GIO (CONNECTION_CLOSED) },

  { TEST_FAULT_TRICKLE, VIA_TCP, AT_RESPONSE, GIO (TIMED_OUT), TRUE },
  { TEST_FAULT_TRICKLE, VIA_TLS, AT_RESPONSE, GIO (TIMED_OUT), TRUE },
  { TEST_FAULT_TRICKLE, VIA_TUNNEL, AT_RESPONSE, GIO (TIMED_OUT), TRUE },

  { TEST_FAULT_SILENT, VIA_TCP, AT_RESPONSE, GIO (TIMED_OUT), TRUE },
  { TEST_FAULT_SILENT, VIA_TLS, AT_RESPONSE, GIO (TIMED_OUT), TRUE },
  { TEST_FAULT_SILENT, VIA_TUNNEL, AT_RESPONSE, GIO (TIMED_OUT), TRUE },

  /* the answer waits in the socket while the body goes out (the server
   * drops it): the response is the server's 413 */
  { TEST_FAULT_EARLY_ANSWER, VIA_TCP, AT_NONE, OK },
  { TEST_FAULT_EARLY_ANSWER, VIA_TLS, AT_NONE, OK },
  { TEST_FAULT_EARLY_ANSWER, VIA_TUNNEL, AT_NONE, OK },

  /* the declared length wins; what follows is never read as a response */
  { TEST_FAULT_OVERLONG, VIA_TCP, AT_NONE, OK },
  { TEST_FAULT_OVERLONG, VIA_TLS, AT_NONE, OK },
  { TEST_FAULT_OVERLONG, VIA_TUNNEL, AT_NONE, OK },

  { TEST_FAULT_TRAILING_BYTES, VIA_TCP, AT_NONE, OK },
  { TEST_FAULT_TRAILING_BYTES, VIA_TLS, AT_NONE, OK },
  { TEST_FAULT_TRAILING_BYTES, VIA_TUNNEL, AT_NONE, OK },
};

/* --- open file descriptors --- */

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  ck_assert_ptr_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* --- the servers of one row --- */

typedef struct {
  TestServer *origin;   /* the faulty server */
  TestServer *proxy;    /* VIA_TUNNEL only */
  gboolean    https;    /* TLS to the origin (directly or through the tunnel) */
} Servers;

static TestTlsOptions
tls_options (void)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };

  options.cert_file = certs->server_cert_file;
  options.key_file = certs->server_key_file;
  return options;
}

static void
servers_start (Servers *servers, TestFault fault, Via via)
{
  TestTlsOptions options = tls_options ();
  /* a failing CONNECT is the proxy's fault; the tunnels after it work */
  static const TestProxyStep reset_then_tunnel[] = {
    { TEST_PROXY_RESET, NULL },
    { TEST_PROXY_TUNNEL, NULL },
  };

  servers->https = via == VIA_TLS || fault == TEST_FAULT_RESET_HANDSHAKE;
  if (via == VIA_TUNNEL && fault == TEST_FAULT_RESET_CONNECT)
    {
      servers->origin = test_faulty_server_new (TEST_FAULT_NONE, NULL);
      servers->proxy = test_proxy_new (reset_then_tunnel, G_N_ELEMENTS (reset_then_tunnel), NULL);
    }
  else
    {
      servers->origin = test_faulty_server_new (fault, servers->https ? &options : NULL);
      if (via == VIA_TUNNEL)
        servers->proxy = test_proxy_new (NULL, 0, NULL);
    }
  ck_assert_ptr_nonnull (servers->origin);
  ck_assert (via != VIA_TUNNEL || servers->proxy != NULL);
}

static void
servers_stop (Servers *servers)
{
  g_clear_pointer (&servers->proxy, test_server_free);
  g_clear_pointer (&servers->origin, test_server_free);
}

static HttplibConnection *
connection_for (Servers *servers, double timeout)
{
  g_autoptr(HttplibTlsSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  TestServer *first = servers->proxy ? servers->proxy : servers->origin;
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (first));
  HttplibConnection *conn;

  if (servers->https)
    {
      settings = httplib_tls_settings_new ();
      httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
      conn = httplib_connection_new_https (host, 0, settings, &error);
    }
  else
    conn = httplib_connection_new (host, 0, &error);
  httplib_assert_no_error (error);
  ck_assert (httplib_connection_set_timeout (conn, timeout, &error));
  if (servers->proxy != NULL)
    {
      ck_assert (httplib_connection_set_tunnel (conn, "127.0.0.1",
                                                test_server_get_port (servers->origin), NULL,
                                                &error));
      httplib_assert_no_error (error);
    }
  return conn;
}

/* --- the request each fault gets --- */

static gboolean
sends_big_body (TestFault fault)
{
  return fault == TEST_FAULT_RESET_REQUEST || fault == TEST_FAULT_EARLY_ANSWER;
}

static HttplibBodySource *
big_body (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_malloc0 (BIG_BODY_SIZE), BIG_BODY_SIZE);
  g_autoptr(GError) error = NULL;
  HttplibBodySource *body = httplib_body_source_new_for_bytes (bytes, &error);

  httplib_assert_no_error (error);
  return body;
}

/* --- one exchange --- */

typedef struct {
  Stage            failed_at;   /* AT_NONE when all went well */
  GError          *error;
  HttplibResponse *response;
  GBytes          *body;
  double           seconds;     /* from the request to the error, or to the body */
} Exchange;

static void
exchange_clear (Exchange *ex)
{
  g_clear_error (&ex->error);
  g_clear_object (&ex->response);
  g_clear_pointer (&ex->body, g_bytes_unref);
}

/* request, get_response and read (-1), stopping at the first error. */
static void
exchange (HttplibConnection *conn, TestFault fault, gboolean async, Exchange *ex)
{
  g_autoptr(HttplibBodySource) body = sends_big_body (fault) ? big_body () : NULL;
  const char *method = body ? "POST" : "GET";
  gint64 start = g_get_monotonic_time ();
  gboolean sent;

  *ex = (Exchange) { AT_NONE, NULL, NULL, NULL, 0 };
  if (async)
    sent = test_async_request (conn, method, "/", body, NULL, NULL, &ex->error);
  else
    sent = httplib_connection_request (conn, method, "/", body, NULL, NULL, &ex->error);
  if (!sent)
    ex->failed_at = AT_REQUEST;
  else
    {
      ex->response = async ? test_async_get_response (conn, NULL, &ex->error)
                           : httplib_connection_get_response (conn, NULL, &ex->error);
      if (ex->response == NULL)
        ex->failed_at = AT_RESPONSE;
      else
        {
          ex->body = async ? test_async_read_all (ex->response, NULL, &ex->error)
                           : httplib_response_read (ex->response, -1, NULL, &ex->error);
          if (ex->body == NULL)
            ex->failed_at = AT_BODY;
        }
    }
  ck_assert_msg ((ex->failed_at == AT_NONE) == (ex->error == NULL),
                 "a call failed without an error, or set one and succeeded");
  ex->seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static const char *
stage_name (Stage stage)
{
  switch (stage)
    {
    case AT_NONE: return "nothing";
    case AT_REQUEST: return "request";
    case AT_RESPONSE: return "get_response";
    case AT_BODY: return "read";
    default: return "a mask";
    }
}

/* What a row that expects success checks beyond the lack of an error. */
static void
check_success (const FaultRow *row, const char *what, HttplibConnection *conn, Exchange *ex,
               Servers *servers)
{
  switch (row->fault)
    {
    case TEST_FAULT_EARLY_ANSWER:
      ck_assert_msg (httplib_response_get_status (ex->response) == 413,
                     "%s: expected the early 413, got %u", what,
                     httplib_response_get_status (ex->response));
      test_assert_bytes_equal (ex->body, TEST_FAULTY_EARLY_BODY, -1, what);
      ck_assert_msg (httplib_response_get_will_close (ex->response),
                     "%s: the early answer said Connection: close", what);
      break;

    case TEST_FAULT_OVERLONG:
    case TEST_FAULT_TRAILING_BYTES:
      test_assert_bytes_equal (ex->body, row->fault == TEST_FAULT_OVERLONG
                                         ? TEST_FAULTY_OVERLONG_BODY : TEST_FAULTY_GOOD_BODY,
                               -1, what);
      {
        /* the next request on this connection gets its own answer, from a
         * new connection: the stray bytes made the old one unusable */
        g_autoptr(HttplibResponse) next = test_do_request (conn, "GET", "/next", NULL, NULL);

        test_assert_body (next, TEST_FAULTY_GOOD_BODY);
        ck_assert_msg (test_server_get_n_connections (servers->origin) == 2,
                       "%s: expected the next request on a second connection, the server "
                       "accepted %u", what, test_server_get_n_connections (servers->origin));
      }
      break;

    default:
      ck_abort_msg ("%s: no success check for this fault", what);
    }
}

/* A good request on the same connection object, after close(). */
static void
check_usable (HttplibConnection *conn, const char *what, gboolean async)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) resp = NULL;
  g_autoptr(GBytes) body = NULL;
  gboolean sent;

  httplib_connection_close (conn);
  /* DISCONNECTED when it never connected (the refused rows) */
  ck_assert_msg (httplib_connection_get_state (conn) == HTTPLIB_CONNECTION_STATE_CLOSED ||
                 httplib_connection_get_state (conn) == HTTPLIB_CONNECTION_STATE_DISCONNECTED,
                 "%s: expected the closed state after close(), got %d", what,
                 httplib_connection_get_state (conn));
  sent = async ? test_async_request (conn, "GET", "/", NULL, NULL, NULL, &error)
               : httplib_connection_request (conn, "GET", "/again", NULL, NULL, NULL, &error);
  ck_assert_msg (sent, "%s: the request after close() failed: %s", what,
                 error ? error->message : "");
  resp = async ? test_async_get_response (conn, NULL, &error)
               : httplib_connection_get_response (conn, NULL, &error);
  ck_assert_msg (resp != NULL, "%s: the response after close() failed: %s", what,
                 error ? error->message : "");
  body = async ? test_async_read_all (resp, NULL, &error) : httplib_response_read (resp, -1, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  test_assert_bytes_equal (body, TEST_FAULTY_GOOD_BODY, -1, what);
}

/* A good exchange over via before counting file descriptors, so that what
 * GLib, GnuTLS and the plugins open once per process is open already. */
static void
warm_up (Via via, gboolean https, gboolean async)
{
  TestTlsOptions options = tls_options ();
  Servers servers = { NULL, NULL, https };
  g_autoptr(HttplibConnection) conn = NULL;

  servers.origin = test_faulty_server_new (TEST_FAULT_NONE, https ? &options : NULL);
  if (via == VIA_TUNNEL)
    servers.proxy = test_proxy_new (NULL, 0, NULL);
  conn = connection_for (&servers, LONG_TIMEOUT);
  check_usable (conn, "warm-up", async);
  g_clear_object (&conn);
  servers_stop (&servers);
}

static void
run_row (const FaultRow *row, gboolean async)
{
  g_autofree char *what = g_strdup_printf ("%s over %s (%s)", test_fault_get_name (row->fault),
                                           via_names[row->via], async ? "async" : "sync");
  double timeout = row->timed ? SHORT_TIMEOUT : LONG_TIMEOUT;
  Servers servers = { 0 };
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GMainContext) context = async ? g_main_context_new () : NULL;
  Exchange ex;
  guint fds_before, fds_after;

  if (context != NULL)
    g_main_context_push_thread_default (context);
  warm_up (row->via, row->via == VIA_TLS || row->fault == TEST_FAULT_RESET_HANDSHAKE, async);
  fds_before = count_fds ();

  servers_start (&servers, row->fault, row->via);
  conn = connection_for (&servers, timeout);
  exchange (conn, row->fault, async, &ex);

  if (row->domain == NULL)
    {
      ck_assert_msg (ex.error == NULL, "%s: expected success, %s failed with %s:%d: %s", what,
                     stage_name (ex.failed_at), g_quark_to_string (ex.error->domain),
                     ex.error->code, ex.error->message);
      check_success (row, what, conn, &ex, &servers);
    }
  else
    {
      ck_assert_msg (ex.error != NULL, "%s: expected %s:%d, every call succeeded", what,
                     g_quark_to_string (row->domain ()), row->code);
      ck_assert_msg (ex.error->domain == row->domain () && ex.error->code == row->code,
                     "%s: expected %s:%d, got %s:%d: %s", what, g_quark_to_string (row->domain ()),
                     row->code, g_quark_to_string (ex.error->domain), ex.error->code,
                     ex.error->message);
      ck_assert_msg ((ex.failed_at & row->at) != 0, "%s: expected the error from %s, got it from %s",
                     what, stage_name (row->at), stage_name (ex.failed_at));
      /* a failed call leaves the connection closed, never half-used */
      ck_assert_msg (httplib_connection_get_state (conn) == HTTPLIB_CONNECTION_STATE_CLOSED ||
                     httplib_connection_get_state (conn) == HTTPLIB_CONNECTION_STATE_DISCONNECTED,
                     "%s: expected the connection closed after the error, its state is %d", what,
                     httplib_connection_get_state (conn));
    }
  if (row->timed)
    {
      /* a hang guard, generous for a loaded machine; never early */
      ck_assert_msg (ex.seconds <= timeout + TIMEOUT_SLACK,
                     "%s: the %g s timeout fired after %.2f s", what, timeout, ex.seconds);
      ck_assert_msg (ex.seconds >= timeout - 0.05,
                     "%s: the %g s timeout fired early, after %.2f s", what, timeout, ex.seconds);
    }
  exchange_clear (&ex);

  if (row->fault == TEST_FAULT_REFUSED)
    ck_assert (test_faulty_server_listen (servers.origin));
  /* A trickling server notices the client left only when a write of its
   * fails, a second or two later, and serves one connection at a time. */
  ck_assert (httplib_connection_set_timeout (conn, LONG_TIMEOUT, NULL));
  check_usable (conn, what, async);

  g_clear_object (&conn);
  servers_stop (&servers);
  fds_after = count_fds ();
  ck_assert_msg (fds_after == fds_before, "%s: %u file descriptors open before, %u after", what,
                 fds_before, fds_after);

  if (context != NULL)
    g_main_context_pop_thread_default (context);
}

START_TEST (test_fault_sync)
{
  run_row (&rows[_i], FALSE);
}
END_TEST

/* The async API on the faults where it waits differently from the blocking
 * one: a slow server, a silent one, and a reset in the middle of a body. */
static const FaultRow *
async_row (guint i)
{
  static const TestFault faults[] = {
    TEST_FAULT_TRICKLE, TEST_FAULT_SILENT, TEST_FAULT_RESET_BODY_LENGTH,
  };
  TestFault fault = faults[i / 3];
  Via via = (Via) (i % 3);

  for (gsize r = 0; r < G_N_ELEMENTS (rows); r++)
    if (rows[r].fault == fault && rows[r].via == via)
      return &rows[r];
  g_assert_not_reached ();
}

START_TEST (test_fault_async)
{
  run_row (async_row ((guint) _i), TRUE);
}
END_TEST

static Suite *
faults_suite (void)
{
  Suite *suite = suite_create ("faults");
  TCase *tc;

  tc = tcase_create ("sync");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_fault_sync, 0, G_N_ELEMENTS (rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("async");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_fault_async, 0, 9);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (faults_suite)
