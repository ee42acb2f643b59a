"""A transport and a body source written in Python, registered at run time
with the default registry and used for requests."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi_test_utils import (GLib, Gio, Httplib, check_equal, expect_error,  # noqa: E402
                           new_connection, run)
from httplib_test_server import GET_BODY, Server  # noqa: E402

from gi.repository import GObject  # noqa: E402

HTTPLIB_ERROR = Httplib.error_quark()
REGISTRY = Httplib.Registry.get_default()


class PythonTransport(GObject.Object, Httplib.Transport):
    """TCP through Gio.SocketClient, recording what the core asked for."""
    opens = []

    def do_open(self, endpoint, base, cancellable):
        PythonTransport.opens.append((endpoint.get_host(), endpoint.get_port(), base))
        self.report_event(Httplib.TransportEvent.CONNECTING, None)
        client = Gio.SocketClient()
        client.set_timeout(10)
        client.set_enable_proxy(False)  # no proxy lookup, as the tcp plugin does
        stream = client.connect_to_host(endpoint.get_host(), endpoint.get_port(), cancellable)
        self.report_event(Httplib.TransportEvent.CONNECTED, stream)
        return stream


class RefusingTransport(GObject.Object, Httplib.Transport):
    def do_open(self, endpoint, base, cancellable):
        raise GLib.Error.new_literal(HTTPLIB_ERROR, "refused by Python", Httplib.Error.TUNNEL_FAILED)


class ChunksBody(GObject.Object, Httplib.BodySource):
    """A body of unknown length, written in pieces: sent chunked."""

    def __init__(self, chunks=()):
        super().__init__()
        self.chunks = list(chunks)

    def do_get_length(self):
        return -1

    def do_write_to(self, stream, cancellable):
        for chunk in self.chunks:
            stream.write_all(chunk, cancellable)
        return True

    def do_get_bytes(self):
        return None


class MemoryBody(GObject.Object, Httplib.BodySource):
    """A body in memory: known length, handed over as GBytes."""

    def __init__(self, data=b""):
        super().__init__()
        self.data = data
        self.written = False

    def do_get_length(self):
        return len(self.data)

    def do_write_to(self, stream, cancellable):
        self.written = True
        stream.write_all(self.data, cancellable)
        return True

    def do_get_bytes(self):
        return GLib.Bytes.new(self.data)


class FailingBody(GObject.Object, Httplib.BodySource):
    def do_get_length(self):
        return -1

    def do_write_to(self, stream, cancellable):
        raise GLib.Error.new_literal(HTTPLIB_ERROR, "cannot read the file",
                                     Httplib.Error.UNIMPLEMENTED_FILE_MODE)

    def do_get_bytes(self):
        return None


def test_python_transport():
    REGISTRY.register_transport("python-tcp", PythonTransport)
    check_equal(REGISTRY.lookup_transport("python-tcp"), PythonTransport.__gtype__,
                "lookup gives the Python type")
    with Server() as server:
        conn = new_connection(server.port)
        conn.set_transport("python-tcp")
        events = []
        conn.connect("event", lambda c, event, stream: events.append(event.value_nick))
        conn.request("GET", "/", None, None)
        r = conn.get_response()
        check_equal((r.props.status, r.read(-1).get_data()), (200, GET_BODY), "response")
        conn.request("GET", "/again", None, None)
        check_equal(conn.get_response().props.status, 404, "second response")
        conn.close()
        check_equal(PythonTransport.opens, [("127.0.0.1", server.port, None)],
                    "open() calls (one: keep-alive)")
        check_equal(events[:2], ["connecting", "connected"], "events passed on")
        check_equal(len(server.clients), 1, "TCP connections")


def test_python_transport_error():
    REGISTRY.register_transport("python-refusing", RefusingTransport)
    with Server() as server:
        conn = new_connection(server.port)
        conn.set_transport("python-refusing")
        error = expect_error(HTTPLIB_ERROR, Httplib.Error.TUNNEL_FAILED,
                             conn.request, "GET", "/", None, None)
        check_equal(error.message, "refused by Python", "message")
        check_equal(len(server.requests), 0, "requests that reached the server")


def test_register_bad_types():
    expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN,
                 REGISTRY.register_transport, "python-not-a-transport", GObject.Object)
    expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN,
                 REGISTRY.register_body_source, "python-not-a-body", PythonTransport)
    REGISTRY.register_transport("python-taken", PythonTransport)
    error = expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN,
                         REGISTRY.register_transport, "python-taken", RefusingTransport)
    if "already registered" not in error.message:
        raise AssertionError("unexpected message: " + error.message)


def test_python_body_sources():
    REGISTRY.register_body_source("python-chunks", ChunksBody)
    body_type = REGISTRY.lookup_body_source("python-chunks")
    check_equal(body_type, ChunksBody.__gtype__, "lookup gives the Python type")
    with Server() as server:
        conn = new_connection(server.port)

        # Made by the type system from the registered GType, as the core does.
        by_name = GObject.new(body_type)
        by_name.chunks = [b"a=1", b"&b=", b"2"]
        conn.request("POST", "/form", by_name, None)
        check_equal(conn.get_response().props.status, 400, "status (no @number)")

        memory = MemoryBody(b"***filecontents***")
        conn.request("PUT", "/file", memory, None)
        check_equal(conn.get_response().read(-1).get_data(), b"stored 18 bytes at /file",
                    "PUT reply")
        conn.close()

        chunked, known = server.requests
        check_equal(chunked["body"], b"a=1&b=2", "chunked body")
        check_equal(chunked["headers"].get("transfer-encoding"), "chunked", "Transfer-Encoding")
        check_equal(known["headers"].get("content-length"), "18", "Content-Length")
        check_equal(known["body"], b"***filecontents***", "body from get_bytes")
        check_equal(memory.written, False, "write_to not needed when get_bytes answers")


def test_python_body_source_error():
    with Server() as server:
        conn = new_connection(server.port)
        error = expect_error(HTTPLIB_ERROR, Httplib.Error.UNIMPLEMENTED_FILE_MODE,
                             conn.request, "POST", "/", FailingBody(), None)
        check_equal(error.message, "cannot read the file", "message")


if __name__ == "__main__":
    run([
        test_python_transport,
        test_python_transport_error,
        test_register_bad_types,
        test_python_body_sources,
        test_python_body_source_error,
    ])
