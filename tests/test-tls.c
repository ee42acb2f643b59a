/* test-tls.c: HTTPS through the tls plugin, against the in-process TLS
 * server with certificates made at run time */
#include <httplib/httplib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "test-certs.h"
#include "test-client.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* --- helpers --- */

static HttplibTlsSettings *
trusting_settings (void)
{
  HttplibTlsSettings *settings = httplib_tls_settings_new ();

  httplib_tls_settings_set_ca_file (settings, test_certs_get ()->ca_file);
  return settings;
}

static TestTlsOptions
options_for (const char *cert_file, const char *key_file)
{
  TestTlsOptions options = { 0 };

  options.cert_file = cert_file;
  options.key_file = key_file;
  return options;
}

/* A scripted TLS server on 127.0.0.1 presenting the valid localhost certificate. */
static TestServer *
good_server (const char * const *steps)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->server_cert_file, certs->server_key_file);
  TestServer *server = test_server_new_script_tls (steps, 0, &options);

  ck_assert_ptr_nonnull (server);
  return server;
}

/* A TLS server with the valid certificate, running handler. */
static TestServer *
good_handler_server (TestServerHandler handler)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->server_cert_file, certs->server_key_file);
  TestServer *server = test_server_new_tls (handler, NULL, &options);

  ck_assert_ptr_nonnull (server);
  return server;
}

static HttplibConnection *
https_to (TestServer *server, const char *host, HttplibTlsSettings *settings)
{
  g_autofree char *host_port = g_strdup_printf (strchr (host, ':') ? "[%s]:%u" : "%s:%u",
                                                host, test_server_get_port (server));
  GError *error = NULL;
  HttplibConnection *conn = httplib_connection_new_https (host_port, 0, settings, &error);

  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (conn);
  /* Bounds every wait of the client: a failing test must not hang. */
  httplib_connection_set_timeout (conn, 10, NULL);
  return conn;
}

/* --- requests over TLS --- */

START_TEST (test_get)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/index.html", NULL, NULL);
  g_autoptr(GBytes) request = NULL;
  g_autofree char *host = g_strdup_printf ("localhost:%u", test_server_get_port (server));
  g_autofree char *sni = NULL;

  ck_assert_uint_eq (httplib_response_get_status (response), 200);
  test_assert_body (response, "hello");
  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "GET /index.html HTTP/1.1");
  test_assert_request_header (request, "Host", host);
  sni = test_server_get_tls_server_name (server, 0);
  ck_assert_str_eq (sni, "localhost");
}
END_TEST

START_TEST (test_tls_info)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *pem = NULL;
  g_autofree char *alpn = NULL;
  HttplibTlsInfo *info;
  HttplibTlsInfo *property = NULL;

  ck_assert_ptr_null (httplib_connection_get_tls_info (conn));
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");

  info = httplib_connection_get_tls_info (conn);
  ck_assert_ptr_nonnull (info);
  g_object_get (conn, "tls-info", &property, NULL);
  ck_assert_ptr_eq (property, info);
  g_object_unref (property);

  ck_assert_msg (g_str_has_prefix (httplib_tls_info_get_protocol_version (info), "TLS1."),
                 "protocol version %s", httplib_tls_info_get_protocol_version (info));
  ck_assert_msg (g_str_has_prefix (httplib_tls_info_get_cipher_suite (info), "TLS_"),
                 "cipher suite %s", httplib_tls_info_get_cipher_suite (info));
  ck_assert_str_eq (httplib_tls_info_get_alpn_protocol (info), "http/1.1");
  alpn = test_server_get_tls_alpn (server, 0);
  ck_assert_str_eq (alpn, "http/1.1");
  ck_assert_str_eq (httplib_tls_info_get_server_name (info), "localhost");
  ck_assert (httplib_tls_info_get_verified (info));
  ck_assert (!httplib_tls_info_get_session_resumed (info));
  ck_assert_str_eq (httplib_tls_info_get_peer_subject (info), "CN=localhost");
  ck_assert_str_eq (httplib_tls_info_get_peer_issuer (info), "CN=libhttplib test CA");
  ck_assert (g_date_time_compare (httplib_tls_info_get_peer_not_before (info), now) < 0);
  ck_assert (g_date_time_compare (httplib_tls_info_get_peer_not_after (info), now) > 0);
  ck_assert_uint_gt (g_bytes_get_size (httplib_tls_info_get_peer_certificate (info)), 100);

  /* The PEM is the certificate file the server presents, byte for byte. */
  pem = httplib_tls_info_get_peer_certificate_pem (info);
  {
    g_autofree char *file = NULL;

    ck_assert (g_file_get_contents (test_certs_get ()->server_cert_file, &file, NULL, NULL));
    ck_assert_str_eq (pem, file);
  }
}
END_TEST

