"""The async API from Python: a GLib.MainLoop drives connect, request,
get_response and reads, as a GTK application would."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi_test_utils import GLib, Gio, Httplib, check_equal, new_connection, run  # noqa: E402
from httplib_test_server import GET_BODY, Server  # noqa: E402

HTTPLIB_ERROR = Httplib.error_quark()


class Loop:
    """Runs a GLib.MainLoop until a callback stores a result (10 s at most)."""

    def __init__(self):
        self.loop = GLib.MainLoop()
        self.result = None

    def done(self, source, result):
        self.result = (source, result)
        self.loop.quit()

    def wait(self):
        timer = GLib.timeout_add_seconds(10, self.loop.quit)
        self.loop.run()
        if self.result is None:
            raise AssertionError("the async call did not finish within 10 s")
        GLib.source_remove(timer)
        result, self.result = self.result, None
        return result


def fetch(loop, conn, method, url, body=None, headers=None):
    conn.request_async(method, url, body, headers, None, loop.done)
    _, result = loop.wait()
    check_equal(conn.request_finish(result), True, "request_finish")
    conn.get_response_async(None, loop.done)
    _, result = loop.wait()
    response = conn.get_response_finish(result)
    response.read_all_async(None, loop.done)
    _, result = loop.wait()
    return response, response.read_all_finish(result).get_data()


def test_get_twice():
    with Server() as server:
        loop = Loop()
        conn = new_connection(server.port)
        states = []
        conn.connect("state-changed", lambda c, old, new: states.append(new.value_nick))
        r1, body1 = fetch(loop, conn, "GET", "/")
        check_equal((r1.props.status, body1), (200, GET_BODY), "first GET")
        r2, body2 = fetch(loop, conn, "GET", "/missing")
        check_equal(r2.props.status, 404, "second GET")
        check_equal(states[:3], ["connecting", "idle", "request-started"], "states in order")
        check_equal(len(server.clients), 1, "one kept-alive connection")


def test_post_with_progress():
    with Server() as server:
        loop = Loop()
        conn = new_connection(server.port)
        headers = Httplib.Headers.new()
        headers.append("Content-Type", "application/x-www-form-urlencoded")
        body = Httplib.BodySource.new_for_bytes(GLib.Bytes.new(b"spam=1&eggs=2"))
        conn.request_async("POST", "/cgi-bin/query", body, headers, None, loop.done)
        _, result = loop.wait()
        conn.request_finish(result)
        conn.get_response_async(None, loop.done)
        _, result = loop.wait()
        response = conn.get_response_finish(result)
        seen = []
        response.connect("progress", lambda r, received, total: seen.append((received, total)))
        response.read_all_async(None, loop.done)
        _, result = loop.wait()
        data = response.read_all_finish(result).get_data()
        check_equal(server.requests[-1]["body"], b"spam=1&eggs=2", "body the server got")
        check_equal(seen[-1], (len(data), len(data)), "last progress")


def test_errors_and_cancel():
    loop = Loop()
    conn = Httplib.Connection.new("127.0.0.1", 9)
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    conn.connect_async(cancellable, loop.done)
    _, result = loop.wait()
    try:
        conn.connect_finish(result)
    except GLib.Error as error:
        check_equal(error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), True,
                    "cancelled connect")
    else:
        raise AssertionError("a cancelled connect succeeded")

    conn.get_response_async(None, loop.done)
    _, result = loop.wait()
    try:
        conn.get_response_finish(result)
    except GLib.Error as error:
        check_equal(error.matches(HTTPLIB_ERROR, Httplib.Error.RESPONSE_NOT_READY), True,
                    "response without a request")
    else:
        raise AssertionError("get_response without a request succeeded")


def test_input_stream():
    with Server() as server:
        loop = Loop()
        conn = new_connection(server.port)
        conn.request("GET", "/", None, None)
        response = conn.get_response()
        stream = response.get_input_stream()
        out = Gio.MemoryOutputStream.new_resizable()
        out.splice_async(stream, Gio.OutputStreamSpliceFlags.CLOSE_SOURCE
                         | Gio.OutputStreamSpliceFlags.CLOSE_TARGET,
                         GLib.PRIORITY_DEFAULT, None, loop.done)
        _, result = loop.wait()
        out.splice_finish(result)
        check_equal(out.steal_as_bytes().get_data(), GET_BODY, "spliced body")


def test_response_states_after_finish():
    """The async response announces its states from get_response_finish on."""
    with Server() as server:
        loop = Loop()
        conn = new_connection(server.port)
        conn.request_async("GET", "/", None, None, None, loop.done)
        _, result = loop.wait()
        conn.request_finish(result)
        conn.get_response_async(None, loop.done)
        _, result = loop.wait()
        response = conn.get_response_finish(result)
        check_equal(response.props.state, Httplib.ResponseState.BODY, "state on finish")
        changes, notified = [], []
        response.connect("state-changed",
                         lambda r, old, new: changes.append((old.value_nick, new.value_nick)))
        response.connect("notify::state", lambda r, pspec: notified.append(r.props.state.value_nick))
        response.read_all_async(None, loop.done)
        _, result = loop.wait()
        check_equal(response.read_all_finish(result).get_data(), GET_BODY, "body")
        response.close()
        check_equal(changes, [("body", "complete"), ("complete", "closed")], "state-changed")
        check_equal(notified, ["complete", "closed"], "notify::state")


if __name__ == "__main__":
    run([
        test_get_twice,
        test_post_with_progress,
        test_errors_and_cancel,
        test_input_stream,
        test_response_states_after_finish,
    ])
