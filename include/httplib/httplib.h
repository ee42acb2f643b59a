/* httplib.h: the one header applications include */
#pragma once

#define __HTTPLIB_H_INSIDE__

#include <httplib/httplib-version.h>
#include <httplib/httplib-error.h>
#include <httplib/httplib-status.h>
#include <httplib/httplib-headers.h>
#include <httplib/httplib-tls-settings.h>
#include <httplib/httplib-tls-info.h>
#include <httplib/httplib-endpoint.h>
#include <httplib/httplib-transport.h>
#include <httplib/httplib-body-source.h>
#include <httplib/httplib-plugin-entry.h>
#include <httplib/httplib-registry.h>
#include <httplib/httplib-replay-transport.h>
#include <httplib/httplib-response.h>
#include <httplib/httplib-connection.h>
#include <httplib/httplib-enum-types.h>

#undef __HTTPLIB_H_INSIDE__
