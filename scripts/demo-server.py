#!/usr/bin/python3
"""A small local HTTP/1.1 server for the README's demo.

Answers GET / with a page, other GETs with 404, HEAD like GET without a body,
and echoes the size of POST and PUT bodies. Listens on 127.0.0.1 only and
writes the port it got to the file named by its first argument.
"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the demo reuses one connection

    def _reply(self, status, body, send_body=True):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            self._reply(200, b"Hello from the libhttplib demo server\n")
        else:
            self._reply(404, b"Not Found\n")

    def do_HEAD(self):
        self._reply(200, b"Hello from the libhttplib demo server\n", send_body=False)

    def _read_body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_POST(self):
        body = self._read_body()
        self._reply(200, b"received %d bytes of form data\n" % len(body))

    def do_PUT(self):
        body = self._read_body()
        self._reply(201, b"stored %d bytes\n" % len(body))

    def log_message(self, format, *args):
        pass


def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
