/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * RFC 6764 §3 for an account that names no contacts or calendar server:
 * the SRV records of its e-mail domain, `_carddavs._tcp` and
 * `_caldavs._tcp`, through GIO's default GResolver, before EDS's discovery
 * falls back to /.well-known on the domain itself. DESIGN §3.7 gives the
 * rules:
 *
 * - a TLS record gives `https://target:port/`, and nothing plain;
 * - the plain `_carddav._tcp` / `_caldav._tcp` is asked only when TLS is
 *   not required and the TLS name answered "no such record" (a lookup
 *   that failed or timed out is no reason to go plain: blocking one DNS
 *   answer must not downgrade); it gives `https://target/` first and
 *   `http://target:port/` only as the plain-HTTP fallback, which the
 *   registry takes only when HTTPS cannot be reached;
 * - a target of "." (RFC 2782: no such service), a target that is not a
 *   host name, or port 0 is no answer;
 * - every lookup has one deadline; when it passes, or nothing usable
 *   answered, the domain's URL stays; a look-up that got no answer (it
 *   failed or timed out) is marked unresolved, so that an existing
 *   collection keeps the URL email2 wrote last
 *   (email2-evolution-collection.c).
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "email2-dav-plan.h"
#include "email2-schema.h"

typedef struct {
  Email2DavPlan *plan;
  GCancellable *cancellable;
  guint pending;
} Lookup;

typedef struct {
  Lookup *lookup;
  Email2DavService service;
  gboolean tls;
} Query;

/* The SRV service names, TLS and plain, in Email2DavService order. */
static const char * const names[EMAIL2_DAV_N_SERVICES][2] = {
  [EMAIL2_DAV_CARDDAV] = { "carddav", "carddavs" },
  [EMAIL2_DAV_CALDAV] = { "caldav", "caldavs" },
};

static void start_query (Lookup           *lookup,
                         Email2DavService  service,
                         gboolean          tls);

/* The host of @target when it names one; %NULL for ".", port 0, or
 * anything that is not a host name. */
static char *
target_host (GSrvTarget *target)
{
  const char *name = g_srv_target_get_hostname (target);
  g_autofree char *host = NULL;
  guint16 port = 0;

  if (name == NULL || g_srv_target_get_port (target) == 0)
    return NULL;
  host = g_strdup (name);
  if (g_str_has_suffix (host, "."))
    host[strlen (host) - 1] = '\0';
  if (host[0] == '\0' || !email2_parse_host_port (host, NULL, &port) || port != 0 ||
      strchr (host, ':') != NULL)
    return NULL;
  return g_steal_pointer (&host);
}

/* `scheme://host[:port]/`, without the scheme's own port. */
static char *
target_url (const char *scheme,
            const char *host,
            int         port)
{
  gboolean usual = (port == 443 && g_str_equal (scheme, "https")) || (port == 80 && g_str_equal (scheme, "http"));
  g_autoptr(GUri) uri = g_uri_build (G_URI_FLAGS_NONE, scheme, NULL, host, usual ? -1 : port, "/", NULL, NULL);

  return g_uri_to_string (uri);
}

static void
query_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Query *query = user_data;
  Lookup *lookup = query->lookup;
  Email2DavPlan *plan = lookup->plan;
  const char *domain = email2_dav_plan_get_domain (plan, query->service);
  const char *name = names[query->service][query->tls];
  g_autoptr(GError) error = NULL;
  GList *targets = g_resolver_lookup_service_finish (G_RESOLVER (object), result, &error);
  g_autofree char *host = NULL;
  guint16 port = 0;

  /* The first usable target in the order of preference. */
  targets = g_srv_target_list_sort (targets);
  for (GList *l = targets; l != NULL && host == NULL; l = l->next)
    {
      host = target_host (l->data);
      port = g_srv_target_get_port (l->data);
    }
  g_resolver_free_targets (targets);

  if (host != NULL && query->tls)
    {
      g_autofree char *url = target_url ("https", host, port);

      g_debug ("_%s._tcp.%s: %s", name, domain, url);
      email2_dav_plan_set_found (plan, query->service, url, NULL);
    }
  else if (host != NULL)
    {
      g_autofree char *url = target_url ("https", host, -1);
      g_autofree char *plain_url = target_url ("http", host, port);

      g_debug ("_%s._tcp.%s: %s, HTTPS first at %s", name, domain, plain_url, url);
      email2_dav_plan_set_found (plan, query->service, url, plain_url);
    }
  else if (query->tls && !email2_dav_plan_get_tls_required (plan, query->service) &&
           g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    start_query (lookup, query->service, FALSE);
  else
    {
      g_debug ("_%s._tcp.%s: %s; discovery starts at the domain", name, domain,
               error != NULL ? error->message : "no usable target");
      /* No answer at all, rather than "no such record". */
      if (error != NULL && !g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
        email2_dav_plan_set_unresolved (plan, query->service);
    }

  lookup->pending--;
  g_free (query);
}

static void
start_query (Lookup           *lookup,
             Email2DavService  service,
             gboolean          tls)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  Query *query = g_new0 (Query, 1);

  query->lookup = lookup;
  query->service = service;
  query->tls = tls;
  lookup->pending++;
  g_resolver_lookup_service_async (resolver, names[service][tls], "tcp",
                                   email2_dav_plan_get_domain (lookup->plan, service),
                                   lookup->cancellable, query_done_cb, query);
}

static gboolean
deadline_cb (gpointer data)
{
  Lookup *lookup = data;

  g_debug ("SRV lookups: the deadline passed");
  g_cancellable_cancel (lookup->cancellable);
  return G_SOURCE_REMOVE;
}

/**
 * email2_dav_plan_look_up:
 * @plan: a plan
 * @timeout_ms: the deadline of all the lookups together
 *
 * For each service of @plan that names no server, looks up the SRV
 * records of the e-mail domain and, when they name a server, makes it the
 * service's URL. Blocks the calling thread, never for more than
 * @timeout_ms: call it from a worker, never from the registry's main
 * thread. The resolver is GIO's default one.
 */
void
email2_dav_plan_look_up (Email2DavPlan *plan,
                         guint          timeout_ms)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) deadline = g_timeout_source_new (timeout_ms);
  Lookup lookup = { plan, cancellable, 0 };

  g_main_context_push_thread_default (context);
  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    if (email2_dav_plan_get_domain (plan, s) != NULL)
      start_query (&lookup, s, TRUE);
  if (lookup.pending > 0)
    {
      g_source_set_callback (deadline, deadline_cb, &lookup, NULL);
      g_source_set_static_name (deadline, "[email2] SRV lookup deadline");
      g_source_attach (deadline, context);
      while (lookup.pending > 0)
        g_main_context_iteration (context, TRUE);
      g_source_destroy (deadline);
    }
  g_main_context_pop_thread_default (context);
}
