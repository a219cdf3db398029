/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * module-email2: email2's evolution-source-registry module. It is thin: it
 * registers the [EMAIL2] source extension, and once the registry has its
 * bus, exports io.github.email2.Provisioning1 on the registry's connection
 * and serves it with the engine on an Email2EvolutionHost. Every call runs
 * in one worker thread, one after the other, so that the registry's main
 * loop never waits for the keyring and two clients never interleave. Once
 * the registry has loaded its files, the rollout spool (email2-spool.c)
 * applies payload files in the same worker.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libebackend/libebackend.h>

#include "email2.h"
#include "email2-dbus-generated.h"
#include "email2-evolution-check.h"
#include "email2-evolution-host.h"
#include "email2-evolution-prober.h"
#include "email2-evolution-sources.h"
#include "email2-ledger.h"
#include "email2-notifier.h"
#include "email2-source-extension.h"
#include "email2-spool.h"
#include "email2-test-hooks.h"

/* Seconds after start before unprobed accounts are probed. */
#define PROBE_AT_START_DELAY 5

typedef struct _Email2Module Email2Module;
typedef struct _Email2ModuleClass Email2ModuleClass;

struct _Email2Module {
  EExtension parent_instance;

  GDBusConnection *connection;
  GMainContext *main_context;
  Email2MainCaller *main_caller;
  Email2DbusProvisioning1 *skeleton;
  Email2EvolutionHost *host;
  Email2DesktopHost *desktop;   /* the host with launchers; the engine's */
  Email2Notifier *notifier;
  Email2Ledger *ledger;
  ESourceRegistryServer *server;
  char *origin;                 /* what sent the payload being applied */
  Email2EvolutionProber *prober;
  Email2Session *session;
  GThreadPool *worker;
  Email2Spool *spool;
};

struct _Email2ModuleClass {
  EExtensionClass parent_class;
};

GType email2_module_get_type (void);

G_DEFINE_DYNAMIC_TYPE (Email2Module, email2_module, E_TYPE_EXTENSION)

G_MODULE_EXPORT void e_module_load (GTypeModule *type_module);
G_MODULE_EXPORT void e_module_unload (GTypeModule *type_module);

typedef enum {
  CALL_RECOVER,
  CALL_APPLY,
  CALL_GET,
  CALL_LIST,
  CALL_LIST_ACCOUNTS,
  CALL_DELETE,
  CALL_SPOOL,
  CALL_CHECK,
} CallKind;

typedef struct {
  CallKind kind;
  GDBusMethodInvocation *invocation;
  GVariant *payload;   /* Apply */
  char *argument;      /* Get: the URI; Delete: the GUID; Check: "repair" or NULL */
  Email2SpoolJob *job; /* Spool */
} Call;

static void recover (Email2Module *self);

static void
call_free (Call *call)
{
  g_clear_object (&call->invocation);
  g_clear_pointer (&call->payload, g_variant_unref);
  g_free (call->argument);
  g_clear_pointer (&call->job, email2_spool_job_free);
  g_free (call);
}

/* Runs one Get or Delete command through the engine. */
static Email2Status *
run_single (Email2Module      *self,
            Email2CommandKind  kind,
            const char        *name,
            const char        *uri)
{
  g_autoptr(Email2Command) command = email2_command_new (kind, name);
  g_autoptr(GPtrArray) commands = g_ptr_array_new ();
  g_autoptr(GPtrArray) statuses = NULL;
  Email2Item *item = email2_item_new ();

  command->cmd_id = g_strdup ("1");
  item->target = g_strdup (uri);
  g_ptr_array_add (command->items, item);
  g_ptr_array_add (commands, command);

  statuses = email2_session_process (self->session, commands);
  return g_ptr_array_steal_index (statuses, 0);
}

static gboolean
probe_pending (gpointer data)
{
  g_autoptr(GObject) object = data;
  Email2Module *self = (Email2Module *) object;

  if (self->prober != NULL)
    email2_evolution_prober_probe_pending (self->prober);
  return G_SOURCE_REMOVE;
}

/* Whether a status is of a command that changes something (not a query). */
static gboolean
is_change (const Email2Status *status)
{
  return g_strcmp0 (status->cmd, "Get") != 0 && g_strcmp0 (status->cmd, "SyncHdr") != 0 &&
         !g_str_has_suffix (status->cmd, "-query");
}

