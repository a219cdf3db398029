/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Account: the nodes of one account, as the engine sees them during
 * a transaction. A slot is unset, set to a value, or (for a secret) "kept":
 * set, with the value held by the host's keyring and never read back.
 * Besides the nodes, an account records for each server whether the
 * password it is sent was carried over from another host without being
 * sent again (docs/DESIGN.md §5.3): such a server must be reached over
 * TLS.
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
  gboolean carried[2];     /* INSERVER, OUTSERVER: see email2_account_carry_passwords() */
};

/* The servers a password is sent to, in the order of carried[]. */
static const Email2NodeId servers[] = { EMAIL2_NODE_INSERVER, EMAIL2_NODE_OUTSERVER };

/* The key of the carried marks in a key file: not a node's path. */
#define CARRIED_KEY "PasswordCarriedTo"

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
  memcpy (copy->carried, account->carried, sizeof copy->carried);
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
 * Returns: whether @a and @b have the same GUID, nodes and carried
 *   passwords
 */
gboolean
email2_account_equal (const Email2Account *a,
                      const Email2Account *b)
{
  if (strcmp (a->guid, b->guid) != 0 || memcmp (a->carried, b->carried, sizeof a->carried) != 0)
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

static guint
server_index (Email2NodeId server)
{
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    if (servers[i] == server)
      return i;
  g_return_val_if_reached (0);
}

static gboolean
is_set_to_one (const Email2Account *account,
               Email2NodeId         node)
{
  const char *value = email2_account_get (account, node);

  return g_strcmp0 (value, "1") == 0 || g_strcmp0 (value, "TRUE") == 0;
}

/**
 * email2_account_server_secret:
 * @account: an account
 * @server: %EMAIL2_NODE_INSERVER or %EMAIL2_NODE_OUTSERVER
 *
 * Returns: the secret a client logs into @server with: AUTHSECRET for
 *   INSERVER; for OUTSERVER, SMTPALTPASSWORD when the alternate
 *   credentials are enabled, else AUTHSECRET, and %EMAIL2_N_NODES when
 *   AUTHREQUIRED is not 1 (SMTP does not authenticate)
 */
Email2NodeId
email2_account_server_secret (const Email2Account *account,
                              Email2NodeId         server)
{
  if (server == EMAIL2_NODE_INSERVER)
    return EMAIL2_NODE_AUTHSECRET;
  g_return_val_if_fail (server == EMAIL2_NODE_OUTSERVER, EMAIL2_N_NODES);

  if (g_strcmp0 (email2_account_get (account, EMAIL2_NODE_AUTHREQUIRED), "1") != 0)
    return EMAIL2_N_NODES;
  return is_set_to_one (account, EMAIL2_NODE_SMTPALTENABLED) ? EMAIL2_NODE_SMTPALTPASSWORD
                                                              : EMAIL2_NODE_AUTHSECRET;
}

/**
 * email2_account_password_carried:
 * @account: an account
 * @server: %EMAIL2_NODE_INSERVER or %EMAIL2_NODE_OUTSERVER
 *
 * Returns: whether the password @server is sent was carried over from
 *   another host (or from another use) without being sent again
 */
gboolean
email2_account_password_carried (const Email2Account *account,
                                 Email2NodeId         server)
{
  return account->carried[server_index (server)];
}

/**
 * email2_account_set_password_carried:
 * @account: an account
 * @server: %EMAIL2_NODE_INSERVER or %EMAIL2_NODE_OUTSERVER
 * @carried: the mark
 *
 * Sets the mark as a host read it back; email2_account_carry_passwords()
 * is what decides it.
 */
void
email2_account_set_password_carried (Email2Account *account,
                                     Email2NodeId   server,
                                     gboolean       carried)
{
  account->carried[server_index (server)] = carried != FALSE;
}

/* Whether two server values name the same host (ports aside). */
static gboolean
is_same_host (const char *a,
              const char *b)
{
  g_autofree char *host_a = NULL;
  g_autofree char *host_b = NULL;

  if (a == NULL || b == NULL)
    return a == b;
  if (!email2_parse_host_port (a, &host_a, NULL) || !email2_parse_host_port (b, &host_b, NULL))
    return g_ascii_strcasecmp (a, b) == 0;
  return g_ascii_strcasecmp (host_a, host_b) == 0;
}

/**
 * email2_account_moves_server:
 * @before: the account before a transaction
 * @after: the account the transaction makes
 * @server: a server node (INSERVER, OUTSERVER, CONTACTSSERVER, CALENDARSERVER)
 *
 * Returns: whether @server names another host in @after than in @before
 *   (another port, or the same name in other case, is no move)
 */
gboolean
email2_account_moves_server (const Email2Account *before,
                             const Email2Account *after,
                             Email2NodeId         server)
{
  return !is_same_host (email2_account_get (before, server), email2_account_get (after, server));
}

/**
 * email2_account_carry_passwords:
 * @before: (nullable): the account before a transaction; %NULL: created
 * @after: the account the transaction makes, changed in place
 *
 * Decides, for each server of @after, whether the password it is sent is
 * carried over (docs/DESIGN.md §5.3): a password the transaction did not
 * give (a kept secret) that goes to another host than before, or that
 * the server was not sent before (AUTHREQUIRED or SMTPALTENABLED
 * changed). The mark stays until the transaction that gives that
 * password again; a server that is sent no password has none.
 */
void
email2_account_carry_passwords (const Email2Account *before,
                                Email2Account       *after)
{
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      Email2NodeId server = servers[i];
      Email2NodeId secret = email2_account_server_secret (after, server);

      if (before == NULL || secret == EMAIL2_N_NODES || !email2_account_has (after, secret) ||
          email2_account_get (after, secret) != NULL)
        after->carried[i] = FALSE;   /* no password goes there, or a new one */
      else
        after->carried[i] = before->carried[i] ||
                            email2_account_server_secret (before, server) != secret ||
                            !email2_account_has (before, secret) ||
                            email2_account_moves_server (before, after, server);
    }
}

