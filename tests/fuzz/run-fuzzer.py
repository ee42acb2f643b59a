#!/usr/bin/python3
"""Runs one libFuzzer target as a meson test and prints TAP.

    run-fuzzer.py FUZZER --corpus DIR [--dict FILE] [--artifacts DIR] [--seconds N]

Two results: every seed input in the corpus runs clean, then the fuzzer runs
for N seconds (default: $FUZZ_SECONDS, else 60) without a crash, a leak, a
timeout (10 s per input) or a broken invariant. The seed corpus is only
read: new inputs go to a temporary directory that is removed afterwards.
A finding is kept in the artifacts directory, and its path is printed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Input sizes the fuzzer tries (inputs can expand past this, see fuzz-common.h).
MAX_LEN = 8192
PER_INPUT_TIMEOUT = 10
RSS_LIMIT_MB = 2048


def run(cmd, timeout):
    """Runs cmd; returns (exit status, its stderr). A hang past timeout is a failure."""
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=timeout, check=False)
        return proc.returncode, proc.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode("utf-8", "replace")
        return -1, err + "\nrun-fuzzer.py: killed after %d s\n" % timeout


def report(number, ok, description, log):
    """Prints one TAP result; returns whether it passed."""
    print("%s %d - %s" % ("ok" if ok else "not ok", number, description))
    if not ok:
        # The end of libFuzzer's log holds the finding and its stack.
        sys.stderr.write(log[-20000:])
    sys.stdout.flush()
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fuzzer")
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--dict")
    parser.add_argument("--artifacts", default=".")
    parser.add_argument("--seconds", type=int,
                        default=int(os.environ.get("FUZZ_SECONDS", "60")))
    args = parser.parse_args()

    name = os.path.basename(args.fuzzer)
    os.makedirs(args.artifacts, exist_ok=True)
    common = ["-artifact_prefix=%s/%s-" % (args.artifacts, name),
              "-timeout=%d" % PER_INPUT_TIMEOUT, "-rss_limit_mb=%d" % RSS_LIMIT_MB,
              "-max_len=%d" % MAX_LEN]
    if args.dict:
        common.append("-dict=" + args.dict)
    seeds = sorted(os.path.join(args.corpus, f) for f in os.listdir(args.corpus))

    print("1..2")
    # Each seed file run once, as libFuzzer does when given files.
    status, log = run([args.fuzzer] + common + seeds, 120 + len(seeds))
    passed = report(1, status == 0, "%s: the %d seed inputs run clean" % (name, len(seeds)), log)

    work = tempfile.mkdtemp(prefix=name + "-corpus-")
    try:
        # New inputs go to the first directory; the seeds are only read.
        status, log = run([args.fuzzer] + common +
                          ["-max_total_time=%d" % args.seconds, "-print_final_stats=1",
                           work, args.corpus], args.seconds + 120)
        runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
        new = len(os.listdir(work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finding = re.findall(r"Test unit written to (\S+)", log)
    description = "%s: %s executions in %d s, %d new inputs" % (
        name, runs[-1] if runs else "?", args.seconds, new)
    if finding:
        description += "; finding kept in " + finding[-1]
    passed &= report(2, status == 0 and bool(runs), description, log)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
