/* bench-soup.c: libsoup 3 on the benchmark workloads, one SoupSession.
 * Sync workloads use soup_session_send and read the body stream into one
 * buffer; `async` runs `conc` connections x N requests on the main loop
 * with soup_session_send_and_read_async. */
#include "bench-common.h"

#include <gio/gunixinputstream.h>
#include <fcntl.h>
#include <libsoup/soup.h>
#include <sys/stat.h>
#include <unistd.h>

static guint8 buffer[BENCH_READ_SIZE];

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    bench_fail ("soup", error != NULL ? error->message : "failed");
}

static long long
send_one (SoupSession *session, SoupMessage *msg)
{
  GError *error = NULL;
  GInputStream *stream = soup_session_send (session, msg, NULL, &error);
  long long total = 0;
  gssize n;

  check (stream != NULL, error);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    bench_fail ("soup", "status is not 200");
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error)) > 0)
    total += n;
  check (n == 0, error);
  g_input_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
  return total;
}

/* --- async: each of `conc` workers sends N requests one after the other --- */

typedef struct {
  SoupSession *session;
  GUri        *uri;
  GMainLoop   *loop;
  long         left_workers;
} AsyncRun;

typedef struct {
  AsyncRun *run;
  long      left;
} Worker;

static void worker_next (Worker *worker);

static void
worker_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Worker *worker = user_data;
  GError *error = NULL;
  GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  check (body != NULL, error);
  g_bytes_unref (body);
  if (--worker->left > 0)
    worker_next (worker);
  else if (--worker->run->left_workers == 0)
    g_main_loop_quit (worker->run->loop);
}

static void
worker_next (Worker *worker)
{
  SoupMessage *msg = soup_message_new_from_uri ("GET", worker->run->uri);

  soup_session_send_and_read_async (worker->run->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    worker_done, worker);
  g_object_unref (msg);
}

int
main (int argc, char **argv)
{
  BenchArgs args;
  BenchMark start, end;
  GError *error = NULL;
  SoupSession *session;
  const char *path = BENCH_SMALL_PATH;
  g_autofree char *url = NULL;
  g_autofree char *warm_url = NULL;
  GUri *uri;
  long long bytes = 0;

  bench_parse (&args, argc, argv);
  session = soup_session_new ();
  soup_session_set_proxy_resolver (session, NULL);
  if (args.ca != NULL)
    {
      GTlsDatabase *database = g_tls_file_database_new (args.ca, &error);

      check (database != NULL, error);
      soup_session_set_tls_database (session, database);
      g_object_unref (database);
    }
  if (strncmp (args.workload, "download", 8) == 0)
    path = BENCH_BIG_PATH;
  else if (strncmp (args.workload, "upload", 6) == 0)
    path = BENCH_SINK_PATH;
  url = g_strdup_printf ("%s://127.0.0.1:%d%s", bench_is_tls (&args) ? "https" : "http",
                         bench_port (&args), path);
  warm_url = g_strdup_printf ("%s://127.0.0.1:%d%s", bench_is_tls (&args) ? "https" : "http",
                              bench_port (&args), BENCH_SMALL_PATH);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &error);
  check (uri != NULL, error);

  if (strcmp (args.workload, "async") == 0)
    {
      AsyncRun run = { session, uri, g_main_loop_new (NULL, FALSE), args.conc };
      Worker *workers = g_new0 (Worker, args.conc);

      g_object_set (session, "max-conns", (int) args.conc + 10,
                    "max-conns-per-host", (int) args.conc + 10, NULL);
      bench_mark (&start);
      for (long i = 0; i < args.conc; i++)
        {
          workers[i].run = &run;
          workers[i].left = args.n;
          worker_next (&workers[i]);
        }
      g_main_loop_run (run.loop);
      bench_mark (&end);
      bench_report (&start, &end, args.n * args.conc, 0);
      g_free (workers);
      g_main_loop_unref (run.loop);
      return 0;
    }

  /* Connect (and handshake) outside the timed part, as the others do. */
  if (strcmp (args.workload, "connect") != 0)
    {
      SoupMessage *msg = soup_message_new ("GET", warm_url);

      send_one (session, msg);
      g_object_unref (msg);
    }

  if (strncmp (args.workload, "get", 3) == 0 || strcmp (args.workload, "connect") == 0 ||
      strncmp (args.workload, "download", 8) == 0)
    {
      gboolean per_request = strcmp (args.workload, "connect") == 0;

      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        {
          SoupMessage *msg = soup_message_new_from_uri ("GET", uri);

          /* libsoup's way to a new connection each time: it closes after this one. */
          if (per_request)
            soup_message_headers_append (soup_message_get_request_headers (msg),
                                         "Connection", "close");
          bytes += send_one (session, msg);
          g_object_unref (msg);
        }
      bench_mark (&end);
    }
  else if (strncmp (args.workload, "upload", 6) == 0)
    {
      int fd = open (args.file, O_RDONLY | O_CLOEXEC);
      struct stat st;

      if (fd < 0 || fstat (fd, &st) < 0)
        bench_fail ("upload file", args.file);
      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        {
          SoupMessage *msg = soup_message_new_from_uri ("PUT", uri);
          GInputStream *body;

          lseek (fd, 0, SEEK_SET);
          body = g_unix_input_stream_new (fd, FALSE);
          soup_message_set_request_body (msg, NULL, body, st.st_size);
          send_one (session, msg);
          bytes += st.st_size;
          g_object_unref (body);
          g_object_unref (msg);
        }
      bench_mark (&end);
      close (fd);
    }
  else
    bench_fail ("unsupported workload", args.workload);

  bench_report (&start, &end, args.n, bytes);
  g_uri_unref (uri);
  g_object_unref (session);
  return 0;
}
