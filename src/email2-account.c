/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Account: the nodes of one account, as the engine sees them during
 * a transaction. A slot is unset, set to a value, or (for a secret) "kept":
 * set, with the value held by the host's keyring and never read back.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-account.h"
#include "email2-error.h"
#include "email2-locuri.h"

#define N_SLOTS (EMAIL2_N_NODES - EMAIL2_FIRST_SLOT)
#define SLOT(node) ((node) - EMAIL2_FIRST_SLOT)

/* The value of a kept secret: set, but not known here. */
static const char kept[] = "";

struct _Email2Account {
  char guid[EMAIL2_GUID_SIZE];
  char *values[N_SLOTS];
};

G_DEFINE_BOXED_TYPE (Email2Account, email2_account, email2_account_copy, email2_account_free)

static gboolean
is_slot (Email2NodeId node)
{
  return node >= EMAIL2_FIRST_SLOT && node < EMAIL2_N_NODES;
}

static gboolean
is_secret (Email2NodeId node)
{
  return (email2_schema_get (node)->flags & EMAIL2_NODE_FLAG_SECRET) != 0;
}

/**
 * email2_secret_free:
 * @secret: (nullable): a secret string
 *
 * Overwrites @secret before freeing it, so that a password does not linger
 * in freed memory.
 */
void
email2_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
clear_slot (Email2Account *account,
            guint          slot)
{
  char *value = g_steal_pointer (&account->values[slot]);

  if (value == kept || value == NULL)
    return;

  if (is_secret (slot + EMAIL2_FIRST_SLOT))
    email2_secret_free (value);
  else
    g_free (value);
}

/**
 * email2_account_new:
 * @guid: a canonical GUID (see email2_guid_canonicalize())
 *
 * Returns: (transfer full): an account with no node set
 */
Email2Account *
email2_account_new (const char *guid)
{
  Email2Account *account;

  g_return_val_if_fail (guid != NULL && strlen (guid) == EMAIL2_GUID_SIZE - 1, NULL);

  account = g_new0 (Email2Account, 1);
  memcpy (account->guid, guid, EMAIL2_GUID_SIZE);

  return account;
}

/**
 * email2_account_copy:
 * @account: an account
 *
 * Returns: (transfer full): a deep copy of @account, secrets included
 */
Email2Account *
email2_account_copy (const Email2Account *account)
{
  Email2Account *copy;

  g_return_val_if_fail (account != NULL, NULL);

  copy = email2_account_new (account->guid);
  for (guint i = 0; i < N_SLOTS; i++)
    {
      const char *value = account->values[i];

      copy->values[i] = value == kept ? (char *) kept : g_strdup (value);
    }

  return copy;
}

/**
 * email2_account_free:
 * @account: (nullable): an account
 *
 * Frees @account, overwriting the secrets it holds.
 */
void
email2_account_free (Email2Account *account)
{
  if (account == NULL)
    return;

  for (guint i = 0; i < N_SLOTS; i++)
    clear_slot (account, i);
  g_free (account);
}

/**
 * email2_account_get_guid:
 * @account: an account
 *
 * Returns: the canonical GUID of @account
 */
const char *
email2_account_get_guid (const Email2Account *account)
{
  return account->guid;
}

/**
 * email2_account_has:
 * @account: an account
 * @node: a leaf, or %EMAIL2_NODE_TAGPROPS
 *
 * Returns: whether @node exists in @account (a kept secret exists)
 */
gboolean
email2_account_has (const Email2Account *account,
                    Email2NodeId         node)
{
  g_return_val_if_fail (is_slot (node), FALSE);

  return account->values[SLOT (node)] != NULL;
}

/**
 * email2_account_get:
 * @account: an account
 * @node: a leaf, or %EMAIL2_NODE_TAGPROPS
 *
 * For a secret, the value is known only when it was set in this
 * transaction; a kept secret answers %NULL (use email2_account_has()).
 *
 * Returns: (nullable): the value of @node
 */
const char *
email2_account_get (const Email2Account *account,
                    Email2NodeId         node)
{
  const char *value;

  g_return_val_if_fail (is_slot (node), NULL);

  value = account->values[SLOT (node)];
  return value == kept && is_secret (node) ? NULL : value;
}

/**
 * email2_account_set:
 * @account: an account
 * @node: a leaf, or %EMAIL2_NODE_TAGPROPS (whose value is "")
 * @value: the new value, already checked against the schema
 */
