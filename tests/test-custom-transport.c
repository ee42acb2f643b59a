/* test-custom-transport.c: a transport written by the application
 *
 * The test implements HttplibTransport itself, with no plugin file and no
 * network: each open() hands out a GSimpleIOStream whose input holds a
 * canned server conversation and whose output records what the client
 * wrote. It is registered on the default registry as "memory", and
 * connections are pointed at it with httplib_connection_set_transport().
 *
 * The connection checks an idle kept-alive stream with
 * g_pollable_input_stream_is_readable() before reusing it, and takes
 * "readable while idle" as "the server closed it". A GMemoryInputStream is
 * pollable and always readable, so the tests that count reuse hand out a
 * non-pollable stream instead (TestServerInputStream, which also answers
 * one request at a time), and the tests of the idle check use the memory
 * stream on purpose.
 */
#include <httplib/httplib.h>

#include "test-utils.h"

#include <string.h>

#define RESPONSE_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define RESPONSE_WORLD "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nworld"
#define RESPONSE_HELLO_CLOSE \
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"

#define REQUEST_HEAD(url) \
  "GET " url " HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: identity\r\n\r\n"

/* --- a server's side of the stream: not pollable --- */

/* Serves a conversation's replies (separated by "\f") one at a time, each
 * only after the client wrote something more, as a server answers one
 * request after another; at the end, or with nothing asked, it reads as
 * closed. It is not pollable, so the connection cannot peek at it. */
#define TEST_TYPE_SERVER_INPUT_STREAM (test_server_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestServerInputStream, test_server_input_stream, TEST,
                      SERVER_INPUT_STREAM, GInputStream)

struct _TestServerInputStream {
  GInputStream         parent_instance;
  GStrv                replies;
  guint                next;       /* the reply to release next */
  const char          *pending;    /* what is left of the released reply */
  gsize                remaining;
  GMemoryOutputStream *requests;   /* what the client wrote */
  gsize                seen;       /* how much of it had been written at the last release */
};

G_DEFINE_FINAL_TYPE (TestServerInputStream, test_server_input_stream, G_TYPE_INPUT_STREAM)

static gssize
server_input_stream_read (GInputStream  *stream,
                          void          *buffer,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  TestServerInputStream *self = TEST_SERVER_INPUT_STREAM (stream);
  gsize n;

  if (self->remaining == 0)
    {
      gsize written_size = g_memory_output_stream_get_data_size (self->requests);

      if (self->replies[self->next] == NULL || written_size == self->seen)
        return 0;
      self->seen = written_size;
      self->pending = self->replies[self->next++];
      self->remaining = strlen (self->pending);
    }
  n = MIN (count, self->remaining);
  memcpy (buffer, self->pending, n);
  self->pending += n;
  self->remaining -= n;
  return n;
}

static void
test_server_input_stream_finalize (GObject *object)
{
  TestServerInputStream *self = TEST_SERVER_INPUT_STREAM (object);

  g_clear_pointer (&self->replies, g_strfreev);
  g_clear_object (&self->requests);
  G_OBJECT_CLASS (test_server_input_stream_parent_class)->finalize (object);
}

static void
test_server_input_stream_class_init (TestServerInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_server_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = server_input_stream_read;
}

static void
test_server_input_stream_init (TestServerInputStream *self)
{
}

static GInputStream *
test_server_input_stream_new (const char    *conversation,
                              GOutputStream *requests)
{
  TestServerInputStream *self = g_object_new (TEST_TYPE_SERVER_INPUT_STREAM, NULL);

  self->replies = g_strsplit (conversation, "\f", -1);
  self->requests = G_MEMORY_OUTPUT_STREAM (g_object_ref (requests));
  return G_INPUT_STREAM (self);
}

/* --- the memory transport --- */

/* What the memory "server" says and what it saw; reset before each test. */
typedef struct {
  GPtrArray       *conversations;  /* const char *: what the server sends on each
                                    * open(), in turn; the last one repeats */
  gboolean         pollable;       /* a GMemoryInputStream, else a TestServerInputStream */
  GError          *open_error;     /* open() fails with a copy of it */
  gboolean         fail_silently;  /* open() fails without saying why */
  guint            n_opens;
  gboolean         saw_base;       /* open() was given a stream below it */
  HttplibEndpoint *endpoint;       /* the last endpoint open() was given */
  GPtrArray       *requests;       /* GMemoryOutputStream: what the client wrote, per open() */
  GIOStream       *last_stream;    /* not a reference: compared, never used */
  HttplibTlsInfo  *tls_info;       /* attached to each stream, and TLS_HANDSHAKED reported */
} MemoryServer;

