/* httplib-tls-settings.c: how HTTPS connections verify and present themselves
 *
 * The seed's `ssl.SSLContext`: which certificate authorities to trust, the
 * client certificate to present, whether to verify the server's
 * certificate and host name (both on by default), the GnuTLS priority
 * string and the ALPN protocols to offer.
 *
 * A settings object is meant to be shared: the `tls` transport loads the
 * credentials it describes once, keeps them with the object, and reuses
 * them for every connection made with it; changing any property makes the
 * next connection load them again.
 *
 * |[<!-- language="C" -->
 * g_autoptr(HttplibTlsSettings) settings = httplib_tls_settings_new ();
 * httplib_tls_settings_set_ca_file (settings, "/etc/myapp/ca.pem");
 * conn = httplib_connection_new_https ("intranet.example", 0, settings, &error);
 * ]|
 *
 * Set the properties before the object is used from several threads:
 * the getters return strings the setters free.
 */
#include "httplib-tls-settings.h"

struct _HttplibTlsSettings {
  GObject   parent_instance;
  char     *ca_file;
  char     *ca_path;
  char     *cert_file;
  char     *key_file;
  gboolean  verify;
  gboolean  check_hostname;
  char     *priority;
  GStrv     alpn_protocols;
  gboolean  session_resumption;
};

