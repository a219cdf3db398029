/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * `email2ctl check` on any host (docs/DESIGN.md §3.8): its findings, and
 * what transactions may leave of email2's own keyring items
 * (src/email2-keyring.c):
 *
 *   orphan-item      a backup of no open transaction; a provisioned secret
 *                    of an account that is not there, or that has no such
 *                    node: repair removes it
 *   missing-secret   an account whose payload gave a secret the keyring
 *                    lacks: the secret must be sent again
 *   keyring-locked   locked or unavailable: the secrets cannot be checked;
 *                    nothing is prompted
 *
 * and of what they may leave of a host's journal and source files:
 *
 *   open-journal       a transaction not ended (its process stopped, or
 *                      its undo needed a keyring that was gone): repair
 *                      ends it as the host's start does
 *   pending-source     a new account's hidden file (.UID.source.pending)
 *                      that no open transaction will publish: repair
 *                      removes it
 *   unreadable-source  an email2- source file that is not a key file with a
 *                      [Data Source] group: repair moves it aside
 *                      (NAME.source.broken, which is not loaded)
 *
 * A host adds what it knows of its own items and the sources it holds
 * (plugin/evolution/email2-evolution-check.c). Nothing here reads a
 * secret.
 */

#include "config.h"

#include <errno.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "email2-check-private.h"
#include "email2-journal-private.h"
#include "email2-keyring-private.h"

/* What the UIDs of email2's sources begin with. */
#define SOURCE_UID_PREFIX "email2-"

/**
 * email2_check_finding_free:
 * @finding: (nullable): a finding
 */
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

/**
 * email2_check_findings_new:
 *
 * Returns: (transfer full) (element-type Email2CheckFinding): no finding yet
 */
GPtrArray *
email2_check_findings_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) email2_check_finding_free);
}

/**
 * email2_check_add:
 * @findings: (element-type Email2CheckFinding): what was found so far
 * @kind: the finding's kind
 * @subject: (nullable): what it is about
 * @detail: (transfer full): what is wrong
 * @action: (transfer full): what was done, or is to be done
 * @repaired: whether the repair fixed it
 */
void
email2_check_add (GPtrArray  *findings,
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
}

/**
 * email2_check_findings_add:
 * @findings: (element-type Email2CheckFinding): what a check found
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

/**
 * email2_check_keyring_usable:
 * @findings: (element-type Email2CheckFinding): what was found so far
 *
 * Returns: whether the keyring can be checked; if not, a keyring-locked
 *   finding says so
 */
gboolean
email2_check_keyring_usable (GPtrArray *findings)
{
  g_autoptr(GError) error = NULL;

  if (email2_keyring_ensure_usable (&error))
    return TRUE;
  email2_check_add (findings, "keyring-locked", SECRET_COLLECTION_DEFAULT, g_strdup (error->message),
                    g_strdup (_("the secrets were not checked: unlock the keyring and repeat")), FALSE);
  return FALSE;
}

/**
 * email2_check_search:
 * @schema: the items' schema
 * @attribute: (nullable): an attribute they have
 * @value: its value
 *
 * Returns: (transfer full) (element-type SecretItem): every item that
 *   matches, locked or not
 */
GList *
email2_check_search (const SecretSchema *schema,
                     const char         *attribute,
                     const char         *value)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);

  if (attribute != NULL)
    g_hash_table_insert (attributes, (char *) attribute, (char *) value);
  return secret_password_searchv_sync (schema, attributes, SECRET_SEARCH_ALL, NULL, NULL);
}

/**
 * email2_check_orphan:
 * @findings: (element-type Email2CheckFinding): what was found so far
 * @item: an item nothing needs
 * @subject: (nullable): what it was for
 * @detail: (transfer full): why it is an orphan
 * @repair: remove it
 *
 * Removes an orphan, or says that repair would.
 */
