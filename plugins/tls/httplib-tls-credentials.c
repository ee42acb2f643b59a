/* httplib-tls-credentials.c: GnuTLS credentials loaded once per settings object
 *
 * Reading the system trust store costs milliseconds, so it happens once
 * per HttplibTlsSettings, not once per connection: the loaded credentials
 * hang on the settings object (as qdata) and are shared, ref-counted, by
 * every session made from them. A change to any property of the settings
 * drops them; sessions already open keep their reference.
 */
#include "httplib-tls-credentials.h"

#include <string.h>

static GMutex cache_lock;  /* guards the qdata of every settings object */

static GQuark
credentials_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("httplib-tls-credentials");
  return quark;
}

static void
credentials_clear (HttplibTlsCredentials *self)
{
  if (self->certificates != NULL)
    gnutls_certificate_free_credentials (self->certificates);
  if (self->priority != NULL)
    gnutls_priority_deinit (self->priority);
  g_free (self->alpn);
  g_strfreev (self->alpn_names);
}

HttplibTlsCredentials *
httplib_tls_credentials_ref (HttplibTlsCredentials *credentials)
{
  return g_atomic_rc_box_acquire (credentials);
}

void
httplib_tls_credentials_unref (HttplibTlsCredentials *credentials)
{
  g_atomic_rc_box_release_full (credentials, (GDestroyNotify) credentials_clear);
}

static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

/* Sets HTTPLIB_ERROR_TLS from format, followed by GnuTLS's reason for code. */
static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS, "%s: %s", what, gnutls_strerror (code));
  return FALSE;
}

static gboolean
load_trust (HttplibTlsCredentials *self,
            HttplibTlsSettings    *settings,
            GError               **error)
{
  const char *ca_file = httplib_tls_settings_get_ca_file (settings);
  const char *ca_path = httplib_tls_settings_get_ca_path (settings);
  int n;

  if (ca_file != NULL)
    {
      n = gnutls_certificate_set_x509_trust_file (self->certificates, ca_file, GNUTLS_X509_FMT_PEM);
      if (n < 0)
        return fail (error, n, "cannot load CA file “%s”", ca_file);
      if (n == 0)
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                       "CA file “%s” holds no PEM certificate", ca_file);
          return FALSE;
        }
    }
  if (ca_path != NULL)
    {
      if (!g_file_test (ca_path, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                       "CA folder “%s” is not a folder", ca_path);
          return FALSE;
        }
      n = gnutls_certificate_set_x509_trust_dir (self->certificates, ca_path, GNUTLS_X509_FMT_PEM);
      if (n < 0)
        return fail (error, n, "cannot load CA folder “%s”", ca_path);
      if (n == 0)
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                       "CA folder “%s” holds no PEM certificate", ca_path);
          return FALSE;
        }
    }
  if (ca_file != NULL || ca_path != NULL)
    return TRUE;

  n = gnutls_certificate_set_x509_system_trust (self->certificates);
  if (n < 0)
    return fail (error, n, "cannot load the system's trusted certificates");
  if (n == 0)
    {
      /* Every verification would fail with an unknown issuer: say why now. */
      g_set_error_literal (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                           "the system trust store is empty (is ca-certificates installed?); "
                           "set a CA file in the TLS settings");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_client_certificate (HttplibTlsCredentials *self,
                         HttplibTlsSettings    *settings,
                         GError               **error)
{
  const char *cert_file = httplib_tls_settings_get_cert_file (settings);
  const char *key_file = httplib_tls_settings_get_key_file (settings);
  int ret;

  if (cert_file == NULL)
    {
      if (key_file != NULL)
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                       "key file “%s” given without a certificate file", key_file);
          return FALSE;
        }
      return TRUE;
    }
  if (key_file == NULL)
    key_file = cert_file;
  ret = gnutls_certificate_set_x509_key_file (self->certificates, cert_file, key_file,
                                              GNUTLS_X509_FMT_PEM);
  if (ret < 0)
    return fail (error, ret, "cannot load client certificate “%s” with key “%s”",
                 cert_file, key_file);
  return TRUE;
}

