/* fuzz-connect.c: libFuzzer target for the CONNECT reply, as the tunnel
 * plugin reads it
 *
 * The payload is what a proxy answers to CONNECT. The tunnel transport
 * itself (plugins/tunnel, compiled in) opens over a stream whose input is
 * the payload and whose output records the request: it writes CONNECT,
 * reads the answer with httplib_transport_read_response_head() (or its
 * async twin) and judges it. Each input runs four times, blocking and on a
 * main loop, with the payload readable all at once and in reads of the
 * sizes the control bytes give; all four must agree on the answer (status,
 * reason, fields, or the exact error) and write the same CONNECT request.
 *
 * Checks: a success hands back the stream below for a 2xx answer; a
 * failure is one of the documented errors; the request is exactly the
 * expected one. How many bytes came after a 2xx head depends on where the
 * reads ended, so "bytes after its 2xx" and success count as one outcome.
 *
 * Flags (byte 0): bit 0 expand, bit 1 debug level 1 (the proxy's answer
 * goes through the debug printer; the log is dropped).
 */
#include "fuzz-common.h"
#include "httplib-tunnel-transport.h"

#include <string.h>

#define FLAG_DEBUG 0x02

#define ORIGIN_HOST "origin.example"
#define ORIGIN_PORT 443
#define EXPECTED_REQUEST                                                      \
  "CONNECT origin.example:443 HTTP/1.1\r\nHost: origin.example:443\r\n"        \
  "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n"

/* --- one open --- */

static void
on_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GIOStream *
open_async (HttplibTransport *transport,
            HttplibEndpoint  *endpoint,
            GIOStream        *base,
            GError          **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  GIOStream *stream;
  guint idle = 0;

  g_main_context_push_thread_default (context);
  httplib_transport_open_async (transport, endpoint, base, NULL, on_opened, &slot);
  /* Memory streams are always ready: every iteration makes progress. */
  while (slot == NULL)
    {
      if (!g_main_context_iteration (context, FALSE))
        fuzz_check (++idle < 1000, "the async open stopped without finishing");
    }
  result = slot;
  stream = httplib_transport_open_finish (transport, result, error);
  g_clear_object (&result);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return stream;
}

static gboolean
is_documented (const GError *error)
{
  static const int codes[] = {
    HTTPLIB_ERROR_REMOTE_DISCONNECTED, HTTPLIB_ERROR_BAD_STATUS_LINE,
    HTTPLIB_ERROR_UNKNOWN_PROTOCOL, HTTPLIB_ERROR_LINE_TOO_LONG,
    HTTPLIB_ERROR_TOO_MANY_HEADERS, HTTPLIB_ERROR_INVALID_HEADER,
    HTTPLIB_ERROR_TUNNEL_FAILED,
  };

  if (error->domain != HTTPLIB_ERROR)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (error->code == codes[i])
      return TRUE;
  return FALSE;
}

static void
open_tunnel (const FuzzInput *input,
             gboolean         split,
             gboolean         async,
             GString         *out)
{
  g_autoptr(HttplibTransport) transport = g_object_new (HTTPLIB_TYPE_TUNNEL_TRANSPORT, NULL);
  g_autoptr(HttplibEndpoint) endpoint = httplib_endpoint_new (ORIGIN_HOST, ORIGIN_PORT);
  g_autoptr(HttplibHeaders) extra = httplib_headers_new ();
  g_autoptr(GInputStream) in = fuzz_piece_stream_new (input, split);
  g_autoptr(GOutputStream) sent = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) base = g_simple_io_stream_new (in, sent);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GMemoryOutputStream *memory = G_MEMORY_OUTPUT_STREAM (sent);

  httplib_headers_append (extra, "Proxy-Authorization", "Basic dXNlcjpwYXNz");
  httplib_endpoint_set_headers (endpoint, extra);
  httplib_endpoint_set_debug_level (endpoint, (input->flags & FLAG_DEBUG) ? 1 : 0);

  stream = async ? open_async (transport, endpoint, base, &error)
                 : httplib_transport_open (transport, endpoint, base, NULL, &error);

  fuzz_check (g_memory_output_stream_get_data_size (memory) == strlen (EXPECTED_REQUEST) &&
              memcmp (g_memory_output_stream_get_data (memory), EXPECTED_REQUEST,
                      strlen (EXPECTED_REQUEST)) == 0, "an unexpected CONNECT request");
  fuzz_check ((stream == NULL) == (error != NULL), "a stream and an error");
  if (stream != NULL)
    {
      guint status = httplib_endpoint_get_reply_status (endpoint);

      fuzz_check (stream == base, "the tunnel is not the stream below");
      fuzz_check (status >= 200 && status <= 299, "a tunnel after a %u", status);
      g_string_append (out, "open\n");
    }
  else
    {
      fuzz_check (is_documented (error), "an undocumented error %s %d: %s",
                  g_quark_to_string (error->domain), error->code, error->message);
      if (strstr (error->message, " bytes after its 2") != NULL)
        g_string_append (out, "open\n");
      else
        fuzz_append_error (out, error);
    }

  if (httplib_endpoint_get_reply_headers (endpoint) != NULL)
    {
      g_string_append_printf (out, "reply %u %s\n", httplib_endpoint_get_reply_status (endpoint),
                              httplib_endpoint_get_reply_reason (endpoint));
      fuzz_check_headers (httplib_endpoint_get_reply_headers (endpoint), "reply");
      fuzz_append_headers (out, "field", httplib_endpoint_get_reply_headers (endpoint));
    }
}

static void
drop_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR))
    fuzz_fail ("%s: %s", domain ? domain : "", message);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  g_log_set_default_handler (drop_log, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  GString *runs[4];
  FuzzInput input;

  if (!fuzz_input_init (&input, data, size, 0))
    return 0;
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      runs[i] = g_string_new (NULL);
      open_tunnel (&input, i & 1, i & 2, runs[i]);
    }
  fuzz_assert_same (runs[0], runs[1], "blocking: one read and split reads");
  fuzz_assert_same (runs[0], runs[2], "one read: blocking and async");
  fuzz_assert_same (runs[0], runs[3], "blocking in one read and async in split reads");
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    g_string_free (runs[i], TRUE);
  fuzz_input_clear (&input);
  return 0;
}
