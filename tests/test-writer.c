/* test-writer.c: the request writer, its validation and its Host rules
 *
 * Unit tests of core/httplib-request-writer-private.h: pure functions over
 * strings, so every case is a table row.
 */
#include "httplib-request-writer-private.h"
#include "httplib-error.h"

#include "test-utils.h"

#include <string.h>

/* Compares two strings, printing both escaped so CR, LF and TAB show. */
#define assert_str_row(desc, expected, actual)                                  \
  do {                                                                          \
    const char *x__ = (expected), *a__ = (actual);                              \
    g_autofree char *xe__ = x__ ? g_strescape (x__, NULL) : g_strdup ("(null)"); \
    g_autofree char *ae__ = a__ ? g_strescape (a__, NULL) : g_strdup ("(null)"); \
    ck_assert_msg (g_strcmp0 (x__, a__) == 0, "%s: expected \"%s\", got \"%s\"", \
                   (desc), xe__, ae__);                                         \
  } while (0)

/* Asserts that a message holds a fragment, printing both. */
#define assert_contains(desc, haystack, needle)                                 \
  ck_assert_msg (strstr ((haystack), (needle)) != NULL,                         \
                 "%s: expected a message containing \"%s\", got \"%s\"",        \
                 (desc), (needle), (haystack))

/* --- methods --- */

typedef struct {
  const char *desc;
  const char *method;
  gboolean    valid;
} MethodRow;