START_TEST (test_methods)
{
  const char *steps[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
    "HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated",
    "HTTP/1.1 204 No Content\r\n\r\n",
    NULL
  };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) post = NULL;
  g_autoptr(GBytes) put = NULL;
  HttplibResponse *response;

  response = test_do_request (conn, "HEAD", "/", NULL, NULL);
  test_assert_body (response, "");
  g_object_unref (response);
  response = test_do_request (conn, "POST", "/form", "a=1&b=2", NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 201);
  test_assert_body (response, "created");
  g_object_unref (response);
  response = test_do_request (conn, "PUT", "/file", "***contents***", NULL);
  ck_assert_uint_eq (httplib_response_get_status (response), 204);
  test_assert_body (response, "");
  g_object_unref (response);

  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
  post = test_server_get_request (server, 1);
  put = test_server_get_request (server, 2);
  body = test_request_get_body (post);
  test_assert_bytes_equal (body, "a=1&b=2", -1, "POST body");
  g_clear_pointer (&body, g_bytes_unref);
  body = test_request_get_body (put);
  test_assert_bytes_equal (body, "***contents***", -1, "PUT body");
  test_assert_request_line (put, "PUT /file HTTP/1.1");
}
END_TEST

/* After connect(), a TLS 1.3 server's session ticket waits in the socket;
 * the idle check must not take it for the server closing. */
START_TEST (test_keep_alive_after_connect)
{
  const char *steps[] = { OK_HELLO, OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  GError *error = NULL;
  HttplibResponse *response;

  ck_assert (httplib_connection_connect (conn, NULL, &error));
  httplib_assert_no_error (error);
  g_usleep (100 * 1000);  /* lets the ticket arrive */
  for (int i = 0; i < 2; i++)
    {
      response = test_do_request (conn, "GET", "/", NULL, NULL);
      test_assert_body (response, "hello");
      g_object_unref (response);
    }
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
  ck_assert_uint_eq (test_server_get_n_requests (server), 2);
}
END_TEST

START_TEST (test_chunked_split)
{
  const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n";
  const char *steps[] = { chunked, chunked, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->server_cert_file, certs->server_key_file);
  /* Written 3 bytes at a time: every piece is its own TLS record. */
  g_autoptr(TestServer) server = test_server_new_script_tls (steps, 3, &options);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);

      test_assert_body (response, "hello, world");
    }
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
}
END_TEST

/* Bigger than many records and than the read buffer, both ways. */
START_TEST (test_large_bodies)
{
  const gsize size = 1024 * 1024 + 17;
  g_autofree char *body = g_malloc (size + 1);
  g_autofree char *reply = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(GBytes) request = NULL;
  const char *steps[2] = { NULL, NULL };

  for (gsize i = 0; i < size; i++)
    body[i] = (char) ('a' + (i * 7) % 26);
  body[size] = '\0';
  reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                           size, body);
  steps[0] = reply;
  server = good_server (steps);
  conn = https_to (server, "localhost", settings);

  response = test_do_request (conn, "POST", "/upload", body, NULL);
  got = test_read_all (response);
  ck_assert_uint_eq (g_bytes_get_size (got), size);
  ck_assert (memcmp (g_bytes_get_data (got, NULL), body, size) == 0);
  request = test_server_get_request (server, 0);
  sent = test_request_get_body (request);
  ck_assert_uint_eq (g_bytes_get_size (sent), size);
  ck_assert (memcmp (g_bytes_get_data (sent, NULL), body, size) == 0);
}
END_TEST

