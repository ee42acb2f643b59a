"""Httplib.Connection.new_unix from Python, against the binding tests'
server listening on a Unix domain socket in a temporary folder."""
import os
import shutil
import socketserver
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi_test_utils import GLib, Gio, Httplib, check_equal, expect_error, run  # noqa: E402
from httplib_test_server import GET_BODY, Handler  # noqa: E402

HTTPLIB_ERROR = Httplib.error_quark()


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="httplib-unix-")
        self.path = os.path.join(self.folder, "http.sock")
        super().__init__(self.path, Handler)
        self.requests = []
        self.clients = set()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        self._thread.join(5)
        shutil.rmtree(self.folder)


def test_get_and_put():
    with UnixServer() as server:
        conn = Httplib.Connection.new_unix(server.path, "docker")
        conn.set_timeout(10)
        check_equal((conn.props.transport, conn.props.socket_path), ("unix", server.path),
                    "transport and path")
        conn.request("GET", "/", None, None)
        response = conn.get_response()
        check_equal((response.props.status, response.read(-1).get_data()), (200, GET_BODY), "GET")
        conn.request_string("PUT", "/v1/f", "twelve bytes", None)
        response = conn.get_response()
        check_equal(response.read(-1).get_data(), b"stored 12 bytes at /v1/f", "PUT")
        check_equal([r["headers"]["host"] for r in server.requests], ["docker", "docker"],
                    "Host headers")
        check_equal(server.requests[1]["body"], b"twelve bytes", "PUT body")


def test_bad_paths():
    error = expect_error(HTTPLIB_ERROR, Httplib.Error.INVALID_URL,
                         Httplib.Connection.new_unix, "/" + "a" * 107, "localhost")
    check_equal("at most 107" in error.message, True, "message names the limit")
    folder = tempfile.mkdtemp(prefix="httplib-unix-")
    try:
        conn = Httplib.Connection.new_unix(os.path.join(folder, "none.sock"), "localhost")
        error = expect_error(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND, conn.open, None)
        check_equal(folder in error.message, True, "message names the path")
    finally:
        os.rmdir(folder)


if __name__ == "__main__":
    run([
        test_get_and_put,
        test_bad_paths,
    ])
