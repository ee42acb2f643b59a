/* test-fetch.c: the httplib-fetch command, run as a program against the
 * in-process loopback servers (plain, TLS, the CONNECT proxy): its options,
 * exit statuses, trace, progress bar, plugin listing and man page */
#include <httplib/httplib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test-certs.h"
#include "test-proxy.h"
#include "test-server.h"
#include "test-utils.h"

#define OK_HELLO "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define OK_EMPTY "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define NOT_FOUND "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"
#define SERVER_ERROR "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops"

/* How long one run of the program may take before the test kills it. */
#define RUN_TIMEOUT_S 30

/* The exit statuses the man page documents. */
enum {
  EXIT_OK = 0,
  EXIT_LOCAL = 1,
  EXIT_USAGE = 2,
  EXIT_CONNECT = 3,
  EXIT_CERTIFICATE = 4,
  EXIT_TLS = 5,
  EXIT_TUNNEL = 6,
  EXIT_PROTOCOL = 7,
  EXIT_TIMEOUT = 8,
  EXIT_HTTP = 9,
};

/* --- running the program --- */

typedef struct {
  int     status;   /* the exit status */
  GBytes *out;      /* standard output, as bytes */
  char   *err;      /* standard error */
  double  seconds;  /* how long it ran */
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->out, g_bytes_unref);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

typedef struct {
  gboolean  done;
  GBytes   *out, *err;
  GError   *error;
} Wait;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &wait->out, &wait->err,
                                   &wait->error);
  wait->done = TRUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs argv with input on standard input (NULL: none) and waits at most
 * RUN_TIMEOUT_S; the test fails if it takes longer or dies of a signal. */
static Run *
run_argv (const char * const *argv,
          const char         *input)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) stdin_bytes = g_bytes_new (input, input != NULL ? strlen (input) : 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) timer = NULL;
  gboolean expired = FALSE;
  Wait wait = { 0 };
  Run *run = g_new0 (Run, 1);
  gint64 start = g_get_monotonic_time ();

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  ck_assert_msg (process != NULL, "cannot run %s: %s", argv[0], error ? error->message : "");

  g_main_context_push_thread_default (context);
  timer = g_timeout_source_new_seconds (RUN_TIMEOUT_S);
  g_source_set_callback (timer, on_deadline, &expired, NULL);
  g_source_attach (timer, context);
  g_subprocess_communicate_async (process, stdin_bytes, NULL, on_communicated, &wait);
  while (!wait.done && !expired)
    g_main_context_iteration (context, TRUE);
  if (!wait.done)
    {
      /* Killed, so the pipes close and communicate() returns soon. */
      g_subprocess_force_exit (process);
      while (!wait.done)
        g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timer);
  g_main_context_pop_thread_default (context);

  ck_assert_msg (!expired, "%s ran longer than %d s", argv[0], RUN_TIMEOUT_S);
  ck_assert_msg (wait.error == NULL, "communicating with %s: %s", argv[0],
                 wait.error ? wait.error->message : "");
  ck_assert_msg (g_subprocess_get_if_exited (process), "%s died of signal %d; stderr: %.*s",
                 argv[0], g_subprocess_get_if_signaled (process) ? g_subprocess_get_term_sig (process) : 0,
                 (int) g_bytes_get_size (wait.err), (const char *) g_bytes_get_data (wait.err, NULL));

  run->status = g_subprocess_get_exit_status (process);
  run->out = wait.out;
  /* Empty GBytes may have NULL data. */
  run->err = g_strndup (g_bytes_get_size (wait.err) > 0 ? g_bytes_get_data (wait.err, NULL) : "",
                        g_bytes_get_size (wait.err));
  run->seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_bytes_unref (wait.err);
  return run;
}

/* Runs httplib-fetch with the arguments in a GPtrArray of strings. */
static Run *
fetch_array (GPtrArray  *args,
             const char *input)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) FETCH_PATH);
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, args->pdata[i]);
  g_ptr_array_add (argv, NULL);
  return run_argv ((const char * const *) argv->pdata, input);
}

/* Runs httplib-fetch with a NULL-terminated list of arguments. */
static Run *
fetch_with_input (const char *input,
                  ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, input);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  return fetch_array (args, input);
}

#define fetch(...) fetch_with_input (NULL, __VA_ARGS__, NULL)

static char *
url_for (TestServer *server,
         const char *scheme,
         const char *host,
         const char *path)
{
  return g_strdup_printf ("%s://%s:%u%s", scheme, host, test_server_get_port (server), path);
}

static char *
out_string (Run *run)
{
  return g_strndup (g_bytes_get_size (run->out) > 0 ? g_bytes_get_data (run->out, NULL) : "",
                    g_bytes_get_size (run->out));
}

static void
assert_status (Run *run,
               int  expected)
{
  ck_assert_msg (run->status == expected, "expected exit status %d, got %d; stderr: %s",
                 expected, run->status, run->err);
}

/* A success: status 0, the body on stdout, nothing on stderr. */
static void
assert_fetched (Run        *run,
                const char *body)
{
  assert_status (run, EXIT_OK);
  test_assert_bytes_equal (run->out, body, -1, "standard output");
  ck_assert_msg (*run->err == '\0', "expected nothing on stderr, got: %s", run->err);
}

/* A failure: status, one line "httplib-fetch: <prefix>..." on stderr, and
 * no output. */
static void
assert_failed (Run        *run,
               int         status,
               const char *prefix)
{
  g_autofree char *expected = g_strconcat ("httplib-fetch: ", prefix, NULL);
  const char *newline = strchr (run->err, '\n');

  assert_status (run, status);
  ck_assert_msg (g_str_has_prefix (run->err, expected), "expected stderr to start with '%s', got '%s'",
                 expected, run->err);
  ck_assert_msg (newline != NULL && newline[1] == '\0', "expected one line on stderr, got '%s'", run->err);
  ck_assert_msg (g_bytes_get_size (run->out) == 0, "expected no output, got %" G_GSIZE_FORMAT " bytes",
                 g_bytes_get_size (run->out));
}

static void
assert_has (const char *haystack,
            const char *needle,
            const char *what)
{
  ck_assert_msg (strstr (haystack, needle) != NULL, "expected %s to contain '%s', got '%s'",
                 what, needle, haystack);
}

static TestServer *
tls_server (const char *steps[],
            const char *cert_file,
            const char *key_file)
{
  TestTlsOptions options = { 0 };
  TestServer *server;

  options.cert_file = cert_file;
  options.key_file = key_file;
  server = test_server_new_script_tls (steps, 0, &options);
  ck_assert_ptr_nonnull (server);
  return server;
}

