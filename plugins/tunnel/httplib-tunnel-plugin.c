/* httplib-tunnel-plugin.c: the tunnel module's entry point */
#include "httplib-tunnel-transport.h"

static void
register_types (HttplibRegistry *registry)
{
  /* A failure is recorded by the registry against this module's file. */
  httplib_registry_register_transport (registry, "tunnel", HTTPLIB_TYPE_TUNNEL_TRANSPORT, NULL);
}

HTTPLIB_PLUGIN_DEFINE ("tunnel", register_types)