/* A payload that failed to change what it meant to: the user is told once,
 * with the first failure's reason (an Atomic's own 507 only when no
 * command says more). Queries that found nothing are no failure. */
static void
notify_failure (Email2Module  *self,
                Email2Payload *payload,
                const char    *origin)
{
  const Email2Status *failed = NULL;

  for (guint i = 0; payload->statuses != NULL && i < payload->statuses->len; i++)
    {
      const Email2Status *status = payload->statuses->pdata[i];

      if (status->code < 400 || !is_change (status) || status->reason == NULL)
        continue;
      if (failed == NULL || (failed->code == 507 && status->code != 507))
        failed = status;
    }
  if (failed == NULL)
    return;
  email2_notifier_rollout_failed (self->notifier, origin, failed->reason);

  /* The accounts it was about keep what they had; their record says so. */
  {
    g_auto(GStrv) existing = email2_host_list_accounts (EMAIL2_HOST (self->host));
    g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < payload->statuses->len; i++)
      {
        const Email2Status *status = payload->statuses->pdata[i];
        Email2Path path;

        if (status->target_ref == NULL || !email2_locuri_parse (status->target_ref, &path, NULL) ||
            path.guid[0] == '\0' || !g_strv_contains ((const char * const *) existing, path.guid) ||
            !g_hash_table_add (seen, g_strdup (path.guid)))
          continue;
        email2_ledger_record_failure (self->ledger, path.guid, self->origin, failed->reason);
      }
  }
}

/* Runs a parsed payload through the engine and answers it in its own
 * form; for Apply (@origin %NULL) and the spool (@origin the file name). */
static char *
respond (Email2Module   *self,
         Email2Payload  *payload,
         const char     *origin,
         gsize          *length,
         GError        **error)
{
  g_autofree char *response = NULL;

  g_free (self->origin);
  self->origin = origin != NULL ? g_strconcat ("spool:", origin, NULL) : g_strdup ("dbus");
  email2_payload_process (payload, self->session);
  if (!payload->ok)
    notify_failure (self, payload, origin);
  response = email2_payload_write_response (payload, length, error);
  if (response == NULL)
    return NULL;

  for (guint i = 0; payload->statuses != NULL && i < payload->statuses->len; i++)
    {
      const Email2Status *status = payload->statuses->pdata[i];

      /* Reasons name nodes and say what failed; they never hold a value. */
      if (status->code >= 500)
        g_debug ("%s %s: %u %s", status->cmd, status->target_ref ? status->target_ref : "",
                 status->code, status->reason ? status->reason : "");
    }

  /* Accounts just written are probed on the registry's main context. */
  g_main_context_invoke (self->main_context, probe_pending, g_object_ref (self));

  return g_steal_pointer (&response);
}

/* SyncML or CP, XML or WBXML: the answer comes back in the same form. */
static void
serve_apply (Email2Module *self,
             Call         *call)
{
  gsize length = 0;
  const char *data = g_variant_get_fixed_array (call->payload, &length, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (data, length, EMAIL2_FORMAT_AUTO, &error);
  g_autofree char *response = NULL;
  gsize response_length = 0;

  if (payload != NULL)
    response = respond (self, payload, NULL, &response_length, &error);
  if (response == NULL)
    {
      if (error->domain != EMAIL2_ERROR)
        {
          g_autoptr(GError) failed = g_error_new_literal (EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                                                          error->message);
          g_dbus_method_invocation_return_gerror (call->invocation, failed);
        }
      else
        g_dbus_method_invocation_return_gerror (call->invocation, error);
      return;
    }

  g_dbus_method_invocation_return_value (
    call->invocation,
    g_variant_new ("(@ayu)",
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, response, response_length, 1),
                   payload->ok ? 0 : 1));
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

/* Every managed account: what it is (from the engine's host), its servers
 * and the security the probe chose (from its sources, on the main
 * context), and its record (the ledger). */
static void
serve_list_accounts (Email2Module *self,
                     Call         *call)
{
  g_auto(GStrv) guids = email2_host_list_accounts (EMAIL2_HOST (self->host));
  GVariantBuilder accounts;
  static const struct {
    const char *name;
    Email2NodeId node;
  } nodes[] = {
    { "name", EMAIL2_NODE_SERVICENAME },
    { "service-type", EMAIL2_NODE_SERVICETYPE },
    { "address", EMAIL2_NODE_REPLYADDR },
    { "user-name", EMAIL2_NODE_NAME },
  };

  g_variant_builder_init (&accounts, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; guids[i] != NULL; i++)
    {
      g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (self->host), guids[i]);
      GVariantBuilder builder;
      DescribeCall describe = { self->server, guids[i], &builder };

      if (account == NULL)
        continue;
      g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "guid", g_variant_new_string (guids[i]));
      for (guint j = 0; j < G_N_ELEMENTS (nodes); j++)
        if (email2_account_get (account, nodes[j].node) != NULL)
          g_variant_builder_add (&builder, "{sv}", nodes[j].name,
                                 g_variant_new_string (email2_account_get (account, nodes[j].node)));
      if (!email2_main_caller_run (self->main_caller, describe_on_main, &describe))
        {
          g_variant_builder_clear (&builder);
          g_variant_builder_clear (&accounts);
          g_dbus_method_invocation_return_error_literal (call->invocation, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                                                         _("The registry is stopping"));
          return;
        }
      email2_ledger_describe (self->ledger, guids[i], &builder);
      g_variant_builder_add_value (&accounts, g_variant_builder_end (&builder));
    }

  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(aa{sv})", &accounts));
}

