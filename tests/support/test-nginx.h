/* test-nginx.h: Debian's nginx as a real server for integration tests
 *
 * Starts nginx (package nginx) in the foreground, as one process, with a
 * generated configuration in a temporary folder: `listen 127.0.0.1:PORT` on
 * a free port, and with a certificate and key `listen 127.0.0.1:PORT ssl` on
 * a second one (session tickets on); keep-alive for many requests, gzip off,
 * no access log. Stopped by pid.
 *
 * It serves a folder holding index.html (TEST_NGINX_INDEX) and big.bin
 * (TEST_NGINX_BIG_SIZE bytes, byte i is TEST_NGINX_BIG_BYTE (i)), and these
 * locations, one for each way nginx frames a body:
 *
 *   /index.html, /big.bin    static files: Content-Length
 *   /ssi/page.html           SSI output (TEST_NGINX_SSI_PAGE), length
 *   /ssi/big.html            unknown: chunked (big.html is big.bin's bytes)
 *   /proxy/...               proxied to /ssi/... of this nginx over HTTP/1.0
 *                            (the upstream ends the body by closing),
 *                            unbuffered: chunked
 *   /until-close/...         the same with chunked_transfer_encoding off: no
 *                            length, `Connection: close`, the body ends when
 *                            nginx closes
 *   /close/index.html        keepalive_timeout 0: Content-Length and
 *                            `Connection: close`
 *   /huge.bin                options->huge_file, when given
 *
 * This library uses only GLib and GIO, never libhttplib.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TestNginx TestNginx;

#define TEST_NGINX_INDEX        "hello from nginx\n"
#define TEST_NGINX_SSI_PAGE     "begin\n" TEST_NGINX_INDEX "end\n"
#define TEST_NGINX_BIG_SIZE     (1024 * 1024)
#define TEST_NGINX_BIG_BYTE(i)  ((guint8) ((i) % 251))

typedef struct {
  const char *cert_file;  /* PEM; with key_file, a TLS port too; NULL: plain only */
  const char *key_file;
  const char *huge_file;  /* NULL, or a file served as /huge.bin */
} TestNginxOptions;

/* NULL with G_IO_ERROR_NOT_FOUND when nginx is not installed (the caller
 * skips), G_IO_ERROR_FAILED when it did not start or accept in 10 s. */
TestNginx *test_nginx_start_full      (const TestNginxOptions *options,
                                       GError                **error);
/* A TLS port (and a plain one) with the given certificate and key. */
TestNginx *test_nginx_start           (const char  *cert_file,
                                       const char  *key_file,
                                       GError     **error);
/* The TLS port; 0 when started without a certificate. */
guint16    test_nginx_get_port        (TestNginx   *nginx);
guint16    test_nginx_get_plain_port  (TestNginx   *nginx);
/* Whether data (at offset in big.bin) are big.bin's bytes; if not, the
 * first wrong offset in *bad. */
gboolean   test_nginx_big_matches     (const guint8 *data,
                                       gsize         len,
                                       gsize         offset,
                                       gsize        *bad);
void       test_nginx_stop            (TestNginx   *nginx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestNginx, test_nginx_stop)

G_END_DECLS
