/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): desktop notifications of what a
 * payload changed or why a rollout failed (email2-notifier.c).
 */

#pragma once

#include <gio/gio.h>

#include "email2.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_NOTIFIER (email2_notifier_get_type ())
G_DECLARE_FINAL_TYPE (Email2Notifier, email2_notifier, EMAIL2, NOTIFIER, GObject)

Email2Notifier *email2_notifier_new              (GDBusConnection *connection);
void            email2_notifier_accounts_changed (Email2Notifier  *self,
                                                  GPtrArray       *changes);
void            email2_notifier_rollout_failed   (Email2Notifier  *self,
                                                  const char      *origin,
                                                  const char      *reason);

G_END_DECLS
