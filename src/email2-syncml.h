/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

#include "email2-command.h"

G_BEGIN_DECLS

/* The most commands and items one message may hold (docs/DESIGN.md §2.2). */
#define EMAIL2_SYNCML_MAX_COMMANDS 100000

typedef struct _Email2SyncmlMessage Email2SyncmlMessage;

/**
 * Email2SyncmlMessage:
 * @namespace: the SyncML namespace of the request, echoed in the answer
 * @ver_dtd: VerDTD
 * @ver_proto: VerProto
 * @session_id: SessionID
 * @msg_id: MsgID, echoed as MsgRef
 * @target: the SyncHdr Target LocURI (the device)
 * @source: the SyncHdr Source LocURI (the server)
 * @header_status: 200, or why the header cannot be served (505, 513):
 *   then no command is run
 * @header_reason: (nullable): why, for people
 * @commands: (element-type Email2Command): the body's commands
 *
 * A SyncML DM request message.
 */
struct _Email2SyncmlMessage {
  char *namespace;
  char *ver_dtd;
  char *ver_proto;
  char *session_id;
  char *msg_id;
  char *target;
  char *source;
  guint header_status;
  char *header_reason;
  GPtrArray *commands;
};

void                 email2_syncml_message_free   (Email2SyncmlMessage       *message);
char                *email2_syncml_write_response (const Email2SyncmlMessage *request,
                                                   GPtrArray                 *statuses);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2SyncmlMessage, email2_syncml_message_free)

G_END_DECLS
