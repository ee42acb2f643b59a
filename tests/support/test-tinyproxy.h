/* test-tinyproxy.h: Debian's tinyproxy as a real CONNECT proxy for the
 * tunnel tests
 *
 * Starts tinyproxy (package tinyproxy, 1.11) in the foreground with a
 * generated configuration in a temporary folder: listening on 127.0.0.1 on
 * a free port, clients from 127.0.0.1 only, no ConnectPort line (CONNECT to
 * any port), a 30 s idle timeout, and a filter that refuses the host
 * TEST_TINYPROXY_FORBIDDEN_HOST. Run as root, it drops to nobody/nogroup,
 * which then owns the folder. Stopped by pid.
 *
 * What tinyproxy 1.11.1 answers a CONNECT (each status line is followed by
 * headers; the errors by an HTML page without Content-Length, then a close):
 *
 *   a target that accepted     TEST_TINYPROXY_200, then the tunnel
 *   the forbidden host         "HTTP/1.1 403 Filtered"
 *   a refused port, a name
 *   that does not resolve      "HTTP/1.1 500 Unable to connect"
 *
 * Note the HTTP/1.0 of the 200 (its only header is "Proxy-agent:
 * tinyproxy/1.11.1"), and the 500, not 502, for an unreachable target.
 *
 * This library uses only GLib and GIO, never libhttplib.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TestTinyproxy TestTinyproxy;

#define TEST_TINYPROXY_FORBIDDEN_HOST "forbidden.invalid"
#define TEST_TINYPROXY_200            "HTTP/1.0 200 Connection established\r\n"
#define TEST_TINYPROXY_403            "HTTP/1.1 403 Filtered\r\n"
#define TEST_TINYPROXY_500            "HTTP/1.1 500 Unable to connect\r\n"

/* NULL with G_IO_ERROR_NOT_FOUND when tinyproxy is not installed (the
 * caller skips), G_IO_ERROR_FAILED when it did not start or accept in 10 s
 * (the message holds what it printed). */
TestTinyproxy *test_tinyproxy_start    (GError        **error);
guint16        test_tinyproxy_get_port (TestTinyproxy  *proxy);
/* What tinyproxy logged so far (LogLevel Info: one "Request (file
 * descriptor N): CONNECT host:port HTTP/1.1" line per request, "Proxying
 * refused on filtered domain" per refusal). Free it. */
char          *test_tinyproxy_get_log  (TestTinyproxy  *proxy);
void           test_tinyproxy_stop     (TestTinyproxy  *proxy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestTinyproxy, test_tinyproxy_stop)

G_END_DECLS
