/* test-async-streams.c: the TLS stream's own non-blocking I/O, the body
 * sources' native write_to_async (bytes, fd), and the core's worker-thread
 * fallback for plugins that only block, driven by a GMainLoop on a
 * thread-default context of the test's own, against loopback servers; the
 * transports' open_async is in test-async-plugins.c */
#include <httplib/httplib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-plugin-async.h"
#include "test-server.h"
#include "test-utils.h"

/* --- the TLS stream's own non-blocking I/O --- */

/* 16 MiB; 2 MiB under valgrind (HTTPLIB_TEST_SMALL), where checksumming
 * 16 MiB takes the server longer than the client's 10 s socket timeout. */
static gsize
big_tls_size (void)
{
  return g_getenv ("HTTPLIB_TEST_SMALL") != NULL ? 2 * 1024 * 1024 : 16 * 1024 * 1024;
}
#define BIG_TLS (big_tls_size ())

static guint8 *
pattern (gsize size, guint seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (((i + seed) * 131) >> 3);
  return data;
}

static char *
sha256 (const void *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

/* What a server handler saw, for the test thread to read afterwards. */
typedef struct {
  gsize     expect;      /* bytes to read */
  gsize     reply;       /* bytes to write back (pattern seed 7) */
  gint      go;          /* atomic: the handler waits for it before reading */
  gboolean  wait_for_go;
  char     *checksum;    /* of what it read */
  gboolean  read_ok;
} Sink;

static void
sink_handler (TestConn *conn, guint index, gpointer user_data)
{
  Sink *sink = user_data;
  g_autoptr(GString) in = g_string_new (NULL);
  g_autoptr(GString) rest = NULL;

  if (sink->wait_for_go)
    for (guint i = 0; i < 1000 && !g_atomic_int_get (&sink->go); i++)
      g_usleep (10 * 1000);
  sink->read_ok = test_conn_read_exact (conn, sink->expect, in);
  if (sink->read_ok)
    sink->checksum = sha256 (in->str, in->len);
  if (sink->reply > 0)
    {
      g_autofree guint8 *data = pattern (sink->reply, 7);

      test_conn_write (conn, (const char *) data, (gssize) sink->reply);
    }
  rest = test_conn_read_until_close (conn);
}

/* Reads the sink's reply: the server has then read everything, and the
 * client closes with nothing unread (unread bytes, such as TLS 1.3
 * tickets, would make the kernel reset the connection). */
static void
wait_for_reply (TestLoop *loop, GIOStream *stream, gsize len)
{
  g_autoptr(GString) reply = test_read_async (loop, stream, len);

  ck_assert_uint_eq (reply->len, len);
}

/* A TLS connection to server whose socket sends in small pieces, so one
 * TLS record takes several sends. */
static GIOStream *
tls_small_sndbuf (TestLoop *loop, TestServer *server, GIOStream **base)
{
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");
  GSocket *socket;
  GIOStream *stream;
  GError *error = NULL;

  *base = test_tcp_to (loop, test_server_get_port (server));
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (*base));
  ck_assert (g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, 4096, NULL));
  stream = test_open_tls (loop, tls, *base, "localhost", settings, 10, NULL, &error);
  httplib_assert_no_error (error);
  return stream;
}

typedef struct {
  gboolean   done;
  guint8    *buffer;
  gsize      received;
  GChecksum *checksum;
  GError    *error;
} BigRead;

static void
on_big_read (GObject *input, GAsyncResult *result, gpointer user_data)
{
  BigRead *read = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (input), result, &read->error);

  if (n <= 0)
    {
      read->done = TRUE;
      return;
    }
  g_checksum_update (read->checksum, read->buffer, n);
  read->received += n;
  if (read->received >= BIG_TLS)
    {
      read->done = TRUE;
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (input), read->buffer, 65536, G_PRIORITY_DEFAULT,
                             NULL, on_big_read, read);
}

/* 16 MiB each way at once through GIO's default async read and write,
 * which use the TLS stream's pollable methods. */
