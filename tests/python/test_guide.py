"""The guide "Writing a transport" (docs/writing-a-transport.md): its Python
transport, run as the page writes it, and its C and meson excerpts, which
must be the example's code in examples/plugin/."""
import contextlib
import io
import os
import re
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from gi_test_utils import GLib, Gio, Httplib, check_equal, expect_error, run  # noqa: E402
from httplib_test_server import GET_BODY, Server  # noqa: E402
from test_async import Loop  # noqa: E402

SOURCE = os.path.join(HERE, "..", "..")
GUIDE = os.path.join(SOURCE, "docs", "writing-a-transport.md")
EXAMPLE = os.path.join(SOURCE, "examples", "plugin")
HTTPLIB_ERROR = Httplib.error_quark()


def blocks(language, section=None):
    """The code blocks in language, of the whole page or of one section."""
    with open(GUIDE) as f:
        text = f.read()
    if section is not None:
        text = text[text.index("\n## " + section + "\n"):]
        text = text[:text.find("\n## ", 1)]
    return re.findall(r"^```" + language + r"\n(.*?)^```$", text, re.M | re.S)


PYTHON = blocks("python")
GUIDE_NAMES = {}
exec(compile(PYTHON[0], GUIDE + " (transport)", "exec"), GUIDE_NAMES)


@contextlib.contextmanager
def connect_to(target):
    old = os.environ.get("EXAMPLE_CONNECT_TO")
    os.environ["EXAMPLE_CONNECT_TO"] = target
    try:
        yield
    finally:
        if old is None:
            del os.environ["EXAMPLE_CONNECT_TO"]
        else:
            os.environ["EXAMPLE_CONNECT_TO"] = old


def connection():
    # example.test never resolves: only the transport reaches the server.
    conn = Httplib.Connection.new("example.test", 80)
    conn.set_transport("connect-to")
    conn.set_timeout(10)
    return conn


def test_registered():
    registry = Httplib.Registry.get_default()
    check_equal(registry.lookup_transport("connect-to"), GUIDE_NAMES["ConnectTo"].__gtype__,
                "registered type")


def test_guide_usage():
    """The page's second block, as written: a GET through the transport."""
    with Server() as server, connect_to("127.0.0.1:%d" % server.port):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(PYTHON[1], GUIDE + " (usage)", "exec"), dict(GUIDE_NAMES))
        check_equal(out.getvalue(), "200\n", "what the block printed")
        check_equal(server.requests[0]["headers"]["host"], "example.test", "Host header")


def test_events_and_keep_alive():
    with Server() as server, connect_to("127.0.0.1:%d" % server.port):
        conn = connection()
        events = []
        conn.connect("event", lambda c, event, stream: events.append(event.value_nick))
        for _ in range(2):
            conn.request("GET", "/", None, None)
            response = conn.get_response()
            check_equal(response.read(-1).get_data(), GET_BODY, "body")
        check_equal(events, ["connecting", "complete"], "events, one connect")
        check_equal(len(server.clients), 1, "one kept-alive connection")


def test_async():
    """Without open_async the library runs do_open in a worker thread."""
    with Server() as server, connect_to("127.0.0.1:%d" % server.port):
        loop = Loop()
        conn = connection()
        conn.request_async("GET", "/", None, None, None, loop.done)
        _, result = loop.wait()
        check_equal(conn.request_finish(result), True, "request_finish")
        conn.get_response_async(None, loop.done)
        _, result = loop.wait()
        response = conn.get_response_finish(result)
        check_equal(response.read(-1).get_data(), GET_BODY, "body")


def test_bad_target():
    with connect_to("127.0.0.1"):
        error = expect_error(HTTPLIB_ERROR, Httplib.Error.INVALID_URL, connection().open, None)
        check_equal(error.message, "EXAMPLE_CONNECT_TO='127.0.0.1' is not host:port", "message")


def test_refused():
    """GIO's error passes through the Python transport unchanged."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with connect_to("127.0.0.1:%d" % port):
        expect_error(Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED,
                     connection().open, None)


def test_cancelled():
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    with Server() as server, connect_to("127.0.0.1:%d" % server.port):
        expect_error(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED,
                     connection().open, cancellable)


def lines_of(*paths):
    lines = set()
    for path in paths:
        with open(path) as f:
            lines.update(line.strip() for line in f)
    return lines


def test_c_excerpts_are_the_example():
    code = lines_of(*[os.path.join(EXAMPLE, name) for name in os.listdir(EXAMPLE)
                      if name.endswith(".c")])
    build = lines_of(os.path.join(EXAMPLE, "meson.build"))
    for language, known in (("c", code), ("meson", build)):
        excerpts = blocks(language, "The example, step by step")
        check_equal(len(excerpts) > 0, True, "the guide has %s excerpts" % language)
        for excerpt in excerpts:
            for line in excerpt.splitlines():
                if line.strip() and line.strip() not in known:
                    raise AssertionError("the guide's %s line %r is not in examples/plugin/"
                                         % (language, line.strip()))


if __name__ == "__main__":
    run([
        test_registered,
        test_guide_usage,
        test_events_and_keep_alive,
        test_async,
        test_bad_target,
        test_refused,
        test_cancelled,
        test_c_excerpts_are_the_example,
    ])
