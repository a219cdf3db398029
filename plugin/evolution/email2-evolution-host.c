/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2EvolutionHost: EMAIL2 accounts as Evolution's own sources, inside
 * evolution-source-registry (docs/DESIGN.md §3).
 *
 * Each account is three linked sources, as Evolution's wizard links them:
 *   email2-<guid>            [Mail Account]; the account, with [EMAIL2]
 *   email2-<guid>-identity   [Mail Identity], [Mail Submission], parent: the account
 *   email2-<guid>-transport  [Mail Transport], parent: the account
 * Passwords are in the keyring under EDS's own schema and the UID Evolution
 * looks them up by: the account's for AUTHSECRET, the transport's for SMTP.
 *
 * The engine calls this host from a worker thread (the registry's main loop
 * must not block on the keyring); source work is handed to the registry's
 * main context and waited for, keyring work is done in the calling thread.
 *
 * Crash safety: a transaction is written ahead to a journal
 * ($XDG_STATE_HOME/email2/transaction.journal; accounts as provisioned, a
 * secret only as "set"), and a provisioned secret is copied to a backup
 * item of the keyring before it is replaced or removed. Commit marks the
 * journal committed, then drops the backups and the journal. When the
 * registry starts, email2_evolution_host_recover() finishes a committed
 * transaction or undoes an open one from the journal and the backups, so
 * that after kill -9 at any point every account of an Atomic is fully
 * there or fully absent.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "email2-evolution-collection.h"
#include "email2-evolution-host.h"
#include "email2-source-extension.h"

#define UID_PREFIX "email2-"

static const Email2NodeId secret_nodes[] = { EMAIL2_NODE_AUTHSECRET, EMAIL2_NODE_SMTPALTPASSWORD };

struct _Email2EvolutionHost {
  GObject parent_instance;

  ESourceRegistryServer *server;
  GMainContext *main_context;
  Email2EvolutionCollection *collections; /* contacts and calendars */

  char *journal_path;
  GKeyFile *journal;       /* NULL outside a transaction */
  gboolean keyring_touched; /* the transaction changed the keyring */

  /* For the crash tests only: EMAIL2_TEST_CRASH_AFTER_STEP=N kills the
   * registry after the Nth durable step of a transaction. */
  guint crash_after;
  guint steps;
};

static void email2_evolution_host_iface_init (Email2HostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Email2EvolutionHost, email2_evolution_host, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EMAIL2_TYPE_HOST,
                                                      email2_evolution_host_iface_init))

/* EDS's password schema: e-source-uid alone finds an item. */
static const SecretSchema eds_schema = {
  "org.gnome.Evolution.Data.Source", SECRET_SCHEMA_DONT_MATCH_NAME,
  {
    { "e-source-uid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "eds-origin", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

#define EDS_ORIGIN "evolution-data-server"

#define JOURNAL_GROUP "Transaction"

/* One durable step of a transaction is done. */
static void
step (Email2EvolutionHost *self)
{
  if (++self->steps == self->crash_after)
    raise (SIGKILL);
}

/* ---- running on the registry's main context ---- */

typedef struct {
  GSourceFunc func;
  gpointer data;
  GMutex mutex;
  GCond cond;
  gboolean done;
} MainCall;

static gboolean
main_call_run (gpointer user_data)
{
  MainCall *call = user_data;

  call->func (call->data);

  g_mutex_lock (&call->mutex);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->mutex);

  return G_SOURCE_REMOVE;
}

/* Runs @func (@data) on the registry's main context and waits for it. */
static void
run_on_main (Email2EvolutionHost *self,
             GSourceFunc          func,
             gpointer             data)
{
  MainCall call = { func, data };

  if (g_main_context_is_owner (self->main_context))
    {
      func (data);
      return;
    }

  g_mutex_init (&call.mutex);
  g_cond_init (&call.cond);
  g_main_context_invoke (self->main_context, main_call_run, &call);
  g_mutex_lock (&call.mutex);
  while (!call.done)
    g_cond_wait (&call.cond, &call.mutex);
  g_mutex_unlock (&call.mutex);
  g_mutex_clear (&call.mutex);
  g_cond_clear (&call.cond);
}

static char *
account_uid (const char *guid,
             const char *suffix)
{
  g_autofree char *lower = g_ascii_strdown (guid + 1, EMAIL2_GUID_SIZE - 3);

  return g_strconcat (UID_PREFIX, lower, suffix, NULL);
}

/* ---- reading ---- */

typedef struct {
  Email2EvolutionHost *self;
  const char *guid;
  GPtrArray *guids;
  Email2Account *account;
} ReadCall;

static gboolean
list_on_main (gpointer data)
{
  ReadCall *call = data;
  GList *sources = e_source_registry_server_list_sources (call->self->server,
                                                          EMAIL2_SOURCE_EXTENSION_NAME);

  for (GList *l = sources; l != NULL; l = l->next)
    {
      Email2SourceExtension *extension =
        e_source_get_extension (l->data, EMAIL2_SOURCE_EXTENSION_NAME);
      g_autoptr(Email2Account) account = email2_source_extension_to_account (extension);

      if (account != NULL)
        g_ptr_array_add (call->guids, g_strdup (email2_account_get_guid (account)));
    }
  g_list_free_full (sources, g_object_unref);

  return G_SOURCE_REMOVE;
}

static char **
email2_evolution_host_list_accounts (Email2Host *host)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  ReadCall call = { self, NULL, g_ptr_array_new (), NULL };

  run_on_main (self, list_on_main, &call);
  g_ptr_array_add (call.guids, NULL);

  return (char **) g_ptr_array_free (call.guids, FALSE);
}

/* Sets @node to @value when the schema accepts it; a setting changed in
 * Evolution to something EMAIL2 cannot express keeps the provisioned value. */
static void
set_live (Email2Account *account,
          Email2NodeId   node,
          const char    *value)
{
  g_autofree char *canonical = NULL;

  if (value != NULL && email2_account_has (account, node) &&
      email2_node_check_value (email2_schema_get (node), value, &canonical, NULL))
    email2_account_set (account, node, canonical);
}

/* Where a node is one of Evolution's own settings, Get answers what
 * Evolution uses now, which the user may have changed since. */
static void
read_live_settings (Email2EvolutionHost *self,
                    ESource             *account_source,
                    Email2Account       *account)
{
  g_autofree char *identity_uid = account_uid (email2_account_get_guid (account), "-identity");
  g_autoptr(ESource) identity = e_source_registry_server_ref_source (self->server, identity_uid);
  ESourceRefresh *refresh = e_source_get_extension (account_source, E_SOURCE_EXTENSION_REFRESH);
  g_autofree char *linger = g_strdup_printf ("%u", e_source_refresh_get_interval_minutes (refresh));

  set_live (account, EMAIL2_NODE_SERVICENAME, e_source_get_display_name (account_source));
  set_live (account, EMAIL2_NODE_LINGER,
            e_source_refresh_get_enabled (refresh) ? linger : "0");

  if (identity != NULL)
    {
      ESourceMailIdentity *mail_identity = e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_IDENTITY);

      set_live (account, EMAIL2_NODE_NAME, e_source_mail_identity_get_name (mail_identity));
      set_live (account, EMAIL2_NODE_REPLYADDR, e_source_mail_identity_get_address (mail_identity));
    }
}