START_TEST (test_ports)
{
  GError *error = NULL;
  g_autoptr(HttplibConnection) plain = httplib_connection_new ("example.invalid", 0, &error);
  g_autoptr(HttplibConnection) https = httplib_connection_new_https ("example.invalid", 0, NULL, &error);
  g_autoptr(HttplibConnection) explicit_port =
    httplib_connection_new_https ("example.invalid:8443", 0, NULL, &error);
  g_autoptr(HttplibConnection) bad = httplib_connection_new_https ("example.invalid:44x", 0, NULL, &error);

  ck_assert_ptr_null (bad);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INVALID_URL);
  g_clear_error (&error);
  ck_assert_uint_eq (httplib_connection_get_port (plain), HTTPLIB_HTTP_PORT);
  ck_assert_uint_eq (httplib_connection_get_port (https), HTTPLIB_HTTPS_PORT);
  ck_assert_uint_eq (httplib_connection_get_port (explicit_port), 8443);
  ck_assert_ptr_null (httplib_connection_get_tls_settings (plain));
  ck_assert_ptr_eq (httplib_connection_get_tls_settings (https), httplib_tls_settings_get_default ());
}
END_TEST

START_TEST (test_ip_address)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "127.0.0.1", settings);
  g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autofree char *sni = NULL;

  test_assert_body (response, "hello");
  /* RFC 6066: no SNI for an address; the IP SAN matched. */
  sni = test_server_get_tls_server_name (server, 0);
  ck_assert_ptr_null (sni);
  ck_assert_ptr_null (httplib_tls_info_get_server_name (httplib_connection_get_tls_info (conn)));
}
END_TEST

START_TEST (test_ip_only_certificate)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->ip_only_cert_file, certs->ip_only_key_file);
  g_autoptr(TestServer) server = test_server_new_script_tls (steps, 0, &options);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) by_address = https_to (server, "127.0.0.1", settings);
  g_autoptr(HttplibConnection) by_name = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = test_do_request (by_address, "GET", "/", NULL, NULL);
  g_autoptr(GError) error = NULL;

  test_assert_body (response, "hello");
  httplib_connection_close (by_address);
  error = test_get_error (by_name);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  test_assert_message_has (error, "certificate for 127.0.0.1, ::1 is not valid for host localhost");
}
END_TEST

START_TEST (test_ipv6)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->server_cert_file, certs->server_key_file);
  g_autoptr(TestServer) server = NULL;
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  TestScript script = { steps, 0, 0 };

  server = test_server_new_tls_ipv6 (test_script_handler, &script, &options);
  if (server == NULL)
    return;  /* no IPv6 loopback here; the message is on stderr */
  conn = https_to (server, "::1", settings);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
}
END_TEST

START_TEST (test_fileno)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);
  int fd = httplib_response_fileno (response);
  struct stat st;

  /* Python's HTTPResponse.fileno(): the socket under TLS. */
  ck_assert_int_ge (fd, 0);
  ck_assert_int_eq (fstat (fd, &st), 0);
  ck_assert (S_ISSOCK (st.st_mode));
  test_assert_body (response, "hello");
}
END_TEST

/* --- events --- */

typedef struct {
  GString        *events;
  HttplibConnection *conn;
  gboolean        info_at_handshaked;
} EventLog;

static void
on_event (HttplibConnection *conn, HttplibTransportEvent event, GIOStream *stream, EventLog *log)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (HTTPLIB_TYPE_TRANSPORT_EVENT);

  if (event == HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKED)
    log->info_at_handshaked = httplib_connection_get_tls_info (conn) != NULL &&
                              httplib_tls_info_get_for_stream (stream) ==
                              httplib_connection_get_tls_info (conn);
  g_string_append_printf (log->events, "%s%s", log->events->len ? " " : "",
                          g_enum_get_value (klass, event)->value_nick);
}

START_TEST (test_events)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "127.0.0.1", settings);
  g_autoptr(HttplibResponse) response = NULL;
  EventLog log = { g_string_new (NULL), conn, FALSE };

  g_signal_connect (conn, "event", G_CALLBACK (on_event), &log);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  ck_assert_msg (g_str_has_suffix (log.events->str,
                                   "connected complete tls-handshaking tls-handshaked complete"),
                 "events: %s", log.events->str);
  ck_assert (log.info_at_handshaked);
  g_string_free (log.events, TRUE);
}
END_TEST

/* --- session resumption --- */

