"""Shared bits of the Python binding tests: loading the typelib, a TAP
runner, and a watchdog so that no test waits for ever."""
import faulthandler
import sys
import traceback

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Httplib", "1.0")
from gi.repository import GLib, Gio, Httplib  # noqa: E402,F401

TIMEOUT = 10.0      # seconds, for each connection's blocking calls
WATCHDOG = 120      # seconds, for the whole script


def new_connection(port):
    """Httplib.Connection.new as a user writes it, with a bounded timeout."""
    conn = Httplib.Connection.new("127.0.0.1", port)
    conn.set_timeout(TIMEOUT)
    return conn


class Loop:
    """Runs a GLib.MainLoop until a callback stores a result (10 s at most):
    pass loop.done as an async call's callback, then loop.wait()."""

    def __init__(self):
        self.loop = GLib.MainLoop()
        self.result = None

    def done(self, source, result):
        self.result = (source, result)
        self.loop.quit()

    def wait(self):
        timer = GLib.timeout_add_seconds(10, self.loop.quit)
        self.loop.run()
        if self.result is None:
            raise AssertionError("the async call did not finish within 10 s")
        GLib.source_remove(timer)
        result, self.result = self.result, None
        return result


def expect_error(domain, code, func, *args):
    """Calls func(*args), which must raise GLib.Error in domain with code;
    returns the error."""
    try:
        func(*args)
    except GLib.Error as error:
        if not error.matches(domain, code):
            raise AssertionError("expected {} code {}, got {} code {}: {}".format(
                GLib.quark_to_string(domain), int(code), error.domain, error.code,
                error.message))
        return error
    raise AssertionError("expected {} code {}, but the call succeeded".format(
        GLib.quark_to_string(domain), int(code)))


def check_equal(actual, expected, what):
    if actual != expected:
        raise AssertionError("{}: expected {!r}, got {!r}".format(what, expected, actual))


def run(tests):
    """Runs each test function, printing TAP; exits non-zero on failure."""
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    print("1..{}".format(len(tests)))
    failed = 0
    for number, test in enumerate(tests, 1):
        try:
            test()
        except Exception:
            failed += 1
            print("not ok {} - {}".format(number, test.__name__))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        else:
            print("ok {} - {}".format(number, test.__name__))
        sys.stdout.flush()
    faulthandler.cancel_dump_traceback_later()
    sys.exit(1 if failed else 0)
