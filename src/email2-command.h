/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * Email2CommandKind:
 *
 * The commands a payload can hold. %EMAIL2_COMMAND_OTHER is a valid OMA DM
 * command that EMAIL2 has no use for (Exec, Copy, Alert, ...);
 * %EMAIL2_COMMAND_INVALID an element that is no command at all.
 */
typedef enum {
  EMAIL2_COMMAND_ADD,
  EMAIL2_COMMAND_REPLACE,
  EMAIL2_COMMAND_DELETE,
  EMAIL2_COMMAND_GET,
  EMAIL2_COMMAND_ATOMIC,
  EMAIL2_COMMAND_SEQUENCE,
  EMAIL2_COMMAND_OTHER,
  EMAIL2_COMMAND_INVALID,
} Email2CommandKind;

typedef struct _Email2Item Email2Item;
typedef struct _Email2Command Email2Command;
typedef struct _Email2Status Email2Status;

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

Email2Command *email2_command_new        (Email2CommandKind  kind,
                                          const char        *name);
void           email2_command_free       (Email2Command     *command);
Email2Item    *email2_item_new           (void);
void           email2_item_free          (Email2Item        *item);
Email2CommandKind email2_command_kind_from_name (const char  *name);

Email2Status  *email2_status_new         (const char        *cmd_ref,
                                          const char        *cmd,
                                          const char        *target_ref,
                                          guint              code);
void           email2_status_free        (Email2Status      *status);
void           email2_status_set         (Email2Status      *status,
                                          guint              code,
                                          const char        *reason);
gboolean       email2_status_code_is_success (guint          code);
const char    *email2_status_code_to_text (guint             code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Command, email2_command_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Status, email2_status_free)

G_END_DECLS
