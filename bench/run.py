#!/usr/bin/python3
"""The benchmark driver of issue 9: libhttplib beside libcurl, libsoup 3,
CPython's http.client and a raw floor client, against a local nginx.

Run through bench/run, which installs what is missing and builds the clients.
Everything listens and connects on 127.0.0.1 only. nginx is started from a
generated configuration in a temporary folder, pinned to CPU 0, and stopped by
its pid when the driver exits; the clients are pinned to CPU 1.

Method: for each workload, R rounds; each round runs every client once, in an
order rotated from round to round. Ratios (wall time ÷ the raw client's, and
÷ libcurl's) are taken within a round, then summarised as median (min–max).
Instruction counts (callgrind) and syscall counts (strace -c -f) are the
difference between a short and a long run divided by the difference in
requests, so start-up cancels out.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"
RUN_TIMEOUT_S = 600
SERVER_CPU = "0"
CLIENT_CPU = "1"
MIB = 1024 * 1024
BLOCKSIZES = [8 * 1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]

# Each client: name -> (command, extra key=value arguments).
def clients(build):
    b = os.path.join(build, "bench")
    return {
        "raw": ([os.path.join(b, "bench-raw")], []),
        "libhttplib": ([os.path.join(b, "bench-httplib")], []),
        "libhttplib read": ([os.path.join(b, "bench-httplib")], ["variant=read"]),
        "libhttplib blocks": ([os.path.join(b, "bench-httplib")], ["variant=blocks"]),
        "libcurl": ([os.path.join(b, "bench-curl")], []),
        "libsoup": ([os.path.join(b, "bench-soup")], []),
        "CPython": ([PYTHON, os.path.join(HERE, "bench-python.py")], []),
    }


UPLOAD_PORTS = []   # the sink's, set in main()
SERIAL = ["raw", "libhttplib", "libcurl", "libsoup", "CPython"]
# workload -> (title, clients, unit) ; unit "req" = per request, "MiB" = throughput
WORKLOADS = {
    "get": ("keep-alive GET of 13 bytes", SERIAL, "req"),
    "get-tls": ("keep-alive GET of 13 bytes over TLS", SERIAL, "req"),
    "connect": ("new connection per GET of 13 bytes", SERIAL, "req"),
    "download": ("download", ["raw", "libhttplib", "libhttplib read", "libcurl", "libsoup",
                              "CPython"], "MiB"),
    "download-tls": ("download over TLS", ["raw", "libhttplib", "libhttplib read", "libcurl",
                                           "libsoup", "CPython"], "MiB"),
    "upload": ("upload (PUT) from a file", ["raw", "libhttplib", "libhttplib blocks", "libcurl",
                                            "libsoup", "CPython"], "MiB"),
    "upload-tls": ("upload (PUT) from a file over TLS", ["raw", "libhttplib", "libcurl",
                                                         "libsoup", "CPython"], "MiB"),
}
CLIENT_NOTES = {
    "raw": "floor: fixed request, reads the known length (GnuTLS directly for TLS; sendfile for a plain upload)",
    "libhttplib": "sync API, `read_into` one 64 KiB buffer; uploads through the fd body (sendfile over plain TCP, blocks over TLS)",
    "libhttplib read": "`read (64 KiB)`, a GBytes per call",
    "libhttplib blocks": "fd body forced onto its block path over plain TCP (socket hidden behind a pass-through stream)",
    "libcurl": "easy API, one handle reused, `Expect:` off for uploads",
    "libsoup": "one SoupSession, `soup_session_send`, body stream read into one buffer",
    "CPython": "/usr/bin/python3 http.client, `readinto` one 64 KiB buffer, blocksize 64 KiB",
}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --- the server -------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_files(tmp, big_size):
    www = os.path.join(tmp, "www")
    os.mkdir(www)
    with open(os.path.join(www, "small"), "wb") as f:
        f.write(b"Hello, world\n")          # 13 bytes
    chunk = os.urandom(MIB)
    for name in (os.path.join(www, "big"), os.path.join(tmp, "upload.bin")):
        with open(name, "wb") as f:
            for i in range(big_size // MIB):
                f.write(chunk[i % 251:] + chunk[:i % 251])
    return os.path.join(tmp, "upload.bin")


def make_certificate(tmp):
    def certtool(*args):
        subprocess.run(["certtool", *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)

    ca_key, ca_cert = os.path.join(tmp, "ca.key"), os.path.join(tmp, "ca.pem")
    key, cert = os.path.join(tmp, "server.key"), os.path.join(tmp, "server.pem")
    with open(os.path.join(tmp, "ca.tmpl"), "w") as f:
        f.write('cn = "bench CA"\nca\ncert_signing_key\nexpiration_days = 2\n')
    with open(os.path.join(tmp, "server.tmpl"), "w") as f:
        f.write('cn = "127.0.0.1"\ndns_name = "localhost"\nip_address = "127.0.0.1"\n'
                'tls_www_server\nsigning_key\nexpiration_days = 2\n')
    certtool("--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1", "--outfile", ca_key)
    certtool("--generate-self-signed", "--load-privkey", ca_key,
             "--template", os.path.join(tmp, "ca.tmpl"), "--outfile", ca_cert)
    certtool("--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1", "--outfile", key)
    certtool("--generate-certificate", "--load-privkey", key, "--load-ca-certificate", ca_cert,
             "--load-ca-privkey", ca_key, "--template", os.path.join(tmp, "server.tmpl"),
             "--outfile", cert)
    return ca_cert, cert, key


class Nginx:
    def __init__(self, tmp, cert, key):
        self.tmp = tmp
        self.port, self.tls_port = free_port(), free_port()
        config = os.path.join(tmp, "nginx.conf")
        with open(config, "w") as f:
            f.write(f"""daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{self.port};
    listen 127.0.0.1:{self.tls_port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_session_tickets on;
    root {tmp}/www;
    # Uploads: nginx reads and discards the body, then answers.
    location = /sink {{
      client_max_body_size 0;
      return 200 "ok\\n";
    }}
  }}
}}
""")
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, "nginx", "-p", tmp,
                                      "-c", config, "-e", os.path.join(tmp, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if self.proc.poll() is not None:
                raise SystemExit("nginx exited: see " + os.path.join(tmp, "error.log"))
            try:
                socket.create_connection(("127.0.0.1", self.tls_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit("nginx did not start listening")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None


class Sink:
    """bench-sink: the upload server (nginx discards bodies 4 KiB per read)."""

    def __init__(self, build, cert, key):
        self.port, self.tls_port = free_port(), free_port()
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU,
                                      os.path.join(build, "bench", "bench-sink"),
                                      str(self.port), str(self.tls_port), cert, key])
        for _ in range(100):
            if self.proc.poll() is not None:
                raise SystemExit("bench-sink exited")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit("bench-sink did not start listening")

    stop = Nginx.stop


def response_length(port, request):
    """The whole response's length in bytes, head included, for the raw client."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head = data.split(b"\r\n\r\n")[0]
        length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
        return len(head) + 4 + length