static MemoryServer server;

#define TEST_TYPE_MEMORY_TRANSPORT (test_memory_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestMemoryTransport, test_memory_transport, TEST, MEMORY_TRANSPORT,
                      GObject)

struct _TestMemoryTransport {
  GObject parent_instance;
};

static GIOStream *
memory_transport_open (HttplibTransport *transport,
                       HttplibEndpoint  *endpoint,
                       GIOStream        *base,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;
  const char *conversation;
  GIOStream *stream;

  server.n_opens++;
  server.saw_base |= base != NULL;
  g_clear_pointer (&server.endpoint, httplib_endpoint_unref);
  server.endpoint = httplib_endpoint_ref (endpoint);

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTING, NULL);
  if (server.open_error != NULL)
    {
      g_propagate_error (error, g_error_copy (server.open_error));
      return NULL;
    }
  if (server.fail_silently)
    return NULL;

  ck_assert_msg (server.conversations->len > 0, "expected the test to set a conversation");
  conversation = server.conversations->pdata[MIN (server.n_opens, server.conversations->len) - 1];
  output = g_memory_output_stream_new_resizable ();
  /* The memory stream holds the whole conversation at once, readable at any time. */
  input = server.pollable ? g_memory_input_stream_new_from_data (conversation, -1, NULL)
                          : test_server_input_stream_new (conversation, output);
  g_ptr_array_add (server.requests, g_object_ref (output));

  stream = g_simple_io_stream_new (input, output);
  server.last_stream = stream;
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_CONNECTED, stream);
  if (server.tls_info != NULL)
    {
      httplib_tls_info_attach (server.tls_info, stream);
      httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKED, stream);
    }
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE, stream);
  return stream;
}

static void
memory_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = memory_transport_open;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMemoryTransport, test_memory_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                      memory_transport_iface_init))

static void
test_memory_transport_class_init (TestMemoryTransportClass *klass)
{
}

static void
test_memory_transport_init (TestMemoryTransport *self)
{
}

/* --- fixture and helpers --- */

/* Once per process: with CK_FORK=no every test shares the default registry. */
static void
ensure_registered (void)
{
  static gboolean registered;
  g_autoptr(GError) error = NULL;

  if (registered)
    return;
  ck_assert_msg (httplib_registry_register_transport (httplib_registry_get_default (), "memory",
                                                      TEST_TYPE_MEMORY_TRANSPORT, &error),
                 "expected \"memory\" to register, got %s",
                 error ? error->message : "FALSE without an error");
  registered = TRUE;
}

static void
setup (void)
{
  ensure_registered ();
  memset (&server, 0, sizeof server);
  server.conversations = g_ptr_array_new ();
  server.requests = g_ptr_array_new_with_free_func (g_object_unref);
  server.pollable = TRUE;
}

static void
teardown (void)
{
  g_clear_pointer (&server.conversations, g_ptr_array_unref);
  g_clear_pointer (&server.requests, g_ptr_array_unref);
  g_clear_pointer (&server.endpoint, httplib_endpoint_unref);
  g_clear_error (&server.open_error);
  g_clear_object (&server.tls_info);
}

static HttplibConnection *
memory_connection (const char *host,
                   guint       port)
{
  g_autoptr(GError) error = NULL;
  HttplibConnection *conn = httplib_connection_new (host, port, &error);

  httplib_assert_no_error (error);
  httplib_connection_set_transport (conn, "memory");
  return conn;
}

/* What the client wrote on the stream of the n-th open(), as a string. */
static char *
written (guint n)
{
  GMemoryOutputStream *out;

  ck_assert_msg (n < server.requests->len, "expected at least %u opened streams, got %u",
                 n + 1, server.requests->len);
  out = server.requests->pdata[n];
  return g_strndup (g_memory_output_stream_get_data (out),
                    g_memory_output_stream_get_data_size (out));
}

