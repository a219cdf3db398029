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
 * A host adds what it knows of its own files and items
 * (plugin/evolution/email2-evolution-check.c). Nothing here reads a
 * secret.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "email2-check-private.h"
#include "email2-keyring-private.h"

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
