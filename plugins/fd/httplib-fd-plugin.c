/* httplib-fd-plugin.c: the fd module's entry point */
#include "httplib-fd-body-source.h"

static void
register_types (HttplibRegistry *registry)
{
  /* A failure is recorded by the registry against this module's file. */
  httplib_registry_register_body_source (registry, "fd", HTTPLIB_TYPE_FD_BODY_SOURCE, NULL);
}

HTTPLIB_PLUGIN_DEFINE ("fd", register_types)