static gboolean
lookup_on_main (gpointer data)
{
  ReadCall *call = data;
  g_autofree char *uid = account_uid (call->guid, "");
  g_autoptr(ESource) source = e_source_registry_server_ref_source (call->self->server, uid);

  if (source != NULL && e_source_has_extension (source, EMAIL2_SOURCE_EXTENSION_NAME))
    call->account = email2_source_extension_to_account (
      e_source_get_extension (source, EMAIL2_SOURCE_EXTENSION_NAME));
  if (call->account != NULL)
    read_live_settings (call->self, source, call->account);

  return G_SOURCE_REMOVE;
}

static Email2Account *
email2_evolution_host_lookup_account (Email2Host *host,
                                      const char *guid)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  ReadCall call = { self, guid, NULL, NULL };

  run_on_main (self, lookup_on_main, &call);

  return call.account;
}

/* ---- writing sources ---- */

static const char *
security_method (const char *server,
                 gboolean    tls_required,
                 guint16     implicit_port,
                 guint16    *port)
{
  g_autofree char *host = NULL;

  if (!email2_parse_host_port (server, &host, port))
    return "ssl-on-alternate-port";

  /* Until the server is probed: the most secure setting the value allows.
   * Implicit TLS on its port, or when no port is given; STARTTLS on any
   * other port. Never none. */
  if (*port == 0)
    {
      *port = implicit_port;
      return "ssl-on-alternate-port";
    }
  (void) tls_required;
  return *port == implicit_port ? "ssl-on-alternate-port" : "starttls-on-standard-port";
}

static void
set_server (ESource    *source,
            const char *server,
            const char *user,
            const char *method,
            gboolean    tls_required,
            guint16     implicit_port)
{
  ESourceAuthentication *auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  ESourceSecurity *security = e_source_get_extension (source, E_SOURCE_EXTENSION_SECURITY);
  g_autofree char *host = NULL;
  guint16 port = 0;

  email2_parse_host_port (server, &host, NULL);
  e_source_security_set_method (security, security_method (server, tls_required, implicit_port, &port));
  e_source_authentication_set_host (auth, host);
  e_source_authentication_set_port (auth, port);
  e_source_authentication_set_user (auth, user);
  e_source_authentication_set_method (auth, method);
  e_source_authentication_set_remember_password (auth, TRUE);
}

static char *
login_name (const Email2Account *account,
            Email2NodeId         name_node,
            Email2NodeId         domain_node)
{
  const char *name = email2_account_get (account, name_node);
  const char *domain = email2_account_get (account, domain_node);

  if (domain != NULL && domain[0] != '\0')
    return g_strdup_printf ("%s\\%s", domain, name);
  return g_strdup (name);
}

/* SMTP authenticates with the alternate credentials when they are enabled. */
static gboolean
smtpalt_enabled (const Email2Account *account)
{
  const char *enabled = email2_account_get (account, EMAIL2_NODE_SMTPALTENABLED);

  return g_strcmp0 (enabled, "TRUE") == 0 || g_strcmp0 (enabled, "1") == 0;
}

