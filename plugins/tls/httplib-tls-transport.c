/* httplib-tls-transport.c: TLS on GnuTLS over the link below
 *
 * The `tls` link of an HTTPS chain. It wraps whatever stream the link
 * below returned, a socket or a CONNECT tunnel, in a GnuTLS client
 * session: SNI for host names, ALPN, the certificate chain and host name
 * verified during the handshake unless the settings say otherwise.
 *
 * A connection keeps its transports across reconnects, so this object
 * remembers the last session it could resume; the next handshake to the
 * same host with the same credentials offers it and skips the certificate
 * exchange.
 */
#include "httplib-tls-transport.h"
#include "httplib-tls-certificate.h"
#include "httplib-tls-credentials.h"
#include "httplib-tls-stream.h"

#include <string.h>

struct _HttplibTlsTransport {
  GObject                parent_instance;

  GMutex                 lock;            /* the saved session is written from I/O */
  GBytes                *session;         /* to resume, or NULL */
  HttplibTlsCredentials *session_credentials;
  char                  *session_host;
};

static void transport_iface_init (HttplibTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HttplibTlsTransport, httplib_tls_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (HTTPLIB_TYPE_TRANSPORT, transport_iface_init))

/* What a session's stream needs back: where to save the session, and the
 * credentials GnuTLS uses without copying them. */
typedef struct {
  HttplibTlsTransport   *transport;
  HttplibTlsCredentials *credentials;
  char                  *host;
} SessionContext;

static void
session_context_free (SessionContext *context)
{
  g_object_unref (context->transport);
  httplib_tls_credentials_unref (context->credentials);
  g_free (context->host);
  g_free (context);
}

static void
forget_session (HttplibTlsTransport *self)
{
  g_clear_pointer (&self->session, g_bytes_unref);
  g_clear_pointer (&self->session_credentials, httplib_tls_credentials_unref);
  g_clear_pointer (&self->session_host, g_free);
}

static void
save_session (gnutls_session_t session,
              gpointer         user_data)
{
  SessionContext *context = user_data;
  HttplibTlsTransport *self = context->transport;
  gnutls_datum_t data = { NULL, 0 };

  if (!context->credentials->session_resumption ||
      gnutls_session_get_data2 (session, &data) < 0)
    return;

  g_mutex_lock (&self->lock);
  forget_session (self);
  self->session = g_bytes_new (data.data, data.size);
  self->session_credentials = httplib_tls_credentials_ref (context->credentials);
  self->session_host = g_strdup (context->host);
  g_mutex_unlock (&self->lock);
  gnutls_free (data.data);
}

/* Offers the saved session when it was made for this host with these credentials. */
static void
offer_session (HttplibTlsTransport   *self,
               gnutls_session_t       session,
               HttplibTlsCredentials *credentials,
               const char            *host)
{
  g_mutex_lock (&self->lock);
  if (self->session != NULL && credentials->session_resumption &&
      self->session_credentials == credentials && g_strcmp0 (self->session_host, host) == 0)
    {
      gnutls_datum_t data = {
        (unsigned char *) g_bytes_get_data (self->session, NULL),
        (unsigned int) g_bytes_get_size (self->session),
      };

      /* A stale or refused session only means a full handshake. */
      gnutls_session_set_data (session, data.data, data.size);
    }
  g_mutex_unlock (&self->lock);
}

/* The name to check the certificate against: an IP literal without its
 * zone, or the host name in ASCII (IDNA) without a trailing dot. */
static char *
verify_name (const char *host)
{
  g_autofree char *ascii = NULL;
  const char *zone = strchr (host, '%');

  if (zone != NULL && g_hostname_is_ip_address (host))
    return g_strndup (host, (gsize) (zone - host));
  if (g_hostname_is_ip_address (host))
    return g_strdup (host);
  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    ascii = g_strdup (host);
  if (g_str_has_suffix (ascii, ".") && strlen (ascii) > 1)
    ascii[strlen (ascii) - 1] = '\0';
  return g_steal_pointer (&ascii);
}

