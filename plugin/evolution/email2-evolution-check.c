/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl check, inside the registry: what transactions may leave
 * behind, and with --repair what can be put right without guessing.
 *
 *   open-journal       a transaction not ended (its registry stopped, or
 *                      its undo needed a keyring that was gone): repair
 *                      ends it as the registry's start does
 *   pending-source     a new account's hidden file (.UID.source.pending)
 *                      that no open transaction will publish: repair
 *                      removes it
 *   unreadable-source  an email2- source file that is not a key file with a
 *                      [Data Source] group: repair moves it aside
 *                      (NAME.source.broken, which EDS does not load)
 *   orphan-item        a keyring item of email2's schemas, or of EDS's for an
 *                      email2- UID, whose account or source is not there, or
 *                      a backup item of no open transaction: repair removes it
 *   missing-secret     an account whose payload gave a secret the keyring
 *                      lacks: repair copies Evolution's item from email2's
 *                      when that one is there; else the secret must be sent
 *                      again
 *   keyring-locked     locked or unavailable: the secrets cannot be
 *                      checked; nothing is prompted
 *   registry-stopping  the registry is quitting: nothing more was checked
 *
 * It runs in the module's worker, between two calls, so never in the
 * middle of a transaction; source work is done on the registry's main
 * context. It never reads a secret except to copy it into Evolution's item.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "email2-evolution-check.h"
#include "email2-evolution-keyring.h"
#include "email2-evolution-sources.h"
#include "email2-journal-private.h"
#include "email2-keyring-private.h"
#include "email2-source-extension.h"

#define UID_PREFIX "email2-"

#define EDS_ORIGIN "evolution-data-server"

void
email2_check_finding_free (Email2CheckFinding *finding)
{
  if (finding == NULL)
    return;
  g_free (finding->kind);
  g_free (finding->subject);
  g_free (finding->detail);
  g_free (finding->action);
  g_free (finding);
}

static Email2CheckFinding *
add_finding (GPtrArray  *findings,
             const char *kind,
             const char *subject,
             char       *detail,
             char       *action,
             gboolean    repaired)
{
  Email2CheckFinding *finding = g_new0 (Email2CheckFinding, 1);

  finding->kind = g_strdup (kind);
  finding->subject = g_strdup (subject);
  finding->detail = detail;
  finding->action = action;
  finding->repaired = repaired;
  g_ptr_array_add (findings, finding);
  return finding;
}

/* ---- the registry's view, taken on its main context ---- */

typedef struct {
  Email2Account *account;  /* account sources only */
  char *label;             /* the label EDS gives its secret */
} SourceInfo;

static void
source_info_free (SourceInfo *info)
{
  g_clear_pointer (&info->account, email2_account_free);
  g_free (info->label);
  g_free (info);
}

typedef struct {
  ESourceRegistryServer *server;
  GHashTable *sources;  /* UID → SourceInfo, email2's only */
} Snapshot;

static gboolean
snapshot_on_main (gpointer data)
{
  Snapshot *snapshot = data;
  GList *sources = e_source_registry_server_list_sources (snapshot->server, NULL);

  for (GList *l = sources; l != NULL; l = l->next)
    {
      ESource *source = l->data;
      SourceInfo *info;

      if (!g_str_has_prefix (e_source_get_uid (source), UID_PREFIX))
        continue;
      info = g_new0 (SourceInfo, 1);
      info->label = e_source_dup_secret_label (source);
      if (e_source_has_extension (source, EMAIL2_SOURCE_EXTENSION_NAME))
        info->account = email2_source_extension_to_account (
          e_source_get_extension (source, EMAIL2_SOURCE_EXTENSION_NAME));
      g_hash_table_insert (snapshot->sources, g_strdup (e_source_get_uid (source)), info);
    }
  g_list_free_full (sources, g_object_unref);
  return G_SOURCE_REMOVE;
}

/* %NULL when the registry is stopping. */
static GHashTable *
take_snapshot (ESourceRegistryServer *server,
               Email2MainCaller      *main_caller)
{
  Snapshot snapshot = { server, g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) source_info_free) };

  if (!email2_main_caller_run (main_caller, snapshot_on_main, &snapshot))
    g_clear_pointer (&snapshot.sources, g_hash_table_unref);
  return snapshot.sources;
}

static char *
uid_of_guid (const char       *guid,
             Email2SourceRole  role)
{
  char canonical[EMAIL2_GUID_SIZE];

  if (guid == NULL || !email2_guid_canonicalize (guid, canonical))
    return NULL;
  return email2_evolution_source_uid (canonical, role);
}

/* ---- journal ---- */