static gboolean
load_priority (HttplibTlsCredentials *self,
               HttplibTlsSettings    *settings,
               GError               **error)
{
  const char *priority = httplib_tls_settings_get_priority (settings);
  const char *error_pos = NULL;
  int ret = gnutls_priority_init (&self->priority, priority, &error_pos);

  if (ret == GNUTLS_E_INVALID_REQUEST && error_pos != NULL)
    {
      g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                   "invalid TLS priority string “%s”: GnuTLS stops at “%s”", priority, error_pos);
      return FALSE;
    }
  if (ret < 0)
    return fail (error, ret, "invalid TLS priority string “%s”", priority ? priority : "");
  return TRUE;
}

static gboolean
load_alpn (HttplibTlsCredentials *self,
           HttplibTlsSettings    *settings,
           GError               **error)
{
  const char * const *names = httplib_tls_settings_get_alpn_protocols (settings);

  self->alpn_names = g_strdupv ((GStrv) names);
  self->n_alpn = g_strv_length (self->alpn_names);
  self->alpn = g_new0 (gnutls_datum_t, MAX (self->n_alpn, 1));
  for (guint i = 0; i < self->n_alpn; i++)
    {
      gsize len = strlen (self->alpn_names[i]);

      /* RFC 7301: a protocol name is 1 to 255 bytes */
      if (len == 0 || len > 255)
        {
          g_set_error (error, HTTPLIB_ERROR, HTTPLIB_ERROR_TLS,
                       "ALPN protocol name “%s” must be 1 to 255 bytes long",
                       self->alpn_names[i]);
          return FALSE;
        }
      self->alpn[i].data = (unsigned char *) self->alpn_names[i];
      self->alpn[i].size = (unsigned int) len;
    }
  return TRUE;
}

static HttplibTlsCredentials *
credentials_load (HttplibTlsSettings *settings,
                  GError            **error)
{
  g_autoptr(HttplibTlsCredentials) self = g_atomic_rc_box_new0 (HttplibTlsCredentials);
  int ret;

  self->verify = httplib_tls_settings_get_verify (settings);
  self->check_hostname = httplib_tls_settings_get_check_hostname (settings);
  self->session_resumption = httplib_tls_settings_get_session_resumption (settings);

  ret = gnutls_certificate_allocate_credentials (&self->certificates);
  if (ret < 0)
    {
      fail (error, ret, "cannot allocate TLS credentials");
      return NULL;
    }
  /* Without verification the trust store is never read, so skip loading it. */
  if (self->verify && !load_trust (self, settings, error))
    return NULL;
  if (!load_client_certificate (self, settings, error) ||
      !load_priority (self, settings, error) ||
      !load_alpn (self, settings, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
on_settings_notify (GObject    *settings,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  g_mutex_lock (&cache_lock);
  g_object_set_qdata (settings, credentials_quark (), NULL);
  g_mutex_unlock (&cache_lock);
}

HttplibTlsCredentials *
httplib_tls_credentials_get (HttplibTlsSettings *settings,
                             GError            **error)
{
  HttplibTlsCredentials *credentials;

  g_mutex_lock (&cache_lock);
  credentials = g_object_get_qdata (G_OBJECT (settings), credentials_quark ());
  if (credentials == NULL)
    {
      credentials = credentials_load (settings, error);
      if (credentials != NULL)
        {
          /* Connected once per object: the handler stays as long as it does. */
          if (g_signal_handler_find (settings, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                     on_settings_notify, NULL) == 0)
            g_signal_connect (settings, "notify", G_CALLBACK (on_settings_notify), NULL);
          g_object_set_qdata_full (G_OBJECT (settings), credentials_quark (), credentials,
                                   (GDestroyNotify) httplib_tls_credentials_unref);
        }
    }
  if (credentials != NULL)
    httplib_tls_credentials_ref (credentials);
  g_mutex_unlock (&cache_lock);
  return credentials;
}