static char *
temp_file_with (const char *data,
                gsize       len)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("httplib-fetch-XXXXXX", &path, &error);

  httplib_assert_no_error (error);
  close (fd);
  ck_assert (g_file_set_contents (path, data, (gssize) len, NULL));
  return path;
}

static gboolean
have_ipv6_loopback (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  return socket != NULL && g_socket_bind (socket, address, FALSE, NULL);
}

static void slow_body_handler (TestConn *conn, guint index, gpointer user_data);

/* --- requests and their options --- */

START_TEST (test_get)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/path/a%20b?q=1&r=2#frag");
  g_autoptr(Run) run = fetch (url);
  g_autoptr(GBytes) request = NULL;
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (server));

  assert_fetched (run, "hello");
  request = test_server_get_request (server, 0);
  /* The path and query go as written; the fragment stays home. */
  test_assert_request_line (request, "GET /path/a%20b?q=1&r=2 HTTP/1.1");
  test_assert_request_header (request, "Host", host);
}
END_TEST

START_TEST (test_ipv6)
{
  const char *steps[] = { OK_HELLO, NULL };
  TestScript script = { steps, 0, 0 };
  g_autoptr(TestServer) server = test_server_new_ipv6 (test_script_handler, &script);
  g_autoptr(Run) run = NULL;
  g_autofree char *url = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GBytes) request = NULL;

  if (server == NULL)
    return;  /* no IPv6 loopback here */
  url = url_for (server, "http", "[::1]", "/");
  run = fetch (url);
  assert_fetched (run, "hello");
  request = test_server_get_request (server, 0);
  host = g_strdup_printf ("[::1]:%u", test_server_get_port (server));
  test_assert_request_header (request, "Host", host);
}
END_TEST

START_TEST (test_include)
{
  const char *steps[] = { "HTTP/1.1 201 Created\r\nX-One: 1\r\nContent-Length: 5\r\n\r\nhello", NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) run = fetch ("-i", url);

  assert_fetched (run, "HTTP/1.1 201 Created\nX-One: 1\nContent-Length: 5\n\nhello");
}
END_TEST

START_TEST (test_head)
{
  const char *steps[] = { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/doc");
  g_autoptr(Run) run = fetch ("-I", url);
  g_autoptr(GBytes) request = NULL;

  /* HEAD's Content-Length announces no body: nothing is waited for. */
  assert_fetched (run, "HTTP/1.1 200 OK\nContent-Length: 1000\n\n");
  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "HEAD /doc HTTP/1.1");
}
END_TEST

START_TEST (test_method_and_headers)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/item");
  g_autoptr(Run) run = fetch ("-X", "DELETE", "-H", "X-First: one", "--header=X-Second:two  ",
                              "-H", "Host: other.example", url);
  g_autoptr(GBytes) request = NULL;

  assert_fetched (run, "hello");
  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "DELETE /item HTTP/1.1");
  test_assert_request_header (request, "X-First", "one");
  test_assert_request_header (request, "X-Second", "two");
  /* A Host of the user's replaces the one made from the URL. */
  test_assert_request_header (request, "Host", "other.example");
}
END_TEST

START_TEST (test_data)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/form");
  g_autoptr(Run) run = fetch ("-d", "a=1&b=2", url);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) body = NULL;

  assert_fetched (run, "hello");
  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "POST /form HTTP/1.1");
  test_assert_request_header (request, "Content-Length", "7");
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, "a=1&b=2", -1, "request body");
}
END_TEST

START_TEST (test_data_file)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/upload");
  g_autofree char *path = temp_file_with ("file body\n", 10);
  g_autoptr(Run) run = fetch ("-X", "PUT", "--data-file", path, url);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) body = NULL;

  assert_fetched (run, "hello");
  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "PUT /upload HTTP/1.1");
  /* A regular file goes with its length. */
  test_assert_request_header (request, "Content-Length", "10");
  test_assert_request_header (request, "Transfer-Encoding", NULL);
  body = test_request_get_body (request);
  test_assert_bytes_equal (body, "file body\n", -1, "request body");
  g_unlink (path);
}
END_TEST

START_TEST (test_data_stdin)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/upload");
  g_autoptr(Run) run = fetch_with_input ("from a pipe", "--data-file", "-", url, NULL);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) decoded = NULL;

  assert_fetched (run, "hello");
  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "POST /upload HTTP/1.1");
  /* A pipe has no length: chunked. */
  test_assert_request_header (request, "Transfer-Encoding", "chunked");
  test_assert_request_header (request, "Content-Length", NULL);
  body = test_request_get_body (request);
  decoded = test_decode_chunked (body);
  ck_assert_ptr_nonnull (decoded);
  test_assert_bytes_equal (decoded, "from a pipe", -1, "decoded body");
}
END_TEST

START_TEST (test_output_file)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autofree char *path = temp_file_with ("old contents, longer", 20);
  g_autoptr(Run) run = fetch ("-o", path, url);
  g_autofree char *contents = NULL;

  /* Nothing on stdout, and no bar on stderr: it is not a terminal. */
  assert_fetched (run, "");
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "hello");
  g_unlink (path);
}
END_TEST

START_TEST (test_output_dash)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) run = fetch ("-o", "-", url);

  assert_fetched (run, "hello");
}
END_TEST

START_TEST (test_verbose)
{
  const char *steps[] = { OK_HELLO, OK_HELLO, OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/v");
  g_autoptr(Run) verbose = fetch ("-v", url);
  g_autoptr(Run) debug = fetch ("--debug", "1", url);
  g_autoptr(Run) off = fetch ("--debug", "0", url);

  for (Run *run = verbose; run != NULL; run = run == verbose ? debug : NULL)
    {
      assert_status (run, EXIT_OK);
      test_assert_bytes_equal (run->out, "hello", -1, "standard output");
      assert_has (run->err, "send: b'GET /v HTTP/1.1\\r\\n", "the debug log");
      assert_has (run->err, "reply: 'HTTP/1.1 200 OK\\r\\n'", "the debug log");
      assert_has (run->err, "header: Content-Length: 5", "the debug log");
    }
  assert_fetched (off, "hello");
}
END_TEST

START_TEST (test_source_address)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) ok = fetch ("--source-address", "127.0.0.1", url);
  g_autoptr(Run) bad = fetch ("--source-address", "not-an-address", url);

  assert_fetched (ok, "hello");
  assert_failed (bad, EXIT_USAGE, "invalid argument: invalid source address 'not-an-address'");
  if (have_ipv6_loopback ())
    {
      /* An IPv6 source cannot reach an IPv4 server: the option is applied. */
      g_autoptr(Run) mismatch = fetch ("--source-address", "::1", url);

      assert_failed (mismatch, EXIT_CONNECT, "connect: ");
    }
}
END_TEST

