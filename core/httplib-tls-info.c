/* httplib-tls-info.c: what a TLS handshake negotiated
 *
 * A TLS transport creates one after each handshake and attaches it to the
 * stream it returns; the connection keeps the latest one, readable with
 * httplib_connection_get_tls_info(). The values are the transport's
 * words: GnuTLS names versions `TLS1.3` and suites
 * `TLS_AES_128_GCM_SHA256`.
 */
#include "httplib-tls-info.h"

#include <string.h>

struct _HttplibTlsInfo {
  GObject    parent_instance;
  char      *protocol_version;
  char      *cipher_suite;
  char      *alpn_protocol;
  char      *server_name;
  gboolean   session_resumed;
  gboolean   verified;
  GBytes    *peer_certificate;
  char      *peer_subject;
  char      *peer_issuer;
  GDateTime *peer_not_before;
  GDateTime *peer_not_after;
};

enum {
  PROP_0,
  PROP_PROTOCOL_VERSION,
  PROP_CIPHER_SUITE,
  PROP_ALPN_PROTOCOL,
  PROP_SERVER_NAME,
  PROP_SESSION_RESUMED,
  PROP_VERIFIED,
  PROP_PEER_CERTIFICATE,
  PROP_PEER_SUBJECT,
  PROP_PEER_ISSUER,
  PROP_PEER_NOT_BEFORE,
  PROP_PEER_NOT_AFTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * HttplibTlsInfo:
 *
 * The outcome of a TLS handshake: protocol version, cipher suite, ALPN
 * protocol, and the server's certificate. Immutable.
 */
G_DEFINE_FINAL_TYPE (HttplibTlsInfo, httplib_tls_info, G_TYPE_OBJECT)

static void
httplib_tls_info_finalize (GObject *object)
{
  HttplibTlsInfo *self = HTTPLIB_TLS_INFO (object);

  g_free (self->protocol_version);
  g_free (self->cipher_suite);
  g_free (self->alpn_protocol);
  g_free (self->server_name);
  g_clear_pointer (&self->peer_certificate, g_bytes_unref);
  g_free (self->peer_subject);
  g_free (self->peer_issuer);
  g_clear_pointer (&self->peer_not_before, g_date_time_unref);
  g_clear_pointer (&self->peer_not_after, g_date_time_unref);

  G_OBJECT_CLASS (httplib_tls_info_parent_class)->finalize (object);
}

static void
httplib_tls_info_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  HttplibTlsInfo *self = HTTPLIB_TLS_INFO (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL_VERSION:
      self->protocol_version = g_value_dup_string (value);
      break;
    case PROP_CIPHER_SUITE:
      self->cipher_suite = g_value_dup_string (value);
      break;
    case PROP_ALPN_PROTOCOL:
      self->alpn_protocol = g_value_dup_string (value);
      break;
    case PROP_SERVER_NAME:
      self->server_name = g_value_dup_string (value);
      break;
    case PROP_SESSION_RESUMED:
      self->session_resumed = g_value_get_boolean (value);
      break;
    case PROP_VERIFIED:
      self->verified = g_value_get_boolean (value);
      break;
    case PROP_PEER_CERTIFICATE:
      self->peer_certificate = g_value_dup_boxed (value);
      break;
    case PROP_PEER_SUBJECT:
      self->peer_subject = g_value_dup_string (value);
      break;
    case PROP_PEER_ISSUER:
      self->peer_issuer = g_value_dup_string (value);
      break;
    case PROP_PEER_NOT_BEFORE:
      self->peer_not_before = g_value_dup_boxed (value);
      break;
    case PROP_PEER_NOT_AFTER:
      self->peer_not_after = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_tls_info_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HttplibTlsInfo *self = HTTPLIB_TLS_INFO (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL_VERSION:
      g_value_set_string (value, self->protocol_version);
      break;
    case PROP_CIPHER_SUITE:
      g_value_set_string (value, self->cipher_suite);
      break;
    case PROP_ALPN_PROTOCOL:
      g_value_set_string (value, self->alpn_protocol);
      break;
    case PROP_SERVER_NAME:
      g_value_set_string (value, self->server_name);
      break;
    case PROP_SESSION_RESUMED:
      g_value_set_boolean (value, self->session_resumed);
      break;
    case PROP_VERIFIED:
      g_value_set_boolean (value, self->verified);
      break;
    case PROP_PEER_CERTIFICATE:
      g_value_set_boxed (value, self->peer_certificate);
      break;
    case PROP_PEER_SUBJECT:
      g_value_set_string (value, self->peer_subject);
      break;
    case PROP_PEER_ISSUER:
      g_value_set_string (value, self->peer_issuer);
      break;
    case PROP_PEER_NOT_BEFORE:
      g_value_set_boxed (value, self->peer_not_before);
      break;
    case PROP_PEER_NOT_AFTER:
      g_value_set_boxed (value, self->peer_not_after);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
httplib_tls_info_class_init (HttplibTlsInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = httplib_tls_info_finalize;
  object_class->set_property = httplib_tls_info_set_property;
  object_class->get_property = httplib_tls_info_get_property;

  /**
   * HttplibTlsInfo:protocol-version:
   *
   * The negotiated protocol version, such as `TLS1.3`.
   */
  properties[PROP_PROTOCOL_VERSION] = g_param_spec_string ("protocol-version", NULL, NULL, NULL, ro);
  /**
   * HttplibTlsInfo:cipher-suite:
   *
   * The negotiated cipher suite, such as `TLS_AES_256_GCM_SHA384`.
   */
  properties[PROP_CIPHER_SUITE] = g_param_spec_string ("cipher-suite", NULL, NULL, NULL, ro);
  /**
   * HttplibTlsInfo:alpn-protocol:
   *
   * The protocol the server chose through ALPN, or %NULL.
   */
  properties[PROP_ALPN_PROTOCOL] = g_param_spec_string ("alpn-protocol", NULL, NULL, NULL, ro);
  /**
   * HttplibTlsInfo:server-name:
   *
   * The name sent through SNI, or %NULL (none is sent for IP addresses).
   */
  properties[PROP_SERVER_NAME] = g_param_spec_string ("server-name", NULL, NULL, NULL, ro);
  /**
   * HttplibTlsInfo:session-resumed:
   *
   * Whether the handshake resumed an earlier session.
   */
  properties[PROP_SESSION_RESUMED] = g_param_spec_boolean ("session-resumed", NULL, NULL, FALSE, ro);
  /**
   * HttplibTlsInfo:verified:
   *
   * Whether the certificate chain was verified (FALSE only when
   * verification was turned off).
   */
  properties[PROP_VERIFIED] = g_param_spec_boolean ("verified", NULL, NULL, FALSE, ro);
  /**
   * HttplibTlsInfo:peer-certificate:
   *
   * The server's certificate, DER-encoded, or %NULL.
   */
  properties[PROP_PEER_CERTIFICATE] = g_param_spec_boxed ("peer-certificate", NULL, NULL,
                                                          G_TYPE_BYTES, ro);
  /**
   * HttplibTlsInfo:peer-subject:
   *
   * The distinguished name of the server's certificate, such as
   * `CN=example.org`, or %NULL.
   */
  properties[PROP_PEER_SUBJECT] = g_param_spec_string ("peer-subject", NULL, NULL, NULL, ro);
  /**
   * HttplibTlsInfo:peer-issuer:
   *
   * The distinguished name of the certificate's issuer, or %NULL.
   */
  properties[PROP_PEER_ISSUER] = g_param_spec_string ("peer-issuer", NULL, NULL, NULL, ro);
  /**
   * HttplibTlsInfo:peer-not-before:
   *
   * When the server's certificate became valid, or %NULL.
   */
  properties[PROP_PEER_NOT_BEFORE] = g_param_spec_boxed ("peer-not-before", NULL, NULL,
                                                         G_TYPE_DATE_TIME, ro);
  /**
   * HttplibTlsInfo:peer-not-after:
   *
   * When the server's certificate stops being valid, or %NULL.
   */
  properties[PROP_PEER_NOT_AFTER] = g_param_spec_boxed ("peer-not-after", NULL, NULL,
                                                        G_TYPE_DATE_TIME, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
httplib_tls_info_init (HttplibTlsInfo *self)
{
}

/**
 * httplib_tls_info_get_protocol_version:
 * @info: TLS info
 *
 * Gets the protocol version, such as `TLS1.3`.
 *
 * Returns: (nullable): the protocol version, such as `TLS1.3`
 */
const char *
httplib_tls_info_get_protocol_version (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->protocol_version;
}

/**
 * httplib_tls_info_get_cipher_suite:
 * @info: TLS info
 *
 * Gets the cipher suite.
 *
 * Returns: (nullable): the cipher suite
 */
const char *
httplib_tls_info_get_cipher_suite (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->cipher_suite;
}

/**
 * httplib_tls_info_get_alpn_protocol:
 * @info: TLS info
 *
 * Gets the protocol chosen through ALPN.
 *
 * Returns: (nullable): the protocol chosen through ALPN
 */
const char *
httplib_tls_info_get_alpn_protocol (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->alpn_protocol;
}

/**
 * httplib_tls_info_get_server_name:
 * @info: TLS info
 *
 * Gets the name sent through SNI.
 *
 * Returns: (nullable): the name sent through SNI
 */
const char *
httplib_tls_info_get_server_name (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->server_name;
}

/**
 * httplib_tls_info_get_session_resumed:
 * @info: TLS info
 *
 * Checks whether an earlier session was resumed.
 *
 * Returns: whether an earlier session was resumed
 */
gboolean
httplib_tls_info_get_session_resumed (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), FALSE);
  return info->session_resumed;
}

/**
 * httplib_tls_info_get_verified:
 * @info: TLS info
 *
 * Checks whether the certificate chain was verified.
 *
 * Returns: whether the certificate chain was verified
 */
gboolean
httplib_tls_info_get_verified (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), FALSE);
  return info->verified;
}

/**
 * httplib_tls_info_get_peer_certificate:
 * @info: TLS info
 *
 * Gets the server's certificate in DER.
 *
 * Returns: (nullable) (transfer none): the server's certificate in DER
 */
GBytes *
httplib_tls_info_get_peer_certificate (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->peer_certificate;
}

/**
 * httplib_tls_info_get_peer_certificate_pem:
 * @info: TLS info
 *
 * Gets the server's certificate in PEM.
 *
 * Returns: (nullable) (transfer full): the server's certificate in PEM
 */
char *
httplib_tls_info_get_peer_certificate_pem (HttplibTlsInfo *info)
{
  g_autofree char *base64 = NULL;
  GString *pem;
  gsize len;

  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);