#define assert_str(what, expected, actual)                                      \
  do {                                                                          \
    const char *x__ = (expected), *a__ = (actual);                              \
    g_autofree char *xe__ = x__ ? g_strescape (x__, NULL) : g_strdup ("(null)"); \
    g_autofree char *ae__ = a__ ? g_strescape (a__, NULL) : g_strdup ("(null)"); \
    ck_assert_msg (g_strcmp0 (x__, a__) == 0, "%s: expected \"%s\", got \"%s\"", \
                   (what), xe__, ae__);                                         \
  } while (0)

#define assert_opens(expected)                                                  \
  ck_assert_msg (server.n_opens == (expected), "expected %u call(s) to open(), got %u", \
                 (guint) (expected), server.n_opens)

/* An enum value's nick, for messages. */
static const char *
nick (GType type,
      int   value)
{
  GEnumValue *enum_value = g_enum_get_value (g_type_class_ref (type), value);

  return enum_value ? enum_value->value_nick : "(unknown)";
}

/* Sends GET url, reads the whole response and returns its body. */
static char *
get (HttplibConnection *conn,
     const char        *url,
     gboolean          *will_close)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;

  ck_assert_msg (httplib_connection_request (conn, "GET", url, NULL, NULL, NULL, &error),
                 "GET %s: expected the request to be sent, got %s", url,
                 error ? error->message : "FALSE without an error");
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_msg (httplib_response_get_status (response) == 200,
                 "GET %s: expected status 200, got %u", url, httplib_response_get_status (response));
  body = httplib_response_read (response, -1, NULL, &error);
  httplib_assert_no_error (error);
  if (will_close != NULL)
    *will_close = httplib_response_get_will_close (response);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* --- a request through the memory transport --- */

START_TEST (test_get_through_memory)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *request = NULL;

  g_ptr_array_add (server.conversations, RESPONSE_HELLO);

  ck_assert_msg (g_strcmp0 (httplib_connection_get_transport (conn), "memory") == 0,
                 "expected the transport \"memory\", got \"%s\"",
                 httplib_connection_get_transport (conn));
  ck_assert_msg (httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, &error),
                 "expected the request to be sent, got %s",
                 error ? error->message : "FALSE without an error");
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);

  ck_assert_msg (httplib_response_get_status (response) == 200,
                 "expected status 200, got %u", httplib_response_get_status (response));
  assert_str ("reason", "OK", httplib_response_get_reason (response));
  ck_assert_msg (httplib_response_get_version (response) == 11,
                 "expected version 11, got %u", httplib_response_get_version (response));
  body = httplib_response_read (response, -1, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_msg (g_bytes_get_size (body) == 5 &&
                 memcmp (g_bytes_get_data (body, NULL), "hello", 5) == 0,
                 "expected the body \"hello\", got %" G_GSIZE_FORMAT " bytes \"%.*s\"",
                 g_bytes_get_size (body), (int) g_bytes_get_size (body),
                 (const char *) g_bytes_get_data (body, NULL));

  assert_opens (1);
  ck_assert_msg (!server.saw_base, "expected the first link to get no stream below it");
  request = written (0);
  ck_assert_msg (g_str_has_prefix (request, "GET / HTTP/1.1\r\nHost: example.org\r\n"
                                            "Accept-Encoding: identity\r\n"),
                 "expected the request to begin with the request line, Host and "
                 "Accept-Encoding, got \"%s\"", g_strescape (request, NULL));
  /* A GET without a body gets no Content-Length, and nothing else is added. */
  assert_str ("request", REQUEST_HEAD ("/"), request);
  ck_assert_msg (httplib_connection_get_state (conn) == HTTPLIB_CONNECTION_STATE_IDLE,
                 "expected the connection idle after the body, got state %s",
                 nick (HTTPLIB_TYPE_CONNECTION_STATE, httplib_connection_get_state (conn)));
}
END_TEST