static void
check_resumption (const char *priority, gboolean enabled)
{
  const char *steps[] = { OK_HELLO, TEST_STEP_WAIT_CLOSE, OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->server_cert_file, certs->server_key_file);
  g_autoptr(TestServer) server = NULL;
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = NULL;
  HttplibResponse *response;

  options.priority = priority;
  server = test_server_new_script_tls (steps, 0, &options);
  ck_assert_ptr_nonnull (server);
  httplib_tls_settings_set_session_resumption (settings, enabled);
  conn = https_to (server, "localhost", settings);

  for (guint i = 0; i < 2; i++)
    {
      response = test_do_request (conn, "GET", "/", NULL, NULL);
      test_assert_body (response, "hello");
      g_object_unref (response);
      ck_assert_int_eq (httplib_tls_info_get_session_resumed (httplib_connection_get_tls_info (conn)),
                        i == 1 && enabled);
      /* The keep-alive reconnect case: the next request opens it again. */
      httplib_connection_close (conn);
    }
  ck_assert_uint_eq (test_server_get_n_connections (server), 2);
  ck_assert (!test_server_get_tls_resumed (server, 0));
  ck_assert_int_eq (test_server_get_tls_resumed (server, 1), enabled);
  /* A resumed session still knows the server's certificate. */
  ck_assert_str_eq (httplib_tls_info_get_peer_subject (httplib_connection_get_tls_info (conn)),
                    "CN=localhost");
}

START_TEST (test_resumption_tls13)
{
  check_resumption (NULL, TRUE);
}
END_TEST

START_TEST (test_resumption_tls12)
{
  check_resumption ("NORMAL:-VERS-ALL:+VERS-TLS1.2", TRUE);
}
END_TEST

START_TEST (test_resumption_off)
{
  check_resumption (NULL, FALSE);
}
END_TEST

/* --- settings --- */

START_TEST (test_settings_defaults)
{
  HttplibTlsSettings *defaults = httplib_tls_settings_get_default ();
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  const char * const *alpn = httplib_tls_settings_get_alpn_protocols (settings);
  g_auto(GStrv) property = NULL;

  ck_assert_ptr_eq (defaults, httplib_tls_settings_get_default ());
  ck_assert (httplib_tls_settings_get_verify (settings));
  ck_assert (httplib_tls_settings_get_check_hostname (settings));
  ck_assert (httplib_tls_settings_get_session_resumption (settings));
  ck_assert_ptr_null (httplib_tls_settings_get_ca_file (settings));
  ck_assert_ptr_null (httplib_tls_settings_get_priority (settings));
  ck_assert_uint_eq (g_strv_length ((GStrv) alpn), 1);
  ck_assert_str_eq (alpn[0], "http/1.1");
  g_object_get (settings, "alpn-protocols", &property, NULL);
  ck_assert_str_eq (property[0], "http/1.1");
}
END_TEST

static void
count_notify (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

START_TEST (test_settings_notify)
{
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  const char *h2[] = { "h2", "http/1.1", NULL };
  guint count = 0;

  g_signal_connect (settings, "notify", G_CALLBACK (count_notify), &count);
  httplib_tls_settings_set_verify (settings, TRUE);          /* unchanged */
  httplib_tls_settings_set_ca_file (settings, NULL);         /* unchanged */
  ck_assert_uint_eq (count, 0);
  httplib_tls_settings_set_verify (settings, FALSE);
  httplib_tls_settings_set_ca_file (settings, "/x.pem");
  httplib_tls_settings_set_alpn_protocols (settings, h2);
  httplib_tls_settings_set_alpn_protocols (settings, h2);  /* unchanged */
  httplib_tls_settings_set_client_certificate (settings, "/c.pem", "/k.pem");
  ck_assert_uint_eq (count, 5);
  ck_assert_str_eq (httplib_tls_settings_get_cert_file (settings), "/c.pem");
  ck_assert_str_eq (httplib_tls_settings_get_key_file (settings), "/k.pem");
  ck_assert_str_eq (httplib_tls_settings_get_alpn_protocols (settings)[0], "h2");
}
END_TEST

/* The credentials are read once per settings object: with the CA file
 * gone, a second connection still verifies; a changed setting reloads. */
START_TEST (test_settings_loaded_once)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) first = good_server (steps);
  g_autoptr(TestServer) second = good_server (steps);
  g_autoptr(TestServer) third = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autofree char *ca = g_build_filename (test_certs_get ()->dir, "once-ca.pem", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(HttplibConnection) conn1 = NULL;
  g_autoptr(HttplibConnection) conn2 = NULL;
  g_autoptr(HttplibConnection) conn3 = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert (g_file_get_contents (test_certs_get ()->ca_file, &contents, &len, NULL));
  ck_assert (g_file_set_contents (ca, contents, (gssize) len, NULL));
  httplib_tls_settings_set_ca_file (settings, ca);

  conn1 = https_to (first, "localhost", settings);
  response = test_do_request (conn1, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  g_clear_object (&response);

  ck_assert_int_eq (g_unlink (ca), 0);
  conn2 = https_to (second, "localhost", settings);
  response = test_do_request (conn2, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");

  httplib_tls_settings_set_priority (settings, "NORMAL");
  conn3 = https_to (third, "localhost", settings);
  error = test_get_error (conn3);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS);
  test_assert_message_has (error, ca);
}
END_TEST

START_TEST (test_ca_path)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;

  httplib_tls_settings_set_ca_path (settings, test_certs_get ()->ca_dir);
  conn = https_to (server, "localhost", settings);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
}
END_TEST

