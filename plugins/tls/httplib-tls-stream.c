/* httplib-tls-stream.c: a GnuTLS session over the stream of the link below
 *
 * GnuTLS reads and writes through our pull and push functions, which use
 * the GIO stream below: a socket for `tcp` → `tls`, a tunnelled socket for
 * `tunnel` → `tls`, anything a third-party transport returns. So timeouts
 * and cancellation are the stream below's, and its GError is what the
 * caller sees when it fails, not a GnuTLS code.
 *
 * Records are decrypted straight into the caller's buffer. A request head
 * and a small body written together go out as one record in one write.
 */
#include "httplib-tls-stream.h"
#include "httplib-tls-certificate.h"
#include "httplib-tls-input-stream.h"
#include "httplib-tls-output-stream.h"

#include <httplib/httplib.h>
#include <errno.h>
#include <string.h>

/* Vectors up to this size are corked into one record (TLS's maximum). */
#define CORK_LIMIT 16384
/* GnuTLS's non-fatal codes (a warning alert, an interrupted call) are
 * retried, but never without end. */
#define MAX_RETRIES 64
/* Ciphertext read ahead of what GnuTLS asks for: it asks for a record's
 * 5-byte header, then for its body, which would be two reads per record. */
#define READ_AHEAD_SIZE (64 * 1024)

struct _HttplibTlsStream {
  GIOStream              parent_instance;

  GIOStream             *base;
  GInputStream          *base_input;    /* owned by base */
  GOutputStream         *base_output;
  GSocket               *socket;        /* base's socket when GIO's own streams sit on it */
  GInputStream          *input;
  GOutputStream         *output;

  gnutls_session_t       session;
  HttplibTlsSessionFunc  session_func;
  gpointer               session_data;
  GDestroyNotify         session_destroy;

  /* the operation in progress, for the pull and push functions */
  GCancellable          *cancellable;
  gboolean               blocking;
  GError                *io_error;      /* the stream below failed */

  guint8                 head[5];       /* the first bytes received, to spot plain HTTP */
  guint                  n_head;
  gboolean               handshaked;
  gboolean               broken;        /* no close_notify after an error */
  gboolean               verify_failed;
  gboolean               write_pending; /* GnuTLS holds a record that would block */
  gboolean               base_eof;      /* the stream below ended */
  gboolean               wrote_last;    /* the last I/O below was a write */

  /* ciphertext read from below that GnuTLS has not pulled yet */
  guint8                *ahead;
  gsize                  ahead_pos;
  gsize                  ahead_len;

  /* what is_readable() had to read to tell a session ticket from data */
  guint8                 peek;
  gboolean               has_peek;
  gboolean               peek_eof;
  GError                *peek_error;
};

G_DEFINE_FINAL_TYPE (HttplibTlsStream, httplib_tls_stream, G_TYPE_IO_STREAM)

/* --- the stream below, for GnuTLS --- */

static ssize_t
io_failed (HttplibTlsStream *self,
           GError           *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_error_free (error);
      gnutls_transport_set_errno (self->session, EAGAIN);
      return -1;
    }
  g_clear_error (&self->io_error);
  self->io_error = error;
  self->broken = TRUE;
  gnutls_transport_set_errno (self->session, EIO);
  return -1;
}

static gsize
ahead_available (HttplibTlsStream *self)
{
  return self->ahead_len - self->ahead_pos;
}

/* One read from the stream below, as the operation in progress says. */
static gssize
read_below (HttplibTlsStream *self,
            void             *buffer,
            gsize             size,
            GError          **error)
{
  gboolean wrote_last = self->wrote_last;

  self->wrote_last = FALSE;
  if (self->blocking)
    {
      /* A reply right after a write is rarely there yet: on a socket, wait
       * first, rather than read, fail with EAGAIN, wait and read again. */
      if (wrote_last && self->socket != NULL &&
          !g_socket_condition_timed_wait (self->socket, G_IO_IN, -1, self->cancellable, error))
        return -1;
      if (self->socket != NULL)
        return g_socket_receive_with_blocking (self->socket, buffer, size, TRUE,
                                               self->cancellable, error);
      return g_input_stream_read (self->base_input, buffer, size, self->cancellable, error);
    }
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base_input),
                                                   buffer, size, self->cancellable, error);
}

