/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What an account's contacts and calendar nodes ask of a desktop,
 * independent of any host: which content types (SYNCINGCONTENTTYPES), the
 * URL of each DAV server (CONTACTSSERVER, CALENDARSERVER, their *REQUIRESSL,
 * or the e-mail domain), how often to refresh (*SYNCSCHEDULE), and the user
 * name. DESIGN §3.7 gives the reasons.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-dav-plan.h"
#include "email2-error.h"
#include "email2-schema.h"

struct _Email2DavPlan {
  guint32 types;          /* the known bits that were set */
  guint32 ignored;        /* the other bits that were set */
  char *url[EMAIL2_DAV_N_SERVICES];
  char *plain_url[EMAIL2_DAV_N_SERVICES];  /* when HTTPS cannot be reached */
  gboolean tls_required[EMAIL2_DAV_N_SERVICES];
  gboolean refresh[EMAIL2_DAV_N_SERVICES];
  guint minutes[EMAIL2_DAV_N_SERVICES];
  char *domain[EMAIL2_DAV_N_SERVICES];    /* no server named: the e-mail domain */
  gboolean unresolved[EMAIL2_DAV_N_SERVICES];  /* its SRV look-up got no answer */
  char *user;
};

G_DEFINE_BOXED_TYPE (Email2DavPlan, email2_dav_plan, email2_dav_plan_copy, email2_dav_plan_free)

/* The nodes of each service, in Email2DavService order. */
static const struct {
  Email2DavNodes nodes;
  guint32 types;
} services[EMAIL2_DAV_N_SERVICES] = {
  [EMAIL2_DAV_CARDDAV] = { { EMAIL2_NODE_CONTACTSSERVER, EMAIL2_NODE_CONTACTSSERVERREQUIRESSL,
                             EMAIL2_NODE_CONTACTSSYNCSCHEDULE }, EMAIL2_CONTENT_CONTACTS },
  [EMAIL2_DAV_CALDAV] = { { EMAIL2_NODE_CALENDARSERVER, EMAIL2_NODE_CALENDARSERVERREQUIRESSL,
                            EMAIL2_NODE_CALENDARSYNCSCHEDULE }, EMAIL2_CONTENT_CALENDARS },
};

/**
 * email2_dav_service_get_nodes:
 * @service: a service
 *
 * Returns: (transfer none): the server, TLS and schedule nodes of @service
 */
const Email2DavNodes *
email2_dav_service_get_nodes (Email2DavService service)
{
  return &services[service].nodes;
}

/* *SYNCSCHEDULE: Windows' DeviceAccountSyncScheduleKind (0-6), the
 * ActiveSync CSP's -1 ("as items arrive"), and minutes. EDS has no push
 * for CalDAV/CardDAV, so "as items arrive" polls every 15 minutes. */
static const struct {
  const char *value;
  gboolean enabled;
  guint minutes;
} schedules[] = {
  { "-1", TRUE, 15 },     /* ActiveSync: as items arrive */
  { "0", FALSE, 15 },     /* manual */
  { "1", TRUE, 15 },      /* Every15Minutes */
  { "2", TRUE, 30 },      /* Every30Minutes */
  { "3", TRUE, 60 },      /* Every60Minutes */
  { "4", TRUE, 120 },     /* Every2Hours */
  { "5", TRUE, 1440 },    /* Daily */
  { "6", TRUE, 15 },      /* AsItemsArrive */
  { "15", TRUE, 15 },
  { "30", TRUE, 30 },
  { "60", TRUE, 60 },
  { "120", TRUE, 120 },
  { "240", TRUE, 240 },
  { "1440", TRUE, 1440 },
};

/* Absent: the ActiveSync default, -1. */
#define DEFAULT_SCHEDULE "-1"

/**
 * email2_parse_sync_schedule:
 * @value: a CONTACTSSYNCSCHEDULE or CALENDARSYNCSCHEDULE value
 * @enabled: (out) (optional): whether to refresh at all
 * @minutes: (out) (optional): minutes between refreshes
 *
 * Reads a schedule: -1 (as items arrive), 0 (manual), Windows'
 * DeviceAccountSyncScheduleKind 1-6, or 15, 30, 60, 120, 240, 1440 minutes.
 *
 * Returns: %FALSE when @value is none of these
 */
gboolean
email2_parse_sync_schedule (const char *value,
                            gboolean   *enabled,
                            guint      *minutes)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schedules); i++)
    if (g_strcmp0 (value, schedules[i].value) == 0)
      {
        if (enabled != NULL)
          *enabled = schedules[i].enabled;
        if (minutes != NULL)
          *minutes = schedules[i].minutes;
        return TRUE;
      }
  return FALSE;
}

