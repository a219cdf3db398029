/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Fuzz target: the engine driven by command lists made from the input, on
 * an in-memory host, over two messages (so the second sees what the first
 * made). Each command is read from the input as
 *   kind byte, target byte, format byte, value length byte, value bytes;
 * kinds are Add, Replace, Delete, Get, Atomic (its children follow until
 * an End), End, Sequence; targets come from a table of LocURIs of two
 * accounts and the root, good and bad. After every message the host must
 * still list only accounts the engine can Get.
 */

#include "config.h"

#include <string.h>

#include "email2-command.h"
#include "email2-command-private.h"
#include "email2-memory-host.h"
#include "email2-session.h"
#include "fuzz-common.h"

#define ACCOUNT_A "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D"
#define ACCOUNT_B "./Vendor/MSFT/EMAIL2/0x7BD671C70B-8EE3-4881-8045-2AEE6F731B550x7D"

static const char * const targets[] = {
  "./Vendor/MSFT/EMAIL2", "./User/Vendor/MSFT/EMAIL2", ACCOUNT_A, ACCOUNT_B,
  ACCOUNT_A "/SERVICENAME", ACCOUNT_A "/SERVICETYPE", ACCOUNT_A "/ACCOUNTTYPE",
  ACCOUNT_A "/INSERVER", ACCOUNT_A "/OUTSERVER", ACCOUNT_A "/AUTHNAME", ACCOUNT_A "/AUTHSECRET",
  ACCOUNT_A "/REPLYADDR", ACCOUNT_A "/SYNCINGCONTENTTYPES", ACCOUNT_A "/NAME",
  ACCOUNT_A "/SMTPALTENABLED", ACCOUNT_A "/SMTPALTAUTHNAME", ACCOUNT_A "/SMTPALTPASSWORD",
  ACCOUNT_A "/SMTPALTDOMAIN", ACCOUNT_A "/TAGPROPS", ACCOUNT_A "/TAGPROPS/8128000B",
  ACCOUNT_A "/TAGPROPS/812C000B", ACCOUNT_A "/LINGER", ACCOUNT_A "/DWNDAY",
  ACCOUNT_B "/SERVICENAME", ACCOUNT_B "/SERVICETYPE", ACCOUNT_B "/INSERVER",
  ACCOUNT_B "/OUTSERVER", ACCOUNT_B "/REPLYADDR", ACCOUNT_B "/AUTHNAME",
  ACCOUNT_B "/SYNCINGCONTENTTYPES", ACCOUNT_B "/ACCOUNTTYPE",
  ACCOUNT_A "/NOSUCHLEAF", ACCOUNT_A "/NAME/deeper", "./Vendor/MSFT/EMAIL2/notaguid",
  "./Vendor/MSFT/Other", "", NULL,
};

static const char * const formats[] = { NULL, "node", "chr", "int", "bool", "b64", "xml" };

typedef struct {
  const uint8_t *data;
  size_t size;
  size_t at;
  guint next_id;
} Input;

static gboolean
input_byte (Input *input, guint8 *byte)
{
  if (input->at >= input->size)
    return FALSE;
  *byte = input->data[input->at++];
  return TRUE;
}

/* Commands until the input ends or an End closes @depth > 0. */
static GPtrArray *
read_commands (Input *input, guint depth)
{
  GPtrArray *commands = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_command_free);
  static const Email2CommandKind kinds[] = {
    EMAIL2_COMMAND_ADD, EMAIL2_COMMAND_REPLACE, EMAIL2_COMMAND_DELETE, EMAIL2_COMMAND_GET,
    EMAIL2_COMMAND_ATOMIC, EMAIL2_COMMAND_INVALID /* End */, EMAIL2_COMMAND_SEQUENCE,
  };
  static const char * const names[] = {
    "Add", "Replace", "Delete", "Get", "Atomic", NULL, "Sequence",
  };
  guint8 op, target, format, length;

  while (commands->len < 64 && input_byte (input, &op))
    {
      guint kind = op % G_N_ELEMENTS (kinds);
      Email2Command *command;

      if (kinds[kind] == EMAIL2_COMMAND_INVALID)
        {
          if (depth > 0)
            break;
          continue;
        }

      command = email2_command_new (kinds[kind], names[kind]);
      command->cmd_id = g_strdup_printf ("%u", ++input->next_id);
      command->no_resp = (op & 0x80) != 0;
      g_ptr_array_add (commands, command);

      if (kinds[kind] == EMAIL2_COMMAND_ATOMIC || kinds[kind] == EMAIL2_COMMAND_SEQUENCE)
        {
          if (depth < 3)
            {
              g_ptr_array_unref (command->children);
              command->children = read_commands (input, depth + 1);
            }
          continue;
        }

      if (!input_byte (input, &target) || !input_byte (input, &format) ||
          !input_byte (input, &length))
        break;
      {
        Email2Item *item = email2_item_new ();
        const char *uri = targets[target % (G_N_ELEMENTS (targets) - 1)];

        item->target = g_strdup (uri);
        item->format = g_strdup (formats[format % G_N_ELEMENTS (formats)]);
        if (length != 0xFF)
          {
            gsize n = MIN (length, input->size - input->at);

            item->data = g_strndup ((const char *) input->data + input->at, n);
            input->at += n;
          }
        g_ptr_array_add (command->items, item);
      }
    }

  return commands;
}

static void
check_host (Email2Session *session)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_command_free);
  g_autoptr(GPtrArray) statuses = NULL;
  Email2Command *get = email2_command_new (EMAIL2_COMMAND_GET, "Get");
  Email2Item *item = email2_item_new ();

  get->cmd_id = g_strdup ("check");
  item->target = g_strdup ("./Vendor/MSFT/EMAIL2");
  g_ptr_array_add (get->items, item);
  g_ptr_array_add (commands, get);
  statuses = email2_session_process (session, commands);
  g_assert_cmpuint (statuses->len, ==, 1);
  g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 200);
}

void
fuzz_one (const uint8_t *data,
          size_t         size)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  Input input = { data, size, 0, 0 };

  for (guint message = 0; message < 2 && input.at < size; message++)
    {
      g_autoptr(GPtrArray) commands = read_commands (&input, 0);
      g_autoptr(GPtrArray) statuses = email2_session_process (session, commands);

      g_assert_nonnull (statuses);
      check_host (session);
    }
}
