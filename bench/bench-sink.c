/* bench-sink.c: the upload benchmark's server. nginx discards a request
 * body 4 KiB per read, which would make every client look alike; this
 * sink reads bodies 1 MiB at a time and answers 200 with a fixed response.
 * One connection at a time (the bench runs one client at a time), plain on
 * one port and TLS (GnuTLS) on another, 127.0.0.1 only. Ends on SIGTERM.
 *
 *   bench-sink PLAIN_PORT TLS_PORT CERT KEY
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_SIZE (1024 * 1024)
#define RESPONSE    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"

static gnutls_certificate_credentials_t credentials;
static char buffer[BUFFER_SIZE];

typedef struct {
  int              fd;
  gnutls_session_t session;
} Peer;

static ssize_t
peer_read (Peer *peer, char *data, size_t size)
{
  ssize_t n;

  do
    n = peer->session != NULL ? gnutls_record_recv (peer->session, data, size)
                              : read (peer->fd, data, size);
  while ((peer->session != NULL && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)) ||
         (peer->session == NULL && n < 0 && errno == EINTR));
  return n;
}

static int
peer_write (Peer *peer, const char *data, size_t size)
{
  while (size > 0)
    {
      ssize_t n = peer->session != NULL ? gnutls_record_send (peer->session, data, size)
                                        : write (peer->fd, data, size);
      if (n < 0 && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || errno == EINTR))
        continue;
      if (n <= 0)
        return -1;
      data += n;
      size -= (size_t) n;
    }
  return 0;
}

/* Requests on one connection until it ends: head, Content-Length bytes, answer. */
static void
serve (Peer *peer)
{
  size_t have = 0;

  for (;;)
    {
      char *end, *field;
      long long length = 0, body;

      while ((end = memmem (buffer, have, "\r\n\r\n", 4)) == NULL)
        {
          ssize_t n;

          if (have == BUFFER_SIZE)
            return;
          n = peer_read (peer, buffer + have, BUFFER_SIZE - have);
          if (n <= 0)
            return;
          have += (size_t) n;
        }
      end += 4;
      *(end - 1) = '\0';
      for (field = strchr (buffer, '\n'); field != NULL && field < end; field = strchr (field + 1, '\n'))
        if (strncasecmp (field + 1, "content-length:", 15) == 0)
          length = atoll (field + 16);
      body = (long long) (have - (size_t) (end - buffer));
      if (body > length)
        {
          /* The next request's bytes: keep them. */
          size_t extra = (size_t) (body - length);
          memmove (buffer, end + length, extra);
          have = extra;
        }
      else
        {
          have = 0;
          while (body < length)
            {
              long long left = length - body;
              ssize_t n = peer_read (peer, buffer, left < BUFFER_SIZE ? (size_t) left : BUFFER_SIZE);
              if (n <= 0)
                return;
              body += n;
            }
        }
      if (peer_write (peer, RESPONSE, strlen (RESPONSE)) < 0)
        return;
    }
}

static int
listen_on (int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 16) < 0)
    {
      perror ("bench-sink: listen");
      exit (1);
    }
  return fd;
}

int
main (int argc, char **argv)
{
  struct pollfd listeners[2];

  if (argc != 5)
    {
      fprintf (stderr, "usage: %s PLAIN_PORT TLS_PORT CERT KEY\n", argv[0]);
      return 2;
    }
  gnutls_global_init ();
  gnutls_certificate_allocate_credentials (&credentials);
  if (gnutls_certificate_set_x509_key_file (credentials, argv[3], argv[4], GNUTLS_X509_FMT_PEM) < 0)
    {
      fprintf (stderr, "bench-sink: cannot load %s and %s\n", argv[3], argv[4]);
      return 1;
    }
  listeners[0] = (struct pollfd) { .fd = listen_on (atoi (argv[1])), .events = POLLIN };
  listeners[1] = (struct pollfd) { .fd = listen_on (atoi (argv[2])), .events = POLLIN };

  for (;;)
    {
      if (poll (listeners, 2, -1) < 0)
        continue;
      for (int i = 0; i < 2; i++)
        {
          Peer peer = { -1, NULL };
          int ret;

          if (!(listeners[i].revents & POLLIN))
            continue;
          peer.fd = accept4 (listeners[i].fd, NULL, NULL, SOCK_CLOEXEC);
          if (peer.fd < 0)
            continue;
          if (i == 1)
            {
              gnutls_init (&peer.session, GNUTLS_SERVER);
              gnutls_set_default_priority (peer.session);
              gnutls_credentials_set (peer.session, GNUTLS_CRD_CERTIFICATE, credentials);
              gnutls_transport_set_int (peer.session, peer.fd);
              do
                ret = gnutls_handshake (peer.session);
              while (ret < 0 && !gnutls_error_is_fatal (ret));
              if (ret == 0)
                serve (&peer);
              gnutls_deinit (peer.session);
            }
          else
            serve (&peer);
          close (peer.fd);
        }
    }
}
