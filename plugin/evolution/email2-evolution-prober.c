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

#include "email2-evolution-prober.h"
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

/* One account: its two probes, and what they found. */
typedef struct {
  Email2EvolutionProber *self;
  char *uid;
  char *in_server;         /* the values probed, to notice a later edit */
  char *out_server;
  gboolean in_tls;         /* and whether TLS was required */
  gboolean out_tls;
  Email2ProbeResult *in;
  Email2ProbeResult *out;
  guint waiting;
} AccountProbe;

/* One server of an account: where its result goes. */
typedef struct {
  AccountProbe *account;
  Email2ProbeResult **result;
} ServerProbe;

static void
account_probe_free (AccountProbe *probe)
{
  g_hash_table_remove (probe->self->running, probe->uid);
  g_object_unref (probe->self);
  g_free (probe->uid);
  g_free (probe->in_server);
  g_free (probe->out_server);
  g_clear_pointer (&probe->in, email2_probe_result_unref);
  g_clear_pointer (&probe->out, email2_probe_result_unref);
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

/* The strongest mechanism Evolution can use that the server offers. */
static const char *
smtp_mechanism (const Email2ProbeResult *result)
{
  static const char * const preferred[] = { "CRAM-MD5", "PLAIN", "LOGIN", NULL };

  for (guint i = 0; preferred[i] != NULL; i++)
    for (guint k = 0; result->auth_mechanisms != NULL && result->auth_mechanisms[k] != NULL; k++)
      if (g_ascii_strcasecmp (result->auth_mechanisms[k], preferred[i]) == 0)
        return preferred[i];

  return "PLAIN";
}

static void
apply_result (ESource                 *source,
              const Email2ProbeResult *result,
              const char              *server,
              const char              *smtp_auth)
{
  ESourceAuthentication *auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  guint16 given_port = 0;

  email2_parse_host_port (server, NULL, &given_port);
  e_source_security_set_method (e_source_get_extension (source, E_SOURCE_EXTENSION_SECURITY),
                                security_method (result->security));
  if (given_port == 0)
    e_source_authentication_set_port (auth, result->port);
  if (smtp_auth != NULL)
    e_source_authentication_set_method (auth, smtp_auth);
}

static void
account_probe_finish (AccountProbe *probe)
{
  Email2EvolutionProber *self = probe->self;
  g_autofree char *transport_uid = g_strconcat (probe->uid, "-transport", NULL);
  g_autoptr(ESource) account = e_source_registry_server_ref_source (self->server, probe->uid);
  g_autoptr(ESource) transport = e_source_registry_server_ref_source (self->server, transport_uid);
  g_autoptr(Email2Account) now = NULL;
  g_autoptr(GError) error = NULL;
  gboolean decided;
  gboolean carried;

  if (account == NULL || transport == NULL ||
      !e_source_has_extension (account, EMAIL2_SOURCE_EXTENSION_NAME))
    return;

  /* Edited while probing: the next round probes the new values (a
   * password carried over since makes TLS required). */
  now = email2_source_extension_to_account (e_source_get_extension (account, EMAIL2_SOURCE_EXTENSION_NAME));
  if (now == NULL ||
      g_strcmp0 (email2_account_get (now, EMAIL2_NODE_INSERVER), probe->in_server) != 0 ||
      g_strcmp0 (email2_account_get (now, EMAIL2_NODE_OUTSERVER), probe->out_server) != 0 ||
      email2_account_requires_tls (now, EMAIL2_NODE_INSERVER) != probe->in_tls ||
      email2_account_requires_tls (now, EMAIL2_NODE_OUTSERVER) != probe->out_tls)
    return;

  if (probe->in != NULL && probe->in->security != EMAIL2_PROBE_SECURITY_NONE)
    apply_result (account, probe->in, probe->in_server, NULL);
  if (probe->out != NULL && probe->out->security != EMAIL2_PROBE_SECURITY_NONE)
    apply_result (transport, probe->out, probe->out_server,
                  g_strcmp0 (email2_account_get (now, EMAIL2_NODE_AUTHREQUIRED), "1") == 0
                  ? smtp_mechanism (probe->out) : NULL);

  carried = email2_account_password_carried (now, EMAIL2_NODE_INSERVER) ||
            email2_account_password_carried (now, EMAIL2_NODE_OUTSERVER);
  decided = probe->in != NULL && probe->in->security != EMAIL2_PROBE_SECURITY_NONE &&
            probe->out != NULL && probe->out->security != EMAIL2_PROBE_SECURITY_NONE;
  email2_source_extension_set_probed (e_source_get_extension (account, EMAIL2_SOURCE_EXTENSION_NAME),
                                      decided);

  if (!e_source_write_sync (transport, NULL, &error) || !e_source_write_sync (account, NULL, &error))
    g_warning ("email2: the probed settings of %s could not be written: %s", probe->uid, error->message);
  else
    {
      const char *in = probe->in ? email2_probe_security_to_string (probe->in->security) : NULL;
      const char *out = probe->out ? email2_probe_security_to_string (probe->out->security) : NULL;

      /* A decision, or the lack of one, with the servers: never a secret. */
      email2_log_event (decided ? EMAIL2_EVENT_PROBED : EMAIL2_EVENT_PROBE_FAILED,
                        EMAIL2_ORIGIN_NONE, NULL, email2_account_get_guid (now), 0,
                        "Account %s probed: incoming %s %s, outgoing %s %s%s",
                        email2_account_get_guid (now), probe->in_server, in ? in : "none",
                        probe->out_server, out ? out : "none",
                        decided ? ""
                        : !carried ? "; no acceptable mode for every server, probed again when "
                                     "the network changes"
                        : "; no acceptable mode for every server, probed again when the network "
                          "changes (TLS is required where the password was kept while the server "
                          "moved: send the password again with the server to allow plain)");
    }
}

static void
probe_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ServerProbe *server = user_data;
  AccountProbe *probe = server->account;
  g_autoptr(GError) error = NULL;

  *server->result = email2_probe_run_finish (EMAIL2_PROBE (object), result, &error);
  g_free (server);

  if (--probe->waiting > 0)
    return;

  if (!probe->self->stopped && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    account_probe_finish (probe);
  account_probe_free (probe);
}

static void
start_probe (AccountProbe         *probe,
             Email2ProbeProtocol   protocol,
             const char           *server,
             gboolean              require_tls,
             Email2ProbeResult   **result)
{
  g_autofree char *host = NULL;
  guint16 port = 0;
  g_autoptr(Email2Probe) prober = NULL;
  g_autoptr(GError) error = NULL;
  const char *ca_file = email2_test_hook (EMAIL2_TEST_HOOK_PROBE_CA_FILE);
  ServerProbe *server_probe;

  if (!email2_parse_host_port (server, &host, &port))
    return;

  prober = email2_probe_new (protocol, host, port, require_tls);
  /* The tests' CA; an enterprise adds its CA to the system store. */
  if (ca_file != NULL && !email2_probe_set_ca_file (prober, ca_file, &error))
    g_debug ("the test CA file %s cannot be read: %s", ca_file, error->message);

  server_probe = g_new0 (ServerProbe, 1);
  server_probe->account = probe;
  server_probe->result = result;
  probe->waiting++;
  email2_probe_run_async (prober, probe->self->cancellable, probe_done, server_probe);
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
  probe->in_server = g_strdup (email2_account_get (account, EMAIL2_NODE_INSERVER));
  probe->out_server = g_strdup (email2_account_get (account, EMAIL2_NODE_OUTSERVER));
  probe->in_tls = email2_account_requires_tls (account, EMAIL2_NODE_INSERVER);
  probe->out_tls = email2_account_requires_tls (account, EMAIL2_NODE_OUTSERVER);
  g_hash_table_add (self->running, g_strdup (uid));

  start_probe (probe,
               g_strcmp0 (email2_account_get (account, EMAIL2_NODE_SERVICETYPE), "POP3") == 0
               ? EMAIL2_PROBE_PROTOCOL_POP3 : EMAIL2_PROBE_PROTOCOL_IMAP,
               probe->in_server, probe->in_tls, &probe->in);
  start_probe (probe, EMAIL2_PROBE_PROTOCOL_SMTP, probe->out_server, probe->out_tls, &probe->out);

  if (probe->waiting == 0)
    account_probe_free (probe);
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
