/* httplib-tls-plugin.c: the tls module's entry point */
#include "httplib-tls-transport.h"

static void
register_types (HttplibRegistry *registry)
{
  /* A failure is recorded by the registry against this module's file. */
  httplib_registry_register_transport (registry, "tls", HTTPLIB_TYPE_TLS_TRANSPORT, NULL);
}

HTTPLIB_PLUGIN_DEFINE ("tls", register_types)