static gnutls_session_t
new_session (HttplibTlsCredentials *credentials,
             const char            *name,
             gboolean               is_ip,
             GError               **error)
{
  gnutls_session_t session;
  int ret = gnutls_init (&session, GNUTLS_CLIENT);

  if (ret < 0)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                   "cannot start a TLS session: %s", gnutls_strerror (ret));
      return NULL;
    }
  if ((ret = gnutls_priority_set (session, credentials->priority)) < 0 ||
      (ret = gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE,
                                     credentials->certificates)) < 0 ||
      /* RFC 6066: SNI carries host names only, never IP addresses. */
      (!is_ip && (ret = gnutls_server_name_set (session, GNUTLS_NAME_DNS,
                                                name, strlen (name))) < 0) ||
      (credentials->n_alpn > 0 &&
       (ret = gnutls_alpn_set_protocols (session, credentials->alpn,
                                         credentials->n_alpn, 0)) < 0))
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                   "cannot set up the TLS session for %s: %s", name, gnutls_strerror (ret));
      gnutls_deinit (session);
      return NULL;
    }
  if (credentials->verify)
    gnutls_session_set_verify_cert (session, credentials->check_hostname ? name : NULL, 0);
  return session;
}

static GIOStream *
httplib_tls_transport_open (HttplibTransport  *transport,
                            HttplibEndpoint   *endpoint,
                            GIOStream         *base,
                            GCancellable      *cancellable,
                            GError           **error)
{
  HttplibTlsTransport *self = HTTPLIB_TLS_TRANSPORT (transport);
  HttplibTlsSettings *settings = httplib_endpoint_get_tls_settings (endpoint);
  g_autoptr(HttplibTlsCredentials) credentials = NULL;
  g_autoptr(HttplibTlsStream) stream = NULL;
  g_autoptr(HttplibTlsInfo) info = NULL;
  g_autofree char *name = NULL;
  SessionContext *context;
  gnutls_session_t session;
  gboolean is_ip;

  if (base == NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                           "the tls transport needs a transport below it (tcp, tunnel ...)");
      return NULL;
    }
  if (settings == NULL)
    settings = httplib_tls_settings_get_default ();
  credentials = httplib_tls_credentials_get (settings, error);
  if (credentials == NULL)
    return NULL;

  name = verify_name (httplib_endpoint_get_host (endpoint));
  is_ip = g_hostname_is_ip_address (name);
  session = new_session (credentials, name, is_ip, error);
  if (session == NULL)
    return NULL;
  offer_session (self, session, credentials, name);

  context = g_new0 (SessionContext, 1);
  context->transport = g_object_ref (self);
  context->credentials = httplib_tls_credentials_ref (credentials);
  context->host = g_strdup (name);
  stream = httplib_tls_stream_new (base, session, save_session, context,
                                   (GDestroyNotify) session_context_free);

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKING, base);
  if (!httplib_tls_stream_handshake (stream, cancellable, error))
    {
      g_mutex_lock (&self->lock);
      forget_session (self);
      g_mutex_unlock (&self->lock);
      if (httplib_tls_stream_verify_failed (stream))
        {
          g_autofree char *why = httplib_tls_describe_verify_failure (session, name);

          g_clear_error (error);
          g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE, why);
        }
      return NULL;
    }

  info = httplib_tls_info_new_for_session (session, is_ip ? NULL : name, credentials->verify);
  httplib_tls_info_attach (info, G_IO_STREAM (stream));
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKED,
                                  G_IO_STREAM (stream));
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE,
                                  G_IO_STREAM (stream));
  return G_IO_STREAM (g_steal_pointer (&stream));
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = httplib_tls_transport_open;
}

static void
httplib_tls_transport_finalize (GObject *object)
{
  HttplibTlsTransport *self = HTTPLIB_TLS_TRANSPORT (object);

  forget_session (self);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (httplib_tls_transport_parent_class)->finalize (object);
}

static void
httplib_tls_transport_class_init (HttplibTlsTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = httplib_tls_transport_finalize;
}

static void
httplib_tls_transport_init (HttplibTlsTransport *self)
{
  g_mutex_init (&self->lock);
}