START_TEST (test_post_through_memory)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *request = NULL;

  g_ptr_array_add (server.conversations, RESPONSE_HELLO);
  httplib_headers_append (headers, "Content-Type", "application/x-www-form-urlencoded");

  ck_assert_msg (httplib_connection_request_string (conn, "POST", "/form", "a=1&b=2", headers,
                                                    NULL, &error),
                 "expected the request to be sent, got %s",
                 error ? error->message : "FALSE without an error");
  response = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  body = httplib_response_read (response, -1, NULL, &error);
  httplib_assert_no_error (error);

  request = written (0);
  assert_str ("request",
              "POST /form HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: identity\r\n"
              "Content-Length: 7\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              "\r\na=1&b=2",
              request);
}
END_TEST

typedef struct {
  const char *desc;
  const char *host;
  guint       port;
  double      timeout;
  const char *endpoint_host;
  guint       endpoint_port;
  const char *host_header;
} EndpointRow;

static const EndpointRow endpoint_rows[] = {
  { "name, default port, no timeout", "example.org", 0, 0, "example.org", 80, "example.org" },
  { "name, port in the host, timeout", "example.org:8080", 0, 2.5,
    "example.org", 8080, "example.org:8080" },
  { "name, port as argument", "example.org", 8081, 30, "example.org", 8081, "example.org:8081" },
  { "IPv6 literal with a port", "[::1]:8080", 0, 0.25, "::1", 8080, "[::1]:8080" },
  { "IPv6 literal on the default port", "::1", 0, 1, "::1", 80, "[::1]" },
  { "non-ASCII name", "b\xc3\xbc" "cher.example", 0, 5,
    "b\xc3\xbc" "cher.example", 80, "xn--bcher-kva.example" },
};

/* open() is given the host without brackets, the port and the connection's settings. */
START_TEST (test_endpoint)
{
  const EndpointRow *row = &endpoint_rows[_i];
  g_autoptr(HttplibConnection) conn = memory_connection (row->host, row->port);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *request = NULL;
  g_autofree char *expected_host = g_strdup_printf ("\r\nHost: %s\r\n", row->host_header);

  g_ptr_array_add (server.conversations, RESPONSE_HELLO);
  ck_assert_msg (httplib_connection_set_timeout (conn, row->timeout, &error),
                 "%s: expected the timeout %g to be set, got %s", row->desc, row->timeout,
                 error ? error->message : "FALSE without an error");
  httplib_connection_set_source_address (conn, "192.0.2.1");

  body = get (conn, "/", NULL);

  ck_assert_msg (server.endpoint != NULL, "%s: expected open() to be called", row->desc);
  assert_str (row->desc, row->endpoint_host, httplib_endpoint_get_host (server.endpoint));
  ck_assert_msg (httplib_endpoint_get_port (server.endpoint) == row->endpoint_port,
                 "%s: expected port %u, got %u", row->desc, row->endpoint_port,
                 httplib_endpoint_get_port (server.endpoint));
  ck_assert_msg (httplib_endpoint_get_timeout (server.endpoint) == row->timeout,
                 "%s: expected timeout %g, got %g", row->desc, row->timeout,
                 httplib_endpoint_get_timeout (server.endpoint));
  assert_str (row->desc, "192.0.2.1", httplib_endpoint_get_source_address (server.endpoint));

  request = written (0);
  ck_assert_msg (strstr (request, expected_host) != NULL,
                 "%s: expected the header Host: %s, got \"%s\"", row->desc, row->host_header,
                 g_strescape (request, NULL));
}
END_TEST

typedef struct {
  HttplibTransportEvent event;
  GIOStream            *stream;  /* not a reference: compared only */
} EventRecord;

static void
on_event (GObject               *emitter,
          HttplibTransportEvent  event,
          GIOStream             *stream,
          GArray                *records)
{
  EventRecord record = { event, stream };

  g_array_append_val (records, record);
}

