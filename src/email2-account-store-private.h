/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): what a desktop's account store does
 * for a transaction (email2-account-store.c); Email2Transaction
 * (email2-transaction.c) decides the order.
 */

#pragma once

#include <glib-object.h>

#include "email2.h"

G_BEGIN_DECLS

/**
 * Email2StoreChange:
 * @guid: the account
 * @before: (nullable): the account as the store has it now (in an undo:
 *   what the transaction left, its secrets "kept" where the keyring has
 *   them); %NULL: there is none
 * @after: (nullable): the account as it is to be; %NULL: removed
 * @undo: an undo: @after is the account as it was, for the servers the
 *   store's copies were written for; nothing is published
 * @pending: a new account: its files stay unseen until
 *   email2_account_store_publish()
 * @labels: (out): set by write_files(), for write_secrets(): whatever the
 *   store names its copies of the secrets after (Evolution: the sources'
 *   display names); freed with the change
 * @rediscover: (out): set by write_files() when servers the desktop
 *   discovers more from (contacts, calendars) changed
 *
 * One account's change, passed to each step of it in turn.
 */
typedef struct {
  const char          *guid;
  const Email2Account *before;
  const Email2Account *after;
  gboolean             undo;
  gboolean             pending;
  char               **labels;
  gboolean             rediscover;
} Email2StoreChange;

#define EMAIL2_TYPE_ACCOUNT_STORE (email2_account_store_get_type ())

G_DECLARE_INTERFACE (Email2AccountStore, email2_account_store, EMAIL2, ACCOUNT_STORE, GObject)

/**
 * Email2AccountStoreInterface:
 * @list: the GUIDs of every account, in any order
 * @lookup: one account as it is now, its secrets "kept", or %NULL
 * @write_files: writes @change->after's files whole (%NULL: removes the
 *   account's), hidden when @change->pending; not yet durable
 * @publish: makes a pending account's files seen
 * @sync: makes every file written or removed since the last sync durable
 * @write_secrets_ahead: the store's own copies of the secrets that must be
 *   there before its files are (a service that starts with the files looks
 *   for them at once) and, when the account goes, all of them, before its
 *   files go; @wrote says whether anything was to be written
 * @write_secrets: the rest of the store's copies, after the files, from
 *   the provisioned secrets (email2_keyring_lookup()) or the new values of
 *   @change->after; a password the user typed stays while its server does
 * @rediscover: starts discovery again after @change->rediscover
 *
 * A desktop's account store, as a transaction uses it: files and the
 * store's copies of the secrets, each change confirmed before the call
 * returns. Called from the transaction's thread (the engine's worker).
 */
struct _Email2AccountStoreInterface {
  GTypeInterface g_iface;

  char          **(*list)                (Email2AccountStore       *store);
  Email2Account  *(*lookup)              (Email2AccountStore       *store,
                                          const char               *guid);
  gboolean        (*write_files)         (Email2AccountStore       *store,
                                          Email2StoreChange        *change,
                                          GError                  **error);
  gboolean        (*publish)             (Email2AccountStore       *store,
                                          const char               *guid,
                                          GError                  **error);
  gboolean        (*sync)                (Email2AccountStore       *store,
                                          GError                  **error);
  gboolean        (*write_secrets_ahead) (Email2AccountStore       *store,
                                          const Email2StoreChange  *change,
                                          gboolean                 *wrote,
                                          GError                  **error);
  gboolean        (*write_secrets)       (Email2AccountStore       *store,
                                          const Email2StoreChange  *change,
                                          GError                  **error);
  void            (*rediscover)          (Email2AccountStore       *store,
                                          const Email2StoreChange  *change);
};

char          **email2_account_store_list                (Email2AccountStore       *store);
Email2Account  *email2_account_store_lookup              (Email2AccountStore       *store,
                                                          const char               *guid);
gboolean        email2_account_store_write_files         (Email2AccountStore       *store,
                                                          Email2StoreChange        *change,
                                                          GError                  **error);
gboolean        email2_account_store_publish             (Email2AccountStore       *store,
                                                          const char               *guid,
                                                          GError                  **error);
gboolean        email2_account_store_sync                (Email2AccountStore       *store,
                                                          GError                  **error);
gboolean        email2_account_store_write_secrets_ahead (Email2AccountStore       *store,
                                                          const Email2StoreChange  *change,
                                                          gboolean                 *wrote,
                                                          GError                  **error);
gboolean        email2_account_store_write_secrets       (Email2AccountStore       *store,
                                                          const Email2StoreChange  *change,
                                                          GError                  **error);
void            email2_account_store_rediscover          (Email2AccountStore       *store,
                                                          const Email2StoreChange  *change);

G_END_DECLS
