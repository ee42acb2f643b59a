/* httplib-fd-body-source.c: a request body read from a file descriptor
 *
 * The seed's file-object body. A regular file is sent from the offset the
 * descriptor had when the source was made, for `st_size - offset` bytes,
 * the `Content-Length`; straight from the page cache to a plain socket
 * with sendfile(2), else in blocks through the stream (TLS, a tunnel, a
 * chunked coder). Anything unsized (a pipe, a socket, a character device)
 * has no known length and is read until its end, which the connection
 * sends chunked. The body is streamed: memory use does not grow with it.
 *
 * A file that shrinks while it is sent fails the request: the connection
 * then closes, so the server never takes a short body for a whole one.
 *
 * The asynchronous write takes the same three roads on the caller's main
 * context: sendfile(2) on the non-blocking socket, waiting on the socket's
 * source when it is full; a pipe or socket read with its pollable stream;
 * a regular file read block by block in GIO's worker pool (file reads
 * cannot be polled), each block written with write_all_async.
 */
#include "httplib-fd-body-source.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gfiledescriptorbased.h>
#include <gio/gunixinputstream.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BLOCKSIZE (64 * 1024)
/* sendfile(2) moves at most this much per call; bounded, so a wait can interleave. */
#define SENDFILE_CHUNK    (4 * 1024 * 1024)

struct _HttplibFdBodySource {
  GObject   parent_instance;
  int       fd;
  gboolean  close_when_done;
  guint     blocksize;
  gboolean  regular;   /* a regular file: sized, and sent with pread/sendfile */
  gint64    offset;    /* where a regular file's body starts */
  gint64    length;    /* its length, or -1 */
};

enum {
  PROP_0,
  PROP_FD,
  PROP_CLOSE_WHEN_DONE,
  PROP_BLOCKSIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void body_source_iface_init (HttplibBodySourceInterface *iface);
static void initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibFdBodySource, httplib_fd_body_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_BODY_SOURCE, body_source_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, initable_iface_init))

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *format,
                 ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *format,
                 ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", what,
               g_strerror (saved_errno));
  return FALSE;
}

/* --- checking the descriptor --- */

static gboolean
check_fd (HttplibFdBodySource  *self,
          GError              **error)
{
  struct stat st;
  int flags;

  if (self->fd < 0 || (flags = fcntl (self->fd, F_GETFL)) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "file descriptor %d is not open", self->fd);
      return FALSE;
    }
  /* The seed's UnimplementedFileMode: a body must be readable. */
  if ((flags & O_ACCMODE) == O_WRONLY)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_UNIMPLEMENTED_FILE_MODE,
                   "file descriptor %d is open for writing only", self->fd);
      return FALSE;
    }
  if (fstat (self->fd, &st) < 0)
    return set_errno_error (error, errno, "file descriptor %d cannot be sent", self->fd);
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                   "file descriptor %d is a directory", self->fd);
      return FALSE;
    }

  self->regular = S_ISREG (st.st_mode);
  self->length = -1;
  if (self->regular)
    {
      off_t here = lseek (self->fd, 0, SEEK_CUR);

      if (here < 0)
        return set_errno_error (error, errno, "file descriptor %d cannot be sent", self->fd);
      self->offset = here;
      self->length = MAX ((gint64) st.st_size - (gint64) here, 0);
    }
  return TRUE;
}

static gboolean
httplib_fd_body_source_initable_init (GInitable     *initable,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  HttplibFdBodySource *self = HTTPLIB_FD_BODY_SOURCE (initable);

  if (check_fd (self, error))
    return TRUE;
  /* A refused descriptor stays the caller's, whatever close-when-done said. */
  self->close_when_done = FALSE;
  return FALSE;
}

static void
initable_iface_init (GInitableIface *iface)
{
  iface->init = httplib_fd_body_source_initable_init;
}

/* --- sending --- */

static gint64
get_length (HttplibBodySource *source)
{
  return HTTPLIB_FD_BODY_SOURCE (source)->length;
}

static gboolean
shrank (GError **error,
        gint64   sent,
        gint64   length)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
               "the file shrank while it was sent: it ended after %" G_GINT64_FORMAT
               " of %" G_GINT64_FORMAT " bytes", sent, length);
  return FALSE;
}

/* The GSocket under a plain socket stream, for sendfile's waits. */
static GSocket *
stream_socket (GOutputStream *stream)
{
  GSocket *socket = NULL;

  if (!G_IS_FILE_DESCRIPTOR_BASED (stream) ||
      g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "socket") == NULL)
    return NULL;
  g_object_get (stream, "socket", &socket, NULL);
  if (socket != NULL && !G_IS_SOCKET (socket))
    g_clear_object (&socket);
  return socket;
}

