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

guint          email2_status_get_code       (const Email2Status *status);
const char    *email2_status_get_cmd        (const Email2Status *status);
const char    *email2_status_get_target_ref (const Email2Status *status);
const char    *email2_status_get_reason     (const Email2Status *status);
const char    *email2_status_code_to_text (guint             code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Command, email2_command_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Status, email2_status_free)

G_END_DECLS
