/* httplib-request-writer-private.h: validating and serialising a request
 *
 * Pure code over strings, like the parser: every check runs before a byte
 * is queued, so an invalid request never reaches the socket.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* HTTPLIB_ERROR_INVALID_URL unless method is an RFC 9110 token. */
gboolean httplib_validate_method (const char *method, GError **error);
/* HTTPLIB_ERROR_INVALID_URL if url has a byte 0x00-0x20 or 0x7F. */
gboolean httplib_validate_url    (const char *url, GError **error);
/* HTTPLIB_ERROR_INVALID_URL if host is empty or has a byte 0x00-0x20 or 0x7F. */
gboolean httplib_validate_host   (const char *host, GError **error);
/* HTTPLIB_ERROR_INVALID_HEADER unless name is a token and value has no CR, LF or NUL. */
gboolean httplib_validate_header (const char *name, const char *value, GError **error);

/* "METHOD url HTTP/1.1\r\n"; an empty url is sent as "/". */
void     httplib_write_request_line (GString *out, const char *method, const char *url);
/* "Name: value\r\n" */
void     httplib_write_header       (GString *out, const char *name, const char *value);
/* "Name: v1\r\n\tv2\r\n..." as Python's putheader writes several values. */
void     httplib_write_header_values (GString *out, const char *name, const char * const *values);

/* The automatic Host value: IPv6 literals in brackets without their zone
 * id, non-ASCII names in their ASCII (IDNA) form, ":port" unless it is
 * default_port. */
char    *httplib_format_host_header (const char *host, guint port, guint default_port);

/* Splits "host:port" / "[v6]:port" / "host" as HTTPConnection does; port 0
 * means take it from host or use default_port. HTTPLIB_ERROR_INVALID_URL
 * for a non-numeric, empty or out-of-range port, or an invalid host. */
gboolean httplib_split_host_port (const char *host_port, guint port, guint default_port,
                                  char **host_out, guint *port_out, GError **error);

G_END_DECLS
