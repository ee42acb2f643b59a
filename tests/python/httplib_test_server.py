"""A loopback HTTP/1.1 server for the binding tests, on 127.0.0.1 only.

It answers the seed's examples:

  GET /               200 OK, "<html>hello</html>"
  GET /<other>        404 Not Found, "no such page: /<other>"
  HEAD /              200 OK, Content-Length of the GET body, no body
  POST <any>          302 Found when the form names '@number', with
                      Location and "Redirecting to ..." as the seed shows;
                      400 Bad Request otherwise
  PUT /<path>         200 OK, "stored N bytes at /<path>"

Bodies may come with Content-Length or chunked. Every request is recorded
(method, path, headers, body) in Server.requests, and each client's
address in Server.clients.

Run as a script, it starts, prints its port on one line, runs the command
given after "--" with HTTPLIB_TEST_PORT set, and stops: this is how the gjs
and Vala tests get a server.
"""
import http.server
import os
import signal
import socketserver
import subprocess
import sys
import threading
import urllib.parse

GET_BODY = b"<html>hello</html>"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a stuck client cannot hold a handler thread for ever

    def log_message(self, format, *args):
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                line = self.rfile.readline()
                if not line:
                    raise ConnectionResetError("the client stopped in a chunked body")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _record(self, body):
        self.server.clients.add(self.client_address)
        self.server.requests.append({
            "method": self.command,
            "path": self.path,
            "headers": dict((k.lower(), v) for k, v in self.headers.items()),
            "body": body,
        })

    def _reply(self, status, body, extra=(), send_body=True):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self):
        self._record(b"")
        if self.path == "/":
            self._reply(200, GET_BODY)
        else:
            self._reply(404, b"no such page: " + self.path.encode())

    def do_HEAD(self):
        self._record(b"")
        if self.path == "/":
            self._reply(200, GET_BODY, send_body=False)
        else:
            self._reply(404, b"", send_body=False)

    def do_POST(self):
        body = self._read_body()
        self._record(body)
        form = urllib.parse.parse_qs(body.decode("ascii", "replace"))
        if "@number" in form:
            target = "http://127.0.0.1/issue" + form["@number"][0]
            page = 'Redirecting to <a href="{0}">{0}</a>'.format(target).encode()
            self._reply(302, page, extra=[("Location", target)])
        else:
            self._reply(400, b"no @number in the form")

    def do_PUT(self):
        body = self._read_body()
        self._record(body)
        self._reply(200, "stored {} bytes at {}".format(len(body), self.path).encode())


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests = []
        self.clients = set()    # (address, port) of each TCP connection seen
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    def handle_error(self, request, client_address):
        # A client that hangs up early (a test of errors) is not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        self._thread.join(5)


def run_command_with_server(argv, timeout=60):
    """Runs argv with HTTPLIB_TEST_PORT set; kills it (its process group)
    when it outlives the timeout. Returns its exit status."""
    with Server() as server:
        env = dict(os.environ, HTTPLIB_TEST_PORT=str(server.port))
        child = subprocess.Popen(argv, env=env, start_new_session=True)
        try:
            return child.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            print("{}: still running after {} s, killed".format(argv[0], timeout),
                  file=sys.stderr)
            return 1


if __name__ == "__main__":
    if "--" not in sys.argv or sys.argv.index("--") == len(sys.argv) - 1:
        sys.exit("usage: httplib_test_server.py -- COMMAND [ARG...]")
    sys.exit(run_command_with_server(sys.argv[sys.argv.index("--") + 1:]))
