/* httplib-error.h: the HTTPLIB_ERROR domain */
#pragma once

#if !defined(__HTTPLIB_H_INSIDE__) && !defined(HTTPLIB_COMPILATION)
#error "Only <httplib/httplib.h> can be included directly."
#endif

#include <glib.h>
#include <httplib/httplib-version.h>

G_BEGIN_DECLS

/**
 * HTTPLIB_ERROR:
 *
 * The error domain of libhttplib. GIO's own errors (`G_IO_ERROR_TIMED_OUT`,
 * `G_IO_ERROR_CANCELLED`, `G_IO_ERROR_CONNECTION_REFUSED` ...) pass through
 * unchanged.
 */
#define HTTPLIB_ERROR (httplib_error_quark ())

/**
 * HttplibError:
 * @HTTPLIB_ERROR_NOT_CONNECTED: data was to be sent on a connection that is
 *   not open (Python's `NotConnected`)
 * @HTTPLIB_ERROR_INVALID_URL: a host, port or URL that cannot be used: a
 *   non-numeric or empty port, forbidden bytes (Python's `InvalidURL`)
 * @HTTPLIB_ERROR_UNKNOWN_PROTOCOL: the status line names a protocol other
 *   than HTTP/1.x (Python's `UnknownProtocol`)
 * @HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING: the response uses a
 *   `Transfer-Encoding` other than `chunked` (Python's `UnknownTransferEncoding`)
 * @HTTPLIB_ERROR_UNIMPLEMENTED_FILE_MODE: a body source cannot be read in the
 *   way it was opened (Python's `UnimplementedFileMode`)
 * @HTTPLIB_ERROR_INCOMPLETE_READ: the server closed the connection before
 *   the whole body arrived; what did arrive stays available through
 *   httplib_response_get_partial() (Python's `IncompleteRead`)
 * @HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE: the call does not fit the
 *   connection's state (Python's `ImproperConnectionState`)
 * @HTTPLIB_ERROR_CANNOT_SEND_REQUEST: a request was started while another is
 *   in progress or its response was not read completely (Python's
 *   `CannotSendRequest`)
 * @HTTPLIB_ERROR_CANNOT_SEND_HEADER: a header was added outside a started
 *   request (Python's `CannotSendHeader`)
 * @HTTPLIB_ERROR_RESPONSE_NOT_READY: a response was asked for with no
 *   request sent, or twice (Python's `ResponseNotReady`)
 * @HTTPLIB_ERROR_BAD_STATUS_LINE: the status line cannot be parsed (Python's
 *   `BadStatusLine`)
 * @HTTPLIB_ERROR_LINE_TOO_LONG: a received line (status line, header or
 *   trailer line, chunk-size line) holds more than 65536 bytes before its
 *   `\n`, a `\r` before it counted (Python's `LineTooLong`); the message
 *   names the kind of line
 * @HTTPLIB_ERROR_REMOTE_DISCONNECTED: the server closed the connection before
 *   sending a status line (Python's `RemoteDisconnected`)
 * @HTTPLIB_ERROR_TOO_MANY_HEADERS: a response is over one of the limits on
 *   its size, and the message says which: more than 100 header fields
 *   (folded lines count) or trailer fields ("got more than 100 headers"), a
 *   head of more than 262144 bytes from the status line to the empty line,
 *   line endings included ("got more than 262144 bytes of headers"), a
 *   trailer section of more than 262144 bytes ("... bytes of trailers"), or
 *   more than 100 interim (1xx) responses before the final one ("got more
 *   than 100 interim responses")
 * @HTTPLIB_ERROR_INVALID_HEADER: a header name or value that must not be sent
 *   or accepted (not a token, CR, LF or NUL in it)
 * @HTTPLIB_ERROR_BAD_FRAMING: the body's framing is ambiguous or broken: an
 *   invalid or conflicting `Content-Length`, `Transfer-Encoding` together
 *   with `Content-Length`, a bad chunk size or chunk terminator; a chunk
 *   size of more than 16 hex digits, leading zeros included, is one too
 *   ("chunk size has more than 16 hex digits")
 * @HTTPLIB_ERROR_TUNNEL_FAILED: the proxy refused the CONNECT request
 * @HTTPLIB_ERROR_TLS: the TLS layer failed: the handshake (the message
 *   carries GnuTLS's reason), a record, or TLS settings that cannot be
 *   loaded (a CA or key file, a priority string)
 * @HTTPLIB_ERROR_PLUGIN: no plugin of that name is registered, a plugin
 *   module could not be loaded or register a name, or a transport was
 *   misused (a [class@ReplayTransport] whose script ran out)
 * @HTTPLIB_ERROR_CERTIFICATE: the server's certificate failed verification:
 *   untrusted issuer, self-signed, expired, not yet valid, or not valid for
 *   the host name; the message says which (Python's
 *   `SSLCertVerificationError`)
 *
 * Error codes in the %HTTPLIB_ERROR domain.
 */
typedef enum {
  HTTPLIB_ERROR_NOT_CONNECTED,
  HTTPLIB_ERROR_INVALID_URL,
  HTTPLIB_ERROR_UNKNOWN_PROTOCOL,
  HTTPLIB_ERROR_UNKNOWN_TRANSFER_ENCODING,
  HTTPLIB_ERROR_UNIMPLEMENTED_FILE_MODE,
  HTTPLIB_ERROR_INCOMPLETE_READ,
  HTTPLIB_ERROR_IMPROPER_CONNECTION_STATE,
  HTTPLIB_ERROR_CANNOT_SEND_REQUEST,
  HTTPLIB_ERROR_CANNOT_SEND_HEADER,
  HTTPLIB_ERROR_RESPONSE_NOT_READY,
  HTTPLIB_ERROR_BAD_STATUS_LINE,
  HTTPLIB_ERROR_LINE_TOO_LONG,
  HTTPLIB_ERROR_REMOTE_DISCONNECTED,
  HTTPLIB_ERROR_TOO_MANY_HEADERS,
  HTTPLIB_ERROR_INVALID_HEADER,
  HTTPLIB_ERROR_BAD_FRAMING,
  HTTPLIB_ERROR_TUNNEL_FAILED,
  HTTPLIB_ERROR_TLS,
  HTTPLIB_ERROR_PLUGIN,
  HTTPLIB_ERROR_CERTIFICATE,
} HttplibError;

HTTPLIB_AVAILABLE_IN_ALL
GQuark httplib_error_quark (void);

G_END_DECLS