/**
 * email2_account_requires_tls:
 * @account: an account
 * @server: %EMAIL2_NODE_INSERVER or %EMAIL2_NODE_OUTSERVER
 *
 * Returns: whether @server may be reached only over TLS: its TAGPROPS
 *   flag (8128000B, 812C000B) is 1, or its password was carried over
 */
gboolean
email2_account_requires_tls (const Email2Account *account,
                             Email2NodeId         server)
{
  Email2NodeId flag = server == EMAIL2_NODE_INSERVER ? EMAIL2_NODE_TAGPROPS_INSERVER_SSL
                                                     : EMAIL2_NODE_TAGPROPS_OUTSERVER_SSL;

  return g_strcmp0 (email2_account_get (account, flag), "1") == 0 ||
         email2_account_password_carried (account, server);
}

/* What a key file holds in place of a secret: only that it is set. */
#define SECRET_PLACEHOLDER "********"

/**
 * email2_account_dup_carried:
 * @account: an account
 *
 * Returns: (transfer full): the paths of the servers whose password was
 *   carried over (`INSERVER`, `OUTSERVER`), maybe none
 */
char **
email2_account_dup_carried (const Email2Account *account)
{
  g_autoptr(GStrvBuilder) carried = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    if (account->carried[i])
      g_strv_builder_add (carried, email2_schema_get (servers[i])->path);
  return g_strv_builder_end (carried);
}

/**
 * email2_account_set_carried:
 * @account: an account
 * @list: (nullable): paths of servers, as email2_account_dup_carried() gives
 * @error: return location for a #GError
 *
 * Marks the servers @list names as carried over.
 *
 * Returns: %FALSE when @list names something else (the servers it names
 *   are marked all the same)
 */
