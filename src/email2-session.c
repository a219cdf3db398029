/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Session: the EMAIL2 engine. It runs a message's commands against an
 * Email2Host with the OMA DM rules of docs/DESIGN.md §2:
 *
 *  - Add and Replace only inside an Atomic (else 405); Replace adds what is
 *    missing; a Delete outside an Atomic is a transaction of its own;
 *  - an Atomic works on a copy of the accounts it touches; at its end every
 *    touched account must be complete (required nodes, all or none of the
 *    SMTPALT* credentials), and only then are the changes handed to the host
 *    in one begin / apply… / commit;
 *  - on failure the Atomic answers 507, the failing command its own code,
 *    the commands that ran 216 (516 when the host could not undo them), the
 *    commands that never ran 215, and nothing survives.
 *
 * About 970 lines, on purpose for now: the status codes of one message
 * come out of the way a command, its Atomic and the Transaction run
 * together (run_top_level → run_in_transaction → write_item →
 * transaction_commit), and splitting those apart would spread one rule
 * over files. The one cut that is real is the account's completeness
 * rules (apply_defaults, check_complete, check_keepmax: about 100 lines,
 * host-neutral, an Email2Account's own business); they stay here while
 * issue 10's host moves change the SMTPALT* all-or-none rule in them.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-command-private.h"
#include "email2-error.h"
#include "email2-locuri.h"
#include "email2-schema.h"
#include "email2-session.h"
#include "email2-variables.h"

#define SECRET_MASK "********"

struct _Email2Session {
  GObject parent_instance;

  Email2Host *host;
  Email2Variables *variables;
};

G_DEFINE_FINAL_TYPE (Email2Session, email2_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One transaction: an Atomic, or a Delete outside one. */
typedef struct {
  Email2Host *host;
  Email2Variables *variables;  /* a system payload's, or NULL */
  GHashTable *before;    /* GUID → Email2Account*, NULL: did not exist */
  GHashTable *after;     /* GUID → Email2Account*, NULL: does not exist */
  GHashTable *created;   /* GUIDs created in this transaction (a set) */
  GHashTable *blame;     /* GUID → Email2Status* of the last command touching it */
  GPtrArray *order;      /* GUIDs in the order first touched */
  GPtrArray *ran;        /* Email2Status* of commands that ran */
  gboolean failed;
} Transaction;

typedef struct {
  Email2Session *session;
  GPtrArray *statuses;
} Run;

static void
transaction_init (Transaction   *tx,
                  Email2Session *session)
{
  tx->host = session->host;
  tx->variables = session->variables;
  tx->before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) email2_account_free);
  tx->after = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) email2_account_free);
  tx->created = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tx->blame = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tx->order = g_ptr_array_new_with_free_func (g_free);
  tx->ran = g_ptr_array_new ();
  tx->failed = FALSE;
}

static void
transaction_clear (Transaction *tx)
{
  g_clear_pointer (&tx->before, g_hash_table_unref);
  g_clear_pointer (&tx->after, g_hash_table_unref);
  g_clear_pointer (&tx->created, g_hash_table_unref);
  g_clear_pointer (&tx->blame, g_hash_table_unref);
  g_clear_pointer (&tx->order, g_ptr_array_unref);
  g_clear_pointer (&tx->ran, g_ptr_array_unref);
}

/* The account as this transaction sees it; loaded from the host on first use. */
static Email2Account *
transaction_lookup (Transaction *tx,
                    const char  *guid)
{
  gpointer value;
  Email2Account *account;

  if (g_hash_table_lookup_extended (tx->after, guid, NULL, &value))
    return value;

  account = email2_host_lookup_account (tx->host, guid);
  g_hash_table_insert (tx->before, g_strdup (guid), account);
  g_hash_table_insert (tx->after, g_strdup (guid),
                       account != NULL ? email2_account_copy (account) : NULL);
  g_ptr_array_add (tx->order, g_strdup (guid));

  return g_hash_table_lookup (tx->after, guid);
}

