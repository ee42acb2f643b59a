/* test-certs.c: X.509 certificates for the TLS tests, made at run time */
#include "test-certs.h"

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY ((gint64) 24 * 60 * 60)

#define CA_CN         "libhttplib test CA"
#define UNKNOWN_CA_CN "libhttplib unknown CA"

typedef enum {
  PROFILE_CA,
  PROFILE_SERVER,
  PROFILE_CLIENT,
} Profile;

typedef struct {
  const char *file;        /* <name>.pem; its key goes to <name>-key.pem */
  const char *cn;
  const char *dns;         /* SAN DNS name, or NULL */
  gboolean    ips;         /* SAN IP 127.0.0.1 and ::1 */
  gint64      not_before;  /* seconds from now */
  gint64      not_after;
  Profile     profile;
} CertSpec;

typedef struct {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t     crt;
  guint8                key_id[64];
  size_t                key_id_size;
} Issued;

static TestCerts *certs;
static pid_t      certs_owner;

/* Generation is test set-up: a failure is fatal and names the call. */
#define CHECK(call)                                                        \
  G_STMT_START {                                                           \
    int rc__ = (call);                                                     \
    if (rc__ < 0)                                                          \
      g_error ("test-certs: %s: %s", #call, gnutls_strerror (rc__));       \
  } G_STMT_END

static void
write_file (const char *path, const gnutls_datum_t *data, int mode)
{
  GError *error = NULL;

  if (!g_file_set_contents_full (path, (const char *) data->data, (gssize) data->size,
                                 G_FILE_SET_CONTENTS_NONE, mode, &error))
    g_error ("test-certs: %s", error->message);
}

static void
issue (const CertSpec *spec, const Issued *issuer, Issued *out)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint8 serial[16];
  unsigned int usage;

  CHECK (gnutls_x509_privkey_init (&out->key));
  CHECK (gnutls_x509_privkey_generate (out->key, GNUTLS_PK_ECDSA,
                                       GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0));
  CHECK (gnutls_x509_crt_init (&out->crt));
  CHECK (gnutls_x509_crt_set_version (out->crt, 3));
  CHECK (gnutls_x509_crt_set_key (out->crt, out->key));

  /* a positive random serial, unique across runs like a real CA's */
  CHECK (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial));
  serial[0] = (serial[0] & 0x7f) | 0x01;
  CHECK (gnutls_x509_crt_set_serial (out->crt, serial, sizeof serial));

  CHECK (gnutls_x509_crt_set_activation_time (out->crt, (time_t) (now + spec->not_before)));
  CHECK (gnutls_x509_crt_set_expiration_time (out->crt, (time_t) (now + spec->not_after)));
  CHECK (gnutls_x509_crt_set_dn_by_oid (out->crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                        spec->cn, (unsigned int) strlen (spec->cn)));

  if (spec->dns != NULL)
    CHECK (gnutls_x509_crt_set_subject_alt_name (out->crt, GNUTLS_SAN_DNSNAME, spec->dns,
                                                 (unsigned int) strlen (spec->dns),
                                                 GNUTLS_FSAN_APPEND));
  if (spec->ips)
    {
      static const guint8 v4[4] = { 127, 0, 0, 1 };
      static const guint8 v6[16] = { [15] = 1 };

      CHECK (gnutls_x509_crt_set_subject_alt_name (out->crt, GNUTLS_SAN_IPADDRESS, v4,
                                                   sizeof v4, GNUTLS_FSAN_APPEND));
      CHECK (gnutls_x509_crt_set_subject_alt_name (out->crt, GNUTLS_SAN_IPADDRESS, v6,
                                                   sizeof v6, GNUTLS_FSAN_APPEND));
    }

  CHECK (gnutls_x509_crt_set_basic_constraints (out->crt, spec->profile == PROFILE_CA, -1));
  if (spec->profile == PROFILE_CA)
    usage = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
  else
    usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
  CHECK (gnutls_x509_crt_set_key_usage (out->crt, usage));
  if (spec->profile == PROFILE_SERVER)
    CHECK (gnutls_x509_crt_set_key_purpose_oid (out->crt, GNUTLS_KP_TLS_WWW_SERVER, 0));
  else if (spec->profile == PROFILE_CLIENT)
    CHECK (gnutls_x509_crt_set_key_purpose_oid (out->crt, GNUTLS_KP_TLS_WWW_CLIENT, 0));

  out->key_id_size = sizeof out->key_id;
  CHECK (gnutls_x509_crt_get_key_id (out->crt, GNUTLS_KEYID_USE_SHA1, out->key_id,
                                     &out->key_id_size));
  CHECK (gnutls_x509_crt_set_subject_key_id (out->crt, out->key_id, out->key_id_size));

  if (issuer == NULL)
    issuer = out;  /* self-signed */
  CHECK (gnutls_x509_crt_set_authority_key_id (out->crt, issuer->key_id, issuer->key_id_size));
  CHECK (gnutls_x509_crt_sign2 (out->crt, issuer->crt, issuer->key, GNUTLS_DIG_SHA256, 0));
}

