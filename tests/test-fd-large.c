/* test-fd-large.c: 4 GiB uploads from a file (sendfile) and from a pipe
 * (blocks, chunked) use constant memory
 *
 * The in-process test server keeps every byte it receives, so these tests
 * have a sink of their own: it reads the body in a fixed buffer, counts
 * it, decodes chunked framing, and checks marker bytes at known offsets. */
#include <httplib/httplib.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "test-client.h"
#include "test-utils.h"

#define HUGE_SIZE (G_GUINT64_CONSTANT (4) << 30)
#define N_MARKERS 5
/* The most the client's peak memory may grow while sending 4 GiB. */
#define MAX_GROWTH_KIB (32 * 1024)

static const guint64 marker_offsets[N_MARKERS] = {
  0, 1, G_GUINT64_CONSTANT (1) << 31, HUGE_SIZE - 4097, HUGE_SIZE - 1
};

static guint8
marker_value (guint i)
{
  return (guint8) (0xa0 + i);
}

/* --- the sink --- */

typedef struct {
  GSocket *listener;
  GThread *thread;
  guint64  received;                 /* body bytes, framing removed */
  guint8   seen[N_MARKERS];          /* the bytes found at marker_offsets */
  gboolean complete;                 /* the body ended as its framing said */
  char     failure[128];             /* what went wrong, or "" */
} Sink;

/* Reads into buffer; FALSE at EOF or on an error. */
static gboolean
sink_read (GSocket *socket, char *buffer, gsize size, gsize *got)
{
  gssize n = g_socket_receive (socket, buffer, size, NULL, NULL);

  *got = n > 0 ? (gsize) n : 0;
  return n > 0;
}

static void
sink_take (Sink *sink, const char *data, gsize n)
{
  for (guint i = 0; i < N_MARKERS; i++)
    if (marker_offsets[i] >= sink->received && marker_offsets[i] < sink->received + n)
      sink->seen[i] = (guint8) data[marker_offsets[i] - sink->received];
  sink->received += n;
}

/* A tiny reader over the socket: a fixed buffer, never growing. */
typedef struct {
  GSocket *socket;
  char     buffer[256 * 1024];
  gsize    start, end;
} SinkReader;

static gboolean
reader_fill (SinkReader *r)
{
  gsize got;

  if (r->start == r->end)
    r->start = r->end = 0;
  if (r->end == sizeof r->buffer)
    {
      memmove (r->buffer, r->buffer + r->start, r->end - r->start);
      r->end -= r->start;
      r->start = 0;
    }
  if (!sink_read (r->socket, r->buffer + r->end, sizeof r->buffer - r->end, &got))
    return FALSE;
  r->end += got;
  return TRUE;
}

/* One line without its CRLF into line (at most size - 1 bytes). */
static gboolean
reader_line (SinkReader *r, char *line, gsize size)
{
  for (guint rounds = 0; rounds < 64; rounds++)
    {
      char *eol = memchr (r->buffer + r->start, '\n', r->end - r->start);

      if (eol != NULL)
        {
          gsize len = eol - (r->buffer + r->start);

          if (len >= size)
            return FALSE;
          memcpy (line, r->buffer + r->start, len);
          line[len > 0 && line[len - 1] == '\r' ? len - 1 : len] = '\0';
          r->start += len + 1;
          return TRUE;
        }
      if (!reader_fill (r))
        return FALSE;
    }
  return FALSE;
}

static gboolean
reader_body (SinkReader *r, Sink *sink, guint64 length)
{
  while (length > 0)
    {
      gsize n;

      if (r->start == r->end && !reader_fill (r))
        return FALSE;
      n = (gsize) MIN (length, r->end - r->start);
      sink_take (sink, r->buffer + r->start, n);
      r->start += n;
      length -= n;
    }
  return TRUE;
}

static void
sink_serve (Sink *sink, GSocket *socket)
{
  g_autofree SinkReader *r = g_new0 (SinkReader, 1);
  char line[1024];
  gint64 length = -1;
  gboolean chunked = FALSE;

  r->socket = socket;
  while (reader_line (r, line, sizeof line) && line[0] != '\0')
    {
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = g_ascii_strtoll (line + 15, NULL, 10);
      else if (g_ascii_strncasecmp (line, "Transfer-Encoding:", 18) == 0)
        chunked = strstr (line, "chunked") != NULL;
    }

  if (chunked)
    {
      guint64 size;

      do
        {
          if (!reader_line (r, line, sizeof line))
            return;
          size = g_ascii_strtoull (line, NULL, 16);
          if (!reader_body (r, sink, size) || !reader_line (r, line, sizeof line))
            return;
        }
      while (size > 0);
    }
  else if (length < 0 || !reader_body (r, sink, (guint64) length))
    return;

  sink->complete = TRUE;
  g_socket_send (socket, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38, NULL, NULL);
}

static gpointer
sink_thread (gpointer data)
{
  Sink *sink = data;
  g_autoptr(GSocket) socket = g_socket_accept (sink->listener, NULL, NULL);

  if (socket == NULL)
    {
      g_strlcpy (sink->failure, "accept failed", sizeof sink->failure);
      return NULL;
    }
  g_socket_set_timeout (socket, 60);
  sink_serve (sink, socket);
  return NULL;
}