/* Events reported by the transport reach the connection's "event" signal. */
START_TEST (test_events)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (EventRecord));
  g_autoptr(GError) error = NULL;
  const HttplibTransportEvent expected[] = {
    HTTPLIB_TRANSPORT_EVENT_CONNECTING,
    HTTPLIB_TRANSPORT_EVENT_CONNECTED,
    HTTPLIB_TRANSPORT_EVENT_COMPLETE,
  };

  g_ptr_array_add (server.conversations, RESPONSE_HELLO);
  g_signal_connect (conn, "event", G_CALLBACK (on_event), records);

  ck_assert_msg (httplib_connection_connect (conn, NULL, &error),
                 "expected connect() to succeed, got %s",
                 error ? error->message : "FALSE without an error");
  assert_opens (1);
  ck_assert_msg (records->len == G_N_ELEMENTS (expected),
                 "expected %u events, got %u", (guint) G_N_ELEMENTS (expected), records->len);
  for (guint i = 0; i < records->len; i++)
    {
      EventRecord *record = &g_array_index (records, EventRecord, i);
      GIOStream *stream = i == 0 ? NULL : server.last_stream;

      ck_assert_msg (record->event == expected[i], "event %u: expected %s, got %s", i,
                     nick (HTTPLIB_TYPE_TRANSPORT_EVENT, expected[i]),
                     nick (HTTPLIB_TYPE_TRANSPORT_EVENT, record->event));
      ck_assert_msg (record->stream == stream, "event %u: expected stream %p, got %p",
                     i, (void *) stream, (void *) record->stream);
    }

  /* Connected already: nothing is opened or reported again. */
  ck_assert_msg (httplib_connection_connect (conn, NULL, &error),
                 "expected a second connect() to succeed, got %s",
                 error ? error->message : "FALSE without an error");
  assert_opens (1);
  ck_assert_msg (records->len == G_N_ELEMENTS (expected),
                 "expected no more events, got %u in all", records->len);
}
END_TEST

/* Nobody listened at first: the chain stops passing the transport's events
 * on, and must start again as soon as someone listens, and stop after. */
START_TEST (test_events_listener_comes_and_goes)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (EventRecord));
  g_autoptr(GError) error = NULL;
  gulong id;

  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (server.conversations, RESPONSE_HELLO);

  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_connection_close (conn);
  assert_opens (1);

  id = g_signal_connect (conn, "event", G_CALLBACK (on_event), records);
  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_connection_close (conn);
  ck_assert_msg (records->len == 3, "expected 3 events once someone listens, got %u",
                 records->len);

  g_signal_handler_disconnect (conn, id);
  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_connection_close (conn);
  ck_assert_msg (records->len == 3, "expected no events after the handler left, got %u in all",
                 records->len);

  g_signal_connect (conn, "event", G_CALLBACK (on_event), records);
  ck_assert (httplib_connection_connect (conn, NULL, &error));
  assert_opens (4);
  ck_assert_msg (records->len == 6, "expected 3 more events from a new handler, got %u in all",
                 records->len);
  ck_assert (g_array_index (records, EventRecord, 3).event == HTTPLIB_TRANSPORT_EVENT_CONNECTING);
}
END_TEST

/* A transport of the application's that attaches TLS info: the connection
 * has it whether or not anyone listens to the events. */
START_TEST (test_tls_info_from_custom_transport)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (EventRecord));
  g_autoptr(GError) error = NULL;
  gboolean listen = _i == 1;

  server.tls_info = g_object_new (HTTPLIB_TYPE_TLS_INFO, NULL);
  g_ptr_array_add (server.conversations, RESPONSE_HELLO);
  if (listen)
    g_signal_connect (conn, "event", G_CALLBACK (on_event), records);

  ck_assert (httplib_connection_connect (conn, NULL, &error));
  ck_assert_msg (httplib_connection_get_tls_info (conn) == server.tls_info,
                 "%s: expected the stream's TLS info, got %p", listen ? "listening" : "nobody listening",
                 (void *) httplib_connection_get_tls_info (conn));
  ck_assert_uint_eq (records->len, listen ? 4 : 0);
}
END_TEST

/* --- failures --- */

static GQuark
test_error_quark (void)
{
  return g_quark_from_static_string ("test-custom-transport-error");
}

typedef struct {
  const char *desc;
  GQuark    (*domain) (void);
  int         code;
  const char *message;
} OpenErrorRow;

static const OpenErrorRow open_error_rows[] = {
  { "refused", g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED, "memory: connection refused" },
  { "timed out", g_io_error_quark, G_IO_ERROR_TIMED_OUT, "memory: timed out" },
  { "a domain of the transport's own", test_error_quark, 42, "memory: the tape jammed" },
  { "an HTTPLIB_ERROR code", httplib_error_quark, HTTPLIB_ERROR_TLS, "memory: bad certificate" },
};

