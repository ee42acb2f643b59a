/* test-server.c: an in-process loopback HTTP server for the integration suites */
#include "test-server.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define RECV_SIZE        65536
#define MAX_HEAD         (4 * 1024 * 1024)   /* a request head bigger than this is an error */
#define MAX_REQUEST      (64 * 1024 * 1024)  /* bounds every body read */
#define SPLIT_PAUSE_US   200
#define STOP_WAIT_S      (TEST_SERVER_IO_TIMEOUT * 3)

struct _TestServer {
  GSocket           *listener;
  GThread           *thread;
  GCancellable      *cancellable;
  TestServerHandler  handler;
  gpointer           user_data;
  guint16            port;

  /* a copy of the steps when made by test_server_new_script() */
  TestScript        *own_script;
  char             **own_steps;

  GMutex             lock;       /* guards everything below */
  GCond              cond;
  GPtrArray         *requests;   /* GBytes, in order */
  GPtrArray         *received;   /* GByteArray per connection */
  GArray            *first_recv; /* gsize per connection */
  guint              n_accepted;
  guint              n_handled;
  gboolean           thread_done;
};

struct _TestConn {
  TestServer *server;
  GSocket    *socket;
  guint       index;
  GByteArray *pending;  /* received, not yet consumed */
  gboolean    eof;
  gboolean    failed;   /* a read or write failed: stop talking */
  gboolean    closed;
};

/* --- connections --- */

static gboolean
recv_more (TestConn *conn)
{
  TestServer *server = conn->server;
  guint8 buf[RECV_SIZE];
  gssize n;

  if (conn->eof || conn->failed || conn->closed)
    return FALSE;

  n = g_socket_receive (conn->socket, (char *) buf, sizeof buf,
                        server->cancellable, NULL);
  if (n < 0)
    {
      conn->failed = TRUE;
      return FALSE;
    }
  if (n == 0)
    {
      conn->eof = TRUE;
      return FALSE;
    }

  g_byte_array_append (conn->pending, buf, (guint) n);

  g_mutex_lock (&server->lock);
  {
    GByteArray *all = g_ptr_array_index (server->received, conn->index);
    gsize *first = &g_array_index (server->first_recv, gsize, conn->index);

    if (*first == 0)
      *first = (gsize) n;
    g_byte_array_append (all, buf, (guint) n);
  }
  g_mutex_unlock (&server->lock);

  return TRUE;
}

/* Makes sure pending holds at least len bytes. */
static gboolean
fill (TestConn *conn, gsize len)
{
  while (conn->pending->len < len)
    if (!recv_more (conn))
      return FALSE;
  return TRUE;
}

/* Finds needle in pending at or after from, receiving more as needed (but not
 * beyond limit bytes). Returns the offset of the match or -1. */
static gssize
find (TestConn *conn, gsize from, const char *needle, gsize limit)
{
  gsize nlen = strlen (needle);
  gsize scanned = from;

  for (;;)
    {
      const guint8 *data = conn->pending->data;
      gsize len = conn->pending->len;

      for (; scanned + nlen <= len; scanned++)
        if (memcmp (data + scanned, needle, nlen) == 0)
          return (gssize) scanned;
      if (len > limit)
        return -1;
      if (!recv_more (conn))
        return -1;
    }
}

