/* test-transport.h: one transport opened by itself, as the tcp and unix
 * suites do — blocking or async, with or without a listener on its
 * events, and what those events said */
#pragma once

#include <httplib/httplib.h>

G_BEGIN_DECLS

/* Opens blocking or async (on the thread-default main context, bounded).
 * test_new_transport() of test-plugin-async.h makes the transport. */
GIOStream        *test_transport_open (HttplibTransport *transport, HttplibEndpoint *endpoint,
                                       gboolean async, GCancellable *cancellable, GError **error);

/* The peer a socket connection names: "ip port", a Unix socket's path, or
 * "(none)". */
char             *test_stream_peer    (GIOStream *stream);

/* Events as they come: their nicks, space-separated, and the peer the
 * stream of each connecting event names, comma-separated. */
typedef struct {
  GString *names;
  GString *peers;
} TestEventLog;

void test_event_log_init  (TestEventLog *log);
void test_event_log_clear (TestEventLog *log);
/* "event" handlers of a transport and of a connection; user data: the log. */
void test_event_log_on_transport_event  (HttplibTransport *transport, HttplibTransportEvent event,
                                         GIOStream *stream, gpointer log);
void test_event_log_on_connection_event (HttplibConnection *conn, HttplibTransportEvent event,
                                         GIOStream *stream, gpointer log);

/* Events on demand, twice over: an open nobody hears, one with a handler
 * on the transport's events, one after the handler left. All three must
 * succeed; the log gets what the heard ones said. */
void test_open_with_listener_on_demand (HttplibTransport *transport, HttplibEndpoint *endpoint,
                                        gboolean async, TestEventLog *log);
/* The same through a connection to a server that answers "hello" to four
 * requests, closing after each: a request nobody hears, one with a handler
 * on the connection's events, twice over. The log gets what was heard. */
void test_request_with_listener_on_demand (HttplibConnection *conn, TestEventLog *log);

/* The ways an open that fails must fail alike: blocking or async, with or
 * without a handler on the transport's events. */
typedef struct {
  const char *description;
  gboolean    async;
  gboolean    listen;
} TestOpenWay;

#define TEST_N_OPEN_WAYS 4
extern const TestOpenWay test_open_ways[TEST_N_OPEN_WAYS];

/* Opens endpoint with a new transport called name, the way says, and
 * asserts that it failed; returns the error and sets *events to the nicks
 * of the events seen (free both). */
GError *test_transport_open_failing (const char *name, const TestOpenWay *way,
                                     HttplibEndpoint *endpoint, GCancellable *cancellable,
                                     char **events);

G_END_DECLS
