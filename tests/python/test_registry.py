"""The registry from Python: listing what is registered and where it came
from, name clashes, and replacing a name."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gi_test_utils import GLib, Httplib, check_equal, expect_error, run  # noqa: E402

from gi.repository import GObject  # noqa: E402

HTTPLIB_ERROR = Httplib.error_quark()


def env_plugin_dirs():
    return [d for d in os.environ["HTTPLIB_PLUGIN_PATH"].split(":") if d]


def describe(entry):
    return (entry.get_name(), entry.get_kind(), entry.get_type_name(),
            entry.get_module_name())


class OwnTransport(GObject.Object, Httplib.Transport):
    def do_open(self, endpoint, base, cancellable):
        raise GLib.Error.new_literal(HTTPLIB_ERROR, "not for opening", Httplib.Error.PLUGIN)


def test_list_default():
    registry = Httplib.Registry.get_default()
    transports = registry.list_transports()
    bodies = registry.list_body_sources()
    transport = Httplib.PluginKind.TRANSPORT
    body = Httplib.PluginKind.BODY_SOURCE
    check_equal([describe(e) for e in transports],
                [("tcp", transport, "HttplibTcpTransport", "tcp"),
                 ("tls", transport, "HttplibTlsTransport", "tls"),
                 ("tunnel", transport, "HttplibTunnelTransport", "tunnel"),
                 ("unix", transport, "HttplibUnixTransport", "unix")],
                "transports, sorted by name")
    check_equal([describe(e) for e in bodies],
                [("bytes", body, "HttplibBytesBodySource", "bytes"),
                 ("fd", body, "HttplibFdBodySource", "fd")],
                "body sources")
    dirs = registry.get_plugin_dirs()
    for entry in transports + bodies:
        path = entry.get_module_path()
        if os.path.dirname(path) not in dirs:
            raise AssertionError("{}: module {} is in none of {}".format(
                entry.get_name(), path, dirs))
        check_equal(entry.get_origin(), path, entry.get_name() + " origin")
        check_equal(entry.get_gtype(), GObject.type_from_name(entry.get_type_name()),
                    entry.get_name() + " GType")
    check_equal(registry.get_load_failures(), [], "load failures")


def test_listing_loads_modules():
    # A registry of its own, never loaded: listing loads it, as a lookup would.
    registry = Httplib.Registry.new(env_plugin_dirs())
    check_equal([e.get_name() for e in registry.list_transports()],
                ["tcp", "tls", "tunnel", "unix"], "transports of a fresh registry")


def test_clash_then_replace():
    registry = Httplib.Registry.new(env_plugin_dirs())
    tcp = [e for e in registry.list_transports() if e.get_name() == "tcp"][0]

    error = expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN,
                         registry.register_transport, "tcp", OwnTransport)
    for part in ("'tcp'", "HttplibTcpTransport", tcp.get_module_path(),
                 "HTTPLIB_REGISTER_FLAGS_REPLACE"):
        if part not in error.message:
            raise AssertionError("expected {!r} in {!r}".format(part, error.message))
    check_equal(registry.lookup_transport("tcp"), tcp.get_gtype(), "tcp kept after the clash")

    check_equal(registry.register_transport_full("tcp", OwnTransport,
                                                 Httplib.RegisterFlags.REPLACE), True,
                "register_transport_full with REPLACE")
    check_equal(registry.lookup_transport("tcp"), OwnTransport.__gtype__, "tcp after REPLACE")
    replaced = [e for e in registry.list_transports() if e.get_name() == "tcp"][0]
    check_equal((replaced.get_gtype(), replaced.get_module_path(), replaced.get_module_name(),
                 replaced.get_origin()),
                (OwnTransport.__gtype__, None, None, "the application"), "listed tcp")
    # An entry taken before the replacement still describes the module's type.
    check_equal(tcp.get_type_name(), "HttplibTcpTransport", "earlier entry")

    # Now the application's type is defended in turn.
    error = expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN,
                         registry.register_transport_full, "tcp", OwnTransport,
                         Httplib.RegisterFlags.NONE)
    if "the application" not in error.message:
        raise AssertionError("expected the owner named: " + error.message)


def test_register_body_source_full():
    registry = Httplib.Registry.new([])
    bytes_type = Httplib.Registry.get_default().lookup_body_source("bytes")
    check_equal(registry.register_body_source_full("blob", bytes_type,
                                                   Httplib.RegisterFlags.NONE), True,
                "first registration")
    expect_error(HTTPLIB_ERROR, Httplib.Error.PLUGIN,
                 registry.register_body_source, "blob", bytes_type)
    check_equal(registry.register_body_source_full("blob", bytes_type,
                                                   Httplib.RegisterFlags.REPLACE), True,
                "replacement")
    check_equal([describe(e) for e in registry.list_body_sources()],
                [("blob", Httplib.PluginKind.BODY_SOURCE, "HttplibBytesBodySource", None)],
                "listed body sources")


if __name__ == "__main__":
    run([
        test_list_default,
        test_listing_loads_modules,
        test_clash_then_replace,
        test_register_body_source_full,
    ])