static Email2Account *
transaction_create (Transaction *tx,
                    const char  *guid)
{
  Email2Account *account = email2_account_new (guid);

  g_hash_table_replace (tx->after, g_strdup (guid), account);
  g_hash_table_add (tx->created, g_strdup (guid));

  return account;
}

static void
transaction_delete (Transaction *tx,
                    const char  *guid)
{
  g_hash_table_replace (tx->after, g_strdup (guid), NULL);
  g_hash_table_remove (tx->created, guid);
}

static Email2Status *
run_add_status (Run                 *run,
                const Email2Command *command,
                const char          *target,
                guint                code)
{
  Email2Status *status = email2_status_new (command->cmd_id, command->name, target, code);

  status->no_resp = command->no_resp;
  g_ptr_array_add (run->statuses, status);

  return status;
}

static void
status_fail (Email2Status *status,
             const GError *error)
{
  email2_status_set (status, email2_error_to_status (error), error->message);
}

/* Nodes a transaction leaves unset take their default (ACCOUNTTYPE,
 * SYNCINGCONTENTTYPES): none of Microsoft's samples sends them. */
static void
apply_defaults (Email2Account *account)
{
  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);

      if (node->default_value != NULL && !email2_account_has (account, id))
        email2_account_set (account, id, node->default_value);
    }
}

/* Appends the paths of the nodes of @account with @flags set (@set TRUE)
 * or unset (@set FALSE) to @out, comma-separated; returns how many. */
static guint
list_nodes (const Email2Account *account,
            Email2NodeFlags      flags,
            gboolean             set,
            GString             *out)
{
  guint n = 0;

  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);

      if ((node->flags & flags) && email2_account_has (account, id) == set)
        {
          g_string_append_printf (out, "%s%s", out->len ? ", " : "", node->path);
          n++;
        }
    }

  return n;
}

/* Required nodes must be there; the SMTPALT* credentials are all or none,
 * and SMTPALTENABLED TRUE needs them. */
static gboolean
check_complete (const Email2Account  *account,
                GError              **error)
{
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GString) present = g_string_new (NULL);
  const char *enabled;
  guint smtpalt_set;

  if (list_nodes (account, EMAIL2_NODE_FLAG_REQUIRED, FALSE, missing) > 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INCOMPLETE,
                   _("Account %s lacks required nodes: %s"),
                   email2_account_get_guid (account), missing->str);
      return FALSE;
    }

  smtpalt_set = list_nodes (account, EMAIL2_NODE_FLAG_SMTPALT, TRUE, present);
  list_nodes (account, EMAIL2_NODE_FLAG_SMTPALT, FALSE, missing);
  if (smtpalt_set > 0 && missing->len > 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INCOMPLETE,
                   _("Account %s has only part of the alternative SMTP credentials "
                     "(SMTPALTAUTHNAME, SMTPALTDOMAIN and SMTPALTPASSWORD go together); "
                     "set: %s; missing: %s"),
                   email2_account_get_guid (account), present->str, missing->str);
      return FALSE;
    }

  enabled = email2_account_get (account, EMAIL2_NODE_SMTPALTENABLED);
  if (smtpalt_set == 0 && (g_strcmp0 (enabled, "TRUE") == 0 || g_strcmp0 (enabled, "1") == 0))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INCOMPLETE,
                   _("Account %s has SMTPALTENABLED %s but no alternative SMTP credentials; "
                     "set SMTPALTAUTHNAME, SMTPALTDOMAIN and SMTPALTPASSWORD, "
                     "or SMTPALTENABLED FALSE"),
                   email2_account_get_guid (account), enabled);
      return FALSE;
    }

  return TRUE;
}

/* KEEPMAX applies to IMAP4 accounts only, whichever of the two comes first. */
static gboolean
check_keepmax (const Email2Account  *account,
               Email2NodeId          id,
               const char           *value,
               GError              **error)
{
  const char *type = id == EMAIL2_NODE_SERVICETYPE
                     ? value : email2_account_get (account, EMAIL2_NODE_SERVICETYPE);
  gboolean has_keepmax = id == EMAIL2_NODE_KEEPMAX ||
                         email2_account_has (account, EMAIL2_NODE_KEEPMAX);

  if (has_keepmax && type != NULL && strcmp (type, "IMAP4") != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                   _("KEEPMAX can be set only for IMAP4 accounts"));
      return FALSE;
    }

  return TRUE;
}