/* The error of open() reaches the caller of request() unchanged. */
START_TEST (test_open_error)
{
  const OpenErrorRow *row = &open_error_rows[_i];
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  g_ptr_array_add (server.conversations, RESPONSE_HELLO);
  server.open_error = g_error_new_literal (row->domain (), row->code, row->message);

  ck_assert_msg (!httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, &error),
                 "%s: expected the request to fail, got TRUE", row->desc);
  ck_assert_msg (error != NULL, "%s: expected an error, got none", row->desc);
  ck_assert_msg (error->domain == row->domain () && error->code == row->code,
                 "%s: expected %s:%d, got %s:%d", row->desc,
                 g_quark_to_string (row->domain ()), row->code,
                 g_quark_to_string (error->domain), error->code);
  assert_str (row->desc, row->message, error->message);
  assert_opens (1);
  ck_assert_msg (httplib_connection_get_state (conn) == HTTPLIB_CONNECTION_STATE_DISCONNECTED,
                 "%s: expected the connection disconnected, got state %s", row->desc,
                 nick (HTTPLIB_TYPE_CONNECTION_STATE, httplib_connection_get_state (conn)));

  /* Once the transport works again, so does the connection. */
  g_clear_error (&server.open_error);
  body = get (conn, "/", NULL);
  assert_str (row->desc, "hello", body);
  assert_opens (2);
}
END_TEST

/* A transport that fails without an error is reported, not trusted. */
START_TEST (test_open_without_error)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GError) error = NULL;

  server.fail_silently = TRUE;
  ck_assert_msg (!httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, &error),
                 "expected the request to fail, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  ck_assert_msg (strstr (error->message, g_type_name (TEST_TYPE_MEMORY_TRANSPORT)) != NULL,
                 "expected the message to name %s, got \"%s\"",
                 g_type_name (TEST_TYPE_MEMORY_TRANSPORT), error->message);
  assert_opens (1);
}
END_TEST

START_TEST (test_unregistered_transport)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  g_ptr_array_add (server.conversations, RESPONSE_HELLO);
  httplib_connection_set_transport (conn, "no-such-memory");

  ck_assert_msg (!httplib_connection_request (conn, "GET", "/", NULL, NULL, NULL, &error),
                 "expected the request to fail, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  ck_assert_msg (strstr (error->message, "'no-such-memory'") != NULL,
                 "expected the message to name 'no-such-memory', got \"%s\"", error->message);
  g_clear_error (&error);

  ck_assert_msg (!httplib_connection_connect (conn, NULL, &error),
                 "expected connect() to fail, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  assert_opens (0);

  /* Naming a registered transport afterwards is enough. */
  httplib_connection_set_transport (conn, "memory");
  body = get (conn, "/", NULL);
  assert_str ("body", "hello", body);
  assert_opens (1);
}
END_TEST

/* --- reuse and reconnection --- */

/* Connection: close makes the next request open the transport again. */
START_TEST (test_connection_close_reopens)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *request = NULL;
  gboolean will_close = FALSE;

  server.pollable = FALSE;
  g_ptr_array_add (server.conversations, RESPONSE_HELLO_CLOSE);
  g_ptr_array_add (server.conversations, RESPONSE_WORLD);

  first = get (conn, "/1", &will_close);
  assert_str ("first body", "hello", first);
  ck_assert_msg (will_close, "expected will-close with Connection: close");
  ck_assert_msg (httplib_connection_get_state (conn) == HTTPLIB_CONNECTION_STATE_CLOSED,
                 "expected the connection closed after the body, got state %s",
                 nick (HTTPLIB_TYPE_CONNECTION_STATE, httplib_connection_get_state (conn)));
  assert_opens (1);

  second = get (conn, "/2", &will_close);
  assert_str ("second body", "world", second);
  ck_assert_msg (!will_close, "expected the second response to keep the connection");
  assert_opens (2);

  request = written (0);
  assert_str ("first stream", REQUEST_HEAD ("/1"), request);
  g_clear_pointer (&request, g_free);
  request = written (1);
  assert_str ("second stream", REQUEST_HEAD ("/2"), request);
}
END_TEST

