/* test-nginx.c: a real server, Debian's nginx, over plain HTTP and TLS:
 * every body framing nginx produces, HEAD, 304 with If-Modified-Since,
 * range requests and a 1 GiB download whose SHA-256 matches
 *
 * nginx is started for each test on free loopback ports (support/test-nginx.c
 * says what it serves) and stopped by pid. Each test checks the headers that
 * prove which framing nginx chose, what the library made of them, the exact
 * bytes, and whether the connection was kept (counted by its transitions to
 * CONNECTING) or closed, with a second request after it. */
#include <httplib/httplib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-nginx.h"
#include "test-utils.h"

#define IO_TIMEOUT_S   30
#define HUGE_SIZE      (G_GUINT64_CONSTANT (1) << 30)
/* Under valgrind (HTTPLIB_TEST_SMALL), where a gigabyte takes minutes. */
#define SMALL_SIZE     (G_GUINT64_CONSTANT (32) << 20)
#define HUGE_BLOCK     (1024 * 1024)
#define READ_SIZE      (256 * 1024)
#define BIG_TEXT       "1048576"
G_STATIC_ASSERT (TEST_NGINX_BIG_SIZE == 1048576);

/* --- nginx and the client --- */

static TestNginx *
start_or_skip (const char *huge_file)
{
  const TestCerts *certs = test_certs_get ();
  TestNginxOptions options = {
    .cert_file = certs->server_cert_file,
    .key_file = certs->server_key_file,
    .huge_file = huge_file,
  };
  GError *error = NULL;
  TestNginx *nginx = test_nginx_start_full (&options, &error);

  /* scripts/install-deps.sh installs nginx: missing means a bare machine. */
  if (nginx == NULL)
    {
      ck_assert_msg (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND),
                     "nginx did not start: %s", error->message);
      g_printerr ("skipped: %s\n", error->message);
      g_error_free (error);
    }
  return nginx;
}

static void
count_connects (const GValue *params, guint n_params, gpointer user_data)
{
  if (n_params > 1 && test_value_get_int (&params[1]) == HTTPLIB_CONNECTION_STATE_CONNECTING)
    (*(guint *) user_data)++;
}

/* Plain HTTP to 127.0.0.1, or HTTPS to localhost checked against the test
 * CA; *connects counts the connections it opens. */
static HttplibConnection *
connect_to (TestNginx *nginx, gboolean tls, guint *connects)
{
  GError *error = NULL;
  HttplibConnection *conn;

  if (tls)
    {
      g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
      g_autofree char *host_port = g_strdup_printf ("localhost:%u", test_nginx_get_port (nginx));

      httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
      conn = httplib_connection_new_https (host_port, 0, settings, &error);
    }
  else
    conn = httplib_connection_new ("127.0.0.1", test_nginx_get_plain_port (nginx), &error);
  httplib_assert_no_error (error);
  httplib_connection_set_timeout (conn, IO_TIMEOUT_S, &error);
  httplib_assert_no_error (error);
  test_signal_connect (conn, "state-changed", count_connects, connects);
  return conn;
}

static const char *
scheme (gboolean tls)
{
  return tls ? "https" : "http";
}

/* expected NULL: the field must be absent. */
static void
assert_header (HttplibResponse *response, const char *name, const char *expected,
               const char *what)
{
  const char *actual = httplib_response_get_header (response, name, NULL);

  ck_assert_msg (g_strcmp0 (actual, expected) == 0, "%s: expected %s: %s, got %s",
                 what, name, expected ? expected : "(none)", actual ? actual : "(none)");
}

/* body is expected, or big.bin's bytes from offset when expected is NULL. */
static void
assert_body (GBytes *body, const char *expected, gsize offset, gsize length, const char *what)
{
  gsize bad = 0;

  if (expected != NULL)
    {
      test_assert_bytes_equal (body, expected, -1, what);
      return;
    }
  ck_assert_msg (g_bytes_get_size (body) == length, "%s: expected %" G_GSIZE_FORMAT
                 " bytes, got %" G_GSIZE_FORMAT, what, length, g_bytes_get_size (body));
  /* One assertion, not one per byte: Check records each (slow under valgrind). */
  ck_assert_msg (test_nginx_big_matches (g_bytes_get_data (body, NULL), length, offset, &bad),
                 "%s: byte %" G_GSIZE_FORMAT " of big.bin is wrong", what, bad);
}

