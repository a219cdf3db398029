/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * HTTPS first, for the contacts-and-calendars collection
 * (email2-evolution-collection.c, docs/DESIGN.md §3.7).
 *
 * When *REQUIRESSL is not 1 and the server was named by a host or an
 * http URL, discovery starts on HTTPS; plain HTTP is used only when HTTPS
 * cannot be reached and the plain port answers as an HTTP server. A
 * certificate that does not validate is no reason to go plain (the server
 * speaks TLS), and the check sends no credentials.
 *
 * At every start, a collection that email2 left on plain HTTP is checked
 * again the other way: when the server now speaks TLS, the collection goes
 * back to HTTPS. A start never moves a collection to plain HTTP.
 */

#include "config.h"

#include <string.h>

#include "email2-dav-source-extension.h"
#include "email2-evolution-collection.h"
#include "email2-evolution-sources.h"

#define PROBE_TIMEOUT_S 10

typedef struct {
  ESourceRegistryServer *server;
  char *uid;
  Email2DavService service;
  char *https_url;
  char *plain_url;
  gboolean upgrade;         /* at start: from plain HTTP to HTTPS only */
  GSocketClient *client;
  GSocketConnection *connection;
  char reply[8];
} Probe;

static void
probe_free (Probe *probe)
{
  g_object_unref (probe->server);
  g_free (probe->uid);
  g_free (probe->https_url);
  g_free (probe->plain_url);
  g_clear_object (&probe->client);
  g_clear_object (&probe->connection);
  g_free (probe);
}

/* The URL a switch_url() writes. */
typedef struct {
  const Probe *probe;
  const char *to;
} UrlSwitch;

static void
set_url (ESource  *source,
         gpointer  user_data)
{
  const UrlSwitch *url_switch = user_data;
  ESourceCollection *collection = e_source_get_extension (source, E_SOURCE_EXTENSION_COLLECTION);

  if (url_switch->probe->service == EMAIL2_DAV_CARDDAV)
    e_source_collection_set_contacts_url (collection, url_switch->to);
  else
    e_source_collection_set_calendar_url (collection, url_switch->to);
  email2_dav_source_extension_set_url (e_source_get_extension (source, EMAIL2_DAV_SOURCE_EXTENSION_NAME),
                                       url_switch->probe->service, url_switch->to);
}

/* Switches the collection's URL of @probe's service from @from to @to, if
 * it is still @from (it may have changed in the meantime), and has EDS
 * discover again. */
static void
switch_url (Probe      *probe,
            const char *from,
            const char *to)
{
  g_autoptr(ESource) source = e_source_registry_server_ref_source (probe->server, probe->uid);
  g_autoptr(GError) error = NULL;
  g_autoptr(ECollectionBackend) backend = NULL;
  ESourceCollection *collection;
  g_autofree char *current = NULL;

  if (source == NULL)
    return;
  collection = e_source_get_extension (source, E_SOURCE_EXTENSION_COLLECTION);
  current = probe->service == EMAIL2_DAV_CARDDAV ? e_source_collection_dup_contacts_url (collection)
                                                 : e_source_collection_dup_calendar_url (collection);
  if (g_strcmp0 (current, from) != 0)
    return;

  {
    UrlSwitch url_switch = { probe, to };

    /* The file replaced whole, as every source email2 writes. */
    g_clear_object (&source);
    source = email2_evolution_source_edit (probe->server, probe->uid, set_url, &url_switch, &error);
  }
  if (source == NULL)
    {
      g_warning ("email2: %s could not be written: %s", probe->uid, error->message);
      return;
    }
  backend = e_source_registry_server_ref_backend (probe->server, source);
  if (backend != NULL)
    e_backend_schedule_credentials_required (E_BACKEND (backend), E_SOURCE_CREDENTIALS_REASON_REQUIRED,
                                             NULL, 0, NULL, NULL, G_STRFUNC);
}