static Sink *
sink_start (guint16 *port)
{
  Sink *sink = g_new0 (Sink, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  sink->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL);
  ck_assert (g_socket_bind (sink->listener, any_port, TRUE, NULL));
  ck_assert (g_socket_listen (sink->listener, NULL));
  g_socket_set_timeout (sink->listener, 60);
  bound = g_socket_get_local_address (sink->listener, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  sink->thread = g_thread_new ("sink", sink_thread, sink);
  return sink;
}

static void
sink_finish (Sink *sink)
{
  g_thread_join (sink->thread);
  g_object_unref (sink->listener);
}

/* --- the client --- */

/* The process's peak resident memory so far, in KiB. */
static guint64
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *field;

  ck_assert (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  field = strstr (status, "VmHWM:");
  ck_assert_ptr_nonnull (field);
  return g_ascii_strtoull (field + 6, NULL, 10);
}

static void
upload_and_check (HttplibBodySource *body, const char *expected_framing)
{
  guint16 port;
  Sink *sink = sink_start (&port);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(HttplibConnection) conn = httplib_connection_new (host, 0, NULL);
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  guint64 before = peak_rss_kib (), growth;

  httplib_connection_set_timeout (conn, 60, NULL);
  ck_assert (httplib_connection_request (conn, "PUT", "/huge", body, NULL, NULL, &error));
  httplib_assert_no_error (error);
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  test_assert_body (response, "");
  growth = peak_rss_kib () - before;
  sink_finish (sink);

  ck_assert_msg (sink->failure[0] == '\0', "sink: %s", sink->failure);
  ck_assert_msg (sink->complete, "the body did not end as its %s framing said", expected_framing);
  ck_assert_uint_eq (sink->received, HUGE_SIZE);
  for (guint i = 0; i < N_MARKERS; i++)
    ck_assert_msg (sink->seen[i] == marker_value (i), "byte at %" G_GUINT64_FORMAT ": %#x, expected %#x",
                   marker_offsets[i], sink->seen[i], marker_value (i));
  ck_assert_msg (growth < MAX_GROWTH_KIB, "peak memory grew by %" G_GUINT64_FORMAT " KiB "
                 "while sending 4 GiB", growth);
  g_free (sink);
}

/* A sparse 4 GiB file: only the markers take disk space. */
START_TEST (test_4gib_file)
{
  g_autofree char *path = NULL;
  g_autoptr(HttplibBodySource) body = NULL;
  GError *error = NULL;
  int fd = g_file_open_tmp ("httplib-huge-XXXXXX", &path, NULL);

  ck_assert_int_ge (fd, 0);
  g_unlink (path);
  ck_assert_int_eq (ftruncate (fd, (off_t) HUGE_SIZE), 0);
  for (guint i = 0; i < N_MARKERS; i++)
    {
      guint8 value = marker_value (i);

      ck_assert_int_eq (pwrite (fd, &value, 1, (off_t) marker_offsets[i]), 1);
    }
  body = httplib_body_source_new_for_fd (fd, TRUE, &error);
  httplib_assert_no_error (error);
  ck_assert_int_eq (httplib_body_source_get_length (body), (gint64) HUGE_SIZE);
  upload_and_check (body, "Content-Length");
}
END_TEST

/* Writes 4 GiB of zeros with the markers into a pipe, then closes it. */
static gpointer
pipe_writer (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  g_autofree char *block = g_malloc0 (1024 * 1024);
  guint64 written = 0;

  while (written < HUGE_SIZE)
    {
      gsize n = (gsize) MIN ((guint64) 1024 * 1024, HUGE_SIZE - written);
      gsize done = 0;

      memset (block, 0, n);
      for (guint i = 0; i < N_MARKERS; i++)
        if (marker_offsets[i] >= written && marker_offsets[i] < written + n)
          block[marker_offsets[i] - written] = (char) marker_value (i);
      while (done < n)
        {
          gssize w = write (fd, block + done, n - done);

          if (w <= 0)
            goto out;
          done += w;
        }
      written += n;
    }
out:
  close (fd);
  return NULL;
}

START_TEST (test_4gib_pipe)
{
  g_autoptr(HttplibBodySource) body = NULL;
  GError *error = NULL;
  GThread *writer;
  int fds[2];

  ck_assert (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  body = httplib_body_source_new_for_fd (fds[0], TRUE, &error);
  httplib_assert_no_error (error);
  writer = g_thread_new ("pipe-writer", pipe_writer, GINT_TO_POINTER (fds[1]));
  upload_and_check (body, "chunked");
  g_thread_join (writer);
}
END_TEST

static Suite *
fd_large_suite (void)
{
  Suite *suite = suite_create ("fd-large");
  TCase *tc = tcase_create ("4gib");

  tcase_set_timeout (tc, 280);
  tcase_add_test (tc, test_4gib_file);
  tcase_add_test (tc, test_4gib_pipe);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (fd_large_suite)