gboolean
email2_account_set_carried (Email2Account       *account,
                            const char * const  *list,
                            GError             **error)
{
  gboolean ok = TRUE;

  for (guint k = 0; list != NULL && list[k] != NULL; k++)
    {
      guint i = 0;

      while (i < G_N_ELEMENTS (servers) && strcmp (list[k], email2_schema_get (servers[i])->path) != 0)
        i++;
      if (i < G_N_ELEMENTS (servers))
        account->carried[i] = TRUE;
      else if (ok)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("“%s” is not a server"), list[k]);
          ok = FALSE;
        }
    }
  return ok;
}

/**
 * email2_account_to_key_file:
 * @account: an account
 * @file: a key file
 * @group: the group to write, replaced
 *
 * Writes every node @account has, as `PATH=value`; a secret as `********`,
 * never its value; and the servers whose password was carried over, as
 * `PasswordCarriedTo=INSERVER;OUTSERVER;`.
 */
void
email2_account_to_key_file (const Email2Account *account,
                            GKeyFile            *file,
                            const char          *group)
{
  g_auto(GStrv) list = email2_account_dup_carried (account);

  g_key_file_remove_group (file, group, NULL);

  if (list[0] != NULL)
    g_key_file_set_string_list (file, group, CARRIED_KEY, (const char * const *) list,
                                g_strv_length (list));

  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);

      if (email2_account_has (account, id))
        g_key_file_set_string (file, group, node->path,
                               node->flags & EMAIL2_NODE_FLAG_SECRET
                               ? SECRET_PLACEHOLDER : email2_account_get (account, id));
    }
}

/* The node at the first @length bytes of @path ("INSERVER",
 * "TAGPROPS/8128000B"), or %NULL. */
static const Email2NodeInfo *
lookup_path (const char *path,
             gsize       length)
{
  char name[64];
  char *slash;
  const Email2NodeInfo *node;

  if (length >= sizeof name)
    return NULL;
  memcpy (name, path, length);
  name[length] = '\0';
  slash = strchr (name, '/');
  if (slash != NULL)
    *slash = '\0';
  node = email2_schema_lookup_child (EMAIL2_NODE_ACCOUNT, name);
  if (node != NULL && slash != NULL)
    node = email2_schema_lookup_child (node->id, slash + 1);
  return node;
}

/**
 * email2_account_to_strv:
 * @account: an account
 *
 * Lists the nodes @account has, in the schema's order, as `PATH=value`;
 * a secret and an interior node as `PATH` alone: a secret's value is never
 * in the list. A value is the rest of its item after the first `=`, so it
 * may hold any character; GKeyFile's string lists escape `;`, `\` and
 * line ends (docs/DESIGN.md §3, `[EMAIL2]`).
 *
 * Returns: (transfer full): the list
 */
char **
email2_account_to_strv (const Email2Account *account)
{
  GPtrArray *list = g_ptr_array_new ();

  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);

      if (!email2_account_has (account, id))
        continue;
      if (node->flags & (EMAIL2_NODE_FLAG_SECRET | EMAIL2_NODE_FLAG_INTERIOR))
        g_ptr_array_add (list, g_strdup (node->path));
      else
        g_ptr_array_add (list, g_strconcat (node->path, "=", account->values[SLOT (id)], NULL));
    }
  g_ptr_array_add (list, NULL);

  return (char **) g_ptr_array_free (list, FALSE);
}

/**
 * email2_account_set_strv:
 * @account: an account
 * @list: (nullable): items written by email2_account_to_strv()
 *
 * Sets the nodes that @list names: a secret as kept (a value beside it is
 * not read), a node named without a value as "". An item that names no
 * node (one of a later version) is skipped.
 */