static const MethodRow method_rows[] = {
  { "GET", "GET", TRUE },
  { "PATCH", "PATCH", TRUE },
  { "M-SEARCH (a hyphen)", "M-SEARCH", TRUE },
  { "lower case", "get", TRUE },
  { "one character", "X", TRUE },
  { "every tchar symbol", "FOO!#$%&'*+-.^_`|~", TRUE },
  { "digits", "M2", TRUE },
  { "empty", "", FALSE },
  { "trailing space", "GET ", FALSE },
  { "leading space", " GET", FALSE },
  { "inner space", "G ET", FALSE },
  { "CR inside", "GE\rT", FALSE },
  { "LF inside", "G\nET", FALSE },
  { "TAB inside", "GE\tT", FALSE },
  { "non-ASCII (UTF-8 É)", "G\xc3\x89T", FALSE },
  { "DEL", "GET\x7f", FALSE },
  { "parentheses", "(GET)", FALSE },
  { "a request smuggled in", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", FALSE },
  { "slash", "GET/", FALSE },
  { "colon", "GET:", FALSE },
  { "double quote", "\"GET\"", FALSE },
};

START_TEST (test_validate_method)
{
  const MethodRow *row = &method_rows[_i];
  g_autoptr(GError) error = NULL;
  gboolean ok = httplib_validate_method (row->method, &error);

  if (row->valid)
    {
      ck_assert_msg (ok, "%s: expected the method to be accepted, got %s",
                     row->desc, error ? error->message : "FALSE without an error");
      httplib_assert_no_error (error);
      return;
    }
  ck_assert_msg (!ok, "%s: expected the method to be refused, got TRUE", row->desc);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  assert_contains (row->desc, error->message, "invalid method");
}
END_TEST

/* --- URLs and hosts --- */

/* Every byte a request line may not carry. 0x00 is left out: in a C string
 * it ends the text, so it cannot reach these functions. */
static guchar
forbidden_byte (int i)
{
  return i < 0x20 ? (guchar) (i + 1) : 0x7f;
}
#define N_FORBIDDEN_BYTES 0x21  /* 0x01..0x20 and 0x7f */

START_TEST (test_validate_url_control)
{
  guchar c = forbidden_byte (_i);
  g_autofree char *found = g_strdup_printf ("'\\x%02x'", c);
  /* The byte at the start, in the path and at the end of the query. */
  const char *around[][2] = { { "", "/a" }, { "/a", "b" }, { "/a?b=c", "" } };

  for (guint t = 0; t < G_N_ELEMENTS (around); t++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = g_strdup_printf ("%s%c%s", around[t][0], c, around[t][1]);
      g_autofree char *desc = g_strdup_printf ("URL with byte 0x%02x at position %u",
                                               c, (guint) strlen (around[t][0]));

      ck_assert_msg (!httplib_validate_url (url, &error),
                     "%s: expected the URL to be refused, got TRUE", desc);
      httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
      assert_contains (desc, error->message, "can't contain control characters");
      assert_contains (desc, error->message, found);
    }
}
END_TEST

typedef struct {
  const char *desc;
  const char *url;
} UrlRow;

static const UrlRow valid_url_rows[] = {
  { "root", "/" },
  { "empty (sent as /)", "" },
  { "query with an escaped space", "/a?b=c%20d" },
  { "asterisk form", "*" },
  { "absolute form", "http://example.org/path?q=1#frag" },
  { "every visible ASCII byte", "/!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~" },
  { "UTF-8 bytes (0x80 and up are not control characters)", "/caf\xc3\xa9" },
};

START_TEST (test_validate_url_valid)
{
  const UrlRow *row = &valid_url_rows[_i];
  g_autoptr(GError) error = NULL;

  ck_assert_msg (httplib_validate_url (row->url, &error),
                 "%s: expected \"%s\" to be accepted, got %s", row->desc, row->url,
                 error ? error->message : "FALSE without an error");
  httplib_assert_no_error (error);
}
END_TEST

START_TEST (test_validate_host_control)
{
  guchar c = forbidden_byte (_i);
  g_autofree char *host = g_strdup_printf ("exa%cmple.org", c);
  g_autofree char *desc = g_strdup_printf ("host with byte 0x%02x", c);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (!httplib_validate_host (host, &error),
                 "%s: expected the host to be refused, got TRUE", desc);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  assert_contains (desc, error->message, "can't contain control characters");
}
END_TEST

static const UrlRow valid_host_rows[] = {
  { "name", "example.org" },
  { "IPv4", "127.0.0.1" },
  { "IPv6", "::1" },
  { "IPv6 with a zone id", "fe80::1%eth0" },
  { "non-ASCII name", "b\xc3\xbc" "cher.example" },
  { "single label", "localhost" },
};

START_TEST (test_validate_host_valid)
{
  const UrlRow *row = &valid_host_rows[_i];
  g_autoptr(GError) error = NULL;

  ck_assert_msg (httplib_validate_host (row->url, &error),
                 "%s: expected \"%s\" to be accepted, got %s", row->desc, row->url,
                 error ? error->message : "FALSE without an error");
  httplib_assert_no_error (error);
}
END_TEST

START_TEST (test_validate_host_empty)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (!httplib_validate_host ("", &error),
                 "empty host: expected it to be refused, got TRUE");
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
}
END_TEST

/* --- headers --- */

typedef struct {
  const char *desc;
  const char *name;
  const char *value;
  const char *error_prefix;  /* NULL when the header is valid */
} HeaderRow;

static const HeaderRow header_rows[] = {
  { "plain", "Content-Type", "text/html; charset=utf-8", NULL },
  { "empty value", "X-Empty", "", NULL },
  { "every tchar symbol in the name", "X!#$%&'*+-.^_`|~9", "v", NULL },
  { "TAB inside the value", "X-Tab", "a\tb", NULL },
  { "spaces around the value", "X-Space", "  a  ", NULL },
  { "non-ASCII value (obs-text)", "X-Text", "caf\xc3\xa9", NULL },
  { "space in the name", "Bad Name", "v", "Invalid header name" },
  { "colon in the name", "X:Y", "v", "Invalid header name" },
  { "empty name", "", "v", "Invalid header name" },
  { "CRLF after the name", "X\r\n", "v", "Invalid header name" },
  { "non-ASCII name (UTF-8 Ä)", "\xc3\x84", "v", "Invalid header name" },
  { "TAB in the name", "X\tY", "v", "Invalid header name" },
  { "bad name and bad value: the name is reported", "X Y", "a\r\nb", "Invalid header name" },
  { "CR in the value", "X-Value", "a\rb", "Invalid header value" },
  { "LF in the value", "X-Value", "a\nb", "Invalid header value" },
  { "CRLF that would inject a header", "X-Value", "a\r\nInjected: 1", "Invalid header value" },
  { "obs-fold continuation", "X-Value", "a\r\n\tb", "Invalid header value" },
  { "trailing CRLF", "X-Value", "a\r\n", "Invalid header value" },
  { "value that is only LF", "X-Value", "\n", "Invalid header value" },
};

