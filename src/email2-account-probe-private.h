/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): both servers of one account probed
 * together (email2-account-probe.c).
 */

#pragma once

#include <gio/gio.h>

#include "email2.h"

G_BEGIN_DECLS

typedef struct _Email2AccountProbe Email2AccountProbe;

void                     email2_account_probe_async          (const Email2Account       *account,
                                                              const char                *ca_file,
                                                              GCancellable              *cancellable,
                                                              GAsyncReadyCallback        callback,
                                                              gpointer                   user_data);
Email2AccountProbe      *email2_account_probe_finish         (GAsyncResult              *result,
                                                              GError                   **error);
void                     email2_account_probe_free           (Email2AccountProbe        *probe);

gboolean                 email2_account_probe_matches        (const Email2AccountProbe  *probe,
                                                              const Email2Account       *account);
const Email2ProbeResult *email2_account_probe_get_result     (const Email2AccountProbe  *probe,
                                                              Email2NodeId               server);
const char              *email2_account_probe_get_server     (const Email2AccountProbe  *probe,
                                                              Email2NodeId               server);
gboolean                 email2_account_probe_is_decided     (const Email2AccountProbe  *probe);
const char              *email2_account_probe_get_smtp_mechanism (const Email2AccountProbe *probe,
                                                                  const Email2Account      *account);
void                     email2_account_probe_log            (const Email2AccountProbe  *probe,
                                                              const Email2Account       *account);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2AccountProbe, email2_account_probe_free)

G_END_DECLS
