/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The HTTPS-first check of a contacts or calendar server
 * (src/email2-dav-transport.c) against servers on loopback made here: a
 * TLS server with a certificate no CA signs, an HTTP server that records
 * what it was sent, a server that speaks something else, one that accepts
 * and says nothing, and a closed port.
 */

#include "config.h"

#include <string.h>

#include "email2.h"

typedef enum {
  SPEAK_TLS,      /* completes a TLS handshake, then closes */
  SPEAK_HTTP,     /* answers any request with a status line */
  SPEAK_OTHER,    /* greets as an SSH server */
  SPEAK_NOTHING,  /* accepts, reads, never answers */
} Speaks;

typedef struct {
  GSocketService *service;
  Speaks speaks;
  guint16 port;
  GTlsCertificate *certificate;
  GMutex lock;
  guint connections;
  GString *received;
  GCancellable *stop;
} Server;

static gboolean
server_run (GThreadedSocketService *service,
            GSocketConnection      *connection,
            GObject                *source,
            gpointer                user_data)
{
  Server *server = user_data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  char buffer[256];
  gssize n;

  g_mutex_lock (&server->lock);
  server->connections++;
  g_mutex_unlock (&server->lock);

  switch (server->speaks)
    {
    case SPEAK_TLS:
      {
        g_autoptr(GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (connection),
                                                                server->certificate, NULL);

        if (tls != NULL)
          g_tls_connection_handshake (G_TLS_CONNECTION (tls), server->stop, NULL);
      }
      break;
    case SPEAK_HTTP:
      n = g_input_stream_read (in, buffer, sizeof buffer, server->stop, NULL);
      if (n > 0)
        {
          g_mutex_lock (&server->lock);
          g_string_append_len (server->received, buffer, n);
          g_mutex_unlock (&server->lock);
        }
      g_output_stream_write_all (out, "HTTP/1.0 200 OK\r\n\r\n", 19, NULL, server->stop, NULL);
      break;
    case SPEAK_OTHER:
      g_output_stream_write_all (out, "SSH-2.0-OpenSSH_9.2\r\n", 21, NULL, server->stop, NULL);
      break;
    case SPEAK_NOTHING:
      while (g_input_stream_read (in, buffer, sizeof buffer, server->stop, NULL) > 0)
        ;
      break;
    }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static Server *
server_new (Speaks speaks)
{
  Server *server = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;

  server->speaks = speaks;
  server->received = g_string_new (NULL);
  server->stop = g_cancellable_new ();
  g_mutex_init (&server->lock);
  if (speaks == SPEAK_TLS)
    {
      g_autofree char *cert = g_test_build_filename (G_TEST_DIST, "data", "dav-transport", "server.pem", NULL);
      g_autofree char *key = g_test_build_filename (G_TEST_DIST, "data", "dav-transport", "server.key", NULL);

      server->certificate = g_tls_certificate_new_from_files (cert, key, &error);
      g_assert_no_error (error);
    }
  server->service = g_threaded_socket_service_new (4);
  server->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (server->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (server->service, "run", G_CALLBACK (server_run), server);
  g_socket_service_start (server->service);
  return server;
}

static guint
server_connections (Server *server)
{
  guint connections;

  g_mutex_lock (&server->lock);
  connections = server->connections;
  g_mutex_unlock (&server->lock);
  return connections;
}

static void
server_free (Server *server)
{
  g_cancellable_cancel (server->stop);
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  g_clear_object (&server->certificate);
  g_object_unref (server->stop);
  g_string_free (server->received, TRUE);
  g_mutex_clear (&server->lock);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

/* A loopback port where nothing listens. */
static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static char *
url (const char *scheme,
     guint16     port)
{
  return g_strdup_printf ("%s://127.0.0.1:%u/dav/", scheme, port);
}

typedef struct {
  gboolean done;
  Email2DavTransport transport;
  GError *error;
} Found;

static void
found_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Found *found = user_data;

  found->transport = email2_dav_find_transport_finish (result, &found->error);
  found->done = TRUE;
}

static Email2DavTransport
find (const char    *https_url,
      const char    *plain_url,
      GCancellable  *cancellable,
      GError       **error)
{
  Found found = { FALSE, };

  email2_dav_find_transport_async (https_url, plain_url, cancellable, found_cb, &found);
  while (!found.done)
    g_main_context_iteration (NULL, TRUE);
  if (found.error != NULL)
    g_propagate_error (error, found.error);
  return found.transport;
}

/* TLS answers, with a certificate that does not validate: HTTPS, and the
 * plain port is never asked. */
static void
test_https (void)
{
  g_autoptr(Server) tls = server_new (SPEAK_TLS);
  g_autoptr(Server) http = server_new (SPEAK_HTTP);
  g_autofree char *https_url = url ("https", tls->port);
  g_autofree char *plain_url = url ("http", http->port);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (find (https_url, plain_url, NULL, &error), ==, EMAIL2_DAV_TRANSPORT_HTTPS);
  g_assert_no_error (error);
  g_assert_cmpuint (server_connections (tls), ==, 1);
  g_assert_cmpuint (server_connections (http), ==, 0);
}

/* Nothing on HTTPS, an HTTP server on the plain port: plain, and all it
 * was sent is `OPTIONS *` (no path, no credentials). */
static void
test_plain (void)
{
  g_autoptr(Server) http = server_new (SPEAK_HTTP);
  g_autofree char *https_url = url ("https", closed_port ());
  g_autofree char *plain_url = url ("http", http->port);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (find (https_url, plain_url, NULL, &error), ==, EMAIL2_DAV_TRANSPORT_HTTP);
  g_assert_no_error (error);
  g_assert_cmpstr (http->received->str, ==, "OPTIONS * HTTP/1.0\r\n\r\n");
}

/* The HTTPS port answers in plain HTTP (a server without TLS): a failed
 * handshake is not a bad certificate, so the plain port is asked. */
static void
test_plain_on_https_port (void)
{
  g_autoptr(Server) http = server_new (SPEAK_HTTP);
  g_autofree char *https_url = url ("https", http->port);
  g_autofree char *plain_url = url ("http", http->port);

  g_assert_cmpint (find (https_url, plain_url, NULL, NULL), ==, EMAIL2_DAV_TRANSPORT_HTTP);
  g_assert_cmpuint (server_connections (http), ==, 2);
}

/* Neither port speaks HTTP: nothing is known, nothing moves. */
static void
test_unknown (void)
{
  g_autoptr(Server) other = server_new (SPEAK_OTHER);
  g_autofree char *https_url = url ("https", closed_port ());
  g_autofree char *other_url = url ("http", other->port);
  g_autofree char *closed_url = url ("http", closed_port ());

  g_assert_cmpint (find (https_url, other_url, NULL, NULL), ==, EMAIL2_DAV_TRANSPORT_UNKNOWN);
  g_assert_cmpuint (server_connections (other), ==, 1);
  g_assert_cmpint (find (https_url, closed_url, NULL, NULL), ==, EMAIL2_DAV_TRANSPORT_UNKNOWN);
}

/* Asked for HTTPS only (the check at start): a plain server is never
 * connected to. */
static void
test_https_only (void)
{
  g_autoptr(Server) tls = server_new (SPEAK_TLS);
  g_autoptr(Server) http = server_new (SPEAK_HTTP);
  g_autofree char *https_url = url ("https", tls->port);
  g_autofree char *closed_url = url ("https", closed_port ());

  g_assert_cmpint (find (https_url, NULL, NULL, NULL), ==, EMAIL2_DAV_TRANSPORT_HTTPS);
  g_assert_cmpint (find (closed_url, NULL, NULL, NULL), ==, EMAIL2_DAV_TRANSPORT_UNKNOWN);
  g_assert_cmpuint (server_connections (http), ==, 0);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* A server that accepts and never answers holds the check until it is
 * cancelled; then it ends at once, cancelled, and the plain port is not
 * tried: a stopping registry writes nothing afterwards. */
static void
test_cancelled (void)
{
  g_autoptr(Server) silent = server_new (SPEAK_NOTHING);
  g_autoptr(Server) http = server_new (SPEAK_HTTP);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *https_url = url ("https", silent->port);
  g_autofree char *plain_url = url ("http", http->port);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (200, cancel_cb, cancellable);
  g_assert_cmpint (find (https_url, plain_url, cancellable, &error), ==, EMAIL2_DAV_TRANSPORT_UNKNOWN);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (server_connections (http), ==, 0);

  /* Cancelled before it starts. */
  g_clear_error (&error);
  g_assert_cmpint (find (https_url, plain_url, cancellable, &error), ==, EMAIL2_DAV_TRANSPORT_UNKNOWN);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dav-transport/https", test_https);
  g_test_add_func ("/dav-transport/plain", test_plain);
  g_test_add_func ("/dav-transport/plain-on-https-port", test_plain_on_https_port);
  g_test_add_func ("/dav-transport/unknown", test_unknown);
  g_test_add_func ("/dav-transport/https-only", test_https_only);
  g_test_add_func ("/dav-transport/cancelled", test_cancelled);

  return g_test_run ();
}
