/* httplib-tls-certificate.c: what a session's peer certificate says, in words
 *
 * GnuTLS reports a failed verification as status flags; a user needs to
 * read which certificate failed which check ("certificate for
 * wrong.example is not valid for host 127.0.0.1"), so the flags are
 * turned into sentences with the certificate's names and dates.
 */
#include "httplib-tls-certificate.h"

#include <gnutls/x509.h>

/* The leaf certificate the peer sent, or NULL. */
static gnutls_x509_crt_t
peer_certificate (gnutls_session_t session)
{
  const gnutls_datum_t *certs;
  unsigned int n = 0;
  gnutls_x509_crt_t crt;

  if (gnutls_certificate_type_get (session) != GNUTLS_CRT_X509)
    return NULL;
  certs = gnutls_certificate_get_peers (session, &n);
  if (certs == NULL || n == 0)
    return NULL;
  if (gnutls_x509_crt_init (&crt) < 0)
    return NULL;
  if (gnutls_x509_crt_import (crt, &certs[0], GNUTLS_X509_FMT_DER) < 0)
    {
      gnutls_x509_crt_deinit (crt);
      return NULL;
    }
  return crt;
}

static char *
take_datum (gnutls_datum_t *datum)
{
  char *text = g_strndup ((const char *) datum->data, datum->size);

  gnutls_free (datum->data);
  return text;
}

static char *
subject_dn (gnutls_x509_crt_t crt)
{
  gnutls_datum_t dn = { NULL, 0 };

  return gnutls_x509_crt_get_dn3 (crt, &dn, 0) < 0 ? NULL : take_datum (&dn);
}

static char *
issuer_dn (gnutls_x509_crt_t crt)
{
  gnutls_datum_t dn = { NULL, 0 };

  return gnutls_x509_crt_get_issuer_dn3 (crt, &dn, 0) < 0 ? NULL : take_datum (&dn);
}

static GDateTime *
date_time (time_t t)
{
  return t == (time_t) -1 ? NULL : g_date_time_new_from_unix_utc ((gint64) t);
}

/* The DNS names and IP addresses of the subject alternative names, or the
 * common name when there are none: "localhost, 127.0.0.1". */
static char *
certificate_names (gnutls_x509_crt_t crt)
{
  g_autoptr(GString) names = g_string_new (NULL);
  char buf[1024];

  /* A certificate has a handful of names; 64 bounds a hostile one. */
  for (unsigned int i = 0; i < 64; i++)
    {
      size_t size = sizeof buf - 1;
      int type = gnutls_x509_crt_get_subject_alt_name (crt, i, buf, &size, NULL);

      if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        break;
      if (type == GNUTLS_SAN_DNSNAME)
        {
          buf[size] = '\0';
          g_string_append_printf (names, "%s%s", names->len ? ", " : "", buf);
        }
      else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16))
        {
          g_autoptr(GInetAddress) address =
            g_inet_address_new_from_bytes ((const guint8 *) buf,
                                           size == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
          g_autofree char *text = g_inet_address_to_string (address);

          g_string_append_printf (names, "%s%s", names->len ? ", " : "", text);
        }
    }
  if (names->len == 0)
    {
      size_t size = sizeof buf - 1;

      if (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) == 0)
        g_string_append_len (names, buf, (gssize) size);
      else
        g_string_append (names, "an unnamed subject");
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