  if (info->peer_certificate == NULL)
    return NULL;
  base64 = g_base64_encode (g_bytes_get_data (info->peer_certificate, NULL),
                            g_bytes_get_size (info->peer_certificate));
  len = strlen (base64);
  pem = g_string_new ("-----BEGIN CERTIFICATE-----\n");
  /* RFC 7468: lines of 64 characters */
  for (gsize i = 0; i < len; i += 64)
    {
      g_string_append_len (pem, base64 + i, MIN (64, len - i));
      g_string_append_c (pem, '\n');
    }
  g_string_append (pem, "-----END CERTIFICATE-----\n");
  return g_string_free (pem, FALSE);
}

/**
 * httplib_tls_info_get_peer_subject:
 * @info: TLS info
 *
 * Gets the certificate's subject distinguished name.
 *
 * Returns: (nullable): the certificate's subject distinguished name
 */
const char *
httplib_tls_info_get_peer_subject (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->peer_subject;
}

/**
 * httplib_tls_info_get_peer_issuer:
 * @info: TLS info
 *
 * Gets the certificate's issuer distinguished name.
 *
 * Returns: (nullable): the certificate's issuer distinguished name
 */
const char *
httplib_tls_info_get_peer_issuer (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->peer_issuer;
}

/**
 * httplib_tls_info_get_peer_not_before:
 * @info: TLS info
 *
 * Gets the start of the certificate's validity.
 *
 * Returns: (nullable) (transfer none): the start of the certificate's validity
 */
