/* bench-httplib.c: libhttplib's synchronous API on the benchmark workloads
 *
 * variant=read_into (default) reads bodies into one caller buffer;
 * variant=read takes a GBytes per read, as Python's read(amt) does.
 * Uploads: variant=sendfile (default) hands the fd body the socket's own
 * stream; variant=blocks hides the socket behind a pass-through filter
 * stream, so the fd plugin sends `blocksize` blocks even over plain TCP.
 *
 * The async workload (200 connections x 50 requests) runs on one main
 * loop: see run_async() below.
 */
#include "bench-common.h"

#include <fcntl.h>
#include <httplib/httplib.h>
#include <unistd.h>

/* --- a pass-through stream: not a socket, so no sendfile --- */

#define BENCH_TYPE_PASS_STREAM (bench_pass_stream_get_type ())
G_DECLARE_FINAL_TYPE (BenchPassStream, bench_pass_stream, BENCH, PASS_STREAM, GFilterOutputStream)

struct _BenchPassStream {
  GFilterOutputStream parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchPassStream, bench_pass_stream, G_TYPE_FILTER_OUTPUT_STREAM)

static void bench_pass_stream_class_init (BenchPassStreamClass *klass) {}
static void bench_pass_stream_init (BenchPassStream *self) {}

/* --- a body that wraps the fd body and writes it through that stream --- */

#define BENCH_TYPE_BLOCK_BODY (bench_block_body_get_type ())
G_DECLARE_FINAL_TYPE (BenchBlockBody, bench_block_body, BENCH, BLOCK_BODY, GObject)

struct _BenchBlockBody {
  GObject            parent_instance;
  HttplibBodySource *inner;
};

static gint64
block_body_get_length (HttplibBodySource *source)
{
  return httplib_body_source_get_length (BENCH_BLOCK_BODY (source)->inner);
}

static gboolean
block_body_write_to (HttplibBodySource *source,
                     GOutputStream     *stream,
                     GCancellable      *cancellable,
                     GError           **error)
{
  g_autoptr(GOutputStream) pass = g_object_new (BENCH_TYPE_PASS_STREAM, "base-stream", stream,
                                                "close-base-stream", FALSE, NULL);

  return httplib_body_source_write_to (BENCH_BLOCK_BODY (source)->inner, pass, cancellable, error);
}

static void
block_body_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = block_body_get_length;
  iface->write_to = block_body_write_to;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (BenchBlockBody, bench_block_body, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_BODY_SOURCE, block_body_iface_init))

static void
bench_block_body_finalize (GObject *object)
{
  g_clear_object (&BENCH_BLOCK_BODY (object)->inner);
  G_OBJECT_CLASS (bench_block_body_parent_class)->finalize (object);
}

static void
bench_block_body_class_init (BenchBlockBodyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bench_block_body_finalize;
}

static void bench_block_body_init (BenchBlockBody *self) {}

/* --- the workloads --- */

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    bench_fail ("httplib", error != NULL ? error->message : "failed");
}

static HttplibConnection *
open_connection (const BenchArgs *args)
{
  GError *error = NULL;
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%d", bench_port (args));
  HttplibConnection *conn;

  if (bench_is_tls (args))
    {
      g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();

      httplib_tls_settings_set_ca_file (settings, args->ca);
      conn = httplib_connection_new_https (host, 0, settings, &error);
    }
  else
    conn = httplib_connection_new (host, 0, &error);
  check (conn != NULL, error);
  return conn;
}

/* Reads the whole body; returns its length. */
static long long
drain (HttplibResponse *response, const BenchArgs *args, guint8 *buffer)
{
  GError *error = NULL;
  long long total = 0;

  if (strcmp (args->variant, "read") == 0)
    for (;;)
      {
        g_autoptr(GBytes) bytes = httplib_response_read (response, BENCH_READ_SIZE, NULL, &error);

        check (bytes != NULL, error);
        if (g_bytes_get_size (bytes) == 0)
          return total;
        total += (long long) g_bytes_get_size (bytes);
      }
  for (;;)
    {
      gssize n = httplib_response_read_into (response, buffer, BENCH_READ_SIZE, NULL, &error);

      check (n >= 0, error);
      if (n == 0)
        return total;
      total += n;
    }
}

static long long
get (HttplibConnection *conn, const char *path, HttplibBodySource *body, const BenchArgs *args,
     guint8 *buffer)
{
  GError *error = NULL;
  g_autoptr(HttplibResponse) response = NULL;

  check (httplib_connection_request (conn, body != NULL ? "PUT" : "GET", path, body, NULL, NULL,
                                     &error), error);
  response = httplib_connection_get_response (conn, NULL, &error);
  check (response != NULL, error);
  if (httplib_response_get_status (response) != 200)
    bench_fail ("status", httplib_response_get_reason (response));
  return drain (response, args, buffer);
}

