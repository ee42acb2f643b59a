/* bench-curl.c: libcurl's easy API on the benchmark workloads, one handle
 * reused for every request (its connection cache keeps the connection). */
#include "bench-common.h"

#include <curl/curl.h>

static long long received;

static size_t
discard (char *data, size_t size, size_t count, void *user_data)
{
  received += (long long) (size * count);
  return size * count;
}

static void
perform (CURL *curl)
{
  CURLcode code = curl_easy_perform (curl);
  long status = 0;

  if (code != CURLE_OK)
    bench_fail ("curl", curl_easy_strerror (code));
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    bench_fail ("curl", "status is not 200");
}

int
main (int argc, char **argv)
{
  BenchArgs args;
  BenchMark start, end;
  char url[256];
  const char *path = BENCH_SMALL_PATH;
  struct curl_slist *headers = NULL;
  FILE *file = NULL;
  long long bytes = 0;
  CURL *curl;

  bench_parse (&args, argc, argv);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  curl = curl_easy_init ();
  if (strncmp (args.workload, "download", 8) == 0)
    path = BENCH_BIG_PATH;
  else if (strncmp (args.workload, "upload", 6) == 0)
    path = BENCH_SINK_PATH;
  else if (strncmp (args.workload, "get", 3) != 0 && strcmp (args.workload, "connect") != 0)
    bench_fail ("unsupported workload", args.workload);

  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard);
  if (args.ca != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, args.ca);

  /* Connect (and for TLS, handshake) outside the timed part, as the others
   * do: one GET of the small file, whose connection the handle keeps. */
  if (strcmp (args.workload, "connect") != 0)
    {
      snprintf (url, sizeof url, "%s://127.0.0.1:%d%s", bench_is_tls (&args) ? "https" : "http",
                bench_port (&args), BENCH_SMALL_PATH);
      curl_easy_setopt (curl, CURLOPT_URL, url);
      perform (curl);
      received = 0;
    }

  snprintf (url, sizeof url, "%s://127.0.0.1:%d%s", bench_is_tls (&args) ? "https" : "http",
            bench_port (&args), path);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  if (strcmp (args.workload, "connect") == 0)
    curl_easy_setopt (curl, CURLOPT_FORBID_REUSE, 1L);
  if (strncmp (args.workload, "upload", 6) == 0)
    {
      long long size;

      file = fopen (args.file, "rb");
      if (file == NULL)
        bench_fail ("upload file", args.file);
      fseek (file, 0, SEEK_END);
      size = ftell (file);
      /* The others send no Expect: 100-continue; curl would wait a round trip. */
      headers = curl_slist_append (headers, "Expect:");
      curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (curl, CURLOPT_READDATA, file);
      curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) size);
      if (args.blocksize > 0)
        curl_easy_setopt (curl, CURLOPT_UPLOAD_BUFFERSIZE, args.blocksize);
      bytes = size * args.n;
    }

  bench_mark (&start);
  for (long i = 0; i < args.n; i++)
    {
      if (file != NULL)
        fseek (file, 0, SEEK_SET);
      perform (curl);
    }
  bench_mark (&end);
  if (file == NULL)
    bytes = received;
  bench_report (&start, &end, args.n, bytes);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  if (file != NULL)
    fclose (file);
  return 0;
}
