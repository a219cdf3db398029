/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

#include "email2-payload.h"

G_BEGIN_DECLS

/**
 * Email2Event:
 * @EMAIL2_EVENT_APPLIED: a payload was applied; every command succeeded
 * @EMAIL2_EVENT_FAILED: a payload was processed, but a command failed
 * @EMAIL2_EVENT_REFUSED: a payload was refused before it was run
 * @EMAIL2_EVENT_INTERRUPTED: a spool payload's application was interrupted
 * @EMAIL2_EVENT_PROBED: the probe decided how an account's server is reached
 * @EMAIL2_EVENT_PROBE_FAILED: the probe found no acceptable mode
 *
 * The kinds of journal entry, each with its own MESSAGE_ID and entry in
 * the message catalog (data/email2.catalog).
 */
typedef enum {
  EMAIL2_EVENT_APPLIED,
  EMAIL2_EVENT_FAILED,
  EMAIL2_EVENT_REFUSED,
  EMAIL2_EVENT_INTERRUPTED,
  EMAIL2_EVENT_PROBED,
  EMAIL2_EVENT_PROBE_FAILED,
} Email2Event;

/**
 * Email2Origin:
 * @EMAIL2_ORIGIN_NONE: not about a payload (a probe)
 * @EMAIL2_ORIGIN_DBUS: Apply over D-Bus (email2ctl apply)
 * @EMAIL2_ORIGIN_USER_SPOOL: the user's spool inbox
 * @EMAIL2_ORIGIN_SYSTEM_SPOOL: the system's spool inbox
 *
 * Where a payload came from: EMAIL2_ORIGIN.
 */
typedef enum {
  EMAIL2_ORIGIN_NONE,
  EMAIL2_ORIGIN_DBUS,
  EMAIL2_ORIGIN_USER_SPOOL,
  EMAIL2_ORIGIN_SYSTEM_SPOOL,
} Email2Origin;

const char *email2_event_get_message_id (Email2Event    event);
void        email2_log_event            (Email2Event    event,
                                         Email2Origin   origin,
                                         const char    *payload_name,
                                         const char    *guid,
                                         guint          status,
                                         const char    *format,
                                         ...) G_GNUC_PRINTF (6, 7);
void        email2_log_payload          (const Email2Payload *payload,
                                         Email2Origin   origin,
                                         const char    *payload_name);

G_END_DECLS