GDateTime *
httplib_tls_info_get_peer_not_before (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->peer_not_before;
}

/**
 * httplib_tls_info_get_peer_not_after:
 * @info: TLS info
 *
 * Gets the end of the certificate's validity.
 *
 * Returns: (nullable) (transfer none): the end of the certificate's validity
 */
GDateTime *
httplib_tls_info_get_peer_not_after (HttplibTlsInfo *info)
{
  g_return_val_if_fail (HTTPLIB_IS_TLS_INFO (info), NULL);
  return info->peer_not_after;
}

static GQuark
tls_info_quark (void)
{
  /* g_quark_from_static_string() is thread-safe; the store is idempotent */
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("httplib-tls-info");
  return quark;
}

/**
 * httplib_tls_info_attach:
 * @info: TLS info
 * @stream: the stream a TLS transport returns
 *
 * For TLS transports: makes @info the handshake outcome of @stream, where
 * the connection (and any [signal@Connection::event] handler, through
 * httplib_tls_info_get_for_stream()) finds it.
 */
void
httplib_tls_info_attach (HttplibTlsInfo *info,
                         GIOStream      *stream)
{
  g_return_if_fail (HTTPLIB_IS_TLS_INFO (info));
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_object_set_qdata_full (G_OBJECT (stream), tls_info_quark (),
                           g_object_ref (info), g_object_unref);
}

/**
 * httplib_tls_info_get_for_stream:
 * @stream: a stream of a transport chain
 *
 * Gets the handshake outcome a TLS transport attached to @stream.
 *
 * Returns: (nullable) (transfer none): the handshake outcome a TLS
 *   transport attached to @stream
 */
HttplibTlsInfo *
httplib_tls_info_get_for_stream (GIOStream *stream)
{
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  return g_object_get_qdata (G_OBJECT (stream), tls_info_quark ());
}
