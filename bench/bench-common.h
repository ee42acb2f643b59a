/* bench-common.h: what every benchmark client shares
 *
 * A client is run as `client WORKLOAD N key=value...` by bench/run.py. It
 * sets up (connects, loads certificates) outside the timed part, runs the
 * workload N times, and prints one JSON line with the wall time and the CPU
 * time of the timed part only. Peak RSS is taken by the driver (wait4).
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_SMALL_PATH "/small"
#define BENCH_BIG_PATH   "/big"
#define BENCH_SINK_PATH  "/sink"
#define BENCH_READ_SIZE  (64 * 1024)

typedef struct {
  const char *workload;   /* get, get-tls, connect, download, download-tls, upload, upload-tls, async */
  long        n;          /* requests (or repetitions of the download / upload) */
  int         port;       /* plain HTTP */
  int         tls_port;   /* HTTPS */
  const char *ca;         /* the server's self-signed certificate */
  const char *file;       /* the upload's source */
  long        blocksize;  /* upload block size, where the client has one */
  const char *variant;    /* client-specific: read / read_into, sendfile / blocks */
  long        conc;       /* concurrent connections (async) */
  long        small_len;  /* the full response to GET /small, head included (raw client) */
  long        big_len;    /* the same for GET /big */
  long        sink_len;   /* the same for PUT /sink */
} BenchArgs;

typedef struct {
  struct timespec wall;
  struct rusage   usage;
} BenchMark;

static inline int
bench_is_tls (const BenchArgs *args)
{
  return strstr (args->workload, "tls") != NULL;
}

static inline int
bench_port (const BenchArgs *args)
{
  return bench_is_tls (args) ? args->tls_port : args->port;
}

static inline void
bench_parse (BenchArgs *args, int argc, char **argv)
{
  memset (args, 0, sizeof *args);
  if (argc < 3)
    {
      fprintf (stderr, "usage: %s WORKLOAD N [key=value ...]\n", argv[0]);
      exit (2);
    }
  args->workload = argv[1];
  args->n = atol (argv[2]);
  args->blocksize = 64 * 1024;
  args->variant = "";
  args->conc = 1;
  for (int i = 3; i < argc; i++)
    {
      char *eq = strchr (argv[i], '=');
      const char *value = eq != NULL ? eq + 1 : "";
      size_t len = eq != NULL ? (size_t) (eq - argv[i]) : strlen (argv[i]);

#define KEY(name) (len == strlen (name) && strncmp (argv[i], name, len) == 0)
      if (KEY ("port")) args->port = atoi (value);
      else if (KEY ("tls_port")) args->tls_port = atoi (value);
      else if (KEY ("ca")) args->ca = value;
      else if (KEY ("file")) args->file = value;
      else if (KEY ("blocksize")) args->blocksize = atol (value);
      else if (KEY ("variant")) args->variant = value;
      else if (KEY ("conc")) args->conc = atol (value);
      else if (KEY ("small_len")) args->small_len = atol (value);
      else if (KEY ("big_len")) args->big_len = atol (value);
      else if (KEY ("sink_len")) args->sink_len = atol (value);
      else
        {
          fprintf (stderr, "unknown argument %s\n", argv[i]);
          exit (2);
        }
#undef KEY
    }
}

static inline void
bench_mark (BenchMark *mark)
{
  clock_gettime (CLOCK_MONOTONIC, &mark->wall);
  getrusage (RUSAGE_SELF, &mark->usage);
}

static inline double
bench_tv (struct timeval tv)
{
  return (double) tv.tv_sec + (double) tv.tv_usec / 1e6;
}

/* Peak RSS of this process image, in KiB. The driver cannot use wait4's
 * ru_maxrss: it keeps the forking parent's peak across execve. */
static inline long
bench_peak_rss_kib (void)
{
  char line[256];
  long kib = -1;
  FILE *status = fopen ("/proc/self/status", "r");

  if (status == NULL)
    return -1;
  while (fgets (line, sizeof line, status) != NULL)
    if (strncmp (line, "VmHWM:", 6) == 0)
      kib = atol (line + 6);
  fclose (status);
  return kib;
}

/* The one line the driver reads. */
static inline void
bench_report (const BenchMark *start, const BenchMark *end, long n, long long bytes)
{
  double wall = (double) (end->wall.tv_sec - start->wall.tv_sec) +
                (double) (end->wall.tv_nsec - start->wall.tv_nsec) / 1e9;

  printf ("{\"wall\": %.6f, \"user\": %.6f, \"sys\": %.6f, \"n\": %ld, \"bytes\": %lld, "
          "\"peak_rss_kib\": %ld}\n",
          wall,
          bench_tv (end->usage.ru_utime) - bench_tv (start->usage.ru_utime),
          bench_tv (end->usage.ru_stime) - bench_tv (start->usage.ru_stime),
          n, bytes, bench_peak_rss_kib ());
  fflush (stdout);
}

static inline void
bench_fail (const char *what, const char *detail)
{
  fprintf (stderr, "bench: %s: %s\n", what, detail != NULL ? detail : "");
  exit (1);
}
