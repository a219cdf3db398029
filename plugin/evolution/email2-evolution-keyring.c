/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The keyring side of the Evolution host (docs/DESIGN.md §3.1): three
 * schemas of libsecret items.
 *
 *   io.github.email2.Secret          (email2-guid, email2-node): the truth,
 *                                    each provisioned secret as provisioned
 *   org.gnome.Evolution.Data.Source  (e-source-uid): Evolution's copies, made
 *                                    from the provisioned ones whenever an
 *                                    account changes: the account UID holds
 *                                    AUTHSECRET, the transport UID the secret
 *                                    SMTP authenticates with
 *   io.github.email2.Backup          (email2-transaction, email2-guid,
 *                                    email2-node): a provisioned secret about
 *                                    to be replaced or removed, kept until its
 *                                    transaction is committed or undone
 *
 * Every call blocks: the host makes them in the worker thread, never on
 * the registry's main context. Secrets are overwritten before they are
 * freed (email2_secret_free()).
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "email2-evolution-collection.h"
#include "email2-evolution-keyring.h"
#include "email2-evolution-sources.h"

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

static const SecretSchema email2_schema = {
  "io.github.email2.Secret", SECRET_SCHEMA_NONE,
  {
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static const SecretSchema backup_schema = {
  "io.github.email2.Backup", SECRET_SCHEMA_NONE,
  {
    { "email2-transaction", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static void
set_missing (GError **error)
{
  if (error != NULL && *error == NULL)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("A password is missing from the keyring"));
}

/* secret_password_clear_sync() returns FALSE also when nothing matched. */
static gboolean
clear_done (GError  *local_error,
            GError **error)
{
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* ---- provisioned secrets ---- */

/**
 * email2_evolution_keyring_lookup:
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the provisioned secret, to be freed
 *   with email2_secret_free(); %NULL without @error when there is none
 */
char *
email2_evolution_keyring_lookup (const char    *guid,
                                 Email2NodeId   node,
                                 GError       **error)
{
  return secret_password_lookup_sync (&email2_schema, NULL, error, "email2-guid", guid,
                                      "email2-node", email2_schema_get (node)->name, NULL);
}

/**
 * email2_evolution_keyring_store:
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @secret: the value
 * @error: return location for a #GError
 *
 * Returns: %TRUE when stored
 */
gboolean
email2_evolution_keyring_store (const char    *guid,
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

/**
 * email2_evolution_keyring_clear:
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: %TRUE when none is left
 */
gboolean
email2_evolution_keyring_clear (const char    *guid,
                                Email2NodeId   node,
                                GError       **error)
{
  GError *local_error = NULL;

  secret_password_clear_sync (&email2_schema, NULL, &local_error, "email2-guid", guid,
                              "email2-node", email2_schema_get (node)->name, NULL);
  return clear_done (local_error, error);
}

/* ---- backups ---- */

/**
 * email2_evolution_keyring_back_up:
 * @transaction: the transaction's id
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD, set
 * @error: return location for a #GError
 *
 * Copies the provisioned secret into a backup item of @transaction.
 *
 * Returns: %TRUE when the backup is stored
 */
gboolean
email2_evolution_keyring_back_up (const char    *transaction,
                                  const char    *guid,
                                  Email2NodeId   node,
                                  GError       **error)
{
  const char *name = email2_schema_get (node)->name;
  g_autofree char *label = NULL;
  char *old = email2_evolution_keyring_lookup (guid, node, error);
  gboolean ok;

  if (old == NULL)
    {
      set_missing (error);
      return FALSE;
    }
  label = g_strdup_printf ("EMAIL2 %s of account %s, kept until transaction %s ends",
                           name, guid, transaction);
  ok = secret_password_store_sync (&backup_schema, SECRET_COLLECTION_DEFAULT, label, old,
                                   NULL, error, "email2-transaction", transaction,
                                   "email2-guid", guid, "email2-node", name, NULL);
  email2_secret_free (old);
  return ok;
}

/**
 * email2_evolution_keyring_lookup_backup:
 * @transaction: the transaction's id
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the backup, to be freed with
 *   email2_secret_free(); %NULL without @error when there is none
 */
char *
email2_evolution_keyring_lookup_backup (const char    *transaction,
                                        const char    *guid,
                                        Email2NodeId   node,
                                        GError       **error)
{
  return secret_password_lookup_sync (&backup_schema, NULL, error,
                                      "email2-transaction", transaction, "email2-guid", guid,
                                      "email2-node", email2_schema_get (node)->name, NULL);
}

/**
 * email2_evolution_keyring_clear_backups:
 * @transaction: the transaction's id
 * @error: return location for a #GError
 *
 * Returns: %TRUE when no backup of @transaction is left
 */
gboolean
email2_evolution_keyring_clear_backups (const char  *transaction,
                                        GError     **error)
{
  GError *local_error = NULL;

  secret_password_clear_sync (&backup_schema, NULL, &local_error,
                              "email2-transaction", transaction, NULL);
  return clear_done (local_error, error);
}

/* ---- Evolution's copies ---- */

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
  GError *local_error = NULL;

  secret_password_clear_sync (&eds_schema, NULL, &local_error, "e-source-uid", uid, NULL);
  return clear_done (local_error, error);
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

  return value != NULL ? g_strdup (value) : email2_evolution_keyring_lookup (guid, node, error);
}

/* Makes the item of @uid hold @node of @account, or removes it when @node
 * is EMAIL2_N_NODES or not set. */
static gboolean
write_eds (const char          *uid,
           const char          *label,
           const char          *guid,
           const Email2Account *account,
           Email2NodeId         node,
           GError             **error)
{
  char *secret;
  gboolean ok;

  if (account == NULL || node == EMAIL2_N_NODES || !email2_account_has (account, node))
    return clear_eds (uid, error);

  secret = provisioned_value (guid, account, node, error);
  if (secret == NULL)
    {
      set_missing (error);
      return FALSE;
    }
  ok = store_eds (uid, label, secret, error);
  email2_secret_free (secret);
  return ok;
}

/**
 * email2_evolution_keyring_write_collection:
 * @guid: the account's GUID
 * @account: (nullable): the account as it is to be; %NULL when removed
 * @touched: (out): set once the keyring changed
 * @error: return location for a #GError
 *
 * Makes the item of the account's contacts and calendars collection (EDS
 * schema, the collection's UID) hold AUTHSECRET when @account has a
 * collection, and removes it otherwise. Store it before the collection is
 * added: EDS's discovery starts at once and must find it, or a client
 * would be asked.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_evolution_keyring_write_collection (const char          *guid,
                                           const Email2Account *account,
                                           gboolean            *touched,
                                           GError             **error)
{
  g_autofree char *uid = email2_evolution_collection_uid (guid);
  g_autofree char *label = g_strdup_printf ("EMAIL2 contacts and calendars of account %s", guid);
  gboolean wanted = account != NULL && email2_evolution_collection_wanted (account);

  if (!write_eds (uid, label, guid, account, wanted ? EMAIL2_NODE_AUTHSECRET : EMAIL2_N_NODES, error))
    return FALSE;
  *touched = TRUE;
  return TRUE;
}

/**
 * email2_evolution_keyring_write_eds:
 * @guid: the account
 * @account: (nullable): the account as provisioned; %NULL: removed
 * @account_label: the label of the account's item
 * @transport_label: the label of the transport's item
 * @touched: set to %TRUE once an item changed
 * @error: return location for a #GError
 *
 * Makes Evolution's password items match @account.
 *
 * Returns: %TRUE when they do
 */
gboolean
email2_evolution_keyring_write_eds (const char          *guid,
                                    const Email2Account *account,
                                    const char          *account_label,
                                    const char          *transport_label,
                                    gboolean            *touched,
                                    GError             **error)
{
  g_autofree char *uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_ACCOUNT);
  g_autofree char *transport_uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_TRANSPORT);
  Email2NodeId transport_node = account != NULL ? email2_evolution_transport_secret (account)
                                                : EMAIL2_N_NODES;

  if (!write_eds (uid, account_label, guid, account, EMAIL2_NODE_AUTHSECRET, error))
    return FALSE;
  *touched = TRUE;

  if (!write_eds (transport_uid, transport_label, guid, account, transport_node, error))
    return FALSE;
  *touched = TRUE;

  return TRUE;
}
