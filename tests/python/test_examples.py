"""The seed's examples (Python's http.client documentation), written as a
Python user writes them with PyGObject, against a loopback server."""
import os
import socket
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi_test_utils import (GLib, Gio, Httplib, check_equal, expect_error,  # noqa: E402
                           new_connection, run)
from httplib_test_server import GET_BODY, Server  # noqa: E402

HTTPLIB_ERROR = Httplib.error_quark()


def test_get_twice_on_one_connection():
    with Server() as server:
        conn = new_connection(server.port)
        conn.request("GET", "/", None, None)
        r1 = conn.get_response()
        check_equal((r1.props.status, r1.props.reason), (200, "OK"), "first status")
        check_equal(r1.read(-1).get_data(), GET_BODY, "first body")
        check_equal(r1.props.version, 11, "version")
        msg = r1.get_headers()
        names = [msg.get_name(i) for i in range(msg.get_length())]
        check_equal(names[-2:], ["Content-Type", "Content-Length"], "header order")
        walked, it = [], Httplib.HeadersIter.init(msg)
        while True:
            more, name, value = it.next()
            if not more:
                break
            walked.append((name, value))
        check_equal([n for n, v in walked], names, "HeadersIter walks the same fields")
        check_equal(r1.props.msg.get_one("content-length"), str(len(GET_BODY)),
                    "msg, case-insensitive")

        conn.request("GET", "/parrot.spam", None, None)
        r2 = conn.get_response()
        check_equal((r2.props.status, r2.props.reason), (404, "Not Found"), "second status")
        check_equal(r2.read(-1).get_data(), b"no such page: /parrot.spam", "second body")
        check_equal(r2.get_header("Content-Type", None), "text/plain", "Content-Type")
        conn.close()

        check_equal([r["path"] for r in server.requests], ["/", "/parrot.spam"], "paths")
        check_equal(len(server.clients), 1, "TCP connections for two kept-alive requests")


def test_head_reads_empty():
    with Server() as server:
        conn = new_connection(server.port)
        conn.request("HEAD", "/", None, None)
        res = conn.get_response()
        check_equal((res.props.status, res.props.reason), (200, "OK"), "status")
        data = res.read(-1).get_data()
        check_equal(len(data), 0, "HEAD body length")
        check_equal(res.get_header("Content-Length", None), str(len(GET_BODY)),
                    "Content-Length of a HEAD response")
        check_equal(res.is_closed(), True, "closed after the empty read")
        conn.close()


def test_post_form():
    with Server() as server:
        params = urllib.parse.urlencode({"@number": 12524, "@type": "issue", "@action": "show"})
        headers = Httplib.Headers.new()
        headers.append("Content-type", "application/x-www-form-urlencoded")
        headers.append("Accept", "text/plain")
        conn = new_connection(server.port)
        conn.request_string("POST", "", params, headers)
        response = conn.get_response()
        check_equal((response.props.status, response.props.reason), (302, "Found"), "status")
        check_equal(response.read(-1).get_data().decode(),
                    'Redirecting to <a href="http://127.0.0.1/issue12524">'
                    'http://127.0.0.1/issue12524</a>', "body")
        check_equal(response.get_header("Location", None), "http://127.0.0.1/issue12524",
                    "Location")
        conn.close()

        seen = server.requests[0]
        check_equal((seen["method"], seen["path"]), ("POST", "/"), "request line")
        check_equal(seen["headers"].get("content-type"), "application/x-www-form-urlencoded",
                    "Content-type sent")
        check_equal(seen["headers"].get("accept"), "text/plain", "Accept sent")
        check_equal(seen["headers"].get("content-length"), str(len(params)), "Content-Length")
        check_equal(seen["body"], params.encode(), "form sent")


def test_put():
    with Server() as server:
        body = b"***filecontents***"
        conn = new_connection(server.port)
        conn.request_bytes("PUT", "/file", GLib.Bytes.new(body), None)
        response = conn.get_response()
        check_equal((response.props.status, response.props.reason), (200, "OK"), "status")
        check_equal(response.read(-1).get_data(), b"stored 18 bytes at /file", "body")

        # The same with a body source and with the put_request/send path.
        source = Httplib.BodySource.new_for_string("second")
        conn.request("PUT", "/file2", source, None)
        check_equal(conn.get_response().read(-1).get_data(), b"stored 6 bytes at /file2",
                    "body source")
        conn.put_request("PUT", "/file3", False, False)
        conn.put_header("Content-Length", "7")
        conn.end_headers(None)
        conn.send(b"abc")
        conn.send_bytes(GLib.Bytes.new(b"defg"))
        check_equal(conn.get_response().read(-1).get_data(), b"stored 7 bytes at /file3",
                    "put_request and send")
        conn.close()
        check_equal([r["body"] for r in server.requests], [body, b"second", b"abcdefg"],
                    "bodies the server got")


