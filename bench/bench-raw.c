/* bench-raw.c: the floor — one blocking socket, a fixed request, and a read
 * of the response length the driver measured beforehand. No parsing, no
 * allocation in the loop: what any client must spend at least. The TLS
 * variant is GnuTLS directly; the upload writes the head, then sendfile(2)
 * over plain TCP or blocks of `blocksize` through GnuTLS.
 */
#include "bench-common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  int                               fd;
  gnutls_session_t                  session;   /* NULL over plain TCP */
} Conn;

static gnutls_certificate_credentials_t credentials;

static void
conn_open (Conn *conn, const BenchArgs *args)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (bench_port (args)) };
  int one = 1;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  conn->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (conn->fd < 0 || connect (conn->fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    bench_fail ("connect", strerror (errno));
  setsockopt (conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn->session = NULL;
  if (!bench_is_tls (args))
    return;

  int ret;
  gnutls_init (&conn->session, GNUTLS_CLIENT);
  gnutls_set_default_priority (conn->session);
  gnutls_credentials_set (conn->session, GNUTLS_CRD_CERTIFICATE, credentials);
  gnutls_session_set_verify_cert (conn->session, "127.0.0.1", 0);
  gnutls_transport_set_int (conn->session, conn->fd);
  do
    ret = gnutls_handshake (conn->session);
  while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0)
    bench_fail ("handshake", gnutls_strerror (ret));
}

static void
conn_close (Conn *conn)
{
  if (conn->session != NULL)
    {
      gnutls_bye (conn->session, GNUTLS_SHUT_WR);
      gnutls_deinit (conn->session);
    }
  close (conn->fd);
}

static void
conn_write (Conn *conn, const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = conn->session != NULL ? gnutls_record_send (conn->session, data, len)
                                        : write (conn->fd, data, len);
      if (n < 0 && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || errno == EINTR))
        continue;
      if (n <= 0)
        bench_fail ("write", conn->session != NULL ? gnutls_strerror ((int) n) : strerror (errno));
      data += n;
      len -= (size_t) n;
    }
}

/* Reads exactly @len bytes and throws them away. */
static void
conn_read (Conn *conn, char *buffer, size_t size, long long len)
{
  while (len > 0)
    {
      size_t want = len < (long long) size ? (size_t) len : size;
      ssize_t n = conn->session != NULL ? gnutls_record_recv (conn->session, buffer, want)
                                        : read (conn->fd, buffer, want);
      if (n < 0 && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || errno == EINTR))
        continue;
      if (n <= 0)
        bench_fail ("read", n == 0 ? "end of stream" :
                    conn->session != NULL ? gnutls_strerror ((int) n) : strerror (errno));
      len -= n;
    }
}

static void
upload_body (Conn *conn, int file, off_t length, long blocksize, char *block)
{
  off_t offset = 0;

  if (conn->session == NULL)
    {
      while (offset < length)
        {
          ssize_t n = sendfile (conn->fd, file, &offset, (size_t) (length - offset));
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            bench_fail ("sendfile", strerror (errno));
        }
      return;
    }
  while (offset < length)
    {
      size_t want = length - offset < blocksize ? (size_t) (length - offset) : (size_t) blocksize;
      ssize_t n = pread (file, block, want, offset);
      if (n <= 0)
        bench_fail ("pread", strerror (errno));
      conn_write (conn, block, (size_t) n);
      offset += n;
    }
}

int
main (int argc, char **argv)
{
  static char buffer[BENCH_READ_SIZE];
  BenchArgs args;
  BenchMark start, end;
  Conn conn;
  char request[256];
  long long bytes = 0;
  int request_len;

  bench_parse (&args, argc, argv);
  if (bench_is_tls (&args))
    {
      gnutls_global_init ();
      gnutls_certificate_allocate_credentials (&credentials);
      if (gnutls_certificate_set_x509_trust_file (credentials, args.ca, GNUTLS_X509_FMT_PEM) <= 0)
        bench_fail ("trust file", args.ca);
    }

  if (strncmp (args.workload, "get", 3) == 0 || strcmp (args.workload, "connect") == 0)
    {
      int per_request = strcmp (args.workload, "connect") == 0;

      request_len = snprintf (request, sizeof request,
                              "GET " BENCH_SMALL_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      if (!per_request)
        conn_open (&conn, &args);
      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        {
          if (per_request)
            conn_open (&conn, &args);
          conn_write (&conn, request, (size_t) request_len);
          conn_read (&conn, buffer, sizeof buffer, args.small_len);
          if (per_request)
            conn_close (&conn);
        }
      bench_mark (&end);
      if (!per_request)
        conn_close (&conn);
      bench_report (&start, &end, args.n, (long long) args.n * args.small_len);
      return 0;
    }

  if (strncmp (args.workload, "download", 8) == 0)
    {
      request_len = snprintf (request, sizeof request,
                              "GET " BENCH_BIG_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      conn_open (&conn, &args);
      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        {
          conn_write (&conn, request, (size_t) request_len);
          conn_read (&conn, buffer, sizeof buffer, args.big_len);
          bytes += args.big_len;
        }
      bench_mark (&end);
      conn_close (&conn);
      bench_report (&start, &end, args.n, bytes);
      return 0;
    }

  if (strncmp (args.workload, "upload", 6) == 0)
    {
      int file = open (args.file, O_RDONLY | O_CLOEXEC);
      struct stat st;
      char *block = malloc ((size_t) args.blocksize);

      if (file < 0 || fstat (file, &st) < 0 || block == NULL)
        bench_fail ("upload file", args.file);
      request_len = snprintf (request, sizeof request,
                              "PUT " BENCH_SINK_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Length: %lld\r\n\r\n", (long long) st.st_size);
      conn_open (&conn, &args);
      bench_mark (&start);
      for (long i = 0; i < args.n; i++)
        {
          conn_write (&conn, request, (size_t) request_len);
          upload_body (&conn, file, st.st_size, args.blocksize, block);
          conn_read (&conn, buffer, sizeof buffer, args.sink_len);
          bytes += st.st_size;
        }
      bench_mark (&end);
      conn_close (&conn);
      free (block);
      close (file);
      bench_report (&start, &end, args.n, bytes);
      return 0;
    }

  bench_fail ("unsupported workload", args.workload);
  return 1;
}
