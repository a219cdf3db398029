/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2EvolutionProber: finds the TLS mode, port and SMTP mechanism that
 * actually work for each provisioned account (DESIGN §4, §3.1), after the
 * account is written, without blocking the registry's main loop.
 *
 * Provisioning writes the most secure setting the payload allows and
 * marks the account unprobed ([EMAIL2] Probed=false). This prober then
 * probes INSERVER and OUTSERVER (TLS required when TAGPROPS/8128000B or
 * 812C000B is 1, or when the server's password was carried over from
 * another host: [EMAIL2] PasswordCarriedTo, DESIGN §5.3) and, when both are decided, writes [Security] Method, the
 * port when the payload gave none, the SMTP mechanism when AUTHREQUIRED is
 * 1, and Probed=true. A server that cannot be reached keeps the
 * conservative setting and is probed again when the network changes and at
 * the registry's next start. Everything runs on the registry's main
 * context: the probe is asynchronous.
 *
 * email2_evolution_prober_stop() cancels every probe: a probe that ends
 * after it (cancelled, or finished in the same main-loop turn) writes
 * nothing. The module stops the prober before it lets go of it, since
 * running probes hold a reference to it.
 */

#include "config.h"

#include <string.h>

#include "email2-account-probe-private.h"
#include "email2-evolution-prober.h"
#include "email2-evolution-sources.h"
#include "email2-source-extension.h"
#include "email2-test-hooks.h"

struct _Email2EvolutionProber {
  GObject parent_instance;

  ESourceRegistryServer *server;
  GNetworkMonitor *monitor;
  GCancellable *cancellable;
  GHashTable *running;     /* UIDs of the accounts being probed (a set) */
  gboolean stopped;
};

G_DEFINE_FINAL_TYPE (Email2EvolutionProber, email2_evolution_prober, G_TYPE_OBJECT)

/* One account being probed. */
typedef struct {
  Email2EvolutionProber *self;
  char *uid;
} AccountProbe;

static void
account_probe_free (AccountProbe *probe)
{
  g_hash_table_remove (probe->self->running, probe->uid);
  g_object_unref (probe->self);
  g_free (probe->uid);
  g_free (probe);
}

static const char *
security_method (Email2ProbeSecurity security)
{
  switch (security)
    {
    case EMAIL2_PROBE_SECURITY_TLS: return "ssl-on-alternate-port";
    case EMAIL2_PROBE_SECURITY_STARTTLS: return "starttls-on-standard-port";
    case EMAIL2_PROBE_SECURITY_PLAIN: return "none";
    case EMAIL2_PROBE_SECURITY_NONE:
    default: g_return_val_if_reached (NULL);
    }
}

/* What a probe writes into one source. */
typedef struct {
  const Email2AccountProbe *found;
  Email2NodeId server;               /* INSERVER: the account; OUTSERVER: the transport */
  const char *smtp_auth;
  int probed;                        /* the account's Probed=, or -1 */
} ProbeEdit;

static void
edit_probed (ESource  *source,
             gpointer  user_data)
{
  const ProbeEdit *edit = user_data;
  const Email2ProbeResult *result = email2_account_probe_get_result (edit->found, edit->server);
  ESourceAuthentication *auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  guint16 given_port = 0;

  if (result != NULL)
    {
      email2_parse_host_port (email2_account_probe_get_server (edit->found, edit->server), NULL, &given_port);
      e_source_security_set_method (e_source_get_extension (source, E_SOURCE_EXTENSION_SECURITY),
                                    security_method (result->security));
      if (given_port == 0)
        e_source_authentication_set_port (auth, result->port);
      if (edit->smtp_auth != NULL)
        e_source_authentication_set_method (auth, edit->smtp_auth);
    }
  if (edit->probed >= 0)
    email2_source_extension_set_probed (e_source_get_extension (source, EMAIL2_SOURCE_EXTENSION_NAME),
                                        edit->probed);
}

/* Writes what @found says into the account's sources, unless the account
 * was edited while it was probed (the next round probes the new values). */