/* The open transaction's id, whose backup items are not orphans. */
static char *
check_journal (Email2EvolutionHost *host,
               gboolean             repair,
               GPtrArray           *findings)
{
  g_autoptr(Email2Journal) journal = email2_journal_new_default ();
  const char *path = email2_journal_get_path (journal);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  Email2JournalState state = EMAIL2_JOURNAL_NONE;
  static const char *state_names[] = { NULL, "open", "committed" };
  char *detail;

  if (!email2_journal_exists (journal))
    return NULL;

  /* Read without the lock: the worker runs no transaction now. */
  if (email2_journal_load (journal, NULL))
    {
      id = email2_journal_dup_transaction (journal);
      state = email2_journal_get_state (journal);
    }
  detail = g_strdup_printf (_("Transaction %s (%s) was not ended"), id != NULL ? id : "?",
                            state_names[state] != NULL ? state_names[state] : _("unreadable"));

  if (!repair)
    {
      add_finding (findings, "open-journal", path, detail,
                   g_strdup (_("email2ctl check --repair ends it, as the registry's next start does")),
                   FALSE);
      return g_steal_pointer (&id);
    }

  if (email2_evolution_host_recover (host, &error))
    {
      add_finding (findings, "open-journal", path, detail,
                   g_strdup (state == EMAIL2_JOURNAL_COMMITTED ? _("finished: its changes stay")
                                                                 : _("undone: every account as before it")),
                   TRUE);
      return NULL;
    }
  add_finding (findings, "open-journal", path, detail,
               g_strdup_printf (_("could not be ended (%s); fix that and repeat"), error->message),
               FALSE);
  return g_steal_pointer (&id);
}

/* ---- source files ---- */

/* A new account's file that no open transaction will publish or undo. */
static void
check_pending_file (const char *path,
                    const char *open_transaction,
                    gboolean    repair,
                    GPtrArray  *findings)
{
  char *detail;

  if (open_transaction != NULL)
    return;
  detail = g_strdup (_("A new account's file that no transaction will publish"));
  if (!repair)
    add_finding (findings, "pending-source", path, detail,
                 g_strdup (_("email2ctl check --repair removes it")), FALSE);
  else if (g_unlink (path) == 0)
    add_finding (findings, "pending-source", path, detail, g_strdup (_("removed")), TRUE);
  else
    add_finding (findings, "pending-source", path, detail,
                 g_strdup_printf (_("could not be removed: %s"), g_strerror (errno)), FALSE);
}

static void
check_source_files (const char *open_transaction,
                    gboolean    repair,
                    GPtrArray  *findings)
{
  const char *dir_path = e_server_side_source_get_user_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GKeyFile) key_file = g_key_file_new ();
      g_autofree char *broken = NULL;
      g_autofree char *uid = NULL;
      g_autoptr(GError) error = NULL;

      path = g_build_filename (dir_path, name, NULL);
      if (g_str_has_prefix (name, "." UID_PREFIX) && g_str_has_suffix (name, ".source.pending"))
        {
          check_pending_file (path, open_transaction, repair, findings);
          continue;
        }
      if (!g_str_has_prefix (name, UID_PREFIX) || !g_str_has_suffix (name, ".source"))
        continue;
      if (g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error) &&
          g_key_file_has_group (key_file, "Data Source"))
        continue;

      uid = g_strndup (name, strlen (name) - strlen (".source"));
      if (!repair)
        {
          add_finding (findings, "unreadable-source", path,
                       g_strdup (error != NULL ? error->message : _("No [Data Source] group")),
                       g_strdup (_("email2ctl check --repair moves it aside; then delete the account and send its creation again")),
                       FALSE);
          continue;
        }
      broken = g_strconcat (path, ".broken", NULL);
      if (g_rename (path, broken) == 0)
        add_finding (findings, "unreadable-source", path,
                     g_strdup (error != NULL ? error->message : _("No [Data Source] group")),
                     g_strdup_printf (_("moved to %s; delete the account and send its creation again"), broken),
                     TRUE);
      else
        add_finding (findings, "unreadable-source", path,
                     g_strdup (error != NULL ? error->message : _("No [Data Source] group")),
                     g_strdup_printf (_("could not be moved aside: %s"), g_strerror (errno)), FALSE);
    }
}

/* ---- keyring ---- */

static gboolean
check_keyring_usable (GPtrArray *findings)
{
  g_autoptr(GError) error = NULL;

  if (email2_keyring_ensure_usable (&error))
    return TRUE;
  add_finding (findings, "keyring-locked", SECRET_COLLECTION_DEFAULT, g_strdup (error->message),
               g_strdup (_("the secrets were not checked: unlock the keyring and repeat")), FALSE);
  return FALSE;
}

static GList *
search_all (const SecretSchema *schema,
            const char         *attribute,
            const char         *value)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);

  if (attribute != NULL)
    g_hash_table_insert (attributes, (char *) attribute, (char *) value);
  return secret_password_searchv_sync (schema, attributes, SECRET_SEARCH_ALL, NULL, NULL);
}

