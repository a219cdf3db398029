/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <sys/types.h>

#include <glib-object.h>

G_BEGIN_DECLS

/* The administrator's settings (docs/DESIGN.md §3.2). */
#define EMAIL2_POLICY_FILE "/etc/xdg/email2/email2.conf"

#define EMAIL2_TYPE_POLICY (email2_policy_get_type ())

G_DECLARE_FINAL_TYPE (Email2Policy, email2_policy, EMAIL2, POLICY, GObject)

Email2Policy *email2_policy_new_default                (void);
Email2Policy *email2_policy_new_from_file              (const char    *path,
                                                        uid_t          owner,
                                                        GError       **error);
const char   *email2_policy_get_email_pattern          (Email2Policy  *self);
gboolean      email2_policy_get_user_signature_required (Email2Policy *self);

G_END_DECLS
