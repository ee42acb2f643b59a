#!/usr/bin/python3
"""CPython's http.client on the benchmark workloads (run with /usr/bin/python3).

Same command line and output line as the C clients (bench-common.h).
"""
import http.client
import json
import os
import resource
import ssl
import sys
import time

READ_SIZE = 64 * 1024


def mark():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.monotonic(), usage.ru_utime, usage.ru_stime


def main():
    workload, n = sys.argv[1], int(sys.argv[2])
    args = dict(a.split("=", 1) for a in sys.argv[3:])
    tls = "tls" in workload
    port = int(args["tls_port" if tls else "port"])
    if tls:
        context = ssl.create_default_context(cafile=args["ca"])
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port)
    buffer = bytearray(READ_SIZE)
    view = memoryview(buffer)
    total = 0

    def drain(response):
        got = 0
        if args.get("variant") == "read":
            while chunk := response.read(READ_SIZE):
                got += len(chunk)
        else:
            while count := response.readinto(view):
                got += count
        return got

    if workload == "connect":
        start = mark()
        for _ in range(n):
            conn.request("GET", "/small")
            total += drain(conn.getresponse())
            conn.close()
    elif workload.startswith(("get", "download")):
        path = "/small" if workload.startswith("get") else "/big"
        conn.connect()
        start = mark()
        for _ in range(n):
            conn.request("GET", path)
            total += drain(conn.getresponse())
    elif workload.startswith("upload"):
        conn.connect()
        conn.blocksize = int(args.get("blocksize", 8192))
        with open(args["file"], "rb") as body:
            size = os.fstat(body.fileno()).st_size
            start = mark()
            for _ in range(n):
                body.seek(0)
                conn.request("PUT", "/sink", body=body, headers={"Content-Length": str(size)})
                drain(conn.getresponse())
                total += size
    else:
        sys.exit("unsupported workload " + workload)
    end = mark()
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"wall": end[0] - start[0], "user": end[1] - start[1],
                      "sys": end[2] - start[2], "n": n, "bytes": total,
                      "peak_rss_kib": peak}), flush=True)


if __name__ == "__main__":
    main()
