#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

Run it again after changing a seed here; the files are committed. Each seed
is the control bytes of fuzz-common.h (flags, three piece sizes, the
target's extra bytes) followed by the payload.
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

EXPAND = 0x01


def expand(count_kib, byte):
    """The payload escape for count_kib KiB of one byte (needs the EXPAND flag)."""
    assert 1 <= count_kib <= 256
    return b"\xfe" + bytes([count_kib - 1]) + byte


# --- fuzz-response: flags bit 1 not strict, bits 2-3 GET/HEAD/CONNECT/POST ---

NOT_STRICT = 0x02
HEAD = 1 << 2
CONNECT = 2 << 2
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

RESPONSE = {
    "length": (0, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"),
    "length-split": ((1, 2, 7), b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    "length-list": (0, b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok"),
    "length-short": (0, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
    "chunked": (0, CHUNKED + b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\nX-Fold: a\r\n b\r\n\r\n"),
    "chunked-split": ((1, 3, 0), CHUNKED + b"A\r\n0123456789\r\n0\r\n\r\n"),
    "chunked-lf": (0, b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n"),
    "chunked-16-digits": (0, CHUNKED + b"0000000000000002\r\nok\r\n0\r\n\r\n"),
    "chunked-17-digits": (0, CHUNKED + b"00000000000000002\r\nok\r\n0\r\n\r\n"),
    "chunked-no-crlf": (0, CHUNKED + b"2\r\nokXX0\r\n\r\n"),
    "chunked-incomplete": (0, CHUNKED + b"ffff\r\nnot that much"),
    "until-close": (0, b"HTTP/1.0 200 OK\r\nServer: test\r\n\r\nthe body ends when the server closes"),
    "interim": ((5, 0, 0), b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
                b"HTTP/1.1 204 No Content\r\n\r\n"),
    "switching": (0, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
    "head": (HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
    "connect": (CONNECT, b"HTTP/1.1 200 Connection established\r\n\r\n"),
    "not-modified": (0, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n"),
    "folded": (0, b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\tc\r\nContent-Length: 0\r\n\r\n"),
    "empty-reason": (0, b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"),
    "http10-keep-alive": (0, b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
    "http09": (NOT_STRICT, b"<html>an HTTP/0.9 body</html>"),
    "http09-short": (NOT_STRICT, b"HTT"),
    "eof-in-head": (0, b"HTTP/1.1 200 OK\r\nA: b"),
    "empty": (0, b""),
    "te-and-length": (0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
    "te-gzip": (0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    "bad-status": (0, b"HTTP/1.1 2x0 OK\r\n\r\n"),
    "http2": (0, b"HTTP/2.0 200 OK\r\n\r\n"),
    "bad-field": (0, b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"),
    "nul-in-field": (0, b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n"),
    "long-line": (EXPAND, b"HTTP/1.1 200 OK\r\nX-Long: " + expand(64, b"a") + b"\r\nContent-Length: 0\r\n\r\n"),
    "big-head": (EXPAND, b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-%d: " % i + expand(60, b"b") + b"\r\n" for i in range(5)) + b"\r\n"),
    "many-fields": (0, b"HTTP/1.1 200 OK\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n"),
    "big-trailers": (EXPAND, CHUNKED + b"0\r\n" + b"".join(
        b"T%d: " % i + expand(60, b"t") + b"\r\n" for i in range(5)) + b"\r\n"),
}

# --- fuzz-chunked: extra bytes 0-1 take sizes, 2-3 chunk sizes of the re-encoding ---

CHUNK_BODIES = {
    "simple": b"5\r\nhello\r\n0\r\n\r\n",
    "two-chunks": b"5;a=b\r\nhello\r\n6 ; c\r\n world\r\n0\r\n\r\n",
    "upper-hex": b"A\r\n0123456789\r\n0\r\n\r\n",
    "lf-only": b"2\nok\n0\n\n",
    "trailers": b"2\r\nok\r\n0\r\nX-Checksum: abc\r\nX-Fold: a\r\n  b\r\n\r\n",
    "16-digits": b"0000000000000002\r\nok\r\n0\r\n\r\n",
    "17-digits": b"00000000000000002\r\nok\r\n0\r\n\r\n",
    "huge-size": b"ffffffffffffffff\r\nnot that much",
    "no-crlf-after-data": b"2\r\nokX\r\n0\r\n\r\n",
    "bare-cr": b"2\rx\r\nok\r\n0\r\n\r\n",
    "bad-trailer": b"0\r\nno colon\r\n\r\n",
    "empty-size": b"\r\nok\r\n0\r\n\r\n",
    "incomplete": b"10\r\nshort",
}
CHUNKED_SEEDS = {name: ((0, 0, 0), (0, 0, 1, 2), body) for name, body in CHUNK_BODIES.items()}
CHUNKED_SEEDS["simple-split"] = ((1, 2, 3), (1, 3, 0, 4), CHUNK_BODIES["two-chunks"])
CHUNKED_SEEDS["trailers-split"] = ((2, 1, 5), (2, 0, 3, 1), CHUNK_BODIES["trailers"])
CHUNKED_SEEDS["long-extension"] = ((0, 0, 0), (0, 0, 7, 7),
                                   b"2;" + expand(64, b"e") + b"\r\nok\r\n0\r\n\r\n")
CHUNKED_SEEDS["big-trailers"] = ((0, 0, 0), (0, 0, 7, 7), b"0\r\n" + b"".join(
    b"T%d: " % i + expand(60, b"t") + b"\r\n" for i in range(5)) + b"\r\n")

# --- fuzz-request: flags bit 1 skip_host, bit 2 skip_accept_encoding, bits 3-4 the way ---

SKIP_HOST = 0x02
SKIP_AE = 0x04
WAYS = {"request": 0 << 3, "putheader": 1 << 3, "putheaderv": 2 << 3, "tunnel": 3 << 3}


def parts(*items):
    return b"\x00".join(items)


REQUESTS = {
    "get": parts(b"example.org", b"GET", b"/index.html?q=1", b"Accept", b"text/html", b"User-Agent", b"fuzz/1.0"),
    "post-ipv6-port": parts(b"[::1]:8080", b"POST", b"/form", b"Content-Type", b"application/x-www-form-urlencoded"),
    "empty-url": parts(b"example.org:80", b"OPTIONS", b""),
    "own-host": parts(b"example.org", b"GET", b"/", b"Host", b"other.example", b"Accept-Encoding", b"gzip"),
    "multi-value": parts(b"example.org", b"GET", b"/", b"X-Multi", b"a,b, c,,"),
    "spaces-in-value": parts(b"example.org", b"GET", b"/", b"X-Space", b"  padded\t", b"X-Empty", b""),
    "idn-host": parts("bücher.example".encode(), b"GET", b"/"),
    "crlf-injection": parts(b"example.org", b"GET", b"/", b"X-A", b"a\r\nInjected: 1"),
    "lf-injection": parts(b"example.org", b"GET", b"/", b"X-A", b"a\nInjected: 1"),
    "space-in-url": parts(b"example.org", b"GET", b"/a b HTTP/1.1\r\nX: y"),
    "bad-method": parts(b"example.org", b"G\x01T", b"/"),
    "bad-name": parts(b"example.org", b"GET", b"/", b"Bad Name", b"x"),
    "bad-host": parts(b"exa mple.org", b"GET", b"/"),
    "bad-port": parts(b"example.org:http", b"GET", b"/"),
    "control-in-value": parts(b"example.org", b"GET", b"/", b"X-Ctl", b"\x01\x7f\xff"),
}

# --- fuzz-connect: flags bit 1 debug level 1 ---

DEBUG = 0x02
CONNECT_REPLIES = {
    "established": (0, b"HTTP/1.1 200 Connection established\r\n\r\n"),
    "established-debug": (DEBUG, b"HTTP/1.0 200 OK\r\nProxy-Agent: test/1.0\r\n\r\n"),
    "established-split": ((1, 4, 2), b"HTTP/1.1 200 Connection established\r\nVia: 1.1 proxy\r\n\r\n"),
    "auth-required": (0, b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\n\r\n"),
    "forbidden-with-body": (DEBUG, b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden"),
    "bytes-after-200": (0, b"HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK from the origin?"),
    "continue-first": (0, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
    "closed": (0, b""),
    "closed-in-head": (0, b"HTTP/1.1 200 OK\r\nVia: x"),
    "not-http": (0, b"SSH-2.0-OpenSSH_9.2\r\n"),
    "http2": (0, b"HTTP/2 200\r\n\r\n"),
    "lf-only": (0, b"HTTP/1.1 200 OK\nX: y\n\n"),
    "long-line": (EXPAND, b"HTTP/1.1 200 OK\r\nX-Long: " + expand(64, b"l") + b"\r\n\r\n"),
    "many-fields": (0, b"HTTP/1.1 200 OK\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n"),
}


def pieces_of(spec):
    """(flags, pieces) from an int (flags only) or a tuple of piece sizes."""
    if isinstance(spec, tuple):
        return 0, spec
    return spec, (0, 0, 0)


def write(target, name, data):
    with open(os.path.join(HERE, "corpus", target, name), "wb") as f:
        f.write(data)


def main():
    for target in ("response", "chunked", "request", "connect"):
        path = os.path.join(HERE, "corpus", target)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)

    for name, (spec, payload) in RESPONSE.items():
        flags, pieces = pieces_of(spec)
        write("response", name, bytes([flags]) + bytes(pieces) + payload)
    for name, (pieces, extra, body) in CHUNKED_SEEDS.items():
        flags = EXPAND if b"\xfe" in body else 0
        write("chunked", name, bytes([flags]) + bytes(pieces) + bytes(extra) + body)
    for name, payload in REQUESTS.items():
        for way, bits in WAYS.items():
            flags = bits | (SKIP_AE if name == "get" and way == "putheader" else 0)
            flags |= SKIP_HOST if name == "post-ipv6-port" and way == "putheaderv" else 0
            write("request", "%s-%s" % (name, way), bytes([flags, 0, 0, 0]) + payload)
    for name, (spec, payload) in CONNECT_REPLIES.items():
        flags, pieces = pieces_of(spec)
        write("connect", name, bytes([flags]) + bytes(pieces) + payload)


if __name__ == "__main__":
    main()
