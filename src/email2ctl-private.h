/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What the email2ctl commands share.
 */

#pragma once

#include <glib.h>

#include "email2-dbus-generated.h"

G_BEGIN_DECLS

/* Exit statuses of every command. */
enum {
  EXIT_ALL_OK = 0,
  EXIT_COMMAND_FAILED = 1,
  EXIT_UNUSABLE = 2,
};

int  email2ctl_usage_error (GOptionContext *context,
                            const char     *message);
void email2ctl_json_string (GString        *out,
                            const char     *text);
void email2ctl_list_print  (GVariant       *accounts,
                            gboolean        json);

Email2DbusProvisioning1 *email2ctl_connect_registry (GError  **error);
int                      email2ctl_registry_error   (GError   *error);

G_END_DECLS
