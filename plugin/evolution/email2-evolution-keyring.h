/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include "email2.h"

G_BEGIN_DECLS

char     *email2_evolution_keyring_lookup        (const char           *guid,
                                                  Email2NodeId          node,
                                                  GError              **error);
gboolean  email2_evolution_keyring_store         (const char           *guid,
                                                  Email2NodeId          node,
                                                  const char           *secret,
                                                  GError              **error);
gboolean  email2_evolution_keyring_clear         (const char           *guid,
                                                  Email2NodeId          node,
                                                  GError              **error);

gboolean  email2_evolution_keyring_back_up       (const char           *transaction,
                                                  const char           *guid,
                                                  Email2NodeId          node,
                                                  GError              **error);
char     *email2_evolution_keyring_lookup_backup (const char           *transaction,
                                                  const char           *guid,
                                                  Email2NodeId          node,
                                                  GError              **error);
gboolean  email2_evolution_keyring_clear_backups (const char           *transaction,
                                                  GError              **error);

gboolean  email2_evolution_keyring_write_collection (const char           *guid,
                                                      const Email2Account  *account,
                                                      gboolean             *touched,
                                                      GError              **error);
gboolean  email2_evolution_keyring_write_eds     (const char           *guid,
                                                  const Email2Account  *account,
                                                  const char           *account_label,
                                                  const char           *transport_label,
                                                  gboolean             *touched,
                                                  GError              **error);

G_END_DECLS
