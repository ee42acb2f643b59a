#!/usr/bin/python3
"""A small local HTTP/1.1 and HTTPS server for the README's demo.

Answers GET / with a page, other GETs with 404, HEAD like GET without a body,
and echoes the size of POST and PUT bodies. Listens on 127.0.0.1 only and
writes the port it got to the file named by its first argument. Given a
certificate and key file as well, it also serves HTTPS on a second port and
writes "HTTP-PORT HTTPS-PORT".
"""
import http.server
import ssl
import sys
import threading


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
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ports = [str(server.server_address[1])]
    if len(sys.argv) == 4:
        tls_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        context.set_alpn_protocols(["http/1.1"])
        tls_server.socket = context.wrap_socket(tls_server.socket, server_side=True)
        ports.append(str(tls_server.server_address[1]))
        threading.Thread(target=tls_server.serve_forever, daemon=True).start()
    with open(sys.argv[1], "w") as f:
        f.write(" ".join(ports) + "\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
