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
 *
 * The asynchronous open runs the same handshake without blocking on the
 * caller's main context (see httplib_tls_stream_handshake_async()), with
 * the endpoint's timeout; everything before and after it is shared.
 */
#include "httplib-tls-transport.h"
#include "httplib-tls-certificate.h"
#include "httplib-tls-credentials.h"
#include "httplib-tls-stream.h"
#include "httplib-deadline.h"

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

/* What one open needs from before its handshake to after it. */
typedef struct {
  HttplibTlsCredentials *credentials;
  HttplibTlsStream      *stream;
  gnutls_session_t       session;   /* owned by stream */
  char                  *name;
  gboolean               is_ip;
  GIOStream             *base;
  HttplibDeadline       *deadline;  /* async only */
} OpenState;

static void
open_state_free (OpenState *state)
{
  g_clear_pointer (&state->credentials, httplib_tls_credentials_unref);
  g_clear_object (&state->stream);
  g_free (state->name);
  g_clear_object (&state->base);
  g_clear_pointer (&state->deadline, httplib_deadline_free);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenState, open_state_free)

/* Loads the credentials and sets the session up, ready to shake hands. */
static OpenState *
open_prepare (HttplibTlsTransport  *self,
              HttplibEndpoint      *endpoint,
              GIOStream            *base,
              GError              **error)
{
  HttplibTlsSettings *settings = httplib_endpoint_get_tls_settings (endpoint);
  g_autoptr(OpenState) state = NULL;
  SessionContext *context;

  if (base == NULL)
    {
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_PLUGIN,
                           "the tls transport needs a transport below it (tcp, tunnel ...)");
      return NULL;
    }
  if (settings == NULL)
    settings = httplib_tls_settings_get_default ();

  state = g_new0 (OpenState, 1);
  state->credentials = httplib_tls_credentials_get (settings, error);
  if (state->credentials == NULL)
    return NULL;

  state->name = verify_name (httplib_endpoint_get_host (endpoint));
  state->is_ip = g_hostname_is_ip_address (state->name);
  state->session = new_session (state->credentials, state->name, state->is_ip, error);
  if (state->session == NULL)
    return NULL;
  offer_session (self, state->session, state->credentials, state->name);

  context = g_new0 (SessionContext, 1);
  context->transport = g_object_ref (self);
  context->credentials = httplib_tls_credentials_ref (state->credentials);
  context->host = g_strdup (state->name);
  state->stream = httplib_tls_stream_new (base, state->session, save_session, context,
                                          (GDestroyNotify) session_context_free);
  state->base = g_object_ref (base);
  return g_steal_pointer (&state);
}

/* After the handshake: the certificate's failure described, or the
 * stream with its TLS info attached and the last events reported. */
static GIOStream *
open_complete (HttplibTlsTransport  *self,
               OpenState            *state,
               gboolean              handshaked,
               GError              **error)
{
  HttplibTransport *transport = HTTPLIB_TRANSPORT (self);
  g_autoptr(HttplibTlsInfo) info = NULL;

  if (!handshaked)
    {
      g_mutex_lock (&self->lock);
      forget_session (self);
      g_mutex_unlock (&self->lock);
      if (httplib_tls_stream_verify_failed (state->stream))
        {
          g_autofree char *why = httplib_tls_describe_verify_failure (state->session, state->name);

          g_clear_error (error);
          g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_CERTIFICATE, why);
        }
      return NULL;
    }

  info = httplib_tls_info_new_for_session (state->session, state->is_ip ? NULL : state->name,
                                           state->credentials->verify);
  httplib_tls_info_attach (info, G_IO_STREAM (state->stream));
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKED,
                                  G_IO_STREAM (state->stream));
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_COMPLETE,
                                  G_IO_STREAM (state->stream));
  return G_IO_STREAM (g_steal_pointer (&state->stream));
}

static GIOStream *
httplib_tls_transport_open (HttplibTransport  *transport,
                            HttplibEndpoint   *endpoint,
                            GIOStream         *base,
                            GCancellable      *cancellable,
                            GError           **error)
{
  HttplibTlsTransport *self = HTTPLIB_TLS_TRANSPORT (transport);
  g_autoptr(OpenState) state = open_prepare (self, endpoint, base, error);
  gboolean handshaked;

  if (state == NULL)
    return NULL;
  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKING, base);
  handshaked = httplib_tls_stream_handshake (state->stream, cancellable, error);
  return open_complete (self, state, handshaked, error);
}

static void
on_handshake (GObject      *stream,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttplibTlsTransport *self = g_task_get_source_object (task);
  OpenState *state = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean handshaked;
  GIOStream *opened;

  handshaked = httplib_tls_stream_handshake_finish (HTTPLIB_TLS_STREAM (stream), result, &error);
  httplib_deadline_check (state->deadline, &error, "the TLS handshake");
  opened = open_complete (self, state, handshaked, &error);
  if (opened != NULL)
    g_task_return_pointer (task, opened, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
httplib_tls_transport_open_async (HttplibTransport    *transport,
                                  HttplibEndpoint     *endpoint,
                                  GIOStream           *base,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  HttplibTlsTransport *self = HTTPLIB_TLS_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (transport, cancellable, callback, user_data);
  GError *error = NULL;
  OpenState *state;

  g_task_set_source_tag (task, httplib_tls_transport_open_async);
  /* A cancellation ends the steps below with their own, more precise error. */
  g_task_set_check_cancellable (task, FALSE);
  state = open_prepare (self, endpoint, base, &error);
  if (state == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  state->deadline = httplib_deadline_new (httplib_endpoint_get_timeout (endpoint), cancellable,
                                          g_task_get_context (task));
  g_task_set_task_data (task, state, (GDestroyNotify) open_state_free);

  httplib_transport_report_event (transport, HTTPLIB_TRANSPORT_EVENT_TLS_HANDSHAKING, base);
  httplib_tls_stream_handshake_async (state->stream,
                                      httplib_deadline_get_cancellable (state->deadline),
                                      on_handshake, g_steal_pointer (&task));
}

static GIOStream *
httplib_tls_transport_open_finish (HttplibTransport  *transport,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, httplib_tls_transport_open_async),
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
transport_iface_init (HttplibTransportInterface *iface)
{
  iface->open = httplib_tls_transport_open;
  iface->open_async = httplib_tls_transport_open_async;
  iface->open_finish = httplib_tls_transport_open_finish;
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