/* Writes the certificate to <dir>/<file>, and the key (when key_file is not
 * NULL) beside it with "-key" before the ".pem". */
static void
save (const Issued *issued, const char *dir, const char *file,
      char **cert_file, char **key_file)
{
  gnutls_datum_t data = { NULL, 0 };

  g_assert (key_file == NULL || g_str_has_suffix (file, ".pem"));
  *cert_file = g_build_filename (dir, file, NULL);
  CHECK (gnutls_x509_crt_export2 (issued->crt, GNUTLS_X509_FMT_PEM, &data));
  write_file (*cert_file, &data, 0644);
  gnutls_free (data.data);

  if (key_file != NULL)
    {
      g_autofree char *stem = g_strndup (file, strlen (file) - strlen (".pem"));
      g_autofree char *key_name = g_strconcat (stem, "-key.pem", NULL);

      *key_file = g_build_filename (dir, key_name, NULL);
      CHECK (gnutls_x509_privkey_export2_pkcs8 (issued->key, GNUTLS_X509_FMT_PEM, NULL,
                                                GNUTLS_PKCS_PLAIN, &data));
      write_file (*key_file, &data, 0600);
      gnutls_free (data.data);
    }
}

static void
issued_clear (Issued *issued)
{
  gnutls_x509_crt_deinit (issued->crt);
  gnutls_x509_privkey_deinit (issued->key);
}

/* OpenSSL's X509_NAME_hash() of a DN made of the single RDN CN=cn: SHA-1 of
 * the canonical encoding (value trimmed, spaces collapsed, ASCII lowercased,
 * as a UTF8String; the RDN sequence without its outer header), the first
 * four bytes read little-endian. That is the name c_rehash gives the file. */
