/* httplib-debug-private.h: set_debug_level's output, in CPython 3's form */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "send: b'GET / HTTP/1.1\r\n...'" */
void httplib_debug_send   (const char *data, gsize len);
/* "reply: 'HTTP/1.1 200 OK\r\n'" */
void httplib_debug_reply  (const char *line, gsize len);
/* "header: Name: value" */
void httplib_debug_header (const char *name, const char *value);
/* Free-form lines, such as "send: <body source of 4096 bytes>" */
void httplib_debug_printf (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Python's repr() of bytes (b'...') or of a str decoded as latin-1 ('...'). */
char *httplib_debug_repr (const char *data, gsize len, gboolean as_bytes);

G_END_DECLS