/* Removes an orphan, or says that repair would. */
static void
orphan (GPtrArray  *findings,
        SecretItem *item,
        const char *subject,
        char       *detail,
        gboolean    repair)
{
  g_autoptr(GError) error = NULL;

  if (!repair)
    add_finding (findings, "orphan-item", subject, detail,
                 g_strdup (_("email2ctl check --repair removes it")), FALSE);
  else if (secret_item_delete_sync (item, NULL, &error))
    add_finding (findings, "orphan-item", subject, detail, g_strdup (_("removed")), TRUE);
  else
    add_finding (findings, "orphan-item", subject, detail,
                 g_strdup_printf (_("could not be removed: %s"), error->message), FALSE);
}

static Email2NodeId
node_by_name (const char *name)
{
  for (Email2NodeId id = EMAIL2_NODE_ROOT; id < EMAIL2_N_NODES; id++)
    if (g_strcmp0 (email2_schema_get (id)->name, name) == 0)
      return id;
  return EMAIL2_N_NODES;
}

static void
check_orphans (GHashTable *sources,
               const char *open_transaction,
               gboolean    repair,
               GPtrArray  *findings)
{
  GList *items = search_all (email2_keyring_backup_schema (), NULL, NULL);

  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *transaction = g_hash_table_lookup (attributes, "email2-transaction");
      const char *guid = g_hash_table_lookup (attributes, "email2-guid");

      if (open_transaction != NULL && g_strcmp0 (transaction, open_transaction) == 0)
        continue;
      orphan (findings, l->data, guid,
              g_strdup_printf (_("A backup of %s for transaction %s, which is not open"),
                               (char *) g_hash_table_lookup (attributes, "email2-node"),
                               transaction != NULL ? transaction : "?"),
              repair);
    }
  g_list_free_full (items, g_object_unref);

  items = search_all (email2_keyring_provisioned_schema (), NULL, NULL);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *guid = g_hash_table_lookup (attributes, "email2-guid");
      const char *node = g_hash_table_lookup (attributes, "email2-node");
      g_autofree char *uid = uid_of_guid (guid, EMAIL2_SOURCE_ACCOUNT);
      SourceInfo *info = uid != NULL ? g_hash_table_lookup (sources, uid) : NULL;
      Email2NodeId id = node_by_name (node);

      if (info != NULL && info->account != NULL && id != EMAIL2_N_NODES &&
          email2_account_has (info->account, id))
        continue;
      orphan (findings, l->data, guid,
              g_strdup_printf (info == NULL ? _("The %s of an account that is not there")
                                            : _("The %s of an account that has none"),
                               node != NULL ? node : "?"),
              repair);
    }
  g_list_free_full (items, g_object_unref);

  items = search_all (email2_evolution_keyring_eds_schema (), "eds-origin", EDS_ORIGIN);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *uid = g_hash_table_lookup (attributes, "e-source-uid");

      if (uid == NULL || !g_str_has_prefix (uid, UID_PREFIX) || g_hash_table_contains (sources, uid))
        continue;
      orphan (findings, l->data, uid, g_strdup (_("Evolution's password of a source that is not there")),
              repair);
    }
  g_list_free_full (items, g_object_unref);
}

static gboolean
is_true (const Email2Account *account,
         Email2NodeId         node)
{
  const char *value = email2_account_get (account, node);

  return g_strcmp0 (value, "TRUE") == 0 || g_strcmp0 (value, "1") == 0;
}

static guint
count_with (const SecretSchema *schema,
            const char         *attribute,
            const char         *value,
            const char         *node)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (char *) attribute, (char *) value);
  if (node != NULL)
    g_hash_table_insert (attributes, "email2-node", (char *) node);
  return email2_keyring_count (schema, attributes, NULL);
}

/* Evolution's item @uid should hold @node of the account @guid. */
static void
check_copy (GHashTable *sources,
            const char *guid,
            const char *uid,
            const char *node,
            gboolean    repair,
            GPtrArray  *findings)
{
  SourceInfo *info = g_hash_table_lookup (sources, uid);
  g_autoptr(GError) error = NULL;
  char *secret;

  if (count_with (email2_evolution_keyring_eds_schema (), "e-source-uid", uid, NULL) > 0)
    return;
  if (count_with (email2_keyring_provisioned_schema (), "email2-guid", guid, node) == 0)
    return;              /* reported as missing from email2's items */
  if (!repair || info == NULL)
    {
      add_finding (findings, "missing-secret", uid,
                   g_strdup_printf (_("Evolution has no password for it; the payload gave %s"), node),
                   g_strdup (_("email2ctl check --repair copies it from email2's item")), FALSE);
      return;
    }

  secret = email2_keyring_lookup (guid, node_by_name (node), &error);
  if (secret != NULL && email2_evolution_keyring_store_eds (uid, info->label, secret, &error))
    add_finding (findings, "missing-secret", uid,
                 g_strdup_printf (_("Evolution had no password for it; the payload gave %s"), node),
                 g_strdup (_("copied from email2's item")), TRUE);
  else
    add_finding (findings, "missing-secret", uid,
                 g_strdup_printf (_("Evolution has no password for it; the payload gave %s"), node),
                 g_strdup_printf (_("could not be copied: %s"),
                                  error != NULL ? error->message : _("email2's item is gone")), FALSE);
  if (secret != NULL)
    email2_secret_free (secret);
}

