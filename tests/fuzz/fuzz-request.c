/* fuzz-request.c: libFuzzer target for validation on the request side
 *
 * The payload holds the parts of a request separated by NUL bytes (which
 * no C string can carry): host[:port], method, URL, then header names and
 * values in turn. They go through one of the public ways to send a
 * request, over a transport that records what is written instead of
 * sending it:
 *
 *   0  httplib_connection_request() with an HttplibHeaders
 *   1  put_request(), put_header() for each field, end_headers()
 *   2  put_request(), put_headerv() with each value split at ',', end_headers()
 *   3  httplib_transport_send_request_head(), as a CONNECT tunnel sends
 *
 * The checks: the call succeeds exactly when every part is valid by rules
 * written here again (method a token, URL without bytes 0x00-0x20 or 0x7f,
 * names tokens, values without CR or LF); a refused request writes nothing
 * and says INVALID_URL or INVALID_HEADER; a sent one is CRLF-framed with
 * no bare CR or LF, its request line and fields are those asked for, in
 * order, and the response parser reads the fields back to the same values.
 *
 * Flags (byte 0): bit 0 expand, bit 1 skip_host, bit 2 skip_accept_encoding,
 * bits 3-4 the way. Bytes 1-2 are the port (0: from the host).
 */
#include "fuzz-common.h"
#include "httplib-parser-private.h"

#include <string.h>

#define FLAG_SKIP_HOST 0x02
#define FLAG_SKIP_AE   0x04
#define MAX_FIELDS     16

/* --- a transport that records what is written --- */

#define FUZZ_TYPE_RECORDING_TRANSPORT (fuzz_recording_transport_get_type ())
G_DECLARE_FINAL_TYPE (FuzzRecordingTransport, fuzz_recording_transport, FUZZ,
                      RECORDING_TRANSPORT, GObject)

struct _FuzzRecordingTransport {
  GObject parent_instance;
};

/* The output of the last stream opened; reset for each input. */
static GMemoryOutputStream *recorded;

static GIOStream *
recording_transport_open (HttplibTransport *transport,
                          HttplibEndpoint  *endpoint,
                          GIOStream        *base,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_autoptr(GInputStream) input = g_memory_input_stream_new ();
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();

  g_clear_object (&recorded);
  recorded = G_MEMORY_OUTPUT_STREAM (g_object_ref (output));
  return g_simple_io_stream_new (input, output);
}

static void
recording_transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = recording_transport_open;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (FuzzRecordingTransport, fuzz_recording_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT,
                                                      recording_transport_iface_init))

static void
fuzz_recording_transport_class_init (FuzzRecordingTransportClass *klass)
{
}

static void
fuzz_recording_transport_init (FuzzRecordingTransport *self)
{
}

/* --- the request asked for --- */

typedef struct {
  const char *host;
  const char *method;
  const char *url;
  const char *names[MAX_FIELDS];
  const char *values[MAX_FIELDS];
  guint       n_fields;
} Parts;

/* Splits the payload at NULs; FALSE without host, method and URL. The
 * payload is copied with a NUL after it, so every part ends. */
static gboolean
split_parts (char *text, gsize len, Parts *parts)
{
  const char *fields[3 + 2 * MAX_FIELDS];
  guint n = 0;
  char *p = text;

  while (n < G_N_ELEMENTS (fields) && p <= text + len)
    {
      fields[n++] = p;
      p += strlen (p) + 1;
    }
  if (n < 3)
    return FALSE;
  memset (parts, 0, sizeof *parts);
  parts->host = fields[0];
  parts->method = fields[1];
  parts->url = fields[2];
  for (guint i = 3; i + 1 < n; i += 2)
    {
      parts->names[parts->n_fields] = fields[i];
      parts->values[parts->n_fields++] = fields[i + 1];
    }
  return TRUE;
}

