/* test-nginx.h: Debian's nginx as a real HTTPS peer for integration tests
 *
 * Starts nginx (package nginx) in the foreground, as one process, with a
 * generated configuration in a temporary folder: `listen 127.0.0.1:PORT ssl`
 * on a free port, the given certificate and key, session tickets on,
 * keep-alive for many requests, no access log. It serves a folder holding
 * index.html ("hello from nginx\n") and big.bin (1 MiB, byte i is i % 251),
 * and echoes nothing else. Stopped by pid.
 *
 * This library uses only GLib and GIO, never libhttplib.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TestNginx TestNginx;

#define TEST_NGINX_INDEX     "hello from nginx\n"
#define TEST_NGINX_BIG_SIZE  (1024 * 1024)

/* NULL with G_IO_ERROR_NOT_FOUND when nginx is not installed (the caller
 * skips), G_IO_ERROR_FAILED when it did not start or accept in 10 s. */
TestNginx *test_nginx_start    (const char  *cert_file,
                                const char  *key_file,
                                GError     **error);
guint16    test_nginx_get_port (TestNginx   *nginx);
void       test_nginx_stop     (TestNginx   *nginx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestNginx, test_nginx_stop)

G_END_DECLS