static Email2Op
op_of (Email2CommandKind kind)
{
  switch (kind)
    {
    case EMAIL2_COMMAND_ADD: return EMAIL2_OP_ADD;
    case EMAIL2_COMMAND_REPLACE: return EMAIL2_OP_REPLACE;
    case EMAIL2_COMMAND_DELETE: return EMAIL2_OP_DELETE;
    case EMAIL2_COMMAND_GET: return EMAIL2_OP_GET;
    default: g_return_val_if_reached (0);
    }
}

/* Whether @data is the value @node already has on @account: a Replace of a
 * create-only node with its own value changes nothing (a server re-sending
 * a whole profile). */
static gboolean
is_same_value (const Email2Account  *account,
               const Email2NodeInfo *node,
               const char           *data)
{
  g_autofree char *value = NULL;

  return email2_node_check_value (node, data != NULL ? data : "", &value, NULL) &&
         g_strcmp0 (value, email2_account_get (account, node->id)) == 0;
}

/* Add, Replace or Delete of one item inside a transaction. */
static gboolean
write_item (Transaction       *tx,
            Email2CommandKind  kind,
            const Email2Item  *item,
            const Email2Path  *target,
            GError           **error)
{
  Email2Path path = *target;
  const Email2NodeInfo *node;
  Email2Op op = op_of (kind);
  Email2Account *account;
  g_autofree char *value = NULL;

  node = email2_schema_get (path.node);
  if (!(node->ops & op))
    {
      g_autofree char *ops = email2_ops_to_string (node->ops);

      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_ALLOWED,
                   _("%s is not allowed on %s (allowed: %s)"),
                   email2_op_to_string (op), node->path, ops);
      return FALSE;
    }

  if (op != EMAIL2_OP_DELETE &&
      !email2_node_check_format (node, item->format, item->data, error))
    return FALSE;

  account = transaction_lookup (tx, path.guid);

  if (op == EMAIL2_OP_DELETE)
    {
      if (account == NULL || (path.node != EMAIL2_NODE_ACCOUNT &&
                              !email2_account_has (account, path.node)))
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_FOUND,
                       _("%s does not exist"), item->target);
          return FALSE;
        }

      if (path.node == EMAIL2_NODE_ACCOUNT)
        transaction_delete (tx, path.guid);
      else
        {
          email2_account_unset (account, path.node);
          if (path.node == EMAIL2_NODE_TAGPROPS)
            {
              email2_account_unset (account, EMAIL2_NODE_TAGPROPS_INSERVER_SSL);
              email2_account_unset (account, EMAIL2_NODE_TAGPROPS_OUTSERVER_SSL);
            }
        }
      return TRUE;
    }

  if (path.node == EMAIL2_NODE_ACCOUNT)
    {
      /* The seed: an Add of an existing GUID fails (and Fleet-like servers
       * re-send it as Replace); a Replace adds it when missing. */
      if (account != NULL && op == EMAIL2_OP_ADD)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_EXISTS,
                       _("Account %s already exists"), path.guid);
          return FALSE;
        }
      if (account == NULL)
        transaction_create (tx, path.guid);
      return TRUE;
    }

  if ((node->flags & EMAIL2_NODE_FLAG_CREATE_ONLY) &&
      !g_hash_table_contains (tx->created, path.guid) && account != NULL &&
      !(op == EMAIL2_OP_REPLACE && is_same_value (account, node, item->data)))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_ALLOWED,
                   _("%s cannot be changed on an existing account; "
                     "delete the account and create it anew"), node->path);
      return FALSE;
    }

  if (account != NULL && op == EMAIL2_OP_ADD && email2_account_has (account, path.node))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_EXISTS,
                   _("%s already exists"), item->target);
      return FALSE;
    }

  if (!(node->flags & EMAIL2_NODE_FLAG_INTERIOR) && tx->variables != NULL)
    {
      g_autofree char *expanded = NULL;

      /* A system payload: the same for every user, readable by all. */
      if (node->flags & EMAIL2_NODE_FLAG_SECRET)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_ALLOWED,
                       _("A system payload must not carry a secret (%s): Evolution asks "
                         "the user for the password and keeps it in the keyring"), node->path);
          return FALSE;
        }
      expanded = email2_variables_expand (tx->variables, item->data != NULL ? item->data : "",
                                          error);
      if (expanded == NULL)
        {
          g_prefix_error (error, "%s: ", node->path);
          return FALSE;
        }
      if (!email2_node_check_value (node, expanded, &value, error))
        return FALSE;
    }
  else if (!(node->flags & EMAIL2_NODE_FLAG_INTERIOR) &&
           !email2_node_check_value (node, item->data != NULL ? item->data : "", &value, error))
    return FALSE;

  if (account != NULL && (path.node == EMAIL2_NODE_KEEPMAX || path.node == EMAIL2_NODE_SERVICETYPE) &&
      !check_keepmax (account, path.node, value, error))
    return FALSE;

  /* The seed: missing parts of the path are added implicitly. */
  if (account == NULL)
    account = transaction_create (tx, path.guid);
  if (node->parent == EMAIL2_NODE_TAGPROPS || path.node == EMAIL2_NODE_TAGPROPS)
    {
      if (!email2_account_has (account, EMAIL2_NODE_TAGPROPS))
        email2_account_set (account, EMAIL2_NODE_TAGPROPS, "");
      if (path.node == EMAIL2_NODE_TAGPROPS)
        return TRUE;
    }

  email2_account_set (account, path.node, value);

  return TRUE;
}