void
email2_account_set (Email2Account *account,
                    Email2NodeId   node,
                    const char    *value)
{
  g_return_if_fail (is_slot (node));
  g_return_if_fail (value != NULL);

  clear_slot (account, SLOT (node));
  account->values[SLOT (node)] = g_strdup (value);
}

/**
 * email2_account_set_kept:
 * @account: an account
 * @node: a secret leaf
 *
 * Marks a secret as set, its value staying where the host keeps it.
 */
void
email2_account_set_kept (Email2Account *account,
                         Email2NodeId   node)
{
  g_return_if_fail (is_slot (node) && is_secret (node));

  clear_slot (account, SLOT (node));
  account->values[SLOT (node)] = (char *) kept;
}

/**
 * email2_account_unset:
 * @account: an account
 * @node: a leaf, or %EMAIL2_NODE_TAGPROPS
 */
void
email2_account_unset (Email2Account *account,
                      Email2NodeId   node)
{
  g_return_if_fail (is_slot (node));

  clear_slot (account, SLOT (node));
}

/**
 * email2_account_forget_secrets:
 * @account: an account
 *
 * Turns every secret value into a kept one, overwriting it.
 */
void
email2_account_forget_secrets (Email2Account *account)
{
  for (guint i = 0; i < N_SLOTS; i++)
    if (account->values[i] != NULL && is_secret (i + EMAIL2_FIRST_SLOT))
      email2_account_set_kept (account, i + EMAIL2_FIRST_SLOT);
}

/**
 * email2_account_equal:
 * @a: an account
 * @b: an account
 *
 * Secrets compare by presence only.
 *
 * Returns: whether @a and @b have the same GUID and nodes
 */
gboolean
email2_account_equal (const Email2Account *a,
                      const Email2Account *b)
{
  if (strcmp (a->guid, b->guid) != 0)
    return FALSE;

  for (guint i = 0; i < N_SLOTS; i++)
    {
      if ((a->values[i] == NULL) != (b->values[i] == NULL))
        return FALSE;
      if (is_secret (i + EMAIL2_FIRST_SLOT))
        continue;
      if (g_strcmp0 (a->values[i], b->values[i]) != 0)
        return FALSE;
    }

  return TRUE;
}

/* What a key file holds in place of a secret: only that it is set. */
#define SECRET_PLACEHOLDER "********"

/**
 * email2_account_to_key_file:
 * @account: an account
 * @file: a key file
 * @group: the group to write, replaced
 *
 * Writes every node @account has, as `PATH=value`; a secret as `********`,
 * never its value.
 */
void
email2_account_to_key_file (const Email2Account *account,
                            GKeyFile            *file,
                            const char          *group)
{
  g_key_file_remove_group (file, group, NULL);

  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);

      if (email2_account_has (account, id))
        g_key_file_set_string (file, group, node->path,
                               node->flags & EMAIL2_NODE_FLAG_SECRET
                               ? SECRET_PLACEHOLDER : email2_account_get (account, id));
    }
}

/**
 * email2_account_new_from_key_file:
 * @guid: the account's canonical GUID
 * @file: a key file
 * @group: a group written by email2_account_to_key_file()
 * @error: return location for a #GError
 *
 * Reads an account back, checking every node and value against the schema;
 * secrets come back kept.
 *
 * Returns: (transfer full) (nullable): the account
 */
Email2Account *
email2_account_new_from_key_file (const char  *guid,
                                  GKeyFile    *file,
                                  const char  *group,
                                  GError     **error)
{
  g_autoptr(Email2Account) account = email2_account_new (guid);
  g_auto(GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = g_key_file_get_string (file, group, keys[i], NULL);
      g_autofree char *canonical = NULL;
      g_auto(GStrv) parts = g_strsplit (keys[i], "/", 2);
      const Email2NodeInfo *node = email2_schema_lookup_child (EMAIL2_NODE_ACCOUNT, parts[0]);

      if (node != NULL && parts[1] != NULL)
        node = email2_schema_lookup_child (node->id, parts[1]);
      if (node == NULL || value == NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("Account %s has an unknown node “%s”"), guid, keys[i]);
          return NULL;
        }

      if (node->flags & EMAIL2_NODE_FLAG_SECRET)
        email2_account_set_kept (account, node->id);
      else if (node->flags & EMAIL2_NODE_FLAG_INTERIOR)
        email2_account_set (account, node->id, "");
      else if (email2_node_check_value (node, value, &canonical, error))
        email2_account_set (account, node->id, canonical);
      else
        {
          g_prefix_error (error, _("Account %s: "), guid);
          return NULL;
        }
    }

  return g_steal_pointer (&account);
}