/* Verification by default: the test CA is not in the system trust store. */
START_TEST (test_default_settings_verify)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", NULL);
  g_autoptr(GError) error = test_get_error (conn);

  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  test_assert_message_has (error, "was issued by an untrusted authority (CN=libhttplib test CA)");
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
}
END_TEST

START_TEST (test_verify_off)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->self_signed_cert_file, certs->self_signed_key_file);
  g_autoptr(TestServer) server = test_server_new_script_tls (steps, 0, &options);
  g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;

  httplib_tls_settings_set_verify (settings, FALSE);
  conn = https_to (server, "localhost", settings);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  ck_assert (!httplib_tls_info_get_verified (httplib_connection_get_tls_info (conn)));
}
END_TEST

START_TEST (test_check_hostname_off)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->wrong_host_cert_file, certs->wrong_host_key_file);
  g_autoptr(TestServer) server = test_server_new_script_tls (steps, 0, &options);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;

  httplib_tls_settings_set_check_hostname (settings, FALSE);
  conn = https_to (server, "localhost", settings);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  ck_assert (httplib_tls_info_get_verified (httplib_connection_get_tls_info (conn)));
}
END_TEST

/* --- certificates that must be refused --- */

typedef struct {
  const char *what;
  gsize       cert_offset;  /* into TestCerts */
  gsize       key_offset;
  const char *host;
  const char *message;
} BadCertificate;

static const BadCertificate bad_certificates[] = {
  { "self-signed", G_STRUCT_OFFSET (TestCerts, self_signed_cert_file),
    G_STRUCT_OFFSET (TestCerts, self_signed_key_file), "localhost",
    "certificate for localhost, 127.0.0.1, ::1 is self-signed and not trusted" },
  { "unknown CA", G_STRUCT_OFFSET (TestCerts, unknown_ca_cert_file),
    G_STRUCT_OFFSET (TestCerts, unknown_ca_key_file), "localhost",
    "was issued by an untrusted authority" },
  { "expired", G_STRUCT_OFFSET (TestCerts, expired_cert_file),
    G_STRUCT_OFFSET (TestCerts, expired_key_file), "localhost",
    "certificate for localhost, 127.0.0.1, ::1 expired on " },
  { "not yet valid", G_STRUCT_OFFSET (TestCerts, not_yet_valid_cert_file),
    G_STRUCT_OFFSET (TestCerts, not_yet_valid_key_file), "localhost",
    "certificate for localhost, 127.0.0.1, ::1 is not valid before " },
  { "wrong host", G_STRUCT_OFFSET (TestCerts, wrong_host_cert_file),
    G_STRUCT_OFFSET (TestCerts, wrong_host_key_file), "127.0.0.1",
    "certificate for wrong.example is not valid for host 127.0.0.1" },
  { "wrong host by name", G_STRUCT_OFFSET (TestCerts, wrong_host_cert_file),
    G_STRUCT_OFFSET (TestCerts, wrong_host_key_file), "localhost",
    "certificate for wrong.example is not valid for host localhost" },
};

