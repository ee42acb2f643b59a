/* httplib-tcp-plugin.c: the tcp module's entry point */
#include "httplib-tcp-transport.h"

static void
register_types (HttplibRegistry *registry)
{
  /* A failure is recorded by the registry against this module's file. */
  httplib_registry_register_transport (registry, "tcp", HTTPLIB_TYPE_TCP_TRANSPORT, NULL);
}

HTTPLIB_PLUGIN_DEFINE ("tcp", register_types)
