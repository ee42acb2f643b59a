/* fuzz-chunked.c: libFuzzer target for the chunked-coding decoder
 *
 * The payload is a chunked body (size lines with extensions, data, the
 * CRLF after it, the last chunk, trailers), decoded the way HttplibResponse
 * reads it. Three checks per input:
 *
 *  - all in one read and taking all data at once, against split reads and
 *    data taken a few bytes at a time (extra bytes 0-1): the same
 *    transcript (data, trailers, the end or the exact error);
 *  - against a reference decoder written here from the grammar documented
 *    in core/httplib-parser-private.h: the same data and the same outcome
 *    (done, incomplete, or the error code) up to the trailers;
 *  - a decoded body and trailers, encoded again in chunks of other sizes
 *    (extra bytes 2-3), decode to the same body and trailers.
 */
#include "fuzz-common.h"
#include "httplib-parser-private.h"

#include <string.h>

#define N_EXTRA 4

/* --- the reference decoder --- */

typedef enum {
  REF_INCOMPLETE,    /* the bytes ended inside the framing or the data */
  REF_TRAILERS,      /* the last chunk was read; trailers follow */
  REF_ERROR,         /* `code` */
} RefOutcome;

static gboolean
ref_is_ows (guint8 c)
{
  return c == ' ' || c == '\t';
}

/* The outcome; `body` gets the data, as far as it went. */
static RefOutcome
ref_decode (const guint8 *p,
            gsize         len,
            GString      *body,
            int          *code)
{
  gsize pos = 0;

  for (;;)
    {
      const guint8 *lf = memchr (p + pos, '\n', len - pos);
      gsize line_len, i = 0, digits;
      guint64 size = 0;

      /* A line may hold HTTPLIB_MAX_LINE bytes before its LF. */
      if ((lf == NULL && len - pos > HTTPLIB_MAX_LINE) ||
          (lf != NULL && (gsize) (lf - (p + pos)) > HTTPLIB_MAX_LINE))
        {
          *code = HTTPLIB_ERROR_LINE_TOO_LONG;
          return REF_ERROR;
        }
      if (lf == NULL)
        return REF_INCOMPLETE;
      line_len = lf - (p + pos);
      if (line_len > 0 && p[pos + line_len - 1] == '\r')
        line_len--;
      *code = HTTPLIB_ERROR_BAD_FRAMING;
      if (memchr (p + pos, '\0', line_len) || memchr (p + pos, '\r', line_len))
        return REF_ERROR;
      while (i < line_len && g_ascii_isxdigit (p[pos + i]))
        size = size * 16 + g_ascii_xdigit_value (p[pos + i++]);
      digits = i;
      if (digits == 0 || digits > 16)
        return REF_ERROR;
      while (i < line_len && ref_is_ows (p[pos + i]))
        i++;
      if (i < line_len && p[pos + i] != ';')
        return REF_ERROR;
      pos = lf - p + 1;
      if (size == 0)
        return REF_TRAILERS;

      if (len - pos < size)
        {
          g_string_append_len (body, (const char *) p + pos, len - pos);
          return REF_INCOMPLETE;
        }
      g_string_append_len (body, (const char *) p + pos, size);
      pos += size;
      if (pos == len || (p[pos] == '\r' && pos + 1 == len))
        return REF_INCOMPLETE;
      if (p[pos] == '\n')
        pos += 1;
      else if (p[pos] == '\r' && p[pos + 1] == '\n')
        pos += 2;
      else
        return REF_ERROR;
    }
}