void
email2_check_orphan (GPtrArray  *findings,
                     SecretItem *item,
                     const char *subject,
                     char       *detail,
                     gboolean    repair)
{
  g_autoptr(GError) error = NULL;

  if (!repair)
    email2_check_add (findings, "orphan-item", subject, detail,
                      g_strdup (_("email2ctl check --repair removes it")), FALSE);
  else if (secret_item_delete_sync (item, NULL, &error))
    email2_check_add (findings, "orphan-item", subject, detail, g_strdup (_("removed")), TRUE);
  else
    email2_check_add (findings, "orphan-item", subject, detail,
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

/**
 * email2_check_orphans:
 * @accounts: (element-type utf8 Email2Account): the host's accounts, by
 *   canonical GUID
 * @open_transaction: (nullable): the transaction a journal leaves open,
 *   whose backups are not orphans
 * @repair: remove the orphans
 * @findings: (element-type Email2CheckFinding): what was found so far
 *
 * Finds email2's items that nothing needs: backups of no open
 * transaction, provisioned secrets of an account that is not there or
 * has no such node.
 */
void
email2_check_orphans (GHashTable *accounts,
                      const char *open_transaction,
                      gboolean    repair,
                      GPtrArray  *findings)
{
  GList *items = email2_check_search (email2_keyring_backup_schema (), NULL, NULL);

  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *transaction = g_hash_table_lookup (attributes, "email2-transaction");
      const char *guid = g_hash_table_lookup (attributes, "email2-guid");

      if (open_transaction != NULL && g_strcmp0 (transaction, open_transaction) == 0)
        continue;
      email2_check_orphan (findings, l->data, guid,
                           g_strdup_printf (_("A backup of %s for transaction %s, which is not open"),
                                            (char *) g_hash_table_lookup (attributes, "email2-node"),
                                            transaction != NULL ? transaction : "?"),
                           repair);
    }
  g_list_free_full (items, g_object_unref);

  items = email2_check_search (email2_keyring_provisioned_schema (), NULL, NULL);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *guid = g_hash_table_lookup (attributes, "email2-guid");
      const char *node = g_hash_table_lookup (attributes, "email2-node");
      char canonical[EMAIL2_GUID_SIZE];
      const Email2Account *account = NULL;
      Email2NodeId id = node_by_name (node);

      if (guid != NULL && email2_guid_canonicalize (guid, canonical))
        account = g_hash_table_lookup (accounts, canonical);
      if (account != NULL && id != EMAIL2_N_NODES && email2_account_has (account, id))
        continue;
      email2_check_orphan (findings, l->data, guid,
                           g_strdup_printf (account == NULL ? _("The %s of an account that is not there")
                                                            : _("The %s of an account that has none"),
                                            node != NULL ? node : "?"),
                           repair);
    }
  g_list_free_full (items, g_object_unref);
}

/**
 * email2_check_provisioned:
 * @account: one of the host's accounts
 * @findings: (element-type Email2CheckFinding): what was found so far
 *
 * Finds the secrets the payload gave @account that the keyring lacks:
 * they must be sent again.
 */
void
email2_check_provisioned (const Email2Account *account,
                          GPtrArray           *findings)
{
  static const Email2NodeId secret_nodes[] = { EMAIL2_NODE_AUTHSECRET, EMAIL2_NODE_SMTPALTPASSWORD };
  const char *guid = email2_account_get_guid (account);

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      const char *node = email2_schema_get (secret_nodes[i])->name;
      g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", guid,
                                                                        "email2-node", node, NULL);

      if (email2_account_has (account, secret_nodes[i]) &&
          email2_keyring_count (email2_keyring_provisioned_schema (), attributes, NULL) == 0)
        email2_check_add (findings, "missing-secret", guid,
                          g_strdup_printf (_("The payload gave %s; the keyring lacks it"), node),
                          g_strdup_printf (_("send the account's %s again"), node), FALSE);
    }
}

/**
 * email2_check_journal:
 * @journal: the host's transaction journal
 * @repair: end a journal left open
 * @recover: how the host ends it (as at its start)
 * @user_data: for @recover
 * @findings: (element-type Email2CheckFinding): what was found so far
 *
 * Finds a transaction not ended (its process stopped, or its undo needed
 * a keyring that was gone): open-journal. Call it where no transaction
 * runs; the journal is read without its lock.
 *
 * Returns: (transfer full) (nullable): the id of the transaction left
 *   open, whose backups and pending files are not orphans; %NULL when
 *   there is none (or it was ended)
 */
