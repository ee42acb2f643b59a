/* fuzz-common.h: what the libFuzzer targets share
 *
 * Every target reads its input the same way: a few control bytes, then the
 * payload (the bytes a server would send, or the parts of a request).
 *
 *   byte 0      flags: FUZZ_FLAG_* below, and target-specific bits
 *   bytes 1-3   piece sizes: the payload reaches the code under test in
 *               reads of these sizes, in turn; 0 means "all that is left"
 *   n_extra     more control bytes, as the target wants them
 *   then        the payload; with FUZZ_FLAG_EXPAND, "\xfe" N C in it stands
 *               for (N + 1) * 1024 bytes C, so a small input can reach the
 *               65536-byte and 256 KiB limits
 *
 * A violated invariant prints what was wrong and aborts: libFuzzer then
 * reports it as a crash and keeps the input.
 */
#pragma once

#include <gio/gio.h>
#include <httplib/httplib.h>
#include <stdio.h>
#include <stdlib.h>

G_BEGIN_DECLS

#define FUZZ_FLAG_EXPAND  0x01
#define FUZZ_N_PIECES     3
#define FUZZ_HEADER_SIZE  (1 + FUZZ_N_PIECES)
#define FUZZ_MAX_EXTRA    8
/* The largest payload an expansion makes. */
#define FUZZ_MAX_EXPANDED (512 * 1024)

typedef struct {
  guint8  flags;
  guint8  pieces[FUZZ_N_PIECES];
  guint8  extra[FUZZ_MAX_EXTRA];
  guint8 *payload;   /* owned; exactly `len` bytes allocated */
  gsize   len;
} FuzzInput;

/* FALSE when the input is too short to hold the control bytes. */
gboolean fuzz_input_init  (FuzzInput    *input,
                           const guint8 *data,
                           gsize         size,
                           gsize         n_extra);
void     fuzz_input_clear (FuzzInput    *input);

/* The size of read number `index` (0, 1, ...) of a split run; G_MAXSIZE for
 * "the rest". Large (expanded) payloads get larger pieces. */
gsize    fuzz_piece_size  (const FuzzInput *input,
                           guint            index);

/* --- The bytes of a server, read in pieces --- */

typedef struct {
  const FuzzInput *input;
  gboolean         split;      /* FALSE: the whole payload in the first read */
  gsize            delivered;  /* payload bytes read so far */
  guint            n_reads;
  /* Bytes read and not yet consumed are buf[start..end); buf holds exactly
   * `end` bytes (at least 1), so a read past them is caught by ASan. */
  guint8          *buf;
  gsize            start;
  gsize            end;
} FuzzStream;

static inline const char *
fuzz_stream_peek (const FuzzStream *stream)
{
  return (const char *) stream->buf + stream->start;
}

static inline gsize
fuzz_stream_available (const FuzzStream *stream)
{
  return stream->end - stream->start;
}

void     fuzz_stream_init    (FuzzStream      *stream,
                              const FuzzInput *input,
                              gboolean         split);
void     fuzz_stream_clear   (FuzzStream      *stream);
/* One read into the window: the number of bytes added, 0 at the end. */
gsize    fuzz_stream_fill    (FuzzStream      *stream);
void     fuzz_stream_consume (FuzzStream      *stream,
                              gsize            n);

typedef enum {
  FUZZ_BODY_DONE,        /* the whole body (and trailers) was read */
  FUZZ_BODY_INCOMPLETE,  /* the stream ended before the body did */
  FUZZ_BODY_FAILED,      /* *error is set */
} FuzzBodyOutcome;

/* Reads a chunked body the way HttplibResponse does, with the chunk
 * decoder over the stream's window, and appends to `out` what a reader
 * sees: the data, then "trailer" lines, "done", an error or "incomplete".
 * Data is taken in reads of at most take_sizes[i % n_take] bytes (0: all
 * there is); it checks the decoder's invariants on the way. `body`, when
 * not NULL, gets the data alone, and `trailers` (not NULL) the trailers
 * once done; `error` (not NULL) the error. */
FuzzBodyOutcome fuzz_read_chunked (FuzzStream      *stream,
                                   const guint8    *take_sizes,
                                   gsize            n_take,
                                   GString         *out,
                                   GString         *body,
                                   HttplibHeaders **trailers,
                                   GError         **error);

/* A pollable stream (a GMemoryInputStream) over the payload, that reads
 * out at most the next piece size each time when split. */
GInputStream *fuzz_piece_stream_new (const FuzzInput *input,
                                     gboolean         split);

/* A copy of data[0..len) in an allocation of exactly len bytes (at least
 * 1), so AddressSanitizer reports a read past the end. Free with g_free(). */
char    *fuzz_exact_copy  (const void *data,
                           gsize       len);

/* The RFC 9110 token check, written again independently of the library's. */
gboolean fuzz_is_token    (const char *s,
                           gsize       len);

/* Appends "tag name: value\n" for each field, escaped. */
void     fuzz_append_headers (GString        *out,
                              const char     *tag,
                              HttplibHeaders *headers);
/* Appends "error <domain> <code> <message>\n". */
void     fuzz_append_error   (GString        *out,
                              const GError   *error);
/* Checks what any parsed head or trailer section must satisfy: at most
 * 100 fields, token names, values without CR, LF or surrounding SP/HTAB. */
void     fuzz_check_headers  (HttplibHeaders *headers,
                              const char     *what);

/* Aborts when two transcripts differ, printing both around the first
 * difference. */
void     fuzz_assert_same    (const GString  *a,
                              const GString  *b,
                              const char     *what);

/* Makes criticals and warnings fatal, as G_DEBUG=fatal-criticals does in
 * the test suites, so a g_return_if_fail() hit is a finding too. */
void     fuzz_init_glib      (void);

#define fuzz_fail(...)                                         \
  G_STMT_START {                                               \
    fprintf (stderr, "fuzz invariant violated at %s:%d: ", __FILE__, __LINE__); \
    fprintf (stderr, __VA_ARGS__);                             \
    fputc ('\n', stderr);                                      \
    abort ();                                                  \
  } G_STMT_END

#define fuzz_check(cond, ...)                                  \
  G_STMT_START {                                               \
    if (G_UNLIKELY (!(cond)))                                  \
      fuzz_fail ("(" #cond ") " __VA_ARGS__);                  \
  } G_STMT_END

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

G_END_DECLS