START_TEST (test_bad_certificate)
{
  const BadCertificate *row = &bad_certificates[_i];
  const TestCerts *certs = test_certs_get ();
  const char *steps[] = { OK_HELLO, NULL };
  TestTlsOptions options = options_for (G_STRUCT_MEMBER (char *, certs, row->cert_offset),
                                        G_STRUCT_MEMBER (char *, certs, row->key_offset));
  g_autoptr(TestServer) server = test_server_new_script_tls (steps, 0, &options);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;

  ck_assert_ptr_nonnull (server);
  conn = https_to (server, row->host, settings);
  error = test_get_error (conn);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE);
  test_assert_message_has (error, row->message);

  /* Nothing was sent over the refused connection, and it is closed. */
  ck_assert (test_server_wait_handled (server, 1));
  ck_assert (test_server_get_tls_handshake_failed (server, 0));
  received = test_server_get_received (server, 0);
  ck_assert_msg (g_bytes_get_size (received) == 0, "%s: the server got %" G_GSIZE_FORMAT " bytes",
                 row->what, g_bytes_get_size (received));
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
  ck_assert_ptr_null (httplib_connection_get_tls_info (conn));
  ck_assert_int_ne (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_IDLE);
}
END_TEST

/* --- client certificates --- */

static TestServer *
client_cert_server (const char * const *steps, TestTlsClientCert mode)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->server_cert_file, certs->server_key_file);
  TestServer *server;

  options.ca_file = certs->ca_file;
  options.client_cert = mode;
  server = test_server_new_script_tls (steps, 0, &options);
  ck_assert_ptr_nonnull (server);
  return server;
}

START_TEST (test_client_certificate)
{
  const char *steps[] = { OK_HELLO, NULL };
  const TestCerts *certs = test_certs_get ();
  g_autoptr(TestServer) server = client_cert_server (steps, TEST_TLS_CLIENT_CERT_REQUIRE);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autofree char *subject = NULL;

  httplib_tls_settings_set_client_certificate (settings, certs->client_cert_file,
                                               certs->client_key_file);
  conn = https_to (server, "localhost", settings);
  response = test_do_request (conn, "GET", "/", NULL, NULL);
  test_assert_body (response, "hello");
  subject = test_server_get_tls_client_subject (server, 0);
  ck_assert_str_eq (subject, "CN=test client");
}
END_TEST

START_TEST (test_client_certificate_requested)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = client_cert_server (steps, TEST_TLS_CLIENT_CERT_REQUEST);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autofree char *subject = NULL;

  test_assert_body (response, "hello");
  subject = test_server_get_tls_client_subject (server, 0);
  ck_assert_ptr_null (subject);
}
END_TEST

START_TEST (test_client_certificate_missing)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = client_cert_server (steps, TEST_TLS_CLIENT_CERT_REQUIRE);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(GError) error = test_get_error (conn);

  /* TLS 1.3 finishes the client's handshake first: the refusal comes as an
   * alert on the first read. */
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS);
  test_assert_message_has (error, "alert");
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
}
END_TEST

/* --- broken servers --- */

static void
close_during_handshake (TestConn *conn, guint index, gpointer user_data)
{
  GString *hello = g_string_new (NULL);

  test_conn_read_exact (conn, 5, hello);  /* the ClientHello's record header */
  g_string_free (hello, TRUE);
  test_conn_close (conn);
}

static void
plain_http_on_tls_port (TestConn *conn, guint index, gpointer user_data)
{
  const char *reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  GString *hello = g_string_new (NULL);

  test_conn_read_exact (conn, 5, hello);
  g_string_free (hello, TRUE);
  test_conn_write (conn, reply, -1);
  test_conn_close (conn);
}

static TestServer *
raw_server (TestServerHandler handler)
{
  const TestCerts *certs = test_certs_get ();
  TestTlsOptions options = options_for (certs->server_cert_file, certs->server_key_file);
  TestServer *server;

  options.no_handshake = TRUE;
  server = test_server_new_tls (handler, NULL, &options);
  ck_assert_ptr_nonnull (server);
  return server;
}

START_TEST (test_close_during_handshake)
{
  g_autoptr(TestServer) server = raw_server (close_during_handshake);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(GError) error = test_get_error (conn);

  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS);
  test_assert_message_has (error, "the server closed the connection");
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);
}
END_TEST

