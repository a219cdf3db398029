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
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "email2-evolution-host.h"
#include "email2-source-extension.h"

#define UID_PREFIX "email2-"

/* The two secret nodes, in the order of Change's arrays. */
static const Email2NodeId secret_nodes[] = { EMAIL2_NODE_AUTHSECRET, EMAIL2_NODE_SMTPALTPASSWORD };

typedef struct {
  Email2Account *before;   /* NULL: the account did not exist */
  Email2Account *after;    /* NULL: it was deleted */
  /* What the transaction replaced in the keyring, to put it back. */
  gboolean saved[G_N_ELEMENTS (secret_nodes)];
  char *old[G_N_ELEMENTS (secret_nodes)];   /* NULL: there was none */
  /* What reached the keyring: a rollback need not undo the rest. */
  gboolean written[G_N_ELEMENTS (secret_nodes)];
  gboolean eds_written;
} Change;

struct _Email2EvolutionHost {
  GObject parent_instance;

  ESourceRegistryServer *server;
  GMainContext *main_context;
  GPtrArray *changes;      /* of Change; NULL outside a transaction */
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

static void
change_free (gpointer data)
{
  Change *change = data;

  email2_account_free (change->before);
  email2_account_free (change->after);
  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    email2_secret_free (change->old[i]);
  g_free (change);
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

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
email2_evolution_host_list_accounts (Email2Host *host)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  ReadCall call = { self, NULL, g_ptr_array_new (), NULL };

  run_on_main (self, list_on_main, &call);
  g_ptr_array_sort (call.guids, compare_strings);
  g_ptr_array_add (call.guids, NULL);

  return (char **) g_ptr_array_free (call.guids, FALSE);
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
  return e_server_side_source_new (server, file, error);
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
      account = e_source_registry_server_ref_source (server, uid);
      identity = e_source_registry_server_ref_source (server, identity_uid);
      transport = e_source_registry_server_ref_source (server, transport_uid);
      /* Removes the identity and the transport with it, and the files. */
      if (account != NULL && e_source_remove_sync (account, NULL, &call->error))
        {
          /* EDS keeps removed children as orphans, which it would adopt,
           * stale, when an account of the same UID comes back (and refuse
           * CreateSources of their UIDs): drop them. */
          if (identity != NULL)
            e_source_registry_server_remove_source (server, identity);
          if (transport != NULL)
            e_source_registry_server_remove_source (server, transport);
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

/* Stores the new provisioned secrets of @change, keeping what they replace. */
static gboolean
write_provisioned (Change  *change,
                   GError **error)
{
  const Email2Account *before = change->before, *after = change->after;
  const char *guid = email2_account_get_guid (after != NULL ? after : before);

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      Email2NodeId node = secret_nodes[i];
      gboolean had = before != NULL && email2_account_has (before, node);
      gboolean wants = after != NULL && email2_account_has (after, node);
      const char *value = after != NULL ? email2_account_get (after, node) : NULL;

      if (wants && value == NULL)
        continue;              /* kept as it is */
      if (!wants && !had)
        continue;

      if (!change->saved[i])
        {
          change->old[i] = had ? lookup_provisioned (guid, node, error) : NULL;
          if (had && change->old[i] == NULL)
            return FALSE;
          change->saved[i] = TRUE;
        }

      if (wants ? !store_provisioned (guid, node, value, error)
                : !clear_provisioned (guid, node, error))
        return FALSE;
      change->written[i] = TRUE;
    }

  return TRUE;
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

/* Makes Evolution's password items match @account (NULL: removed);
 * @written is set once one of them changed. */
static gboolean
write_eds_secrets (const char          *guid,
                   const Email2Account *account,
                   const char          *account_label,
                   const char          *transport_label,
                   gboolean            *written,
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
  *written = TRUE;

  if (transport_node != EMAIL2_N_NODES && email2_account_has (account, transport_node))
    {
      secret = provisioned_value (guid, account, transport_node, error);
      if (secret == NULL || !store_eds (transport_uid, transport_label, secret, error))
        goto fail;
      g_clear_pointer (&secret, email2_secret_free);
    }
  else if (!clear_eds (transport_uid, error))
    goto fail;
  *written = TRUE;

  return TRUE;

fail:
  email2_secret_free (g_steal_pointer (&secret));
  if (error != NULL && *error == NULL)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("A password is missing from the keyring"));
  return FALSE;
}

/* ---- the transaction ---- */

static gboolean
email2_evolution_host_begin (Email2Host  *host,
                             GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);

  g_return_val_if_fail (self->changes == NULL, FALSE);

  self->changes = g_ptr_array_new_with_free_func (change_free);

  return TRUE;
}

/* Sources first and secrets after, so that EDS's secret monitor never sees
 * a password without its source; on delete, the other way round. */
static gboolean
apply_change (Email2EvolutionHost  *self,
              Change               *change,
              GError              **error)
{
  const char *guid = email2_account_get_guid (change->after != NULL ? change->after : change->before);
  WriteCall call = { self, change->before, change->after, NULL, NULL, NULL };
  gboolean ok = TRUE;

  if (change->after == NULL)
    ok = write_eds_secrets (guid, NULL, NULL, NULL, &change->eds_written, error) &&
         write_provisioned (change, error);

  if (ok)
    run_on_main (self, write_on_main, &call);
  if (call.error != NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("Evolution's sources could not be written: %s"), call.error->message);
      g_error_free (call.error);
      ok = FALSE;
    }

