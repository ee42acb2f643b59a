/* test-client.h: the client-side steps the integration suites share */
#pragma once

#include <httplib/httplib.h>

#include "test-server.h"

G_BEGIN_DECLS

/* A connection to the loopback server; fails the test on any error. */
HttplibConnection *test_connect_to  (TestServer *server);
/* request_string() + get_response(), both asserted to succeed. */
HttplibResponse   *test_do_request  (HttplibConnection *conn, const char *method, const char *url,
                                     const char *body, HttplibHeaders *headers);
/* One GET of url answered 200 with body "hello", on a fresh or kept connection. */
void               test_get_hello   (HttplibConnection *conn, const char *url);
/* The whole body, asserted to read without error. */
GBytes            *test_read_all    (HttplibResponse *resp);
/* Reads the whole body and compares it with expected. */
void               test_assert_body (HttplibResponse *resp, const char *expected);

/* Sends a GET, reads any response to its end, and returns the first
 * error on the way (NULL when there was none). */
GError            *test_get_error   (HttplibConnection *conn);
/* Asserts that error is set and its message holds needle. */
void               test_assert_message_has (const GError *error, const char *needle);

/* Asserts that the server's connection index received bytes starting with prefix. */
void               test_assert_received_prefix (TestServer *server, guint index,
                                                const char *prefix);

/* Iterates the thread-default main context until *slot is set (30 s at
 * most, else the test fails) and takes it; pass test_on_async_done and
 * slot as an async call's callback and user data. */
GAsyncResult      *test_wait_for_result    (GAsyncResult **slot);
void               test_on_async_done      (GObject *source, GAsyncResult *result,
                                            gpointer slot);

/* The async calls, each run on the thread-default main context until it
 * finishes (30 s at most, else the test fails). */
gboolean           test_async_request      (HttplibConnection *conn, const char *method,
                                            const char *url, HttplibBodySource *body,
                                            HttplibHeaders *headers, GCancellable *cancellable,
                                            GError **error);
HttplibResponse   *test_async_get_response (HttplibConnection *conn, GCancellable *cancellable,
                                            GError **error);
GBytes            *test_async_read_all     (HttplibResponse *resp, GCancellable *cancellable,
                                            GError **error);

G_END_DECLS