static gboolean
url_is_valid (const char *url)
{
  for (const guchar *p = (const guchar *) url; *p; p++)
    if (*p <= 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static gboolean
parts_are_valid (const Parts *parts)
{
  if (!fuzz_is_token (parts->method, strlen (parts->method)) || !url_is_valid (parts->url))
    return FALSE;
  for (guint i = 0; i < parts->n_fields; i++)
    if (!fuzz_is_token (parts->names[i], strlen (parts->names[i])) ||
        strpbrk (parts->values[i], "\r\n") != NULL)
      return FALSE;
  return TRUE;
}

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

/* value without surrounding SP/HTAB, as the parser stores it */
static char *
trimmed (const char *value)
{
  const char *end = value + strlen (value);

  while (is_ows (*value))
    value++;
  while (end > value && is_ows (end[-1]))
    end--;
  return g_strndup (value, end - value);
}

/* What the parser makes of put_headerv's continuation lines. */
static char *
joined (const char *value)
{
  g_auto(GStrv) values = g_strsplit (value, ",", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; values[i]; i++)
    {
      g_autofree char *t = trimmed (values[i]);

      if (*t != '\0' && out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, t);
    }
  return g_string_free (out, FALSE);
}

/* --- checking what was written --- */

/* CRLF framing: every CR before an LF, every LF after a CR, one empty line
 * at the very end. Returns the lines, without the final empty one. */
static GStrv
check_framing (const char *head, gsize len)
{
  g_autofree char *text = g_strndup (head, len);

  fuzz_check (memchr (head, '\0', len) == NULL, "a NUL was written");
  fuzz_check (len >= 4 && memcmp (head + len - 4, "\r\n\r\n", 4) == 0, "no empty line at the end");
  for (gsize i = 0; i < len; i++)
    {
      if (head[i] == '\r')
        fuzz_check (i + 1 < len && head[i + 1] == '\n', "a bare CR at %" G_GSIZE_FORMAT, i);
      if (head[i] == '\n')
        fuzz_check (i > 0 && head[i - 1] == '\r', "a bare LF at %" G_GSIZE_FORMAT, i);
    }
  text[len - 4] = '\0';
  fuzz_check (strstr (text, "\r\n\r\n") == NULL, "an empty line before the end");
  return g_strsplit (text, "\r\n", -1);
}

/* The fields as the response parser reads them, or NULL past its limits. */
static HttplibHeaders *
parse_back (GStrv lines)
{
  g_autoptr(GString) head = g_string_new ("HTTP/1.1 200 OK\r\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  HttplibHeadParser parser;
  HttplibHeaders *headers;
  gsize consumed = 0;
  guint n = g_strv_length (lines);

  if (n > HTTPLIB_MAX_HEADERS)
    return NULL;
  for (guint i = 1; lines[i]; i++)
    {
      if (strlen (lines[i]) + 1 > HTTPLIB_MAX_LINE)
        return NULL;
      g_string_append_printf (head, "%s\r\n", lines[i]);
    }
  g_string_append (head, "\r\n");
  if (head->len > HTTPLIB_MAX_HEADER_BYTES)
    return NULL;

  copy = fuzz_exact_copy (head->str, head->len);
  httplib_head_parser_init (&parser, TRUE);
  fuzz_check (httplib_head_parser_feed (&parser, copy, head->len, &consumed, &error) ==
              HTTPLIB_PARSE_DONE, "the parser refuses what was sent: %s",
              error ? error->message : "incomplete");
  headers = g_steal_pointer (&parser.headers);
  httplib_head_parser_clear (&parser);
  return headers;
}

static gboolean
is_auto_field (const char *line)
{
  return g_str_has_prefix (line, "Host: ") || strcmp (line, "Accept-Encoding: identity") == 0 ||
         strcmp (line, "Content-Length: 0") == 0;
}

static void
check_written (const Parts *parts, guint way, const char *head, gsize len)
{
  g_auto(GStrv) lines = check_framing (head, len);
  g_autofree char *request_line = g_strdup_printf ("%s %s HTTP/1.1", parts->method,
                                                   *parts->url ? parts->url : "/");
  g_autoptr(HttplibHeaders) fields = NULL;
  guint n_lines = g_strv_length (lines);
  guint n_user = parts->n_fields;
  guint first_user;

  fuzz_check (strcmp (lines[0], request_line) == 0, "request line '%s'", lines[0]);
  /* put_headerv writes one continuation line per extra value. */
  if (way == 2)
    for (guint i = 0; i < parts->n_fields; i++)
      for (const char *c = parts->values[i]; (c = strchr (c, ',')) != NULL; c++)
        n_user++;
  fuzz_check (n_lines >= 1 + n_user, "%u lines for %u fields", n_lines, n_user);
  first_user = n_lines - n_user;
  for (guint i = 1; i < first_user; i++)
    {
      fuzz_check (way != 3 && is_auto_field (lines[i]), "an unexpected field '%s'", lines[i]);
      /* The Host value comes from the connection's host, checked on the way in. */
      if (g_str_has_prefix (lines[i], "Host: "))
        for (const guchar *p = (const guchar *) lines[i] + 6; *p; p++)
          fuzz_check (*p > 0x20 && *p != 0x7f, "a control byte in '%s'", lines[i]);
    }
  if (way != 2)
    for (guint i = 0; i < parts->n_fields; i++)
      {
        g_autofree char *expected = g_strdup_printf ("%s: %s", parts->names[i], parts->values[i]);

        fuzz_check (strcmp (lines[first_user + i], expected) == 0, "field %u is '%s'", i,
                    lines[first_user + i]);
      }

  fields = parse_back (lines);
  if (fields == NULL)
    return;
  fuzz_check (httplib_headers_get_length (fields) == first_user - 1 + parts->n_fields,
              "%u fields read back", httplib_headers_get_length (fields));
  for (guint i = 0; i < parts->n_fields; i++)
    {
      g_autofree char *expected = way == 2 ? joined (parts->values[i]) : trimmed (parts->values[i]);
      const char *name = httplib_headers_get_name (fields, first_user - 1 + i);
      const char *value = httplib_headers_get_value (fields, first_user - 1 + i);

      fuzz_check (strcmp (name, parts->names[i]) == 0, "name '%s' read back as '%s'",
                  parts->names[i], name);
      fuzz_check (strcmp (value, expected) == 0, "value '%s' read back as '%s'", expected, value);
    }
}

static void
check_refused (const GError *error, gsize written)
{
  fuzz_check (error != NULL, "refused without an error");
  fuzz_check (error->domain == HTTPLIB_ERROR &&
              (error->code == HTTPLIB_ERROR_INVALID_URL ||
               error->code == HTTPLIB_ERROR_INVALID_HEADER),
              "refused with %s %d: %s", g_quark_to_string (error->domain), error->code,
              error->message);
  fuzz_check (written == 0, "%" G_GSIZE_FORMAT " bytes written for a refused request", written);
}

/* --- the ways to send --- */

static gboolean
send_with_connection (HttplibConnection *conn, const Parts *parts, guint way, guint8 flags,
                      GError **error)
{
  g_autoptr(HttplibHeaders) headers = NULL;

  if (way == 0)
    {
      headers = httplib_headers_new ();
      for (guint i = 0; i < parts->n_fields; i++)
        httplib_headers_append (headers, parts->names[i], parts->values[i]);
      return httplib_connection_request (conn, parts->method, parts->url, NULL, headers, NULL,
                                         error);
    }

  if (!httplib_connection_put_request (conn, parts->method, parts->url,
                                       (flags & FLAG_SKIP_HOST) != 0, (flags & FLAG_SKIP_AE) != 0,
                                       NULL, error))
    return FALSE;
  for (guint i = 0; i < parts->n_fields; i++)
    {
      /* g_strsplit() makes no element of "", but "" is one empty value here. */
      g_auto(GStrv) values = way == 2 ? g_strsplit (parts->values[i], ",", -1) : NULL;
      const char *empty[] = { "", NULL };
      gboolean ok = way == 2
        ? httplib_connection_put_headerv (conn, parts->names[i],
                                          values[0] ? (const char * const *) values : empty,
                                          error)
        : httplib_connection_put_header (conn, parts->names[i], parts->values[i], error);

      if (!ok)
        return FALSE;
    }
  return httplib_connection_end_headers (conn, NULL, NULL, error);
}

static void
fuzz_connection (const Parts *parts, guint way, guint8 flags, guint port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibConnection) conn = httplib_connection_new (parts->host, port, &error);
  gsize written;
  gboolean ok;

  if (conn == NULL)
    {
      fuzz_check (g_error_matches (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL),
                  "a host refused with %s", error->message);
      return;
    }
  httplib_connection_set_transport (conn, "fuzz-recording");
  g_clear_object (&recorded);
  ok = send_with_connection (conn, parts, way, flags, &error);
  written = recorded ? g_memory_output_stream_get_data_size (recorded) : 0;
  fuzz_check (ok == parts_are_valid (parts), "%s a request the rules call %s (%s)",
              ok ? "sent" : "refused", parts_are_valid (parts) ? "valid" : "invalid",
              error ? error->message : "no error");
  if (!ok)
    check_refused (error, written);
  else
    check_written (parts, way, g_memory_output_stream_get_data (recorded), written);
  g_clear_object (&recorded);
}

static void
fuzz_tunnel_head (const Parts *parts)
{
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(GError) error = NULL;
  gsize written;
  gboolean ok;

  for (guint i = 0; i < parts->n_fields; i++)
    httplib_headers_append (headers, parts->names[i], parts->values[i]);
  ok = httplib_transport_send_request_head (output, parts->method, parts->url, headers, 0, NULL,
                                            &error);
  written = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output));
  fuzz_check (ok == parts_are_valid (parts), "%s a CONNECT head the rules call %s (%s)",
              ok ? "sent" : "refused", parts_are_valid (parts) ? "valid" : "invalid",
              error ? error->message : "no error");
  if (!ok)
    check_refused (error, written);
  else
    check_written (parts, 3,
                   g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (output)), written);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_init_glib ();
  if (!httplib_registry_register_transport (httplib_registry_get_default (), "fuzz-recording",
                                            FUZZ_TYPE_RECORDING_TRANSPORT, &error))
    fuzz_fail ("cannot register the recording transport: %s", error->message);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = NULL;
  FuzzInput input;
  Parts parts;
  guint way;

  if (!fuzz_input_init (&input, data, size, 0))
    return 0;
  text = g_malloc (input.len + 1);
  memcpy (text, input.payload, input.len);
  text[input.len] = '\0';
  way = (input.flags >> 3) & 3;
  if (split_parts (text, input.len, &parts))
    {
      if (way == 3)
        fuzz_tunnel_head (&parts);
      else
        fuzz_connection (&parts, way, input.flags, input.pieces[0] | input.pieces[1] << 8);
    }
  fuzz_input_clear (&input);
  return 0;
}
