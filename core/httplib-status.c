/* httplib-status.c: the documentation of HttplibStatus
 *
 * The enum, its table and the lookups are generated at build time by
 * scripts/gen-status.py from data/http-status.tsv (into httplib-status.h and
 * httplib-status-table.c); only the overview lives here. */
#include "httplib-status.h"

/**
 * SECTION:httplib-status
 *
 * #HttplibStatus names every status code of the two tables libhttplib follows:
 * the constants of Python 2's `httplib` and the members of Python 3's
 * `http.HTTPStatus` (the second holds all of the first, and more). The
 * Python calls map to libhttplib's like this:
 *
 * | Python                         | libhttplib                               |
 * |--------------------------------|------------------------------------------|
 * | `httplib.NOT_FOUND`            | %HTTPLIB_STATUS_NOT_FOUND                |
 * | `responses[404]`               | httplib_status_get_phrase (404)          |
 * | `HTTPStatus(404).phrase`       | httplib_status_get_phrase (404)          |
 * | `HTTPStatus(404).description`  | httplib_status_get_description (404)     |
 * | `404 in responses`             | httplib_status_is_known (404)            |
 *
 * The phrases are those of Python's `responses`, which keeps the older
 * wording of some codes ("Request Entity Too Large" for 413,
 * "Request-URI Too Long" for 414, "Requested Range Not Satisfiable" for 416).
 * Where `HTTPStatus` has no description for a code, such as 102 Processing,
 * httplib_status_get_description() returns the empty string as Python does;
 * both lookups return %NULL only for a code that is not in the table.
 *
 * Code 416 has two names: the `httplib` table spells it
 * `REQUESTED_RANGE_NOT_SATISFIABLE` and the `HTTPStatus` table
 * `REQUEST_RANGE_NOT_SATISFIABLE`. The enum value is
 * %HTTPLIB_STATUS_REQUEST_RANGE_NOT_SATISFIABLE and
 * %HTTPLIB_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE is a `#define` of it.
 *
 * The enum is registered as the GType `HTTPLIB_TYPE_STATUS`, so a status can be
 * printed by name:
 *
 * ```c
 * guint status = httplib_response_get_status (response);
 * g_autoptr (GEnumClass) klass = g_type_class_ref (HTTPLIB_TYPE_STATUS);
 * GEnumValue *value = g_enum_get_value (klass, status);
 *
 * g_print ("%u %s (%s)\n", status,
 *          httplib_response_get_reason (response),
 *          value != NULL ? value->value_nick : "unknown code");
 * ```
 *
 * A server may send any three-digit code. One that is not in the table is
 * not an error: HTTP asks a client to treat it as the x00 code of its class
 * (an unknown 4xx as 400 Bad Request).
 */
