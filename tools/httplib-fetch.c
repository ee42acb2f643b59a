/* httplib-fetch.c: a command-line HTTP/1.1 client on libhttplib's public API
 *
 *   httplib-fetch [OPTION…] URL
 *
 * Sends one request (or --repeat N on one kept-alive connection) to an
 * http:// or https:// URL, directly or through a CONNECT proxy, and writes
 * the body to standard output or a file. `httplib-fetch --list-plugins`
 * prints the transports and body sources the registry has instead. Every failure is one line on
 * standard error, "httplib-fetch: <what>: <message>", and an exit status
 * per class of error (see FetchExit, the man page and the README).
 */
#include <httplib/httplib.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fetch-progress.h"
#include "fetch-trace.h"

/* The exit statuses, one per class of error; keep the man page and the
 * README's table in step. */
typedef enum {
  FETCH_EXIT_OK = 0,
  FETCH_EXIT_LOCAL = 1,        /* a local file could not be read or written, a plugin is missing */
  FETCH_EXIT_USAGE = 2,        /* invalid URL, option or argument */
  FETCH_EXIT_CONNECT = 3,      /* name resolution or TCP connection failed (server or proxy) */
  FETCH_EXIT_CERTIFICATE = 4,  /* the server's certificate failed verification */
  FETCH_EXIT_TLS = 5,          /* any other TLS failure: handshake, alert, record */
  FETCH_EXIT_TUNNEL = 6,       /* the proxy refused the CONNECT request */
  FETCH_EXIT_PROTOCOL = 7,     /* the server broke HTTP/1.1 or the connection mid-exchange */
  FETCH_EXIT_TIMEOUT = 8,      /* an operation took longer than --timeout */
  FETCH_EXIT_HTTP = 9,         /* --fail and a 4xx or 5xx status */
} FetchExit;

/* --- options --- */

static char *opt_method;
static char **opt_headers;
static char *opt_data;
static char *opt_data_file;
static gboolean opt_head;
static gboolean opt_include;
static char *opt_output;
static char *opt_proxy;
static char **opt_proxy_headers;
static char *opt_cacert;
static char *opt_cert;
static char *opt_key;
static gboolean opt_insecure;
static double opt_timeout = -1;
static char *opt_source_address;
static gboolean opt_verbose;
static int opt_debug = -1;
static gboolean opt_trace;
static int opt_repeat = -1;
static gboolean opt_fail;
static gboolean opt_version;
static gboolean opt_list_plugins;
static char **opt_rest;

static const GOptionEntry entries[] = {
  { "request", 'X', 0, G_OPTION_ARG_STRING, &opt_method,
    "Use METHOD (default GET, or POST with a body)", "METHOD" },
  { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &opt_headers,
    "Add a request header (repeatable)", "'NAME: VALUE'" },
  { "data", 'd', 0, G_OPTION_ARG_STRING, &opt_data,
    "Send DATA as the request body", "DATA" },
  { "data-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_file,
    "Send the file's contents as the body; - is standard input, sent chunked", "PATH" },
  { "head", 'I', 0, G_OPTION_ARG_NONE, &opt_head,
    "Send HEAD and print the status line and headers", NULL },
  { "include", 'i', 0, G_OPTION_ARG_NONE, &opt_include,
    "Print the status line and headers before the body", NULL },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    "Write the body to FILE instead of standard output", "FILE" },
  { "proxy", 0, 0, G_OPTION_ARG_STRING, &opt_proxy,
    "Tunnel through the HTTP CONNECT proxy at HOST:PORT", "HOST:PORT" },
  { "proxy-header", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_proxy_headers,
    "Add a header to the CONNECT request (repeatable)", "'NAME: VALUE'" },
  { "cacert", 0, 0, G_OPTION_ARG_FILENAME, &opt_cacert,
    "Trust the CA certificates in FILE (PEM) instead of the system's", "FILE" },
  { "cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_cert,
    "Present the client certificate in FILE (PEM)", "FILE" },
  { "key", 0, 0, G_OPTION_ARG_FILENAME, &opt_key,
    "The client certificate's private key (PEM; default: in the --cert file)", "FILE" },
  { "insecure", 'k', 0, G_OPTION_ARG_NONE, &opt_insecure,
    "Do not verify the server's certificate or host name", NULL },
  { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt_timeout,
    "Give up on any connect, read or write after SECONDS", "SECONDS" },
  { "source-address", 0, 0, G_OPTION_ARG_STRING, &opt_source_address,
    "Connect from this local IP address (optionally ADDRESS:PORT)", "ADDRESS" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
    "Print the library's debug log (the same as --debug 1)", NULL },
  { "debug", 0, 0, G_OPTION_ARG_INT, &opt_debug,
    "Print the library's debug log at LEVEL (0 is off)", "LEVEL" },
  { "trace", 0, 0, G_OPTION_ARG_NONE, &opt_trace,
    "Print every state change and network event with its time", NULL },
  { "repeat", 0, 0, G_OPTION_ARG_INT, &opt_repeat,
    "Send the request N times on one kept-alive connection; print requests per second", "N" },
  { "fail", 'f', 0, G_OPTION_ARG_NONE, &opt_fail,
    "Exit with status 9, without the body, on a 4xx or 5xx status", NULL },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
    "Print the version and exit", NULL },
  { "list-plugins", 0, 0, G_OPTION_ARG_NONE, &opt_list_plugins,
    "Print every transport and body source with the file it came from, and exit", NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_rest, NULL, "URL" },
  { NULL }
};

