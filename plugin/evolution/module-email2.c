/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * module-email2: email2's evolution-source-registry module. It only wires
 * the engine to EDS: it registers the [EMAIL2] source extension and, once
 * the registry has its bus and its sources, makes
 *   the host      Email2Transaction (journal, email2's keyring items) over
 *                 Email2EvolutionStore (sources, EDS's keyring items),
 *                 behind Email2DesktopHost (the accounts' launchers),
 *   the session   the engine on that host,
 *   the service   io.github.email2.Provisioning1 on the registry's
 *                 connection, one worker thread for every call and job,
 *   the spool     the rollout inboxes, run in the same worker,
 *   the prober    the accounts' servers, on the main context,
 *   the reporter  tells the user what changed or failed, and records who
 *                 changed each account and how it went (the notifier and
 *                 the ledger).
 *
 * Stopping (SIGTERM, or the registry letting the module go) is ordered:
 * the spool and the prober stop; the service answers queued calls with an
 * error and gives the call in progress STOP_TIMEOUT_MS to finish its
 * transaction while the main context keeps running; a worker still
 * waiting for the main context is then let go (its transaction fails and
 * is undone from the journal at the next start); the collections' HTTPS
 * checks are cancelled; the worker is joined.
 */

#include "config.h"

#include <signal.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <libebackend/libebackend.h>

#include "email2.h"
#include "email2-dav-source-extension.h"
#include "email2-evolution-check.h"
#include "email2-evolution-prober.h"
#include "email2-evolution-sources.h"
#include "email2-evolution-store.h"
#include "email2-main-caller-private.h"
#include "email2-reporter-private.h"
#include "email2-source-extension.h"
#include "email2-test-hooks.h"

/* Seconds after start before unprobed accounts are probed. */
#define PROBE_AT_START_DELAY 5
/* How long a stopping module waits for the transaction in progress. */
#define STOP_TIMEOUT_MS 3000

typedef struct _Email2Module Email2Module;
typedef struct _Email2ModuleClass Email2ModuleClass;

struct _Email2Module {
  EExtension parent_instance;

  GDBusConnection *connection;
  Email2MainCaller *main_caller;
  Email2EvolutionStore *store;  /* the registry's sources */
  Email2Transaction *host;      /* over the store */
  Email2DesktopHost *desktop;   /* the host with launchers; the engine's */
  Email2Session *session;
  Email2Service *service;
  Email2Spool *spool;
  Email2EvolutionProber *prober;
  Email2Reporter *reporter;    /* the notifier and the ledger */
  ESourceRegistryServer *server;
  guint sigterm_id;
  gboolean stopped;
};

struct _Email2ModuleClass {
  EExtensionClass parent_class;
};

GType email2_module_get_type (void);

G_DEFINE_DYNAMIC_TYPE (Email2Module, email2_module, E_TYPE_EXTENSION)

G_MODULE_EXPORT void e_module_load (GTypeModule *type_module);
G_MODULE_EXPORT void e_module_unload (GTypeModule *type_module);

/* A transaction over @store. On the main context. */
static Email2Transaction *
new_host (Email2EvolutionStore *store)
{
  g_autoptr(Email2Journal) journal = email2_journal_new_default ();
  Email2Transaction *host = email2_transaction_new (EMAIL2_ACCOUNT_STORE (store), journal);
  const char *crash_after = email2_test_hook (EMAIL2_TEST_HOOK_CRASH_AFTER_STEP);

  if (crash_after != NULL)
    email2_transaction_set_crash_after (host, (guint) g_ascii_strtoull (crash_after, NULL, 10));
  return host;
}

/* In the worker, before any call: end what the last run left open. */
static void
recover (gpointer data)
{
  Email2Module *self = data;
  g_autoptr(GError) error = NULL;

  if (!email2_transaction_recover (self->host, &error))
    g_warning ("An interrupted transaction could not be ended: %s", error->message);
  g_clear_error (&error);

  /* The launchers show what the accounts are now (DESIGN §3.3). */
  if (!email2_desktop_host_reconcile (self->desktop, &error))
    g_warning ("The accounts' launchers could not all be written: %s", error->message);
}

typedef struct {
  ESourceRegistryServer *server;
  const char *guid;
  GVariantBuilder *builder;
} DescribeCall;

static gboolean
describe_on_main (gpointer data)
{
  DescribeCall *call = data;

  email2_evolution_sources_describe (call->server, call->guid, call->builder);
  return G_SOURCE_REMOVE;
}

/* ListAccounts: an account's servers and the security the probe chose,
 * from its sources, on the main context (its record follows: the
 * reporter's). In the worker. */
static gboolean
on_describe_account (Email2Service   *service,
                     const char      *guid,
                     GVariantBuilder *builder,
                     Email2Module    *self)
{
  DescribeCall describe = { self->server, guid, builder };

  /* The registry is stopping: nothing more is described. */
  return !email2_main_caller_run (self->main_caller, describe_on_main, &describe);
}

/* email2ctl check, in the worker (email2-evolution-check.c). */
static gboolean
on_check (Email2Service   *service,
          gboolean         repair,
          GVariantBuilder *findings,
          Email2Module    *self)
{
  g_autoptr(GPtrArray) found = email2_evolution_check (self->host, self->server, self->main_caller, repair);

  email2_check_findings_add (found, findings);
  return FALSE;
}

/* Evolution opens an IMAP account's Inbox by its store UID (the account
 * source's, email2-<guid>); a POP account has no folders of its own:
 * its mail is delivered to the local Inbox. */
static char *
inbox_uri (const Email2Account *account,
           gpointer             user_data)
{
  g_autofree char *uid = email2_evolution_source_uid (email2_account_get_guid (account),
                                                      EMAIL2_SOURCE_ACCOUNT);

  if (g_strcmp0 (email2_account_get (account, EMAIL2_NODE_SERVICETYPE), "POP3") == 0)
    return g_strdup ("folder://local/Inbox");
  return g_strconcat ("folder://", uid, "/INBOX", NULL);
}

static void
probe_pending (Email2Module *self)
{
  if (self->prober != NULL)
    email2_evolution_prober_probe_pending (self->prober);
}

/* Once the registry has settled: accounts that email2 0.1.0 wrote are
 * written in the current format, and servers not decided yet probed. */
static gboolean
probe_pending_later (gpointer data)
{
  Email2Module *self = data;

  if (!self->stopped)
    email2_source_extension_upgrade (self->server);
  probe_pending (self);
  return G_SOURCE_REMOVE;
}

static void
email2_module_stop (Email2Module *self)
{
  if (self->stopped || self->service == NULL)
    return;
  self->stopped = TRUE;
  g_debug ("The module stops");

  email2_spool_stop (self->spool);
  email2_evolution_prober_stop (self->prober);
  if (!email2_service_drain (self->service, STOP_TIMEOUT_MS))
    g_message ("The call in progress did not end in %u ms; its transaction is undone at the next start",
               STOP_TIMEOUT_MS);
  /* The call in progress has ended or been let go: nothing writes a
   * source on its own from now on (the collections' HTTPS checks). */
  email2_evolution_store_stop (self->store);
  email2_main_caller_stop (self->main_caller);
  email2_service_stop (self->service);
}

/* EDS 3.46's registry ends at SIGTERM's default action, in the middle of
 * whatever the worker does; the module stops in order first, then asks
 * the registry to quit. */
static gboolean
on_sigterm (gpointer data)
{
  Email2Module *self = data;
  EExtensible *extensible = e_extension_get_extensible (E_EXTENSION (self));

  self->sigterm_id = 0;
  email2_module_stop (self);
  if (extensible != NULL)
    e_dbus_server_quit (E_DBUS_SERVER (extensible), E_DBUS_SERVER_EXIT_NORMAL);
  return G_SOURCE_REMOVE;
}

static void
on_bus_acquired (EDBusServer     *server,
                 GDBusConnection *connection,
                 Email2Module    *self)
{
  g_set_object (&self->connection, connection);
}

/* The sources are loaded: end what the last run left open, then serve. */
static void
on_files_loaded (ESourceRegistryServer *server,
                 Email2Module          *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *applications = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *ledger = NULL;
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  const char *system_inbox = email2_test_hook (EMAIL2_TEST_HOOK_SYSTEM_INBOX);

  if (self->service != NULL || self->connection == NULL)
    return;

  /* The provider settings groups ([Imapx Backend], [Pop Backend]). */
  e_source_camel_register_types ();

  self->main_caller = email2_main_caller_new (context);
  self->store = email2_evolution_store_new (server, self->main_caller);
  self->host = new_host (self->store);
  applications = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  self->desktop = email2_desktop_host_new (EMAIL2_HOST (self->host), applications, inbox_uri, NULL);
  self->session = email2_session_new (EMAIL2_HOST (self->desktop));
  self->prober = email2_evolution_prober_new (server);
  self->server = g_object_ref (server);
  self->service = email2_service_new (self->session);
  ledger = g_build_filename (g_get_user_state_dir (), "email2", "accounts.ini", NULL);
  self->reporter = email2_reporter_new (self->service, self->desktop, self->connection, ledger);
  g_signal_connect (self->service, "describe-account", G_CALLBACK (on_describe_account), self);
  g_signal_connect (self->service, "check", G_CALLBACK (on_check), self);
  /* Accounts just written are probed on the main context. */
  g_signal_connect_swapped (self->service, "applied", G_CALLBACK (probe_pending), self);

  /* First in the queue, so that no call sees a half-done transaction. */
  email2_service_queue (self->service, "Recover", recover, g_object_ref (self), g_object_unref);

  /* Accounts whose servers could not be reached last time, once the
   * registry has settled: probing at once slowed its start by a sixth
   * with 50 such accounts (bench/apply.sh). And again whenever the
   * network changes. */
  g_timeout_add_seconds_full (G_PRIORITY_LOW, PROBE_AT_START_DELAY, probe_pending_later,
                              g_object_ref (self), g_object_unref);

  if (!email2_service_export (self->service, self->connection, EMAIL2_DBUS_OBJECT_PATH, &error))
    g_warning ("Cannot export %s: %s", EMAIL2_DBUS_OBJECT_PATH, error->message);

  /* The spool's scans are queued after the recovery. */
  state_dir = g_build_filename (g_get_user_config_dir (), "email2", NULL);
  self->spool = email2_spool_new (self->service, state_dir,
                                  system_inbox != NULL ? system_inbox : EMAIL2_SPOOL_SYSTEM_INBOX);
  email2_spool_start (self->spool);

  self->sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm, self);
}

static void
email2_module_constructed (GObject *object)
{
  EExtensible *extensible;

  G_OBJECT_CLASS (email2_module_parent_class)->constructed (object);

  extensible = e_extension_get_extensible (E_EXTENSION (object));
  /* The registry acquires its bus, then loads its sources: serve only
   * once they are there, or Get and List would answer from nothing. */
  g_signal_connect_object (extensible, "bus-acquired", G_CALLBACK (on_bus_acquired), object, 0);
  g_signal_connect_object (extensible, "files-loaded", G_CALLBACK (on_files_loaded), object, 0);
}

static void
email2_module_dispose (GObject *object)
{
  Email2Module *self = (Email2Module *) object;

  email2_module_stop (self);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_object (&self->spool);
  g_clear_object (&self->reporter);
  g_clear_object (&self->service);
  g_clear_object (&self->session);
  g_clear_object (&self->prober);
  g_clear_object (&self->server);
  g_clear_object (&self->desktop);
  g_clear_object (&self->host);
  g_clear_object (&self->store);
  g_clear_object (&self->main_caller);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (email2_module_parent_class)->dispose (object);
}

static void
email2_module_class_init (Email2ModuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = email2_module_constructed;
  object_class->dispose = email2_module_dispose;

  E_EXTENSION_CLASS (klass)->extensible_type = E_TYPE_SOURCE_REGISTRY_SERVER;
}

static void
email2_module_class_finalize (Email2ModuleClass *klass)
{
}

static void
email2_module_init (Email2Module *self)
{
}

G_MODULE_EXPORT void
e_module_load (GTypeModule *type_module)
{
  const char *localedir = email2_test_hook (EMAIL2_TEST_HOOK_LOCALEDIR);

  /* The engine's and the module's messages (the reasons in answers, the
   * notifications, the launchers) in the user's language, from the
   * installed catalogs. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  email2_source_extension_type_register (type_module);
  email2_dav_source_extension_type_register (type_module);
  email2_module_register_type (type_module);
}

G_MODULE_EXPORT void
e_module_unload (GTypeModule *type_module)
{
}