enum {
  PROP_0,
  PROP_CA_FILE,
  PROP_CA_PATH,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_VERIFY,
  PROP_CHECK_HOSTNAME,
  PROP_PRIORITY,
  PROP_ALPN_PROTOCOLS,
  PROP_SESSION_RESUMPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * HttplibTlsSettings:
 *
 * What an HTTPS connection trusts and presents, shared by many
 * connections (Python's `ssl.SSLContext`).
 */
G_DEFINE_FINAL_TYPE (HttplibTlsSettings, httplib_tls_settings, G_TYPE_OBJECT)

static const char * const default_alpn[] = { "http/1.1", NULL };

static void
httplib_tls_settings_finalize (GObject *object)
{
  HttplibTlsSettings *self = HTTPLIB_TLS_SETTINGS (object);

  g_free (self->ca_file);
  g_free (self->ca_path);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_free (self->priority);
  g_strfreev (self->alpn_protocols);

  G_OBJECT_CLASS (httplib_tls_settings_parent_class)->finalize (object);
}

/* Stores a string property and notifies when it changed. */
static void
replace_string (HttplibTlsSettings *self,
                char              **field,
                const char         *value,
                guint               prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
replace_boolean (HttplibTlsSettings *self,
                 gboolean           *field,
                 gboolean            value,
                 guint               prop_id)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
httplib_tls_settings_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HttplibTlsSettings *self = HTTPLIB_TLS_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_CA_FILE:
      httplib_tls_settings_set_ca_file (self, g_value_get_string (value));
      break;
    case PROP_CA_PATH:
      httplib_tls_settings_set_ca_path (self, g_value_get_string (value));
      break;
    case PROP_CERT_FILE:
      replace_string (self, &self->cert_file, g_value_get_string (value), PROP_CERT_FILE);
      break;
    case PROP_KEY_FILE:
      replace_string (self, &self->key_file, g_value_get_string (value), PROP_KEY_FILE);
      break;
    case PROP_VERIFY:
      httplib_tls_settings_set_verify (self, g_value_get_boolean (value));
      break;
    case PROP_CHECK_HOSTNAME:
      httplib_tls_settings_set_check_hostname (self, g_value_get_boolean (value));
      break;
    case PROP_PRIORITY:
      httplib_tls_settings_set_priority (self, g_value_get_string (value));
      break;
    case PROP_ALPN_PROTOCOLS:
      httplib_tls_settings_set_alpn_protocols (self, g_value_get_boxed (value));
      break;
    case PROP_SESSION_RESUMPTION:
      httplib_tls_settings_set_session_resumption (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_tls_settings_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HttplibTlsSettings *self = HTTPLIB_TLS_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;
    case PROP_CA_PATH:
      g_value_set_string (value, self->ca_path);
      break;
    case PROP_CERT_FILE:
      g_value_set_string (value, self->cert_file);
      break;
    case PROP_KEY_FILE:
      g_value_set_string (value, self->key_file);
      break;
    case PROP_VERIFY:
      g_value_set_boolean (value, self->verify);
      break;
    case PROP_CHECK_HOSTNAME:
      g_value_set_boolean (value, self->check_hostname);
      break;
    case PROP_PRIORITY:
      g_value_set_string (value, self->priority);
      break;
    case PROP_ALPN_PROTOCOLS:
      g_value_set_boxed (value, self->alpn_protocols);
      break;
    case PROP_SESSION_RESUMPTION:
      g_value_set_boolean (value, self->session_resumption);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_tls_settings_class_init (HttplibTlsSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = httplib_tls_settings_finalize;
  object_class->set_property = httplib_tls_settings_set_property;
  object_class->get_property = httplib_tls_settings_get_property;

  /**
   * HttplibTlsSettings:ca-file:
   *
   * A PEM file of trusted certificate authorities, or %NULL. With neither
   * this nor [property@TlsSettings:ca-path], the system trust store is used.
   */
  properties[PROP_CA_FILE] = g_param_spec_string ("ca-file", NULL, NULL, NULL, rw);
  /**
   * HttplibTlsSettings:ca-path:
   *
   * A folder of trusted certificate authorities (PEM files), or %NULL.
   */
  properties[PROP_CA_PATH] = g_param_spec_string ("ca-path", NULL, NULL, NULL, rw);
  /**
   * HttplibTlsSettings:cert-file:
   *
   * The client certificate (PEM) presented when the server asks for one,
   * or %NULL (Python's `cert_file`).
   */
  properties[PROP_CERT_FILE] = g_param_spec_string ("cert-file", NULL, NULL, NULL, rw);
  /**
   * HttplibTlsSettings:key-file:
   *
   * The private key (PEM) of [property@TlsSettings:cert-file], or %NULL
   * when that file holds the key too (Python's `key_file`).
   */
  properties[PROP_KEY_FILE] = g_param_spec_string ("key-file", NULL, NULL, NULL, rw);
  /**
   * HttplibTlsSettings:verify:
   *
   * Whether the server's certificate chain must verify against the
   * trusted authorities. Turning it off accepts any certificate, and any
   * attacker on the path.
   */
  properties[PROP_VERIFY] = g_param_spec_boolean ("verify", NULL, NULL, TRUE, rw);
  /**
   * HttplibTlsSettings:check-hostname:
   *
   * Whether the certificate must name the host connected to (a DNS name,
   * or an IP address in its subject alternative names). Only checked when
   * [property@TlsSettings:verify] is on.
   */
  properties[PROP_CHECK_HOSTNAME] = g_param_spec_boolean ("check-hostname", NULL, NULL, TRUE, rw);
  /**
   * HttplibTlsSettings:priority:
   *
   * A GnuTLS priority string choosing protocol versions and ciphers, such
   * as `NORMAL:-VERS-TLS1.2`, or %NULL for the system's default.
   */
  properties[PROP_PRIORITY] = g_param_spec_string ("priority", NULL, NULL, NULL, rw);
  /**
   * HttplibTlsSettings:alpn-protocols:
   *
   * The protocols offered through ALPN, most preferred first; `http/1.1`
   * by default. Empty offers none.
   */
  properties[PROP_ALPN_PROTOCOLS] = g_param_spec_boxed ("alpn-protocols", NULL, NULL,
                                                        G_TYPE_STRV, rw);
  /**
   * HttplibTlsSettings:session-resumption:
   *
   * Whether a connection that reconnects resumes its previous TLS session,
   * which saves the certificate exchange. On by default.
   */
  properties[PROP_SESSION_RESUMPTION] = g_param_spec_boolean ("session-resumption", NULL, NULL,
                                                              TRUE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
httplib_tls_settings_init (HttplibTlsSettings *self)
{
  self->verify = TRUE;
  self->check_hostname = TRUE;
  self->session_resumption = TRUE;
  self->alpn_protocols = g_strdupv ((GStrv) default_alpn);
}

/**
 * httplib_tls_settings_new:
 *
 * Creates settings that trust the system's certificate authorities and
 * verify certificates and host names.
 *
 * Returns: (transfer full): new settings
 */
HttplibTlsSettings *
httplib_tls_settings_new (void)
{
  return g_object_new (HTTPLIB_TYPE_TLS_SETTINGS, NULL);
}

/**
 * httplib_tls_settings_get_default:
 *
 * The settings HTTPS connections use when given none: the system trust
 * store, full verification. Shared by the whole process, so the trust
 * store is read once; change a copy made with httplib_tls_settings_new()
 * rather than this one.
 *
 * Returns: (transfer none): the default settings
 */
HttplibTlsSettings *
httplib_tls_settings_get_default (void)
{
  static HttplibTlsSettings *settings;

  if (g_once_init_enter (&settings))
    g_once_init_leave (&settings, httplib_tls_settings_new ());
  return settings;
}

/**
 * httplib_tls_settings_get_ca_file:
 * @settings: TLS settings
 *
 * Gets the trusted authorities file.
 *
 * Returns: (nullable): the trusted authorities file
 */
const char *
httplib_tls_settings_get_ca_file (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), NULL);
  return settings->ca_file;
}

/**
 * httplib_tls_settings_set_ca_file:
 * @settings: TLS settings
 * @ca_file: (nullable) (type filename): a PEM file of certificate authorities
 *
 * Trusts the authorities in @ca_file instead of the system's (Python's
 * `load_verify_locations(cafile)`). A file that cannot be read fails the
 * next connection with %HTTPLIB_ERROR_TLS naming the file.
 */
void
httplib_tls_settings_set_ca_file (HttplibTlsSettings *settings,
                                  const char         *ca_file)
{
  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));
  replace_string (settings, &settings->ca_file, ca_file, PROP_CA_FILE);
}

/**
 * httplib_tls_settings_get_ca_path:
 * @settings: TLS settings
 *
 * Gets the trusted authorities folder.
 *
 * Returns: (nullable): the trusted authorities folder
 */
const char *
httplib_tls_settings_get_ca_path (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), NULL);
  return settings->ca_path;
}