static const char *
skip_ws (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* Calls func for each field of a head ("line\r\n(name: value\r\n)*\r\n").
 * Continuation lines are skipped. Stops when func returns FALSE. */
typedef gboolean (*FieldFunc) (const char *name, gsize name_len,
                               const char *value, gsize value_len,
                               gpointer user_data);

static void
foreach_field (const char *head, gsize len, FieldFunc func, gpointer user_data)
{
  const char *end = head + len;
  const char *line = memchr (head, '\n', len);

  if (line == NULL)
    return;
  line++;

  while (line < end)
    {
      const char *eol = memchr (line, '\n', (gsize) (end - line));
      const char *stop = eol ? eol : end;
      const char *colon;

      if (stop > line && stop[-1] == '\r')
        stop--;
      if (stop == line)
        break;  /* the empty line */

      colon = memchr (line, ':', (gsize) (stop - line));
      if (colon != NULL && *line != ' ' && *line != '\t')
        {
          const char *v = skip_ws (colon + 1, stop);
          const char *vend = stop;

          while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
          if (!func (line, (gsize) (colon - line), v, (gsize) (vend - v), user_data))
            return;
        }

      if (eol == NULL)
        break;
      line = eol + 1;
    }
}

typedef struct {
  const char *name;
  char       *value;  /* first match */
  guint       count;
  GString    *te;     /* for framing: Transfer-Encoding values */
} FieldQuery;

static gboolean
query_field (const char *name, gsize name_len, const char *value, gsize value_len,
             gpointer user_data)
{
  FieldQuery *q = user_data;

  if (strlen (q->name) == name_len && g_ascii_strncasecmp (name, q->name, name_len) == 0)
    {
      if (q->count == 0)
        q->value = g_strndup (value, value_len);
      q->count++;
    }
  return TRUE;
}

static char *
head_field (const char *head, gsize len, const char *name, guint *count)
{
  FieldQuery q = { name, NULL, 0, NULL };

  foreach_field (head, len, query_field, &q);
  if (count)
    *count = q.count;
  return q.value;
}

/* Reads a chunked body starting at pending offset pos. Returns the offset
 * just past the trailers' empty line, or -1. */
static gssize
read_chunked (TestConn *conn, gsize pos)
{
  for (;;)
    {
      gssize eol = find (conn, pos, "\r\n", MAX_REQUEST);
      char *line, *endp;
      guint64 size;

      if (eol < 0)
        return -1;
      line = g_strndup ((const char *) conn->pending->data + pos, (gsize) eol - pos);
      size = g_ascii_strtoull (line, &endp, 16);
      if (endp == line)
        {
          g_free (line);
          return -1;
        }
      g_free (line);
      pos = (gsize) eol + 2;

      if (size == 0)
        break;
      if (size > MAX_REQUEST || pos + size + 2 > MAX_REQUEST)
        return -1;
      if (!fill (conn, pos + size + 2))
        return -1;
      pos += size + 2;
    }

  /* trailers, ended by an empty line */
  for (;;)
    {
      gssize eol = find (conn, pos, "\r\n", MAX_REQUEST);

      if (eol < 0)
        return -1;
      if ((gsize) eol == pos)
        return (gssize) pos + 2;
      pos = (gsize) eol + 2;
    }
}

GString *
test_conn_read_request (TestConn *conn)
{
  TestServer *server = conn->server;
  gssize head_end;
  gsize end;
  char *cl, *te;
  GString *request;

  g_return_val_if_fail (conn != NULL, NULL);

  head_end = find (conn, 0, "\r\n\r\n", MAX_HEAD);
  if (head_end < 0)
    return NULL;
  end = (gsize) head_end + 4;

  te = head_field ((const char *) conn->pending->data, end, "Transfer-Encoding", NULL);
  cl = head_field ((const char *) conn->pending->data, end, "Content-Length", NULL);

  if (te != NULL && strstr (te, "chunked") != NULL)
    {
      gssize body_end = read_chunked (conn, end);

      if (body_end < 0)
        {
          g_free (te);
          g_free (cl);
          return NULL;
        }
      end = (gsize) body_end;
    }
  else if (cl != NULL)
    {
      guint64 length = g_ascii_strtoull (cl, NULL, 10);

      if (length > MAX_REQUEST || !fill (conn, end + length))
        {
          g_free (te);
          g_free (cl);
          return NULL;
        }
      end += length;
    }
  g_free (te);
  g_free (cl);

  request = g_string_new_len ((const char *) conn->pending->data, (gssize) end);
  g_byte_array_remove_range (conn->pending, 0, (guint) end);

  g_mutex_lock (&server->lock);
  g_ptr_array_add (server->requests, g_bytes_new (request->str, request->len));
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  return request;
}

gboolean
test_conn_read_exact (TestConn *conn, gsize n, GString *out)
{
  g_return_val_if_fail (conn != NULL && out != NULL, FALSE);

  if (!fill (conn, n))
    return FALSE;
  g_string_append_len (out, (const char *) conn->pending->data, (gssize) n);
  g_byte_array_remove_range (conn->pending, 0, (guint) n);
  return TRUE;
}

GString *
test_conn_read_until_close (TestConn *conn)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (conn != NULL, out);

  while (conn->pending->len < MAX_REQUEST && recv_more (conn))
    ;
  g_string_append_len (out, (const char *) conn->pending->data, (gssize) conn->pending->len);
  g_byte_array_set_size (conn->pending, 0);
  return out;
}