static void
serve (gpointer data,
       gpointer user_data)
{
  Call *call = data;
  Email2Module *self = user_data;
  static const char * const names[] = { "Recover", "Apply", "Get", "List", "ListAccounts",
                                         "Delete", "Spool", "Check" };
  static guint serial;
  guint number = ++serial;

  /* The log shows that calls never overlap (tests/test-spool.c reads it). */
  g_debug ("%s call %u begins", names[call->kind], number);
  switch (call->kind)
    {
    case CALL_RECOVER:
      recover (self);
      break;

    case CALL_APPLY:
      serve_apply (self, call);
      break;

    case CALL_GET:
      {
        g_autoptr(Email2Status) status = run_single (self, EMAIL2_COMMAND_GET, "Get", call->argument);

        g_dbus_method_invocation_return_value (
          call->invocation,
          g_variant_new ("(uss)", status->code,
                         status->result_format ? status->result_format : "",
                         status->result_data ? status->result_data : ""));
      }
      break;

    case CALL_LIST:
      {
        g_auto(GStrv) guids = email2_host_list_accounts (EMAIL2_HOST (self->host));

        g_dbus_method_invocation_return_value (call->invocation,
                                               g_variant_new ("(^as)", guids));
      }
      break;

    case CALL_LIST_ACCOUNTS:
      serve_list_accounts (self, call);
      break;

    case CALL_DELETE:
      {
        char guid[EMAIL2_GUID_SIZE];
        g_autofree char *segment = NULL;
        g_autofree char *uri = NULL;
        g_autoptr(Email2Status) status = NULL;

        if (!email2_guid_canonicalize (call->argument, guid))
          {
            g_dbus_method_invocation_return_error_literal (call->invocation, EMAIL2_ERROR,
                                                           EMAIL2_ERROR_BAD_REQUEST,
                                                           _("Not an account GUID in braces"));
            break;
          }
        segment = email2_guid_to_uri_segment (guid);
        uri = g_strconcat ("./Vendor/MSFT/EMAIL2/", segment, NULL);
        g_free (self->origin);
        self->origin = g_strdup ("dbus");
        status = run_single (self, EMAIL2_COMMAND_DELETE, "Delete", uri);
        g_dbus_method_invocation_return_value (call->invocation,
                                               g_variant_new ("(u)", status->code));
      }
      break;

    case CALL_SPOOL:
      email2_spool_job_run (call->job);
      break;

    case CALL_CHECK:
      {
        ESourceRegistryServer *server =
          E_SOURCE_REGISTRY_SERVER (e_extension_get_extensible (E_EXTENSION (self)));
        g_autoptr(GPtrArray) findings =
          email2_evolution_check (self->host, server, self->main_caller, call->argument != NULL);

        g_dbus_method_invocation_return_value (
          call->invocation,
          g_variant_new ("(@a(ssssb))", email2_check_findings_to_variant (findings)));
      }
      break;

    default:
      g_assert_not_reached ();
    }
  g_debug ("%s call %u ends", names[call->kind], number);

  call_free (call);
}