/**
 * httplib_tls_settings_set_ca_path:
 * @settings: TLS settings
 * @ca_path: (nullable) (type filename): a folder of PEM certificates
 *
 * Trusts the authorities in @ca_path instead of the system's (Python's
 * `load_verify_locations(capath=...)`); it adds to
 * [property@TlsSettings:ca-file] when both are set.
 */
void
httplib_tls_settings_set_ca_path (HttplibTlsSettings *settings,
                                  const char         *ca_path)
{
  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));
  replace_string (settings, &settings->ca_path, ca_path, PROP_CA_PATH);
}

/**
 * httplib_tls_settings_get_cert_file:
 * @settings: TLS settings
 *
 * Gets the client certificate file.
 *
 * Returns: (nullable): the client certificate file
 */
const char *
httplib_tls_settings_get_cert_file (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), NULL);
  return settings->cert_file;
}

/**
 * httplib_tls_settings_get_key_file:
 * @settings: TLS settings
 *
 * Gets the client key file.
 *
 * Returns: (nullable): the client key file
 */
const char *
httplib_tls_settings_get_key_file (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), NULL);
  return settings->key_file;
}

/**
 * httplib_tls_settings_set_client_certificate:
 * @settings: TLS settings
 * @cert_file: (nullable) (type filename): a PEM certificate, %NULL for none
 * @key_file: (nullable) (type filename): its PEM private key, or %NULL when
 *   @cert_file holds the key too
 *
 * Presents a client certificate to servers that ask for one (Python's
 * `load_cert_chain(certfile, keyfile)`).
 */
void
httplib_tls_settings_set_client_certificate (HttplibTlsSettings *settings,
                                             const char         *cert_file,
                                             const char         *key_file)
{
  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));
  g_object_freeze_notify (G_OBJECT (settings));
  replace_string (settings, &settings->cert_file, cert_file, PROP_CERT_FILE);
  replace_string (settings, &settings->key_file, key_file, PROP_KEY_FILE);
  g_object_thaw_notify (G_OBJECT (settings));
}

/**
 * httplib_tls_settings_get_verify:
 * @settings: TLS settings
 *
 * Checks whether server certificates are verified.
 *
 * Returns: whether server certificates are verified
 */
gboolean
httplib_tls_settings_get_verify (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), TRUE);
  return settings->verify;
}