gboolean
test_conn_write (TestConn *conn, const char *data, gssize len)
{
  gsize size, off = 0;

  g_return_val_if_fail (conn != NULL, FALSE);

  size = len < 0 ? strlen (data) : (gsize) len;
  if (conn->failed || conn->closed)
    return FALSE;

  while (off < size)
    {
      gssize n = g_socket_send (conn->socket, data + off, size - off,
                                conn->server->cancellable, NULL);
      if (n <= 0)
        {
          conn->failed = TRUE;
          return FALSE;
        }
      off += (gsize) n;
    }
  return TRUE;
}

gboolean
test_conn_write_split (TestConn *conn, const char *data, gsize len, gsize chunk)
{
  gsize off = 0;

  g_return_val_if_fail (conn != NULL && chunk > 0, FALSE);

  while (off < len)
    {
      gsize n = MIN (chunk, len - off);

      if (off > 0)
        {
          if (g_cancellable_is_cancelled (conn->server->cancellable))
            return FALSE;
          g_usleep (SPLIT_PAUSE_US);
        }
      if (!test_conn_write (conn, data + off, (gssize) n))
        return FALSE;
      off += n;
    }
  return TRUE;
}

void
test_conn_close (TestConn *conn)
{
  g_return_if_fail (conn != NULL);

  if (conn->closed)
    return;
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  g_socket_close (conn->socket, NULL);
  conn->closed = TRUE;
}

void
test_conn_reset (TestConn *conn)
{
  struct linger lg = { 1, 0 };

  g_return_if_fail (conn != NULL);

  if (conn->closed)
    return;
  if (setsockopt (g_socket_get_fd (conn->socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
    g_printerr ("test-server: SO_LINGER: %s\n", g_strerror (errno));
  g_socket_close (conn->socket, NULL);
  conn->closed = TRUE;
}

guint
test_conn_get_index (TestConn *conn)
{
  return conn->index;
}

/* --- the server --- */

static gpointer
server_thread (gpointer data)
{
  TestServer *server = data;

  while (!g_cancellable_is_cancelled (server->cancellable))
    {
      GError *error = NULL;
      GSocket *socket = g_socket_accept (server->listener, server->cancellable, &error);
      TestConn conn = { 0 };

      if (socket == NULL)
        {
          gboolean again = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

          g_error_free (error);
          if (again)
            continue;
          break;
        }

      g_socket_set_blocking (socket, TRUE);
      g_socket_set_timeout (socket, TEST_SERVER_IO_TIMEOUT);
      g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

      conn.server = server;
      conn.socket = socket;
      conn.pending = g_byte_array_new ();

      g_mutex_lock (&server->lock);
      conn.index = server->n_accepted++;
      {
        gsize zero = 0;

        g_ptr_array_add (server->received, g_byte_array_new ());
        g_array_append_val (server->first_recv, zero);
      }
      g_mutex_unlock (&server->lock);

      server->handler (&conn, conn.index, server->user_data);

      test_conn_close (&conn);
      g_byte_array_unref (conn.pending);
      g_object_unref (socket);

      g_mutex_lock (&server->lock);
      server->n_handled++;
      g_cond_broadcast (&server->cond);
      g_mutex_unlock (&server->lock);
    }

  g_mutex_lock (&server->lock);
  server->thread_done = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  return NULL;
}

static TestServer *
server_new (GSocketFamily family, const char *address,
            TestServerHandler handler, gpointer user_data)
{
  TestServer *server;
  GSocket *listener;
  GInetAddress *inet;
  GSocketAddress *addr, *bound;
  GError *error = NULL;

  g_return_val_if_fail (handler != NULL, NULL);

  listener = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (listener == NULL)
    {
      g_printerr ("test-server: socket for %s: %s\n", address, error->message);
      g_error_free (error);
      return NULL;
    }

  inet = g_inet_address_new_from_string (address);
  addr = g_inet_socket_address_new (inet, 0);
  g_object_unref (inet);

  if (!g_socket_bind (listener, addr, FALSE, &error) ||
      !g_socket_listen (listener, &error))
    {
      g_printerr ("test-server: listen on %s: %s\n", address, error->message);
      g_error_free (error);
      g_object_unref (addr);
      g_object_unref (listener);
      return NULL;
    }
  g_object_unref (addr);

  bound = g_socket_get_local_address (listener, &error);
  if (bound == NULL)
    {
      g_printerr ("test-server: local address: %s\n", error->message);
      g_error_free (error);
      g_object_unref (listener);
      return NULL;
    }

  g_socket_set_blocking (listener, TRUE);
  g_socket_set_timeout (listener, TEST_SERVER_IO_TIMEOUT);

  server = g_new0 (TestServer, 1);
  server->listener = listener;
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->cancellable = g_cancellable_new ();
  server->handler = handler;
  server->user_data = user_data;
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  server->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  server->first_recv = g_array_new (FALSE, TRUE, sizeof (gsize));
  g_object_unref (bound);

  server->thread = g_thread_new ("test-server", server_thread, server);
  return server;
}

TestServer *
test_server_new (TestServerHandler handler, gpointer user_data)
{
  return server_new (G_SOCKET_FAMILY_IPV4, "127.0.0.1", handler, user_data);
}

TestServer *
test_server_new_ipv6 (TestServerHandler handler, gpointer user_data)
{
  return server_new (G_SOCKET_FAMILY_IPV6, "::1", handler, user_data);
}

void
test_server_free (TestServer *server)
{
  gint64 deadline;
  gboolean done;

  if (server == NULL)
    return;

  g_cancellable_cancel (server->cancellable);

  deadline = g_get_monotonic_time () + STOP_WAIT_S * G_TIME_SPAN_SECOND;
  g_mutex_lock (&server->lock);
  while (!server->thread_done)
    if (!g_cond_wait_until (&server->cond, &server->lock, deadline))
      break;
  done = server->thread_done;
  g_mutex_unlock (&server->lock);

  if (!done)
    ck_abort_msg ("test server thread did not stop within %d s", STOP_WAIT_S);

  g_thread_join (server->thread);
  g_socket_close (server->listener, NULL);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->received);
  g_array_unref (server->first_recv);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server->own_script);
  g_strfreev (server->own_steps);
  g_free (server);
}

guint16
test_server_get_port (TestServer *server)
{
  return server->port;
}

guint
test_server_get_n_connections (TestServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->n_accepted;
  g_mutex_unlock (&server->lock);
  return n;
}

GPtrArray *
test_server_get_requests (TestServer *server)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->requests->len; i++)
    g_ptr_array_add (copy, g_bytes_ref (g_ptr_array_index (server->requests, i)));
  g_mutex_unlock (&server->lock);
  return copy;
}

