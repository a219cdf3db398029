/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Evolution's copies of the provisioned secrets (docs/DESIGN.md §3.1):
 * items of EDS's own schema, which EDS reads a source's password from.
 *
 *   org.gnome.Evolution.Data.Source  (e-source-uid): made from the
 *                                    provisioned ones (src/email2-keyring.c)
 *                                    whenever an account changes: the account
 *                                    UID holds AUTHSECRET, the transport UID
 *                                    the secret SMTP authenticates with, the
 *                                    contacts-and-calendars collection's UID
 *                                    AUTHSECRET
 *
 * A password the user typed into Evolution (no payload gave one) stays
 * while its server does. Every store and clear is confirmed and bounded
 * in time as the library's are (email2_keyring_store_verified()).
 */

#include "config.h"

#include "email2-evolution-collection.h"
#include "email2-evolution-keyring.h"
#include "email2-evolution-sources.h"
#include "email2-keyring-private.h"

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


/**
 * email2_evolution_keyring_eds_schema:
 *
 * Returns: (transfer none): EDS's password schema
 */
const SecretSchema *
email2_evolution_keyring_eds_schema (void)
{
  return &eds_schema;
}

/* ---- Evolution's copies ---- */

/**
 * email2_evolution_keyring_store_eds:
 * @uid: a source's UID
 * @label: the label EDS gives its password
 * @secret: the password
 * @error: return location for a #GError
 *
 * Stores Evolution's password of the source @uid.
 *
 * Returns: %TRUE when the keyring holds it
 */
gboolean
email2_evolution_keyring_store_eds (const char  *uid,
                                    const char  *label,
                                    const char  *secret,
                                    GError     **error)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("e-source-uid", uid, "eds-origin", EDS_ORIGIN, NULL);

  return email2_keyring_store_verified (&eds_schema, attributes, label, secret, error);
}

static gboolean
clear_eds (const char  *uid,
           GError     **error)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("e-source-uid", uid, NULL);

  return email2_keyring_clear_verified (&eds_schema, attributes, error);
}

/* Makes the item of @uid hold @node of @account, or removes it when @node
 * is EMAIL2_N_NODES or not set, unless it holds what the user typed
 * (@typed). */
static gboolean
write_eds (const char          *uid,
           const char          *label,
           const Email2Account *account,
           Email2NodeId         node,
           gboolean             typed,
           GError             **error)
{
  char *secret;
  gboolean ok;

  if (account == NULL || node == EMAIL2_N_NODES || !email2_account_has (account, node))
    return typed || clear_eds (uid, error);

  secret = email2_keyring_dup_secret (account, node, error);
  if (secret == NULL)
    return FALSE;
  ok = email2_evolution_keyring_store_eds (uid, label, secret, error);
  email2_secret_free (secret);
  return ok;
}

/**
 * email2_evolution_keyring_write_collection:
 * @guid: the account's GUID
 * @before: (nullable): the account before the transaction; %NULL when
 *   created; in an undo, what the transaction left provisioned
 * @account: (nullable): the account as it is to be; %NULL when removed
 * @servers_unchanged: %TRUE in an undo: @account's servers are those the
 *   items were written for, so a typed password stays without a comparison
 * @error: return location for a #GError
 *
 * Makes the item of the account's contacts and calendars collection (EDS
 * schema, the collection's UID) hold AUTHSECRET when @account has a
 * collection, and removes it otherwise; without AUTHSECRET, the password
 * the user typed stays while the servers do. Store it before the
 * collection is added: EDS's discovery starts at once and must find it, or
 * a client would be asked.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_evolution_keyring_write_collection (const char          *guid,
                                           const Email2Account *before,
                                           const Email2Account *account,
                                           gboolean             servers_unchanged,
                                           GError             **error)
{
  static const Email2NodeId servers[] = {
    EMAIL2_NODE_CONTACTSSERVER, EMAIL2_NODE_CALENDARSERVER,
    EMAIL2_NODE_INSERVER,       /* the domain of an unnamed one */
  };
  g_autofree char *uid = email2_evolution_collection_uid (guid);
  g_autofree char *label = g_strdup_printf ("EMAIL2 contacts and calendars of account %s", guid);
  gboolean wanted = account != NULL && email2_evolution_collection_wanted (account);
  gboolean typed = wanted && email2_keyring_typed_password_stays (before, account, EMAIL2_NODE_AUTHSECRET,
                                                   servers,
                                                   servers_unchanged ? 0 : G_N_ELEMENTS (servers));

  return write_eds (uid, label, account, wanted ? EMAIL2_NODE_AUTHSECRET : EMAIL2_N_NODES,
                    typed, error);
}

/**
 * email2_evolution_keyring_write_eds:
 * @guid: the account
 * @before: (nullable): the account before the transaction; %NULL when
 *   created; in an undo, what the transaction left provisioned
 * @account: (nullable): the account as provisioned; %NULL: removed
 * @servers_unchanged: %TRUE in an undo: @account's servers are those the
 *   items were written for, so a typed password stays without a comparison
 * @account_label: the label of the account's item
 * @transport_label: the label of the transport's item
 * @error: return location for a #GError
 *
 * Makes Evolution's password items match @account. Where neither @before
 * nor @account provisions a password, the one the user typed into
 * Evolution stays, unless its server moved to another host (docs/DESIGN.md
 * §3.1).
 *
 * Returns: %TRUE when they do
 */
gboolean
email2_evolution_keyring_write_eds (const char          *guid,
                                    const Email2Account *before,
                                    const Email2Account *account,
                                    gboolean             servers_unchanged,
                                    const char          *account_label,
                                    const char          *transport_label,
                                    GError             **error)
{
  g_autofree char *uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_ACCOUNT);
  g_autofree char *transport_uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_TRANSPORT);
  static const Email2NodeId inserver[] = { EMAIL2_NODE_INSERVER };
  static const Email2NodeId outserver[] = { EMAIL2_NODE_OUTSERVER };
  Email2NodeId transport_node = account != NULL
                                ? email2_account_server_secret (account, EMAIL2_NODE_OUTSERVER)
                                : EMAIL2_N_NODES;
  gboolean typed = email2_keyring_typed_password_stays (before, account, EMAIL2_NODE_AUTHSECRET, inserver,
                                         servers_unchanged ? 0 : G_N_ELEMENTS (inserver));
  gboolean transport_typed = email2_keyring_typed_password_stays (before, account, transport_node, outserver,
                                                   servers_unchanged ? 0 : G_N_ELEMENTS (outserver));

  return write_eds (uid, account_label, account, EMAIL2_NODE_AUTHSECRET, typed, error) &&
         write_eds (transport_uid, transport_label, account, transport_node, transport_typed, error);
}