static ssize_t
pull (gnutls_transport_ptr_t ptr,
      void                  *buffer,
      size_t                 size)
{
  HttplibTlsStream *self = ptr;
  GError *error = NULL;
  gssize n = 0;

  if (ahead_available (self) == 0 && size < READ_AHEAD_SIZE)
    {
      if (self->ahead == NULL)
        self->ahead = g_malloc (READ_AHEAD_SIZE);
      n = read_below (self, self->ahead, READ_AHEAD_SIZE, &error);
      self->ahead_pos = 0;
      self->ahead_len = MAX (n, 0);
    }
  if (ahead_available (self) > 0)
    {
      n = MIN (size, ahead_available (self));
      memcpy (buffer, self->ahead + self->ahead_pos, n);
      self->ahead_pos += n;
    }
  else if (error == NULL && size >= READ_AHEAD_SIZE)
    n = read_below (self, buffer, size, &error);
  /* else the read ahead found the end of the stream (n is 0) or failed */
  if (error != NULL)
    return io_failed (self, error);
  if (n == 0)
    self->base_eof = TRUE;

  if (!self->handshaked && self->n_head < sizeof self->head)
    {
      gsize take = MIN ((gsize) n, sizeof self->head - self->n_head);

      memcpy (self->head + self->n_head, buffer, take);
      self->n_head += take;
    }
  return n;
}

/* Blocking reads wait on the stream below, which has the timeout. */
static int
pull_timeout (gnutls_transport_ptr_t ptr,
              unsigned int           ms)
{
  HttplibTlsStream *self = ptr;

  if (ahead_available (self) > 0)
    return 1;
  if (ms == 0 && G_IS_POLLABLE_INPUT_STREAM (self->base_input) &&
      g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base_input)))
    return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base_input));
  return 1;
}

static ssize_t
push (gnutls_transport_ptr_t  ptr,
      const giovec_t         *iov,
      int                     iovcnt)
{
  HttplibTlsStream *self = ptr;
  GOutputVector stack[8];
  g_autofree GOutputVector *heap = NULL;
  GOutputVector *vectors = stack;
  GError *error = NULL;
  gsize written = 0;

  if ((gsize) iovcnt > G_N_ELEMENTS (stack))
    vectors = heap = g_new (GOutputVector, iovcnt);
  for (int i = 0; i < iovcnt; i++)
    {
      vectors[i].buffer = iov[i].iov_base;
      vectors[i].size = iov[i].iov_len;
    }

  if (self->blocking && self->socket != NULL)
    {
      /* -1: blocking within the socket's timeout, as GIO's socket stream writes. */
      GPollableReturn ret =
        g_socket_send_message_with_timeout (self->socket, NULL, vectors, iovcnt, NULL, 0, 0, -1,
                                            &written, self->cancellable, &error);

      if (ret == G_POLLABLE_RETURN_FAILED)
        return io_failed (self, error);
      if (ret == G_POLLABLE_RETURN_WOULD_BLOCK)
        {
          gnutls_transport_set_errno (self->session, EAGAIN);
          return -1;
        }
    }
  else if (self->blocking)
    {
      if (!g_output_stream_writev (self->base_output, vectors, iovcnt, &written,
                                   self->cancellable, &error))
        return io_failed (self, error);
    }
  else
    {
      GPollableReturn ret =
        g_pollable_output_stream_writev_nonblocking (G_POLLABLE_OUTPUT_STREAM (self->base_output),
                                                     vectors, iovcnt, &written,
                                                     self->cancellable, &error);
      if (ret == G_POLLABLE_RETURN_WOULD_BLOCK)
        {
          gnutls_transport_set_errno (self->session, EAGAIN);
          return -1;
        }
      if (ret == G_POLLABLE_RETURN_FAILED)
        return io_failed (self, error);
    }
  self->wrote_last = TRUE;
  return (ssize_t) written;
}

