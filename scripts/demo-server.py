#!/usr/bin/python3
"""A small local HTTP/1.1 and HTTPS server for the README's demo.

Answers GET / with a page, GET /bytes/N with N bytes, other GETs with 404,
HEAD like GET without a body, and echoes the size of POST and PUT bodies
(with Content-Length or chunked). Listens on 127.0.0.1 only and
writes the port it got to the file named by its first argument. Given a
certificate and key file as well, it also serves HTTPS on a second port and
runs a CONNECT proxy (to 127.0.0.1 and localhost only) on a third, and writes
"HTTP-PORT HTTPS-PORT PROXY-PORT".
"""
import http.server
import select
import socket
import socketserver
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the demo reuses one connection
    disable_nagle_algorithm = True  # the head and the body are two writes: no delayed-ACK stall

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
        elif self.path.startswith("/bytes/") and self.path[7:].isdigit() and int(self.path[7:]) <= 1 << 30:
            size = int(self.path[7:])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = b"x" * 65536
            while size > 0:
                self.wfile.write(block[:size])
                size -= min(size, len(block))
        else:
            self._reply(404, b"Not Found\n")

    def do_HEAD(self):
        self._reply(200, b"Hello from the libhttplib demo server\n", send_body=False)

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += self.rfile.read(size)
                self.rfile.readline(1024)
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_POST(self):
        body = self._read_body()
        self._reply(200, b"received %d bytes of form data\n" % len(body))

    def do_PUT(self):
        body = self._read_body()
        self._reply(201, b"stored %d bytes\n" % len(body))

    def log_message(self, format, *args):
        pass


class ConnectProxy(socketserver.StreamRequestHandler):
    """Answers CONNECT to a loopback port with 200 and relays both ways."""

    disable_nagle_algorithm = True  # relayed pieces go on at once, both ways

    def handle(self):
        head = []
        while True:
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            head.append(line)
        parts = head[0].split() if head else []
        if len(parts) != 3 or parts[0] != b"CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = parts[1].decode("ascii", "replace").rpartition(":")
        if host not in ("127.0.0.1", "localhost") or not port.isdigit():
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        client = self.connection
        with upstream:
            while True:
                ready, _, _ = select.select([client, upstream], [], [], 30)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)


def main():
    http.server.ThreadingHTTPServer.daemon_threads = True
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
        proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), ConnectProxy)
        proxy.daemon_threads = True
        ports.append(str(proxy.server_address[1]))
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
    with open(sys.argv[1], "w") as f:
        f.write(" ".join(ports) + "\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