char *
email2_check_journal (Email2Journal          *journal,
                      gboolean                repair,
                      Email2CheckRecoverFunc  recover,
                      gpointer                user_data,
                      GPtrArray              *findings)
{
  static const char * const state_names[] = { NULL, "open", "committed" };
  const char *path = email2_journal_get_path (journal);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  Email2JournalState state = EMAIL2_JOURNAL_NONE;
  char *detail;

  if (!email2_journal_exists (journal))
    return NULL;

  if (email2_journal_load (journal, NULL))
    {
      id = email2_journal_dup_transaction (journal);
      state = email2_journal_get_state (journal);
    }
  detail = g_strdup_printf (_("Transaction %s (%s) was not ended"), id != NULL ? id : "?",
                            state_names[state] != NULL ? state_names[state] : _("unreadable"));

  if (!repair)
    {
      email2_check_add (findings, "open-journal", path, detail,
                        g_strdup (_("email2ctl check --repair ends it, as the registry's next start does")),
                        FALSE);
      return g_steal_pointer (&id);
    }

  if (recover (user_data, &error))
    {
      email2_check_add (findings, "open-journal", path, detail,
                        g_strdup (state == EMAIL2_JOURNAL_COMMITTED ? _("finished: its changes stay")
                                                                      : _("undone: every account as before it")),
                        TRUE);
      return NULL;
    }
  email2_check_add (findings, "open-journal", path, detail,
                    g_strdup_printf (_("could not be ended (%s); fix that and repeat"), error->message),
                    FALSE);
  return g_steal_pointer (&id);
}

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
    email2_check_add (findings, "pending-source", path, detail,
                      g_strdup (_("email2ctl check --repair removes it")), FALSE);
  else if (g_unlink (path) == 0)
    email2_check_add (findings, "pending-source", path, detail, g_strdup (_("removed")), TRUE);
  else
    email2_check_add (findings, "pending-source", path, detail,
                      g_strdup_printf (_("could not be removed: %s"), g_strerror (errno)), FALSE);
}

/* A source file that cannot be loaded: moved aside by a repair. */
static void
check_unreadable_file (const char *path,
                       GError     *error,
                       gboolean    repair,
                       GPtrArray  *findings)
{
  g_autofree char *broken = NULL;
  const char *why = error != NULL ? error->message : _("No [Data Source] group");

  if (!repair)
    {
      email2_check_add (findings, "unreadable-source", path, g_strdup (why),
                        g_strdup (_("email2ctl check --repair moves it aside; then delete the account and send its creation again")),
                        FALSE);
      return;
    }
  broken = g_strconcat (path, ".broken", NULL);
  if (g_rename (path, broken) == 0)
    email2_check_add (findings, "unreadable-source", path, g_strdup (why),
                      g_strdup_printf (_("moved to %s; delete the account and send its creation again"), broken),
                      TRUE);
  else
    email2_check_add (findings, "unreadable-source", path, g_strdup (why),
                      g_strdup_printf (_("could not be moved aside: %s"), g_strerror (errno)), FALSE);
}

/**
 * email2_check_source_files:
 * @dir: where the host keeps its source files: key files, one per
 *   source, `UID.source` with a `[Data Source]` group (Evolution's form);
 *   a new account's written as the hidden `.UID.source.pending` until its
 *   transaction commits
 * @open_transaction: (nullable): the transaction a journal leaves open,
 *   whose pending files it will publish or remove
 * @repair: remove pending files, move unreadable ones aside
 * @findings: (element-type Email2CheckFinding): what was found so far
 *
 * Finds, among email2's files (UIDs beginning `email2-`), a pending file
 * no transaction will publish (pending-source) and a file that is no key
 * file with a `[Data Source]` group (unreadable-source; repaired by
 * moving it to `NAME.broken`, which is not loaded). Reads files only.
 */
void
email2_check_source_files (const char *dir,
                           const char *open_transaction,
                           gboolean    repair,
                           GPtrArray  *findings)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GKeyFile) key_file = NULL;
      g_autoptr(GError) error = NULL;

      if (g_str_has_prefix (name, "." SOURCE_UID_PREFIX) && g_str_has_suffix (name, ".source.pending"))
        {
          check_pending_file (path, open_transaction, repair, findings);
          continue;
        }
      if (!g_str_has_prefix (name, SOURCE_UID_PREFIX) || !g_str_has_suffix (name, ".source"))
        continue;
      key_file = g_key_file_new ();
      if (g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error) &&
          g_key_file_has_group (key_file, "Data Source"))
        continue;
      check_unreadable_file (path, error, repair, findings);
    }
}
