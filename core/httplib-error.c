/* httplib-error.c: the HTTPLIB_ERROR domain */
#include "httplib-error.h"

/**
 * httplib_error_quark:
 *
 * Gets the quark of the %HTTPLIB_ERROR domain.
 *
 * Returns: the quark of the %HTTPLIB_ERROR domain
 */
G_DEFINE_QUARK (httplib-error-quark, httplib_error)