START_TEST (test_tls_stream_16mib_each_way)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { BIG_TLS, BIG_TLS, 0, FALSE, NULL, FALSE };
  g_autoptr(TestServer) server = test_tls_handler_server (sink_handler, &sink, FALSE);
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = tls_small_sndbuf (loop, server, &base);
  g_autofree guint8 *out = pattern (BIG_TLS, 3);
  g_autofree guint8 *expected = pattern (BIG_TLS, 7);
  g_autofree char *sent_sum = sha256 (out, BIG_TLS);
  g_autofree char *expected_sum = sha256 (expected, BIG_TLS);
  g_autofree guint8 *buffer = g_malloc (65536);
  BigRead read = { FALSE, buffer, 0, g_checksum_new (G_CHECKSUM_SHA256), NULL };
  TestIoResult write = { 0 };

  ck_assert (g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream))));
  ck_assert (g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream))));

  g_input_stream_read_async (g_io_stream_get_input_stream (stream), buffer, 65536,
                             G_PRIORITY_DEFAULT, NULL, on_big_read, &read);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), out, BIG_TLS,
                                   G_PRIORITY_DEFAULT, NULL, test_on_written_all, &write);
  test_run_until (loop, &write.done);
  httplib_assert_no_error (write.error);
  ck_assert_uint_eq (write.count, BIG_TLS);
  test_run_until (loop, &read.done);
  httplib_assert_no_error (read.error);
  ck_assert_uint_eq (read.received, BIG_TLS);
  ck_assert_str_eq (g_checksum_get_string (read.checksum), expected_sum);

  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert (sink.read_ok);
  ck_assert_str_eq (sink.checksum, sent_sum);
  g_free (sink.checksum);
  g_checksum_free (read.checksum);
}
END_TEST

static gboolean
on_flag_source (GObject *pollable, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_pollable (TestLoop *loop, GSource *source)
{
  gboolean fired = FALSE;

  g_source_set_callback (source, G_SOURCE_FUNC (on_flag_source), &fired, NULL);
  g_source_attach (source, loop->context);
  test_run_until (loop, &fired);
  g_source_destroy (source);
  g_source_unref (source);
}

/* write_nonblocking by hand: a write bigger than a record is partial, a
 * full socket is WOULD_BLOCK, the output source fires once the peer
 * reads, and writing the same bytes again flushes the record GnuTLS held. */
#define NONBLOCK_TOTAL (8 * 1024 * 1024)

START_TEST (test_tls_stream_write_nonblocking)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { NONBLOCK_TOTAL, 2, 0, TRUE, NULL, FALSE };
  g_autoptr(TestServer) server = test_tls_handler_server (sink_handler, &sink, FALSE);
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = tls_small_sndbuf (loop, server, &base);
  GPollableOutputStream *out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  g_autofree guint8 *data = pattern (NONBLOCK_TOTAL, 11);
  g_autofree char *sum = sha256 (data, NONBLOCK_TOTAL);
  gsize off = 0;
  guint n_blocked = 0;
  gsize first_block_at = 0;
  gboolean partial = FALSE;

  while (off < NONBLOCK_TOTAL)
    {
      g_autoptr(GError) error = NULL;
      gsize want = MIN (65536, NONBLOCK_TOTAL - off);
      gssize n = g_pollable_output_stream_write_nonblocking (out, data + off, want, NULL, &error);

      if (n < 0)
        {
          httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          if (n_blocked++ == 0)
            {
              first_block_at = off;
              /* Only now may the peer read: the source must wait for it. */
              g_atomic_int_set (&sink.go, 1);
            }
          wait_pollable (loop, g_pollable_output_stream_create_source (out, NULL));
          continue;
        }
      ck_assert_int_gt (n, 0);
      ck_assert_int_le (n, 16384);  /* one record at most */
      if ((gsize) n < want)
        partial = TRUE;
      off += n;
    }
  ck_assert (partial);
  ck_assert_uint_gt (n_blocked, 0);
  ck_assert_uint_lt (first_block_at, NONBLOCK_TOTAL / 2);

  wait_for_reply (loop, stream, 2);
  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert (sink.read_ok);
  ck_assert_str_eq (sink.checksum, sum);
  g_free (sink.checksum);
}
END_TEST

