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

static void
body_source_iface_init (HttplibBodySourceInterface *iface)
{
  iface->get_length = get_length;
  iface->write_to = write_to;
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
