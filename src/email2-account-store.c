/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2AccountStore: what a desktop's account store does for a
 * transaction (docs/DESIGN.md §3.8): its files, written whole and synced
 * when asked, a new account's hidden until published, and its own copies
 * of the secrets. The order of these calls, the journal and the
 * provisioned secrets are Email2Transaction's (email2-transaction.c).
 */

#include "config.h"

#include "email2-account-store-private.h"

G_DEFINE_INTERFACE (Email2AccountStore, email2_account_store, G_TYPE_OBJECT)

static void
email2_account_store_default_init (Email2AccountStoreInterface *iface)
{
}

#define STORE_IFACE(store) EMAIL2_ACCOUNT_STORE_GET_IFACE (store)

char **
email2_account_store_list (Email2AccountStore *store)
{
  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), NULL);
  return STORE_IFACE (store)->list (store);
}

Email2Account *
email2_account_store_lookup (Email2AccountStore *store,
                             const char         *guid)
{
  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), NULL);
  return STORE_IFACE (store)->lookup (store, guid);
}

gboolean
email2_account_store_write_files (Email2AccountStore  *store,
                                  Email2StoreChange   *change,
                                  GError             **error)
{
  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), FALSE);
  return STORE_IFACE (store)->write_files (store, change, error);
}

gboolean
email2_account_store_publish (Email2AccountStore  *store,
                              const char          *guid,
                              GError             **error)
{
  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), FALSE);
  return STORE_IFACE (store)->publish (store, guid, error);
}

gboolean
email2_account_store_sync (Email2AccountStore  *store,
                           GError             **error)
{
  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), FALSE);
  return STORE_IFACE (store)->sync (store, error);
}

gboolean
email2_account_store_write_secrets_ahead (Email2AccountStore       *store,
                                          const Email2StoreChange  *change,
                                          gboolean                 *wrote,
                                          GError                  **error)
{
  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), FALSE);
  *wrote = FALSE;
  return STORE_IFACE (store)->write_secrets_ahead (store, change, wrote, error);
}

gboolean
email2_account_store_write_secrets (Email2AccountStore       *store,
                                    const Email2StoreChange  *change,
                                    GError                  **error)
{
  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), FALSE);
  return STORE_IFACE (store)->write_secrets (store, change, error);
}

void
email2_account_store_rediscover (Email2AccountStore      *store,
                                 const Email2StoreChange *change)
{
  g_return_if_fail (EMAIL2_IS_ACCOUNT_STORE (store));
  if (STORE_IFACE (store)->rediscover != NULL)
    STORE_IFACE (store)->rediscover (store, change);
}
