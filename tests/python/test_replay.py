"""The replay transport from Python, as an application's own tests use it:
responses scripted in advance, requests recorded, no network."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi_test_utils import GLib, Httplib, Loop, check_equal, expect_error, run  # noqa: E402

HTTPLIB_ERROR = Httplib.error_quark()
OK_HELLO = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
GET_ROOT = b"GET / HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: identity\r\n\r\n"


def replay_connection(*responses):
    replay = Httplib.ReplayTransport.new()
    for response in responses:
        replay.add_response(GLib.Bytes.new(response))
    conn = Httplib.Connection.new("example.org", 0)
    conn.set_transport_instance(replay)
    return replay, conn


def test_get_and_post():
    replay, conn = replay_connection(OK_HELLO)
    headers = Httplib.Headers.new()
    headers.append("Content-Type", "text/plain")
    replay.add_simple_response(201, headers, GLib.Bytes.new(b"made"))

    conn.request("GET", "/", None, None)
    response = conn.get_response()
    check_equal((response.props.status, response.read(-1).get_data()), (200, b"hello"), "GET")
    conn.request_string("POST", "/items", "name=x", None)
    response = conn.get_response()
    check_equal((response.props.status, response.props.reason,
                 response.get_header("Content-Type", None), response.read(-1).get_data()),
                (201, "Created", "text/plain", b"made"), "POST")

    check_equal([r.get_data() for r in replay.get_requests()],
                [GET_ROOT,
                 b"POST /items HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: identity\r\n"
                 b"Content-Length: 6\r\n\r\nname=x"],
                "recorded requests")
    check_equal(replay.get_request(0).get_data(), GET_ROOT, "get_request(0)")
    check_equal(replay.get_request(2), None, "get_request past the end")
    check_equal((replay.get_n_requests(), replay.get_n_connections(), replay.get_n_pending()),
                (2, 1, 0), "requests, connections, steps left")


def test_script_runs_out():
    replay, conn = replay_connection(OK_HELLO)
    conn.request("GET", "/", None, None)
    conn.get_response().read(-1)
    conn.request("GET", "/more", None, None)
    error = expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN, conn.get_response)
    if 'no response left for request 1 ("GET /more HTTP/1.1")' not in error.message:
        raise AssertionError("unexpected message: " + error.message)


def test_close_steps():
    replay, conn = replay_connection()
    replay.add_close()
    replay.add_response(GLib.Bytes.new(OK_HELLO))
    conn.request("GET", "/", None, None)
    expect_error(HTTPLIB_ERROR, Httplib.Error.REMOTE_DISCONNECTED, conn.get_response)
    conn.request("GET", "/", None, None)
    check_equal(conn.get_response().read(-1).get_data(), b"hello", "after reconnecting")
    check_equal(replay.get_n_connections(), 2, "connections")


def test_async():
    replay, conn = replay_connection(OK_HELLO, b"HTTP/1.1 404 Not Found\r\n"
                                               b"Transfer-Encoding: chunked\r\n\r\n"
                                               b"7\r\nmissing\r\n0\r\n\r\n")
    loop = Loop()
    got = []
    for url in ("/", "/gone"):
        conn.request_async("GET", url, None, None, None, loop.done)
        _, result = loop.wait()
        check_equal(conn.request_finish(result), True, "request_finish")
        conn.get_response_async(None, loop.done)
        _, result = loop.wait()
        response = conn.get_response_finish(result)
        response.read_all_async(None, loop.done)
        _, result = loop.wait()
        got.append((response.props.status, response.read_all_finish(result).get_data()))
    check_equal(got, [(200, b"hello"), (404, b"missing")], "async responses")
    check_equal(replay.get_n_connections(), 1, "one kept-alive connection")

    conn.request_async("GET", "/third", None, None, None, loop.done)
    _, result = loop.wait()
    conn.request_finish(result)
    conn.get_response_async(None, loop.done)
    _, result = loop.wait()
    expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN, conn.get_response_finish, result)


if __name__ == "__main__":
    run([
        test_get_and_post,
        test_script_runs_out,
        test_close_steps,
        test_async,
    ])