static int
on_session_ticket (gnutls_session_t      session,
                   unsigned int          htype,
                   unsigned int          when,
                   unsigned int          incoming,
                   const gnutls_datum_t *msg)
{
  HttplibTlsStream *self = gnutls_session_get_ptr (session);

  if (self->session_func != NULL)
    self->session_func (session, self->session_data);
  return 0;
}

static void
begin_op (HttplibTlsStream *self,
          gboolean          blocking,
          GCancellable     *cancellable)
{
  self->blocking = blocking;
  self->cancellable = cancellable;
  g_clear_error (&self->io_error);
}

static void
end_op (HttplibTlsStream *self)
{
  self->cancellable = NULL;
}

/* --- the handshake --- */

static void
set_handshake_error (HttplibTlsStream *self,
                     int               code,
                     GError          **error)
{
  if (self->io_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&self->io_error),
                                  "during the TLS handshake: ");
      return;
    }
  if (code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
    {
      self->verify_failed = TRUE;
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE,
                           "the server's certificate did not verify");
      return;
    }
  if (self->n_head == sizeof self->head && memcmp (self->head, "HTTP/", 5) == 0)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                           "TLS handshake failed: the server answered in plain HTTP "
                           "(is this an HTTPS port?)");
      return;
    }
  if (code == GNUTLS_E_PREMATURE_TERMINATION)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                           "TLS handshake failed: the server closed the connection");
      return;
    }
  if (code == GNUTLS_E_FATAL_ALERT_RECEIVED)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                   "TLS handshake failed: the server sent the alert “%s”",
                   gnutls_alert_get_name (gnutls_alert_get (self->session)));
      return;
    }
  g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
               "TLS handshake failed: %s", gnutls_strerror (code));
}

/* Ends a handshake with GnuTLS's last answer, blocking or not. */
static gboolean
handshake_done (HttplibTlsStream *self,
                int               ret,
                GError          **error)
{
  if (ret != 0)
    {
      self->broken = TRUE;
      set_handshake_error (self, ret, error);
      return FALSE;
    }
  self->handshaked = TRUE;
  /* TLS 1.3 sends its tickets later, through on_session_ticket(). */
  if (self->session_func != NULL && gnutls_protocol_get_version (self->session) != GNUTLS_TLS1_3)
    self->session_func (self->session, self->session_data);
  return TRUE;
}

gboolean
httplib_tls_stream_handshake (HttplibTlsStream *self,
                              GCancellable     *cancellable,
                              GError          **error)
{
  int ret;

  begin_op (self, TRUE, cancellable);
  for (guint i = 0; i < MAX_RETRIES; i++)
    {
      ret = gnutls_handshake (self->session);
      if (ret == 0 || gnutls_error_is_fatal (ret))
        break;
    }
  end_op (self);

  return handshake_done (self, ret, error);
}

static void handshake_step (GTask *task);