GBytes *
test_server_get_received (TestServer *server, guint index)
{
  GBytes *bytes;

  g_mutex_lock (&server->lock);
  if (index < server->received->len)
    {
      GByteArray *all = g_ptr_array_index (server->received, index);
      bytes = g_bytes_new (all->data, all->len);
    }
  else
    bytes = g_bytes_new (NULL, 0);
  g_mutex_unlock (&server->lock);
  return bytes;
}

gsize
test_server_get_first_recv_size (TestServer *server, guint index)
{
  gsize size = 0;

  g_mutex_lock (&server->lock);
  if (index < server->first_recv->len)
    size = g_array_index (server->first_recv, gsize, index);
  g_mutex_unlock (&server->lock);
  return size;
}

gboolean
test_server_wait_handled (TestServer *server, guint n)
{
  gint64 deadline = g_get_monotonic_time () +
                    2 * TEST_SERVER_IO_TIMEOUT * G_TIME_SPAN_SECOND;
  gboolean ok;

  g_mutex_lock (&server->lock);
  while (server->n_handled < n)
    if (!g_cond_wait_until (&server->cond, &server->lock, deadline))
      break;
  ok = server->n_handled >= n;
  g_mutex_unlock (&server->lock);
  return ok;
}

/* --- scripts --- */

void
test_script_handler (TestConn *conn, guint index, gpointer user_data)
{
  TestScript *script = user_data;

  for (;;)
    {
      const char *step = script->steps[script->pos];
      GString *request;

      if (step == NULL)
        {
          /* out of steps: whatever comes now is answered by closing */
          request = test_conn_read_request (conn);
          if (request != NULL)
            g_string_free (request, TRUE);
          return;
        }

      if (strcmp (step, TEST_STEP_CLOSE) == 0)
        {
          script->pos++;
          test_conn_close (conn);
          return;
        }
      if (strcmp (step, TEST_STEP_RESET) == 0)
        {
          script->pos++;
          test_conn_reset (conn);
          return;
        }
      if (strcmp (step, TEST_STEP_WAIT_CLOSE) == 0)
        {
          script->pos++;
          g_string_free (test_conn_read_until_close (conn), TRUE);
          return;
        }

      /* every other step starts by reading a request; a client that went
       * away first gets this step on its next connection */
      request = test_conn_read_request (conn);
      if (request == NULL)
        return;
      g_string_free (request, TRUE);
      script->pos++;

      if (strcmp (step, TEST_STEP_READ_CLOSE) == 0)
        {
          test_conn_close (conn);
          return;
        }
      if (strcmp (step, TEST_STEP_READ_HANG) == 0)
        {
          g_string_free (test_conn_read_until_close (conn), TRUE);
          return;
        }

      if (script->split > 0)
        test_conn_write_split (conn, step, strlen (step), script->split);
      else
        test_conn_write (conn, step, -1);
    }
}

