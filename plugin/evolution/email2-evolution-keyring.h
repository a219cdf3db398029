/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libsecret/secret.h>

#include "email2.h"

G_BEGIN_DECLS

/* The schemas of the items email2 makes. */
typedef enum {
  EMAIL2_KEYRING_PROVISIONED,   /* io.github.email2.Secret */
  EMAIL2_KEYRING_EDS,           /* org.gnome.Evolution.Data.Source */
  EMAIL2_KEYRING_BACKUP,        /* io.github.email2.Backup */
} Email2KeyringSchema;

const SecretSchema *email2_evolution_keyring_schema (Email2KeyringSchema   schema);
gboolean  email2_evolution_keyring_ensure_usable (GError              **error);
guint     email2_evolution_keyring_count         (Email2KeyringSchema   schema,
                                                  GHashTable           *attributes,
                                                  GError              **error);
gboolean  email2_evolution_keyring_has            (const char           *guid,
                                                  Email2NodeId          node,
                                                  GError              **error);
gboolean  email2_evolution_keyring_store_eds     (const char           *uid,
                                                  const char           *label,
                                                  const char           *secret,
                                                  GError              **error);

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
                                                      const Email2Account  *before,
                                                      const Email2Account  *account,
                                                      gboolean             *touched,
                                                      GError              **error);
gboolean  email2_evolution_keyring_write_eds     (const char           *guid,
                                                  const Email2Account  *before,
                                                  const Email2Account  *account,
                                                  const char           *account_label,
                                                  const char           *transport_label,
                                                  gboolean             *touched,
                                                  GError              **error);

G_END_DECLS