/* --- reporting --- */

static FetchExit fail (FetchExit   status,
                       const char *what,
                       const char *format,
                       ...) G_GNUC_PRINTF (3, 4);

/* Prints "httplib-fetch: what: message" as one line and returns status. */
static FetchExit
fail (FetchExit   status,
      const char *what,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* One line, whatever a lower layer put in its message. */
  g_strdelimit (message, "\r\n", ' ');
  fprintf (stderr, "httplib-fetch: %s: %s\n", what, message);
  return status;
}

/* --- --list-plugins --- */

/* One table row per registered name, with the module file it came from;
 * then the folders searched; modules that failed go to stderr (status 1). */
static FetchExit
list_plugins (void)
{
  HttplibRegistry *registry = httplib_registry_get_default ();
  g_autoptr(GPtrArray) transports = httplib_registry_list_transports (registry);
  g_autoptr(GPtrArray) bodies = httplib_registry_list_body_sources (registry);
  g_auto(GStrv) failures = httplib_registry_get_load_failures (registry);
  const char * const *dirs = httplib_registry_get_plugin_dirs (registry);
  GPtrArray *lists[] = { transports, bodies };
  const char *kinds[] = { "transport", "body-source" };
  int name_width = (int) strlen ("NAME"), type_width = (int) strlen ("TYPE");

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        name_width = MAX (name_width,
                          (int) strlen (httplib_plugin_entry_get_name (lists[l]->pdata[i])));
        type_width = MAX (type_width,
                          (int) strlen (httplib_plugin_entry_get_type_name (lists[l]->pdata[i])));
      }

  printf ("%-11s  %-*s  %-*s  %s\n", "KIND", name_width, "NAME", type_width, "TYPE", "FILE");
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        HttplibPluginEntry *entry = lists[l]->pdata[i];

        printf ("%-11s  %-*s  %-*s  %s\n", kinds[l],
                name_width, httplib_plugin_entry_get_name (entry),
                type_width, httplib_plugin_entry_get_type_name (entry),
                httplib_plugin_entry_get_origin (entry));
      }
  printf ("\nPlugin folders searched, in order:\n");
  for (guint i = 0; dirs[i] != NULL; i++)
    printf ("  %s\n", dirs[i]);

  for (guint i = 0; failures[i] != NULL; i++)
    fail (FETCH_EXIT_LOCAL, "plugin", "%s", failures[i]);
  return failures[0] != NULL ? FETCH_EXIT_LOCAL : FETCH_EXIT_OK;
}