START_TEST (test_version)
{
  g_autoptr(Run) run = fetch ("--version");
  g_autofree char *expected = g_strdup_printf ("httplib-fetch %d.%d.%d (libhttplib %d.%d.%d)\n",
                                               HTTPLIB_MAJOR_VERSION, HTTPLIB_MINOR_VERSION,
                                               HTTPLIB_MICRO_VERSION, HTTPLIB_MAJOR_VERSION,
                                               HTTPLIB_MINOR_VERSION, HTTPLIB_MICRO_VERSION);

  assert_fetched (run, expected);
}
END_TEST

START_TEST (test_help)
{
  g_autoptr(Run) run = fetch ("--help");
  g_autofree char *out = out_string (run);

  assert_status (run, EXIT_OK);
  assert_has (out, "URL", "--help");
  assert_has (out, "--data-file", "--help");
  assert_has (out, "Exit status:", "--help");
}
END_TEST

/* --- --list-plugins --- */

typedef struct {
  const char *kind;
  const char *name;
  const char *type;
} PluginRow;

static const PluginRow plugin_rows[] = {
  { "transport", "tcp", "HttplibTcpTransport" },
  { "transport", "tls", "HttplibTlsTransport" },
  { "transport", "tunnel", "HttplibTunnelTransport" },
  { "transport", "unix", "HttplibUnixTransport" },
  { "body-source", "bytes", "HttplibBytesBodySource" },
  { "body-source", "fd", "HttplibFdBodySource" },
};

/* The line of out that lists name, split into words (NULL when none does). */
static GStrv
plugin_line (const char *out,
             const char *name)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_regex_split_simple ("\\s+", lines[i], 0, 0);

      if (g_strv_length (words) == 4 && g_strcmp0 (words[1], name) == 0)
        return g_steal_pointer (&words);
    }
  return NULL;
}

START_TEST (test_list_plugins)
{
  g_autoptr(Run) run = fetch ("--list-plugins");
  g_autofree char *out = out_string (run);
  g_auto(GStrv) dirs = g_strsplit (g_getenv ("HTTPLIB_PLUGIN_PATH"), ":", -1);
  const char *searched;

  assert_status (run, EXIT_OK);
  ck_assert_msg (*run->err == '\0', "expected nothing on stderr, got: %s", run->err);
  ck_assert_msg (g_str_has_prefix (out, "KIND "), "expected a header line first, got '%s'", out);
  for (guint i = 0; i < G_N_ELEMENTS (plugin_rows); i++)
    {
      const PluginRow *row = &plugin_rows[i];
      g_auto(GStrv) words = plugin_line (out, row->name);
      g_autofree char *dir = NULL;

      ck_assert_msg (words != NULL, "expected a line for %s, got '%s'", row->name, out);
      ck_assert_str_eq (words[0], row->kind);
      ck_assert_str_eq (words[2], row->type);
      /* The file: a module of the plugin folders the tests use. */
      dir = g_path_get_dirname (words[3]);
      ck_assert_msg (g_strv_contains ((const char * const *) dirs, dir) &&
                     g_str_has_suffix (words[3], "." G_MODULE_SUFFIX),
                     "%s: expected a module in HTTPLIB_PLUGIN_PATH, got %s", row->name, words[3]);
    }
  /* Sorted by kind, then name: tcp before tls before tunnel before bytes. */
  ck_assert_msg (strstr (out, " tcp ") < strstr (out, " tls ") &&
                 strstr (out, " tunnel ") < strstr (out, " bytes "),
                 "expected the rows in order, got '%s'", out);

  searched = strstr (out, "Plugin folders searched, in order:\n");
  ck_assert_msg (searched != NULL, "expected the folders searched, got '%s'", out);
  for (guint i = 0; dirs[i] != NULL; i++)
    if (*dirs[i] != '\0')
      {
        g_autofree char *line = g_strdup_printf ("\n  %s\n", dirs[i]);

        assert_has (searched, line, "the folders searched");
      }
}
END_TEST

/* A module that does not load is named on stderr, status 1; the others are listed. */
START_TEST (test_list_plugins_failure)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("httplib-fetch-plugins-XXXXXX", &error);
  g_autofree char *broken = NULL;
  g_autofree char *tcp_link = NULL;
  g_autofree char *tcp_target = NULL;
  g_autofree char *env_path = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) dirs = g_strsplit (g_getenv ("HTTPLIB_PLUGIN_PATH"), ":", -1);
  g_auto(GStrv) words = NULL;
  g_autoptr(Run) run = NULL;
  const char *argv[] = { "env", NULL, FETCH_PATH, "--list-plugins", NULL };

  httplib_assert_no_error (error);
  broken = g_build_filename (dir, "broken." G_MODULE_SUFFIX, NULL);
  ck_assert (g_file_set_contents (broken, "not a shared library\n", -1, NULL));
  for (guint i = 0; dirs[i] != NULL && tcp_target == NULL; i++)
    if (g_str_has_suffix (dirs[i], "tcp"))
      tcp_target = g_build_filename (dirs[i], "libhttplib-tcp." G_MODULE_SUFFIX, NULL);
  ck_assert_msg (tcp_target != NULL && g_file_test (tcp_target, G_FILE_TEST_EXISTS),
                 "expected the tcp module in HTTPLIB_PLUGIN_PATH");
  tcp_link = g_build_filename (dir, "libhttplib-tcp." G_MODULE_SUFFIX, NULL);
  ck_assert (symlink (tcp_target, tcp_link) == 0);

  env_path = g_strdup_printf ("HTTPLIB_PLUGIN_PATH=%s", dir);
  argv[1] = env_path;
  run = run_argv (argv, NULL);
  out = out_string (run);
  g_remove (broken);
  g_remove (tcp_link);
  g_rmdir (dir);

  assert_status (run, EXIT_LOCAL);
  assert_has (run->err, "httplib-fetch: plugin: ", "stderr");
  assert_has (run->err, broken, "stderr");
  words = plugin_line (out, "tcp");
  ck_assert_msg (words != NULL, "expected tcp listed from the good module, got '%s'", out);
  ck_assert_str_eq (words[3], tcp_link);
  ck_assert_msg (plugin_line (out, "tls") == NULL, "expected no tls in %s, got '%s'", dir, out);
}
END_TEST

/* --- proxy and TLS --- */

