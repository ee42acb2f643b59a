/* demo.c: the seed's four examples (GET twice, HEAD, POST, PUT) on one
 * connection, printing every state change on the way; then, given an HTTPS
 * server and the CA that signed its certificate, a GET over TLS with what
 * the handshake negotiated.
 *
 * Given a CONNECT proxy as well, the HTTPS GET is made again through it:
 * the connection is made for the proxy, set_tunnel() names the server.
 *
 * Usage: httplib-demo HOST:PORT [HTTPS-HOST:PORT CA-FILE [PROXY-HOST:PORT]]
 */
#include <httplib/httplib.h>

#include <stdlib.h>

static const char *
nick (GType type, int value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  return v ? v->value_nick : "?";
}

static void
on_connection_state (HttplibConnection *conn, int old_state, int new_state, gpointer data)
{
  g_print ("  connection: %s -> %s\n",
           nick (HTTPLIB_TYPE_CONNECTION_STATE, old_state),
           nick (HTTPLIB_TYPE_CONNECTION_STATE, new_state));
}

static void
on_event (HttplibConnection *conn, int event, GIOStream *stream, gpointer data)
{
  g_print ("  transport: %s\n", nick (HTTPLIB_TYPE_TRANSPORT_EVENT, event));
}

static void
on_response_state (HttplibResponse *response, int old_state, int new_state, gpointer data)
{
  g_print ("  response: %s -> %s\n",
           nick (HTTPLIB_TYPE_RESPONSE_STATE, old_state),
           nick (HTTPLIB_TYPE_RESPONSE_STATE, new_state));
}

/* Sends one request, prints the status and the body, and reads it to the end. */
static gboolean
exchange (HttplibConnection *conn,
          const char        *method,
          const char        *url,
          const char        *body,
          HttplibHeaders    *headers,
          GError           **error)
{
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) data = NULL;

  g_print ("%s %s\n", method, url);
  if (!httplib_connection_request_string (conn, method, url, body, headers, NULL, error))
    return FALSE;
  response = httplib_connection_get_response (conn, NULL, error);
  if (response == NULL)
    return FALSE;
  g_signal_connect (response, "state-changed", G_CALLBACK (on_response_state), NULL);
  g_print ("  => %u %s (HTTP/%u.%u)\n", httplib_response_get_status (response),
           httplib_response_get_reason (response),
           httplib_response_get_version (response) / 10,
           httplib_response_get_version (response) % 10);

  data = httplib_response_read (response, -1, NULL, error);
  if (data == NULL)
    return FALSE;
  g_print ("  body: %" G_GSIZE_FORMAT " bytes: %.*s\n", g_bytes_get_size (data),
           (int) MIN (g_bytes_get_size (data), 60), (const char *) g_bytes_get_data (data, NULL));
  return TRUE;
}

/* The seed's HTTPSConnection: verified against ca_file, resumed on reconnect. */
static gboolean
https_demo (const char *host_port,
            const char *ca_file,
            GError    **error)
{
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autoptr(HttplibConnection) conn = NULL;
  HttplibTlsInfo *info;

  httplib_tls_settings_set_ca_file (settings, ca_file);
  conn = httplib_connection_new_https (host_port, 0, settings, error);
  if (conn == NULL)
    return FALSE;
  g_signal_connect (conn, "event", G_CALLBACK (on_event), NULL);

  for (int round = 0; round < 2; round++)
    {
      if (!exchange (conn, "GET", "/", NULL, NULL, error))
        return FALSE;
      info = httplib_connection_get_tls_info (conn);
      g_print ("  TLS: %s, %s, ALPN %s, %s session, server certificate %s issued by %s\n",
               httplib_tls_info_get_protocol_version (info),
               httplib_tls_info_get_cipher_suite (info),
               httplib_tls_info_get_alpn_protocol (info) ? httplib_tls_info_get_alpn_protocol (info) : "none",
               httplib_tls_info_get_session_resumed (info) ? "resumed" : "new",
               httplib_tls_info_get_peer_subject (info),
               httplib_tls_info_get_peer_issuer (info));
      /* The second round reconnects and resumes the TLS session. */
      httplib_connection_close (conn);
    }
  return TRUE;
}

/* The seed's set_tunnel(): HTTPS to host_port through the proxy. */
static gboolean
proxy_demo (const char *proxy,
            const char *host_port,
            const char *ca_file,
            GError    **error)
{
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibHeaders) headers = httplib_headers_new ();
  g_autofree char *auth = httplib_tunnel_basic_auth_header ("demo", "secret", error);

  if (auth == NULL)
    return FALSE;
  httplib_tls_settings_set_ca_file (settings, ca_file);
  conn = httplib_connection_new_https (proxy, 0, settings, error);
  if (conn == NULL)
    return FALSE;
  /* This demo proxy asks for no password; a real one reads the header. */
  httplib_headers_append (headers, "Proxy-Authorization", auth);
  if (!httplib_connection_set_tunnel (conn, host_port, 0, headers, error))
    return FALSE;
  httplib_connection_set_debug_level (conn, 1);
  g_signal_connect (conn, "event", G_CALLBACK (on_event), NULL);
  if (!exchange (conn, "GET", "/", NULL, NULL, error))
    return FALSE;
  g_print ("  proxy answered %u %s; TLS with %s\n", httplib_connection_get_proxy_status (conn),
           httplib_connection_get_proxy_reason (conn),
           httplib_tls_info_get_peer_subject (httplib_connection_get_tls_info (conn)));
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibHeaders) form = httplib_headers_new ();

  if (argc != 2 && argc != 4 && argc != 5)
    {
      g_printerr ("usage: %s HOST:PORT [HTTPS-HOST:PORT CA-FILE [PROXY-HOST:PORT]]\n", argv[0]);
      return 2;
    }

  conn = httplib_connection_new (argv[1], 0, &error);
  if (conn == NULL)
    goto fail;
  g_signal_connect (conn, "state-changed", G_CALLBACK (on_connection_state), NULL);
  g_signal_connect (conn, "event", G_CALLBACK (on_event), NULL);

  httplib_headers_append (form, "Content-type", "application/x-www-form-urlencoded");
  httplib_headers_append (form, "Accept", "text/plain");

  if (!exchange (conn, "GET", "/", NULL, NULL, &error) ||
      !exchange (conn, "GET", "/missing", NULL, NULL, &error) ||
      !exchange (conn, "HEAD", "/", NULL, NULL, &error) ||
      !exchange (conn, "POST", "/form", "%40number=12524&%40type=issue&%40action=show", form, &error) ||
      !exchange (conn, "PUT", "/file", "***filecontents***", NULL, &error))
    goto fail;

  httplib_connection_close (conn);

  if (argc >= 4)
    {
      g_print ("HTTPS\n");
      if (!https_demo (argv[2], argv[3], &error))
        goto fail;
    }
  if (argc == 5)
    {
      g_print ("HTTPS through the proxy %s\n", argv[4]);
      if (!proxy_demo (argv[4], argv[2], argv[3], &error))
        goto fail;
    }
  g_print ("done\n");
  return EXIT_SUCCESS;

fail:
  g_printerr ("httplib-demo: %s\n", error->message);
  return EXIT_FAILURE;
}