/* Where in the exchange an error came from. */
typedef enum {
  PHASE_REQUEST,
  PHASE_RESPONSE,
} Phase;

/* Maps a library or GIO error to its exit status and reports it. */
static FetchExit
fail_with_error (const GError *error,
                 Phase         phase,
                 gboolean      connecting)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return fail (FETCH_EXIT_TIMEOUT, "timeout", "%s", error->message);
  if (error->domain == HTTPLIB_ERROR)
    switch ((HttplibError) error->code)
      {
      case HTTPLIB_ERROR_CERTIFICATE:
        return fail (FETCH_EXIT_CERTIFICATE, "TLS", "%s", error->message);
      case HTTPLIB_ERROR_TLS:
        return fail (FETCH_EXIT_TLS, "TLS", "%s", error->message);
      case HTTPLIB_ERROR_TUNNEL_FAILED:
        return fail (FETCH_EXIT_TUNNEL, "tunnel", "%s", error->message);
      case HTTPLIB_ERROR_PLUGIN:
        return fail (FETCH_EXIT_LOCAL, "plugin", "%s", error->message);
      case HTTPLIB_ERROR_INVALID_URL:
      case HTTPLIB_ERROR_INVALID_HEADER:
        /* Before a byte is sent these judge our input; in a response, the server's. */
        if (phase == PHASE_REQUEST)
          return fail (FETCH_EXIT_USAGE, "invalid argument", "%s", error->message);
        break;
      default:
        break;
      }
  if (connecting && (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR))
    return fail (FETCH_EXIT_CONNECT, "connect", "%s", error->message);
  return fail (FETCH_EXIT_PROTOCOL, "protocol", "%s", error->message);
}

/* --- parsing arguments --- */

/* "Name: value" into headers; FALSE for a line without a colon or name. */
static gboolean
parse_header_line (const char     *line,
                   HttplibHeaders *headers)
{
  const char *colon = strchr (line, ':');
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  if (colon == NULL || colon == line)
    return FALSE;
  name = g_strstrip (g_strndup (line, colon - line));
  value = g_strstrip (g_strdup (colon + 1));
  if (*name == '\0')
    return FALSE;
  httplib_headers_append (headers, name, value);
  return TRUE;
}

static FetchExit
parse_header_list (char          **lines,
                   const char     *option,
                   HttplibHeaders *headers)
{
  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    if (!parse_header_line (lines[i], headers))
      return fail (FETCH_EXIT_USAGE, "invalid argument",
                   "%s '%s': expected 'Name: value'", option, lines[i]);
  return FETCH_EXIT_OK;
}

typedef struct {
  gboolean  https;
  char     *host;    /* without brackets */
  guint     port;
  char     *target;  /* path and query, as given */
} FetchUrl;

static void
fetch_url_clear (FetchUrl *url)
{
  g_clear_pointer (&url->host, g_free);
  g_clear_pointer (&url->target, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FetchUrl, fetch_url_clear)

static FetchExit
parse_url (const char *text,
           FetchUrl   *url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme, *path, *query;
  int port;

  /* Encoded: the path and query go out exactly as written. */
  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, &error);
  if (uri == NULL)
    return fail (FETCH_EXIT_USAGE, "URL", "%s", error->message);

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    url->https = FALSE;
  else if (g_ascii_strcasecmp (scheme, "https") == 0)
    url->https = TRUE;
  else
    return fail (FETCH_EXIT_USAGE, "URL", "unsupported scheme '%s' in '%s' (http and https only)",
                 scheme, text);
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return fail (FETCH_EXIT_USAGE, "URL", "no host in '%s'", text);
  if (g_uri_get_userinfo (uri) != NULL)
    return fail (FETCH_EXIT_USAGE, "URL", "user information in '%s' is not supported; "
                 "send an Authorization header with -H", text);

  port = g_uri_get_port (uri);
  if (port == 0)
    return fail (FETCH_EXIT_USAGE, "URL", "port 0 in '%s'", text);
  url->port = port > 0 ? (guint) port : url->https ? HTTPLIB_HTTPS_PORT : HTTPLIB_HTTP_PORT;
  url->host = g_strdup (g_uri_get_host (uri));

  path = g_uri_get_path (uri);
  query = g_uri_get_query (uri);
  url->target = g_strconcat (*path != '\0' ? path : "/", query != NULL ? "?" : "",
                             query != NULL ? query : "", NULL);
  return FETCH_EXIT_OK;
}

