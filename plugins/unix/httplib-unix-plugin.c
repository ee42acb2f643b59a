/* httplib-unix-plugin.c: the unix module's entry point */
#include "httplib-unix-transport.h"

static void
register_types (HttplibRegistry *registry)
{
  /* A failure is recorded by the registry against this module's file. */
  httplib_registry_register_transport (registry, "unix", HTTPLIB_TYPE_UNIX_TRANSPORT, NULL);
}

HTTPLIB_PLUGIN_DEFINE ("unix", register_types)