TestServer *
test_server_new_script (const char * const *steps, gsize split)
{
  TestScript *script = g_new0 (TestScript, 1);
  char **copy = g_strdupv ((char **) steps);
  TestServer *server;

  script->steps = (const char * const *) copy;
  script->split = split;

  server = test_server_new (test_script_handler, script);
  if (server == NULL)
    {
      g_free (script);
      g_strfreev (copy);
      return NULL;
    }
  server->own_script = script;
  server->own_steps = copy;
  return server;
}

/* --- recorded requests --- */

static gsize
head_length (GBytes *request)
{
  gsize len;
  const char *data = g_bytes_get_data (request, &len);
  const char *end = data ? g_strstr_len (data, (gssize) len, "\r\n\r\n") : NULL;

  return end ? (gsize) (end - data) + 4 : len;
}

char *
test_request_get_line (GBytes *request)
{
  gsize len;
  const char *data = g_bytes_get_data (request, &len);
  const char *eol = data ? memchr (data, '\r', len) : NULL;

  return g_strndup (data ? data : "", eol ? (gsize) (eol - data) : len);
}

char *
test_request_get_header (GBytes *request, const char *name)
{
  const char *data = g_bytes_get_data (request, NULL);

  return data ? head_field (data, head_length (request), name, NULL) : NULL;
}

guint
test_request_count_header (GBytes *request, const char *name)
{
  const char *data = g_bytes_get_data (request, NULL);
  guint count = 0;

  if (data)
    g_free (head_field (data, head_length (request), name, &count));
  return count;
}

char *
test_request_get_head (GBytes *request)
{
  const char *data = g_bytes_get_data (request, NULL);

  return g_strndup (data ? data : "", head_length (request));
}

GBytes *
test_request_get_body (GBytes *request)
{
  gsize head = head_length (request);

  return g_bytes_new_from_bytes (request, head, g_bytes_get_size (request) - head);
}

GBytes *
test_decode_chunked (GBytes *body)
{
  gsize len, pos = 0;
  const char *data = g_bytes_get_data (body, &len);
  GByteArray *out = g_byte_array_new ();

  for (;;)
    {
      const char *eol = data && pos < len ? g_strstr_len (data + pos, (gssize) (len - pos), "\r\n") : NULL;
      char *line, *endp;
      guint64 size;

      if (eol == NULL)
        goto bad;
      line = g_strndup (data + pos, (gsize) (eol - (data + pos)));
      size = g_ascii_strtoull (line, &endp, 16);
      if (endp == line || (*endp != '\0' && *endp != ';' && *endp != ' ' && *endp != '\t'))
        {
          g_free (line);
          goto bad;
        }
      g_free (line);
      pos = (gsize) (eol - data) + 2;
      if (size == 0)
        break;
      if (size > len - pos || len - pos - size < 2 || memcmp (data + pos + size, "\r\n", 2) != 0)
        goto bad;
      g_byte_array_append (out, (const guint8 *) data + pos, (guint) size);
      pos += size + 2;
    }

  /* trailers up to the empty line, which must end the body */
  for (;;)
    {
      const char *eol = pos < len ? g_strstr_len (data + pos, (gssize) (len - pos), "\r\n") : NULL;

      if (eol == NULL)
        goto bad;
      if (eol == data + pos)
        {
          if (pos + 2 != len)
            goto bad;
          break;
        }
      pos = (gsize) (eol - data) + 2;
    }

  return g_byte_array_free_to_bytes (out);

bad:
  g_byte_array_unref (out);
  return NULL;
}

/* --- assertions --- */

