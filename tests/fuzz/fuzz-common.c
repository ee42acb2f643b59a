/* fuzz-common.c: what the libFuzzer targets share (see fuzz-common.h) */
#include "fuzz-common.h"
#include "httplib-parser-private.h"

#include <string.h>

#define EXPAND_MARK  0xfe
#define EXPAND_UNIT  1024

gboolean
fuzz_input_init (FuzzInput    *input,
                 const guint8 *data,
                 gsize         size,
                 gsize         n_extra)
{
  const guint8 *p;
  const guint8 *end;
  GByteArray *out;

  memset (input, 0, sizeof *input);
  g_assert (n_extra <= FUZZ_MAX_EXTRA);
  if (size < FUZZ_HEADER_SIZE + n_extra)
    return FALSE;
  input->flags = data[0];
  memcpy (input->pieces, data + 1, FUZZ_N_PIECES);
  memcpy (input->extra, data + FUZZ_HEADER_SIZE, n_extra);
  p = data + FUZZ_HEADER_SIZE + n_extra;
  end = data + size;

  if (!(input->flags & FUZZ_FLAG_EXPAND))
    {
      input->len = end - p;
      input->payload = (guint8 *) fuzz_exact_copy (p, input->len);
      return TRUE;
    }

  out = g_byte_array_sized_new (end - p);
  while (p < end)
    {
      if (*p == EXPAND_MARK && end - p >= 3 && out->len < FUZZ_MAX_EXPANDED)
        {
          gsize n = MIN ((gsize) (p[1] + 1) * EXPAND_UNIT, FUZZ_MAX_EXPANDED - out->len);
          gsize at = out->len;

          g_byte_array_set_size (out, at + n);
          memset (out->data + at, p[2], n);
          p += 3;
        }
      else
        g_byte_array_append (out, p++, 1);
    }
  input->len = out->len;
  input->payload = (guint8 *) fuzz_exact_copy (out->data, out->len);
  g_byte_array_unref (out);
  return TRUE;
}

void
fuzz_input_clear (FuzzInput *input)
{
  g_clear_pointer (&input->payload, g_free);
}

gsize
fuzz_piece_size (const FuzzInput *input,
                 guint            index)
{
  gsize size = input->pieces[index % FUZZ_N_PIECES];

  if (size == 0)
    return G_MAXSIZE;
  /* Keeps a megabyte in single bytes from taking seconds per input. */
  if (input->len > 64 * 1024)
    size *= 64;
  return size;
}

void
fuzz_stream_init (FuzzStream      *stream,
                  const FuzzInput *input,
                  gboolean         split)
{
  memset (stream, 0, sizeof *stream);
  stream->input = input;
  stream->split = split;
  stream->buf = g_malloc (1);
}

void
fuzz_stream_clear (FuzzStream *stream)
{
  g_clear_pointer (&stream->buf, g_free);
}

gsize
fuzz_stream_fill (FuzzStream *stream)
{
  gsize left = stream->input->len - stream->delivered;
  gsize piece = stream->split ? fuzz_piece_size (stream->input, stream->n_reads) : left;
  gsize n = MIN (left, piece);
  gsize avail = fuzz_stream_available (stream);
  guint8 *buf;

  stream->n_reads++;
  if (n == 0)
    return 0;
  /* A new allocation of the exact size: nothing readable after the bytes. */
  buf = g_malloc (avail + n);
  memcpy (buf, stream->buf + stream->start, avail);
  memcpy (buf + avail, stream->input->payload + stream->delivered, n);
  g_free (stream->buf);
  stream->buf = buf;
  stream->start = 0;
  stream->end = avail + n;
  stream->delivered += n;
  return n;
}

void
fuzz_stream_consume (FuzzStream *stream,
                     gsize       n)
{
  fuzz_check (n <= fuzz_stream_available (stream), "consumed %" G_GSIZE_FORMAT " of %"
              G_GSIZE_FORMAT " bytes", n, fuzz_stream_available (stream));
  stream->start += n;
}