/* One record of 10000 bytes, then silence until the client closes. */
static void
one_record (TestConn *conn, guint index, gpointer user_data)
{
  g_autofree guint8 *data = pattern (10000, 5);
  g_autoptr(GString) rest = NULL;

  test_conn_write (conn, (const char *) data, 10000);
  rest = test_conn_read_until_close (conn);
}

/* Decrypted bytes left inside GnuTLS make the input source fire though
 * the socket has nothing new. */
START_TEST (test_tls_stream_source_for_buffered_data)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_tls_handler_server (one_record, NULL, FALSE);
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = tls_small_sndbuf (loop, server, &base);
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  g_autofree guint8 *expected = pattern (10000, 5);
  guint8 buffer[16384];
  g_autoptr(GError) error = NULL;
  gsize got = 0;
  gssize n = -1;
  GSource *source;
  gboolean fired = FALSE;

  /* One byte, once the record is here. */
  while (n < 0)
    {
      g_clear_error (&error);
      n = g_pollable_input_stream_read_nonblocking (in, buffer, 1, NULL, &error);
      if (n < 0)
        {
          httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          wait_pollable (loop, g_pollable_input_stream_create_source (in, NULL));
        }
    }
  ck_assert_int_eq (n, 1);
  got = 1;
  /* The socket is drained: the rest of the record is inside GnuTLS. */
  ck_assert_uint_eq (g_socket_condition_check (socket, G_IO_IN), 0);
  ck_assert (g_pollable_input_stream_is_readable (in));

  source = g_pollable_input_stream_create_source (in, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (on_flag_source), &fired, NULL);
  g_source_attach (source, loop->context);
  for (guint i = 0; i < 10 && !fired; i++)
    g_main_context_iteration (loop->context, FALSE);
  g_source_destroy (source);
  g_source_unref (source);
  ck_assert_msg (fired, "the source did not fire for data buffered in GnuTLS");

  n = g_pollable_input_stream_read_nonblocking (in, buffer + 1, sizeof buffer - 1, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_int_eq (n, 9999);
  got += n;
  ck_assert_int_eq (memcmp (buffer, expected, got), 0);
  /* Nothing more: would block, and the source now waits. */
  n = g_pollable_input_stream_read_nonblocking (in, buffer, sizeof buffer, NULL, &error);
  ck_assert_int_eq (n, -1);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  ck_assert (!g_pollable_input_stream_is_readable (in));
}
END_TEST

/* --- body sources --- */

typedef struct {
  gboolean done;
  gboolean ok;
  GError  *error;
  GThread *thread;
} WriteResult;

static void
on_body_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WriteResult *write = user_data;

  write->ok = httplib_body_source_write_to_finish (HTTPLIB_BODY_SOURCE (source), result,
                                                   &write->error);
  write->thread = g_thread_self ();
  write->done = TRUE;
}

static gboolean
write_body (TestLoop *loop, HttplibBodySource *body, GOutputStream *stream,
            GCancellable *cancellable, GError **error)
{
  WriteResult write = { 0 };

  httplib_body_source_write_to_async (body, stream, cancellable, on_body_written, &write);
  ck_assert_msg (!write.done, "write_to_async called back before returning");
  test_run_until (loop, &write.done);
  ck_assert (write.thread == g_thread_self ());
  ck_assert (write.ok == (write.error == NULL));
  if (write.error != NULL)
    g_propagate_error (error, write.error);
  return write.ok;
}

static void
receive_all (TestConn *conn, guint index, gpointer user_data)
{
  Sink *sink = user_data;
  g_autoptr(GString) all = NULL;

  if (sink != NULL && sink->wait_for_go)
    for (guint i = 0; i < 2000 && !g_atomic_int_get (&sink->go); i++)
      g_usleep (10 * 1000);
  all = test_conn_read_until_close (conn);
}

