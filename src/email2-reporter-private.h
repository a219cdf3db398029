/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): what the user and the account
 * records are told of each payload a service runs (email2-reporter.c).
 */

#pragma once

#include <gio/gio.h>

#include "email2.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_REPORTER (email2_reporter_get_type ())
G_DECLARE_FINAL_TYPE (Email2Reporter, email2_reporter, EMAIL2, REPORTER, GObject)

Email2Reporter *email2_reporter_new (Email2Service     *service,
                                     Email2DesktopHost *desktop,
                                     GDBusConnection   *connection,
                                     const char        *ledger_path);

G_END_DECLS
