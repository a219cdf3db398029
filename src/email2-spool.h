/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <gio/gio.h>

#include "email2-service.h"

G_BEGIN_DECLS

/* The system-wide inbox (docs/DESIGN.md §3.2). */
#define EMAIL2_SPOOL_SYSTEM_INBOX "/etc/xdg/email2/inbox"

#define EMAIL2_TYPE_SPOOL (email2_spool_get_type ())

G_DECLARE_FINAL_TYPE (Email2Spool, email2_spool, EMAIL2, SPOOL, GObject)

Email2Spool *email2_spool_new   (Email2Service *service,
                                 const char    *state_dir,
                                 const char    *system_inbox);
void         email2_spool_start (Email2Spool   *self);
void         email2_spool_stop  (Email2Spool   *self);

G_END_DECLS
