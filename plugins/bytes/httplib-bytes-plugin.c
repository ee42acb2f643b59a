/* httplib-bytes-plugin.c: the bytes module's entry point */
#include "httplib-bytes-body-source.h"

static void
register_types (HttplibRegistry *registry)
{
  /* A failure is recorded by the registry against this module's file. */
  httplib_registry_register_body_source (registry, "bytes", HTTPLIB_TYPE_BYTES_BODY_SOURCE, NULL);
}

HTTPLIB_PLUGIN_DEFINE ("bytes", register_types)