def test_read_in_pieces():
    with Server() as server:
        conn = new_connection(server.port)
        conn.request("GET", "/", None, None)
        r = conn.get_response()
        check_equal(r.read(5).get_data(), GET_BODY[:5], "first piece")
        check_equal(r.read(-1).get_data(), GET_BODY[5:], "the rest")
        check_equal(r.read(-1).get_data(), b"", "after the end")
        conn.close()


def test_errors_are_glib_errors():
    error = expect_error(HTTPLIB_ERROR, Httplib.Error.INVALID_URL,
                         Httplib.Connection.new, "127.0.0.1:notaport", 0)
    check_equal(error.domain, "httplib-error-quark", "domain name")
    if "notaport" not in error.message:
        raise AssertionError("message does not name the port: " + error.message)

    with Server() as server:
        conn = new_connection(server.port)
        expect_error(HTTPLIB_ERROR, Httplib.Error.RESPONSE_NOT_READY, conn.get_response)
        expect_error(HTTPLIB_ERROR, Httplib.Error.INVALID_URL,
                     conn.request, "GET", "/a\r\nInjected: yes", None, None)
        conn.put_request("GET", "/", False, False)
        expect_error(HTTPLIB_ERROR, Httplib.Error.INVALID_HEADER,
                     conn.put_header, "Bad\nName", "x")
        conn.close()

        conn.request("GET", "/", None, None)
        expect_error(HTTPLIB_ERROR, Httplib.Error.CANNOT_SEND_REQUEST,
                     conn.request, "GET", "/", None, None)
        # The answer comes after the server recorded the request: count it only then.
        check_equal(conn.get_response().read(-1).get_data(), GET_BODY, "the first request's body")
        conn.close()

        reached = len(server.requests)
        conn.set_transport("no-such-transport")
        error = expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN,
                             conn.request, "GET", "/", None, None)
        if "no-such-transport" not in error.message:
            raise AssertionError("message does not name the transport: " + error.message)
        check_equal(len(server.requests), reached, "requests that reached the server")

    # GIO's own codes pass through: a port nobody listens on.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    conn = new_connection(free_port)
    expect_error(Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED, conn.open, None)
    check_equal(conn.props.state, Httplib.ConnectionState.DISCONNECTED, "state after refusal")


def nick(value):
    return value.value_nick


def test_state_changed_in_order():
    with Server() as server:
        conn = new_connection(server.port)
        conn_log, resp_log, notified = [], [], []
        conn.connect("state-changed", lambda c, old, new: conn_log.append((nick(old), nick(new))))
        conn.connect("notify::state", lambda c, pspec: notified.append(nick(c.props.state)))

        conn.request("GET", "/", None, None)
        r = conn.get_response()
        r.connect("state-changed", lambda r, old, new: resp_log.append((nick(old), nick(new))))
        check_equal(r.props.state, Httplib.ResponseState.BODY, "response state before read")
        r.read(-1)
        r.close()
        conn.close()

        check_equal(conn_log, [
            ("disconnected", "connecting"),
            ("connecting", "idle"),
            ("idle", "request-started"),
            ("request-started", "request-sent"),
            ("request-sent", "response-active"),
            ("response-active", "idle"),
            ("idle", "closed"),
        ], "connection states")
        check_equal(notified, [new for old, new in conn_log], "notify::state")
        check_equal(resp_log, [("body", "complete"), ("complete", "closed")],
                    "response states")


def test_status_phrases_and_descriptions():
    check_equal(int(Httplib.Status.NOT_FOUND), 404, "NOT_FOUND")
    check_equal(Httplib.status_get_phrase(404), "Not Found", "phrase of 404")
    check_equal(Httplib.status_get_phrase(Httplib.Status.OK), "OK", "phrase of OK")
    check_equal(Httplib.status_get_description(404), "Nothing matches the given URI",
                "description of 404")
    check_equal(Httplib.status_get_description(102), "", "description of 102")
    check_equal(Httplib.status_get_phrase(999), None, "phrase of an unknown code")
    check_equal(Httplib.status_is_known(418), Httplib.status_get_phrase(418) is not None,
                "is_known agrees with the table")
    check_equal(Httplib.status_is_known(999), False, "999 is unknown")
    check_equal(Httplib.Status(302).value_nick, "found", "enum from an int")
    check_equal((Httplib.HTTP_PORT, Httplib.HTTPS_PORT), (80, 443), "port constants")


if __name__ == "__main__":
    run([
        test_get_twice_on_one_connection,
        test_head_reads_empty,
        test_post_form,
        test_put,
        test_read_in_pieces,
        test_errors_are_glib_errors,
        test_state_changed_in_order,
        test_status_phrases_and_descriptions,
    ])