HttplibTlsInfo *
httplib_tls_info_new_for_session (gnutls_session_t  session,
                                  const char       *server_name,
                                  gboolean          verified)
{
  gnutls_x509_crt_t crt = peer_certificate (session);
  g_autoptr(GBytes) der = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *alpn = NULL;
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  gnutls_datum_t selected = { NULL, 0 };

  if (crt != NULL)
    {
      unsigned int n = 0;
      const gnutls_datum_t *certs = gnutls_certificate_get_peers (session, &n);

      der = g_bytes_new (certs[0].data, certs[0].size);
      subject = subject_dn (crt);
      issuer = issuer_dn (crt);
      not_before = date_time (gnutls_x509_crt_get_activation_time (crt));
      not_after = date_time (gnutls_x509_crt_get_expiration_time (crt));
      gnutls_x509_crt_deinit (crt);
    }
  if (gnutls_alpn_get_selected_protocol (session, &selected) == 0)
    alpn = g_strndup ((const char *) selected.data, selected.size);

  return g_object_new (HTTPLIB_TYPE_TLS_INFO,
                       "protocol-version",
                       gnutls_protocol_get_name (gnutls_protocol_get_version (session)),
                       "cipher-suite", gnutls_ciphersuite_get (session),
                       "alpn-protocol", alpn,
                       "server-name", server_name,
                       "session-resumed", (gboolean) gnutls_session_is_resumed (session),
                       "verified", verified,
                       "peer-certificate", der,
                       "peer-subject", subject,
                       "peer-issuer", issuer,
                       "peer-not-before", not_before,
                       "peer-not-after", not_after,
                       NULL);
}

static void
add_reason (GString    *text,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
add_reason (GString    *text,
            const char *format,
            ...)
{
  va_list args;

  if (text->len > 0)
    g_string_append (text, "; ");
  va_start (args, format);
  g_string_append_vprintf (text, format, args);
  va_end (args);
}

static char *
format_time (time_t t)
{
  g_autoptr(GDateTime) when = date_time (t);

  return when ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("an unknown date");
}

char *
httplib_tls_describe_verify_failure (gnutls_session_t  session,
                                     const char       *host)
{
  unsigned int status = gnutls_session_get_verify_cert_status (session);
  gnutls_x509_crt_t crt = peer_certificate (session);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *names = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  unsigned int explained = GNUTLS_CERT_INVALID;

  if (crt == NULL)
    return g_strdup_printf ("%s sent no usable certificate", host);

  names = certificate_names (crt);
  subject = subject_dn (crt);
  issuer = issuer_dn (crt);

  if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
    {
      if (g_strcmp0 (subject, issuer) == 0)
        add_reason (text, "certificate for %s is self-signed and not trusted", names);
      else
        add_reason (text, "certificate for %s was issued by an untrusted authority (%s)",
                    names, issuer ? issuer : "unknown");
      explained |= GNUTLS_CERT_SIGNER_NOT_FOUND;
    }
  if (status & GNUTLS_CERT_EXPIRED)
    {
      g_autofree char *when = format_time (gnutls_x509_crt_get_expiration_time (crt));

      add_reason (text, "certificate for %s expired on %s", names, when);
      explained |= GNUTLS_CERT_EXPIRED;
    }
  if (status & GNUTLS_CERT_NOT_ACTIVATED)
    {
      g_autofree char *when = format_time (gnutls_x509_crt_get_activation_time (crt));

      add_reason (text, "certificate for %s is not valid before %s", names, when);
      explained |= GNUTLS_CERT_NOT_ACTIVATED;
    }
  if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
    {
      add_reason (text, "certificate for %s is not valid for host %s", names, host);
      explained |= GNUTLS_CERT_UNEXPECTED_OWNER;
    }
  if (status & GNUTLS_CERT_REVOKED)
    {
      add_reason (text, "certificate for %s was revoked", names);
      explained |= GNUTLS_CERT_REVOKED;
    }
  if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
    {
      add_reason (text, "certificate for %s is signed with an insecure algorithm", names);
      explained |= GNUTLS_CERT_INSECURE_ALGORITHM;
    }
  /* Anything else in GnuTLS's own words. */
  if ((status & ~explained) != 0 || text->len == 0)
    {
      gnutls_datum_t out = { NULL, 0 };

      if (gnutls_certificate_verification_status_print (status, GNUTLS_CRT_X509, &out, 0) == 0)
        {
          g_autofree char *print = take_datum (&out);

          add_reason (text, "certificate for %s: %s", names, print);
        }
      else
        add_reason (text, "certificate for %s did not verify", names);
    }
  gnutls_x509_crt_deinit (crt);
  return g_string_free (g_steal_pointer (&text), FALSE);
}