START_TEST (test_proxy)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *url = url_for (origin, "http", "127.0.0.1", "/via");
  g_autofree char *proxy_arg = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (proxy));
  g_autofree char *authority = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (origin));
  g_autoptr(Run) run = fetch ("--proxy", proxy_arg, "--proxy-header", "Proxy-Authorization: Basic dXNlcjpwYXNz",
                              "--proxy-header", "X-Proxy-Note: hi", "-H", "X-Origin: yes", url);
  g_autoptr(GBytes) connect = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *target = NULL;
  g_autofree char *connect_line = g_strdup_printf ("CONNECT %s HTTP/1.1", authority);

  assert_fetched (run, "hello");
  target = test_proxy_get_target (proxy, 0);
  ck_assert_str_eq (target, authority);
  connect = test_server_get_request (proxy, 0);
  test_assert_request_line (connect, connect_line);
  test_assert_request_header (connect, "Proxy-Authorization", "Basic dXNlcjpwYXNz");
  test_assert_request_header (connect, "X-Proxy-Note", "hi");
  test_assert_request_header (connect, "X-Origin", NULL);
  /* The proxy's headers stay with the proxy. */
  request = test_server_get_request (origin, 0);
  test_assert_request_line (request, "GET /via HTTP/1.1");
  test_assert_request_header (request, "Proxy-Authorization", NULL);
  test_assert_request_header (request, "X-Origin", "yes");
}
END_TEST

START_TEST (test_https)
{
  const TestCerts *certs = test_certs_get ();
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = tls_server (steps, certs->server_cert_file, certs->server_key_file);
  g_autofree char *url = url_for (server, "https", "localhost", "/secure");
  g_autoptr(Run) run = fetch ("--cacert", certs->ca_file, url);
  g_autofree char *sni = NULL;
  g_autoptr(GBytes) request = NULL;

  assert_fetched (run, "hello");
  sni = test_server_get_tls_server_name (server, 0);
  ck_assert_str_eq (sni, "localhost");
  request = test_server_get_request (server, 0);
  test_assert_request_line (request, "GET /secure HTTP/1.1");
}
END_TEST

START_TEST (test_https_through_proxy)
{
  const TestCerts *certs = test_certs_get ();
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = tls_server (steps, certs->server_cert_file, certs->server_key_file);
  g_autoptr(TestServer) proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *url = url_for (origin, "https", "localhost", "/");
  g_autofree char *proxy_arg = g_strdup_printf ("http://127.0.0.1:%u", test_server_get_port (proxy));
  g_autofree char *authority = g_strdup_printf ("localhost:%u", test_server_get_port (origin));
  g_autoptr(Run) run = fetch ("--proxy", proxy_arg, "--cacert", certs->ca_file, url);
  g_autofree char *target = NULL;
  g_autofree char *sni = NULL;

  assert_fetched (run, "hello");
  target = test_proxy_get_target (proxy, 0);
  ck_assert_str_eq (target, authority);
  /* TLS ran end to end with the origin, through the tunnel. */
  sni = test_server_get_tls_server_name (origin, 0);
  ck_assert_str_eq (sni, "localhost");
}
END_TEST

START_TEST (test_insecure)
{
  const TestCerts *certs = test_certs_get ();
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = tls_server (steps, certs->self_signed_cert_file,
                                             certs->self_signed_key_file);
  g_autofree char *url = url_for (server, "https", "127.0.0.1", "/");
  g_autoptr(Run) refused = fetch ("--cacert", certs->ca_file, url);
  g_autoptr(Run) run = fetch ("-k", url);

  assert_failed (refused, EXIT_CERTIFICATE, "TLS: ");
  assert_fetched (run, "hello");
}
END_TEST

START_TEST (test_client_certificate)
{
  const TestCerts *certs = test_certs_get ();
  const char *steps[] = { OK_HELLO, NULL };
  TestTlsOptions options = { 0 };
  g_autoptr(TestServer) server = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Run) run = NULL;
  g_autofree char *subject = NULL;

  options.cert_file = certs->server_cert_file;
  options.key_file = certs->server_key_file;
  options.ca_file = certs->ca_file;
  options.client_cert = TEST_TLS_CLIENT_CERT_REQUIRE;
  server = test_server_new_script_tls (steps, 0, &options);
  ck_assert_ptr_nonnull (server);
  url = url_for (server, "https", "localhost", "/");
  run = fetch ("--cacert", certs->ca_file, "--cert", certs->client_cert_file,
               "--key", certs->client_key_file, url);

  assert_fetched (run, "hello");
  subject = test_server_get_tls_client_subject (server, 0);
  ck_assert_str_eq (subject, "CN=test client");
}
END_TEST

/* --- exit statuses --- */

typedef struct {
  const char *description;
  const char *args;     /* shell words; URL stands for a live server's URL */
  const char *stderr_prefix;
} UsageRow;

static const UsageRow usage_rows[] = {
  { "no URL", "", "invalid argument: no URL given" },
  { "two URLs", "URL URL", "invalid argument: one URL only" },
  { "unknown option", "--frobnicate URL", "invalid argument: Unknown option --frobnicate" },
  { "option without its value", "URL -X", "invalid argument: Missing argument for -X" },
  { "ftp scheme", "ftp://127.0.0.1/", "URL: unsupported scheme 'ftp'" },
  { "not a URL", "127.0.0.1", "URL: " },
  { "no host", "http:///path", "URL: no host" },
  { "port out of range", "http://127.0.0.1:70000/", "URL: " },
  { "port not a number", "http://127.0.0.1:ab/", "URL: " },
  { "port 0", "http://127.0.0.1:0/", "URL: port 0" },
  { "user information", "http://user:pw@127.0.0.1:1/", "URL: user information" },
  { "header without a colon", "-H NoColon URL", "invalid argument: -H 'NoColon'" },
  { "header without a name", "-H ': v' URL", "invalid argument: -H ': v'" },
  { "header name not a token", "-H 'Bad Name: v' URL", "invalid argument: " },
  { "header value with a newline", "-H $'X-A: 1\\r\\nX-B: 2' URL", "invalid argument: " },
  { "method not a token", "-X 'GE T' URL", "invalid argument: " },
  { "-d with --data-file", "-d x --data-file /dev/null URL", "invalid argument: -d and --data-file" },
  { "-I with a body", "-I -d x URL", "invalid argument: -I sends no body" },
  { "-I with -X", "-I -X GET URL", "invalid argument: -I and -X" },
  { "--proxy-header alone", "--proxy-header 'A: b' URL", "invalid argument: --proxy-header needs --proxy" },
  { "proxy without a port", "--proxy 127.0.0.1 URL", "invalid argument: --proxy '127.0.0.1': no port" },
  { "proxy not HTTP", "--proxy socks5://127.0.0.1:1080 URL", "invalid argument: --proxy" },
  { "proxy port out of range", "--proxy 127.0.0.1:99999 URL", "invalid argument: --proxy" },
  { "timeout 0", "--timeout 0 URL", "invalid argument: --timeout 0" },
  { "timeout negative", "--timeout -2 URL", "invalid argument: --timeout -2" },
  { "timeout not a number", "--timeout soon URL", "invalid argument: Cannot parse double value" },
  { "repeat 0", "--repeat 0 URL", "invalid argument: --repeat 0" },
  { "repeat with stdin", "--repeat 2 --data-file - URL", "invalid argument: --repeat with --data-file -" },
  { "debug negative", "--debug -3 URL", "invalid argument: --debug -3" },
  { "missing CA file", "--cacert /nonexistent/ca.pem URL", "invalid argument: --cacert '/nonexistent/ca.pem'" },
  { "missing certificate", "--cert /nonexistent/c.pem URL", "invalid argument: --cert '/nonexistent/c.pem'" },
  { "key without certificate", "--key /dev/null URL", "invalid argument: --key needs --cert" },
};