START_TEST (test_plain_http_on_tls_port)
{
  g_autoptr(TestServer) server = raw_server (plain_http_on_tls_port);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(GError) error = test_get_error (conn);

  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS);
  test_assert_message_has (error, "plain HTTP");
}
END_TEST

static void
truncated_record_mid_body (TestConn *conn, guint index, gpointer user_data)
{
  const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
  g_autoptr(GString) request = test_conn_read_request (conn);

  test_conn_write (conn, head, -1);
  test_conn_write_truncated_record (conn, "abcdefghijklmnopqrstuvwxyz", 26, 12);
  test_conn_close_abruptly (conn);
}

START_TEST (test_truncated_record)
{
  g_autoptr(TestServer) server = good_handler_server (truncated_record_mid_body);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = httplib_response_read (response, -1, NULL, &error);

  /* Python's IncompleteRead, never a silently short body. */
  ck_assert_ptr_null (body);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ);
  test_assert_message_has (error, "10 bytes read, 90 more expected");
}
END_TEST

static void
chunked_cut_without_close_notify (TestConn *conn, guint index, gpointer user_data)
{
  g_autoptr(GString) request = test_conn_read_request (conn);

  test_conn_write (conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", -1);
  test_conn_close_abruptly (conn);
}

/* TCP closed without TLS's close_notify in the middle of a chunked body. */
START_TEST (test_truncated_chunked)
{
  g_autoptr(TestServer) server = good_handler_server (chunked_cut_without_close_notify);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = httplib_response_read (response, -1, NULL, &error);

  ck_assert_ptr_null (body);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_INCOMPLETE_READ);
}
END_TEST

static void
until_close_then_close_notify (TestConn *conn, guint index, gpointer user_data)
{
  g_autoptr(GString) request = test_conn_read_request (conn);

  test_conn_write (conn, "HTTP/1.1 200 OK\r\n\r\nall of it", -1);
  test_conn_close (conn);
}

START_TEST (test_body_until_close)
{
  g_autoptr(TestServer) server = good_handler_server (until_close_then_close_notify);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(HttplibResponse) response = test_do_request (conn, "GET", "/", NULL, NULL);

  test_assert_body (response, "all of it");
}
END_TEST

/* --- timeouts and cancellation during the handshake --- */

static void
hang_in_handshake (TestConn *conn, guint index, gpointer user_data)
{
  /* Takes the ClientHello and never answers, until the client goes. */
  g_autoptr(GString) rest = test_conn_read_until_close (conn);
}


START_TEST (test_cancel_handshake)
{
  g_autoptr(TestServer) server = raw_server (hang_in_handshake);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = https_to (server, "localhost", settings);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  GThread *thread = test_cancel_later (cancellable, 200);
  gint64 start = g_get_monotonic_time ();

  ck_assert (!httplib_connection_connect (conn, cancellable, &error));
  g_thread_join (thread);
  httplib_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Bounded well below the 10 s timeout: the cancellation ended it. */
  ck_assert_int_lt (g_get_monotonic_time () - start, 8 * G_USEC_PER_SEC);
  ck_assert_int_eq (httplib_connection_get_state (conn), HTTPLIB_CONNECTION_STATE_DISCONNECTED);

  /* Usable after close: the next attempt runs again (and times out). */
  httplib_connection_close (conn);
  httplib_connection_set_timeout (conn, 1, NULL);
  ck_assert (!httplib_connection_connect (conn, NULL, &again));
  httplib_assert_error (again, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  ck_assert_uint_ge (test_server_get_n_connections (server), 2);
}
END_TEST

/* --- settings that cannot be loaded, and a misbuilt chain --- */

typedef struct {
  const char *what;
  void      (*apply) (HttplibTlsSettings *settings);
  const char *message;
} BadSettings;

static void
missing_ca_file (HttplibTlsSettings *settings)
{
  httplib_tls_settings_set_ca_file (settings, "/nonexistent/ca.pem");
}

static void
not_pem_ca_file (HttplibTlsSettings *settings)
{
  httplib_tls_settings_set_ca_file (settings, test_certs_get ()->client_key_file);
}

static void
ca_path_not_folder (HttplibTlsSettings *settings)
{
  httplib_tls_settings_set_ca_path (settings, test_certs_get ()->ca_file);
}

static void
bad_priority (HttplibTlsSettings *settings)
{
  httplib_tls_settings_set_priority (settings, "NORMAL:+NO-SUCH-THING");
}

static void
missing_client_cert (HttplibTlsSettings *settings)
{
  httplib_tls_settings_set_client_certificate (settings, "/nonexistent/client.pem", NULL);
}

static void
key_without_cert (HttplibTlsSettings *settings)
{
  httplib_tls_settings_set_client_certificate (settings, NULL, test_certs_get ()->client_key_file);
}

static void
empty_alpn (HttplibTlsSettings *settings)
{
  const char *names[] = { "http/1.1", "", NULL };

  httplib_tls_settings_set_alpn_protocols (settings, names);
}

static const BadSettings bad_settings[] = {
  { "missing CA file", missing_ca_file, "cannot load CA file “/nonexistent/ca.pem”" },
  { "CA file without certificates", not_pem_ca_file, "holds no PEM certificate" },
  { "CA path that is a file", ca_path_not_folder, "is not a folder" },
  { "bad priority string", bad_priority, "invalid TLS priority string “NORMAL:+NO-SUCH-THING”" },
  { "missing client certificate", missing_client_cert,
    "cannot load client certificate “/nonexistent/client.pem”" },
  { "key without certificate", key_without_cert, "given without a certificate file" },
  { "empty ALPN name", empty_alpn, "ALPN protocol name “” must be 1 to 255 bytes long" },
};

START_TEST (test_bad_settings)
{
  const BadSettings *row = &bad_settings[_i];
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = good_server (steps);
  g_autoptr(HttplibTlsSettings) settings = trusting_settings ();
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  row->apply (settings);
  conn = https_to (server, "localhost", settings);
  error = test_get_error (conn);
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS);
  test_assert_message_has (error, row->message);
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
}
END_TEST

