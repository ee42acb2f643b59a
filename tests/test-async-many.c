/* test-async-many.c: 200 connections at once from one main loop, 50
 * requests each, every byte checked, and no descriptor left open */
#include <httplib/httplib.h>
#include <stdio.h>
#include <string.h>

#include "test-utils.h"

#define N_CONNECTIONS 200
#define N_REQUESTS 50

/* --- a server that answers many connections at once --- */

/* Each request "GET /c<i>/r<j>" gets a body naming it, so a client that
 * mixed responses up would see the wrong body. */
static gboolean
serve_connection (GThreadedSocketService *service,
                  GSocketConnection      *connection,
                  GObject                *source_object,
                  gpointer                user_data)
{
  g_autoptr(GDataInputStream) in =
    g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_socket_set_timeout (g_socket_connection_get_socket (connection), 60);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  for (guint requests = 0; requests < N_REQUESTS; requests++)
    {
      g_autofree char *request_line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      g_autofree char *body = NULL;
      g_autofree char *reply = NULL;
      char path[64] = "";

      if (request_line == NULL)
        break;
      for (guint lines = 0; lines < 100; lines++)
        {
          g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

          if (line == NULL || line[0] == '\0')
            break;
        }
      sscanf (request_line, "GET %63s", path);
      body = g_strdup_printf ("answer to %s", path);
      reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
                               strlen (body), body);
      if (!g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL))
        break;
    }
  return TRUE;
}

/* --- the clients --- */

typedef struct _Client Client;

typedef struct {
  Client    *clients;
  guint      n_running;
  guint      n_ok;
  guint      n_requests;
  GString   *failures;
  GMainLoop *loop;
} Run;

struct _Client {
  Run               *run;
  guint              index;
  guint              request;
  HttplibConnection *conn;
  HttplibResponse   *response;
};

static void send_next (Client *client);

static void
client_fail (Client *client, const char *what, GError *error)
{
  if (client->run->failures->len < 2000)
    g_string_append_printf (client->run->failures, "client %u request %u: %s: %s\n",
                            client->index, client->request, what,
                            error ? error->message : "wrong body");
  if (--client->run->n_running == 0)
    g_main_loop_quit (client->run->loop);
}

static void
on_body (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = httplib_response_read_all_finish (HTTPLIB_RESPONSE (source),
                                                             result, &error);
  g_autofree char *expected = g_strdup_printf ("answer to /c%u/r%u", client->index,
                                               client->request);

  g_clear_object (&client->response);
  if (body == NULL)
    {
      client_fail (client, "read", error);
      return;
    }
  if (g_bytes_get_size (body) != strlen (expected) ||
      memcmp (g_bytes_get_data (body, NULL), expected, strlen (expected)) != 0)
    {
      client_fail (client, "body", NULL);
      return;
    }
  client->request++;
  send_next (client);
}

static void
on_response (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  client->response = httplib_connection_get_response_finish (client->conn, result, &error);
  if (client->response == NULL)
    {
      client_fail (client, "get_response", error);
      return;
    }
  httplib_response_read_all_async (client->response, NULL, on_body, client);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  if (!httplib_connection_request_finish (client->conn, result, &error))
    {
      client_fail (client, "request", error);
      return;
    }
  httplib_connection_get_response_async (client->conn, NULL, on_response, client);
}

static void
send_next (Client *client)
{
  g_autofree char *url = NULL;

  if (client->request == client->run->n_requests)
    {
      client->run->n_ok++;
      if (--client->run->n_running == 0)
        g_main_loop_quit (client->run->loop);
      return;
    }
  url = g_strdup_printf ("/c%u/r%u", client->index, client->request);
  httplib_connection_request_async (client->conn, "GET", url, NULL, NULL, NULL, on_sent, client);
}

/* The open descriptors, as "fd -> target" lines. */
static char *
list_open_fds (guint *count)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  GString *list = g_string_new (NULL);
  const char *name;

  ck_assert_ptr_nonnull (dir);
  *count = 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_string_append_printf (list, "%s -> %s\n", name, target ? target : "?");
      (*count)++;
    }
  return g_string_free (list, FALSE);
}