static void
plain_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Probe *probe = user_data;
  gsize read = 0;

  if (g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &read, NULL) &&
      read >= 7 && memcmp (probe->reply, "HTTP/1.", 7) == 0)
    {
      g_message ("email2: %s cannot be reached over HTTPS; using %s (TLS is not required)",
                 probe->https_url, probe->plain_url);
      switch_url (probe, probe->https_url, probe->plain_url);
    }
  else
    g_debug ("%s: no HTTP server answers; staying on HTTPS", probe->plain_url);
  g_io_stream_close_async (G_IO_STREAM (probe->connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  probe_free (probe);
}

static void
plain_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Probe *probe = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    {
      probe_free (probe);
      return;
    }
  g_input_stream_read_all_async (g_io_stream_get_input_stream (G_IO_STREAM (probe->connection)),
                                 probe->reply, sizeof probe->reply, G_PRIORITY_DEFAULT, NULL,
                                 plain_read_cb, probe);
}

static void
plain_connected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Probe *probe = user_data;
  static const char request[] = "OPTIONS * HTTP/1.0\r\n\r\n";

  probe->connection = g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (object), result, NULL);
  if (probe->connection == NULL)
    {
      g_debug ("%s cannot be reached either", probe->plain_url);
      probe_free (probe);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (probe->connection)),
                                   request, sizeof request - 1, G_PRIORITY_DEFAULT, NULL,
                                   plain_written_cb, probe);
}

static void
https_connected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (object), result, &error);

  if (connection != NULL || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      /* HTTPS works, or the server speaks TLS with a certificate EDS will
       * report: never plain, and back from plain at start. */
      if (connection != NULL)
        g_io_stream_close_async (G_IO_STREAM (connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      if (probe->upgrade)
        {
          g_message ("email2: %s now answers over HTTPS; using it instead of %s",
                     probe->https_url, probe->plain_url);
          switch_url (probe, probe->plain_url, probe->https_url);
        }
      probe_free (probe);
      return;
    }
  if (probe->upgrade)
    {
      g_debug ("%s: %s; staying on %s", probe->https_url, error->message, probe->plain_url);
      probe_free (probe);
      return;
    }

  g_debug ("%s: %s; trying %s", probe->https_url, error->message, probe->plain_url);
  g_clear_object (&probe->client);
  probe->client = g_socket_client_new ();
  g_socket_client_set_timeout (probe->client, PROBE_TIMEOUT_S);
  g_socket_client_connect_to_uri_async (probe->client, probe->plain_url, 80, NULL,
                                        plain_connected_cb, probe);
}

/**
 * email2_evolution_collection_probe_https:
 * @server: the registry
 * @uid: the collection's UID
 * @service: which of its URLs
 * @https_url: the URL on HTTPS
 * @plain_url: the same on plain HTTP
 * @upgrade: at start: only from plain HTTP to HTTPS
 *
 * Finds, in the background on the main context, whether the server
 * speaks HTTPS, and switches the collection's URL to the one to use.
 */
void
email2_evolution_collection_probe_https (ESourceRegistryServer *server,
                                         const char            *uid,
                                         Email2DavService       service,
                                         const char            *https_url,
                                         const char            *plain_url,
                                         gboolean               upgrade)
{
  Probe *probe = g_new0 (Probe, 1);

  probe->server = g_object_ref (server);
  probe->uid = g_strdup (uid);
  probe->service = service;
  probe->https_url = g_strdup (https_url);
  probe->plain_url = g_strdup (plain_url);
  probe->upgrade = upgrade;
  probe->client = g_socket_client_new ();
  g_socket_client_set_tls (probe->client, TRUE);
  g_socket_client_set_timeout (probe->client, PROBE_TIMEOUT_S);
  g_socket_client_connect_to_uri_async (probe->client, https_url, 443, NULL, https_connected_cb, probe);
}

