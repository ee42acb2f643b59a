/* example-get.c: GET one resource through a transport chosen by name
 *
 * Usage: example-get TRANSPORT HOST[:PORT] PATH
 *
 * Prints the status line and the body. The program links only the
 * library; the transport comes from whatever plugin registers the name.
 */
#include <httplib/httplib.h>

#include <stdio.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HttplibConnection) conn = NULL;
  g_autoptr(HttplibResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;

  if (argc != 4)
    {
      g_printerr ("usage: %s TRANSPORT HOST[:PORT] PATH\n", argv[0]);
      return 2;
    }
  conn = httplib_connection_new (argv[2], 0, &error);
  if (conn == NULL)
    goto failed;
  httplib_connection_set_transport (conn, argv[1]);
  httplib_connection_set_timeout (conn, 10, NULL);

  if (!httplib_connection_request_string (conn, "GET", argv[3], NULL, NULL, NULL, &error) ||
      (response = httplib_connection_get_response (conn, NULL, &error)) == NULL ||
      (body = httplib_response_read (response, -1, NULL, &error)) == NULL)
    goto failed;

  printf ("%u %s\n", httplib_response_get_status (response), httplib_response_get_reason (response));
  fwrite (g_bytes_get_data (body, NULL), 1, g_bytes_get_size (body), stdout);
  return 0;

failed:
  g_printerr ("%s: %s\n", argv[0], error->message);
  return 1;
}