START_TEST (test_tls_without_transport_below)
{
  g_autoptr(HttplibConnection) conn = NULL;
  GError *error = NULL;

  conn = httplib_connection_new ("127.0.0.1", 9, &error);
  httplib_assert_no_error (error);
  httplib_connection_set_transport (conn, "tls");
  ck_assert (!httplib_connection_connect (conn, NULL, &error));
  httplib_assert_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN);
  test_assert_message_has (error, "needs a transport below it");
  g_error_free (error);
}
END_TEST

static Suite *
tls_suite (void)
{
  Suite *suite = suite_create ("tls");
  TCase *tc;

  tc = tcase_create ("requests");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_get);
  tcase_add_test (tc, test_tls_info);
  tcase_add_test (tc, test_methods);
  tcase_add_test (tc, test_keep_alive_after_connect);
  tcase_add_test (tc, test_chunked_split);
  tcase_add_test (tc, test_large_bodies);
  tcase_add_test (tc, test_ports);
  tcase_add_test (tc, test_ip_address);
  tcase_add_test (tc, test_ip_only_certificate);
  tcase_add_test (tc, test_ipv6);
  tcase_add_test (tc, test_fileno);
  tcase_add_test (tc, test_events);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("resumption");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_resumption_tls13);
  tcase_add_test (tc, test_resumption_tls12);
  tcase_add_test (tc, test_resumption_off);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("settings");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_settings_defaults);
  tcase_add_test (tc, test_settings_notify);
  tcase_add_test (tc, test_settings_loaded_once);
  tcase_add_test (tc, test_ca_path);
  tcase_add_test (tc, test_default_settings_verify);
  tcase_add_test (tc, test_verify_off);
  tcase_add_test (tc, test_check_hostname_off);
  tcase_add_loop_test (tc, test_bad_settings, 0, G_N_ELEMENTS (bad_settings));
  tcase_add_test (tc, test_tls_without_transport_below);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("verification");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_loop_test (tc, test_bad_certificate, 0, G_N_ELEMENTS (bad_certificates));
  tcase_add_test (tc, test_client_certificate);
  tcase_add_test (tc, test_client_certificate_requested);
  tcase_add_test (tc, test_client_certificate_missing);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("failures");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_close_during_handshake);
  tcase_add_test (tc, test_plain_http_on_tls_port);
  tcase_add_test (tc, test_truncated_record);
  tcase_add_test (tc, test_truncated_chunked);
  tcase_add_test (tc, test_body_until_close);
  tcase_add_test (tc, test_cancel_handshake);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (tls_suite)
