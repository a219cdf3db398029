/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * HTTPS first, for the contacts-and-calendars collection
 * (email2-evolution-collection.c, docs/DESIGN.md §3.7): what the check of
 * src/email2-dav-transport.c finds, written to the collection.
 *
 * When *REQUIRESSL is not 1 and the server was named by a host or an
 * http URL, discovery starts on HTTPS; the collection moves to plain HTTP
 * only when HTTPS cannot be reached and the plain port answers as an HTTP
 * server. At every start, a collection that email2 left on plain HTTP is
 * checked again the other way: when the server now speaks TLS, the
 * collection goes back to HTTPS. A start never moves a collection to
 * plain HTTP. A check cancelled (the module stopping) writes nothing.
 */

#include "config.h"

#include "email2-dav-source-extension.h"
#include "email2-evolution-collection.h"
#include "email2-evolution-sources.h"

typedef struct {
  ESourceRegistryServer *server;
  char *uid;
  Email2DavService service;
  char *https_url;
  char *plain_url;
  gboolean upgrade;         /* at start: from plain HTTP to HTTPS only */
} Probe;

static void
probe_free (Probe *probe)
{
  g_object_unref (probe->server);
  g_free (probe->uid);
  g_free (probe->https_url);
  g_free (probe->plain_url);
  g_free (probe);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Probe, probe_free)

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
switch_url (const Probe *probe,
            const char  *from,
            const char  *to)
{
  g_autoptr(ESource) source = e_source_registry_server_ref_source (probe->server, probe->uid);
  g_autoptr(GError) error = NULL;
  g_autoptr(ECollectionBackend) backend = NULL;
  ESourceCollection *collection;
  g_autofree char *current = NULL;
  UrlSwitch url_switch = { probe, to };

  if (source == NULL)
    return;
  collection = e_source_get_extension (source, E_SOURCE_EXTENSION_COLLECTION);
  current = probe->service == EMAIL2_DAV_CARDDAV ? e_source_collection_dup_contacts_url (collection)
                                                 : e_source_collection_dup_calendar_url (collection);
  if (g_strcmp0 (current, from) != 0)
    return;

  /* The file replaced whole, as every source email2 writes. */
  g_clear_object (&source);
  source = email2_evolution_source_edit (probe->server, probe->uid, set_url, &url_switch, &error);
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
transport_found_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Probe) probe = user_data;
  g_autoptr(GError) error = NULL;
  Email2DavTransport transport = email2_dav_find_transport_finish (result, &error);

  if (error != NULL)
    return;
  if (probe->upgrade && transport == EMAIL2_DAV_TRANSPORT_HTTPS)
    {
      g_message ("email2: %s now answers over HTTPS; using it instead of %s",
                 probe->https_url, probe->plain_url);
      switch_url (probe, probe->plain_url, probe->https_url);
    }
  else if (!probe->upgrade && transport == EMAIL2_DAV_TRANSPORT_HTTP)
    {
      g_message ("email2: %s cannot be reached over HTTPS; using %s (TLS is not required)",
                 probe->https_url, probe->plain_url);
      switch_url (probe, probe->https_url, probe->plain_url);
    }
}

/**
 * email2_evolution_collection_probe_https:
 * @server: the registry
 * @uid: the collection's UID
 * @service: which of its URLs
 * @https_url: the URL on HTTPS
 * @plain_url: the same on plain HTTP
 * @upgrade: at start: only from plain HTTP to HTTPS
 * @cancellable: stops the check; nothing is written after it
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
                                         gboolean               upgrade,
                                         GCancellable          *cancellable)
{
  Probe *probe = g_new0 (Probe, 1);

  probe->server = g_object_ref (server);
  probe->uid = g_strdup (uid);
  probe->service = service;
  probe->https_url = g_strdup (https_url);
  probe->plain_url = g_strdup (plain_url);
  probe->upgrade = upgrade;
  /* At start, only whether HTTPS answers now. */
  email2_dav_find_transport_async (https_url, upgrade ? NULL : plain_url, cancellable,
                                   transport_found_cb, probe);
}
