/* test-server-private.h: what test-server.c and test-requests.c share */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The value of the first field called name (any case) in a request head of
 * len bytes, or NULL; count, when given, gets how many there are. */
char *test_head_field (const char *head,
                       gsize       len,
                       const char *name,
                       guint      *count);

G_END_DECLS