void
email2_account_set_strv (Email2Account      *account,
                         const char * const *list)
{
  for (; list != NULL && *list != NULL; list++)
    {
      const char *equals = strchr (*list, '=');
      const Email2NodeInfo *node = lookup_path (*list, equals != NULL ? (gsize) (equals - *list)
                                                                      : strlen (*list));

      if (node == NULL)
        continue;
      if (node->flags & EMAIL2_NODE_FLAG_SECRET)
        email2_account_set_kept (account, node->id);
      else
        email2_account_set (account, node->id, equals != NULL ? equals + 1 : "");
    }
}

/* The items of `Values` for @group in email2 0.1.0's format: `Nodes`, the
 * paths set, and one key per non-secret leaf, its path without `/`. */
static char **
legacy_values (GKeyFile   *file,
               const char *group)
{
  g_auto(GStrv) nodes = g_key_file_get_string_list (file, group, "Nodes", NULL, NULL);
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; nodes != NULL && nodes[i] != NULL; i++)
    {
      g_autoptr(GString) key = g_string_new (nodes[i]);
      g_autofree char *value = NULL;

      g_string_replace (key, "/", "", 0);
      value = g_key_file_get_string (file, group, key->str, NULL);
      g_ptr_array_add (list, value != NULL ? g_strconcat (nodes[i], "=", value, NULL)
                                           : g_strdup (nodes[i]));
    }
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (list, FALSE);
}

/**
 * email2_account_set_legacy_group:
 * @account: an account
 * @file: a key file
 * @group: a group as email2 0.1.0 wrote `[EMAIL2]`: `Nodes`, the paths
 *   set, and one key per non-secret leaf, its path without `/`
 *
 * Sets the nodes that @group names, as email2_account_set_strv() does.
 */
void
email2_account_set_legacy_group (Email2Account *account,
                                 GKeyFile      *file,
                                 const char    *group)
{
  g_auto(GStrv) values = legacy_values (file, group);

  email2_account_set_strv (account, (const char * const *) values);
}

/**
 * email2_account_upgrade_legacy_group:
 * @data: a key file's text
 * @group: a group that email2 0.1.0 may have written
 * @keys: the group's keys in the current format, `Values` among them
 *
 * When @group has 0.1.0's `Nodes`: @data with its nodes in `Values` (if
 * `Values` lists none) and without any key of @group but @keys.
 *
 * Returns: (transfer full) (nullable): the new text; %NULL when @group is
 *   not in 0.1.0's format
 */
char *
email2_account_upgrade_legacy_group (const char         *data,
                                     const char         *group,
                                     const char * const *keys)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) present = NULL;
  g_auto(GStrv) values = NULL;

  /* Only 0.1.0's group has `Nodes`: the search spares the parse. */
  if (strstr (data, "\nNodes=") == NULL ||
      !g_key_file_load_from_data (file, data, -1,
                                  G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS, NULL) ||
      !g_key_file_has_key (file, group, "Nodes", NULL))
    return NULL;

  values = g_key_file_get_string_list (file, group, "Values", NULL, NULL);
  if (values == NULL || values[0] == NULL)
    {
      g_strfreev (values);
      values = legacy_values (file, group);
      g_key_file_set_string_list (file, group, "Values", (const char * const *) values,
                                  g_strv_length (values));
    }
  present = g_key_file_get_keys (file, group, NULL, NULL);
  for (guint i = 0; present[i] != NULL; i++)
    if (!g_strv_contains (keys, present[i]))
      g_key_file_remove_key (file, group, present[i], NULL);
  return g_key_file_to_data (file, NULL, NULL);
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
      const Email2NodeInfo *node = lookup_path (keys[i], strlen (keys[i]));

      if (strcmp (keys[i], CARRIED_KEY) == 0)
        {
          g_auto(GStrv) carried = g_key_file_get_string_list (file, group, CARRIED_KEY, NULL, NULL);

          if (!email2_account_set_carried (account, (const char * const *) carried, error))
            {
              g_prefix_error (error, _("Account %s: "), guid);
              return NULL;
            }
          continue;
        }
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