/* A request after the one under test, on the same connection object:
 * kept alive, or reconnected after a close. */
static void
assert_next_request (HttplibConnection *conn, guint *connects, guint expected_connects,
                     const char *what)
{
  g_autoptr(HttplibResponse) next = test_do_request (conn, "GET", "/index.html", NULL, NULL);

  ck_assert_uint_eq (httplib_response_get_status (next), 200);
  test_assert_body (next, TEST_NGINX_INDEX);
  ck_assert_msg (*connects == expected_connects, "%s: expected %u connections, got %u", what,
                 expected_connects, *connects);
}

/* --- every framing --- */

typedef enum {
  FRAMING_LENGTH,        /* Content-Length, kept alive */
  FRAMING_CHUNKED,       /* Transfer-Encoding: chunked, kept alive */
  FRAMING_UNTIL_CLOSE,   /* neither: nginx closes to end the body */
  FRAMING_LENGTH_CLOSE,  /* Content-Length and Connection: close */
} Framing;

typedef struct {
  const char *description;
  const char *path;
  Framing     framing;
  const char *body;      /* NULL: big.bin's bytes */
} FramingCase;

static const FramingCase framing_cases[] = {
  { "static file", "/index.html", FRAMING_LENGTH, TEST_NGINX_INDEX },
  { "static 1 MiB file", "/big.bin", FRAMING_LENGTH, NULL },
  { "SSI output", "/ssi/page.html", FRAMING_CHUNKED, TEST_NGINX_SSI_PAGE },
  { "SSI output of 1 MiB", "/ssi/big.html", FRAMING_CHUNKED, NULL },
  { "proxied, unbuffered, gzip off", "/proxy/page.html", FRAMING_CHUNKED, TEST_NGINX_SSI_PAGE },
  { "proxied 1 MiB", "/proxy/big.html", FRAMING_CHUNKED, NULL },
  { "chunked_transfer_encoding off", "/until-close/page.html", FRAMING_UNTIL_CLOSE,
    TEST_NGINX_SSI_PAGE },
  { "chunked_transfer_encoding off, 1 MiB", "/until-close/big.html", FRAMING_UNTIL_CLOSE, NULL },
  { "keepalive_timeout 0", "/close/index.html", FRAMING_LENGTH_CLOSE, TEST_NGINX_INDEX },
};

/* Each case over plain HTTP (even _i) and TLS (odd _i). */
START_TEST (test_framing)
{
  const FramingCase *c = &framing_cases[_i / 2];
  gboolean tls = _i % 2;
  g_autoptr(TestNginx) nginx = start_or_skip (NULL);
  guint connects = 0;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *what = g_strdup_printf ("%s (%s %s)", c->description, scheme (tls), c->path);
  gboolean closes = c->framing == FRAMING_UNTIL_CLOSE || c->framing == FRAMING_LENGTH_CLOSE;
  gboolean has_length = c->framing == FRAMING_LENGTH || c->framing == FRAMING_LENGTH_CLOSE;
  gsize length = c->body != NULL ? strlen (c->body) : TEST_NGINX_BIG_SIZE;
  g_autofree char *length_text = g_strdup_printf ("%" G_GSIZE_FORMAT, length);

  if (nginx == NULL)
    return;
  conn = connect_to (nginx, tls, &connects);
  response = test_do_request (conn, "GET", c->path, NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 200);

  /* What nginx sent proves the framing... */
  assert_header (response, "Content-Length", has_length ? length_text : NULL, what);
  assert_header (response, "Transfer-Encoding",
                 c->framing == FRAMING_CHUNKED ? "chunked" : NULL, what);
  assert_header (response, "Connection", closes ? "close" : "keep-alive", what);
  /* ...and the library read it so. */
  ck_assert_msg (httplib_response_get_chunked (response) == (c->framing == FRAMING_CHUNKED),
                 "%s: chunked is %d", what, httplib_response_get_chunked (response));
  ck_assert_msg (httplib_response_get_will_close (response) == closes,
                 "%s: will-close is %d", what, httplib_response_get_will_close (response));
  ck_assert_msg (httplib_response_get_length (response) == (has_length ? (gint64) length : -1),
                 "%s: length is %" G_GINT64_FORMAT, what, httplib_response_get_length (response));

  body = test_read_all (response);
  assert_body (body, c->body, 0, length, what);
  ck_assert_int_eq (httplib_response_get_state (response), HTTPLIB_RESPONSE_STATE_COMPLETE);
  ck_assert_int_eq (httplib_connection_get_state (conn),
                    closes ? HTTPLIB_CONNECTION_STATE_CLOSED : HTTPLIB_CONNECTION_STATE_IDLE);
  assert_next_request (conn, &connects, closes ? 2 : 1, what);
}
END_TEST