  if (ok && change->after != NULL)
    ok = write_provisioned (change, error) &&
         write_eds_secrets (guid, change->after, call.account_label, call.transport_label,
                            &change->eds_written, error);

  g_free (call.account_label);
  g_free (call.transport_label);
  return ok;
}

static gboolean
email2_evolution_host_apply (Email2Host           *host,
                             const Email2Account  *before,
                             const Email2Account  *after,
                             GError              **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  Change *change = g_new0 (Change, 1);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self->changes != NULL, FALSE);

  change->before = before != NULL ? email2_account_copy (before) : NULL;
  change->after = after != NULL ? email2_account_copy (after) : NULL;
  g_ptr_array_add (self->changes, change);

  if (!apply_change (self, change, &local_error))
    {
      if (local_error->domain != EMAIL2_ERROR)
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                     _("The keyring could not store the account's password: %s"),
                     local_error->message);
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

  g_clear_pointer (&self->changes, g_ptr_array_unref);

  return TRUE;
}

/* Removes the sources of @account, not touching the keyring. */
static gboolean
remove_sources (Email2EvolutionHost  *self,
                const Email2Account  *account,
                GError              **error)
{
  WriteCall call = { self, account, NULL, NULL, NULL, NULL };

  run_on_main (self, write_on_main, &call);
  if (call.error != NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("Evolution's sources could not be written: %s"), call.error->message);
      g_error_free (call.error);
      return FALSE;
    }
  return TRUE;
}

/* Undoes the changes in reverse: the provisioned secrets first, from what
 * each change kept, then the sources and Evolution's copies of the secrets. */
static gboolean
email2_evolution_host_rollback (Email2Host  *host,
                                GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  g_autoptr(GPtrArray) changes = g_steal_pointer (&self->changes);
  gboolean ok = TRUE;

  g_return_val_if_fail (changes != NULL, FALSE);

  for (guint i = changes->len; i > 0; i--)
    {
      Change *change = changes->pdata[i - 1];
      const char *guid = email2_account_get_guid (change->after != NULL ? change->after : change->before);
      /* The provisioned secrets are put back below: the undo only writes
       * sources and Evolution's copies. */
      Change undo = { change->after, NULL, { TRUE, TRUE }, { NULL, NULL } };
      g_autoptr(GError) local_error = NULL;
      gboolean undone = TRUE;

      /* A creation none of whose secrets reached the keyring (it may be
       * locked or gone) is undone without it: its sources go. */
      if (change->before == NULL && !change->written[0] && !change->written[1] &&
          !change->eds_written)
        {
          gboolean removed = remove_sources (self, change->after, &local_error);

          if (!removed && ok)
            g_propagate_error (error, g_steal_pointer (&local_error));
          ok &= removed;
          continue;
        }

      for (guint k = 0; k < G_N_ELEMENTS (secret_nodes) && undone; k++)
        if (change->saved[k] && change->written[k])
          undone = change->old[k] != NULL
                   ? store_provisioned (guid, secret_nodes[k], change->old[k], &local_error)
                   : clear_provisioned (guid, secret_nodes[k], &local_error);

      /* The secrets of "before" are in place now: write it as kept. */
      if (undone && change->before != NULL)
        {
          g_autoptr(Email2Account) restored = email2_account_copy (change->before);

          email2_account_forget_secrets (restored);
          undo.after = restored;
          undone = apply_change (self, &undo, &local_error);
        }
      else if (undone)
        undone = apply_change (self, &undo, &local_error);

      /* Whatever the keyring did, a creation leaves no source behind. */
      if (!undone && change->before == NULL)
        remove_sources (self, change->after, NULL);

      if (!undone && ok)
        g_propagate_error (error, g_steal_pointer (&local_error));
      ok &= undone;
    }

  return ok;
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

  g_clear_object (&self->server);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->changes, g_ptr_array_unref);

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

  return self;
}