static void run_commands (Run         *run,
                          GPtrArray   *commands,
                          Transaction *tx);

/* Marks a command that never ran, and everything inside it. */
static void
skip_command (Run                 *run,
              const Email2Command *command,
              guint                code,
              const char          *reason)
{
  if (command->kind == EMAIL2_COMMAND_ATOMIC || command->kind == EMAIL2_COMMAND_SEQUENCE ||
      command->items->len == 0)
    {
      Email2Status *status = run_add_status (run, command, NULL, code);

      email2_status_set (status, code, reason);
      if (command->children != NULL)
        for (guint i = 0; i < command->children->len; i++)
          skip_command (run, command->children->pdata[i], 215,
                        _("Not executed: an earlier command failed"));
      return;
    }

  for (guint i = 0; i < command->items->len; i++)
    {
      const Email2Item *item = command->items->pdata[i];
      Email2Status *status = run_add_status (run, command, item->target, code);

      email2_status_set (status, code, reason);
    }
}

static void
get_item (Run                 *run,
          const Email2Command *command,
          const Email2Item    *item)
{
  Email2Host *host = run->session->host;
  Email2Status *status = run_add_status (run, command, item->target, 200);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Account) account = NULL;
  g_autoptr(GString) children = g_string_new (NULL);
  Email2Path path;
  const char *value = NULL;

  if (!email2_locuri_parse (item->target, &path, &error))
    {
      status_fail (status, error);
      return;
    }

  if (path.node == EMAIL2_NODE_ROOT)
    {
      g_auto(GStrv) guids = email2_host_list_accounts (host);

      for (guint i = 0; guids[i] != NULL; i++)
        {
          g_autofree char *segment = email2_guid_to_uri_segment (guids[i]);
          g_string_append_printf (children, "%s%s", children->len ? "/" : "", segment);
        }
      status->result_format = g_strdup ("node");
      status->result_data = g_string_free (g_steal_pointer (&children), FALSE);
      return;
    }

  account = email2_host_lookup_account (host, path.guid);
  if (account == NULL ||
      (path.node != EMAIL2_NODE_ACCOUNT && !email2_account_has (account, path.node)))
    {
      email2_status_set (status, 404, _("The node does not exist"));
      return;
    }

  if (email2_schema_get (path.node)->flags & EMAIL2_NODE_FLAG_INTERIOR)
    {
      for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
        if (email2_schema_get (id)->parent == path.node && email2_account_has (account, id))
          g_string_append_printf (children, "%s%s", children->len ? "/" : "",
                                  email2_schema_get (id)->name);
      status->result_format = g_strdup ("node");
      status->result_data = g_string_free (g_steal_pointer (&children), FALSE);
      return;
    }

  value = email2_schema_get (path.node)->flags & EMAIL2_NODE_FLAG_SECRET
          ? SECRET_MASK : email2_account_get (account, path.node);
  status->result_format = g_strdup ("chr");
  status->result_data = g_strdup (value);
}