static gboolean
on_handshake_ready (GObject  *pollable,
                    gpointer  user_data)
{
  handshake_step (user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the handshake as far as the stream below allows, then waits on it
 * in the direction GnuTLS asked for. */
static void
handshake_step (GTask *task)
{
  HttplibTlsStream *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GSource) source = NULL;
  GError *error = NULL;
  guint retries = 0;
  int ret;

  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      self->broken = TRUE;
      g_prefix_error (&error, "during the TLS handshake: ");
      g_task_return_error (task, error);
      return;
    }

  begin_op (self, FALSE, cancellable);
  do
    ret = gnutls_handshake (self->session);
  while (ret != 0 && ret != GNUTLS_E_AGAIN && !gnutls_error_is_fatal (ret) &&
         ++retries < MAX_RETRIES);
  end_op (self);

  if (ret != GNUTLS_E_AGAIN)
    {
      if (handshake_done (self, ret, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      return;
    }

  /* 0: GnuTLS wants to read, 1: to write (a record that did not fit). */
  if (gnutls_record_get_direction (self->session) == 0)
    source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base_input),
                                                    cancellable);
  else
    source = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (self->base_output),
                                                     cancellable);
  g_source_set_callback (source, G_SOURCE_FUNC (on_handshake_ready), task, g_object_unref);
  g_source_set_static_name (source, "[httplib] TLS handshake");
  g_source_attach (source, g_task_get_context (task));
  g_object_ref (task);  /* the source's */
}

static void
handshake_in_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;

  if (httplib_tls_stream_handshake (source_object, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
base_is_pollable (HttplibTlsStream *self)
{
  return G_IS_POLLABLE_INPUT_STREAM (self->base_input) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base_input)) &&
         G_IS_POLLABLE_OUTPUT_STREAM (self->base_output) &&
         g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (self->base_output));
}

void
httplib_tls_stream_handshake_async (HttplibTlsStream    *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, httplib_tls_stream_handshake_async);
  /* A cancellation ends the steps below with their own, more precise error. */
  g_task_set_check_cancellable (task, FALSE);
  /* A stream below that cannot be polled (a third-party transport's) can
   * only be waited on by blocking: then in a worker thread. */
  if (!base_is_pollable (self))
    {
      g_task_run_in_thread (task, handshake_in_thread);
      return;
    }
  handshake_step (task);
}

gboolean
httplib_tls_stream_handshake_finish (HttplibTlsStream  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
httplib_tls_stream_verify_failed (HttplibTlsStream *self)
{
  return self->verify_failed;
}

/* --- records --- */

static gboolean
check_open (HttplibTlsStream *self,
            GError          **error)
{
  if (self->session != NULL && self->handshaked)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the TLS stream is closed");
  return FALSE;
}

/* A write failed because the peer closed: a fatal alert it sent first
 * (a required client certificate, say) says why better than EPIPE. */
static gboolean
take_alert (HttplibTlsStream *self)
{
  guint8 scratch[256];
  gssize ret = GNUTLS_E_AGAIN;

  if (!g_error_matches (self->io_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) &&
      !g_error_matches (self->io_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return FALSE;
  if (!G_IS_POLLABLE_INPUT_STREAM (self->base_input) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base_input)))
    return FALSE;

  self->blocking = FALSE;
  /* Records before the alert (application data) are dropped: the
   * connection is failing anyway. A few records at most are queued. */
  for (guint i = 0; i < MAX_RETRIES && ret != GNUTLS_E_FATAL_ALERT_RECEIVED; i++)
    {
      ret = gnutls_record_recv (self->session, scratch, sizeof scratch);
      if (ret <= 0 && ret != GNUTLS_E_FATAL_ALERT_RECEIVED && gnutls_error_is_fatal (ret))
        break;
      if (ret == GNUTLS_E_AGAIN)
        break;
    }
  return ret == GNUTLS_E_FATAL_ALERT_RECEIVED;
}

/* Turns a GnuTLS failure of a read or write into the GError to report. */
static void
set_record_error (HttplibTlsStream *self,
                  int               code,
                  const char       *doing,
                  GError          **error)
{
  if (code == GNUTLS_E_AGAIN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "the operation would block");
      return;
    }
  self->broken = TRUE;
  if (self->io_error != NULL && code != GNUTLS_E_FATAL_ALERT_RECEIVED && take_alert (self))
    {
      code = GNUTLS_E_FATAL_ALERT_RECEIVED;
      g_clear_error (&self->io_error);
    }
  else if (self->io_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->io_error));
      return;
    }
  if (code == GNUTLS_E_FATAL_ALERT_RECEIVED)
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS, "TLS error while %s: the server sent the alert “%s”",
                 doing, gnutls_alert_get_name (gnutls_alert_get (self->session)));
  else
    g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS, "TLS error while %s: %s",
                 doing, gnutls_strerror (code));
}

