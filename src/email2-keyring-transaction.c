/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The provisioned secrets in a host's transaction (docs/DESIGN.md §3.8):
 * the secrets a change replaces or removes are backed up to items of the
 * transaction (email2-keyring.c), the journal names them, and only then
 * are they changed; an undo restores exactly the backups the journal
 * names. Each durable step is reported to the transaction, whose crash
 * tests kill it there. And what a store's own copies of the secrets are
 * made from: the provisioned secrets, and the rule that keeps a password
 * the user typed.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "email2-journal-private.h"
#include "email2-keyring-private.h"

static const Email2NodeId secret_nodes[] = { EMAIL2_NODE_AUTHSECRET, EMAIL2_NODE_SMTPALTPASSWORD };

/* Whether @node of @before is replaced or dropped by @after (%NULL: the
 * account goes), or set where it was not. */
static gboolean
secret_changes (const Email2Account *before,
                const Email2Account *after,
                Email2NodeId         node)
{
  gboolean had = before != NULL && email2_account_has (before, node);
  gboolean wants = after != NULL && email2_account_has (after, node);

  return wants ? email2_account_get (after, node) != NULL : had;
}

/**
 * email2_keyring_write_provisioned:
 * @journal: the transaction's journal, open, the account added to it
 * @before: (nullable): the account before the transaction; %NULL: created
 * @after: (nullable): the account the transaction makes; %NULL: removed
 * @step: called after each durable step (a crash point of the tests)
 * @user_data: for @step
 * @touched: (inout): set to %TRUE from the first attempt to change the
 *   keyring on: a change that failed to be confirmed may still have
 *   happened, and only an undo with the keyring takes it back
 * @error: return location for a #GError
 *
 * Backs up the provisioned secrets @after replaces or drops, names them in
 * the journal, then writes the new ones. Only a backup that the journal
 * names is ever restored: a keyring that dies while it creates an item can
 * leave the item with an empty secret (gnome-keyring makes the item, saves
 * it, then sets its secret), and the store fails; such a backup is of a
 * secret that was never changed, and restoring it would put the empty one
 * in its place.
 *
 * Returns: %TRUE when the keyring holds what @after provisions
 */
gboolean
email2_keyring_write_provisioned (Email2Journal        *journal,
                                  const Email2Account  *before,
                                  const Email2Account  *after,
                                  Email2KeyringStepFunc step,
                                  gpointer              user_data,
                                  gboolean             *touched,
                                  GError              **error)
{
  const char *guid = email2_account_get_guid (after != NULL ? after : before);
  g_autofree char *transaction = email2_journal_dup_transaction (journal);
  const char *backed_up[G_N_ELEMENTS (secret_nodes) + 1] = { NULL, };
  guint n_backed_up = 0;

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      Email2NodeId node = secret_nodes[i];

      if (!secret_changes (before, after, node) || before == NULL || !email2_account_has (before, node))
        continue;
      *touched = TRUE;
      if (!email2_keyring_back_up (transaction, guid, node, error))
        return FALSE;
      step (user_data);
      backed_up[n_backed_up++] = email2_schema_get (node)->name;
    }

  if (n_backed_up > 0)
    {
      if (!email2_journal_name_backups (journal, guid, backed_up, error))
        return FALSE;
      step (user_data);
    }

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      Email2NodeId node = secret_nodes[i];
      const char *value = after != NULL ? email2_account_get (after, node) : NULL;

      if (!secret_changes (before, after, node))
        continue;
      *touched = TRUE;
      if (value != NULL ? !email2_keyring_store (guid, node, value, error)
                        : !email2_keyring_clear (guid, node, error))
        return FALSE;
      step (user_data);
    }

  return TRUE;
}

