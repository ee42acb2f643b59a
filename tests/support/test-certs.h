/* test-certs.h: X.509 certificates for the TLS tests, made at run time
 *
 * The first call to test_certs_get() generates a small PKI with GnuTLS
 * (ECDSA P-256 keys, SHA-256 signatures) and writes it as PEM files into a
 * fresh temporary folder, which is removed when the process exits. Nothing
 * here is ever checked in.
 *
 * Unless noted, a server certificate names CN and SAN DNS localhost plus
 * SAN IP 127.0.0.1 and ::1, has extended key usage serverAuth and is valid
 * from 1 day ago to 1 year ahead. Every key is ECDSA P-256 in PKCS #8 PEM
 * without a password.
 *
 * This library uses only GLib, GIO, GnuTLS and Check, never libhttplib.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *dir;
  /* the test CA (CN "libhttplib test CA") that clients are told to trust */
  char *ca_file;
  /* signed by the CA; CN localhost */
  char *server_cert_file, *server_key_file;
  /* signed by the CA; CN "ip-only", SAN IP 127.0.0.1 and ::1 only */
  char *ip_only_cert_file, *ip_only_key_file;
  /* signed by the CA; validity ended 10 days ago */
  char *expired_cert_file, *expired_key_file;
  /* signed by the CA; valid from 10 days ahead */
  char *not_yet_valid_cert_file, *not_yet_valid_key_file;
  /* signed by the CA; CN and SAN DNS wrong.example only */
  char *wrong_host_cert_file, *wrong_host_key_file;
  /* self-signed (CA:FALSE, its own issuer) */
  char *self_signed_cert_file, *self_signed_key_file;
  /* a second CA that no client trusts, and a server certificate it signed */
  char *unknown_ca_file;
  char *unknown_ca_cert_file, *unknown_ca_key_file;
  /* signed by the CA; CN "test client", extended key usage clientAuth */
  char *client_cert_file, *client_key_file;
  /* a folder holding only the CA certificate, named by its OpenSSL subject
   * hash ("xxxxxxxx.0"): a CA path for OpenSSL and for
   * gnutls_certificate_set_x509_trust_dir() alike */
  char *ca_dir;
} TestCerts;

/* Generated once per process on the first call (thread-safe, a few
 * milliseconds); aborts when generation fails. The folder is removed by the
 * process that made it, at exit. Under Check's fork mode a test that fails
 * leaves with _exit(), which skips that: call this from an unchecked fixture
 * (it runs in the parent), so every test shares one set and the parent
 * cleans up whatever happens to the tests. */
const TestCerts *test_certs_get (void);

/* For tcase_add_unchecked_fixture(): makes the set in the runner process,
 * so the forked tests share it and it is removed even when one fails. */
void             test_certs_setup (void);

G_END_DECLS