static gssize
recv_record (HttplibTlsStream *self,
             void             *buffer,
             gsize             count)
{
  gssize ret = GNUTLS_E_AGAIN;

  for (guint i = 0; i < MAX_RETRIES; i++)
    {
      ret = gnutls_record_recv (self->session, buffer, count);
      if (ret == GNUTLS_E_REHANDSHAKE)
        {
          /* A TLS 1.2 server asking to renegotiate: decline, keep reading. */
          gnutls_alert_send (self->session, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
          continue;
        }
      if (ret >= 0 || (ret == GNUTLS_E_AGAIN && !self->blocking) || gnutls_error_is_fatal (ret))
        break;
    }
  return ret;
}

gssize
httplib_tls_stream_read (HttplibTlsStream *self,
                         void             *buffer,
                         gsize             count,
                         gboolean          blocking,
                         GCancellable     *cancellable,
                         GError          **error)
{
  gssize ret;

  if (!check_open (self, error))
    return -1;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (count == 0)
    return 0;
  if (self->has_peek)
    {
      *(guint8 *) buffer = self->peek;
      self->has_peek = FALSE;
      return 1;
    }
  if (self->peek_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->peek_error));
      return -1;
    }
  if (self->peek_eof)
    return 0;

  begin_op (self, blocking, cancellable);
  ret = recv_record (self, buffer, count);
  end_op (self);

  if (ret >= 0)
    return ret;
  /* The peer went away without close_notify, maybe mid-record: an end of
   * stream, and the HTTP framing above decides whether the body is whole. */
  if (self->base_eof && self->io_error == NULL)
    {
      self->broken = TRUE;
      return 0;
    }
  set_record_error (self, (int) ret, "reading", error);
  return -1;
}

gssize
httplib_tls_stream_write (HttplibTlsStream *self,
                          const void       *buffer,
                          gsize             count,
                          gboolean          blocking,
                          GCancellable     *cancellable,
                          GError          **error)
{
  gssize ret = GNUTLS_E_AGAIN;

  if (!check_open (self, error))
    return -1;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  begin_op (self, blocking, cancellable);
  for (guint i = 0; i < MAX_RETRIES; i++)
    {
      /* After GNUTLS_E_AGAIN GnuTLS holds the record: flush it, the caller
       * writes the same bytes again as GIO asks. */
      if (self->write_pending)
        ret = gnutls_record_send (self->session, NULL, 0);
      else
        ret = gnutls_record_send (self->session, buffer, count);
      self->write_pending = (ret == GNUTLS_E_AGAIN);
      if (ret >= 0 || (ret == GNUTLS_E_AGAIN && !blocking) || gnutls_error_is_fatal (ret))
        break;
    }
  end_op (self);

  if (ret >= 0)
    return MIN ((gsize) ret, count);
  set_record_error (self, (int) ret, "writing", error);
  return -1;
}