/* Closes stream, waits for the server, and compares what it received. */
static void
assert_received (TestServer *server, GIOStream *stream, const guint8 *expected, gsize len)
{
  g_autoptr(GBytes) received = NULL;

  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  received = test_server_get_received (server, 0);
  ck_assert_uint_eq (g_bytes_get_size (received), len);
  ck_assert_msg (memcmp (g_bytes_get_data (received, NULL), expected, len) == 0,
                 "the server received other bytes than were sent");
}

static HttplibBodySource *
fd_source (int fd)
{
  GError *error = NULL;
  HttplibBodySource *body = httplib_body_source_new_for_fd (fd, TRUE, &error);

  httplib_assert_no_error (error);
  return body;
}

/* A temporary file holding data, open for reading and writing; the name is removed. */
static int
file_with (const guint8 *data, gsize len)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("httplib-async-XXXXXX", &path, NULL);

  ck_assert_int_ge (fd, 0);
  g_unlink (path);
  for (gsize off = 0; off < len; )
    {
      ssize_t n = write (fd, data + off, len - off);

      ck_assert_int_gt (n, 0);
      off += n;
    }
  ck_assert_int_eq (lseek (fd, 0, SEEK_SET), 0);
  return fd;
}

static GBytes *
memory_contents (GOutputStream *memory)
{
  ck_assert (g_output_stream_close (memory, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

START_TEST (test_bytes_write_async)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = test_tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (3 * 1024 * 1024, 1);
  g_autoptr(GBytes) bytes = g_bytes_new (data, 3 * 1024 * 1024);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(HttplibBodySource) empty = NULL;
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  GError *error = NULL;

  body = httplib_body_source_new_for_bytes (bytes, &error);
  httplib_assert_no_error (error);
  empty = httplib_body_source_new_for_bytes (nothing, &error);
  httplib_assert_no_error (error);
  ck_assert (write_body (loop, empty, g_io_stream_get_output_stream (stream), NULL, &error));
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  httplib_assert_no_error (error);
  assert_received (server, stream, data, 3 * 1024 * 1024);
}
END_TEST

START_TEST (test_bytes_write_async_failures)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) closed = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cancelled = NULL;

  body = httplib_body_source_new_for_string ("some body", &error);
  httplib_assert_no_error (error);
  g_output_stream_close (closed, NULL, NULL);
  ck_assert (!write_body (loop, body, closed, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);

  g_cancellable_cancel (cancellable);
  ck_assert (!write_body (loop, body, memory, cancellable, &cancelled));
  httplib_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_uint_eq (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)), 0);
}
END_TEST

#define FILE_SIZE (8 * 1024 * 1024 + 123)

/* A regular file to a plain socket: sendfile, from the descriptor's
 * offset, which it leaves where it was. */
START_TEST (test_fd_sendfile_async)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = test_tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (FILE_SIZE, 2);
  int fd = file_with (data, FILE_SIZE);
  g_autoptr(HttplibBodySource) body = NULL;
  GError *error = NULL;

  ck_assert_int_eq (lseek (fd, 1000, SEEK_SET), 1000);
  body = fd_source (fd);
  ck_assert_int_eq (httplib_body_source_get_length (body), FILE_SIZE - 1000);
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (lseek (fd, 0, SEEK_CUR), 1000);
  assert_received (server, stream, data + 1000, FILE_SIZE - 1000);
}
END_TEST

/* A regular file over TLS: blocks, decrypted intact at the server. */
START_TEST (test_fd_blocks_over_tls)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { FILE_SIZE - 77, 2, 0, FALSE, NULL, FALSE };
  g_autoptr(TestServer) server = test_tls_handler_server (sink_handler, &sink, FALSE);
  g_autoptr(HttplibTlsSettings) settings = test_trusting_settings ();
  g_autoptr(HttplibTransport) tls = test_new_transport ("tls");
  g_autoptr(GIOStream) base = test_tcp_to (loop, test_server_get_port (server));
  g_autoptr(GIOStream) stream = NULL;
  g_autofree guint8 *data = pattern (FILE_SIZE, 4);
  g_autofree char *sum = sha256 (data + 77, FILE_SIZE - 77);
  int fd = file_with (data, FILE_SIZE);
  g_autoptr(HttplibBodySource) body = NULL;
  GError *error = NULL;

  stream = test_open_tls (loop, tls, base, "localhost", settings, 10, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_int_eq (lseek (fd, 77, SEEK_SET), 77);
  body = fd_source (fd);
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_int_eq (lseek (fd, 0, SEEK_CUR), 77);
  wait_for_reply (loop, stream, 2);
  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert (sink.read_ok);
  ck_assert_str_eq (sink.checksum, sum);
  g_free (sink.checksum);
}
END_TEST