FuzzBodyOutcome
fuzz_read_chunked (FuzzStream      *stream,
                   const guint8    *take_sizes,
                   gsize            n_take,
                   GString         *out,
                   GString         *body,
                   HttplibHeaders **trailers,
                   GError         **error_out)
{
  FuzzBodyOutcome outcome = FUZZ_BODY_FAILED;
  HttplibChunkDecoder decoder;
  guint n_takes = 0;
  /* Every pass consumes, takes or reads, so this bound is never reached. */
  gsize max_passes = 4 * stream->input->len + 64;

  httplib_chunk_decoder_init (&decoder);
  for (gsize pass = 0;; pass++)
    {
      g_autoptr(GError) error = NULL;
      gsize avail = fuzz_stream_available (stream);
      gsize consumed = G_MAXSIZE;
      HttplibParseResult result;

      fuzz_check (pass < max_passes, "the chunk decoder makes no progress");
      result = httplib_chunk_decoder_feed (&decoder, fuzz_stream_peek (stream), avail, &consumed,
                                           &error);
      fuzz_check (consumed <= avail, "consumed %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
                  consumed, avail);
      fuzz_check ((result == HTTPLIB_PARSE_ERROR) == (error != NULL), "result %d and error %p",
                  result, (void *) error);
      if (result == HTTPLIB_PARSE_ERROR)
        {
          fuzz_append_error (out, error);
          if (error_out != NULL)
            *error_out = g_steal_pointer (&error);
          outcome = FUZZ_BODY_FAILED;
          break;
        }
      fuzz_stream_consume (stream, consumed);
      avail -= consumed;

      if (result == HTTPLIB_PARSE_DONE)
        {
          fuzz_check (decoder.stage == HTTPLIB_CHUNK_DONE, "DONE in stage %d", decoder.stage);
          fuzz_check (decoder.trailer_bytes <= HTTPLIB_MAX_TRAILER_BYTES, "%" G_GSIZE_FORMAT
                      " bytes of trailers", decoder.trailer_bytes);
          fuzz_check_headers (decoder.trailers, "trailers");
          fuzz_append_headers (out, "trailer", decoder.trailers);
          g_string_append (out, "done\n");
          if (trailers != NULL && decoder.trailers != NULL)
            *trailers = httplib_headers_ref (decoder.trailers);
          outcome = FUZZ_BODY_DONE;
          break;
        }
      if (decoder.stage == HTTPLIB_CHUNK_DATA)
        {
          gsize limit = n_take > 0 ? take_sizes[n_takes % n_take] : 0;
          gsize n;

          fuzz_check (decoder.remaining > 0, "stage DATA with nothing remaining");
          if (avail == 0)
            {
              if (fuzz_stream_fill (stream) == 0)
                {
                  g_string_append (out, "incomplete\n");
                  outcome = FUZZ_BODY_INCOMPLETE;
                  break;
                }
              continue;
            }
          n = MIN (decoder.remaining, avail);
          if (limit > 0)
            n = MIN (n, limit);
          n_takes++;
          g_string_append_len (out, fuzz_stream_peek (stream), n);
          if (body != NULL)
            g_string_append_len (body, fuzz_stream_peek (stream), n);
          httplib_chunk_decoder_take (&decoder, n);
          fuzz_stream_consume (stream, n);
          fuzz_check (decoder.remaining > 0 || decoder.stage == HTTPLIB_CHUNK_DATA_END,
                      "all data taken but stage %d", decoder.stage);
          continue;
        }

      /* An incomplete framing line: the decoder searched all of it. */
      fuzz_check (decoder.scanned <= avail, "scanned %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
                  decoder.scanned, avail);
      if (fuzz_stream_fill (stream) == 0)
        {
          g_string_append (out, "incomplete\n");
          outcome = FUZZ_BODY_INCOMPLETE;
          break;
        }
    }
  httplib_chunk_decoder_clear (&decoder);
  return outcome;
}

/* --- An input stream that hands out the payload in pieces --- */

#define FUZZ_TYPE_PIECE_STREAM (fuzz_piece_stream_get_type ())
G_DECLARE_FINAL_TYPE (FuzzPieceStream, fuzz_piece_stream, FUZZ, PIECE_STREAM,
                      GMemoryInputStream)

struct _FuzzPieceStream {
  GMemoryInputStream parent_instance;
  const FuzzInput   *input;   /* NULL: no limit */
  guint              n_reads;
};

G_DEFINE_FINAL_TYPE (FuzzPieceStream, fuzz_piece_stream, G_TYPE_MEMORY_INPUT_STREAM)