START_TEST (test_usage_errors)
{
  const UsageRow *row = &usage_rows[_i];
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) words = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Run) run = NULL;

  /* $'..' is not sh: a CR LF in a header is put in by hand. */
  if (strstr (row->args, "$'") != NULL)
    {
      g_ptr_array_add (args, g_strdup ("-H"));
      g_ptr_array_add (args, g_strdup ("X-A: 1\r\nX-B: 2"));
      g_ptr_array_add (args, g_strdup (url));
    }
  else if (*row->args != '\0')
    {
      ck_assert_msg (g_shell_parse_argv (row->args, NULL, &words, &error), "%s", row->description);
      for (guint i = 0; words[i] != NULL; i++)
        g_ptr_array_add (args, g_strdup (strcmp (words[i], "URL") == 0 ? url : words[i]));
    }
  run = fetch_array (args, NULL);

  ck_assert_msg (run->status == EXIT_USAGE, "%s: expected exit status 2, got %d; stderr: %s",
                 row->description, run->status, run->err);
  assert_failed (run, EXIT_USAGE, row->stderr_prefix);
  /* Bad input never reaches the wire. */
  ck_assert_msg (test_server_get_n_requests (server) == 0, "%s: a request was sent",
                 row->description);
}
END_TEST

START_TEST (test_local_file_errors)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) data = fetch ("--data-file", "/nonexistent/body", url);
  g_autoptr(Run) output = fetch ("-o", "/nonexistent/dir/out", url);

  assert_failed (data, EXIT_LOCAL, "data-file: cannot open '/nonexistent/body': ");
  assert_failed (output, EXIT_LOCAL, "output: cannot open '/nonexistent/dir/out': ");
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
  if (g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      /* The body is bigger than stdio's buffer, so the write fails before the flush. */
      g_autoptr(TestServer) big = test_server_new (slow_body_handler, NULL);
      g_autofree char *big_url = url_for (big, "http", "127.0.0.1", "/big");
      g_autoptr(Run) full = fetch ("-o", "/dev/full", big_url);

      assert_failed (full, EXIT_LOCAL, "output: /dev/full: No space left on device\n");
    }
}
END_TEST

START_TEST (test_connect_refused)
{
  g_autoptr(TestServer) gone = test_server_new_script ((const char *[]) { NULL }, 0);
  g_autofree char *url = url_for (gone, "http", "127.0.0.1", "/");
  g_autofree char *proxy_arg = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (gone));
  g_autoptr(Run) direct = NULL;
  g_autoptr(Run) proxied = NULL;

  /* The port is free again once its server is gone. */
  test_server_free (g_steal_pointer (&gone));
  direct = fetch (url);
  proxied = fetch ("--proxy", proxy_arg, "http://127.0.0.1:1/");
  assert_failed (direct, EXIT_CONNECT, "connect: ");
  assert_has (direct->err, "refused", "stderr");
  assert_failed (proxied, EXIT_CONNECT, "connect: ");
}
END_TEST

START_TEST (test_unknown_host)
{
  /* .invalid never resolves (RFC 6761), offline or not. */
  g_autoptr(Run) run = fetch ("http://no-such-host.invalid/");

  assert_failed (run, EXIT_CONNECT, "connect: ");
}
END_TEST

typedef struct {
  const char *description;
  gsize       cert_offset;  /* into TestCerts */
  gsize       key_offset;
  const char *host;
  const char *message;
} CertRow;

static const CertRow cert_rows[] = {
  { "wrong host", G_STRUCT_OFFSET (TestCerts, wrong_host_cert_file),
    G_STRUCT_OFFSET (TestCerts, wrong_host_key_file), "127.0.0.1",
    "TLS: certificate for wrong.example is not valid for host 127.0.0.1\n" },
  { "expired", G_STRUCT_OFFSET (TestCerts, expired_cert_file),
    G_STRUCT_OFFSET (TestCerts, expired_key_file), "localhost", "TLS: " },
  { "unknown CA", G_STRUCT_OFFSET (TestCerts, unknown_ca_cert_file),
    G_STRUCT_OFFSET (TestCerts, unknown_ca_key_file), "localhost", "TLS: " },
};

START_TEST (test_certificate_errors)
{
  const CertRow *row = &cert_rows[_i];
  const TestCerts *certs = test_certs_get ();
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = tls_server (steps, G_STRUCT_MEMBER (char *, certs, row->cert_offset),
                                             G_STRUCT_MEMBER (char *, certs, row->key_offset));
  g_autofree char *url = url_for (server, "https", row->host, "/");
  g_autoptr(Run) run = fetch ("--cacert", certs->ca_file, url);
  g_autofree char *expected = g_strconcat ("httplib-fetch: ", row->message, NULL);

  assert_failed (run, EXIT_CERTIFICATE, row->message);
  if (g_str_has_suffix (row->message, "\n"))
    ck_assert_str_eq (run->err, expected);
  /* Nothing was sent over a connection that failed the check. */
  ck_assert_uint_eq (test_server_get_n_requests (server), 0);
}
END_TEST

/* Speaks plain HTTP where TLS is expected. */
static void
plain_reply_handler (TestConn *conn,
                     guint     index,
                     gpointer  user_data)
{
  test_conn_write (conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", -1);
  test_conn_close (conn);
}

START_TEST (test_tls_error)
{
  g_autoptr(TestServer) server = test_server_new (plain_reply_handler, NULL);
  g_autofree char *url = url_for (server, "https", "127.0.0.1", "/");
  g_autoptr(Run) run = fetch ("-k", url);

  assert_failed (run, EXIT_TLS, "TLS: ");
}
END_TEST

START_TEST (test_tunnel_refused)
{
  TestProxyStep step = { TEST_PROXY_REPLY_CLOSE, TEST_PROXY_502 };
  g_autoptr(TestServer) proxy = test_proxy_new (&step, 1, NULL);
  g_autofree char *proxy_arg = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (proxy));
  g_autoptr(Run) run = fetch ("--proxy", proxy_arg, "http://127.0.0.1:9/");

  assert_failed (run, EXIT_TUNNEL, "tunnel: ");
  assert_has (run->err, "502 Bad Gateway", "stderr");
}
END_TEST

