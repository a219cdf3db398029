/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * HTTPS first, for a contacts or calendar server named by a host or an
 * http URL while *REQUIRESSL is not 1 (DESIGN §3.7): does the server speak
 * TLS, and if not, does its plain port answer as an HTTP server?
 *
 * - HTTPS answers when the TLS handshake completes, and also when it fails
 *   only on the certificate: the server speaks TLS, and a certificate that
 *   does not validate is for the user to see (EDS reports it), never a
 *   reason to go plain;
 * - plain HTTP is asked only after HTTPS could not be reached, and counts
 *   only when the server answers `OPTIONS *` with an HTTP status line;
 * - nothing is sent but that request: no credentials, no path;
 * - each connection has PROBE_TIMEOUT_S, and the caller's cancellable stops
 *   both (a stopping registry writes nothing afterwards).
 *
 * What to do with the answer (switch the collection's URL) is the host's.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "email2-dav-plan.h"

#define PROBE_TIMEOUT_S 10

typedef struct {
  char *https_url;
  char *plain_url;          /* NULL: HTTPS only */
  GSocketConnection *connection;
  char reply[8];
} Check;

static void
check_free (Check *check)
{
  g_free (check->https_url);
  g_free (check->plain_url);
  g_clear_object (&check->connection);
  g_free (check);
}

static GSocketClient *
client_new (gboolean tls)
{
  GSocketClient *client = g_socket_client_new ();

  g_socket_client_set_tls (client, tls);
  g_socket_client_set_timeout (client, PROBE_TIMEOUT_S);
  return client;
}

static void
close_connection (Check *check)
{
  if (check->connection != NULL)
    g_io_stream_close_async (G_IO_STREAM (check->connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

/* Ends @task with @transport, or with the cancellation if it came first. */
static void
check_return (GTask              *task,
              Email2DavTransport  transport)
{
  Check *check = g_task_get_task_data (task);

  close_connection (check);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_int (task, transport);
  g_object_unref (task);
}

static void
plain_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  gsize read = 0;

  if (g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &read, NULL) &&
      read >= 7 && memcmp (check->reply, "HTTP/1.", 7) == 0)
    check_return (task, EMAIL2_DAV_TRANSPORT_HTTP);
  else
    check_return (task, EMAIL2_DAV_TRANSPORT_UNKNOWN);
}

static void
plain_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    {
      check_return (task, EMAIL2_DAV_TRANSPORT_UNKNOWN);
      return;
    }
  g_input_stream_read_all_async (g_io_stream_get_input_stream (G_IO_STREAM (check->connection)),
                                 check->reply, sizeof check->reply, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), plain_read_cb, task);
}

static void
plain_connected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  static const char request[] = "OPTIONS * HTTP/1.0\r\n\r\n";

  check->connection = g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (object), result, NULL);
  if (check->connection == NULL)
    {
      check_return (task, EMAIL2_DAV_TRANSPORT_UNKNOWN);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (check->connection)),
                                   request, sizeof request - 1, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), plain_written_cb, task);
}

static void
https_connected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) plain = NULL;

  check->connection = g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (object), result, &error);
  if (check->connection != NULL || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      check_return (task, EMAIL2_DAV_TRANSPORT_HTTPS);
      return;
    }
  g_debug ("%s: %s", check->https_url, error->message);
  if (check->plain_url == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      check_return (task, EMAIL2_DAV_TRANSPORT_UNKNOWN);
      return;
    }

  plain = client_new (FALSE);
  g_socket_client_connect_to_uri_async (plain, check->plain_url, 80, g_task_get_cancellable (task),
                                        plain_connected_cb, task);
}

/**
 * email2_dav_find_transport_async:
 * @https_url: the server's URL on HTTPS
 * @plain_url: (nullable): the same on plain HTTP; %NULL: ask HTTPS only
 * @cancellable: (nullable): stops the check
 * @callback: called on the thread-default main context of the caller
 * @user_data: for @callback
 *
 * Finds whether the server of @https_url speaks TLS and, when it cannot
 * be reached that way and @plain_url is given, whether @plain_url answers
 * as an HTTP server. Sends no credentials.
 */
void
email2_dav_find_transport_async (const char          *https_url,
                                 const char          *plain_url,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Check *check = g_new0 (Check, 1);
  g_autoptr(GSocketClient) client = client_new (TRUE);

  g_return_if_fail (https_url != NULL);

  g_task_set_source_tag (task, email2_dav_find_transport_async);
  check->https_url = g_strdup (https_url);
  check->plain_url = g_strdup (plain_url);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  g_socket_client_connect_to_uri_async (client, https_url, 443, cancellable, https_connected_cb, task);
}

/**
 * email2_dav_find_transport_finish:
 * @result: the result given to the callback
 * @error: set when the check was cancelled
 *
 * Returns: what the server answers on; %EMAIL2_DAV_TRANSPORT_UNKNOWN
 *   with @error set when cancelled
 */
Email2DavTransport
email2_dav_find_transport_finish (GAsyncResult  *result,
                                  GError       **error)
{
  gssize transport;

  g_return_val_if_fail (g_task_is_valid (result, NULL), EMAIL2_DAV_TRANSPORT_UNKNOWN);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == email2_dav_find_transport_async,
                        EMAIL2_DAV_TRANSPORT_UNKNOWN);

  transport = g_task_propagate_int (G_TASK (result), error);
  return transport < 0 ? EMAIL2_DAV_TRANSPORT_UNKNOWN : (Email2DavTransport) transport;
}