gboolean
httplib_tls_stream_writev (HttplibTlsStream    *self,
                           const GOutputVector *vectors,
                           gsize                n_vectors,
                           gsize               *bytes_written,
                           GCancellable        *cancellable,
                           GError             **error)
{
  gsize total = 0;
  gssize ret = 0;

  *bytes_written = 0;
  for (gsize i = 0; i < n_vectors; i++)
    total += vectors[i].size;

  /* Large writes go record by record; the caller loops. */
  if (n_vectors == 1 || total > CORK_LIMIT || self->write_pending)
    {
      for (gsize i = 0; i < n_vectors; i++)
        if (vectors[i].size > 0)
          {
            ret = httplib_tls_stream_write (self, vectors[i].buffer, vectors[i].size, TRUE,
                                            cancellable, error);
            if (ret < 0)
              return FALSE;
            *bytes_written = (gsize) ret;
            break;
          }
      return TRUE;
    }

  if (!check_open (self, error) || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  begin_op (self, TRUE, cancellable);
  gnutls_record_cork (self->session);
  for (gsize i = 0; i < n_vectors && ret >= 0; i++)
    if (vectors[i].size > 0)
      ret = gnutls_record_send (self->session, vectors[i].buffer, vectors[i].size);
  for (guint i = 0; i < MAX_RETRIES; i++)
    {
      int flushed = gnutls_record_uncork (self->session, GNUTLS_RECORD_WAIT);

      if (ret >= 0)
        ret = flushed;
      if (flushed >= 0 || gnutls_error_is_fatal (flushed))
        break;
    }
  end_op (self);

  if (ret < 0)
    {
      set_record_error (self, (int) ret, "writing", error);
      return FALSE;
    }
  *bytes_written = total;
  return TRUE;
}

/* --- polling --- */

static gboolean
base_can_poll (HttplibTlsStream *self)
{
  return G_IS_POLLABLE_INPUT_STREAM (self->base_input) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base_input));
}

gboolean
httplib_tls_stream_is_readable (HttplibTlsStream *self)
{
  gssize n;

  if (self->session == NULL || !self->handshaked)
    return TRUE;
  if (self->has_peek || self->peek_eof || self->peek_error != NULL ||
      gnutls_record_check_pending (self->session) > 0)
    return TRUE;
  if (!base_can_poll (self))
    return FALSE;
  if (ahead_available (self) == 0 &&
      !g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base_input)))
    return FALSE;

  /* Bytes below may be only a TLS 1.3 session ticket, which GnuTLS takes
   * by itself: read to know, and keep what was read for the next read. */
  begin_op (self, FALSE, NULL);
  n = recv_record (self, &self->peek, 1);
  end_op (self);
  if (n == 1)
    self->has_peek = TRUE;
  else if (n == 0 || (self->base_eof && self->io_error == NULL))
    self->peek_eof = TRUE;
  else if (n == GNUTLS_E_AGAIN)
    return FALSE;
  else
    set_record_error (self, (int) n, "reading", &self->peek_error);
  return TRUE;
}

gboolean
httplib_tls_stream_is_writable (HttplibTlsStream *self)
{
  if (self->session == NULL || !G_IS_POLLABLE_OUTPUT_STREAM (self->base_output))
    return TRUE;
  return g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM (self->base_output));
}

GSource *
httplib_tls_stream_create_source (HttplibTlsStream *self,
                                  GIOCondition      condition,
                                  GObject          *pollable,
                                  GCancellable     *cancellable)
{
  g_autoptr(GSource) child = NULL;

  if (condition == G_IO_IN && self->session != NULL &&
      (self->has_peek || self->peek_eof || self->peek_error != NULL ||
       ahead_available (self) > 0 || gnutls_record_check_pending (self->session) > 0))
    child = g_timeout_source_new (0);  /* decrypted or read-ahead bytes wait: ready now */
  else if (condition == G_IO_IN)
    child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base_input), NULL);
  else
    child = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (self->base_output),
                                                    NULL);
  return g_pollable_source_new_full (pollable, child, cancellable);
}

/* --- GIOStream --- */

static GInputStream *
get_input_stream (GIOStream *stream)
{
  return HTTPLIB_TLS_STREAM (stream)->input;
}

static GOutputStream *
get_output_stream (GIOStream *stream)
{
  return HTTPLIB_TLS_STREAM (stream)->output;
}