/* Any other stream (here memory) gets blocks of the blocksize. */
START_TEST (test_fd_blocks_to_memory)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autofree guint8 *data = pattern (100000, 6);
  int fd = file_with (data, 100000);
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) got = NULL;
  GError *error = NULL;
  GType type = httplib_registry_lookup_body_source (httplib_registry_get_default (), "fd", &error);

  httplib_assert_no_error (error);
  body = g_initable_new (type, NULL, &error, "fd", fd, "close-when-done", TRUE,
                         "blocksize", 999, NULL);
  httplib_assert_no_error (error);
  ck_assert (write_body (loop, body, memory, NULL, &error));
  httplib_assert_no_error (error);
  got = memory_contents (memory);
  test_assert_bytes_equal (got, (const char *) data, 100000, "body");
}
END_TEST

typedef struct {
  int    fd;
  gsize  len;
  guint8 *data;
} PipeWriter;

static gpointer
write_pipe_slowly (gpointer user_data)
{
  PipeWriter *writer = user_data;

  for (gsize off = 0; off < writer->len; )
    {
      ssize_t n = write (writer->fd, writer->data + off, MIN (7000, writer->len - off));

      if (n <= 0)
        break;
      off += n;
      if (off % 5 == 0)
        g_usleep (1000);
    }
  close (writer->fd);
  return NULL;
}

/* A pipe is read to its end with its pollable stream. */
START_TEST (test_fd_pipe_async)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = test_tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (1024 * 1024, 8);
  g_autoptr(HttplibBodySource) body = NULL;
  PipeWriter writer;
  GThread *thread;
  GError *error = NULL;
  int fds[2];

  ck_assert_int_eq (pipe (fds), 0);
  body = fd_source (fds[0]);
  ck_assert_int_eq (httplib_body_source_get_length (body), -1);
  writer.fd = fds[1];
  writer.len = 1024 * 1024;
  writer.data = data;
  thread = g_thread_new ("pipe writer", write_pipe_slowly, &writer);
  ck_assert (write_body (loop, body, g_io_stream_get_output_stream (stream), NULL, &error));
  g_thread_join (thread);
  httplib_assert_no_error (error);
  assert_received (server, stream, data, 1024 * 1024);
}
END_TEST

START_TEST (test_fd_pipe_cancel)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  int fds[2];

  ck_assert_int_eq (pipe (fds), 0);
  body = fd_source (fds[0]);
  test_cancel_after (loop, cancellable, 100);
  /* The writer end stays open and silent: only the cancellation ends it. */
  ck_assert (!write_body (loop, body, memory, cancellable, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_int_lt (g_get_monotonic_time () - start, 3 * G_USEC_PER_SEC);
  close (fds[1]);
}
END_TEST

static void
read_one_then_reset (TestConn *conn, guint index, gpointer user_data)
{
  g_autoptr(GString) one = g_string_new (NULL);

  test_conn_read_exact (conn, 1, one);
  test_conn_reset (conn);
}

/* A socket whose peer reset it: the read error names the descriptor. */
START_TEST (test_fd_read_error)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (read_one_then_reset, NULL);
  g_autoptr(GIOStream) peer = test_tcp_to (loop, test_server_get_port (server));
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  int fd = dup (g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (peer))));

  ck_assert_int_ge (fd, 0);
  test_write_all_async (loop, peer, "x", 1);
  ck_assert (test_server_wait_handled (server, 1));
  body = fd_source (fd);
  prefix = g_strdup_printf ("reading file descriptor %d: ", fd);
  ck_assert (!write_body (loop, body, memory, NULL, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (g_str_has_prefix (error->message, prefix), "\"%s\" does not start with \"%s\"",
                 error->message, prefix);
  ck_assert_ptr_nonnull (strstr (error->message, "reset"));
}
END_TEST

/* A file that shrinks after its length was taken fails with PARTIAL_INPUT,
 * by sendfile and by blocks alike. */
START_TEST (test_fd_shrinking_file)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestServer) server = test_server_new (receive_all, NULL);
  g_autoptr(GIOStream) stream = test_tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = pattern (1024 * 1024, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();

  for (guint socket = 0; socket < 2; socket++)
    {
      int fd = file_with (data, 1024 * 1024);
      g_autoptr(HttplibBodySource) body = fd_source (fd);
      g_autoptr(GError) error = NULL;
      GOutputStream *out = socket ? g_io_stream_get_output_stream (stream) : memory;

      ck_assert_int_eq (httplib_body_source_get_length (body), 1024 * 1024);
      ck_assert_int_eq (ftruncate (fd, 100000), 0);
      ck_assert (!write_body (loop, body, out, NULL, &error));
      httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
      ck_assert_ptr_nonnull (strstr (error->message, "ended after 100000 of 1048576 bytes"));
    }
}
END_TEST