/* Zero copy: the kernel moves the file's pages to the socket. */
static gboolean
write_with_sendfile (HttplibFdBodySource *self,
                     GSocket             *socket,
                     GCancellable        *cancellable,
                     GError             **error)
{
  int out = g_socket_get_fd (socket);
  gint64 timeout_us = (gint64) g_socket_get_timeout (socket) * G_USEC_PER_SEC;
  off_t offset = (off_t) self->offset;
  gint64 sent = 0;

  while (sent < self->length)
    {
      gsize want = (gsize) MIN (self->length - sent, SENDFILE_CHUNK);
      ssize_t n = sendfile (out, self->fd, &offset, want);

      if (n > 0)
        {
          sent += n;
          continue;
        }
      if (n == 0)
        return shrank (error, sent, self->length);
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        {
          /* GIO's sockets do not block: wait as GIO does, with its timeout. */
          if (!g_socket_condition_timed_wait (socket, G_IO_OUT, timeout_us > 0 ? timeout_us : -1,
                                              cancellable, error))
            return FALSE;
          continue;
        }
      return set_errno_error (error, errno, "sending file descriptor %d", self->fd);
    }
  return TRUE;
}

/* Blocks of a regular file through any stream (TLS, a tunnel). */
static gboolean
write_file_blocks (HttplibFdBodySource *self,
                   GOutputStream       *stream,
                   GCancellable        *cancellable,
                   GError             **error)
{
  g_autofree guint8 *block = g_malloc (self->blocksize);
  gint64 sent = 0;

  while (sent < self->length)
    {
      gsize want = (gsize) MIN (self->length - sent, (gint64) self->blocksize);
      ssize_t n = pread (self->fd, block, want, (off_t) (self->offset + sent));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_errno_error (error, errno, "reading file descriptor %d", self->fd);
      if (n == 0)
        return shrank (error, sent, self->length);
      if (!g_output_stream_write_all (stream, block, (gsize) n, NULL, cancellable, error))
        return FALSE;
      sent += n;
    }
  return TRUE;
}

/* A pipe or socket: read until its end, with the cancellable honoured. */
static gboolean
write_stream_blocks (HttplibFdBodySource *self,
                     GOutputStream       *stream,
                     GCancellable        *cancellable,
                     GError             **error)
{
  g_autoptr(GInputStream) input = g_unix_input_stream_new (self->fd, FALSE);
  g_autofree guint8 *block = g_malloc (self->blocksize);

  for (;;)
    {
      gssize n = g_input_stream_read (input, block, self->blocksize, cancellable, error);

      if (n < 0)
        {
          g_prefix_error (error, "reading file descriptor %d: ", self->fd);
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      if (!g_output_stream_write_all (stream, block, (gsize) n, NULL, cancellable, error))
        return FALSE;
    }
}

static gboolean
write_to (HttplibBodySource *source,
          GOutputStream     *stream,
          GCancellable      *cancellable,
          GError           **error)
{
  HttplibFdBodySource *self = HTTPLIB_FD_BODY_SOURCE (source);
  g_autoptr(GSocket) socket = NULL;

  if (!self->regular)
    return write_stream_blocks (self, stream, cancellable, error);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  socket = stream_socket (stream);
  if (socket != NULL)
    return write_with_sendfile (self, socket, cancellable, error);
  return write_file_blocks (self, stream, cancellable, error);
}

/* --- sending without blocking --- */

/* sendfile(2) calls per turn of the main loop, so others get theirs. */
#define SENDFILE_TURN 4

typedef struct {
  GOutputStream *stream;
  GSocket       *socket;        /* sendfile: the socket under stream */
  GInputStream  *input;         /* a pipe or socket: its stream */
  guint8        *block;
  gsize          block_len;     /* bytes of the block being written */
  off_t          offset;        /* sendfile: the file offset to send from */
  gint64         sent;
  gint64         wait_until;    /* sendfile: monotonic µs of the timeout, or -1 */
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_object_unref (data->stream);
  g_clear_object (&data->socket);
  g_clear_object (&data->input);
  g_free (data->block);
  g_free (data);
}

static gboolean
task_return_if_cancelled (GTask *task)
{
  GError *error = NULL;

  if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    return FALSE;
  g_task_return_error (task, error);
  return TRUE;
}

static void sendfile_step (GTask *task);

static gboolean
on_socket_writable (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  /* The source drops its own reference when it goes. */
  sendfile_step (g_object_ref (user_data));
  return G_SOURCE_REMOVE;
}

/* Waits until the socket takes more; the socket's timeout bounds a wait
 * with no progress, as in the blocking write. */
static void
sendfile_wait (GTask    *task,
               gboolean  stalled)
{
  HttplibFdBodySource *self = g_task_get_source_object (task);
  WriteData *data = g_task_get_task_data (task);
  guint timeout = g_socket_get_timeout (data->socket);
  g_autoptr(GSource) source = NULL;

  if (!stalled)
    data->wait_until = -1;
  else if (timeout > 0 && data->wait_until < 0)
    data->wait_until = g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC;
  else if (timeout > 0 && g_get_monotonic_time () >= data->wait_until)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "sending file descriptor %d: timed out after %u s",
                               self->fd, timeout);
      g_object_unref (task);
      return;
    }

  source = g_socket_create_source (data->socket, G_IO_OUT, g_task_get_cancellable (task));
  g_source_set_callback (source, G_SOURCE_FUNC (on_socket_writable), task, g_object_unref);
  g_source_set_static_name (source, "[httplib] sendfile");
  g_source_attach (source, g_task_get_context (task));
}