/**
 * email2_parse_content_types:
 * @value: a SYNCINGCONTENTTYPES value: decimal or `0x` hexadecimal
 * @types: (out): the bits
 *
 * Returns: %FALSE when @value is not an unsigned 32-bit number
 */
gboolean
email2_parse_content_types (const char *value,
                            guint32    *types)
{
  return email2_parse_uint32 (value, types);
}

/* Parses CONTACTSSERVER / CALENDARSERVER: the host and port of a
 * `host[:port]` value, or the parsed URL of an `http(s)://` one. */
static gboolean
parse_server (const char  *server,
              char       **host,
              guint16     *port,
              GUri       **uri,
              GError     **error)
{
  const char *scheme;

  *host = NULL;
  *port = 0;
  *uri = NULL;
  if (email2_parse_host_port (server, host, port))
    return TRUE;

  *uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL);
  scheme = *uri != NULL ? g_uri_get_scheme (*uri) : NULL;
  if (*uri == NULL || g_uri_get_host (*uri) == NULL || g_uri_get_host (*uri)[0] == '\0' ||
      g_uri_get_userinfo (*uri) != NULL ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_clear_pointer (uri, g_uri_unref);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                   _("The contacts or calendar server is neither a host nor an http(s) URL"));
      return FALSE;
    }
  return TRUE;
}

static char *
build_url (const char *scheme,
           const char *host,
           int         port,
           const char *path)
{
  g_autoptr(GUri) built = g_uri_build (G_URI_FLAGS_NONE, scheme, NULL, host, port,
                                       path != NULL && path[0] != '\0' ? path : "/", NULL, NULL);

  return g_uri_to_string (built);
}

/**
 * email2_dav_server_url:
 * @server: (nullable): CONTACTSSERVER or CALENDARSERVER: `host[:port]` or
 *   an `http(s)://` URL; %NULL when not set
 * @fallback_domain: (nullable): the domain to use when @server is %NULL
 * @error: return location for an error
 *
 * The URL EDS's discovery starts from: always `https`. A host or a host
 * and port gives `https://host[:port]/`; no server at all the e-mail
 * domain (RFC 6764); an `http://` URL becomes `https://` with the same
 * host, port and path (HTTPS first: email2_dav_plain_url() says whether
 * plain HTTP may follow). Query and fragment are dropped.
 *
 * Returns: (transfer full): the URL, or %NULL with @error set
 */
char *
email2_dav_server_url (const char *server,
                       const char *fallback_domain,
                       GError    **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GUri) uri = NULL;
  guint16 port = 0;

  if (server == NULL || server[0] == '\0')
    {
      if (fallback_domain == NULL || fallback_domain[0] == '\0' ||
          !email2_parse_host_port (fallback_domain, NULL, &port) || port != 0)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                       _("No contacts or calendar server is set and the e-mail address has no usable domain"));
          return NULL;
        }
      server = fallback_domain;
    }

  if (!parse_server (server, &host, &port, &uri, error))
    return NULL;
  if (uri == NULL)
    return build_url ("https", host, port != 0 ? port : -1, "/");
  return build_url ("https", g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri));
}

/**
 * email2_dav_plain_url:
 * @server: (nullable): CONTACTSSERVER or CALENDARSERVER
 *
 * The plain-HTTP URL to use when HTTPS cannot be reached and TLS is not
 * required: `http://host[:port]/` for a host, the URL itself for an
 * `http://` URL. None for an `https://` URL (the administrator asked for
 * TLS) nor for no server (plain HTTP is never guessed).
 *
 * Returns: (transfer full) (nullable): the URL, or %NULL when plain HTTP
 *   is never to be used
 */
char *
email2_dav_plain_url (const char *server)
{
  g_autofree char *host = NULL;
  g_autoptr(GUri) uri = NULL;
  guint16 port = 0;

  if (server == NULL || server[0] == '\0' || !parse_server (server, &host, &port, &uri, NULL))
    return NULL;
  if (uri == NULL)
    return build_url ("http", host, port != 0 ? port : -1, "/");
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0)
    return NULL;
  return build_url ("http", g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri));
}

static const char *
address_domain (const Email2Account *account)
{
  const char *address = email2_account_get (account, EMAIL2_NODE_REPLYADDR);
  const char *at = address != NULL ? strrchr (address, '@') : NULL;

  return at != NULL ? at + 1 : NULL;
}

