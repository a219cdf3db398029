/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libsecret/secret.h>

#include "email2.h"

G_BEGIN_DECLS

const SecretSchema *email2_evolution_keyring_eds_schema (void);
gboolean  email2_evolution_keyring_store_eds     (const char           *uid,
                                                  const char           *label,
                                                  const char           *secret,
                                                  GError              **error);
gboolean  email2_evolution_keyring_write_collection (const char           *guid,
                                                      const Email2Account  *before,
                                                      const Email2Account  *account,
                                                      gboolean              servers_unchanged,
                                                      GError              **error);
gboolean  email2_evolution_keyring_write_eds     (const char           *guid,
                                                  const Email2Account  *before,
                                                  const Email2Account  *account,
                                                  gboolean              servers_unchanged,
                                                  const char           *account_label,
                                                  const char           *transport_label,
                                                  GError              **error);

G_END_DECLS
