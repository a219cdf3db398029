/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The fields of commands, items and statuses: the readers, the engine and
 * the writers inside the library (and its tests) use them; everything
 * else goes through email2-command.h's functions.
 */

#pragma once

#include "email2.h"

G_BEGIN_DECLS

/**
 * Email2Item:
 * @target: the Target LocURI as the payload gives it, or %NULL
 * @format: the Meta Format (the item's, else the command's), or %NULL
 * @data: the Data text, or %NULL when absent; overwritten when freed
 * @status: when not 0, the reader already decided this item's status
 * @reason: (nullable): why, for people
 */
struct _Email2Item {
  char *target;
  char *format;
  char *data;
  guint status;
  char *reason;
};

/**
 * Email2Command:
 * @kind: the kind
 * @name: the element name, echoed as the Status's Cmd
 * @cmd_id: the CmdID, an opaque string, %NULL when missing
 * @no_resp: whether the payload asked for no Status (NoResp)
 * @status: when not 0, the reader already decided this command's status
 * @reason: (nullable): why, for people
 * @items: (element-type Email2Item): the items
 * @children: (element-type Email2Command): Atomic's and Sequence's commands
 */
struct _Email2Command {
  Email2CommandKind kind;
  char *name;
  char *cmd_id;
  gboolean no_resp;
  guint status;
  char *reason;
  GPtrArray *items;
  GPtrArray *children;
};

/**
 * Email2Status:
 * @cmd_ref: the CmdID of the command answered (%NULL: empty CmdRef)
 * @cmd: the command's name
 * @target_ref: (nullable): the item's Target LocURI, as given
 * @code: the OMA DM status code
 * @reason: (nullable): why it failed, for people; never in the SyncML answer
 * @no_resp: the payload asked for no Status: it is kept for the summary
 *   but not written
 * @result_format: (nullable): for a successful Get, `chr` or `node`
 * @result_data: (nullable): for a successful Get, the value
 *
 * The answer to one command or item, in the order of the answer document.
 */
struct _Email2Status {
  char *cmd_ref;
  char *cmd;
  char *target_ref;
  guint code;
  char *reason;
  gboolean no_resp;
  char *result_format;
  char *result_data;
};

G_END_DECLS