START_TEST (test_validate_header)
{
  const HeaderRow *row = &header_rows[_i];
  g_autoptr(GError) error = NULL;
  gboolean ok = httplib_validate_header (row->name, row->value, &error);

  if (row->error_prefix == NULL)
    {
      ck_assert_msg (ok, "%s: expected the header to be accepted, got %s", row->desc,
                     error ? error->message : "FALSE without an error");
      httplib_assert_no_error (error);
      return;
    }
  ck_assert_msg (!ok, "%s: expected the header to be refused, got TRUE", row->desc);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_HEADER);
  ck_assert_msg (g_str_has_prefix (error->message, row->error_prefix),
                 "%s: expected a message starting \"%s\", got \"%s\"",
                 row->desc, row->error_prefix, error->message);
}
END_TEST

/* --- serialising --- */

typedef struct {
  const char *desc;
  const char *method;
  const char *url;
  const char *expected;
} RequestLineRow;

static const RequestLineRow request_line_rows[] = {
  { "GET of a path", "GET", "/index.html", "GET /index.html HTTP/1.1\r\n" },
  { "empty URL is sent as /", "GET", "", "GET / HTTP/1.1\r\n" },
  { "query kept as given", "POST", "/a?b=c%20d", "POST /a?b=c%20d HTTP/1.1\r\n" },
  { "asterisk form", "OPTIONS", "*", "OPTIONS * HTTP/1.1\r\n" },
  { "absolute form", "GET", "http://example.org/", "GET http://example.org/ HTTP/1.1\r\n" },
};

START_TEST (test_write_request_line)
{
  const RequestLineRow *row = &request_line_rows[_i];
  g_autoptr(GString) out = g_string_new (NULL);

  httplib_write_request_line (out, row->method, row->url);
  assert_str_row (row->desc, row->expected, out->str);
}
END_TEST

typedef struct {
  const char *desc;
  const char *name;
  const char *value;
  const char *expected;
} HeaderLineRow;

static const HeaderLineRow header_line_rows[] = {
  { "plain", "Host", "example.org", "Host: example.org\r\n" },
  { "empty value keeps the space", "X-Empty", "", "X-Empty: \r\n" },
  { "name case kept", "x-lower", "v", "x-lower: v\r\n" },
  { "value kept as given", "X-Space", " a b ", "X-Space:  a b \r\n" },
};

START_TEST (test_write_header)
{
  const HeaderLineRow *row = &header_line_rows[_i];
  g_autoptr(GString) out = g_string_new (NULL);

  httplib_write_header (out, row->name, row->value);
  assert_str_row (row->desc, row->expected, out->str);
}
END_TEST

typedef struct {
  const char *desc;
  const char *values[4];
  const char *expected;
} HeaderValuesRow;

static const HeaderValuesRow header_values_rows[] = {
  { "one value", { "a", NULL }, "Name: a\r\n" },
  { "two values: a continuation line", { "a", "b", NULL }, "Name: a\r\n\tb\r\n" },
  { "three values", { "a", "b", "c", NULL }, "Name: a\r\n\tb\r\n\tc\r\n" },
  { "an empty value among others", { "a", "", "c", NULL }, "Name: a\r\n\t\r\n\tc\r\n" },
};