static gboolean
queue_call (Email2Module          *self,
            CallKind               kind,
            GDBusMethodInvocation *invocation,
            GVariant              *payload,
            const char            *argument)
{
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->invocation = g_object_ref (invocation);
  call->payload = payload != NULL ? g_variant_ref (payload) : NULL;
  call->argument = g_strdup (argument);
  g_thread_pool_push (self->worker, call, NULL);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_apply (Email2DbusProvisioning1 *skeleton,
              GDBusMethodInvocation   *invocation,
              GVariant                *payload,
              Email2Module            *self)
{
  return queue_call (self, CALL_APPLY, invocation, payload, NULL);
}

static gboolean
handle_get (Email2DbusProvisioning1 *skeleton,
            GDBusMethodInvocation   *invocation,
            const char              *uri,
            Email2Module            *self)
{
  return queue_call (self, CALL_GET, invocation, NULL, uri);
}

static gboolean
handle_list (Email2DbusProvisioning1 *skeleton,
             GDBusMethodInvocation   *invocation,
             Email2Module            *self)
{
  return queue_call (self, CALL_LIST, invocation, NULL, NULL);
}

static gboolean
handle_list_accounts (Email2DbusProvisioning1 *skeleton,
                      GDBusMethodInvocation   *invocation,
                      Email2Module            *self)
{
  return queue_call (self, CALL_LIST_ACCOUNTS, invocation, NULL, NULL);
}

static gboolean
handle_delete (Email2DbusProvisioning1 *skeleton,
               GDBusMethodInvocation   *invocation,
               const char              *guid,
               Email2Module            *self)
{
  return queue_call (self, CALL_DELETE, invocation, NULL, guid);
}

static gboolean
handle_check (Email2DbusProvisioning1 *skeleton,
              GDBusMethodInvocation   *invocation,
              gboolean                 repair,
              Email2Module            *self)
{
  return queue_call (self, CALL_CHECK, invocation, NULL, repair ? "repair" : NULL);
}

static void
recover (Email2Module *self)
{
  g_autoptr(GError) error = NULL;

  if (!email2_evolution_host_recover (self->host, &error))
    g_warning ("email2: an interrupted transaction could not be ended: %s", error->message);
  g_clear_error (&error);

  /* The launchers show what the accounts are now (DESIGN §3.3). */
  if (!email2_desktop_host_reconcile (self->desktop, &error))
    g_warning ("email2: the accounts' launchers could not all be written: %s", error->message);
}

/* The user is told what a committed transaction changed. */
static void
accounts_committed (GPtrArray *changes,
                    gpointer   user_data)
{
  Email2Module *self = user_data;

  email2_notifier_accounts_changed (self->notifier, changes);
  email2_ledger_record_changes (self->ledger, changes, self->origin != NULL ? self->origin : "dbus");
}

/* Evolution opens an IMAP account's Inbox by its store UID (the account
 * source's, email2-<guid>); a POP account has no folders of its own:
 * its mail is delivered to the local Inbox. */
static char *
inbox_uri (const Email2Account *account,
           gpointer             user_data)
{
  g_autofree char *guid = g_ascii_strdown (email2_account_get_guid (account) + 1,
                                           EMAIL2_GUID_SIZE - 3);

  if (g_strcmp0 (email2_account_get (account, EMAIL2_NODE_SERVICETYPE), "POP3") == 0)
    return g_strdup ("folder://local/Inbox");
  return g_strconcat ("folder://email2-", guid, "/INBOX", NULL);
}

/* The spool's handler: a payload of either format and encoding, run as
 * Apply runs it. */
static gpointer
spool_parse (const char  *data,
             gsize        length,
             gpointer     user_data,
             GError     **error)
{
  return email2_payload_parse (data, length, EMAIL2_FORMAT_AUTO, error);
}

static char *
spool_apply (gpointer    payload,
             const char *name,
             gsize      *length,
             gboolean   *ok,
             gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  char *response = respond (user_data, payload, name, length, &error);

  *ok = ((Email2Payload *) payload)->ok;
  if (response == NULL)
    g_debug ("spool: no response: %s", error->message);
  return response;
}

static void
spool_queue (Email2SpoolJob *job,
             gpointer        user_data)
{
  Email2Module *self = user_data;
  Call *call = g_new0 (Call, 1);

  call->kind = CALL_SPOOL;
  call->job = job;
  g_thread_pool_push (self->worker, call, NULL);
}

/* Watches the inboxes; the payloads waiting are applied after recovery. */
static void
start_spool (Email2Module *self)
{
  static const Email2SpoolHandler handler = {
    spool_parse, spool_apply, (GDestroyNotify) email2_payload_free,
  };
  const char *system_inbox = email2_test_hook (EMAIL2_TEST_HOOK_SYSTEM_INBOX);
  g_autofree char *state_dir = g_build_filename (g_get_user_config_dir (), "email2", NULL);

  self->spool = email2_spool_new (state_dir,
                                  system_inbox != NULL ? system_inbox : EMAIL2_SPOOL_SYSTEM_INBOX,
                                  &handler, spool_queue, self);
  email2_spool_start (self->spool);
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
  g_autofree char *ledger = NULL;
  Call *recovery;

  if (self->skeleton != NULL || self->connection == NULL)
    return;

  /* The provider settings groups ([Imapx Backend], [Pop Backend]). */
  e_source_camel_register_types ();

  /* Everything the worker reads is set before the worker exists. */
  self->main_context = g_main_context_ref_thread_default ();
  self->main_caller = email2_main_caller_new (self->main_context);
  self->host = email2_evolution_host_new (server, self->main_caller);
  applications = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  self->desktop = email2_desktop_host_new (EMAIL2_HOST (self->host), applications, inbox_uri, NULL);
  self->session = email2_session_new (EMAIL2_HOST (self->desktop));
  self->prober = email2_evolution_prober_new (server);
  self->notifier = email2_notifier_new (self->connection);
  email2_desktop_host_set_committed_func (self->desktop, accounts_committed, self);
  ledger = g_build_filename (g_get_user_state_dir (), "email2", "accounts.ini", NULL);
  self->ledger = email2_ledger_new (ledger);
  self->server = g_object_ref (server);
  self->worker = g_thread_pool_new (serve, self, 1, FALSE, NULL);

  /* First in the queue, so that no call sees a half-done transaction. */
  recovery = g_new0 (Call, 1);
  recovery->kind = CALL_RECOVER;
  g_thread_pool_push (self->worker, recovery, NULL);

  /* Accounts whose servers could not be reached last time, once the
   * registry has settled: probing at once slowed its start by a sixth
   * with 50 such accounts (bench/apply.sh). And again whenever the
   * network changes. */
  g_timeout_add_seconds_full (G_PRIORITY_LOW, PROBE_AT_START_DELAY, probe_pending,
                              g_object_ref (self), NULL);

  self->skeleton = email2_dbus_provisioning1_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-apply", G_CALLBACK (handle_apply), self);
  g_signal_connect (self->skeleton, "handle-get", G_CALLBACK (handle_get), self);
  g_signal_connect (self->skeleton, "handle-list", G_CALLBACK (handle_list), self);
  g_signal_connect (self->skeleton, "handle-list-accounts", G_CALLBACK (handle_list_accounts), self);
  g_signal_connect (self->skeleton, "handle-delete", G_CALLBACK (handle_delete), self);
  g_signal_connect (self->skeleton, "handle-check", G_CALLBACK (handle_check), self);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                         self->connection, EMAIL2_DBUS_OBJECT_PATH, &error))
    g_warning ("email2: cannot export %s: %s", EMAIL2_DBUS_OBJECT_PATH, error->message);

  start_spool (self);
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

  if (self->worker != NULL)
    g_debug ("The module stops");

  /* In order: no new work; no probe writes any more; a worker waiting for
   * the main context (which waits for it below) is let go, and its
   * transaction is left to the journal; then the running call ends. */
  if (self->spool != NULL)
    email2_spool_stop (self->spool);
  if (self->prober != NULL)
    email2_evolution_prober_stop (self->prober);
  if (self->main_caller != NULL)
    email2_main_caller_stop (self->main_caller);
  if (self->worker != NULL)
    g_thread_pool_free (g_steal_pointer (&self->worker), FALSE, TRUE);
  if (self->skeleton != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_clear_object (&self->skeleton);
  g_clear_object (&self->spool);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->prober);
  g_clear_object (&self->desktop);
  g_clear_object (&self->notifier);
  g_clear_object (&self->ledger);
  g_clear_object (&self->server);
  g_clear_pointer (&self->origin, g_free);
  g_clear_object (&self->host);
  g_clear_object (&self->main_caller);

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
  email2_source_extension_type_register (type_module);
  email2_module_register_type (type_module);
}

G_MODULE_EXPORT void
e_module_unload (GTypeModule *type_module)
{
}