/* Runs one Add, Replace or Delete inside @tx; returns FALSE when it failed. */
static gboolean
run_write (Run                 *run,
           const Email2Command *command,
           Transaction         *tx)
{
  for (guint i = 0; i < command->items->len; i++)
    {
      const Email2Item *item = command->items->pdata[i];
      Email2Status *status = run_add_status (run, command, item->target, 200);
      g_autoptr(GError) error = NULL;
      Email2Path path;

      if (item->status != 0)
        email2_status_set (status, item->status, item->reason);
      else if (!email2_locuri_parse (item->target, &path, &error) ||
               !write_item (tx, command->kind, item, &path, &error))
        status_fail (status, error);

      if (status->code != 200)
        {
          /* One Status per Item: the rest of this command never ran. */
          for (i++; i < command->items->len; i++)
            email2_status_set (run_add_status (run, command,
                                               ((Email2Item *) command->items->pdata[i])->target, 215),
                               215, _("Not executed: an earlier item of this command failed"));
          return FALSE;
        }

      g_ptr_array_add (tx->ran, status);
      if (path.guid[0] != '\0')
        g_hash_table_replace (tx->blame, g_strdup (path.guid), status);
    }

  return TRUE;
}

static gboolean
is_changed (Transaction *tx,
            const char  *guid)
{
  Email2Account *before = g_hash_table_lookup (tx->before, guid);
  Email2Account *after = g_hash_table_lookup (tx->after, guid);

  if (before == NULL || after == NULL)
    return before != after;

  if (!email2_account_equal (before, after))
    return TRUE;

  /* Secrets compare by presence: a new value is a change too. */
  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    if ((email2_schema_get (id)->flags & EMAIL2_NODE_FLAG_SECRET) &&
        email2_account_get (after, id) != NULL)
      return TRUE;

  return FALSE;
}

/* Hands the changes of a finished transaction to the host. */
static gboolean
transaction_commit (Transaction  *tx,
                    GError      **undo_error)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  const char *failed_guid = NULL;

  for (guint i = 0; i < tx->order->len; i++)
    {
      const char *guid = tx->order->pdata[i];
      Email2Account *after = g_hash_table_lookup (tx->after, guid);

      if (after != NULL)
        apply_defaults (after);
      if (after != NULL && !check_complete (after, &error))
        {
          failed_guid = guid;
          goto fail;
        }
    }

  for (guint i = 0; i < tx->order->len; i++)
    if (is_changed (tx, tx->order->pdata[i]))
      g_ptr_array_add (changed, tx->order->pdata[i]);

  if (changed->len == 0)
    return TRUE;

  if (!email2_host_begin (tx->host, &error))
    goto fail;

  for (guint i = 0; i < changed->len; i++)
    {
      const char *guid = changed->pdata[i];
      Email2Account *before = g_hash_table_lookup (tx->before, guid);
      Email2Account *after = g_hash_table_lookup (tx->after, guid);

      if (!email2_host_apply (tx->host, before, after, &error))
        {
          failed_guid = guid;
          email2_host_rollback (tx->host, undo_error);
          goto fail;
        }
    }

  if (!email2_host_commit (tx->host, &error))
    {
      email2_host_rollback (tx->host, undo_error);
      goto fail;
    }

  return TRUE;

fail:
  {
    Email2Status *blamed = NULL;

    if (failed_guid != NULL)
      blamed = g_hash_table_lookup (tx->blame, failed_guid);
    if (blamed == NULL && tx->ran->len > 0)
      blamed = tx->ran->pdata[tx->ran->len - 1];
    if (blamed != NULL)
      {
        status_fail (blamed, error);
        g_ptr_array_remove (tx->ran, blamed);
      }
    tx->failed = TRUE;
    return FALSE;
  }
}