static guint32
openssl_subject_hash (const char *cn)
{
  static const guint8 oid_cn[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };
  g_autoptr (GString) value = g_string_new (NULL);
  g_autoptr (GByteArray) der = g_byte_array_new ();
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 header[4], digest[20];
  gsize digest_len = sizeof digest;
  g_autofree char *stripped = g_strstrip (g_strdup (cn));

  for (const char *p = stripped; *p; p++)
    {
      if (g_ascii_isspace (*p))
        {
          if (value->len > 0 && value->str[value->len - 1] != ' ')
            g_string_append_c (value, ' ');
        }
      else
        g_string_append_c (value, g_ascii_tolower (*p));
    }
  g_assert (value->len < 100);  /* every length below fits one byte */

  header[0] = 0x31;  /* SET */
  header[1] = (guint8) (2 + sizeof oid_cn + 2 + value->len);
  header[2] = 0x30;  /* SEQUENCE */
  header[3] = (guint8) (sizeof oid_cn + 2 + value->len);
  g_byte_array_append (der, header, 4);
  g_byte_array_append (der, oid_cn, sizeof oid_cn);
  header[0] = 0x0c;  /* UTF8String */
  header[1] = (guint8) value->len;
  g_byte_array_append (der, header, 2);
  g_byte_array_append (der, (const guint8 *) value->str, (guint) value->len);

  g_checksum_update (sha1, der->data, der->len);
  g_checksum_get_digest (sha1, digest, &digest_len);
  return (guint32) digest[0] | (guint32) digest[1] << 8 |
         (guint32) digest[2] << 16 | (guint32) digest[3] << 24;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
remove_certs (void)
{
  /* a forked child (Check's fork mode) must not remove its parent's files */
  if (certs != NULL && getpid () == certs_owner)
    remove_tree (certs->dir);
}

typedef enum {
  BY_CA,
  BY_UNKNOWN_CA,
  BY_ITSELF,
} Issuer;

#define FIELD(name) G_STRUCT_OFFSET (TestCerts, name)
#define VALID       -DAY, 365 * DAY

static const struct {
  CertSpec spec;
  Issuer   issuer;
  glong    cert_field, key_field;
} leaves[] = {
  { { "server.pem", "localhost", "localhost", TRUE, VALID, PROFILE_SERVER },
    BY_CA, FIELD (server_cert_file), FIELD (server_key_file) },
  { { "ip-only.pem", "ip-only", NULL, TRUE, VALID, PROFILE_SERVER },
    BY_CA, FIELD (ip_only_cert_file), FIELD (ip_only_key_file) },
  { { "expired.pem", "localhost", "localhost", TRUE, -40 * DAY, -10 * DAY, PROFILE_SERVER },
    BY_CA, FIELD (expired_cert_file), FIELD (expired_key_file) },
  { { "not-yet-valid.pem", "localhost", "localhost", TRUE, 10 * DAY, 365 * DAY, PROFILE_SERVER },
    BY_CA, FIELD (not_yet_valid_cert_file), FIELD (not_yet_valid_key_file) },
  { { "wrong-host.pem", "wrong.example", "wrong.example", FALSE, VALID, PROFILE_SERVER },
    BY_CA, FIELD (wrong_host_cert_file), FIELD (wrong_host_key_file) },
  { { "self-signed.pem", "localhost", "localhost", TRUE, VALID, PROFILE_SERVER },
    BY_ITSELF, FIELD (self_signed_cert_file), FIELD (self_signed_key_file) },
  { { "unknown-ca-server.pem", "localhost", "localhost", TRUE, VALID, PROFILE_SERVER },
    BY_UNKNOWN_CA, FIELD (unknown_ca_cert_file), FIELD (unknown_ca_key_file) },
  { { "client.pem", "test client", NULL, FALSE, VALID, PROFILE_CLIENT },
    BY_CA, FIELD (client_cert_file), FIELD (client_key_file) },
};

static gpointer
generate (gpointer data)
{
  static const CertSpec ca = { "ca.pem", CA_CN, NULL, FALSE, -60 * DAY, 730 * DAY, PROFILE_CA };
  static const CertSpec unknown_ca =
    { "unknown-ca.pem", UNKNOWN_CA_CN, NULL, FALSE, -60 * DAY, 730 * DAY, PROFILE_CA };
  TestCerts *c = g_new0 (TestCerts, 1);
  GError *error = NULL;
  Issued ca_pair, unknown_pair;
  g_autofree char *hash_name = NULL;
  g_autofree char *in_ca_dir = NULL;

  c->dir = g_dir_make_tmp ("httplib-certs-XXXXXX", &error);
  if (c->dir == NULL)
    g_error ("test-certs: %s", error->message);
  certs = c;
  certs_owner = getpid ();
  atexit (remove_certs);

  c->ca_dir = g_build_filename (c->dir, "ca-dir", NULL);
  if (g_mkdir (c->ca_dir, 0700) != 0)
    g_error ("test-certs: cannot make %s", c->ca_dir);

  issue (&ca, NULL, &ca_pair);
  save (&ca_pair, c->dir, ca.file, &c->ca_file, NULL);
  hash_name = g_strdup_printf ("%08x.0", openssl_subject_hash (CA_CN));
  save (&ca_pair, c->ca_dir, hash_name, &in_ca_dir, NULL);

  issue (&unknown_ca, NULL, &unknown_pair);
  save (&unknown_pair, c->dir, unknown_ca.file, &c->unknown_ca_file, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (leaves); i++)
    {
      const Issued *issuer = leaves[i].issuer == BY_CA ? &ca_pair :
                             leaves[i].issuer == BY_UNKNOWN_CA ? &unknown_pair : NULL;
      Issued leaf;

      issue (&leaves[i].spec, issuer, &leaf);
      save (&leaf, c->dir, leaves[i].spec.file,
            G_STRUCT_MEMBER_P (c, leaves[i].cert_field),
            G_STRUCT_MEMBER_P (c, leaves[i].key_field));
      issued_clear (&leaf);
    }

  issued_clear (&ca_pair);
  issued_clear (&unknown_pair);
  return c;
}

const TestCerts *
test_certs_get (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, generate, NULL);
}

void
test_certs_setup (void)
{
  test_certs_get ();
}