# --- running clients ----------------------------------------------------------

def run_client(command, workload, n, common, extra, prefix=None):
    argv = ["taskset", "-c", CLIENT_CPU] + (prefix or []) + command + [workload, str(n)] \
        + common + extra
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    start = time.monotonic()
    # Bounded wait: wait4 has no timeout, so poll until the deadline.
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() - start > RUN_TIMEOUT_S:
            os.kill(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            raise RuntimeError(f"timed out: {' '.join(argv)}")
        time.sleep(0.005)
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {err.strip()[-500:]}")
    result = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return result


def summary(values, fmt="{:.2f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def measure(workload, names, n, rounds, all_clients, common, extra_for):
    if workload.startswith("upload"):
        common = common + UPLOAD_PORTS
    runs = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            command, extra = all_clients[name]
            try:
                runs[name].append(run_client(command, workload, n, common,
                                             extra + extra_for(name)))
            except RuntimeError as e:
                log(f"  {name}: {e}")
                runs[name].append(None)
    return runs


def ratios(runs, name, base):
    out = []
    for mine, theirs in zip(runs.get(name, []), runs.get(base, [])):
        if mine and theirs and "wall" in mine and "wall" in theirs:
            out.append(mine["wall"] / theirs["wall"])
    return out


def table(title, runs, names, unit):
    lines = [f"#### {title}", ""]
    if unit == "req":
        lines.append("| client | µs per request | ÷ raw | ÷ libcurl | CPU µs per request | peak RSS MiB |")
    else:
        lines.append("| client | MiB/s | ÷ raw (time) | ÷ libcurl (time) | CPU s per GiB | peak RSS MiB |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for name in names:
        good = [x for x in runs[name] if x and "wall" in x]
        if not good:
            note = next((x.get("unavailable") for x in runs[name] if x), None) or "failed"
            lines.append(f"| {name} | {note} | | | | |")
            continue
        if unit == "req":
            speed = summary([x["wall"] / x["n"] * 1e6 for x in good], "{:.1f}")
            cpu = summary([(x["user"] + x["sys"]) / x["n"] * 1e6 for x in good], "{:.1f}")
        else:
            speed = summary([x["bytes"] / MIB / x["wall"] for x in good], "{:.0f}")
            cpu = summary([(x["user"] + x["sys"]) / (x["bytes"] / (1024 * MIB)) for x in good],
                          "{:.2f}")
        rss = summary([x["peak_rss_kib"] / 1024 for x in good], "{:.1f}")
        lines.append(f"| {name} | {speed} | {summary(ratios(runs, name, 'raw'))} | "
                     f"{summary(ratios(runs, name, 'libcurl'))} | {cpu} | {rss} |")
    return "\n".join(lines) + "\n"


# --- instructions and system calls ------------------------------------------------

def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + path)


def strace_total(path):
    with open(path) as f:
        text = f.read()
    m = re.search(r"^-+\s.*\n100\.00\s+[\d.]+\s+\d+\s+(\d+)", text, re.M)
    if m is None:
        m = re.search(r"\s(\d+)(?:\s+\d+)?\s+total\s*$", text, re.M)
    if m is None:
        raise RuntimeError("no total in " + path)
    return int(m.group(1))


def perf_total(path):
    with open(path) as f:
        for line in f:
            if "raw_syscalls:sys_enter" in line and line.split(",")[0].isdigit():
                return int(line.split(",")[0])
    raise RuntimeError("no count in " + path)


def perf_works():
    try:
        return subprocess.run(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def per_request(tool, tmp, command, workload, n_small, n_big, common, extra):
    counts = []
    for n in (n_small, n_big):
        out = os.path.join(tmp, f"{tool}.{os.getpid()}.{n}.out")
        if tool == "callgrind":
            prefix = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
        elif tool == "perf":
            prefix = ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", out]
        else:
            prefix = ["strace", "-c", "-f", "-o", out]
        run_client(command, workload, n, common, extra, prefix)
        counts.append(callgrind_total(out) if tool == "callgrind" else
                      perf_total(out) if tool == "perf" else strace_total(out))
        os.unlink(out)
    return (counts[1] - counts[0]) / (n_big - n_small)


def profile(tmp, all_clients, common, n_small, n_big, workloads):
    lines = ["#### Instructions (callgrind, user space, libraries included) and system calls "
             f"(strace -c -f, and perf stat where it works: strace slows the client, so a reply is "
             f"less often there at the first read) per request: (N = {n_big}) − (N = {n_small}), "
             f"÷ {n_big - n_small}", "",
             "| workload | client | instructions per request | ÷ libcurl | syscalls per request (strace) | syscalls per request (perf) |",
             "| --- | --- | --- | --- | --- | --- |"]
    results = {}
    tools = ("callgrind", "strace", "perf") if perf_works() else ("callgrind", "strace")
    for workload in workloads:
        for name in SERIAL:
            command, extra = all_clients[name]
            row = {}
            for tool in tools:
                try:
                    row[tool] = per_request(tool, tmp, command, workload, n_small, n_big,
                                            common, extra)
                except RuntimeError as e:
                    log(f"  {tool} {name} {workload}: {e}")
            results[(workload, name)] = row
    for workload in workloads:
        curl = results.get((workload, "libcurl"), {}).get("callgrind")
        for name in SERIAL:
            row = results[(workload, name)]
            ir, sc, pf = row.get("callgrind"), row.get("strace"), row.get("perf")
            lines.append(f"| {workload} | {name} | "
                         f"{'—' if ir is None else f'{ir / 1000:.1f} k'} | "
                         f"{'—' if ir is None or not curl else f'{ir / curl:.3f}'} | "
                         f"{'—' if sc is None else f'{sc:.2f}'} | "
                         f"{'—' if pf is None else f'{pf:.2f}'} |")
    return "\n".join(lines) + "\n", results


# --- the plot ---------------------------------------------------------------------------

def plot(all_runs, path):
    shown = ["libhttplib", "libcurl", "libsoup", "CPython"]
    data = path.replace(".png", ".dat")
    with open(data, "w") as f:
        f.write("workload " + " ".join(f'"{c}"' for c in shown) + "\n")
        for workload, runs in all_runs.items():
            cells = []
            for name in shown:
                m = median(ratios(runs, name, "raw")) if name in runs else None
                cells.append("-" if m is None else f"{m:.3f}")
            f.write(f'"{workload}" ' + " ".join(cells) + "\n")
    script = f"""
set terminal pngcairo size 1000,520 font "sans,10"
set output "{path}"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set ylabel "wall time ÷ raw client (median of rounds; lower is better)"
set yrange [0:*]
set grid ytics
set xtics noenhanced
set title "libhttplib bench, {datetime.date.today()} — 1.0 is the raw floor"
plot for [i=2:{len(shown) + 1}] "{data}" using i:xtic(1) title columnhead(i)
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True, timeout=60)


# --- main ------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=os.path.abspath, default=os.path.join(TOP, "_build-bench"))
    parser.add_argument("--quick", action="store_true", help="smaller N and files, 3 rounds")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny N, one round, no plot: checks that the harness works (CI)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--only", help="comma-separated workloads (get,get-tls,connect,download,"
                                       "download-tls,upload,upload-tls,blocksize,async,profile)")
    parser.add_argument("--serve", type=int, metavar="SECONDS",
                        help="only start the servers, print the clients' arguments, wait "
                             "SECONDS (for profiling by hand), stop")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()

    if args.smoke:
        n = {"get": 20, "connect": 5, "big": 4 * MIB, "async": (5, 2), "profile": (2, 12)}
        rounds = 1
    elif args.quick:
        n = {"get": 5000, "connect": 500, "big": 64 * MIB, "async": (200, 50),
             "profile": (200, 2000)}
        rounds = 3
    else:
        n = {"get": 20000, "connect": 2000, "big": 256 * MIB, "async": (200, 50),
             "profile": (200, 2000)}
        rounds = 5
    rounds = args.rounds or rounds
    selected = args.only.split(",") if args.only else \
        list(WORKLOADS) + ["blocksize", "async", "profile"]

    all_clients = clients(args.build)
    tmp = tempfile.mkdtemp(prefix="httplib-bench-")
    os.chmod(tmp, 0o755)
    nginx = sink = None
    began = time.monotonic()

    def stop(*_):
        for server in (nginx, sink):
            if server is not None:
                server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        log(f"files of {n['big'] // MIB} MiB and a certificate in {tmp}")
        upload_file = make_files(tmp, n["big"])
        ca, cert, key = make_certificate(tmp)
        nginx = Nginx(tmp, cert, key)
        sink = Sink(args.build, cert, key)
        common = [f"port={nginx.port}", f"tls_port={nginx.tls_port}", f"ca={ca}",
                  f"file={upload_file}",
                  "small_len=%d" % response_length(nginx.port, b"GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                  "big_len=%d" % response_length(nginx.port, b"GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                  "sink_len=%d" % response_length(sink.port, b"PUT /sink HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")]
        UPLOAD_PORTS[:] = [f"port={sink.port}", f"tls_port={sink.tls_port}"]
        env_plugins = os.path.join(args.build, "plugins")
        os.environ["HTTPLIB_PLUGIN_PATH"] = ":".join(
            os.path.join(env_plugins, p) for p in sorted(os.listdir(env_plugins))
            if os.path.isdir(os.path.join(env_plugins, p)))

        if args.serve:
            print("HTTPLIB_PLUGIN_PATH=" + os.environ["HTTPLIB_PLUGIN_PATH"])
            print("plain/TLS (nginx): " + " ".join(common))
            print("uploads (sink):    " + " ".join(common + UPLOAD_PORTS), flush=True)
            time.sleep(args.serve)
            return
        cpu = "unknown"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        mode = "--smoke" if args.smoke else "--quick" if args.quick else "(full)"
        if args.only:
            mode += f" --only {args.only}"
        report = [f"### Run of {datetime.datetime.now():%Y-%m-%d %H:%M}, `bench/run {mode}`", "",
                  f"Machine: {os.cpu_count()} cores, {cpu}, {platform.system()} "
                  f"{platform.release()}; client pinned to CPU {CLIENT_CPU}, nginx to CPU "
                  f"{SERVER_CPU}; {rounds} rounds, order rotated; median (min–max).", ""]
        all_runs = {}
        for workload, (title, names, unit) in WORKLOADS.items():
            if workload not in selected:
                continue
            count = n["connect"] if workload == "connect" else n["get"] if unit == "req" else 1
            full_title = f"{title}, N = {count}" if unit == "req" else \
                f"{title} of {n['big'] // MIB} MiB"
            log(f"{full_title} ...")
            runs = measure(workload, names, count, rounds, all_clients, common, lambda _: [])
            all_runs[workload] = runs
            report.append(table(full_title, runs, names, unit))

        if "blocksize" in selected:
            log("blocksize sweep ...")
            lines = [f"#### Upload blocksize sweep ({n['big'] // MIB} MiB, libhttplib's fd body "
                     "on its block path; raw = the floor of each path)", "",
                     "| blocksize | plain blocks MiB/s | ÷ raw sendfile (time) | CPU s per GiB | TLS MiB/s | ÷ raw TLS same blocksize | CPU s per GiB |",
                     "| --- | --- | --- | --- | --- | --- | --- |"]
            for size in BLOCKSIZES:
                plain = measure("upload", ["raw", "libhttplib blocks"], 1, rounds, all_clients,
                                common, lambda _: [f"blocksize={size}"])
                tls = measure("upload-tls", ["raw", "libhttplib"], 1, rounds, all_clients,
                              common, lambda _: [f"blocksize={size}"])
                speed = lambda runs, name: summary(
                    [x["bytes"] / MIB / x["wall"] for x in runs[name] if x], "{:.0f}")
                cpu = lambda runs, name: summary(
                    [(x["user"] + x["sys"]) / (x["bytes"] / (1024 * MIB)) for x in runs[name] if x])
                lines.append(f"| {size // 1024} KiB | {speed(plain, 'libhttplib blocks')} | "
                             f"{summary(ratios(plain, 'libhttplib blocks', 'raw'))} | "
                             f"{cpu(plain, 'libhttplib blocks')} | "
                             f"{speed(tls, 'libhttplib')} | {summary(ratios(tls, 'libhttplib', 'raw'))} | "
                             f"{cpu(tls, 'libhttplib')} |")
            report.append("\n".join(lines) + "\n")

        if "async" in selected:
            conc, per = n["async"]
            log(f"async {conc} x {per} ...")
            names = ["libhttplib", "libsoup"]
            runs = measure("async", names, per, rounds, all_clients, common,
                           lambda _: [f"conc={conc}"])
            lines = [f"#### {conc} concurrent connections × {per} requests, async API", "",
                     "| client | requests/s | CPU µs per request | peak RSS MiB |",
                     "| --- | --- | --- | --- |"]
            for name in names:
                good = [x for x in runs[name] if x and "wall" in x]
                if not good:
                    note = next((x.get("unavailable") for x in runs[name] if x), None) or "failed"
                    lines.append(f"| {name} | not yet: {note} | | |")
                    continue
                lines.append(f"| {name} | {summary([x['n'] / x['wall'] for x in good], '{:.0f}')} | "
                             f"{summary([(x['user'] + x['sys']) / x['n'] * 1e6 for x in good], '{:.1f}')} | "
                             f"{summary([x['peak_rss_kib'] / 1024 for x in good], '{:.1f}')} |")
            report.append("\n".join(lines) + "\n")

        if "profile" in selected:
            log("callgrind and strace ...")
            text, _ = profile(tmp, all_clients, common, *n["profile"], ["get", "get-tls"])
            report.append(text)

        minutes = (time.monotonic() - began) / 60
        report.append(f"Run time: {minutes:.1f} minutes.\n")
        text = "\n".join(report)
        print(text)
        if not args.smoke:
            # A partial run (--only) keeps the last full record and plot.
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, "partial.md" if args.only else "latest.md"), "w") as f:
                f.write(text)
            if all_runs and not args.only:
                plot(all_runs, os.path.join(args.out, "ratios.png"))
                log("plot: " + os.path.join(args.out, "ratios.png"))
    finally:
        stop()


if __name__ == "__main__":
    main()