/* --- HEAD --- */

typedef struct {
  const char *path;
  const char *content_length;  /* NULL: nginx sends none */
  gboolean    closes;
} HeadCase;

static const HeadCase head_cases[] = {
  { "/index.html", "17", FALSE },
  /* A length the client must not wait for. */
  { "/big.bin", BIG_TEXT, FALSE },
  /* Neither a length nor chunked, yet kept alive: HEAD has no body. */
  { "/ssi/page.html", NULL, FALSE },
  { "/close/index.html", "17", TRUE },
};

START_TEST (test_head)
{
  const HeadCase *c = &head_cases[_i / 2];
  gboolean tls = _i % 2;
  g_autoptr(TestNginx) nginx = start_or_skip (NULL);
  guint connects = 0;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autofree char *what = g_strdup_printf ("HEAD %s %s", scheme (tls), c->path);

  if (nginx == NULL)
    return;
  conn = connect_to (nginx, tls, &connects);
  response = test_do_request (conn, "HEAD", c->path, NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 200);
  assert_header (response, "Content-Length", c->content_length, what);
  assert_header (response, "Connection", c->closes ? "close" : "keep-alive", what);
  /* Done at the headers: nothing to read. */
  ck_assert_int_eq (httplib_response_get_length (response), 0);
  ck_assert_int_eq (httplib_response_get_state (response), HTTPLIB_RESPONSE_STATE_COMPLETE);
  test_assert_body (response, "");
  ck_assert_int_eq (httplib_connection_get_state (conn),
                    c->closes ? HTTPLIB_CONNECTION_STATE_CLOSED : HTTPLIB_CONNECTION_STATE_IDLE);
  assert_next_request (conn, &connects, c->closes ? 2 : 1, what);
}
END_TEST

/* --- 304 --- */

START_TEST (test_not_modified)
{
  gboolean tls = _i % 2;
  g_autoptr(TestNginx) nginx = start_or_skip (NULL);
  guint connects = 0;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) first = NULL;
  g_autoptr(HttplibResponse) second = NULL;
  g_autoptr(HttplibResponse) third = NULL;
  g_autoptr(HttplibHeaders) same = httplib_headers_new ();
  g_autoptr(HttplibHeaders) older = httplib_headers_new ();
  const char *last_modified;

  if (nginx == NULL)
    return;
  conn = connect_to (nginx, tls, &connects);
  first = test_do_request (conn, "GET", "/index.html", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (first), 200);
  last_modified = httplib_response_get_header (first, "Last-Modified", NULL);
  ck_assert_ptr_nonnull (last_modified);
  test_assert_body (first, TEST_NGINX_INDEX);

  /* The date of the first response: not modified since, no body. */
  httplib_headers_append (same, "If-Modified-Since", last_modified);
  second = test_do_request (conn, "GET", "/index.html", NULL, same);
  ck_assert_uint_eq (httplib_response_get_status (second), 304);
  ck_assert_str_eq (httplib_response_get_reason (second), "Not Modified");
  assert_header (second, "Last-Modified", last_modified, "304");
  ck_assert_int_eq (httplib_response_get_length (second), 0);
  ck_assert_int_eq (httplib_response_get_state (second), HTTPLIB_RESPONSE_STATE_COMPLETE);
  test_assert_body (second, "");

  /* Any other date: nginx (if_modified_since exact) sends the file again. */
  httplib_headers_append (older, "If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT");
  third = test_do_request (conn, "GET", "/index.html", NULL, older);
  ck_assert_uint_eq (httplib_response_get_status (third), 200);
  test_assert_body (third, TEST_NGINX_INDEX);
  assert_next_request (conn, &connects, 1, "after 304");
}
END_TEST