static gssize
piece_stream_read (GInputStream  *stream,
                   void          *buffer,
                   gsize          count,
                   GCancellable  *cancellable,
                   GError       **error)
{
  FuzzPieceStream *self = FUZZ_PIECE_STREAM (stream);

  if (self->input != NULL)
    {
      gsize piece = fuzz_piece_size (self->input, self->n_reads++);

      count = MIN (count, piece);
    }
  return G_INPUT_STREAM_CLASS (fuzz_piece_stream_parent_class)->read_fn (stream, buffer, count,
                                                                         cancellable, error);
}

static void
fuzz_piece_stream_class_init (FuzzPieceStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = piece_stream_read;
}

static void
fuzz_piece_stream_init (FuzzPieceStream *self)
{
}

GInputStream *
fuzz_piece_stream_new (const FuzzInput *input, gboolean split)
{
  FuzzPieceStream *self = g_object_new (FUZZ_TYPE_PIECE_STREAM, NULL);
  GBytes *bytes = g_bytes_new_static (input->payload, input->len);

  g_memory_input_stream_add_bytes (G_MEMORY_INPUT_STREAM (self), bytes);
  g_bytes_unref (bytes);
  self->input = split ? input : NULL;
  return G_INPUT_STREAM (self);
}

char *
fuzz_exact_copy (const void *data,
                 gsize       len)
{
  char *copy = g_malloc (MAX (len, 1));

  if (len > 0)
    memcpy (copy, data, len);
  return copy;
}

gboolean
fuzz_is_token (const char *s,
               gsize       len)
{
  static const char extra[] = "!#$%&'*+-.^_`|~";

  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guchar c = s[i];

      if (c < 0x80 && g_ascii_isalnum (c))
        continue;
      if (c == '\0' || strchr (extra, c) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Bytes as C would spell them, NULs included. */
static char *
escape_len (const char *s,
            gsize       len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    {
      guchar c = s[i];

      if (c >= 0x20 && c < 0x7f && c != '\\')
        g_string_append_c (out, c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  return g_string_free (out, FALSE);
}

static void
append_escaped (GString *out, const char *s)
{
  g_autofree char *escaped = g_strescape (s, NULL);

  g_string_append (out, escaped);
}

void
fuzz_append_headers (GString        *out,
                     const char     *tag,
                     HttplibHeaders *headers)
{
  guint n = headers != NULL ? httplib_headers_get_length (headers) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (out, "%s ", tag);
      append_escaped (out, httplib_headers_get_name (headers, i));
      g_string_append (out, ": ");
      append_escaped (out, httplib_headers_get_value (headers, i));
      g_string_append_c (out, '\n');
    }
}

void
fuzz_append_error (GString      *out,
                   const GError *error)
{
  g_string_append_printf (out, "error %s %d ", g_quark_to_string (error->domain), error->code);
  append_escaped (out, error->message);
  g_string_append_c (out, '\n');
}

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

void
fuzz_check_headers (HttplibHeaders *headers,
                    const char     *what)
{
  guint n;

  if (headers == NULL)
    return;
  n = httplib_headers_get_length (headers);
  fuzz_check (n <= 100, "%s: %u fields", what, n);
  for (guint i = 0; i < n; i++)
    {
      const char *name = httplib_headers_get_name (headers, i);
      const char *value = httplib_headers_get_value (headers, i);
      gsize len = strlen (value);

      fuzz_check (fuzz_is_token (name, strlen (name)), "%s: field name '%s'", what, name);
      fuzz_check (strpbrk (value, "\r\n") == NULL, "%s: CR or LF in the value of %s", what, name);
      fuzz_check (len == 0 || (!is_ows (value[0]) && !is_ows (value[len - 1])),
                  "%s: untrimmed value of %s", what, name);
    }
}

void
fuzz_assert_same (const GString *a,
                  const GString *b,
                  const char    *what)
{
  gsize i = 0;

  if (a->len == b->len && memcmp (a->str, b->str, a->len) == 0)
    return;
  while (i < a->len && i < b->len && a->str[i] == b->str[i])
    i++;
  {
    gsize from = i > 200 ? i - 200 : 0;
    g_autofree char *ea = escape_len (a->str + from, MIN (a->len - from, 400));
    g_autofree char *eb = escape_len (b->str + from, MIN (b->len - from, 400));

    fuzz_fail ("%s differ at byte %" G_GSIZE_FORMAT " (lengths %" G_GSIZE_FORMAT " and %"
               G_GSIZE_FORMAT "):\n  one: %s\n  two: %s", what, i, a->len, b->len, ea, eb);
  }
}

void
fuzz_init_glib (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
}