/* --proxy: "host:port", "[v6]:port" or "http://host:port". */
static FetchExit
parse_proxy (const char  *text,
             char       **host,
             guint       *port)
{
  g_autofree char *as_url = strstr (text, "://") != NULL ? g_strdup (text)
                                                          : g_strconcat ("http://", text, NULL);
  g_autoptr(GUri) uri = g_uri_parse (as_url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (*g_uri_get_path (uri) != '\0' && strcmp (g_uri_get_path (uri), "/") != 0))
    return fail (FETCH_EXIT_USAGE, "invalid argument",
                 "--proxy '%s': expected HOST:PORT", text);
  if (g_uri_get_port (uri) <= 0)
    return fail (FETCH_EXIT_USAGE, "invalid argument",
                 "--proxy '%s': no port (expected HOST:PORT)", text);
  *host = g_strdup (g_uri_get_host (uri));
  *port = (guint) g_uri_get_port (uri);
  return FETCH_EXIT_OK;
}

/* TLS files are checked here so a typo is a usage error, not a TLS one. */
static FetchExit
check_readable (const char *path,
                const char *option)
{
  if (path != NULL && access (path, R_OK) != 0)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "%s '%s': %s",
                 option, path, g_strerror (errno));
  return FETCH_EXIT_OK;
}

static FetchExit
check_options (void)
{
  FetchExit status;

  if (opt_rest == NULL || opt_rest[0] == NULL)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "no URL given (see --help)");
  if (opt_rest[1] != NULL)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "one URL only, got '%s' too", opt_rest[1]);
  if (opt_data != NULL && opt_data_file != NULL)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "-d and --data-file cannot be used together");
  if (opt_head && (opt_data != NULL || opt_data_file != NULL))
    return fail (FETCH_EXIT_USAGE, "invalid argument", "-I sends no body: drop -d or --data-file");
  if (opt_head && opt_method != NULL)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "-I and -X both set the method");
  if (opt_proxy_headers != NULL && opt_proxy == NULL)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "--proxy-header needs --proxy");
  if (opt_key != NULL && opt_cert == NULL)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "--key needs --cert");
  if (opt_timeout != -1 && !(opt_timeout > 0))
    return fail (FETCH_EXIT_USAGE, "invalid argument",
                 "--timeout %g: expected a number of seconds above 0", opt_timeout);
  if (opt_debug < -1)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "--debug %d: expected 0 or more", opt_debug);
  if (opt_repeat != -1 && opt_repeat < 1)
    return fail (FETCH_EXIT_USAGE, "invalid argument", "--repeat %d: expected 1 or more", opt_repeat);
  if (opt_repeat > 1 && g_strcmp0 (opt_data_file, "-") == 0)
    return fail (FETCH_EXIT_USAGE, "invalid argument",
                 "--repeat with --data-file -: standard input can be sent only once");
  if ((status = check_readable (opt_cacert, "--cacert")) != FETCH_EXIT_OK ||
      (status = check_readable (opt_cert, "--cert")) != FETCH_EXIT_OK ||
      (status = check_readable (opt_key, "--key")) != FETCH_EXIT_OK)
    return status;
  return FETCH_EXIT_OK;
}

/* --- the exchange --- */

typedef struct {
  HttplibConnection *connection;
  HttplibHeaders    *headers;
  const char        *method;
  const char        *target;
  FILE              *output;
  FetchTrace        *trace;     /* NULL without --trace */
  FetchProgress     *progress;  /* NULL without a bar */
  gboolean           connecting;
  guint              n_connections;
} Fetch;