/* --- ranges --- */

typedef struct {
  const char *range;
  guint       status;
  const char *content_range;  /* NULL: multipart */
  gsize       offset, length;
} RangeCase;

static const RangeCase range_cases[] = {
  { "bytes=100-199", 206, "bytes 100-199/" BIG_TEXT, 100, 100 },
  { "bytes=0-0", 206, "bytes 0-0/" BIG_TEXT, 0, 1 },
  { "bytes=-10", 206, "bytes 1048566-1048575/" BIG_TEXT, 1048566, 10 },
  { "bytes=1048000-", 206, "bytes 1048000-1048575/" BIG_TEXT, 1048000, 576 },
  { "bytes=1000-2000000", 206, "bytes 1000-1048575/" BIG_TEXT, 1000, 1047576 },
  { "bytes=0-1,1000-1001", 206, NULL, 0, 0 },
  { "bytes=2000000-", 416, "bytes */" BIG_TEXT, 0, 0 },
};

/* Where needle starts in body after from, or -1. */
static gssize
find (GBytes *body, gsize from, const char *needle)
{
  gsize size = g_bytes_get_size (body);
  const char *data = g_bytes_get_data (body, NULL);
  const char *found = from < size ? memmem (data + from, size - from, needle, strlen (needle)) : NULL;

  return found != NULL ? found - data : -1;
}

/* Each part: its Content-Range, a blank line, then its two bytes (binary:
 * the first is a NUL). */
static void
assert_part (GBytes *body, const char *content_range, gsize offset)
{
  g_autofree char *head = g_strdup_printf ("Content-Range: %s\r\n\r\n", content_range);
  gssize at = find (body, 0, head);
  const guint8 *data = g_bytes_get_data (body, NULL);

  ck_assert_msg (at >= 0, "no part %s", content_range);
  at += strlen (head);
  ck_assert_msg ((gsize) at + 2 <= g_bytes_get_size (body), "part %s cut short", content_range);
  ck_assert_int_eq (data[at], TEST_NGINX_BIG_BYTE (offset));
  ck_assert_int_eq (data[at + 1], TEST_NGINX_BIG_BYTE (offset + 1));
}

static void
assert_multipart (HttplibResponse *response, GBytes *body)
{
  const char *type = httplib_response_get_header (response, "Content-Type", "");
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (body));

  ck_assert_msg (g_str_has_prefix (type, "multipart/byteranges; boundary="), "Content-Type: %s",
                 type);
  assert_header (response, "Content-Length", length, "multipart");
  assert_part (body, "bytes 0-1/" BIG_TEXT, 0);
  assert_part (body, "bytes 1000-1001/" BIG_TEXT, 1000);
}

START_TEST (test_range)
{
  const RangeCase *c = &range_cases[_i / 2];
  gboolean tls = _i % 2;
  g_autoptr(TestNginx) nginx = start_or_skip (NULL);
  guint connects = 0;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(GBytes) body = NULL;
  g_autofree char *what = g_strdup_printf ("Range: %s over %s", c->range, scheme (tls));

  if (nginx == NULL)
    return;
  conn = connect_to (nginx, tls, &connects);
  httplib_headers_append (headers, "Range", c->range);
  response = test_do_request (conn, "GET", "/big.bin", NULL, headers);
  ck_assert_msg (httplib_response_get_status (response) == c->status, "%s: status %u", what,
                 httplib_response_get_status (response));
  body = test_read_all (response);
  if (c->content_range == NULL)
    assert_multipart (response, body);
  else
    {
      assert_header (response, "Content-Range", c->content_range, what);
      if (c->status == 206)
        {
          g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, c->length);

          assert_header (response, "Content-Length", length, what);
          assert_body (body, NULL, c->offset, c->length, what);
        }
    }
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
  assert_next_request (conn, &connects, 1, what);
}
END_TEST

/* --- a gigabyte --- */

static struct {
  char    *dir;
  char    *path;
  guint64  size;
  char    *sha256;
} huge;