START_TEST (test_tunnel_needs_auth)
{
  TestProxyStep step = { TEST_PROXY_REQUIRE_AUTH, NULL };
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = test_server_new_script (steps, 0);
  g_autoptr(TestServer) proxy = test_proxy_new (&step, 1, "Basic dXNlcjpwYXNz");
  g_autofree char *proxy_arg = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (proxy));
  g_autofree char *url = url_for (origin, "http", "127.0.0.1", "/");
  g_autoptr(Run) refused = fetch ("--proxy", proxy_arg, url);
  g_autoptr(Run) run = fetch ("--proxy", proxy_arg, "--proxy-header",
                              "Proxy-Authorization: Basic dXNlcjpwYXNz", url);

  assert_failed (refused, EXIT_TUNNEL, "tunnel: ");
  assert_has (refused->err, "407", "stderr");
  assert_fetched (run, "hello");
}
END_TEST

typedef struct {
  const char *description;
  const char *step;
} ProtocolRow;

static const ProtocolRow protocol_rows[] = {
  { "bad status line", "garbage\r\n\r\n" },
  { "closed before a status line", TEST_STEP_READ_CLOSE },
  { "body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort" },
  { "conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello" },
  { "bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" },
};

START_TEST (test_protocol_errors)
{
  const ProtocolRow *row = &protocol_rows[_i];
  const char *steps[] = { row->step, TEST_STEP_CLOSE, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) run = fetch (url);

  ck_assert_msg (run->status == EXIT_PROTOCOL, "%s: expected exit status 7, got %d; stderr: %s",
                 row->description, run->status, run->err);
  assert_status (run, EXIT_PROTOCOL);
  /* What arrived of a cut body may be written; the error line is what counts. */
  ck_assert_msg (g_str_has_prefix (run->err, "httplib-fetch: protocol: "), "%s: stderr '%s'",
                 row->description, run->err);
  ck_assert_msg (strchr (run->err, '\n') == run->err + strlen (run->err) - 1,
                 "%s: expected one line on stderr, got '%s'", row->description, run->err);
}
END_TEST

START_TEST (test_timeout)
{
  const char *steps[] = { TEST_STEP_READ_HANG, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) run = fetch ("--timeout", "0.5", url);

  assert_failed (run, EXIT_TIMEOUT, "timeout: ");
  ck_assert_msg (run->seconds < 5, "a 0.5 s timeout took %.1f s", run->seconds);
}
END_TEST

START_TEST (test_fail)
{
  const char *steps[] = { NOT_FOUND, NOT_FOUND, SERVER_ERROR, OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) plain = fetch (url);
  g_autoptr(Run) not_found = fetch ("--fail", url);
  g_autoptr(Run) server_error = fetch ("-f", url);
  g_autoptr(Run) ok = fetch ("-f", url);

  /* Without --fail a 404 is a response like any other. */
  assert_fetched (plain, "not found");
  assert_failed (not_found, EXIT_HTTP, "HTTP: 404 Not Found\n");
  assert_failed (server_error, EXIT_HTTP, "HTTP: 500 Internal Server Error\n");
  assert_fetched (ok, "hello");
}
END_TEST

/* --- --repeat --- */

START_TEST (test_repeat)
{
  const char *steps[] = { OK_HELLO, OK_HELLO, OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/r");
  g_autoptr(Run) run = fetch ("--repeat", "3", url);
  g_autoptr(GRegex) summary = g_regex_new ("^3 requests in [0-9]+\\.[0-9]{3} s: [0-9]+\\.[0-9] "
                                           "requests per second, 1 connection\n$", 0, 0, NULL);

  assert_status (run, EXIT_OK);
  test_assert_bytes_equal (run->out, "hellohellohello", -1, "standard output");
  ck_assert_msg (g_regex_match (summary, run->err, 0, NULL), "unexpected summary '%s'", run->err);
  /* One connection carried the three. */
  ck_assert_uint_eq (test_server_get_n_requests (server), 3);
  ck_assert_uint_eq (test_server_get_n_connections (server), 1);
}
END_TEST

START_TEST (test_repeat_reconnects)
{
  const char *close_hello = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello";
  const char *steps[] = { close_hello, TEST_STEP_CLOSE, OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autofree char *path = temp_file_with ("abc", 3);
  g_autoptr(Run) run = fetch ("--repeat", "2", "--data-file", path, url);
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) body = NULL;

  assert_status (run, EXIT_OK);
  assert_has (run->err, "2 requests in ", "the summary");
  assert_has (run->err, ", 2 connections\n", "the summary");
  /* The file is sent whole each time. */
  second = test_server_get_request (server, 1);
  body = test_request_get_body (second);
  test_assert_bytes_equal (body, "abc", -1, "second request body");
  g_unlink (path);
}
END_TEST

/* --- --trace --- */

/* The trace lines without their times, checking the times go forward. */
static char *
trace_events (const char *err)
{
  g_auto(GStrv) lines = g_strsplit (err, "\n", -1);
  g_autoptr(GRegex) line_re = g_regex_new ("^\\[ *([0-9]+\\.[0-9]{3}) ms\\] (.*)$", 0, 0, NULL);
  GString *events = g_string_new (NULL);
  double last = 0;

  for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *time = NULL;
      g_autofree char *what = NULL;
      double t;

      ck_assert_msg (g_regex_match (line_re, lines[i], 0, &match), "not a trace line: '%s'", lines[i]);
      time = g_match_info_fetch (match, 1);
      what = g_match_info_fetch (match, 2);
      t = g_ascii_strtod (time, NULL);
      ck_assert_msg (t >= last, "time goes back at '%s'", lines[i]);
      last = t;
      g_string_append_printf (events, "%s\n", what);
    }
  return g_string_free (events, FALSE);
}

START_TEST (test_trace)
{
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) run = fetch ("--trace", url);
  g_autofree char *events = NULL;
  g_autofree char *expected = g_strdup_printf (
    "connection  disconnected -> connecting\n"
    "event       resolving\n"
    "event       resolved\n"
    "event       connecting 127.0.0.1:%1$u\n"
    "event       connected 127.0.0.1:%1$u\n"
    "event       complete\n"
    "connection  connecting -> idle\n"
    "connection  idle -> request-started\n"
    "connection  request-started -> request-sent\n"
    "connection  request-sent -> response-active\n"
    "response    headers -> body\n"
    "response    body -> complete\n"
    "connection  response-active -> idle\n"
    "connection  idle -> closed\n", test_server_get_port (server));

  assert_status (run, EXIT_OK);
  test_assert_bytes_equal (run->out, "hello", -1, "standard output");
  events = trace_events (run->err);
  ck_assert_str_eq (events, expected);
}
END_TEST