/* Takes the task's reference. */
static void
sendfile_step (GTask *task)
{
  HttplibFdBodySource *self = g_task_get_source_object (task);
  WriteData *data = g_task_get_task_data (task);
  int out = g_socket_get_fd (data->socket);
  GError *error = NULL;

  if (task_return_if_cancelled (task))
    goto done;

  for (guint turn = 0; turn < SENDFILE_TURN && data->sent < self->length; )
    {
      gsize want = (gsize) MIN (self->length - data->sent, SENDFILE_CHUNK);
      ssize_t n = sendfile (out, self->fd, &data->offset, want);

      if (n > 0)
        {
          data->sent += n;
          data->wait_until = -1;
          turn++;
          continue;
        }
      if (n == 0)
        {
          shrank (&error, data->sent, self->length);
          g_task_return_error (task, error);
          goto done;
        }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        {
          sendfile_wait (task, TRUE);
          return;
        }
      set_errno_error (&error, errno, "sending file descriptor %d", self->fd);
      g_task_return_error (task, error);
      goto done;
    }

  if (data->sent < self->length)
    {
      sendfile_wait (task, FALSE);
      return;
    }
  g_task_return_boolean (task, TRUE);

done:
  g_object_unref (task);
}

/* A block of a regular file, read in a worker: file reads cannot be polled. */
typedef struct {
  int     fd;
  void   *buffer;
  gsize   count;
  off_t   offset;
} PreadJob;

static void
pread_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  PreadJob *job = task_data;
  ssize_t n;

  do
    n = pread (job->fd, job->buffer, job->count, job->offset);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "reading file descriptor %d: %s", job->fd,
                               g_strerror (saved_errno));
      return;
    }
  g_task_return_int (task, n);
}

static void file_block_step (GTask *task);

static void
on_file_block_written (GObject      *stream,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WriteData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data->sent += data->block_len;
  file_block_step (g_steal_pointer (&task));
}

static void
on_file_block_read (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibFdBodySource *self = HTTPLIB_FD_BODY_SOURCE (source);
  WriteData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;
  gssize n = g_task_propagate_int (G_TASK (result), &error);

  if (n < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (n == 0)
    {
      shrank (&error, data->sent, self->length);
      g_task_return_error (task, error);
      return;
    }
  data->block_len = (gsize) n;
  cancellable = g_task_get_cancellable (task);
  g_output_stream_write_all_async (data->stream, data->block, data->block_len,
                                   G_PRIORITY_DEFAULT, cancellable,
                                   on_file_block_written, g_steal_pointer (&task));
}

/* Takes the task's reference. */
static void
file_block_step (GTask *task)
{
  HttplibFdBodySource *self = g_task_get_source_object (task);
  WriteData *data = g_task_get_task_data (task);
  g_autoptr(GTask) read = NULL;
  PreadJob *job;

  if (data->sent >= self->length)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  job = g_new0 (PreadJob, 1);
  job->fd = self->fd;
  job->buffer = data->block;
  job->count = (gsize) MIN (self->length - data->sent, (gint64) self->blocksize);
  job->offset = (off_t) (self->offset + data->sent);
  read = g_task_new (self, g_task_get_cancellable (task), on_file_block_read, task);
  g_task_set_source_tag (read, pread_in_thread);
  g_task_set_task_data (read, job, g_free);
  g_task_run_in_thread (read, pread_in_thread);
}

static void stream_block_step (GTask *task);

static void
on_stream_block_written (GObject      *stream,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WriteData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data->sent += data->block_len;
  stream_block_step (g_steal_pointer (&task));
}

static void
on_stream_block_read (GObject      *input,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibFdBodySource *self = g_task_get_source_object (task);
  WriteData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (input), result, &error);

  if (n < 0)
    {
      g_prefix_error (&error, "reading file descriptor %d: ", self->fd);
      g_task_return_error (task, error);
      return;
    }
  if (n == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  data->block_len = (gsize) n;
  cancellable = g_task_get_cancellable (task);
  g_output_stream_write_all_async (data->stream, data->block, data->block_len,
                                   G_PRIORITY_DEFAULT, cancellable,
                                   on_stream_block_written, g_steal_pointer (&task));
}

/* Takes the task's reference. A pipe or socket is polled, not read in a thread. */
static void
stream_block_step (GTask *task)
{
  HttplibFdBodySource *self = g_task_get_source_object (task);
  WriteData *data = g_task_get_task_data (task);

  g_input_stream_read_async (data->input, data->block, self->blocksize, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), on_stream_block_read, task);
}