/* Blocks of 1 MiB of the same pseudo-random bytes, each starting with its
 * number: a lost, repeated or misplaced block, or a shift by any amount,
 * changes the checksum. */
static void
huge_setup (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261122);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint32 *block = g_new (guint32, HUGE_BLOCK / 4);
  GError *error = NULL;
  FILE *file;

  huge.size = g_getenv ("HTTPLIB_TEST_SMALL") != NULL ? SMALL_SIZE : HUGE_SIZE;
  huge.dir = g_dir_make_tmp ("httplib-huge-XXXXXX", &error);
  httplib_assert_no_error (error);
  huge.path = g_build_filename (huge.dir, "huge.bin", NULL);
  file = fopen (huge.path, "wb");
  ck_assert_msg (file != NULL, "cannot write %s", huge.path);
  for (guint i = 0; i < HUGE_BLOCK / 4; i++)
    block[i] = g_rand_int (rand);
  for (guint64 k = 0; k < huge.size / HUGE_BLOCK; k++)
    {
      guint64 number = GUINT64_TO_LE (k);

      memcpy (block, &number, sizeof number);
      ck_assert_msg (fwrite (block, 1, HUGE_BLOCK, file) == HUGE_BLOCK, "cannot write %s",
                     huge.path);
      g_checksum_update (checksum, (const guchar *) block, HUGE_BLOCK);
    }
  ck_assert_msg (fclose (file) == 0, "cannot write %s", huge.path);
  huge.sha256 = g_strdup (g_checksum_get_string (checksum));
}

static void
huge_teardown (void)
{
  g_remove (huge.path);
  g_rmdir (huge.dir);
  g_clear_pointer (&huge.path, g_free);
  g_clear_pointer (&huge.dir, g_free);
  g_clear_pointer (&huge.sha256, g_free);
}

START_TEST (test_huge_download)
{
  gboolean tls = _i % 2;
  g_autoptr(TestNginx) nginx = start_or_skip (huge.path);
  guint connects = 0;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (READ_SIZE);
  g_autofree char *length = g_strdup_printf ("%" G_GUINT64_FORMAT, huge.size);
  guint64 total = 0;

  if (nginx == NULL)
    return;
  conn = connect_to (nginx, tls, &connects);
  response = test_do_request (conn, "GET", "/huge.bin", NULL, NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 200);
  assert_header (response, "Content-Length", length, "huge.bin");
  ck_assert_int_eq (httplib_response_get_length (response), (gint64) huge.size);

  /* Streamed through one buffer: every read returns at least a byte. */
  for (guint64 reads = 0; reads <= huge.size; reads++)
    {
      GError *error = NULL;
      gssize n = httplib_response_read_into (response, buffer, READ_SIZE, NULL, &error);

      httplib_assert_no_error (error);
      if (n == 0)
        break;
      g_checksum_update (checksum, buffer, n);
      total += n;
    }
  ck_assert_msg (total == huge.size, "read %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
                 total, huge.size);
  ck_assert_str_eq (g_checksum_get_string (checksum), huge.sha256);
  ck_assert_int_eq (httplib_response_get_state (response), HTTPLIB_RESPONSE_STATE_COMPLETE);
  assert_next_request (conn, &connects, 1, "after huge.bin");
}
END_TEST

static Suite *
nginx_suite (void)
{
  Suite *suite = suite_create ("nginx");
  TCase *tc;

  tc = tcase_create ("framing");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_loop_test (tc, test_framing, 0, 2 * G_N_ELEMENTS (framing_cases));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("HEAD, 304, ranges");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_loop_test (tc, test_head, 0, 2 * G_N_ELEMENTS (head_cases));
  tcase_add_loop_test (tc, test_not_modified, 0, 2);
  tcase_add_loop_test (tc, test_range, 0, 2 * G_N_ELEMENTS (range_cases));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("a gigabyte");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_unchecked_fixture (tc, huge_setup, huge_teardown);
  /* Two gigabytes through SHA-256 and TLS; the bound only stops a hang. */
  tcase_set_timeout (tc, 250);
  tcase_add_loop_test (tc, test_huge_download, 0, 2);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (nginx_suite)