#define STALL_SIZE (64 * 1024 * 1024)

/* sendfile to a server that does not read: cancelled, or timed out by
 * the socket's timeout. */
static GError *
sendfile_stalled (gboolean cancel)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  Sink sink = { 0, 0, 0, TRUE, NULL, FALSE };
  g_autoptr(TestServer) server = test_server_new (receive_all, &sink);
  g_autoptr(GIOStream) stream = test_tcp_to (loop, test_server_get_port (server));
  g_autofree guint8 *data = g_malloc0 (STALL_SIZE);
  g_autoptr(HttplibBodySource) body = fd_source (file_with (data, STALL_SIZE));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  g_socket_set_timeout (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)), 1);
  if (cancel)
    test_cancel_after (loop, cancellable, 200);
  ck_assert (!write_body (loop, body, g_io_stream_get_output_stream (stream), cancellable, &error));
  took = g_get_monotonic_time () - start;
  ck_assert_int_ge (took, cancel ? 150 * 1000 : 900 * 1000);
  ck_assert_int_lt (took, cancel ? 900 * 1000 : 4 * G_USEC_PER_SEC);
  g_atomic_int_set (&sink.go, 1);
  g_io_stream_close (stream, NULL, NULL);
  ck_assert (test_server_wait_handled (server, 1));
  return error;
}

START_TEST (test_fd_sendfile_cancel)
{
  g_autoptr(GError) error = sendfile_stalled (TRUE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
END_TEST

START_TEST (test_fd_sendfile_timeout)
{
  g_autoptr(GError) error = sendfile_stalled (FALSE);

  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_ptr_nonnull (strstr (error->message, "sending file descriptor"));
}
END_TEST

/* --- the core's worker-thread fallback for blocking-only plugins --- */

#define TEST_TYPE_SYNC_TRANSPORT (test_sync_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestSyncTransport, test_sync_transport, TEST, SYNC_TRANSPORT, GObject)

struct _TestSyncTransport {
  GObject  parent_instance;
  GThread *opened_on;
};

static GIOStream *
sync_transport_open (HttplibTransport *transport, HttplibEndpoint *endpoint, GIOStream *base,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;

  TEST_SYNC_TRANSPORT (transport)->opened_on = g_thread_self ();
  if (httplib_endpoint_get_port (endpoint) == 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no link to port 1");
      return NULL;
    }
  in = g_memory_input_stream_new_from_data ("from the link", 13, NULL);
  out = g_memory_output_stream_new_resizable ();
  return g_simple_io_stream_new (in, out);
}

static void
sync_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = sync_transport_open;
}

G_DEFINE_TYPE_WITH_CODE (TestSyncTransport, test_sync_transport, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, sync_transport_iface_init))

static void
test_sync_transport_class_init (TestSyncTransportClass *klass)
{
}

static void
test_sync_transport_init (TestSyncTransport *self)
{
}