static void
write_to_async (HttplibBodySource   *source,
                GOutputStream       *stream,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  HttplibFdBodySource *self = HTTPLIB_FD_BODY_SOURCE (source);
  GTask *task = g_task_new (source, cancellable, callback, user_data);
  WriteData *data = g_new0 (WriteData, 1);

  g_task_set_source_tag (task, write_to_async);
  data->stream = g_object_ref (stream);
  data->wait_until = -1;
  g_task_set_task_data (task, data, (GDestroyNotify) write_data_free);

  if (!self->regular)
    {
      data->input = g_unix_input_stream_new (self->fd, FALSE);
      data->block = g_malloc (self->blocksize);
      stream_block_step (task);
      return;
    }
  if (task_return_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  data->socket = stream_socket (stream);
  if (data->socket != NULL)
    {
      data->offset = (off_t) self->offset;
      sendfile_step (task);
      return;
    }
  data->block = g_malloc (self->blocksize);
  file_block_step (task);
}

static gboolean
write_to_finish (HttplibBodySource  *source,
                 GAsyncResult       *result,
                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, write_to_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
body_source_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = get_length;
  iface->write_to = write_to;
  iface->write_to_async = write_to_async;
  iface->write_to_finish = write_to_finish;
}

/* --- GObject --- */

static void
httplib_fd_body_source_finalize (GObject *object)
{
  HttplibFdBodySource *self = HTTPLIB_FD_BODY_SOURCE (object);

  if (self->close_when_done && self->fd >= 0)
    close (self->fd);

  G_OBJECT_CLASS (httplib_fd_body_source_parent_class)->finalize (object);
}

static void
httplib_fd_body_source_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  HttplibFdBodySource *self = HTTPLIB_FD_BODY_SOURCE (object);

  switch (prop_id)
    {
    case PROP_FD:
      self->fd = g_value_get_int (value);
      break;
    case PROP_CLOSE_WHEN_DONE:
      self->close_when_done = g_value_get_boolean (value);
      break;
    case PROP_BLOCKSIZE:
      self->blocksize = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_fd_body_source_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  HttplibFdBodySource *self = HTTPLIB_FD_BODY_SOURCE (object);

  switch (prop_id)
    {
    case PROP_FD:
      g_value_set_int (value, self->fd);
      break;
    case PROP_CLOSE_WHEN_DONE:
      g_value_set_boolean (value, self->close_when_done);
      break;
    case PROP_BLOCKSIZE:
      g_value_set_uint (value, self->blocksize);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_fd_body_source_class_init (HttplibFdBodySourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = httplib_fd_body_source_finalize;
  object_class->set_property = httplib_fd_body_source_set_property;
  object_class->get_property = httplib_fd_body_source_get_property;

  properties[PROP_FD] = g_param_spec_int ("fd", NULL, NULL, -1, G_MAXINT, -1, construct);
  properties[PROP_CLOSE_WHEN_DONE] = g_param_spec_boolean ("close-when-done", NULL, NULL, FALSE,
                                                           construct);
  /* CPython's blocksize: the size of each read when the body cannot go by sendfile. */
  properties[PROP_BLOCKSIZE] = g_param_spec_uint ("blocksize", NULL, NULL, 1, 64 * 1024 * 1024,
                                                  DEFAULT_BLOCKSIZE,
                                                  construct);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
httplib_fd_body_source_init (HttplibFdBodySource *self)
{
  self->fd = -1;
  self->blocksize = DEFAULT_BLOCKSIZE;
  self->length = -1;
}
