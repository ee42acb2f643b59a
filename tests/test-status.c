/* test-status.c: the HttplibStatus table, its lookups and its GType */
#include <httplib/httplib.h>

#include "test-utils.h"

/* The expected rows are written out here rather than read from
 * data/http-status.tsv, so a wrong table fails instead of agreeing with
 * itself. "004+002" marks a code of both seed tables (Python 2's httplib and
 * http.HTTPStatus), "002" one of http.HTTPStatus only. */
typedef struct {
  const char *desc;
  int         value;  /* the enum constant */
  guint       code;
  const char *name;   /* the value_name glib-mkenums registers */
  const char *nick;   /* the value_nick it derives */
  const char *phrase; /* Python's responses[code] */
} StatusRow;

#define ROW(seeds, NAME, code, nick, phrase) \
  { #code " " #NAME " (" seeds ")", HTTPLIB_STATUS_##NAME, code, \
    "HTTPLIB_STATUS_" #NAME, nick, phrase }

static const StatusRow status_rows[] = {
  ROW ("004+002", CONTINUE, 100, "continue", "Continue"),
  ROW ("004+002", SWITCHING_PROTOCOLS, 101, "switching-protocols", "Switching Protocols"),
  ROW ("004+002", PROCESSING, 102, "processing", "Processing"),
  ROW ("004+002", OK, 200, "ok", "OK"),
  ROW ("004+002", CREATED, 201, "created", "Created"),
  ROW ("004+002", ACCEPTED, 202, "accepted", "Accepted"),
  ROW ("004+002", NON_AUTHORITATIVE_INFORMATION, 203, "non-authoritative-information",
       "Non-Authoritative Information"),
  ROW ("004+002", NO_CONTENT, 204, "no-content", "No Content"),
  ROW ("004+002", RESET_CONTENT, 205, "reset-content", "Reset Content"),
  ROW ("004+002", PARTIAL_CONTENT, 206, "partial-content", "Partial Content"),
  ROW ("004+002", MULTI_STATUS, 207, "multi-status", "Multi-Status"),
  ROW ("002", ALREADY_REPORTED, 208, "already-reported", "Already Reported"),
  ROW ("004+002", IM_USED, 226, "im-used", "IM Used"),
  ROW ("004+002", MULTIPLE_CHOICES, 300, "multiple-choices", "Multiple Choices"),
  ROW ("004+002", MOVED_PERMANENTLY, 301, "moved-permanently", "Moved Permanently"),
  ROW ("004+002", FOUND, 302, "found", "Found"),
  ROW ("004+002", SEE_OTHER, 303, "see-other", "See Other"),
  ROW ("004+002", NOT_MODIFIED, 304, "not-modified", "Not Modified"),
  ROW ("004+002", USE_PROXY, 305, "use-proxy", "Use Proxy"),
  ROW ("004+002", TEMPORARY_REDIRECT, 307, "temporary-redirect", "Temporary Redirect"),
  ROW ("002", PERMANENT_REDIRECT, 308, "permanent-redirect", "Permanent Redirect"),
  ROW ("004+002", BAD_REQUEST, 400, "bad-request", "Bad Request"),
  ROW ("004+002", UNAUTHORIZED, 401, "unauthorized", "Unauthorized"),
  ROW ("004+002", PAYMENT_REQUIRED, 402, "payment-required", "Payment Required"),
  ROW ("004+002", FORBIDDEN, 403, "forbidden", "Forbidden"),
  ROW ("004+002", NOT_FOUND, 404, "not-found", "Not Found"),
  ROW ("004+002", METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method Not Allowed"),
  ROW ("004+002", NOT_ACCEPTABLE, 406, "not-acceptable", "Not Acceptable"),
  ROW ("004+002", PROXY_AUTHENTICATION_REQUIRED, 407, "proxy-authentication-required",
       "Proxy Authentication Required"),
  ROW ("004+002", REQUEST_TIMEOUT, 408, "request-timeout", "Request Timeout"),
  ROW ("004+002", CONFLICT, 409, "conflict", "Conflict"),
  ROW ("004+002", GONE, 410, "gone", "Gone"),
  ROW ("004+002", LENGTH_REQUIRED, 411, "length-required", "Length Required"),
  ROW ("004+002", PRECONDITION_FAILED, 412, "precondition-failed", "Precondition Failed"),
  ROW ("004+002", REQUEST_ENTITY_TOO_LARGE, 413, "request-entity-too-large",
       "Request Entity Too Large"),
  ROW ("004+002", REQUEST_URI_TOO_LONG, 414, "request-uri-too-long", "Request-URI Too Long"),
  ROW ("004+002", UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type",
       "Unsupported Media Type"),
  /* 002 spells it REQUEST_RANGE_NOT_SATISFIABLE: see test_alias. */
  ROW ("004+002", REQUESTED_RANGE_NOT_SATISFIABLE, 416, "requested-range-not-satisfiable",
       "Requested Range Not Satisfiable"),
  ROW ("004+002", EXPECTATION_FAILED, 417, "expectation-failed", "Expectation Failed"),
  ROW ("004+002", UNPROCESSABLE_ENTITY, 422, "unprocessable-entity", "Unprocessable Entity"),
  ROW ("004+002", LOCKED, 423, "locked", "Locked"),
  ROW ("004+002", FAILED_DEPENDENCY, 424, "failed-dependency", "Failed Dependency"),
  ROW ("004+002", UPGRADE_REQUIRED, 426, "upgrade-required", "Upgrade Required"),
  ROW ("002", PRECONDITION_REQUIRED, 428, "precondition-required", "Precondition Required"),
  ROW ("002", TOO_MANY_REQUESTS, 429, "too-many-requests", "Too Many Requests"),
  ROW ("002", REQUEST_HEADER_FIELDS_TOO_LARGE, 431, "request-header-fields-too-large",
       "Request Header Fields Too Large"),
  ROW ("004+002", INTERNAL_SERVER_ERROR, 500, "internal-server-error", "Internal Server Error"),
  ROW ("004+002", NOT_IMPLEMENTED, 501, "not-implemented", "Not Implemented"),
  ROW ("004+002", BAD_GATEWAY, 502, "bad-gateway", "Bad Gateway"),
  ROW ("004+002", SERVICE_UNAVAILABLE, 503, "service-unavailable", "Service Unavailable"),
  ROW ("004+002", GATEWAY_TIMEOUT, 504, "gateway-timeout", "Gateway Timeout"),
  ROW ("004+002", HTTP_VERSION_NOT_SUPPORTED, 505, "http-version-not-supported",
       "HTTP Version Not Supported"),
  ROW ("002", VARIANT_ALSO_NEGOTIATES, 506, "variant-also-negotiates",
       "Variant Also Negotiates"),
  ROW ("004+002", INSUFFICIENT_STORAGE, 507, "insufficient-storage", "Insufficient Storage"),
  ROW ("002", LOOP_DETECTED, 508, "loop-detected", "Loop Detected"),
  ROW ("004+002", NOT_EXTENDED, 510, "not-extended", "Not Extended"),
  ROW ("002", NETWORK_AUTHENTICATION_REQUIRED, 511, "network-authentication-required",
       "Network Authentication Required"),
};

#undef ROW

/* Python's HTTPStatus(code).description, including some of the codes it
 * leaves without one (""). */
typedef struct {
  const char *desc;
  guint       code;
  const char *description;
} DescriptionRow;

static const DescriptionRow description_rows[] = {
  { "100 Continue", 100, "Request received, please continue" },
  { "101 Switching Protocols", 101, "Switching to new protocol; obey Upgrade header" },
  { "102 Processing has none", 102, "" },
  { "200 OK", 200, "Request fulfilled, document follows" },
  { "202 Accepted", 202, "Request accepted, processing continues off-line" },
  { "204 No Content", 204, "Request fulfilled, nothing follows" },
  { "206 Partial Content", 206, "Partial content follows" },
  { "207 Multi-Status has none", 207, "" },
  { "226 IM Used has none", 226, "" },
  { "301 Moved Permanently", 301, "Object moved permanently -- see URI list" },
  { "302 Found", 302, "Object moved temporarily -- see URI list" },
  { "303 See Other", 303, "Object moved -- see Method and URL list" },
  { "304 Not Modified", 304, "Document has not changed since given time" },
  { "305 Use Proxy", 305, "You must use proxy specified in Location to access this resource" },
  { "307 Temporary Redirect", 307, "Object moved temporarily -- see URI list" },
  { "308 Permanent Redirect", 308, "Object moved permanently -- see URI list" },
  { "400 Bad Request", 400, "Bad request syntax or unsupported method" },
  { "401 Unauthorized", 401, "No permission -- see authorization schemes" },
  { "403 Forbidden", 403, "Request forbidden -- authorization will not help" },
  { "404 Not Found", 404, "Nothing matches the given URI" },
  { "405 Method Not Allowed", 405, "Specified method is invalid for this resource" },
  { "407 Proxy Authentication Required", 407,
    "You must authenticate with this proxy before proceeding" },
  { "408 Request Timeout", 408, "Request timed out; try again later" },
  { "410 Gone", 410, "URI no longer exists and has been permanently removed" },
  { "411 Length Required", 411, "Client must specify Content-Length" },
  { "413 Request Entity Too Large", 413, "Entity is too large" },
  { "414 Request-URI Too Long", 414, "URI is too long" },
  { "416 Requested Range Not Satisfiable", 416, "Cannot satisfy request range" },
  { "417 Expectation Failed", 417, "Expect condition could not be satisfied" },
  { "422 Unprocessable Entity has none", 422, "" },
  { "426 Upgrade Required has none", 426, "" },
  { "428 Precondition Required", 428,
    "The origin server requires the request to be conditional" },
  { "429 Too Many Requests", 429,
    "The user has sent too many requests in a given amount of time (\"rate limiting\")" },
  { "431 Request Header Fields Too Large", 431,
    "The server is unwilling to process the request because its header fields are too large" },
  { "500 Internal Server Error", 500, "Server got itself in trouble" },
  { "502 Bad Gateway", 502, "Invalid responses from another server/proxy" },
  { "503 Service Unavailable", 503, "The server cannot process the request due to a high load" },
  { "504 Gateway Timeout", 504, "The gateway server did not receive a timely response" },
  { "505 HTTP Version Not Supported", 505, "Cannot fulfill request" },
  { "508 Loop Detected has none", 508, "" },
  { "511 Network Authentication Required", 511,
    "The client needs to authenticate to gain network access" },
};

typedef struct {
  const char *desc;
  guint       code;
} UnknownRow;

static const UnknownRow unknown_rows[] = {
  { "0", 0 },
  { "99, just below the table", 99 },
  { "103, in neither seed", 103 },
  { "306, the unused redirect", 306 },
  { "418, in neither seed", 418 },
  { "512, just above the table", 512 },
  { "600, past the 5xx class", 600 },
  { "999", 999 },
  { "404 + 65536, which a 16-bit code would wrap to 404", 404 + 65536 },
  { "G_MAXUINT", G_MAXUINT },
};

static const char *
show (const char *s)
{
  return s != NULL ? s : "(null)";
}

static gboolean
in_status_rows (guint code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (status_rows); i++)
    if (status_rows[i].code == code)
      return TRUE;
  return FALSE;
}

START_TEST (test_code_value)
{
  const StatusRow *row = &status_rows[_i];

  ck_assert_msg ((guint) row->value == row->code,
                 "%s: expected the enum value %u, got %d", row->desc, row->code, row->value);
}
END_TEST

START_TEST (test_code_phrase)
{
  const StatusRow *row = &status_rows[_i];
  const char *phrase = httplib_status_get_phrase (row->code);

  ck_assert_msg (g_strcmp0 (phrase, row->phrase) == 0,
                 "%s: expected the phrase \"%s\", got \"%s\"",
                 row->desc, row->phrase, show (phrase));
  ck_assert_msg (httplib_status_is_known (row->code),
                 "%s: expected httplib_status_is_known() to be TRUE, got FALSE", row->desc);
  ck_assert_msg (httplib_status_get_description (row->code) != NULL,
                 "%s: expected a description (maybe empty), got NULL", row->desc);
}
END_TEST

/* Every code from 0 to 1000 is known exactly when it is one of the rows. */
START_TEST (test_code_range)
{
  guint known = 0;

  for (guint code = 0; code <= 1000; code++)
    {
      gboolean expected = in_status_rows (code);
      gboolean actual = httplib_status_is_known (code);

      ck_assert_msg (actual == expected, "code %u: expected known=%d, got %d",
                     code, expected, actual);
      ck_assert_msg ((httplib_status_get_phrase (code) != NULL) == expected,
                     "code %u: expected %s phrase, got \"%s\"", code,
                     expected ? "a" : "no", show (httplib_status_get_phrase (code)));
      known += actual;
    }

  ck_assert_msg (known == G_N_ELEMENTS (status_rows),
                 "expected %u known codes, got %u", (guint) G_N_ELEMENTS (status_rows), known);
}
END_TEST

START_TEST (test_description)
{
  const DescriptionRow *row = &description_rows[_i];
  const char *description = httplib_status_get_description (row->code);

  ck_assert_msg (g_strcmp0 (description, row->description) == 0,
                 "%s: expected the description \"%s\", got \"%s\"",
                 row->desc, row->description, show (description));
}
END_TEST

START_TEST (test_unknown)
{
  const UnknownRow *row = &unknown_rows[_i];
  const char *phrase = httplib_status_get_phrase (row->code);
  const char *description = httplib_status_get_description (row->code);

  ck_assert_msg (phrase == NULL, "%s: expected no phrase, got \"%s\"", row->desc, show (phrase));
  ck_assert_msg (description == NULL, "%s: expected no description, got \"%s\"",
                 row->desc, show (description));
  ck_assert_msg (!httplib_status_is_known (row->code),
                 "%s: expected httplib_status_is_known() to be FALSE, got TRUE", row->desc);
}
END_TEST

START_TEST (test_alias)
{
  ck_assert_msg (HTTPLIB_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE == 416,
                 "expected HTTPLIB_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE to be 416, got %d",
                 (int) HTTPLIB_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE);
  ck_assert_msg (HTTPLIB_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE ==
                 HTTPLIB_STATUS_REQUEST_RANGE_NOT_SATISFIABLE,
                 "expected both spellings of 416 to be equal, got %d and %d",
                 (int) HTTPLIB_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
                 (int) HTTPLIB_STATUS_REQUEST_RANGE_NOT_SATISFIABLE);
  ck_assert_str_eq (show (httplib_status_get_phrase (HTTPLIB_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)),
                    "Requested Range Not Satisfiable");
}
END_TEST

START_TEST (test_gtype)
{
  g_autoptr (GEnumClass) klass = NULL;

  ck_assert_msg (G_TYPE_IS_ENUM (HTTPLIB_TYPE_STATUS),
                 "expected HTTPLIB_TYPE_STATUS to be an enum type, got %s",
                 g_type_name (G_TYPE_FUNDAMENTAL (HTTPLIB_TYPE_STATUS)));
  ck_assert_str_eq (g_type_name (HTTPLIB_TYPE_STATUS), "HttplibStatus");

  klass = g_type_class_ref (HTTPLIB_TYPE_STATUS);
  ck_assert_msg (klass->n_values == G_N_ELEMENTS (status_rows),
                 "expected %u enum values, got %u",
                 (guint) G_N_ELEMENTS (status_rows), klass->n_values);
  ck_assert_msg (klass->minimum == 100 && klass->maximum == 511,
                 "expected values from 100 to 511, got %d to %d",
                 klass->minimum, klass->maximum);
}
END_TEST

START_TEST (test_gtype_value)
{
  const StatusRow *row = &status_rows[_i];
  g_autoptr (GEnumClass) klass = g_type_class_ref (HTTPLIB_TYPE_STATUS);
  GEnumValue *value = g_enum_get_value (klass, (int) row->code);
  GEnumValue *by_nick;

  ck_assert_msg (value != NULL, "%s: expected HTTPLIB_TYPE_STATUS to know %u, got NULL",
                 row->desc, row->code);
  ck_assert_msg (g_strcmp0 (value->value_name, row->name) == 0,
                 "%s: expected the name %s, got %s", row->desc, row->name,
                 show (value->value_name));
  ck_assert_msg (g_strcmp0 (value->value_nick, row->nick) == 0,
                 "%s: expected the nick \"%s\", got \"%s\"", row->desc, row->nick,
                 show (value->value_nick));

  by_nick = g_enum_get_value_by_nick (klass, row->nick);
  ck_assert_msg (by_nick != NULL && by_nick->value == (int) row->code,
                 "%s: expected the nick \"%s\" to give %u, got %d", row->desc, row->nick,
                 row->code, by_nick != NULL ? by_nick->value : -1);
}
END_TEST

Suite *status_suite (void);

Suite *
status_suite (void)
{
  Suite *suite = suite_create ("status");
  TCase *tc;

  tc = tcase_create ("codes");
  tcase_add_loop_test (tc, test_code_value, 0, G_N_ELEMENTS (status_rows));
  tcase_add_loop_test (tc, test_code_phrase, 0, G_N_ELEMENTS (status_rows));
  tcase_add_test (tc, test_code_range);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("descriptions");
  tcase_add_loop_test (tc, test_description, 0, G_N_ELEMENTS (description_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("unknown");
  tcase_add_loop_test (tc, test_unknown, 0, G_N_ELEMENTS (unknown_rows));
  suite_add_tcase (suite, tc);

  tc = tcase_create ("alias");
  tcase_add_test (tc, test_alias);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("gtype");
  tcase_add_test (tc, test_gtype);
  tcase_add_loop_test (tc, test_gtype_value, 0, G_N_ELEMENTS (status_rows));
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (status_suite)