/**
 * email2_dav_plan_new:
 * @account: a complete account
 * @error: return location for an error
 *
 * Works out the account's contacts and calendar services. Both are there
 * (with their URL) only when SYNCINGCONTENTTYPES asks for them: contacts
 * for 0x1, calendars for any of 0x4, 0x8 and 0x10.
 *
 * Returns: (transfer full): the plan, or %NULL with @error set when a
 *   value cannot be used
 */
Email2DavPlan *
email2_dav_plan_new (const Email2Account *account,
                     GError             **error)
{
  g_autoptr(Email2DavPlan) plan = g_new0 (Email2DavPlan, 1);
  const char *name;
  const char *domain;
  guint32 types = 0;

  if (!email2_parse_content_types (email2_account_get (account, EMAIL2_NODE_SYNCINGCONTENTTYPES), &types))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                   _("SYNCINGCONTENTTYPES is not a number"));
      return NULL;
    }
  plan->types = types & EMAIL2_CONTENT_KNOWN;
  plan->ignored = types & ~EMAIL2_CONTENT_KNOWN;

  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    {
      const char *schedule = email2_account_get (account, services[s].nodes.schedule);

      plan->tls_required[s] = g_strcmp0 (email2_account_get (account, services[s].nodes.require_ssl), "1") == 0;
      if (!email2_parse_sync_schedule (schedule != NULL ? schedule : DEFAULT_SCHEDULE,
                                       &plan->refresh[s], &plan->minutes[s]))
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                       _("%s is not a known schedule"), email2_schema_get (services[s].nodes.schedule)->path);
          return NULL;
        }
      if ((plan->types & services[s].types) == 0)
        continue;
      plan->url[s] = email2_dav_server_url (email2_account_get (account, services[s].nodes.server),
                                            address_domain (account), error);
      if (plan->url[s] == NULL)
        return NULL;
      if (email2_account_get (account, services[s].nodes.server) == NULL ||
          email2_account_get (account, services[s].nodes.server)[0] == '\0')
        plan->domain[s] = g_strdup (address_domain (account));
      if (!plan->tls_required[s])
        plan->plain_url[s] = email2_dav_plain_url (email2_account_get (account, services[s].nodes.server));
    }

  name = email2_account_get (account, EMAIL2_NODE_AUTHNAME);
  domain = email2_account_get (account, EMAIL2_NODE_DOMAIN);
  plan->user = domain != NULL && domain[0] != '\0'
    ? g_strdup_printf ("%s\\%s", domain, name != NULL ? name : "")
    : g_strdup (name != NULL ? name : "");

  return g_steal_pointer (&plan);
}

/**
 * email2_dav_plan_copy:
 * @plan: a plan
 *
 * Returns: (transfer full): a copy of @plan
 */
Email2DavPlan *
email2_dav_plan_copy (const Email2DavPlan *plan)
{
  Email2DavPlan *copy = g_memdup2 (plan, sizeof *plan);

  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    {
      copy->url[s] = g_strdup (plan->url[s]);
      copy->plain_url[s] = g_strdup (plan->plain_url[s]);
      copy->domain[s] = g_strdup (plan->domain[s]);
    }
  copy->user = g_strdup (plan->user);
  return copy;
}

/**
 * email2_dav_plan_free:
 * @plan: (nullable): a plan
 */
void
email2_dav_plan_free (Email2DavPlan *plan)
{
  if (plan == NULL)
    return;
  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    {
      g_free (plan->url[s]);
      g_free (plan->plain_url[s]);
      g_free (plan->domain[s]);
    }
  g_free (plan->user);
  g_free (plan);
}

/**
 * email2_dav_plan_get_content_types:
 * @plan: a plan
 *
 * Returns: the bits of SYNCINGCONTENTTYPES that email2 acts on
 */
guint32
email2_dav_plan_get_content_types (const Email2DavPlan *plan)
{
  return plan->types;
}

/**
 * email2_dav_plan_get_ignored_types:
 * @plan: a plan
 *
 * Returns: the bits of SYNCINGCONTENTTYPES that no desktop part handles
 *   (feeds, photos, chat, ...), for a log line
 */
guint32
email2_dav_plan_get_ignored_types (const Email2DavPlan *plan)
{
  return plan->ignored;
}

/**
 * email2_dav_plan_wants:
 * @plan: a plan
 * @type: one content type
 *
 * Returns: whether SYNCINGCONTENTTYPES asks for @type
 */
gboolean
email2_dav_plan_wants (const Email2DavPlan *plan,
                       Email2ContentType    type)
{
  return (plan->types & type) != 0;
}