/* Without Connection: close, a stream that cannot be polled is reused. */
START_TEST (test_keep_alive_reuses)
{
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autofree char *request = NULL;

  server.pollable = FALSE;
  g_ptr_array_add (server.conversations,
                   RESPONSE_HELLO "\f" RESPONSE_WORLD "\f" RESPONSE_HELLO_CLOSE);

  first = get (conn, "/1", NULL);
  second = get (conn, "/2", NULL);
  third = get (conn, "/3", NULL);
  assert_str ("first body", "hello", first);
  assert_str ("second body", "world", second);
  assert_str ("third body", "hello", third);
  assert_opens (1);

  request = written (0);
  assert_str ("the one stream", REQUEST_HEAD ("/1") REQUEST_HEAD ("/2") REQUEST_HEAD ("/3"),
              request);
}
END_TEST

typedef struct {
  const char *method;
  gboolean    resent;   /* idempotent: sent again once on a new stream */
} ResendRow;

static const ResendRow resend_rows[] = {
  { "GET", TRUE },
  { "DELETE", TRUE },
  /* Not idempotent: it may have been acted on, so the caller decides. */
  { "LOCK", FALSE },
};

/* A request on a kept-alive stream that ends without a byte of response:
 * the server closed it as the request went out (RFC 9112 9.3.1). */
START_TEST (test_closed_stream_resend)
{
  const ResendRow *row = &resend_rows[_i];
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autofree char *first = NULL;
  g_autofree char *third = NULL;
  g_autofree char *request = NULL;
  g_autofree char *head = g_strdup_printf ("%s /2 HTTP/1.1\r\nHost: example.org\r\n"
                                           "Accept-Encoding: identity\r\n\r\n", row->method);
  g_autofree char *both = g_strconcat (REQUEST_HEAD ("/1"), head, NULL);

  server.pollable = FALSE;
  g_ptr_array_add (server.conversations, RESPONSE_HELLO);

  first = get (conn, "/1", NULL);
  assert_str ("first body", "hello", first);

  ck_assert_msg (httplib_connection_request (conn, row->method, "/2", NULL, NULL, NULL, &error),
                 "%s: expected the second request to be written, got %s", row->method,
                 error ? error->message : "FALSE without an error");
  response = httplib_connection_get_response (conn, NULL, &error);
  request = written (0);
  assert_str (row->method, both, request);
  g_clear_pointer (&request, g_free);
  if (row->resent)
    {
      httplib_assert_no_error (error);
      ck_assert_uint_eq (httplib_response_get_status (response), 200);
      assert_opens (2);
      request = written (1);
      assert_str ("sent again, alone, on the new stream", head, request);
      g_clear_object (&response);
    }
  else
    {
      ck_assert_msg (response == NULL, "%s: expected no response from a closed stream", row->method);
      httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_REMOTE_DISCONNECTED);
      assert_opens (1);
    }

  /* Sent again only once: a second silent stream is the caller's to see. */
  g_clear_error (&error);
  third = get (conn, "/3", NULL);
  assert_str ("third body", "hello", third);
  assert_opens (row->resent ? 3 : 2);
}
END_TEST


typedef struct {
  const char *desc;
  const char *conversation;
  gulong      idle_us;   /* how long the connection sits idle before the next request */
} IdleRow;

/* A little over the idle time after which the stream is polled before use. */
#define PAST_IDLE_CHECK_US (1100 * 1000)

static const IdleRow idle_rows[] = {
  /* The stream is at its end once the response is read: the server closed it. */
  { "server closed while idle", RESPONSE_HELLO, PAST_IDLE_CHECK_US },
  /* Bytes nobody asked for are waiting: the stream cannot be trusted, however fresh. */
  { "unsolicited bytes while idle", RESPONSE_HELLO RESPONSE_WORLD, 0 },
};

/* A pollable stream that is readable while idle is dropped and opened again,
 * before a byte of the next request is written to it. */
