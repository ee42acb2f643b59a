/* test-client.c: the client-side steps the integration suites share */
#include "test-client.h"
#include "test-utils.h"

#include <string.h>

HttplibConnection *
test_connect_to (TestServer *server)
{
  GError *error = NULL;
  HttplibConnection *conn;

  ck_assert_ptr_nonnull (server);
  conn = httplib_connection_new ("127.0.0.1", test_server_get_port (server), &error);
  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (conn);
  return conn;
}

HttplibResponse *
test_do_request (HttplibConnection *conn, const char *method, const char *url,
            const char *body, HttplibHeaders *headers)
{
  GError *error = NULL;
  HttplibResponse *resp;
  gboolean ok;

  ok = httplib_connection_request_string (conn, method, url, body, headers, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert (ok);
  resp = httplib_connection_get_response (conn, NULL, &error);
  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (resp);
  return resp;
}

void
test_get_hello (HttplibConnection *conn, const char *url)
{
  HttplibResponse *resp = test_do_request (conn, "GET", url, NULL, NULL);

  ck_assert_uint_eq (httplib_response_get_status (resp), 200);
  test_assert_body (resp, "hello");
  g_object_unref (resp);
}

GBytes *
test_read_all (HttplibResponse *resp)
{
  GError *error = NULL;
  GBytes *body = httplib_response_read (resp, -1, NULL, &error);

  httplib_assert_no_error (error);
  ck_assert_ptr_nonnull (body);
  return body;
}

void
test_assert_body (HttplibResponse *resp, const char *expected)
{
  GBytes *body = test_read_all (resp);

  test_assert_bytes_equal (body, expected, -1, "response body");
  g_bytes_unref (body);
}


GError *
test_get_error (HttplibConnection *conn)
{
  GError *error = NULL;
  g_autoptr(HttplibResponse) response = NULL;

  if (!httplib_connection_request_string (conn, "GET", "/", NULL, NULL, NULL, &error))
    return error;
  response = httplib_connection_get_response (conn, NULL, &error);
  if (response != NULL)
    {
      g_autoptr(GBytes) body = httplib_response_read (response, -1, NULL, &error);
    }
  return error;
}

void
test_assert_message_has (const GError *error, const char *needle)
{
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, needle) != NULL,
                 "expected “%s” in the message, got “%s”", needle, error->message);
}

void
test_assert_received_prefix (TestServer *server,
                             guint       index,
                             const char *prefix)
{
  GBytes *all = test_server_get_received (server, index);
  gsize len;
  const char *data = g_bytes_get_data (all, &len);
  char *got = test_escape (data ? data : "", MIN (len, 80));

  ck_assert_msg (len >= strlen (prefix) && memcmp (data, prefix, strlen (prefix)) == 0,
                 "connection %u: expected the first bytes \"%s\", got \"%s\"", index, prefix, got);
  g_free (got);
  g_bytes_unref (all);
}

/* --- the async calls, on the thread-default main context --- */

void
test_on_async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
on_async_tick (gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

GAsyncResult *
test_wait_for_result (GAsyncResult **slot)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *tick = g_timeout_source_new (100);
  guint ticks = 0;

  g_source_set_callback (tick, on_async_tick, &ticks, NULL);
  g_source_attach (tick, context);
  while (*slot == NULL && ticks < 300)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  ck_assert_msg (*slot != NULL, "the async call did not finish within 30 s");
  return g_steal_pointer (slot);
}

gboolean
test_async_request (HttplibConnection *conn, const char *method, const char *url,
                    HttplibBodySource *body, HttplibHeaders *headers,
                    GCancellable *cancellable, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  httplib_connection_request_async (conn, method, url, body, headers, cancellable,
                                    test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  return httplib_connection_request_finish (conn, result, error);
}

HttplibResponse *
test_async_get_response (HttplibConnection *conn, GCancellable *cancellable, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  httplib_connection_get_response_async (conn, cancellable, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  return httplib_connection_get_response_finish (conn, result, error);
}

GBytes *
test_async_read_all (HttplibResponse *resp, GCancellable *cancellable, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  httplib_response_read_all_async (resp, cancellable, test_on_async_done, &slot);
  result = test_wait_for_result (&slot);
  return httplib_response_read_all_finish (resp, result, error);
}