static gboolean
close_fn (GIOStream     *stream,
          GCancellable  *cancellable,
          GError       **error)
{
  HttplibTlsStream *self = HTTPLIB_TLS_STREAM (stream);

  /* A polite close_notify, unless it could block on a stuck peer. */
  if (self->session != NULL && self->handshaked && !self->broken &&
      G_IS_POLLABLE_OUTPUT_STREAM (self->base_output) &&
      g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (self->base_output)))
    {
      begin_op (self, FALSE, NULL);
      gnutls_bye (self->session, GNUTLS_SHUT_WR);
      end_op (self);
    }
  self->broken = TRUE;

  if (!G_IO_STREAM_CLASS (httplib_tls_stream_parent_class)->close_fn (stream, cancellable, error))
    return FALSE;
  return g_io_stream_close (self->base, cancellable, error);
}

static void
httplib_tls_stream_dispose (GObject *object)
{
  HttplibTlsStream *self = HTTPLIB_TLS_STREAM (object);

  /* GIOStream closes us here, which needs the halves. */
  G_OBJECT_CLASS (httplib_tls_stream_parent_class)->dispose (object);

  if (self->input != NULL)
    httplib_tls_input_stream_detach (HTTPLIB_TLS_INPUT_STREAM (self->input));
  if (self->output != NULL)
    httplib_tls_output_stream_detach (HTTPLIB_TLS_OUTPUT_STREAM (self->output));
  g_clear_object (&self->input);
  g_clear_object (&self->output);
}

static void
httplib_tls_stream_finalize (GObject *object)
{
  HttplibTlsStream *self = HTTPLIB_TLS_STREAM (object);

  g_clear_pointer (&self->session, gnutls_deinit);
  if (self->session_destroy != NULL)
    self->session_destroy (self->session_data);
  g_clear_error (&self->io_error);
  g_clear_error (&self->peek_error);
  g_clear_pointer (&self->ahead, g_free);
  g_clear_object (&self->base);

  G_OBJECT_CLASS (httplib_tls_stream_parent_class)->finalize (object);
}

static void
httplib_tls_stream_class_init (HttplibTlsStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = httplib_tls_stream_dispose;
  object_class->finalize = httplib_tls_stream_finalize;
  stream_class->get_input_stream = get_input_stream;
  stream_class->get_output_stream = get_output_stream;
  stream_class->close_fn = close_fn;
}

static void
httplib_tls_stream_init (HttplibTlsStream *self)
{
}

HttplibTlsStream *
httplib_tls_stream_new (GIOStream             *base,
                        gnutls_session_t       session,
                        HttplibTlsSessionFunc  session_func,
                        gpointer               user_data,
                        GDestroyNotify         destroy)
{
  HttplibTlsStream *self = g_object_new (HTTPLIB_TYPE_TLS_STREAM, NULL);

  self->base = g_object_ref (base);
  self->base_input = g_io_stream_get_input_stream (base);
  self->base_output = g_io_stream_get_output_stream (base);
  /* Blocking records then skip two stream layers each way. */
  self->socket = httplib_transport_get_socket (base);
  self->input = httplib_tls_input_stream_new (self);
  self->output = httplib_tls_output_stream_new (self);
  self->session = session;
  self->session_func = session_func;
  self->session_data = user_data;
  self->session_destroy = destroy;

  gnutls_session_set_ptr (session, self);
  gnutls_transport_set_ptr (session, self);
  gnutls_transport_set_pull_function (session, pull);
  gnutls_transport_set_pull_timeout_function (session, pull_timeout);
  gnutls_transport_set_vec_push_function (session, push);
  /* The stream below times out; GnuTLS's own clock would use select() on a pointer. */
  gnutls_handshake_set_timeout (session, 0);
  gnutls_handshake_set_hook_function (session, GNUTLS_HANDSHAKE_NEW_SESSION_TICKET,
                                      GNUTLS_HOOK_POST, on_session_ticket);
  return self;
}

GIOStream *
httplib_tls_stream_get_base (HttplibTlsStream *self)
{
  return self->base;
}