static void
transaction_finish (Transaction  *tx,
                    Email2Status *own_status)
{
  g_autoptr(GError) undo_error = NULL;
  g_autofree char *undo_reason = NULL;

  if (!tx->failed)
    transaction_commit (tx, &undo_error);

  if (!tx->failed)
    return;

  if (undo_error != NULL)
    undo_reason = g_strdup_printf (_("Rolling back this command failed: %s"), undo_error->message);

  for (guint i = 0; i < tx->ran->len; i++)
    {
      Email2Status *status = tx->ran->pdata[i];

      if (undo_error != NULL)
        email2_status_set (status, 516, undo_reason);
      else
        email2_status_set (status, 216, _("Rolled back: another command of the Atomic failed"));
    }

  /* A host whose undo failed keeps what it needs to end it later (the
   * Evolution host: its journal, ended at the next start or payload). */
  if (own_status != NULL)
    email2_status_set (own_status, 507,
                       undo_error != NULL
                       ? _("The Atomic failed and undoing it is not finished; it is ended later "
                           "(email2ctl check shows what is left)")
                       : _("The Atomic failed; nothing of it was kept"));
}

static void
run_atomic (Run                 *run,
            const Email2Command *command)
{
  Email2Status *status = run_add_status (run, command, NULL, 200);
  Transaction tx;

  transaction_init (&tx, run->session);
  run_commands (run, command->children, &tx);
  transaction_finish (&tx, status);
  transaction_clear (&tx);
}

/* Runs @command inside @tx (never NULL); returns FALSE when it failed. */
static gboolean
run_in_transaction (Run                 *run,
                    const Email2Command *command,
                    Transaction         *tx)
{
  Email2Status *status;

  if (command->status != 0)
    {
      skip_command (run, command, command->status, command->reason);
      return FALSE;
    }

  switch (command->kind)
    {
    case EMAIL2_COMMAND_ADD:
    case EMAIL2_COMMAND_REPLACE:
    case EMAIL2_COMMAND_DELETE:
      return run_write (run, command, tx);

    case EMAIL2_COMMAND_SEQUENCE:
      status = run_add_status (run, command, NULL, 200);
      g_ptr_array_add (tx->ran, status);
      run_commands (run, command->children, tx);
      return !tx->failed;

    case EMAIL2_COMMAND_ATOMIC:
      skip_command (run, command, 500, _("An Atomic cannot be nested in another"));
      return FALSE;

    case EMAIL2_COMMAND_GET:
      skip_command (run, command, 500, _("Get is not allowed inside an Atomic"));
      return FALSE;

    case EMAIL2_COMMAND_OTHER:
      skip_command (run, command, 406, _("This command is not supported by EMAIL2"));
      return FALSE;

    case EMAIL2_COMMAND_INVALID:
    default:
      skip_command (run, command, 400, _("Not a command"));
      return FALSE;
    }
}

static void
run_top_level (Run                 *run,
               const Email2Command *command)
{
  if (command->status != 0)
    {
      skip_command (run, command, command->status, command->reason);
      return;
    }

  switch (command->kind)
    {
    case EMAIL2_COMMAND_ADD:
    case EMAIL2_COMMAND_REPLACE:
      skip_command (run, command, 405, _("Add and Replace must be inside an Atomic"));
      break;

    case EMAIL2_COMMAND_DELETE:
      /* Each item is a transaction of its own. */
      for (guint i = 0; i < command->items->len; i++)
        {
          g_autoptr(Email2Command) single = email2_command_new (command->kind, command->name);
          Transaction tx;

          single->cmd_id = g_strdup (command->cmd_id);
          single->no_resp = command->no_resp;
          g_ptr_array_add (single->items, command->items->pdata[i]);
          transaction_init (&tx, run->session);
          tx.failed = !run_write (run, single, &tx);
          transaction_finish (&tx, NULL);
          transaction_clear (&tx);
          g_ptr_array_steal_index (single->items, 0);
        }
      break;

    case EMAIL2_COMMAND_GET:
      for (guint i = 0; i < command->items->len; i++)
        {
          const Email2Item *item = command->items->pdata[i];

          if (item->status != 0)
            email2_status_set (run_add_status (run, command, item->target, 200),
                               item->status, item->reason);
          else
            get_item (run, command, item);
        }
      break;

    case EMAIL2_COMMAND_ATOMIC:
      run_atomic (run, command);
      break;

    case EMAIL2_COMMAND_SEQUENCE:
      run_add_status (run, command, NULL, 200);
      run_commands (run, command->children, NULL);
      break;

    case EMAIL2_COMMAND_OTHER:
      skip_command (run, command, 406, _("This command is not supported by EMAIL2"));
      break;

    case EMAIL2_COMMAND_INVALID:
    default:
      skip_command (run, command, 400, _("Not a command"));
      break;
    }
}