START_TEST (test_write_header_values)
{
  const HeaderValuesRow *row = &header_values_rows[_i];
  g_autoptr(GString) out = g_string_new (NULL);

  httplib_write_header_values (out, "Name", row->values);
  assert_str_row (row->desc, row->expected, out->str);
}
END_TEST

/* The writer appends to what the buffer holds, so a head is built in order. */
START_TEST (test_write_appends)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *values[] = { "1", "2", NULL };

  httplib_write_request_line (out, "PUT", "/x");
  httplib_write_header (out, "Host", "example.org");
  httplib_write_header_values (out, "X-Multi", values);
  assert_str_row ("request line, header, several values",
                  "PUT /x HTTP/1.1\r\nHost: example.org\r\nX-Multi: 1\r\n\t2\r\n",
                  out->str);
}
END_TEST

/* --- the automatic Host header --- */

typedef struct {
  const char *desc;
  const char *host;
  guint       port;
  guint       default_port;
  const char *expected;
} HostHeaderRow;

static const HostHeaderRow host_header_rows[] = {
  { "name on the default port", "example.org", 80, 80, "example.org" },
  { "name on another port", "example.org", 8080, 80, "example.org:8080" },
  { "HTTPS default port", "example.org", 443, 443, "example.org" },
  { "port 80 when 443 is the default", "example.org", 80, 443, "example.org:80" },
  { "case kept", "Example.ORG", 80, 80, "Example.ORG" },
  { "IPv4 literal", "127.0.0.1", 8080, 80, "127.0.0.1:8080" },
  { "IPv6 loopback in brackets", "::1", 80, 80, "[::1]" },
  { "IPv6 loopback with a port", "::1", 8080, 80, "[::1]:8080" },
  { "IPv6 full form", "2001:db8::1", 80, 80, "[2001:db8::1]" },
  { "IPv6 zone id stripped", "fe80::1%eth0", 80, 80, "[fe80::1]" },
  { "IPv6 zone id stripped, with a port", "fe80::1%eth0", 8080, 80, "[fe80::1]:8080" },
  { "non-ASCII name in IDNA form", "b\xc3\xbc" "cher.example", 80, 80, "xn--bcher-kva.example" },
  { "non-ASCII name with a port", "b\xc3\xbc" "cher.example", 8080, 80,
    "xn--bcher-kva.example:8080" },
};

START_TEST (test_format_host_header)
{
  const HostHeaderRow *row = &host_header_rows[_i];
  g_autofree char *host = httplib_format_host_header (row->host, row->port, row->default_port);

  assert_str_row (row->desc, row->expected, host);
}
END_TEST

/* --- host:port --- */

typedef struct {
  const char *desc;
  const char *input;
  guint       port;
  guint       default_port;
  const char *host;           /* NULL: expect HTTPLIB_ERROR_INVALID_URL */
  guint       expected_port;
  const char *message;        /* a fragment of the error message, or NULL */
} SplitRow;