static gboolean
smtp_authenticates (const Email2Account *account)
{
  return g_strcmp0 (email2_account_get (account, EMAIL2_NODE_AUTHREQUIRED), "1") == 0;
}

static gboolean
is_set_to (const Email2Account *account,
           Email2NodeId         node,
           const char          *value)
{
  return g_strcmp0 (email2_account_get (account, node), value) == 0;
}

/* The provider settings ([Imapx Backend], [Pop Backend]): DWNDAY limits
 * what IMAP keeps offline; SERVERDELETEACTION says whether POP keeps mail
 * on the server, and whether IMAP moves deleted mail to Trash. */
static void
configure_backend (ESource             *account_source,
                   const Email2Account *account,
                   gboolean             imap)
{
  const char *extension_name = e_source_camel_get_extension_name (imap ? "imapx" : "pop");
  CamelSettings *settings = e_source_camel_get_settings (e_source_get_extension (account_source,
                                                                                 extension_name));
  const char *dwnday = email2_account_get (account, EMAIL2_NODE_DWNDAY);
  const char *delete_action = email2_account_get (account, EMAIL2_NODE_SERVERDELETEACTION);

  if (imap)
    {
      gboolean limited = dwnday != NULL && strcmp (dwnday, "-1") != 0;

      e_source_offline_set_stay_synchronized (
        e_source_get_extension (account_source, E_SOURCE_EXTENSION_OFFLINE), TRUE);
      g_object_set (settings,
                    "limit-by-age", limited,
                    "limit-unit", CAMEL_TIME_UNIT_DAYS,
                    "limit-value", limited ? (int) g_ascii_strtoll (dwnday, NULL, 10) : 1,
                    NULL);
      /* 2: deleting moves to the server's Trash; 1 (or the default):
       * deleted messages are expunged on the server. */
      g_object_set (settings,
                    "use-real-trash-path", g_strcmp0 (delete_action, "2") == 0,
                    "real-trash-path", g_strcmp0 (delete_action, "2") == 0 ? "Trash" : NULL,
                    NULL);
    }
  else
    g_object_set (settings,
                  "keep-on-server", g_strcmp0 (delete_action, "2") == 0,
                  "delete-expunged", g_strcmp0 (delete_action, "1") == 0,
                  NULL);
}

/* The Evolution settings of the three sources, from the provisioned nodes. */
static void
configure_sources (ESource             *account_source,
                   ESource             *identity,
                   ESource             *transport,
                   const Email2Account *account)
{
  const char *guid = email2_account_get_guid (account);
  const char *linger = email2_account_get (account, EMAIL2_NODE_LINGER);
  g_autofree char *identity_uid = account_uid (guid, "-identity");
  g_autofree char *transport_uid = account_uid (guid, "-transport");
  g_autofree char *user = login_name (account, EMAIL2_NODE_AUTHNAME, EMAIL2_NODE_DOMAIN);
  gboolean imap = is_set_to (account, EMAIL2_NODE_SERVICETYPE, "IMAP4");
  guint64 content_types = g_ascii_strtoull (email2_account_get (account, EMAIL2_NODE_SYNCINGCONTENTTYPES),
                                            NULL, 0);
  ESourceMailAccount *mail_account;
  ESourceMailIdentity *mail_identity;
  ESourceMailSubmission *submission;
  ESourceRefresh *refresh;

  e_source_set_display_name (account_source, email2_account_get (account, EMAIL2_NODE_SERVICENAME));
  e_source_set_enabled (account_source, (content_types & 0x2) != 0);
  mail_account = e_source_get_extension (account_source, E_SOURCE_EXTENSION_MAIL_ACCOUNT);
  e_source_backend_set_backend_name (E_SOURCE_BACKEND (mail_account), imap ? "imapx" : "pop");
  e_source_mail_account_set_identity_uid (mail_account, identity_uid);
  set_server (account_source, email2_account_get (account, EMAIL2_NODE_INSERVER), user, "none",
              is_set_to (account, EMAIL2_NODE_TAGPROPS_INSERVER_SSL, "1"), imap ? 993 : 995);
  refresh = e_source_get_extension (account_source, E_SOURCE_EXTENSION_REFRESH);
  e_source_refresh_set_enabled (refresh, linger == NULL || strcmp (linger, "0") != 0);
  e_source_refresh_set_interval_minutes (refresh, linger != NULL && strcmp (linger, "0") != 0
                                                  ? (guint) g_ascii_strtoull (linger, NULL, 10) : 15);

  configure_backend (account_source, account, imap);

  e_source_set_parent (identity, e_source_get_uid (account_source));
  e_source_set_display_name (identity, email2_account_get (account, EMAIL2_NODE_REPLYADDR));
  mail_identity = e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_IDENTITY);
  e_source_mail_identity_set_address (mail_identity, email2_account_get (account, EMAIL2_NODE_REPLYADDR));
  e_source_mail_identity_set_name (mail_identity, email2_account_get (account, EMAIL2_NODE_NAME));
  submission = e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_SUBMISSION);
  e_source_mail_submission_set_transport_uid (submission, transport_uid);

  e_source_set_parent (transport, e_source_get_uid (account_source));
  e_source_set_display_name (transport, email2_account_get (account, EMAIL2_NODE_SERVICENAME));
  e_source_backend_set_backend_name (
    E_SOURCE_BACKEND (e_source_get_extension (transport, E_SOURCE_EXTENSION_MAIL_TRANSPORT)), "smtp");
  {
    g_autofree char *smtp_user = smtpalt_enabled (account)
      ? login_name (account, EMAIL2_NODE_SMTPALTAUTHNAME, EMAIL2_NODE_SMTPALTDOMAIN)
      : g_strdup (user);

    set_server (transport, email2_account_get (account, EMAIL2_NODE_OUTSERVER),
                smtp_authenticates (account) ? smtp_user : NULL,
                smtp_authenticates (account) ? "PLAIN" : "none",
                is_set_to (account, EMAIL2_NODE_TAGPROPS_OUTSERVER_SSL, "1"), 465);
  }

  email2_source_extension_set_account (
    e_source_get_extension (account_source, EMAIL2_SOURCE_EXTENSION_NAME), account);
}