static void
run_commands (Run         *run,
              GPtrArray   *commands,
              Transaction *tx)
{
  for (guint i = 0; i < commands->len; i++)
    {
      const Email2Command *command = commands->pdata[i];

      if (tx == NULL)
        run_top_level (run, command);
      else if (tx->failed)
        skip_command (run, command, 215, _("Not executed: an earlier command of the Atomic failed"));
      else if (!run_in_transaction (run, command, tx))
        tx->failed = TRUE;
    }
}

/**
 * email2_session_process:
 * @self: a session
 * @commands: (element-type Email2Command): the commands of one message
 *
 * Runs @commands against the session's host.
 *
 * Returns: (transfer container) (element-type Email2Status): the statuses,
 *   in the order of the answer (an Atomic's own status before its
 *   children's), each with its Get result where there is one
 */
GPtrArray *
email2_session_process (Email2Session *self,
                        GPtrArray     *commands)
{
  Run run = { self, NULL };

  g_return_val_if_fail (EMAIL2_IS_SESSION (self), NULL);
  g_return_val_if_fail (commands != NULL, NULL);

  run.statuses = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_status_free);
  run_commands (&run, commands, NULL);

  return run.statuses;
}

/**
 * email2_session_get_host:
 * @self: a session
 *
 * Returns: (transfer none): the host the session works on
 */
Email2Host *
email2_session_get_host (Email2Session *self)
{
  g_return_val_if_fail (EMAIL2_IS_SESSION (self), NULL);

  return self->host;
}

static void
email2_session_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  Email2Session *self = EMAIL2_SESSION (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
email2_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  Email2Session *self = EMAIL2_SESSION (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_object (value, self->host);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
email2_session_dispose (GObject *object)
{
  Email2Session *self = EMAIL2_SESSION (object);

  g_clear_object (&self->host);
  g_clear_object (&self->variables);

  G_OBJECT_CLASS (email2_session_parent_class)->dispose (object);
}

static void
email2_session_class_init (Email2SessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = email2_session_set_property;
  object_class->get_property = email2_session_get_property;
  object_class->dispose = email2_session_dispose;

  /**
   * Email2Session:host:
   *
   * Where the accounts live.
   */
  properties[PROP_HOST] =
    g_param_spec_object ("host", NULL, NULL, EMAIL2_TYPE_HOST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
email2_session_init (Email2Session *self)
{
}

/**
 * email2_session_new:
 * @host: where the accounts live
 *
 * Returns: (transfer full): a session running payloads against @host
 */
Email2Session *
email2_session_new (Email2Host *host)
{
  g_return_val_if_fail (EMAIL2_IS_HOST (host), NULL);

  return g_object_new (EMAIL2_TYPE_SESSION, "host", host, NULL);
}

/**
 * email2_session_set_variables:
 * @self: a session
 * @variables: (nullable): the user's variables, for a system payload
 *
 * Runs the next payloads as system payloads for one user: every value
 * written has its variables substituted (email2_variables_expand())
 * before its node's value rule is checked, and a secret node cannot be
 * written (405): a payload every user can read holds no password.
 */
void
email2_session_set_variables (Email2Session   *self,
                              Email2Variables *variables)
{
  g_return_if_fail (EMAIL2_IS_SESSION (self));

  g_set_object (&self->variables, variables);
}