/* Iterates until at most limit descriptors are open (10 s at most);
 * returns their list. */
static char *
wait_for_fds (guint limit, guint *count)
{
  char *list = NULL;
  guint n = 0;

  for (guint tries = 0; tries < 200; tries++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_free (list);
      list = list_open_fds (&n);
      if (n <= limit)
        break;
      g_usleep (50 * 1000);
    }
  if (count != NULL)
    *count = n;
  return list;
}

static guint
count_threads (void)
{
  g_autofree char *status = NULL;
  const char *field;

  ck_assert (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  field = strstr (status, "Threads:");
  ck_assert_ptr_nonnull (field);
  return (guint) g_ascii_strtoull (field + 8, NULL, 10);
}

static gboolean
on_too_long (gpointer user_data)
{
  Run *run = user_data;

  g_string_append (run->failures, "the run did not finish within 240 s\n");
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

/* n_connections clients of n_requests each; returns the failures, "" when none. */
static char *
run_clients (guint16 port, guint n_connections, guint n_requests)
{
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", port);
  Run run = { 0 };
  guint timer;

  run.clients = g_new0 (Client, n_connections);
  run.failures = g_string_new (NULL);
  run.loop = g_main_loop_new (NULL, FALSE);
  run.n_running = n_connections;
  run.n_requests = n_requests;
  for (guint i = 0; i < n_connections; i++)
    {
      run.clients[i].run = &run;
      run.clients[i].index = i;
      run.clients[i].conn = httplib_connection_new (host, 0, NULL);
      httplib_connection_set_timeout (run.clients[i].conn, 60, NULL);
      send_next (&run.clients[i]);
    }
  timer = g_timeout_add_seconds (240, on_too_long, &run);
  g_main_loop_run (run.loop);
  g_source_remove (timer);

  if (run.failures->len == 0 && run.n_ok != n_connections)
    g_string_append_printf (run.failures, "%u of %u clients finished\n", run.n_ok, n_connections);
  for (guint i = 0; i < n_connections; i++)
    g_object_unref (run.clients[i].conn);
  g_free (run.clients);
  g_main_loop_unref (run.loop);
  return g_string_free (run.failures, FALSE);
}

START_TEST (test_many_connections)
{
  GSocketService *service = g_threaded_socket_service_new (64);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warm_up = NULL;
  g_autofree char *failures = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  guint fds_before, fds_after = 0;
  guint threads_before = count_threads ();
  guint16 port;

  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), N_CONNECTIONS);
  ck_assert (g_socket_listener_add_address (G_SOCKET_LISTENER (service), any_port,
                                            G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                            NULL, &bound, &error));
  httplib_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (service, "run", G_CALLBACK (serve_connection), NULL);
  g_socket_service_start (service);

  /* One request first, so GLib's own lazily made descriptors (main
   * context and worker wakeups) exist before the count. */
  warm_up = run_clients (port, 1, 1);
  ck_assert_str_eq (warm_up, "");
  g_free (wait_for_fds (G_MAXUINT, NULL));
  before = list_open_fds (&fds_before);

  failures = run_clients (port, N_CONNECTIONS, N_REQUESTS);
  ck_assert_msg (failures[0] == '\0', "%s", failures);

  /* The server's threads finish their connections as the clients go. */
  after = wait_for_fds (fds_before, &fds_after);
  ck_assert_msg (fds_after <= fds_before, "%u descriptors open before:\n%safter:\n%s",
                 fds_before, before, after);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_object_unref (service);

  /* Let the server's pool threads that are going away be gone (10 s at
   * most): LeakSanitizer's check at exit cannot stop a thread mid-exit. */
  for (guint tries = 0; tries < 200 && count_threads () > threads_before + 4; tries++)
    g_usleep (50 * 1000);
}
END_TEST

static Suite *
async_many_suite (void)
{
  Suite *suite = suite_create ("async-many");
  TCase *tc = tcase_create ("many");

  tcase_set_timeout (tc, 280);
  tcase_add_test (tc, test_many_connections);
  suite_add_tcase (suite, tc);
  return suite;
}

HTTPLIB_TEST_MAIN (async_many_suite)