char *
test_escape (const char *data, gsize len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len && out->len < 400; i++)
    {
      guchar c = (guchar) data[i];

      if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (out->len >= 400)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

void
test_assert_bytes_equal (GBytes *actual, const char *expected, gssize expected_len, const char *what)
{
  gsize alen = 0, elen = expected_len < 0 ? strlen (expected) : (gsize) expected_len;
  const char *adata = actual ? g_bytes_get_data (actual, &alen) : NULL;
  char *a, *e;

  if (actual != NULL && alen == elen && (elen == 0 || memcmp (adata, expected, elen) == 0))
    return;
  a = actual ? test_escape (adata, alen) : g_strdup ("(null)");
  e = test_escape (expected, elen);
  ck_abort_msg ("%s: expected \"%s\" (%zu bytes), got \"%s\" (%zu bytes)", what, e, elen, a, alen);
}

GBytes *
test_server_get_request (TestServer *server, guint index)
{
  GPtrArray *requests = test_server_get_requests (server);
  GBytes *request;

  ck_assert_msg (requests->len > index, "expected at least %u requests at the server, got %u",
                 index + 1, requests->len);
  request = g_bytes_ref (g_ptr_array_index (requests, index));
  g_ptr_array_unref (requests);
  return request;
}

guint
test_server_get_n_requests (TestServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->requests->len;
  g_mutex_unlock (&server->lock);
  return n;
}

void
test_assert_request_line (GBytes *request, const char *expected)
{
  char *line = test_request_get_line (request);

  ck_assert_msg (strcmp (line, expected) == 0, "request line: expected \"%s\", got \"%s\"",
                 expected, line);
  g_free (line);
}

void
test_assert_request_header (GBytes *request, const char *name, const char *expected)
{
  char *value = test_request_get_header (request, name);
  guint count = test_request_count_header (request, name);

  if (expected == NULL)
    {
      ck_assert_msg (value == NULL, "expected no %s field in the request, got \"%s\"", name, value);
      return;
    }
  ck_assert_msg (value != NULL, "expected the field %s: %s in the request, got none", name, expected);
  ck_assert_msg (strcmp (value, expected) == 0, "field %s: expected \"%s\", got \"%s\"",
                 name, expected, value);
  ck_assert_msg (count == 1, "field %s: expected once, got %u times", name, count);
  g_free (value);
}

/* --- signals --- */

typedef struct {
  GClosure       closure;
  TestSignalFunc func;
} TestSignalClosure;

static void
test_signal_marshal (GClosure     *closure,
                     GValue       *return_value,
                     guint         n_param_values,
                     const GValue *param_values,
                     gpointer      invocation_hint,
                     gpointer      marshal_data)
{
  TestSignalClosure *self = (TestSignalClosure *) closure;

  self->func (param_values + 1, n_param_values - 1, closure->data);
}

gulong
test_signal_connect (gpointer instance, const char *detailed_signal,
                     TestSignalFunc func, gpointer user_data)
{
  GClosure *closure;
  guint signal_id;
  GQuark detail;

  g_return_val_if_fail (G_IS_OBJECT (instance), 0);

  /* a missing signal is a test failure, not a GLib warning */
  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (instance), &signal_id, &detail, TRUE))
    return 0;

  closure = g_closure_new_simple (sizeof (TestSignalClosure), user_data);
  ((TestSignalClosure *) closure)->func = func;
  g_closure_set_marshal (closure, test_signal_marshal);
  return g_signal_connect_closure (instance, detailed_signal, closure, FALSE);
}

gint64
test_value_get_int (const GValue *value)
{
  if (G_VALUE_HOLDS_ENUM (value))
    return g_value_get_enum (value);
  if (G_VALUE_HOLDS_FLAGS (value))
    return g_value_get_flags (value);

  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_INT:     return g_value_get_int (value);
    case G_TYPE_UINT:    return g_value_get_uint (value);
    case G_TYPE_LONG:    return g_value_get_long (value);
    case G_TYPE_ULONG:   return (gint64) g_value_get_ulong (value);
    case G_TYPE_INT64:   return g_value_get_int64 (value);
    case G_TYPE_UINT64:  return (gint64) g_value_get_uint64 (value);
    case G_TYPE_BOOLEAN: return g_value_get_boolean (value);
    case G_TYPE_CHAR:    return g_value_get_schar (value);
    case G_TYPE_UCHAR:   return g_value_get_uchar (value);
    default:
      return G_MININT64;
    }
}