static void
check_against_reference (const FuzzInput *input,
                         const GString   *body,
                         const GString   *transcript)
{
  g_autoptr(GString) ref_body = g_string_new (NULL);
  int code = 0;
  RefOutcome outcome = ref_decode (input->payload, input->len, ref_body, &code);
  const char *end = transcript->str + body->len;

  fuzz_check (transcript->len >= body->len, "transcript shorter than the body");
  fuzz_assert_same (ref_body, body, "the reference decoder's data and the decoder's");
  switch (outcome)
    {
    case REF_INCOMPLETE:
      fuzz_check (strcmp (end, "incomplete\n") == 0, "the reference says incomplete, got %s", end);
      break;
    case REF_ERROR:
      {
        g_autofree char *expected = g_strdup_printf ("error %s %d ",
                                                     g_quark_to_string (HTTPLIB_ERROR), code);

        fuzz_check (g_str_has_prefix (end, expected), "the reference says %s, got %s",
                    expected, end);
      }
      break;
    case REF_TRAILERS:
      /* The trailers follow the head's rules, which the reference skips. */
      fuzz_check (g_str_has_suffix (end, "done\n") || strcmp (end, "incomplete\n") == 0 ||
                  strstr (end, "error ") != NULL, "after the last chunk, got %s", end);
      {
        g_autofree char *framing = g_strdup_printf ("error %s %d ",
                                                    g_quark_to_string (HTTPLIB_ERROR),
                                                    HTTPLIB_ERROR_BAD_FRAMING);

        fuzz_check (!g_str_has_prefix (end, framing), "a framing error in the trailers: %s", end);
      }
      break;
    }
}

/* --- encoding again --- */

static void
check_round_trip (const FuzzInput *input,
                  const GString   *body,
                  HttplibHeaders  *trailers)
{
  g_autoptr(GString) encoded = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) body_again = g_string_new (NULL);
  g_autoptr(HttplibHeaders) trailers_again = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  guint n = trailers != NULL ? httplib_headers_get_length (trailers) : 0;
  FuzzInput again = *input;
  FuzzStream stream;
  gsize pos = 0;

  for (guint i = 0; pos < body->len; i++)
    {
      gsize size = MIN (body->len - pos, (gsize) input->extra[2 + i % 2] + 1);

      g_string_append_printf (encoded, i % 2 ? "%" G_GSIZE_MODIFIER "X;ext=%u\r\n" :
                              "%" G_GSIZE_MODIFIER "x\r\n", size, i);
      g_string_append_len (encoded, body->str + pos, size);
      g_string_append (encoded, "\r\n");
      pos += size;
    }
  g_string_append (encoded, "0\r\n");
  for (guint i = 0; i < n; i++)
    {
      gsize at = encoded->len;

      g_string_append_printf (encoded, "%s: %s\r\n", httplib_headers_get_name (trailers, i),
                              httplib_headers_get_value (trailers, i));
      /* Folded lines join into one that may be over the limit. */
      if (encoded->len - at - 1 > HTTPLIB_MAX_LINE)
        return;
    }
  g_string_append (encoded, "\r\n");

  again.payload = (guint8 *) fuzz_exact_copy (encoded->str, encoded->len);
  again.len = encoded->len;
  fuzz_stream_init (&stream, &again, FALSE);
  fuzz_read_chunked (&stream, NULL, 0, out, body_again, &trailers_again, NULL);
  fuzz_stream_clear (&stream);
  g_free (again.payload);

  /* The joined trailers may together be over the byte limit now. */
  if (g_str_has_prefix (out->str + body_again->len, "error "))
    fuzz_check (strstr (out->str, "bytes of trailers") != NULL, "encoded again: %s",
                out->str + body_again->len);
  else
    {
      fuzz_assert_same (body, body_again, "a body and its encoding decoded");
      fuzz_append_headers (expected, "trailer", trailers);
      fuzz_append_headers (got, "trailer", trailers_again);
      fuzz_assert_same (expected, got, "trailers and their encoding decoded");
    }
}

static void
decode (const FuzzInput *input,
        gboolean         split,
        GString         *out,
        GString         *body,
        HttplibHeaders **trailers)
{
  FuzzStream stream;

  fuzz_stream_init (&stream, input, split);
  fuzz_read_chunked (&stream, split ? input->extra : NULL, split ? 2 : 0, out, body, trailers,
                     NULL);
  fuzz_stream_clear (&stream);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GString) whole = g_string_new (NULL);
  g_autoptr(GString) split = g_string_new (NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(HttplibHeaders) trailers = NULL;
  FuzzInput input;

  if (!fuzz_input_init (&input, data, size, N_EXTRA))
    return 0;
  decode (&input, FALSE, whole, body, &trailers);
  decode (&input, TRUE, split, NULL, NULL);
  fuzz_assert_same (whole, split, "one read and split reads");
  check_against_reference (&input, body, whole);
  if (g_str_has_suffix (whole->str, "done\n"))
    check_round_trip (&input, body, trailers);
  fuzz_input_clear (&input);
  return 0;
}