/**
 * httplib_tls_settings_set_verify:
 * @settings: TLS settings
 * @verify: %FALSE to accept any certificate
 *
 * Turns certificate verification on or off (Python's `CERT_NONE`).
 */
void
httplib_tls_settings_set_verify (HttplibTlsSettings *settings,
                                 gboolean            verify)
{
  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));
  replace_boolean (settings, &settings->verify, verify, PROP_VERIFY);
}

/**
 * httplib_tls_settings_get_check_hostname:
 * @settings: TLS settings
 *
 * Checks whether the certificate must name the host.
 *
 * Returns: whether the certificate must name the host
 */
gboolean
httplib_tls_settings_get_check_hostname (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), TRUE);
  return settings->check_hostname;
}

/**
 * httplib_tls_settings_set_check_hostname:
 * @settings: TLS settings
 * @check_hostname: %FALSE to accept a valid certificate for any host
 *
 * Turns the host name check on or off (Python's `check_hostname`).
 */
void
httplib_tls_settings_set_check_hostname (HttplibTlsSettings *settings,
                                         gboolean            check_hostname)
{
  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));
  replace_boolean (settings, &settings->check_hostname, check_hostname, PROP_CHECK_HOSTNAME);
}

/**
 * httplib_tls_settings_get_priority:
 * @settings: TLS settings
 *
 * Gets the GnuTLS priority string.
 *
 * Returns: (nullable): the GnuTLS priority string
 */
const char *
httplib_tls_settings_get_priority (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), NULL);
  return settings->priority;
}

/**
 * httplib_tls_settings_set_priority:
 * @settings: TLS settings
 * @priority: (nullable): a GnuTLS priority string, %NULL for the default
 *
 * Chooses protocol versions and ciphers. A string GnuTLS refuses fails the
 * next connection with %HTTPLIB_ERROR_TLS pointing at the bad part.
 */
void
httplib_tls_settings_set_priority (HttplibTlsSettings *settings,
                                   const char         *priority)
{
  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));
  replace_string (settings, &settings->priority, priority, PROP_PRIORITY);
}

/**
 * httplib_tls_settings_get_alpn_protocols:
 * @settings: TLS settings
 *
 * Gets the ALPN protocols.
 *
 * Returns: (array zero-terminated=1) (transfer none): the ALPN protocols
 */
const char * const *
httplib_tls_settings_get_alpn_protocols (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), NULL);
  return (const char * const *) settings->alpn_protocols;
}

/**
 * httplib_tls_settings_set_alpn_protocols:
 * @settings: TLS settings
 * @protocols: (nullable) (array zero-terminated=1): protocol names, most
 *   preferred first; %NULL or empty offers none
 *
 * Sets the protocols offered through ALPN.
 */
void
httplib_tls_settings_set_alpn_protocols (HttplibTlsSettings *settings,
                                         const char * const *protocols)
{
  static const char * const none[] = { NULL };

  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));

  if (protocols == NULL)
    protocols = none;
  if (g_strv_equal ((const char * const *) settings->alpn_protocols, protocols))
    return;
  g_strfreev (settings->alpn_protocols);
  settings->alpn_protocols = g_strdupv ((GStrv) protocols);
  g_object_notify_by_pspec (G_OBJECT (settings), properties[PROP_ALPN_PROTOCOLS]);
}

/**
 * httplib_tls_settings_get_session_resumption:
 * @settings: TLS settings
 *
 * Checks whether reconnects resume the previous TLS session.
 *
 * Returns: whether reconnects resume the previous TLS session
 */
gboolean
httplib_tls_settings_get_session_resumption (HttplibTlsSettings *settings)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings), TRUE);
  return settings->session_resumption;
}

/**
 * httplib_tls_settings_set_session_resumption:
 * @settings: TLS settings
 * @enabled: %FALSE to make every handshake a full one
 *
 * Turns session resumption on reconnect on or off.
 */
void
httplib_tls_settings_set_session_resumption (HttplibTlsSettings *settings,
                                             gboolean            enabled)
{
  g_return_if_fail (HTTPLIB_IS_TLS_SETTINGS (settings));
  replace_boolean (settings, &settings->session_resumption, enabled, PROP_SESSION_RESUMPTION);
}