START_TEST (test_idle_readable_reopens)
{
  const IdleRow *row = &idle_rows[_i];
  g_autoptr(HttplibConnection) conn = memory_connection ("example.org", 0);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *request = NULL;

  server.pollable = TRUE;
  g_ptr_array_add (server.conversations, (gpointer) row->conversation);

  first = get (conn, "/1", NULL);
  assert_str (row->desc, "hello", first);
  assert_opens (1);

  g_usleep (row->idle_us);
  second = get (conn, "/2", NULL);
  assert_str (row->desc, "hello", second);
  assert_opens (2);

  request = written (0);
  assert_str (row->desc, REQUEST_HEAD ("/1"), request);
  g_clear_pointer (&request, g_free);
  request = written (1);
  assert_str (row->desc, REQUEST_HEAD ("/2"), request);
}
END_TEST

/* --- httplib_transport_get_socket --- */

/* A socket connection that puts streams of its own on its socket: the
 * socket then no longer carries its bytes as they are. */
#define TEST_TYPE_WRAPPED_CONNECTION (test_wrapped_connection_get_type ())
G_DECLARE_FINAL_TYPE (TestWrappedConnection, test_wrapped_connection, TEST,
                      WRAPPED_CONNECTION, GTcpConnection)

struct _TestWrappedConnection {
  GTcpConnection  parent_instance;
  GInputStream   *input;
};

G_DEFINE_FINAL_TYPE (TestWrappedConnection, test_wrapped_connection, G_TYPE_TCP_CONNECTION)

static GInputStream *
wrapped_get_input_stream (GIOStream *stream)
{
  TestWrappedConnection *self = TEST_WRAPPED_CONNECTION (stream);
  GIOStreamClass *parent = G_IO_STREAM_CLASS (test_wrapped_connection_parent_class);

  if (self->input == NULL)
    self->input = g_buffered_input_stream_new (parent->get_input_stream (stream));
  return self->input;
}

static void
wrapped_finalize (GObject *object)
{
  g_clear_object (&TEST_WRAPPED_CONNECTION (object)->input);
  G_OBJECT_CLASS (test_wrapped_connection_parent_class)->finalize (object);
}

static void
test_wrapped_connection_class_init (TestWrappedConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wrapped_finalize;
  G_IO_STREAM_CLASS (klass)->get_input_stream = wrapped_get_input_stream;
}

static void
test_wrapped_connection_init (TestWrappedConnection *self)
{
}

/* The socket is handed out only for GIO's own socket streams. */
START_TEST (test_get_socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GSocketConnection) plain = NULL;
  g_autoptr(GIOStream) wrapped = NULL;
  g_autoptr(GInputStream) input = g_memory_input_stream_new ();
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) memory = g_simple_io_stream_new (input, output);

  httplib_assert_no_error (error);
  plain = g_socket_connection_factory_create_connection (socket);
  ck_assert_ptr_eq (httplib_transport_get_socket (G_IO_STREAM (plain)), socket);

  wrapped = g_object_new (TEST_TYPE_WRAPPED_CONNECTION, "socket", socket, NULL);
  ck_assert_ptr_null (httplib_transport_get_socket (wrapped));
  ck_assert_ptr_null (httplib_transport_get_socket (memory));
}
END_TEST

/* --- the suite --- */

static Suite *
custom_transport_suite (void)
{
  Suite *suite = suite_create ("custom-transport");
  TCase *tc;

  tc = tcase_create ("request");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_get_through_memory);
  tcase_add_test (tc, test_post_through_memory);
  tcase_add_loop_test (tc, test_endpoint, 0, G_N_ELEMENTS (endpoint_rows));
  tcase_add_test (tc, test_events);
  tcase_add_test (tc, test_events_listener_comes_and_goes);
  tcase_add_loop_test (tc, test_tls_info_from_custom_transport, 0, 2);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("failure");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_open_error, 0, G_N_ELEMENTS (open_error_rows));
  tcase_add_test (tc, test_open_without_error);
  tcase_add_test (tc, test_unregistered_transport);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("reuse");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_connection_close_reopens);
  tcase_add_test (tc, test_keep_alive_reuses);
  tcase_add_loop_test (tc, test_closed_stream_resend, 0, G_N_ELEMENTS (resend_rows));
  tcase_add_loop_test (tc, test_idle_readable_reopens, 0, G_N_ELEMENTS (idle_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("socket");
  tcase_add_test (tc, test_get_socket);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (custom_transport_suite)