/* An empty body ends inside get_response(): the response's steps still come
 * before the connection's return to idle. */
START_TEST (test_trace_empty_body)
{
  const char *steps[] = { OK_EMPTY, NULL };
  g_autoptr(TestServer) server = test_server_new_script (steps, 0);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/");
  g_autoptr(Run) run = fetch ("--trace", url);
  g_autofree char *events = NULL;
  const char *tail =
    "connection  request-sent -> response-active\n"
    "response    headers -> body\n"
    "response    body -> complete\n"
    "connection  response-active -> idle\n"
    "connection  idle -> closed\n";

  assert_status (run, EXIT_OK);
  events = trace_events (run->err);
  ck_assert_msg (g_str_has_suffix (events, tail), "unexpected trace:\n%s", events);
}
END_TEST

START_TEST (test_trace_tls_through_proxy)
{
  const TestCerts *certs = test_certs_get ();
  const char *steps[] = { OK_HELLO, NULL };
  g_autoptr(TestServer) origin = tls_server (steps, certs->server_cert_file, certs->server_key_file);
  g_autoptr(TestServer) proxy = test_proxy_new (NULL, 0, NULL);
  g_autofree char *url = url_for (origin, "https", "localhost", "/");
  g_autofree char *proxy_arg = g_strdup_printf ("127.0.0.1:%u", test_server_get_port (proxy));
  g_autoptr(Run) run = fetch ("--trace", "--proxy", proxy_arg, "--cacert", certs->ca_file, url);
  g_autofree char *events = NULL;
  g_autofree char *expected = g_strdup_printf (
    "connection  disconnected -> connecting\n"
    "event       resolving\n"
    "event       resolved\n"
    "event       connecting 127.0.0.1:%1$u\n"
    "event       connected 127.0.0.1:%1$u\n"
    "event       complete\n"
    "event       proxy-negotiating\n"
    "event       proxy-negotiated\n"
    "event       complete\n"
    "event       tls-handshaking\n"
    "event       tls-handshaked\n"
    "event       complete\n"
    "connection  connecting -> idle\n", test_server_get_port (proxy));

  assert_status (run, EXIT_OK);
  events = trace_events (run->err);
  ck_assert_msg (g_str_has_prefix (events, expected), "expected the trace to start with\n%s\ngot\n%s",
                 expected, events);
}
END_TEST

/* --- the progress bar --- */

#define BIG_SIZE (256 * 1024)
#define BIG_PIECES 8

/* A body of BIG_SIZE bytes in pieces 30 ms apart, with its length or
 * (user_data non-NULL) chunked. */
static void
slow_body_handler (TestConn *conn,
                   guint     index,
                   gpointer  user_data)
{
  gboolean chunked = user_data != NULL;
  g_autoptr(GString) request = test_conn_read_request (conn);
  g_autofree char *piece = g_strnfill (BIG_SIZE / BIG_PIECES, 'x');
  g_autofree char *head = NULL;

  if (request == NULL)
    return;
  head = chunked ? g_strdup ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                 : g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_SIZE);
  test_conn_write (conn, head, -1);
  for (int i = 0; i < BIG_PIECES; i++)
    {
      g_autofree char *size = g_strdup_printf ("%x\r\n", BIG_SIZE / BIG_PIECES);

      g_usleep (30 * 1000);
      if (chunked)
        test_conn_write (conn, size, -1);
      test_conn_write (conn, piece, BIG_SIZE / BIG_PIECES);
      if (chunked)
        test_conn_write (conn, "\r\n", 2);
    }
  if (chunked)
    test_conn_write (conn, "0\r\n\r\n", -1);
  g_string_free (test_conn_read_until_close (conn), TRUE);
}

/* Runs httplib-fetch under a pseudo-terminal: script(1) from util-linux. */
static Run *
fetch_on_tty (const char *first,
              ...)
{
  g_autoptr(GString) command = g_string_new (NULL);
  g_autofree char *quoted = g_shell_quote (FETCH_PATH);
  const char *argv[] = { "timeout", "25", "script", "-qec", NULL, "/dev/null", NULL };
  va_list ap;

  g_string_append (command, quoted);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    {
      g_autofree char *word = g_shell_quote (arg);

      g_string_append_printf (command, " %s", word);
    }
  va_end (ap);
  argv[4] = command->str;
  return run_argv (argv, NULL);
}

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

START_TEST (test_progress_on_tty)
{
  g_autoptr(TestServer) server = test_server_new (slow_body_handler, NULL);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/big");
  g_autofree char *path = temp_file_with ("", 0);
  g_autoptr(Run) run = fetch_on_tty ("-o", path, url, NULL);
  g_autofree char *out = out_string (run);
  g_autoptr(GRegex) partial = g_regex_new ("\r\\[#* +\\] +[0-9]{1,2}% ", 0, 0, NULL);
  gsize size = 0;
  g_autofree char *contents = NULL;

  assert_status (run, EXIT_OK);
  /* Redrawn in place, from a part on to the whole. */
  ck_assert_msg (count (out, "\r[") >= 2, "expected at least two bars, got '%s'", out);
  ck_assert_msg (g_regex_match (partial, out, 0, NULL), "expected a partial bar, got '%s'", out);
  assert_has (out, "\r[####################] 100%", "the terminal");
  assert_has (out, "/s", "the terminal");
  assert_has (out, "left", "the terminal");
  ck_assert (g_file_get_contents (path, &contents, &size, NULL));
  ck_assert_uint_eq (size, BIG_SIZE);
  g_unlink (path);
}
END_TEST

START_TEST (test_progress_unknown_length)
{
  g_autoptr(TestServer) server = test_server_new (slow_body_handler, GINT_TO_POINTER (1));
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/big");
  g_autofree char *path = temp_file_with ("", 0);
  g_autoptr(Run) run = fetch_on_tty ("-o", path, url, NULL);
  g_autofree char *out = out_string (run);

  assert_status (run, EXIT_OK);
  /* Bytes and rate, but no bar and no percentage without a length. */
  ck_assert_msg (count (out, "\r") >= 2, "expected redraws, got '%s'", out);
  assert_has (out, "/s", "the terminal");
  ck_assert_msg (strchr (out, '%') == NULL && strchr (out, '[') == NULL,
                 "expected no percentage, got '%s'", out);
  g_unlink (path);
}
END_TEST