/**
 * email2_dav_plan_is_empty:
 * @plan: a plan
 *
 * Returns: whether the account has neither contacts nor calendars
 */
gboolean
email2_dav_plan_is_empty (const Email2DavPlan *plan)
{
  return plan->url[EMAIL2_DAV_CARDDAV] == NULL && plan->url[EMAIL2_DAV_CALDAV] == NULL;
}

/**
 * email2_dav_plan_get_url:
 * @plan: a plan
 * @service: a service
 *
 * Returns: (nullable): the URL discovery starts from, or %NULL when the
 *   service is not wanted
 */
const char *
email2_dav_plan_get_url (const Email2DavPlan *plan,
                         Email2DavService     service)
{
  return plan->url[service];
}

/**
 * email2_dav_plan_get_plain_url:
 * @plan: a plan
 * @service: a service
 *
 * Returns: (nullable): the plain-HTTP URL to fall back to when the
 *   service's HTTPS URL cannot be reached, or %NULL when plain HTTP is
 *   not allowed (*REQUIRESSL 1, an https URL, no server set)
 */
const char *
email2_dav_plan_get_plain_url (const Email2DavPlan *plan,
                               Email2DavService     service)
{
  return plan->plain_url[service];
}

/**
 * email2_dav_plan_get_tls_required:
 * @plan: a plan
 * @service: a service
 *
 * Returns: whether the service's *REQUIRESSL is 1
 */
gboolean
email2_dav_plan_get_tls_required (const Email2DavPlan *plan,
                                  Email2DavService     service)
{
  return plan->tls_required[service];
}

/**
 * email2_dav_plan_get_refresh:
 * @plan: a plan
 * @service: a service
 * @minutes: (out) (optional): minutes between refreshes
 *
 * Returns: whether the service's sources refresh by themselves
 */
gboolean
email2_dav_plan_get_refresh (const Email2DavPlan *plan,
                             Email2DavService     service,
                             guint               *minutes)
{
  if (minutes != NULL)
    *minutes = plan->minutes[service];
  return plan->refresh[service];
}

/**
 * email2_dav_plan_get_user:
 * @plan: a plan
 *
 * Returns: the user name for both servers: AUTHNAME, or `DOMAIN\AUTHNAME`
 *   when DOMAIN is set
 */
const char *
email2_dav_plan_get_user (const Email2DavPlan *plan)
{
  return plan->user;
}

/**
 * email2_dav_plan_get_domain:
 * @plan: a plan
 * @service: a service
 *
 * Returns: (nullable): the e-mail domain, when @service is wanted and no
 *   server was named for it (its URL is then the domain's, until
 *   email2_dav_plan_set_found() says what its SRV records name)
 */
const char *
email2_dav_plan_get_domain (const Email2DavPlan *plan,
                            Email2DavService     service)
{
  return plan->domain[service];
}

/**
 * email2_dav_plan_set_found:
 * @plan: a plan
 * @service: a service whose server was not named
 * @url: the URL discovery starts from (https)
 * @plain_url: (nullable): the plain-HTTP URL to fall back to
 *
 * Replaces the domain's URL of @service with what the domain's SRV
 * records name (src/email2-dav-lookup.c).
 */
void
email2_dav_plan_set_found (Email2DavPlan    *plan,
                           Email2DavService  service,
                           const char       *url,
                           const char       *plain_url)
{
  g_return_if_fail (plan->domain[service] != NULL && url != NULL);

  g_free (plan->url[service]);
  plan->url[service] = g_strdup (url);
  g_free (plan->plain_url[service]);
  plan->plain_url[service] = plan->tls_required[service] ? NULL : g_strdup (plain_url);
  plan->unresolved[service] = FALSE;
}

/**
 * email2_dav_plan_set_unresolved:
 * @plan: a plan
 * @service: a service whose server was not named
 *
 * Says that the SRV look-up of @service got no answer (it failed or ran
 * out of time; "no such record" is an answer): its URL is the domain's
 * for want of better.
 */
void
email2_dav_plan_set_unresolved (Email2DavPlan    *plan,
                                Email2DavService  service)
{
  g_return_if_fail (plan->domain[service] != NULL);

  plan->unresolved[service] = TRUE;
}

/**
 * email2_dav_plan_get_unresolved:
 * @plan: a plan
 * @service: a service
 *
 * Returns: whether the SRV look-up of @service got no answer
 */
gboolean
email2_dav_plan_get_unresolved (const Email2DavPlan *plan,
                                Email2DavService     service)
{
  return plan->unresolved[service];
}
