/* httplib-headers.h: an ordered, case-insensitive multi-map of header fields */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <glib-object.h>
#include <httplib/httplib-version.h>

G_BEGIN_DECLS

#define HTTPLIB_TYPE_HEADERS (httplib_headers_get_type ())

typedef struct _HttplibHeaders HttplibHeaders;

/**
 * HttplibHeadersIter:
 *
 * An iterator over the fields of an [struct@Headers], in order. Allocate it
 * on the stack and initialise it with httplib_headers_iter_init().
 */
typedef struct {
  /*< private >*/
  HttplibHeaders *headers;
  guint index;
  gpointer padding[2];
} HttplibHeadersIter;

HTTPLIB_AVAILABLE_IN_ALL
GType           httplib_headers_get_type     (void) G_GNUC_CONST;
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders *httplib_headers_new          (void);
HTTPLIB_AVAILABLE_IN_ALL
HttplibHeaders *httplib_headers_ref          (HttplibHeaders *headers);
HTTPLIB_AVAILABLE_IN_ALL
void            httplib_headers_unref        (HttplibHeaders *headers);

HTTPLIB_AVAILABLE_IN_ALL
void            httplib_headers_append       (HttplibHeaders *headers,
                                              const char     *name,
                                              const char     *value);
HTTPLIB_AVAILABLE_IN_ALL
void            httplib_headers_replace      (HttplibHeaders *headers,
                                              const char     *name,
                                              const char     *value);
HTTPLIB_AVAILABLE_IN_ALL
guint           httplib_headers_remove       (HttplibHeaders *headers,
                                              const char     *name);
HTTPLIB_AVAILABLE_IN_ALL
void            httplib_headers_clear        (HttplibHeaders *headers);

HTTPLIB_AVAILABLE_IN_ALL
const char     *httplib_headers_get_one      (HttplibHeaders *headers,
                                              const char     *name);
HTTPLIB_AVAILABLE_IN_ALL
char           *httplib_headers_get_list     (HttplibHeaders *headers,
                                              const char     *name);
HTTPLIB_AVAILABLE_IN_ALL
GStrv           httplib_headers_get_all      (HttplibHeaders *headers,
                                              const char     *name);
HTTPLIB_AVAILABLE_IN_ALL
gboolean        httplib_headers_contains     (HttplibHeaders *headers,
                                              const char     *name);
HTTPLIB_AVAILABLE_IN_ALL
gboolean        httplib_headers_value_has_token (HttplibHeaders *headers,
                                                 const char     *name,
                                                 const char     *token);
HTTPLIB_AVAILABLE_IN_ALL
guint           httplib_headers_get_length   (HttplibHeaders *headers);
HTTPLIB_AVAILABLE_IN_ALL
const char     *httplib_headers_get_name     (HttplibHeaders *headers,
                                              guint           index);
HTTPLIB_AVAILABLE_IN_ALL
const char     *httplib_headers_get_value    (HttplibHeaders *headers,
                                              guint           index);

HTTPLIB_AVAILABLE_IN_ALL
void            httplib_headers_iter_init    (HttplibHeadersIter *iter,
                                              HttplibHeaders     *headers);
HTTPLIB_AVAILABLE_IN_ALL
gboolean        httplib_headers_iter_next    (HttplibHeadersIter *iter,
                                              const char        **name,
                                              const char        **value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttplibHeaders, httplib_headers_unref)

G_END_DECLS
