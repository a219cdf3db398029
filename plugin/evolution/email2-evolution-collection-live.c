/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What Get answers for the contacts and calendar nodes: the values
 * Evolution uses now, read from the account's WebDAV collection and the
 * children EDS discovered (docs/DESIGN.md §3.7, "Get"). The collection
 * itself, its children's settings and the plain-HTTP check are in
 * email2-evolution-collection.c.
 */

#include "config.h"

#include "email2-dav-source-extension.h"
#include "email2-evolution-collection.h"
#include "email2-evolution-sources.h"

/* The URL the collection now uses for @service when it is not one email2
 * wrote (so the user changed it in Evolution), else %NULL. */
static char *
changed_url (ESource             *collection,
             const Email2DavPlan *plan,
             Email2DavService     service)
{
  ESourceCollection *extension = e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION);
  g_autofree char *live = service == EMAIL2_DAV_CARDDAV ? e_source_collection_dup_contacts_url (extension)
                                                        : e_source_collection_dup_calendar_url (extension);
  const char *written = NULL;

  if (e_source_has_extension (collection, EMAIL2_DAV_SOURCE_EXTENSION_NAME))
    written = email2_dav_source_extension_get_url (
      e_source_get_extension (collection, EMAIL2_DAV_SOURCE_EXTENSION_NAME), service);
  /* A collection written before [EMAIL2 DAV] holds what the plan says. */
  if (live == NULL || live[0] == '\0' || g_strcmp0 (live, written) == 0 ||
      g_strcmp0 (live, email2_dav_plan_get_url (plan, service)) == 0 ||
      g_strcmp0 (live, email2_dav_plan_get_plain_url (plan, service)) == 0)
    return NULL;
  return g_steal_pointer (&live);
}

/* The refresh schedule that the enabled children of @service share now,
 * as a *SYNCSCHEDULE value ("0" or minutes); %NULL when none is enabled or
 * they differ (no one value describes them). */
static char *
live_schedule (ESourceRegistryServer *server,
               const char            *collection_uid,
               Email2DavService       service)
{
  GList *sources = e_source_registry_server_list_sources (server, NULL);
  gboolean seen = FALSE;
  gboolean shared = TRUE;
  gboolean refreshes = FALSE;
  guint minutes = 0;

  for (GList *l = sources; l != NULL && shared; l = l->next)
    {
      Email2DavService child_service;
      ESourceRefresh *refresh;

      if (!email2_evolution_collection_child_service (l->data, &child_service) ||
          child_service != service || !e_source_get_enabled (l->data) ||
          g_strcmp0 (e_source_get_parent (l->data), collection_uid) != 0)
        continue;
      refresh = e_source_get_extension (l->data, E_SOURCE_EXTENSION_REFRESH);
      if (!seen)
        {
          seen = TRUE;
          refreshes = e_source_refresh_get_enabled (refresh);
          minutes = e_source_refresh_get_interval_minutes (refresh);
        }
      else if (e_source_refresh_get_enabled (refresh) != refreshes ||
               (refreshes && e_source_refresh_get_interval_minutes (refresh) != minutes))
        shared = FALSE;
    }
  g_list_free_full (sources, g_object_unref);

  if (!seen || !shared)
    return NULL;
  return refreshes ? g_strdup_printf ("%u", minutes) : g_strdup ("0");
}

/* CONTACTSSERVER, CALENDARSERVER, their *REQUIRESSL and *SYNCSCHEDULE as
 * Evolution uses them now (see email2_evolution_collection_read_live()). */
static void
read_live_services (ESourceRegistryServer *server,
                    ESource               *collection,
                    const Email2DavPlan   *plan,
                    Email2Account         *account)
{

  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    {
      const Email2DavNodes *nodes = email2_dav_service_get_nodes (s);
      g_autofree char *url = changed_url (collection, plan, s);
      g_autofree char *schedule = live_schedule (server, e_source_get_uid (collection), s);
      gboolean refreshes;
      guint minutes = 0;

      if (url != NULL)
        {
          email2_account_set (account, nodes->server, url);
          /* Plain HTTP chosen in Evolution: TLS is no longer required. */
          if (g_ascii_strncasecmp (url, "http:", 5) == 0 &&
              g_strcmp0 (email2_account_get (account, nodes->require_ssl), "1") == 0)
            email2_account_set (account, nodes->require_ssl, "0");
        }
      refreshes = email2_dav_plan_get_refresh (plan, s, &minutes);
      if (schedule != NULL &&
          !(g_str_equal (schedule, "0") ? !refreshes
                                        : refreshes && minutes == g_ascii_strtoull (schedule, NULL, 10)))
        email2_account_set (account, nodes->schedule, schedule);
    }
}

/**
 * email2_evolution_collection_read_live:
 * @server: the registry
 * @account: an account read from its sources
 *
 * The contacts and calendar nodes as Evolution uses them now, which the
 * user may have changed (DESIGN §3.7, "Get"):
 *
 * - SYNCINGCONTENTTYPES: the mail bit from the mail account's Enabled,
 *   the contacts bit from the collection's contacts part, the
 *   appointments, tasks and notes bits from its calendar part (all DAV
 *   bits go when the collection is disabled or removed); in hexadecimal
 *   when it changed;
 * - CONTACTSSERVER, CALENDARSERVER: the collection's URL, when it is not
 *   one email2 wrote; *REQUIRESSL then becomes 0 if that URL is plain
 *   HTTP;
 * - *SYNCSCHEDULE: the refresh that the service's enabled lists share
 *   ("0" when off, else minutes), when it differs from the provisioned
 *   one.
 *
 * A node whose live value means what was provisioned keeps the
 * provisioned spelling. Call it on the main context.
 */
void
email2_evolution_collection_read_live (ESourceRegistryServer *server,
                                       Email2Account         *account)
{
  const char *guid = email2_account_get_guid (account);
  g_autofree char *uid = email2_evolution_collection_uid (guid);
  g_autofree char *mail_uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_ACCOUNT);
  g_autoptr(ESource) collection = e_source_registry_server_ref_source (server, uid);
  g_autoptr(ESource) mail = e_source_registry_server_ref_source (server, mail_uid);
  g_autoptr(Email2DavPlan) plan = email2_dav_plan_new (account, NULL);
  guint32 provisioned = 0;
  guint32 live;

  if (collection != NULL && plan != NULL)
    read_live_services (server, collection, plan, account);

  if (!email2_parse_content_types (email2_account_get (account, EMAIL2_NODE_SYNCINGCONTENTTYPES),
                                   &provisioned))
    return;
  live = provisioned;

  if (mail != NULL)
    live = e_source_get_enabled (mail) ? live | EMAIL2_CONTENT_MAIL : live & ~EMAIL2_CONTENT_MAIL;

  if (collection == NULL || !e_source_get_enabled (collection))
    live &= ~(EMAIL2_CONTENT_CONTACTS | EMAIL2_CONTENT_CALENDARS);
  else
    {
      ESourceCollection *extension = e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION);

      if (!e_source_collection_get_contacts_enabled (extension))
        live &= ~EMAIL2_CONTENT_CONTACTS;
      if (!e_source_collection_get_calendar_enabled (extension))
        live &= ~EMAIL2_CONTENT_CALENDARS;
    }

  if (live != provisioned)
    {
      g_autofree char *value = g_strdup_printf ("0x%x", live);

      email2_account_set (account, EMAIL2_NODE_SYNCINGCONTENTTYPES, value);
    }
}
