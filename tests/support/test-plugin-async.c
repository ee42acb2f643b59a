/* test-plugin-async.c: a main loop of the test's own, and the asynchronous
 * steps (open a transport, write, read) the async plugin suites share */
#include "test-plugin-async.h"
#include "test-certs.h"
#include "test-utils.h"

/* Every wait of a test is bounded by this; reaching it fails the test. */
#define WAIT_LIMIT_S 20

/* --- the main loop --- */

TestLoop *
test_loop_new (void)
{
  TestLoop *loop = g_new0 (TestLoop, 1);

  loop->context = g_main_context_new ();
  g_main_context_push_thread_default (loop->context);
  loop->loop = g_main_loop_new (loop->context, FALSE);
  return loop;
}

void
test_loop_free (TestLoop *loop)
{
  /* Let finished operations drop their last references. */
  while (g_main_context_iteration (loop->context, FALSE))
    ;
  g_main_context_pop_thread_default (loop->context);
  g_main_loop_unref (loop->loop);
  g_main_context_unref (loop->context);
  g_free (loop);
}

static gboolean
on_wait_limit (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_run_until (TestLoop *loop, const gboolean *done)
{
  gboolean expired = FALSE;
  GSource *limit = g_timeout_source_new_seconds (WAIT_LIMIT_S);

  g_source_set_callback (limit, on_wait_limit, &expired, NULL);
  g_source_attach (limit, loop->context);
  while (!*done && !expired)
    g_main_context_iteration (loop->context, TRUE);
  g_source_destroy (limit);
  g_source_unref (limit);
  ck_assert_msg (*done, "the operation did not finish within %d s", WAIT_LIMIT_S);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

void
test_cancel_after (TestLoop *loop, GCancellable *cancellable, guint ms)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, cancel_cb, g_object_ref (cancellable), g_object_unref);
  g_source_attach (source, loop->context);
  g_source_unref (source);
}

/* --- opening transports --- */

typedef struct {
  gboolean   done;
  GIOStream *stream;
  GError    *error;
  GThread   *thread;   /* where the callback ran */
} OpenResult;

static void
on_opened (GObject *transport, GAsyncResult *result, gpointer user_data)
{
  OpenResult *open = user_data;

  open->stream = httplib_transport_open_finish (HTTPLIB_TRANSPORT (transport), result,
                                                &open->error);
  open->thread = g_thread_self ();
  open->done = TRUE;
}

HttplibTransport *
test_new_transport (const char *name)
{
  GError *error = NULL;
  GType type = httplib_registry_lookup_transport (httplib_registry_get_default (), name, &error);

  httplib_assert_no_error (error);
  return g_object_new (type, NULL);
}

GIOStream *
test_open_async (TestLoop *loop, HttplibTransport *transport, HttplibEndpoint *endpoint,
                 GIOStream *base, GCancellable *cancellable, GError **error)
{
  OpenResult open = { 0 };

  httplib_transport_open_async (transport, endpoint, base, cancellable, on_opened, &open);
  ck_assert_msg (!open.done, "open_async called back before returning");
  test_run_until (loop, &open.done);
  ck_assert (open.thread == g_thread_self ());
  ck_assert ((open.stream == NULL) != (open.error == NULL));
  if (open.error != NULL)
    g_propagate_error (error, open.error);
  return open.stream;
}

HttplibEndpoint *
test_endpoint_for (const char *host, guint16 port, double timeout)
{
  HttplibEndpoint *endpoint = httplib_endpoint_new (host, port);

  httplib_endpoint_set_timeout (endpoint, timeout);
  return endpoint;
}

HttplibTlsSettings *
test_trusting_settings (void)
{
  HttplibTlsSettings *settings = httplib_tls_settings_new ();

  httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
  return settings;
}

TestServer *
test_tls_handler_server (TestServerHandler handler, gpointer user_data, gboolean no_handshake)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = { 0 };
  TestServer *server;

  options.cert_file = certs->server_cert_file;
  options.key_file = certs->server_key_file;
  options.no_handshake = no_handshake;
  server = test_server_new_tls (handler, user_data, &options);
  ck_assert_ptr_nonnull (server);
  return server;
}

GIOStream *
test_tcp_to (TestLoop *loop, guint16 port)
{
  g_autoptr(HttplibTransport) tcp = test_new_transport ("tcp");
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("127.0.0.1", port, 10);
  GError *error = NULL;
  GIOStream *stream = test_open_async (loop, tcp, endpoint, NULL, NULL, &error);

  httplib_assert_no_error (error);
  return stream;
}

GIOStream *
test_open_tls (TestLoop *loop, HttplibTransport *tls, GIOStream *base, const char *host,
               HttplibTlsSettings *settings, double timeout, GCancellable *cancellable,
               GError **error)
{
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for (host, 443, timeout);

  httplib_endpoint_set_tls_settings (endpoint, settings);
  return test_open_async (loop, tls, endpoint, base, cancellable, error);
}

/* --- async stream I/O helpers --- */

void
test_on_written_all (GObject *stream, GAsyncResult *result, gpointer user_data)
{
  TestIoResult *io = user_data;

  io->ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, &io->count,
                                             &io->error);
  io->done = TRUE;
}

void
test_write_all_async (TestLoop *loop, GIOStream *stream, const char *data, gsize len)
{
  TestIoResult io = { 0 };

  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), data, len,
                                   G_PRIORITY_DEFAULT, NULL, test_on_written_all, &io);
  test_run_until (loop, &io.done);
  httplib_assert_no_error (io.error);
  ck_assert (io.ok);
}

typedef struct {
  gboolean done;
  GBytes  *bytes;
} ReadResult;

static void
on_read_bytes (GObject *stream, GAsyncResult *result, gpointer user_data)
{
  ReadResult *read = user_data;
  GError *error = NULL;

  read->bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (stream), result, &error);
  httplib_assert_no_error (error);
  read->done = TRUE;
}

GString *
test_read_async (TestLoop *loop, GIOStream *stream, gsize len)
{
  GString *got = g_string_new (NULL);

  while (got->len < len)
    {
      ReadResult read = { 0 };
      gsize size;

      g_input_stream_read_bytes_async (g_io_stream_get_input_stream (stream), len - got->len,
                                       G_PRIORITY_DEFAULT, NULL, on_read_bytes, &read);
      test_run_until (loop, &read.done);
      size = g_bytes_get_size (read.bytes);
      g_string_append_len (got, g_bytes_get_data (read.bytes, NULL), size);
      g_bytes_unref (read.bytes);
      if (size == 0)
        break;
    }
  return got;
}