static const SplitRow split_rows[] = {
  { "bare host takes the default port", "h", 0, 80, "h", 80, NULL },
  { "bare host with another default", "h", 0, 443, "h", 443, NULL },
  { "port in the host", "h:8080", 0, 80, "h", 8080, NULL },
  { "port as argument", "h", 8080, 80, "h", 8080, NULL },
  { "lowest port", "h:1", 0, 80, "h", 1, NULL },
  { "highest port", "h:65535", 0, 80, "h", 65535, NULL },
  { "bracketed IPv6 with a port", "[::1]:8080", 0, 80, "::1", 8080, NULL },
  { "bracketed IPv6 without a port", "[::1]", 0, 80, "::1", 80, NULL },
  { "bracketed IPv6, port as argument", "[::1]", 8080, 80, "::1", 8080, NULL },
  { "bare IPv6 is a host, not host:port", "::1", 0, 80, "::1", 80, NULL },
  { "bare IPv6, port as argument", "::1", 8080, 80, "::1", 8080, NULL },
  { "bare full IPv6", "2001:db8::1", 0, 80, "2001:db8::1", 80, NULL },
  { "non-numeric port", "h:abc", 0, 80, NULL, 0, "nonnumeric port" },
  { "empty port", "h:", 0, 80, NULL, 0, NULL },
  { "empty port after brackets", "[::1]:", 0, 80, NULL, 0, NULL },
  { "port 0", "h:0", 0, 80, NULL, 0, "out of range" },
  { "port 65536", "h:65536", 0, 80, NULL, 0, "out of range" },
  { "port that overflows 64 bits", "h:99999999999999999999", 0, 80, NULL, 0, NULL },
  { "negative port", "h:-1", 0, 80, NULL, 0, NULL },
  { "port with a plus sign", "h:+80", 0, 80, NULL, 0, NULL },
  { "port with a space", "h: 80", 0, 80, NULL, 0, NULL },
  { "port with an underscore", "h:8_0", 0, 80, NULL, 0, NULL },
  { "empty host", "", 0, 80, NULL, 0, NULL },
  { "empty host with a port", ":80", 0, 80, NULL, 0, NULL },
  { "space in the host", "a b", 0, 80, NULL, 0, "can't contain control characters" },
  { "control byte in the host", "h\x01", 0, 80, NULL, 0, "can't contain control characters" },
  { "port argument out of range", "h", 70000, 80, NULL, 0, "70000" },
};

START_TEST (test_split_host_port)
{
  const SplitRow *row = &split_rows[_i];
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  guint port = 0;
  gboolean ok;

  ok = httplib_split_host_port (row->input, row->port, row->default_port, &host, &port, &error);

  if (row->host != NULL)
    {
      ck_assert_msg (ok, "%s: expected \"%s\" to split, got %s", row->desc, row->input,
                     error ? error->message : "FALSE without an error");
      httplib_assert_no_error (error);
      assert_str_row (row->desc, row->host, host);
      ck_assert_msg (port == row->expected_port, "%s: expected port %u, got %u",
                     row->desc, row->expected_port, port);
      return;
    }

  ck_assert_msg (!ok, "%s: expected \"%s\" to be refused, got host \"%s\" port %u",
                 row->desc, row->input, host ? host : "(null)", port);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  ck_assert_msg (host == NULL, "%s: expected no host on failure, got \"%s\"", row->desc, host);
  if (row->message != NULL)
    assert_contains (row->desc, error->message, row->message);
}
END_TEST

/* --- the suite --- */

static Suite *
writer_suite (void)
{
  Suite *suite = suite_create ("writer");
  TCase *tc;

  tc = tcase_create ("validate");
  tcase_add_loop_test (tc, test_validate_method, 0, G_N_ELEMENTS (method_rows));
  tcase_add_loop_test (tc, test_validate_url_control, 0, N_FORBIDDEN_BYTES);
  tcase_add_loop_test (tc, test_validate_url_valid, 0, G_N_ELEMENTS (valid_url_rows));
  tcase_add_loop_test (tc, test_validate_host_control, 0, N_FORBIDDEN_BYTES);
  tcase_add_loop_test (tc, test_validate_host_valid, 0, G_N_ELEMENTS (valid_host_rows));
  tcase_add_test (tc, test_validate_host_empty);
  tcase_add_loop_test (tc, test_validate_header, 0, G_N_ELEMENTS (header_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("write");
  tcase_add_loop_test (tc, test_write_request_line, 0, G_N_ELEMENTS (request_line_rows));
  tcase_add_loop_test (tc, test_write_header, 0, G_N_ELEMENTS (header_line_rows));
  tcase_add_loop_test (tc, test_write_header_values, 0, G_N_ELEMENTS (header_values_rows));
  tcase_add_test (tc, test_write_appends);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("host");
  tcase_add_loop_test (tc, test_format_host_header, 0, G_N_ELEMENTS (host_header_rows));
  tcase_add_loop_test (tc, test_split_host_port, 0, G_N_ELEMENTS (split_rows));
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (writer_suite)
