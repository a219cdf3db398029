/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The command list every reader produces and the engine consumes, and the
 * statuses the engine answers with: independent of the payload format.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-command-private.h"
#include "email2-account.h"
#include "email2-command.h"

static const struct {
  const char *name;
  Email2CommandKind kind;
} command_names[] = {
  { "Add", EMAIL2_COMMAND_ADD },
  { "Replace", EMAIL2_COMMAND_REPLACE },
  { "Delete", EMAIL2_COMMAND_DELETE },
  { "Get", EMAIL2_COMMAND_GET },
  { "Atomic", EMAIL2_COMMAND_ATOMIC },
  { "Sequence", EMAIL2_COMMAND_SEQUENCE },
  { "Exec", EMAIL2_COMMAND_OTHER },
  { "Copy", EMAIL2_COMMAND_OTHER },
  { "Alert", EMAIL2_COMMAND_OTHER },
};

/**
 * email2_command_kind_from_name:
 * @name: an element name of a SyncML body
 *
 * Returns: the command kind, %EMAIL2_COMMAND_INVALID for other names
 */
Email2CommandKind
email2_command_kind_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (command_names); i++)
    if (strcmp (name, command_names[i].name) == 0)
      return command_names[i].kind;

  return EMAIL2_COMMAND_INVALID;
}

/**
 * email2_command_new:
 * @kind: the kind
 * @name: the element name
 *
 * Returns: (transfer full): a command with no items
 */
Email2Command *
email2_command_new (Email2CommandKind  kind,
                    const char        *name)
{
  Email2Command *command = g_new0 (Email2Command, 1);

  command->kind = kind;
  command->name = g_strdup (name);
  command->items = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_item_free);
  if (kind == EMAIL2_COMMAND_ATOMIC || kind == EMAIL2_COMMAND_SEQUENCE)
    command->children = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_command_free);

  return command;
}

/**
 * email2_command_free:
 * @command: (nullable): a command
 */
void
email2_command_free (Email2Command *command)
{
  if (command == NULL)
    return;

  g_free (command->name);
  g_free (command->cmd_id);
  g_free (command->reason);
  g_clear_pointer (&command->items, g_ptr_array_unref);
  g_clear_pointer (&command->children, g_ptr_array_unref);
  g_free (command);
}

/**
 * email2_item_new:
 *
 * Returns: (transfer full): an empty item
 */
Email2Item *
email2_item_new (void)
{
  return g_new0 (Email2Item, 1);
}

/**
 * email2_item_free:
 * @item: (nullable): an item
 *
 * Frees @item; its data may be a secret and is overwritten first.
 */
void
email2_item_free (Email2Item *item)
{
  if (item == NULL)
    return;

  g_free (item->target);
  g_free (item->format);
  email2_secret_free (item->data);
  g_free (item->reason);
  g_free (item);
}

/**
 * email2_status_new:
 * @cmd_ref: (nullable): the CmdID answered
 * @cmd: the command's name
 * @target_ref: (nullable): the item's LocURI
 * @code: the status code
 *
 * Returns: (transfer full): a status
 */
Email2Status *
email2_status_new (const char *cmd_ref,
                   const char *cmd,
                   const char *target_ref,
                   guint       code)
{
  Email2Status *status = g_new0 (Email2Status, 1);

  status->cmd_ref = g_strdup (cmd_ref);
  status->cmd = g_strdup (cmd);
  status->target_ref = g_strdup (target_ref);
  status->code = code;

  return status;
}

/**
 * email2_status_free:
 * @status: (nullable): a status
 */
void
email2_status_free (Email2Status *status)
{
  if (status == NULL)
    return;

  g_free (status->cmd_ref);
  g_free (status->cmd);
  g_free (status->target_ref);
  g_free (status->reason);
  g_free (status->result_format);
  g_free (status->result_data);
  g_free (status);
}

/**
 * email2_status_set:
 * @status: a status
 * @code: the new code
 * @reason: (nullable): why, for people
 */
void
email2_status_set (Email2Status *status,
                   guint         code,
                   const char   *reason)
{
  status->code = code;
  g_free (status->reason);
  status->reason = g_strdup (reason);
}

/**
 * email2_status_code_is_success:
 * @code: a status code
 *
 * Returns: whether @code reports a command that took effect (2xx other
 *   than 215 not executed and 216 rolled back)
 */
gboolean
email2_status_code_is_success (guint code)
{
  return code >= 200 && code < 300 && code != 215 && code != 216;
}

/* The names of OMA DM 1.2 / SyncML RepPro 1.2 status codes (§10 of each),
 * the ones the engine and the module answer with and a few a server may. */
static const struct {
  guint code;
  const char *text;
} status_texts[] = {
  { 200, N_("ok") },
  { 202, N_("accepted for processing") },
  { 213, N_("chunked item accepted") },
  { 215, N_("not executed") },
  { 216, N_("rolled back") },
  { 400, N_("bad request") },
  { 401, N_("invalid credentials") },
  { 403, N_("forbidden") },
  { 404, N_("not found") },
  { 405, N_("command not allowed") },
  { 406, N_("optional feature not supported") },
  { 407, N_("missing credentials") },
  { 412, N_("incomplete command") },
  { 413, N_("request entity too large") },
  { 415, N_("unsupported media type or format") },
  { 418, N_("already exists") },
  { 425, N_("permission denied") },
  { 500, N_("command failed") },
  { 505, N_("DTD version not supported") },
  { 506, N_("processing error") },
  { 507, N_("Atomic failed") },
  { 513, N_("protocol version not supported") },
  { 516, N_("Atomic roll back failed") },
};

/**
 * email2_status_code_to_text:
 * @code: an OMA DM status code
 *
 * Names a status code for people, translated: "not found" for 404. A code
 * without a name of its own is named by its class.
 *
 * Returns: (transfer none): the name
 */
const char *
email2_status_code_to_text (guint code)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_texts); i++)
    if (status_texts[i].code == code)
      return _(status_texts[i].text);

  if (code >= 200 && code < 300)
    return _("succeeded");
  if (code >= 400 && code < 500)
    return _("refused by the device");
  return _("failed on the device");
}

/**
 * email2_status_get_code:
 * @status: a status
 *
 * Returns: the OMA DM status code
 */
guint
email2_status_get_code (const Email2Status *status)
{
  return status->code;
}

/**
 * email2_status_get_cmd:
 * @status: a status
 *
 * Returns: the name of the command answered
 */
const char *
email2_status_get_cmd (const Email2Status *status)
{
  return status->cmd;
}

/**
 * email2_status_get_target_ref:
 * @status: a status
 *
 * Returns: (nullable): the item's Target LocURI, as given
 */
const char *
email2_status_get_target_ref (const Email2Status *status)
{
  return status->target_ref;
}

/**
 * email2_status_get_reason:
 * @status: a status
 *
 * Returns: (nullable): why it failed, for people; never a value
 */
const char *
email2_status_get_reason (const Email2Status *status)
{
  return status->reason;
}