static void
write_probed (Email2EvolutionProber    *self,
              const char               *uid,
              const Email2AccountProbe *found)
{
  g_autofree char *transport_uid = g_strconcat (uid, "-transport", NULL);
  g_autoptr(ESource) account = e_source_registry_server_ref_source (self->server, uid);
  g_autoptr(ESource) transport = e_source_registry_server_ref_source (self->server, transport_uid);
  g_autoptr(Email2Account) now = NULL;
  g_autoptr(ESource) written = NULL;
  g_autoptr(GError) error = NULL;

  if (account == NULL || transport == NULL ||
      !e_source_has_extension (account, EMAIL2_SOURCE_EXTENSION_NAME))
    return;
  now = email2_source_extension_to_account (e_source_get_extension (account, EMAIL2_SOURCE_EXTENSION_NAME));
  if (now == NULL || !email2_account_probe_matches (found, now))
    return;

  {
    ProbeEdit transport_edit = {
      found, EMAIL2_NODE_OUTSERVER, email2_account_probe_get_smtp_mechanism (found, now), -1,
    };
    ProbeEdit account_edit = { found, EMAIL2_NODE_INSERVER, NULL, email2_account_probe_is_decided (found) };

    /* Each file replaced whole, as every source email2 writes. */
    written = email2_evolution_source_edit (self->server, transport_uid, edit_probed, &transport_edit, &error);
    if (written != NULL)
      {
        g_clear_object (&written);
        written = email2_evolution_source_edit (self->server, uid, edit_probed, &account_edit, &error);
      }
  }

  if (written == NULL)
    g_warning ("email2: the probed settings of %s could not be written: %s", uid, error->message);
  else
    email2_account_probe_log (found, now);
}

static void
probe_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AccountProbe *probe = user_data;
  g_autoptr(Email2AccountProbe) found = email2_account_probe_finish (result, NULL);

  if (found != NULL && !probe->self->stopped)
    write_probed (probe->self, probe->uid, found);
  account_probe_free (probe);
}

static void
probe_account (Email2EvolutionProber *self,
               ESource               *source)
{
  Email2SourceExtension *extension = e_source_get_extension (source, EMAIL2_SOURCE_EXTENSION_NAME);
  g_autoptr(Email2Account) account = email2_source_extension_to_account (extension);
  const char *uid = e_source_get_uid (source);
  AccountProbe *probe;

  if (account == NULL || g_hash_table_contains (self->running, uid))
    return;

  probe = g_new0 (AccountProbe, 1);
  probe->self = g_object_ref (self);
  probe->uid = g_strdup (uid);
  g_hash_table_add (self->running, g_strdup (uid));
  /* The tests' CA; an enterprise adds its CA to the system store. */
  email2_account_probe_async (account, email2_test_hook (EMAIL2_TEST_HOOK_PROBE_CA_FILE),
                              self->cancellable, probe_done, probe);
}

/**
 * email2_evolution_prober_probe_pending:
 * @self: the prober
 *
 * Probes every provisioned account whose servers are not decided yet:
 * those just provisioned or edited, and those that could not be reached.
 * Call it on the registry's main context.
 */
void
email2_evolution_prober_probe_pending (Email2EvolutionProber *self)
{
  GList *sources;

  if (self->stopped)
    return;

  sources = e_source_registry_server_list_sources (self->server, EMAIL2_SOURCE_EXTENSION_NAME);

  for (GList *l = sources; l != NULL; l = l->next)
    if (!email2_source_extension_get_probed (e_source_get_extension (l->data, EMAIL2_SOURCE_EXTENSION_NAME)))
      probe_account (self, l->data);

  g_list_free_full (sources, g_object_unref);
}

static void
on_network_changed (GNetworkMonitor       *monitor,
                    gboolean               available,
                    Email2EvolutionProber *self)
{
  if (available)
    email2_evolution_prober_probe_pending (self);
}

/**
 * email2_evolution_prober_stop:
 * @self: the prober
 *
 * Cancels every probe and starts no more: from now on the prober writes
 * nothing. Call it on the registry's main context.
 */
void
email2_evolution_prober_stop (Email2EvolutionProber *self)
{
  g_return_if_fail (EMAIL2_IS_EVOLUTION_PROBER (self));

  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
}

static void
email2_evolution_prober_dispose (GObject *object)
{
  Email2EvolutionProber *self = EMAIL2_EVOLUTION_PROBER (object);

  email2_evolution_prober_stop (self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (email2_evolution_prober_parent_class)->dispose (object);
}

static void
email2_evolution_prober_finalize (GObject *object)
{
  Email2EvolutionProber *self = EMAIL2_EVOLUTION_PROBER (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->running, g_hash_table_unref);

  G_OBJECT_CLASS (email2_evolution_prober_parent_class)->finalize (object);
}

static void
email2_evolution_prober_class_init (Email2EvolutionProberClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = email2_evolution_prober_dispose;
  G_OBJECT_CLASS (klass)->finalize = email2_evolution_prober_finalize;
}

static void
email2_evolution_prober_init (Email2EvolutionProber *self)
{
  self->cancellable = g_cancellable_new ();
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * email2_evolution_prober_new:
 * @server: the registry
 *
 * Returns: (transfer full): a prober that also probes again whenever the
 *   network changes
 */
Email2EvolutionProber *
email2_evolution_prober_new (ESourceRegistryServer *server)
{
  Email2EvolutionProber *self = g_object_new (EMAIL2_TYPE_EVOLUTION_PROBER, NULL);

  self->server = g_object_ref (server);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);

  return self;
}