typedef struct {
  Email2EvolutionHost *self;
  const Email2Account *before;
  const Email2Account *after;
  GError *error;
  /* out: the labels EDS would give the secrets */
  char *account_label;
  char *transport_label;
  gboolean collection_changed;
} WriteCall;

static ESource *
ref_or_new_source (ESourceRegistryServer  *server,
                   const char             *uid,
                   gboolean               *is_new,
                   GError                **error)
{
  ESource *source = e_source_registry_server_ref_source (server, uid);
  g_autoptr(GFile) file = NULL;

  *is_new = source == NULL;
  if (source != NULL)
    return source;

  file = e_server_side_source_new_user_file (uid);
  source = e_server_side_source_new (server, file, error);
  /* Like an account the user made: Evolution may change and remove it. */
  if (source != NULL)
    {
      e_server_side_source_set_writable (E_SERVER_SIDE_SOURCE (source), TRUE);
      e_server_side_source_set_removable (E_SERVER_SIDE_SOURCE (source), TRUE);
    }
  return source;
}

static gboolean
write_on_main (gpointer data)
{
  WriteCall *call = data;
  ESourceRegistryServer *server = call->self->server;
  const char *guid = email2_account_get_guid (call->after != NULL ? call->after : call->before);
  g_autofree char *uid = account_uid (guid, "");
  g_autofree char *identity_uid = account_uid (guid, "-identity");
  g_autofree char *transport_uid = account_uid (guid, "-transport");
  g_autoptr(ESource) account = NULL;
  g_autoptr(ESource) identity = NULL;
  g_autoptr(ESource) transport = NULL;
  gboolean new_account = FALSE, new_identity = FALSE, new_transport = FALSE;

  if (call->after == NULL)
    {
      /* Removing the account removes its children and the files; a child
       * left alone by an interrupted transaction goes on its own. */
      const char *uids[] = { uid, identity_uid, transport_uid };
      ESource *sources[G_N_ELEMENTS (uids)];

      for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
        sources[i] = e_source_registry_server_ref_source (server, uids[i]);
      for (guint i = 0; i < G_N_ELEMENTS (uids) && call->error == NULL; i++)
        {
          g_autoptr(ESource) source = e_source_registry_server_ref_source (server, uids[i]);

          if (source != NULL)
            e_source_remove_sync (source, NULL, &call->error);
        }
      if (call->error == NULL)
        email2_evolution_collection_write (call->self->collections, guid, NULL,
                                           &call->collection_changed, &call->error);
      /* EDS keeps removed children as orphans, which it would adopt, stale,
       * when an account of the same UID comes back (and refuse
       * CreateSources of their UIDs): drop them. */
      for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
        if (sources[i] != NULL)
          {
            if (i > 0 && call->error == NULL)
              e_source_registry_server_remove_source (server, sources[i]);
            g_object_unref (sources[i]);
          }
      return G_SOURCE_REMOVE;
    }

  account = ref_or_new_source (server, uid, &new_account, &call->error);
  if (account != NULL)
    identity = ref_or_new_source (server, identity_uid, &new_identity, &call->error);
  if (identity != NULL)
    transport = ref_or_new_source (server, transport_uid, &new_transport, &call->error);
  if (transport == NULL)
    return G_SOURCE_REMOVE;

  configure_sources (account, identity, transport, call->after);

  if (new_account)
    e_source_registry_server_add_source (server, account);
  if (new_identity)
    e_source_registry_server_add_source (server, identity);
  if (new_transport)
    e_source_registry_server_add_source (server, transport);

  if (e_source_write_sync (account, NULL, &call->error) &&
      e_source_write_sync (identity, NULL, &call->error) &&
      e_source_write_sync (transport, NULL, &call->error))
    {
      call->account_label = e_source_dup_secret_label (account);
      call->transport_label = e_source_dup_secret_label (transport);
      email2_evolution_collection_write (call->self->collections, guid, call->after,
                                         &call->collection_changed, &call->error);
    }

  return G_SOURCE_REMOVE;
}