#define TEST_TYPE_SYNC_BODY (test_sync_body_get_type ())
G_DECLARE_FINAL_TYPE (TestSyncBody, test_sync_body, TEST, SYNC_BODY, GObject)

struct _TestSyncBody {
  GObject  parent_instance;
  GThread *written_on;
};

static gint64
sync_body_get_length (HttplibBodySource *source)
{
  return 9;
}

static gboolean
sync_body_write_to (HttplibBodySource *source, GOutputStream *stream, GCancellable *cancellable,
                    GError **error)
{
  TEST_SYNC_BODY (source)->written_on = g_thread_self ();
  return g_output_stream_write_all (stream, "sync body", 9, NULL, cancellable, error);
}

static void
sync_body_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = sync_body_get_length;
  iface->write_to = sync_body_write_to;
}

G_DEFINE_TYPE_WITH_CODE (TestSyncBody, test_sync_body, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_BODY_SOURCE, sync_body_iface_init))

static void
test_sync_body_class_init (TestSyncBodyClass *klass)
{
}

static void
test_sync_body_init (TestSyncBody *self)
{
}

START_TEST (test_fallback_transport)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestSyncTransport) transport = g_object_new (TEST_TYPE_SYNC_TRANSPORT, NULL);
  g_autoptr(HttplibEndpoint) endpoint = test_endpoint_for ("example.test", 80, 5);
  g_autoptr(HttplibEndpoint) failing = test_endpoint_for ("example.test", 1, 5);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) none = NULL;
  g_autoptr(GString) got = NULL;
  g_autoptr(GError) error = NULL;

  stream = test_open_async (loop, HTTPLIB_TRANSPORT (transport), endpoint, NULL, NULL, &error);
  httplib_assert_no_error (error);
  /* The blocking open ran in a worker; the callback came back here. */
  ck_assert_ptr_nonnull (transport->opened_on);
  ck_assert (transport->opened_on != g_thread_self ());
  got = test_read_async (loop, stream, 100);
  ck_assert_str_eq (got->str, "from the link");

  none = test_open_async (loop, HTTPLIB_TRANSPORT (transport), failing, NULL, NULL, &error);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  ck_assert_str_eq (error->message, "no link to port 1");
}
END_TEST

START_TEST (test_fallback_body_source)
{
  g_autoptr(TestLoop) loop = test_loop_new ();
  g_autoptr(TestSyncBody) body = g_object_new (TEST_TYPE_SYNC_BODY, NULL);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) closed = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert (write_body (loop, HTTPLIB_BODY_SOURCE (body), memory, NULL, &error));
  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (body->written_on);
  ck_assert (body->written_on != g_thread_self ());
  got = memory_contents (memory);
  test_assert_bytes_equal (got, "sync body", 9, "body");

  g_output_stream_close (closed, NULL, NULL);
  ck_assert (!write_body (loop, HTTPLIB_BODY_SOURCE (body), closed, NULL, &error));
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}
END_TEST

static Suite *
async_streams_suite (void)
{
  Suite *suite = suite_create ("async-streams");
  TCase *tc;

  tc = tcase_create ("tls-stream");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_tls_stream_16mib_each_way);
  tcase_add_test (tc, test_tls_stream_write_nonblocking);
  tcase_add_test (tc, test_tls_stream_source_for_buffered_data);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("body-sources");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_bytes_write_async);
  tcase_add_test (tc, test_bytes_write_async_failures);
  tcase_add_test (tc, test_fd_sendfile_async);
  tcase_add_test (tc, test_fd_blocks_over_tls);
  tcase_add_test (tc, test_fd_blocks_to_memory);
  tcase_add_test (tc, test_fd_pipe_async);
  tcase_add_test (tc, test_fd_pipe_cancel);
  tcase_add_test (tc, test_fd_read_error);
  tcase_add_test (tc, test_fd_shrinking_file);
  tcase_add_test (tc, test_fd_sendfile_cancel);
  tcase_add_test (tc, test_fd_sendfile_timeout);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("fallback");
  tcase_add_test (tc, test_fallback_transport);
  tcase_add_test (tc, test_fallback_body_source);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (async_streams_suite)