/**
 * email2_keyring_undo_provisioned:
 * @journal: the transaction's journal
 * @guid: one of its accounts
 * @before: (nullable): @guid before the transaction; %NULL: it created it
 * @left: (out caller-allocates): an account of @guid, told which
 *   provisioned secrets the transaction left (email2_account_set_kept()),
 *   read before they are put back
 * @error: return location for a #GError
 *
 * Puts the provisioned secrets of @guid back as they were before the
 * transaction: from the backups the journal names, removing those
 * @before did not have; a secret never replaced stays.
 *
 * Returns: %TRUE when they are back
 */
gboolean
email2_keyring_undo_provisioned (Email2Journal        *journal,
                                 const char           *guid,
                                 const Email2Account  *before,
                                 Email2Account        *left,
                                 GError              **error)
{
  g_autofree char *transaction = email2_journal_dup_transaction (journal);

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (email2_keyring_has (guid, secret_nodes[i], &local_error))
        email2_account_set_kept (left, secret_nodes[i]);
      else if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (secret_nodes); i++)
    {
      Email2NodeId node = secret_nodes[i];
      Email2JournalBackup named = email2_journal_get_backup (journal, guid, node);
      char *backup = NULL;     /* not replaced: any backup item is torn */
      gboolean ok;

      if (named != EMAIL2_JOURNAL_BACKUP_NONE)
        {
          g_autoptr(GError) local_error = NULL;

          backup = email2_keyring_lookup_backup (transaction, guid, node, &local_error);
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          /* Named, but not found or not readable (a locked keyring). */
          if (backup == NULL && named == EMAIL2_JOURNAL_BACKUP_NAMED)
            {
              g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                           _("A password is missing from the keyring"));
              return FALSE;
            }
        }

      if (backup != NULL)
        ok = email2_keyring_store (guid, node, backup, error);
      else if (before == NULL || !email2_account_has (before, node))
        ok = email2_keyring_clear (guid, node, error);
      else
        ok = TRUE;             /* never replaced */
      email2_secret_free (backup);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/**
 * email2_keyring_dup_secret:
 * @account: an account of a transaction
 * @node: a secret node set in @account
 * @error: return location for a #GError
 *
 * What a store's copy of @node is made from: the new value when the
 * payload set one, else the provisioned one from the keyring.
 *
 * Returns: (transfer full): the secret, for email2_secret_free(); %NULL
 *   and @error when the keyring lacks it
 */
char *
email2_keyring_dup_secret (const Email2Account  *account,
                           Email2NodeId          node,
                           GError              **error)
{
  const char *value = email2_account_get (account, node);

  return value != NULL ? g_strdup (value)
                       : email2_keyring_lookup_required (email2_account_get_guid (account), node, error);
}

/**
 * email2_keyring_typed_password_stays:
 * @before: (nullable): the account before the change
 * @after: (nullable): the account after it
 * @node: the secret a store's item would hold, or %EMAIL2_N_NODES
 * @servers: (array length=n_servers): the servers the item's password is
 *   sent to
 * @n_servers: their number; 0 in an undo (the servers are those it was
 *   typed for)
 *
 * Whether a store's item holds a password the user typed (the mail client
 * asked, as for any account without a stored password: a system payload
 * gives none), which a change leaves alone: @before provisions no password
 * at all, @after not @node, and none of @servers moved to another host;
 * typed for another host, it is removed and the client asks again
 * (docs/DESIGN.md §3.1, §5.3).
 *
 * Returns: %TRUE when the item is to stay as it is
 */
gboolean
email2_keyring_typed_password_stays (const Email2Account *before,
                                     const Email2Account *after,
                                     Email2NodeId         node,
                                     const Email2NodeId  *servers,
                                     gsize                n_servers)
{
  if (before == NULL || after == NULL ||
      email2_account_has (before, EMAIL2_NODE_AUTHSECRET) ||
      email2_account_has (before, EMAIL2_NODE_SMTPALTPASSWORD) ||
      (node != EMAIL2_N_NODES && email2_account_has (after, node)))
    return FALSE;
  for (gsize i = 0; i < n_servers; i++)
    if (email2_account_moves_server (before, after, servers[i]))
      return FALSE;
  return TRUE;
}
