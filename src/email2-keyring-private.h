/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): a host's keyring, confirmed and
 * bounded in time (email2-keyring.c).
 */

#pragma once

#include <libsecret/secret.h>

#include "email2.h"
#include "email2-journal-private.h"

G_BEGIN_DECLS

const SecretSchema *email2_keyring_provisioned_schema (void);
const SecretSchema *email2_keyring_backup_schema      (void);

gboolean    email2_keyring_ensure_usable    (GError             **error);
guint       email2_keyring_count            (const SecretSchema  *schema,
                                             GHashTable          *attributes,
                                             GError             **error);
GHashTable *email2_keyring_attributes_new   (const char          *name,
                                             const char          *value,
                                             ...) G_GNUC_NULL_TERMINATED;
gboolean    email2_keyring_store_verified   (const SecretSchema  *schema,
                                             GHashTable          *attributes,
                                             const char          *label,
                                             const char          *secret,
                                             GError             **error);
gboolean    email2_keyring_clear_verified   (const SecretSchema  *schema,
                                             GHashTable          *attributes,
                                             GError             **error);

char       *email2_keyring_lookup           (const char          *guid,
                                             Email2NodeId         node,
                                             GError             **error);
char       *email2_keyring_lookup_required  (const char          *guid,
                                             Email2NodeId         node,
                                             GError             **error);
gboolean    email2_keyring_has              (const char          *guid,
                                             Email2NodeId         node,
                                             GError             **error);
gboolean    email2_keyring_store            (const char          *guid,
                                             Email2NodeId         node,
                                             const char          *secret,
                                             GError             **error);
gboolean    email2_keyring_clear            (const char          *guid,
                                             Email2NodeId         node,
                                             GError             **error);

gboolean    email2_keyring_back_up          (const char          *transaction,
                                             const char          *guid,
                                             Email2NodeId         node,
                                             GError             **error);
char       *email2_keyring_lookup_backup    (const char          *transaction,
                                             const char          *guid,
                                             Email2NodeId         node,
                                             GError             **error);
gboolean    email2_keyring_clear_backups    (const char          *transaction,
                                             GError             **error);

/* Called after each durable step of a transaction. */
typedef void (*Email2KeyringStepFunc) (gpointer user_data);

gboolean    email2_keyring_write_provisioned (Email2Journal        *journal,
                                              const Email2Account  *before,
                                              const Email2Account  *after,
                                              Email2KeyringStepFunc step,
                                              gpointer              user_data,
                                              gboolean             *touched,
                                              GError              **error);
gboolean    email2_keyring_undo_provisioned  (Email2Journal        *journal,
                                              const char           *guid,
                                              const Email2Account  *before,
                                              Email2Account        *left,
                                              GError              **error);
char       *email2_keyring_dup_secret        (const Email2Account  *account,
                                              Email2NodeId          node,
                                              GError              **error);
gboolean    email2_keyring_typed_password_stays (const Email2Account *before,
                                                 const Email2Account *after,
                                                 Email2NodeId         node,
                                                 const Email2NodeId  *servers,
                                                 gsize                n_servers);

G_END_DECLS