static void
on_state_changed (HttplibConnection      *connection,
                  HttplibConnectionState  old_state,
                  HttplibConnectionState  new_state,
                  gpointer                user_data)
{
  Fetch *fetch = user_data;

  /* Kept after a failed connect, so the failure is classed as one. */
  if (new_state == HTTPLIB_CONNECTION_STATE_CONNECTING)
    {
      fetch->connecting = TRUE;
      fetch->n_connections++;
    }
  else if (new_state == HTTPLIB_CONNECTION_STATE_IDLE)
    fetch->connecting = FALSE;
}

/* The library's debug log, as it is, on standard error. */
static void
on_debug_log (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        user_data)
{
  fprintf (stderr, "%s\n", message);
}

static FetchExit
make_body (HttplibBodySource **body)
{
  g_autoptr(GError) error = NULL;
  int fd;

  *body = NULL;
  if (opt_data != NULL)
    *body = httplib_body_source_new_for_string (opt_data, &error);
  else if (g_strcmp0 (opt_data_file, "-") == 0)
    *body = httplib_body_source_new_for_fd (STDIN_FILENO, FALSE, &error);
  else if (opt_data_file != NULL)
    {
      fd = open (opt_data_file, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return fail (FETCH_EXIT_LOCAL, "data-file", "cannot open '%s': %s",
                     opt_data_file, g_strerror (errno));
      *body = httplib_body_source_new_for_fd (fd, TRUE, &error);
    }
  else
    return FETCH_EXIT_OK;

  if (*body == NULL)
    return fail_with_error (error, PHASE_REQUEST, FALSE);
  return FETCH_EXIT_OK;
}

static gboolean
write_out (FILE       *output,
           const void *data,
           gsize       len)
{
  return len == 0 || fwrite (data, 1, len, output) == len;
}

static FetchExit
write_head (Fetch           *fetch,
            HttplibResponse *response)
{
  guint version = httplib_response_get_version (response);
  g_autoptr(GString) head = g_string_new (NULL);
  HttplibHeadersIter iter;
  const char *name, *value;

  g_string_append_printf (head, "HTTP/%u.%u %u %s\n", version / 10, version % 10,
                          httplib_response_get_status (response),
                          httplib_response_get_reason (response));
  httplib_headers_iter_init (&iter, httplib_response_get_msg (response));
  while (httplib_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (head, "%s: %s\n", name, value);
  g_string_append_c (head, '\n');
  if (!write_out (fetch->output, head->str, head->len))
    return fail (FETCH_EXIT_LOCAL, "output", "%s", g_strerror (errno));
  return FETCH_EXIT_OK;
}

static FetchExit
fetch_once (Fetch *fetch)
{
  g_autoptr(HttplibBodySource) body = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  guint status;
  FetchExit exit_status;
  char buffer[64 * 1024];
  int write_errno = 0;
  gssize n;

  if ((exit_status = make_body (&body)) != FETCH_EXIT_OK)
    return exit_status;

  if (!httplib_connection_request (fetch->connection, fetch->method, fetch->target, body,
                                   fetch->headers, NULL, &error))
    return fail_with_error (error, PHASE_REQUEST, fetch->connecting);

  if (fetch->trace != NULL)
    fetch_trace_response_expected (fetch->trace);
  response = httplib_connection_get_response (fetch->connection, NULL, &error);
  if (fetch->trace != NULL)
    fetch_trace_watch_response (fetch->trace, response);
  if (response == NULL)
    return fail_with_error (error, PHASE_RESPONSE, fetch->connecting);

  status = httplib_response_get_status (response);
  if (opt_fail && status >= 400)
    {
      /* The body is not wanted, and the connection is not reused after this. */
      httplib_response_close (response);
      return fail (FETCH_EXIT_HTTP, "HTTP", "%u %s", status, httplib_response_get_reason (response));
    }

  if ((opt_include || opt_head) && (exit_status = write_head (fetch, response)) != FETCH_EXIT_OK)
    return exit_status;

  if (fetch->progress != NULL)
    fetch_progress_watch (fetch->progress, response);
  while ((n = httplib_response_read_into (response, buffer, sizeof buffer, NULL, &error)) > 0)
    if (!write_out (fetch->output, buffer, n))
      {
        write_errno = errno;
        break;
      }
  /* The bar's line ends before any error goes below it. */
  if (fetch->progress != NULL)
    fetch_progress_finish (fetch->progress);
  if (n > 0)
    return fail (FETCH_EXIT_LOCAL, "output", "%s: %s",
                 opt_output != NULL ? opt_output : "standard output", g_strerror (write_errno));
  if (n < 0)
    return fail_with_error (error, PHASE_RESPONSE, FALSE);
  if (fflush (fetch->output) != 0)
    return fail (FETCH_EXIT_LOCAL, "output", "%s: %s",
                 opt_output != NULL ? opt_output : "standard output", g_strerror (errno));
  return FETCH_EXIT_OK;
}

static HttplibTlsSettings *
make_tls_settings (void)
{
  HttplibTlsSettings *settings = httplib_tls_settings_new ();

  if (opt_cacert != NULL)
    httplib_tls_settings_set_ca_file (settings, opt_cacert);
  if (opt_cert != NULL)
    httplib_tls_settings_set_client_certificate (settings, opt_cert,
                                                 opt_key != NULL ? opt_key : opt_cert);
  if (opt_insecure)
    {
      httplib_tls_settings_set_verify (settings, FALSE);
      httplib_tls_settings_set_check_hostname (settings, FALSE);
    }
  return settings;
}

/* The connection for the URL, or for the proxy with a tunnel to the URL. */
static FetchExit
make_connection (const FetchUrl     *url,
                 HttplibConnection **connection)
{
  g_autoptr(HttplibTlsSettings) settings = url->https ? make_tls_settings () : NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *proxy_host = NULL;
  const char *host = url->host;
  guint port = url->port;
  FetchExit status;

  if (opt_proxy != NULL)
    {
      if ((status = parse_proxy (opt_proxy, &proxy_host, &port)) != FETCH_EXIT_OK)
        return status;
      host = proxy_host;
    }

  conn = url->https ? httplib_connection_new_https (host, port, settings, &error)
                    : httplib_connection_new (host, port, &error);
  if (conn == NULL)
    return fail (FETCH_EXIT_USAGE, opt_proxy != NULL ? "proxy" : "URL", "%s", error->message);

  if (opt_proxy != NULL)
    {
      g_autoptr(HttplibHeaders) proxy_headers = httplib_headers_new ();

      if ((status = parse_header_list (opt_proxy_headers, "--proxy-header",
                                       proxy_headers)) != FETCH_EXIT_OK)
        return status;
      if (!httplib_connection_set_tunnel (conn, url->host, url->port, proxy_headers, &error))
        return fail (FETCH_EXIT_USAGE, "invalid argument", "%s", error->message);
    }

  if (opt_timeout > 0 && !httplib_connection_set_timeout (conn, opt_timeout, &error))
    return fail (FETCH_EXIT_USAGE, "invalid argument", "--timeout: %s", error->message);
  if (opt_source_address != NULL)
    httplib_connection_set_source_address (conn, opt_source_address);
  if (opt_debug > 0 || opt_verbose)
    httplib_connection_set_debug_level (conn, MAX (opt_debug, 1));

  *connection = g_steal_pointer (&conn);
  return FETCH_EXIT_OK;
}

static FetchExit
run (void)
{
  g_auto(FetchUrl) url = { 0 };
  g_autoptr(HttplibConnection) connection = NULL;
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autoptr(FetchTrace) trace = NULL;
  g_autoptr(FetchProgress) progress = NULL;
  FILE *output = stdout;
  Fetch fetch = { 0 };
  FetchExit status;
  int repeat = opt_repeat > 0 ? opt_repeat : 1;
  gint64 start;
  int done = 0;

  if ((status = check_options ()) != FETCH_EXIT_OK ||
      (status = parse_url (opt_rest[0], &url)) != FETCH_EXIT_OK ||
      (status = parse_header_list (opt_headers, "-H", headers)) != FETCH_EXIT_OK ||
      (status = make_connection (&url, &connection)) != FETCH_EXIT_OK)
    return status;

  if (opt_output != NULL && strcmp (opt_output, "-") != 0)
    {
      output = fopen (opt_output, "wb");
      if (output == NULL)
        return fail (FETCH_EXIT_LOCAL, "output", "cannot open '%s': %s",
                     opt_output, g_strerror (errno));
      /* A bar only where a person watches and the body does not go. */
      if (isatty (STDERR_FILENO))
        progress = fetch_progress_new (stderr);
    }

  fetch.connection = connection;
  fetch.headers = headers;
  fetch.method = opt_head ? "HEAD" : opt_method != NULL ? opt_method
               : (opt_data != NULL || opt_data_file != NULL) ? "POST" : "GET";
  fetch.target = url.target;
  fetch.output = output;
  fetch.progress = progress;
  g_signal_connect (connection, "state-changed", G_CALLBACK (on_state_changed), &fetch);
  if (opt_trace)
    {
      trace = fetch_trace_new (stderr);
      fetch.trace = trace;
      fetch_trace_watch_connection (trace, connection);
    }

  start = g_get_monotonic_time ();
  while (done < repeat && (status = fetch_once (&fetch)) == FETCH_EXIT_OK)
    done++;

  if (opt_repeat > 0 && status == FETCH_EXIT_OK)
    {
      double seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

      fprintf (stderr, "%d request%s in %.3f s: %.1f requests per second, %u connection%s\n",
               done, done == 1 ? "" : "s", seconds, seconds > 0 ? done / seconds : 0.0,
               fetch.n_connections, fetch.n_connections == 1 ? "" : "s");
    }

  httplib_connection_close (connection);
  g_signal_handlers_disconnect_by_data (connection, &fetch);
  if (output != stdout && fclose (output) != 0 && status == FETCH_EXIT_OK)
    status = fail (FETCH_EXIT_LOCAL, "output", "%s: %s", opt_output, g_strerror (errno));
  return status;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  FetchExit status;

  setlocale (LC_ALL, "");
  g_set_prgname ("httplib-fetch");
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
    "Sends one HTTP/1.1 request to an http:// or https:// URL with libhttplib\n"
    "and writes the response body to standard output.");
  g_option_context_set_description (context,
    "Exit status: 0 a response was received (any status without --fail),\n"
    "1 a local file or plugin failed, 2 invalid URL or arguments, 3 connect failed,\n"
    "4 certificate verification failed, 5 other TLS failure, 6 the proxy refused\n"
    "the tunnel, 7 protocol error, 8 timeout, 9 --fail and a 4xx or 5xx status.\n"
    "See httplib-fetch(1).");
  g_option_context_add_main_entries (context, entries, NULL);

  /* GOption works on a copy, so the strings it parsed out can be freed. */
  args = g_strdupv (argv);
  if (!g_option_context_parse_strv (context, &args, &error))
    return fail (FETCH_EXIT_USAGE, "invalid argument", "%s (see --help)", error->message);

  if (opt_version)
    {
      printf ("httplib-fetch %s (libhttplib %d.%d.%d)\n", FETCH_VERSION,
              HTTPLIB_MAJOR_VERSION, HTTPLIB_MINOR_VERSION, HTTPLIB_MICRO_VERSION);
      return FETCH_EXIT_OK;
    }
  if (opt_list_plugins)
    return list_plugins ();

  g_log_set_handler ("Httplib", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO,
                     on_debug_log, NULL);
  status = run ();

  g_free (opt_method);
  g_strfreev (opt_headers);
  g_free (opt_data);
  g_free (opt_data_file);
  g_free (opt_output);
  g_free (opt_proxy);
  g_strfreev (opt_proxy_headers);
  g_free (opt_cacert);
  g_free (opt_cert);
  g_free (opt_key);
  g_free (opt_source_address);
  g_strfreev (opt_rest);
  return status;
}