static void
check_secrets (GHashTable *sources,
               gboolean    repair,
               GPtrArray  *findings)
{
  static const Email2NodeId secret_nodes[] = { EMAIL2_NODE_AUTHSECRET, EMAIL2_NODE_SMTPALTPASSWORD };
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, sources);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SourceInfo *info = value;
      const char *guid;
      g_autofree char *transport_uid = NULL;
      Email2NodeId transport_node = EMAIL2_N_NODES;

      if (info->account == NULL)
        continue;
      guid = email2_account_get_guid (info->account);
      for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
        {
          const char *node = email2_schema_get (secret_nodes[i])->name;

          if (email2_account_has (info->account, secret_nodes[i]) &&
              count_with (email2_keyring_provisioned_schema (), "email2-guid", guid, node) == 0)
            add_finding (findings, "missing-secret", guid,
                         g_strdup_printf (_("The payload gave %s; the keyring lacks it"), node),
                         g_strdup_printf (_("send the account's %s again"), node), FALSE);
        }

      if (email2_account_has (info->account, EMAIL2_NODE_AUTHSECRET))
        check_copy (sources, guid, key, email2_schema_get (EMAIL2_NODE_AUTHSECRET)->name,
                    repair, findings);

      /* The transport's: as email2-evolution-host.c copies it. */
      if (g_strcmp0 (email2_account_get (info->account, EMAIL2_NODE_AUTHREQUIRED), "1") == 0)
        transport_node = is_true (info->account, EMAIL2_NODE_SMTPALTENABLED)
          ? EMAIL2_NODE_SMTPALTPASSWORD : EMAIL2_NODE_AUTHSECRET;
      transport_uid = uid_of_guid (guid, EMAIL2_SOURCE_TRANSPORT);
      if (transport_node != EMAIL2_N_NODES && email2_account_has (info->account, transport_node) &&
          g_hash_table_contains (sources, transport_uid))
        check_copy (sources, guid, transport_uid, email2_schema_get (transport_node)->name,
                    repair, findings);
    }
}

/**
 * email2_evolution_check:
 * @host: the host, whose recovery ends an open journal
 * @server: the registry
 * @main_caller: runs source work on the registry's main context
 * @repair: fix what can be fixed safely
 *
 * Call it from the module's worker, between transactions.
 *
 * Returns: (transfer full) (element-type Email2CheckFinding): what was found
 */
GPtrArray *
email2_evolution_check (Email2EvolutionHost   *host,
                        ESourceRegistryServer *server,
                        Email2MainCaller      *main_caller,
                        gboolean               repair)
{
  GPtrArray *findings = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_check_finding_free);
  g_autofree char *open_transaction = NULL;
  g_autoptr(GHashTable) sources = NULL;

  /* A journal first: ending it changes what the rest finds. */
  open_transaction = check_journal (host, repair, findings);
  check_source_files (open_transaction, repair, findings);
  sources = take_snapshot (server, main_caller);
  if (sources == NULL)
    add_finding (findings, "registry-stopping", "", g_strdup (_("The account registry is stopping")),
                 g_strdup (_("run the check again when it runs")), FALSE);
  else if (check_keyring_usable (findings))
    {
      check_orphans (sources, open_transaction, repair, findings);
      check_secrets (sources, repair, findings);
    }
  return findings;
}

/**
 * email2_check_findings_add:
 * @findings: (element-type Email2CheckFinding): what email2_evolution_check() found
 * @builder: an a(ssssb) builder
 *
 * Adds the findings as D-Bus's (kind, subject, detail, action, repaired).
 */
void
email2_check_findings_add (GPtrArray       *findings,
                           GVariantBuilder *builder)
{
  for (guint i = 0; i < findings->len; i++)
    {
      const Email2CheckFinding *finding = findings->pdata[i];

      g_variant_builder_add (builder, "(ssssb)", finding->kind,
                             finding->subject != NULL ? finding->subject : "",
                             finding->detail != NULL ? finding->detail : "",
                             finding->action != NULL ? finding->action : "",
                             finding->repaired);
    }
}