START_TEST (test_no_progress_without_tty)
{
  g_autoptr(TestServer) server = test_server_new (slow_body_handler, NULL);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/big");
  g_autofree char *path = temp_file_with ("", 0);
  g_autoptr(Run) run = fetch ("-o", path, url);

  /* Standard error is a pipe here. */
  assert_fetched (run, "");
  g_unlink (path);
}
END_TEST

START_TEST (test_no_progress_to_stdout)
{
  g_autoptr(TestServer) server = test_server_new (slow_body_handler, NULL);
  g_autofree char *url = url_for (server, "http", "127.0.0.1", "/big");
  g_autoptr(Run) run = fetch_on_tty (url, NULL);
  g_autofree char *out = out_string (run);

  /* The body goes to the terminal, so no bar is drawn over it. */
  assert_status (run, EXIT_OK);
  ck_assert_msg (strstr (out, "\r[") == NULL && strstr (out, "/s") == NULL,
                 "expected no bar, got %" G_GSIZE_FORMAT " bytes with one", strlen (out));
  ck_assert_uint_ge (count (out, "x"), BIG_SIZE);
}
END_TEST

/* --- the man page and the completion against --help --- */

/* Every "--name" in text; in the man page, spelt "\-\-name". */
static GHashTable *
long_options (const char *text,
              const char *pattern)
{
  g_autoptr(GRegex) re = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_regex_match (re, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_hash_table_add (names, g_match_info_fetch (match, 1));
      g_match_info_next (match, NULL);
    }
  return names;
}

static void
assert_same_options (GHashTable *a,
                     const char *a_name,
                     GHashTable *b,
                     const char *b_name)
{
  GHashTableIter iter;
  gpointer name;

  ck_assert_uint_gt (g_hash_table_size (a), 15);
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    ck_assert_msg (g_hash_table_contains (b, name), "--%s is in %s but not in %s",
                   (char *) name, a_name, b_name);
  g_hash_table_iter_init (&iter, b);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    ck_assert_msg (g_hash_table_contains (a, name), "--%s is in %s but not in %s",
                   (char *) name, b_name, a_name);
}

START_TEST (test_man_page_matches_help)
{
  g_autoptr(Run) run = fetch ("--help");
  g_autofree char *help = out_string (run);
  g_autofree char *man = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) from_help = NULL;
  g_autoptr(GHashTable) from_man = NULL;

  assert_status (run, EXIT_OK);
  ck_assert_msg (g_file_get_contents (MAN_PAGE_PATH, &man, NULL, &error), "%s", error ? error->message : "");
  from_help = long_options (help, "(?<![\\w-])--([a-z][a-z-]*[a-z])");
  from_man = long_options (man, "\\\\-\\\\-([a-z]+(?:\\\\-[a-z]+)*)");
  /* The man page spells a hyphen inside a name as \-. */
  {
    g_autoptr(GHashTable) unescaped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter iter;
    gpointer name;

    g_hash_table_iter_init (&iter, from_man);
    while (g_hash_table_iter_next (&iter, &name, NULL))
      {
        g_auto(GStrv) parts = g_strsplit (name, "\\-", -1);

        g_hash_table_add (unescaped, g_strjoinv ("-", parts));
      }
    assert_same_options (from_help, "--help", unescaped, "the man page");
  }
}
END_TEST

START_TEST (test_completion_matches_help)
{
  g_autoptr(Run) run = fetch ("--help");
  g_autofree char *help = out_string (run);
  g_autofree char *completion = NULL;
  g_autoptr(GHashTable) from_help = NULL;
  g_autoptr(GHashTable) from_completion = NULL;

  assert_status (run, EXIT_OK);
  ck_assert (g_file_get_contents (COMPLETION_PATH, &completion, NULL, NULL));
  from_help = long_options (help, "(?<![\\w-])--([a-z][a-z-]*[a-z])");
  from_completion = long_options (completion, "(?<![\\w-])--([a-z][a-z-]*[a-z])");
  assert_same_options (from_help, "--help", from_completion, "the bash completion");
}
END_TEST

static Suite *
fetch_suite (void)
{
  Suite *suite = suite_create ("fetch");
  TCase *tc;

  tc = tcase_create ("options");
  tcase_add_test (tc, test_get);
  tcase_add_test (tc, test_ipv6);
  tcase_add_test (tc, test_include);
  tcase_add_test (tc, test_head);
  tcase_add_test (tc, test_method_and_headers);
  tcase_add_test (tc, test_data);
  tcase_add_test (tc, test_data_file);
  tcase_add_test (tc, test_data_stdin);
  tcase_add_test (tc, test_output_file);
  tcase_add_test (tc, test_output_dash);
  tcase_add_test (tc, test_verbose);
  tcase_add_test (tc, test_source_address);
  tcase_add_test (tc, test_version);
  tcase_add_test (tc, test_help);
  tcase_add_test (tc, test_list_plugins);
  tcase_add_test (tc, test_list_plugins_failure);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("proxy and TLS");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_proxy);
  tcase_add_test (tc, test_https);
  tcase_add_test (tc, test_https_through_proxy);
  tcase_add_test (tc, test_insecure);
  tcase_add_test (tc, test_client_certificate);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("exit statuses");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_loop_test (tc, test_usage_errors, 0, G_N_ELEMENTS (usage_rows));
  tcase_add_test (tc, test_local_file_errors);
  tcase_add_test (tc, test_connect_refused);
  tcase_add_test (tc, test_unknown_host);
  tcase_add_loop_test (tc, test_certificate_errors, 0, G_N_ELEMENTS (cert_rows));
  tcase_add_test (tc, test_tls_error);
  tcase_add_test (tc, test_tunnel_refused);
  tcase_add_test (tc, test_tunnel_needs_auth);
  tcase_add_loop_test (tc, test_protocol_errors, 0, G_N_ELEMENTS (protocol_rows));
  tcase_add_test (tc, test_timeout);
  tcase_add_test (tc, test_fail);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("repeat");
  tcase_add_test (tc, test_repeat);
  tcase_add_test (tc, test_repeat_reconnects);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("trace");
  tcase_add_unchecked_fixture (tc, test_certs_setup, NULL);
  tcase_add_test (tc, test_trace);
  tcase_add_test (tc, test_trace_empty_body);
  tcase_add_test (tc, test_trace_tls_through_proxy);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("progress");
  tcase_add_test (tc, test_progress_on_tty);
  tcase_add_test (tc, test_progress_unknown_length);
  tcase_add_test (tc, test_no_progress_without_tty);
  tcase_add_test (tc, test_no_progress_to_stdout);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("documentation");
  tcase_add_test (tc, test_man_page_matches_help);
  tcase_add_test (tc, test_completion_matches_help);
  suite_add_tcase (suite, tc);

  return suite;
}

HTTPLIB_TEST_MAIN (fetch_suite)
