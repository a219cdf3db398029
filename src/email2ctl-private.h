/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What the email2ctl commands share.
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "email2-dbus-generated.h"
#include "email2-secure-private.h"

G_BEGIN_DECLS

/* Exit statuses of every command. */
enum {
  EXIT_ALL_OK = 0,
  EXIT_COMMAND_FAILED = 1,
  EXIT_UNUSABLE = 2,
};

/* The "version" of every --json answer (docs/json.md). */
#define EMAIL2CTL_JSON_VERSION 1

extern const char *email2ctl_json_command;

int          email2ctl_usage_error      (GOptionContext     *context,
                                         const char         *message);
int          email2ctl_fail             (const char         *kind,
                                         int                 exit_status,
                                         const char         *message);

JsonBuilder *email2ctl_json_new         (const char         *command);
void         email2ctl_json_add_string  (JsonBuilder        *builder,
                                         const char         *key,
                                         const char         *value);
void         email2ctl_json_add_strv    (JsonBuilder        *builder,
                                         const char         *key,
                                         const char * const *strv);
void         email2ctl_json_add_summary (JsonBuilder        *builder,
                                         GVariant           *summary);
void         email2ctl_json_print       (JsonBuilder        *builder);
void         email2ctl_json_error       (const char         *kind,
                                         const char         *message);

void         email2ctl_list_print       (GVariant           *accounts,
                                         gboolean            json);

Email2SecureBuffer      *email2ctl_read_payload     (const char  *path,
                                                     GError     **error);

Email2DbusProvisioning1 *email2ctl_connect_registry (GError  **error);
int                      email2ctl_registry_error   (GError   *error);

G_END_DECLS