static HttplibBodySource *
upload_body (const BenchArgs *args, int fd)
{
  GError *error = NULL;
  GType type = httplib_registry_lookup_body_source (httplib_registry_get_default (), "fd", &error);
  HttplibBodySource *inner;
  BenchBlockBody *outer;

  check (type != G_TYPE_INVALID, error);
  inner = g_initable_new (type, NULL, &error, "fd", fd, "close-when-done", FALSE,
                          "blocksize", (guint) args->blocksize, NULL);
  check (inner != NULL, error);
  if (strcmp (args->variant, "blocks") != 0)
    return inner;
  outer = g_object_new (BENCH_TYPE_BLOCK_BODY, NULL);
  outer->inner = inner;
  return HTTPLIB_BODY_SOURCE (outer);
}

/* --- async: `conc` connections x N requests on one GMainContext, as
 * bench-soup.c's run_async does with libsoup --- */

typedef struct {
  GMainLoop *loop;
  long       left_workers;
} AsyncRun;

typedef struct {
  AsyncRun          *run;
  HttplibConnection *conn;
  long               left;
} Worker;

static void worker_next (Worker *worker);

static void
on_body (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Worker *worker = user_data;
  GError *error = NULL;
  GBytes *body = httplib_response_read_all_finish (HTTPLIB_RESPONSE (source), result, &error);

  check (body != NULL, error);
  g_bytes_unref (body);
  g_object_unref (source);
  if (--worker->left > 0)
    worker_next (worker);
  else if (--worker->run->left_workers == 0)
    g_main_loop_quit (worker->run->loop);
}

static void
on_response (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Worker *worker = user_data;
  GError *error = NULL;
  HttplibResponse *response = httplib_connection_get_response_finish (worker->conn, result, &error);

  check (response != NULL, error);
  httplib_response_read_all_async (response, NULL, on_body, worker);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Worker *worker = user_data;
  GError *error = NULL;

  check (httplib_connection_request_finish (worker->conn, result, &error), error);
  httplib_connection_get_response_async (worker->conn, NULL, on_response, worker);
}

static void
worker_next (Worker *worker)
{
  httplib_connection_request_async (worker->conn, "GET", BENCH_SMALL_PATH, NULL, NULL, NULL,
                                    on_sent, worker);
}

static gboolean
run_async (const BenchArgs *args)
{
  AsyncRun run = { g_main_loop_new (NULL, FALSE), args->conc };
  Worker *workers = g_new0 (Worker, args->conc);
  BenchMark start, end;

  for (long i = 0; i < args->conc; i++)
    {
      workers[i].run = &run;
      workers[i].conn = open_connection (args);
      workers[i].left = args->n;
    }
  bench_mark (&start);
  for (long i = 0; i < args->conc; i++)
    worker_next (&workers[i]);
  g_main_loop_run (run.loop);
  bench_mark (&end);
  bench_report (&start, &end, args->n * args->conc, 0);

  for (long i = 0; i < args->conc; i++)
    g_object_unref (workers[i].conn);
  g_free (workers);
  g_main_loop_unref (run.loop);
  return TRUE;
}

int
main (int argc, char **argv)
{
  static guint8 buffer[BENCH_READ_SIZE];
  BenchArgs args;
  BenchMark start, end;
  g_autoptr(HttplibConnection) conn = NULL;
  long long bytes = 0;

  bench_parse (&args, argc, argv);
  if (strcmp (args.workload, "async") == 0)
    {
      if (!run_async (&args))
        {
          printf ("{\"unavailable\": \"libhttplib has no async API yet\"}\n");
          return 0;
        }
      return 0;
    }

  conn = open_connection (&args);
  if (strncmp (args.workload, "get", 3) == 0 || strcmp (args.workload, "connect") == 0)
    {
      gboolean per_request = strcmp (args.workload, "connect") == 0;
      GError *error = NULL;

      /* Per-request connections are all made inside the timed loop. */
      if (!per_request)
        check (httplib_connection_connect (conn, NULL, &error), error);
      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        {
          bytes += get (conn, BENCH_SMALL_PATH, NULL, &args, buffer);
          if (per_request)
            httplib_connection_close (conn);
        }
      bench_mark (&end);
    }
  else if (strncmp (args.workload, "download", 8) == 0)
    {
      GError *error = NULL;

      check (httplib_connection_connect (conn, NULL, &error), error);
      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        bytes += get (conn, BENCH_BIG_PATH, NULL, &args, buffer);
      bench_mark (&end);
    }
  else if (strncmp (args.workload, "upload", 6) == 0)
    {
      GError *error = NULL;
      int fd = open (args.file, O_RDONLY | O_CLOEXEC);

      if (fd < 0)
        bench_fail ("upload file", args.file);
      check (httplib_connection_connect (conn, NULL, &error), error);
      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        {
          g_autoptr(HttplibBodySource) body = upload_body (&args, fd);

          bytes += httplib_body_source_get_length (body);
          get (conn, BENCH_SINK_PATH, body, &args, buffer);
        }
      bench_mark (&end);
      close (fd);
    }
  else
    bench_fail ("unsupported workload", args.workload);

  bench_report (&start, &end, args.n, bytes);
  return 0;
}