/* ---- secrets ----
 *
 * Each provisioned secret has one item of email2's own schema, keyed by
 * GUID and node: the secret as provisioned. Evolution finds its passwords
 * in items of EDS's schema, by source UID; those are copies, made from the
 * provisioned ones whenever an account changes: the account UID holds
 * AUTHSECRET, the transport UID the secret SMTP authenticates with. */

static const SecretSchema email2_schema = {
  "io.github.email2.Secret", SECRET_SCHEMA_NONE,
  {
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static char *
lookup_provisioned (const char    *guid,
                    Email2NodeId   node,
                    GError       **error)
{
  return secret_password_lookup_sync (&email2_schema, NULL, error, "email2-guid", guid,
                                      "email2-node", email2_schema_get (node)->name, NULL);
}

static gboolean
store_provisioned (const char    *guid,
                   Email2NodeId   node,
                   const char    *secret,
                   GError       **error)
{
  g_autofree char *label = g_strdup_printf ("EMAIL2 %s of account %s",
                                            email2_schema_get (node)->name, guid);

  return secret_password_store_sync (&email2_schema, SECRET_COLLECTION_DEFAULT, label, secret,
                                     NULL, error, "email2-guid", guid,
                                     "email2-node", email2_schema_get (node)->name, NULL);
}

static gboolean
clear_provisioned (const char    *guid,
                   Email2NodeId   node,
                   GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  secret_password_clear_sync (&email2_schema, NULL, &local_error, "email2-guid", guid,
                              "email2-node", email2_schema_get (node)->name, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
store_eds (const char  *uid,
           const char  *label,
           const char  *secret,
           GError     **error)
{
  return secret_password_store_sync (&eds_schema, SECRET_COLLECTION_DEFAULT, label, secret,
                                     NULL, error, "e-source-uid", uid, "eds-origin", EDS_ORIGIN,
                                     NULL);
}

static gboolean
clear_eds (const char  *uid,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  secret_password_clear_sync (&eds_schema, NULL, &local_error, "e-source-uid", uid, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* The secret SMTP uses: the alternate password when enabled, else AUTHSECRET. */
static Email2NodeId
transport_secret_node (const Email2Account *account)
{
  if (!smtp_authenticates (account))
    return EMAIL2_N_NODES;
  return smtpalt_enabled (account) ? EMAIL2_NODE_SMTPALTPASSWORD : EMAIL2_NODE_AUTHSECRET;
}

/* Backups: a provisioned secret about to be replaced or removed, kept in
 * the keyring until the transaction is committed or undone. */
static const SecretSchema backup_schema = {
  "io.github.email2.Backup", SECRET_SCHEMA_NONE,
  {
    { "email2-transaction", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static char *
lookup_backup (const char    *transaction,
               const char    *guid,
               Email2NodeId   node,
               GError       **error)
{
  return secret_password_lookup_sync (&backup_schema, NULL, error,
                                      "email2-transaction", transaction, "email2-guid", guid,
                                      "email2-node", email2_schema_get (node)->name, NULL);
}

static gboolean
clear_backups (const char  *transaction,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  secret_password_clear_sync (&backup_schema, NULL, &local_error,
                              "email2-transaction", transaction, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Backs up the provisioned secrets @after replaces or drops, then writes
 * the new ones. */
static gboolean
write_provisioned (Email2EvolutionHost  *self,
                   const char           *transaction,
                   const Email2Account  *before,
                   const Email2Account  *after,
                   GError              **error)
{
  const char *guid = email2_account_get_guid (after != NULL ? after : before);

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      Email2NodeId node = secret_nodes[i];
      const char *name = email2_schema_get (node)->name;
      gboolean had = before != NULL && email2_account_has (before, node);
      gboolean wants = after != NULL && email2_account_has (after, node);
      const char *value = after != NULL ? email2_account_get (after, node) : NULL;
      g_autofree char *old = NULL;
      g_autofree char *label = NULL;

      if ((wants && value == NULL) || (!wants && !had))
        continue;              /* kept as it is, or nothing to do */

      if (had)
        {
          old = lookup_provisioned (guid, node, error);
          if (old == NULL)
            goto missing;
          label = g_strdup_printf ("EMAIL2 %s of account %s, kept until transaction %s ends",
                                   name, guid, transaction);
          if (!secret_password_store_sync (&backup_schema, SECRET_COLLECTION_DEFAULT, label, old,
                                           NULL, error, "email2-transaction", transaction,
                                           "email2-guid", guid, "email2-node", name, NULL))
            {
              email2_secret_free (g_steal_pointer (&old));
              return FALSE;
            }
          email2_secret_free (g_steal_pointer (&old));
          self->keyring_touched = TRUE;
          step (self);
        }

      if (wants ? !store_provisioned (guid, node, value, error)
                : !clear_provisioned (guid, node, error))
        return FALSE;
      self->keyring_touched = TRUE;
      step (self);
    }

  return TRUE;

missing:
  if (error != NULL && *error == NULL)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("A password is missing from the keyring"));
  return FALSE;
}

/* A secret of @account: the new value when the payload set one, else the
 * provisioned one from the keyring. */
static char *
provisioned_value (const char          *guid,
                   const Email2Account *account,
                   Email2NodeId         node,
                   GError             **error)
{
  const char *value = email2_account_get (account, node);

  return value != NULL ? g_strdup (value) : lookup_provisioned (guid, node, error);
}

/* The password of the account's contacts and calendars collection, under
 * its UID: AUTHSECRET when the account has a collection, else none. It is
 * stored before the collection is added, so that EDS's discovery, which
 * starts at once, finds it and no client is asked. */
static gboolean
write_collection_secret (const char          *guid,
                         const Email2Account *account,
                         gboolean            *touched,
                         GError             **error)
{
  g_autofree char *uid = email2_evolution_collection_uid (guid);
  g_autofree char *label = NULL;
  char *secret;
  gboolean ok;

  if (account == NULL || !email2_account_has (account, EMAIL2_NODE_AUTHSECRET) ||
      !email2_evolution_collection_wanted (account))
    {
      ok = clear_eds (uid, error);
      *touched = TRUE;
      return ok;
    }

  secret = provisioned_value (guid, account, EMAIL2_NODE_AUTHSECRET, error);
  if (secret == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("A password is missing from the keyring"));
      return FALSE;
    }
  label = g_strdup_printf ("EMAIL2 contacts and calendars of account %s", guid);
  ok = store_eds (uid, label, secret, error);
  email2_secret_free (secret);
  *touched = TRUE;
  return ok;
}

/* Makes Evolution's password items match @account (NULL: removed);
 * @touched is set once one of them changed. */
static gboolean
write_eds_secrets (const char          *guid,
                   const Email2Account *account,
                   const char          *account_label,
                   const char          *transport_label,
                   gboolean            *touched,
                   GError             **error)
{
  g_autofree char *uid = account_uid (guid, "");
  g_autofree char *transport_uid = account_uid (guid, "-transport");
  Email2NodeId transport_node = account != NULL ? transport_secret_node (account) : EMAIL2_N_NODES;
  g_autofree char *secret = NULL;

  if (account != NULL && email2_account_has (account, EMAIL2_NODE_AUTHSECRET))
    {
      secret = provisioned_value (guid, account, EMAIL2_NODE_AUTHSECRET, error);
      if (secret == NULL || !store_eds (uid, account_label, secret, error))
        goto fail;
      g_clear_pointer (&secret, email2_secret_free);
    }
  else if (!clear_eds (uid, error))
    goto fail;
  *touched = TRUE;

  if (transport_node != EMAIL2_N_NODES && email2_account_has (account, transport_node))
    {
      secret = provisioned_value (guid, account, transport_node, error);
      if (secret == NULL || !store_eds (transport_uid, transport_label, secret, error))
        goto fail;
      g_clear_pointer (&secret, email2_secret_free);
    }
  else if (!clear_eds (transport_uid, error))
    goto fail;
  *touched = TRUE;

  return TRUE;

fail:
  email2_secret_free (g_steal_pointer (&secret));
  if (error != NULL && *error == NULL)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("A password is missing from the keyring"));
  return FALSE;
}

/* ---- the transaction ---- */

static gboolean
journal_save (Email2EvolutionHost  *self,
              GError              **error)
{
  g_autofree char *data = g_key_file_to_data (self->journal, NULL, NULL);
  g_autofree char *dir = g_path_get_dirname (self->journal_path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  if (!g_file_set_contents_full (self->journal_path, data, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error))
    return FALSE;

  step (self);
  return TRUE;
}

static char *
before_group (const char *guid)
{
  return g_strconcat ("Before ", guid, NULL);
}

typedef struct {
  Email2EvolutionHost *self;
  const char *guid;
} CollectionCall;

static gboolean
authenticate_on_main (gpointer data)
{
  CollectionCall *call = data;

  email2_evolution_collection_authenticate (call->self->collections, call->guid);
  return G_SOURCE_REMOVE;
}

/* Writes sources, then secrets; on delete the other way round, so that
 * EDS's secret monitor never sees a password without its source. */
static gboolean
write_account (Email2EvolutionHost  *self,
               const char           *transaction,
               const Email2Account  *before,
               const Email2Account  *after,
               GError              **error)
{
  const char *guid = email2_account_get_guid (after != NULL ? after : before);
  WriteCall call = { self, before, after, NULL, NULL, NULL, FALSE };
  gboolean ok = TRUE;

  if (after == NULL)
    ok = write_eds_secrets (guid, NULL, NULL, NULL, &self->keyring_touched, error) &&
         write_collection_secret (guid, NULL, &self->keyring_touched, error) &&
         (transaction == NULL || write_provisioned (self, transaction, before, NULL, error));
  else if (email2_evolution_collection_wanted (after))
    ok = write_collection_secret (guid, after, &self->keyring_touched, error);

  if (ok)
    {
      run_on_main (self, write_on_main, &call);
      if (call.error != NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                       _("Evolution's sources could not be written: %s"), call.error->message);
          g_error_free (call.error);
          ok = FALSE;
        }
      else
        step (self);
    }

  if (ok && after != NULL)
    ok = (transaction == NULL || write_provisioned (self, transaction, before, after, error)) &&
         write_eds_secrets (guid, after, call.account_label, call.transport_label,
                            &self->keyring_touched, error) &&
         (email2_evolution_collection_wanted (after) ||
          write_collection_secret (guid, NULL, &self->keyring_touched, error));
  if (ok && after != NULL)
    step (self);
  /* A collection whose servers changed is discovered again. */
  if (ok && call.collection_changed)
    {
      CollectionCall auth = { self, guid };

      run_on_main (self, authenticate_on_main, &auth);
    }

  g_free (call.account_label);
  g_free (call.transport_label);
  return ok;
}

/* Puts one account back as it was before the transaction of @journal:
 * the provisioned secrets from their backups, the sources, then
 * Evolution's copies of the secrets. */
static gboolean
undo_account (Email2EvolutionHost  *self,
              GKeyFile             *journal,
              const char           *transaction,
              const char           *guid,
              gboolean              with_keyring,
              GError              **error)
{
  g_autofree char *group = before_group (guid);
  g_autoptr(Email2Account) before = NULL;
  g_autoptr(Email2Account) current = email2_account_new (guid);

  if (g_key_file_has_group (journal, group))
    {
      before = email2_account_new_from_key_file (guid, journal, group, error);
      if (before == NULL)
        return FALSE;
    }

  /* The keyring is as it was: the sources alone are put back. */
  if (!with_keyring)
    {
      WriteCall call = { self, current, before, NULL, NULL, NULL, FALSE };

      run_on_main (self, write_on_main, &call);
      g_free (call.account_label);
      g_free (call.transport_label);
      if (call.error != NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                       _("Evolution's sources could not be written: %s"), call.error->message);
          g_error_free (call.error);
          return FALSE;
        }
      return TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      Email2NodeId node = secret_nodes[i];
      g_autoptr(GError) local_error = NULL;
      char *backup = lookup_backup (transaction, guid, node, &local_error);
      gboolean ok;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (backup != NULL)
        ok = store_provisioned (guid, node, backup, error);
      else if (before == NULL || !email2_account_has (before, node))
        ok = clear_provisioned (guid, node, error);
      else
        ok = TRUE;             /* never replaced */
      email2_secret_free (backup);
      if (!ok)
        return FALSE;
    }

  /* "current" stands for whatever is there now: everything is rewritten. */
  return write_account (self, NULL, current, before, error);
}

/* Undoes the transaction of @journal, newest account first; without
 * touching the keyring when the transaction never changed it. */
static gboolean
undo_journal (Email2EvolutionHost  *self,
              GKeyFile             *journal,
              gboolean              with_keyring,
              GError              **error)
{
  g_autofree char *transaction = g_key_file_get_string (journal, JOURNAL_GROUP, "Id", NULL);
  g_auto(GStrv) guids = g_key_file_get_string_list (journal, JOURNAL_GROUP, "Accounts", NULL, NULL);
  guint n = guids != NULL ? g_strv_length (guids) : 0;

  if (transaction == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("The transaction journal is damaged"));
      return FALSE;
    }

  for (guint i = n; i > 0; i--)
    {
      char guid[EMAIL2_GUID_SIZE];

      if (!email2_guid_canonicalize (guids[i - 1], guid))
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("The transaction journal is damaged"));
          return FALSE;
        }
      if (!undo_account (self, journal, transaction, guid, with_keyring, error))
        return FALSE;
    }

  return !with_keyring || clear_backups (transaction, error);
}

static gboolean
email2_evolution_host_begin (Email2Host  *host,
                             GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  g_autofree char *transaction = g_uuid_string_random ();

  g_return_val_if_fail (self->journal == NULL, FALSE);

  self->steps = 0;
  self->keyring_touched = FALSE;
  self->journal = g_key_file_new ();
  g_key_file_set_comment (self->journal, NULL, NULL,
                          " email2 transaction journal: what to undo if the registry stops\n"
                          " in the middle. Secrets are never here, only that one is set.", NULL);
  g_key_file_set_string (self->journal, JOURNAL_GROUP, "Id", transaction);
  g_key_file_set_string (self->journal, JOURNAL_GROUP, "State", "open");
  g_key_file_set_string (self->journal, JOURNAL_GROUP, "Accounts", "");

  if (!journal_save (self, error))
    {
      g_clear_pointer (&self->journal, g_key_file_unref);
      g_prefix_error (error, _("The transaction journal cannot be written: "));
      return FALSE;
    }

  return TRUE;
}

static gboolean
email2_evolution_host_apply (Email2Host           *host,
                             const Email2Account  *before,
                             const Email2Account  *after,
                             GError              **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  const char *guid = email2_account_get_guid (after != NULL ? after : before);
  g_autofree char *transaction = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *group = before_group (guid);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self->journal != NULL, FALSE);

  /* Ahead of any change: which account, and what it was. */
  transaction = g_key_file_get_string (self->journal, JOURNAL_GROUP, "Id", NULL);
  accounts = g_key_file_get_string (self->journal, JOURNAL_GROUP, "Accounts", NULL);
  if (accounts == NULL || accounts[0] == '\0')
    g_key_file_set_string (self->journal, JOURNAL_GROUP, "Accounts", guid);
  else
    {
      g_autofree char *more = g_strconcat (accounts, ";", guid, NULL);
      g_key_file_set_string (self->journal, JOURNAL_GROUP, "Accounts", more);
    }
  if (before != NULL)
    email2_account_to_key_file (before, self->journal, group);

  if (!journal_save (self, &local_error) ||
      !write_account (self, transaction, before, after, &local_error))
    {
      if (local_error->domain != EMAIL2_ERROR)
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                     _("The account could not be stored: %s"), local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

static gboolean
email2_evolution_host_commit (Email2Host  *host,
                              GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  g_autofree char *transaction = NULL;
  g_autoptr(GError) cleanup_error = NULL;

  g_return_val_if_fail (self->journal != NULL, FALSE);

  /* If this fails, the engine rolls back with the journal still open. */
  transaction = g_key_file_get_string (self->journal, JOURNAL_GROUP, "Id", NULL);
  g_key_file_set_string (self->journal, JOURNAL_GROUP, "State", "committed");
  if (!journal_save (self, error))
    return FALSE;
  g_clear_pointer (&self->journal, g_key_file_unref);

  /* Committed: what is left is cleaning up, which recovery also finishes. */
  if (clear_backups (transaction, &cleanup_error))
    step (self);
  else
    g_debug ("backups of transaction %s stay until the next start: %s",
             transaction, cleanup_error->message);
  if (g_unlink (self->journal_path) == 0)
    step (self);

  return TRUE;
}

static gboolean
email2_evolution_host_rollback (Email2Host  *host,
                                GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  g_autoptr(GKeyFile) journal = g_steal_pointer (&self->journal);

  g_return_val_if_fail (journal != NULL, FALSE);

  /* A failed undo leaves the journal for the next start to try again.
   * A transaction that never reached the keyring (locked, gone) is undone
   * without it. */
  if (!undo_journal (self, journal, self->keyring_touched, error))
    return FALSE;

  g_unlink (self->journal_path);
  return TRUE;
}

/**
 * email2_evolution_host_recover:
 * @self: the host
 * @error: return location for a #GError
 *
 * Finishes or undoes a transaction that the registry's last run did not
 * end (the registry was killed, the machine lost power): a committed one
 * loses its backups and journal, an open one is undone. Call it from the
 * worker before any payload, once the registry has loaded its sources.
 *
 * Returns: %TRUE when nothing was left or it was ended
 */
gboolean
email2_evolution_host_recover (Email2EvolutionHost  *self,
                               GError              **error)
{
  g_autoptr(GKeyFile) journal = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *transaction = NULL;

  g_return_val_if_fail (EMAIL2_IS_EVOLUTION_HOST (self), FALSE);
  g_return_val_if_fail (self->journal == NULL, FALSE);

  if (!g_key_file_load_from_file (journal, self->journal_path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  state = g_key_file_get_string (journal, JOURNAL_GROUP, "State", NULL);
  transaction = g_key_file_get_string (journal, JOURNAL_GROUP, "Id", NULL);

  if (g_strcmp0 (state, "committed") == 0 && transaction != NULL)
    {
      g_message ("email2: finishing transaction %s, committed before the registry stopped",
                 transaction);
      if (!clear_backups (transaction, error))
        return FALSE;
    }
  else
    {
      g_message ("email2: undoing transaction %s, left open when the registry stopped",
                 transaction != NULL ? transaction : "?");
      if (!undo_journal (self, journal, TRUE, error))
        return FALSE;
    }

  g_unlink (self->journal_path);
  return TRUE;
}

static void
email2_evolution_host_iface_init (Email2HostInterface *iface)
{
  iface->list_accounts = email2_evolution_host_list_accounts;
  iface->lookup_account = email2_evolution_host_lookup_account;
  iface->begin = email2_evolution_host_begin;
  iface->apply = email2_evolution_host_apply;
  iface->commit = email2_evolution_host_commit;
  iface->rollback = email2_evolution_host_rollback;
}

static void
email2_evolution_host_finalize (GObject *object)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (object);

  g_clear_object (&self->collections);
  g_clear_object (&self->server);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->journal, g_key_file_unref);
  g_free (self->journal_path);

  G_OBJECT_CLASS (email2_evolution_host_parent_class)->finalize (object);
}

static void
email2_evolution_host_class_init (Email2EvolutionHostClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_evolution_host_finalize;
}

static void
email2_evolution_host_init (Email2EvolutionHost *self)
{
}

/**
 * email2_evolution_host_new:
 * @server: the registry
 *
 * Must be called on the registry's main context: source work is done there.
 *
 * Returns: (transfer full): a host for Evolution's accounts
 */
Email2EvolutionHost *
email2_evolution_host_new (ESourceRegistryServer *server)
{
  Email2EvolutionHost *self = g_object_new (EMAIL2_TYPE_EVOLUTION_HOST, NULL);

  self->server = g_object_ref (server);
  self->main_context = g_main_context_ref_thread_default ();
  self->collections = email2_evolution_collection_new (server);
  email2_evolution_collection_configure_all (self->collections);
  self->journal_path = g_build_filename (g_get_user_state_dir (), "email2",
                                         "transaction.journal", NULL);
  self->crash_after = (guint) g_ascii_strtoull (g_getenv ("EMAIL2_TEST_CRASH_AFTER_STEP")
                                                ? g_getenv ("EMAIL2_TEST_CRASH_AFTER_STEP") : "0",
                                                NULL, 10);

  return self;
}
