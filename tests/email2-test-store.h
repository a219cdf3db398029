/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2TestStore: an Email2AccountStore in memory, standing in for a
 * desktop's files in tests/test-transaction.c only.
 */

#pragma once

#include "email2.h"
#include "email2-account-store-private.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_TEST_STORE (email2_test_store_get_type ())

G_DECLARE_FINAL_TYPE (Email2TestStore, email2_test_store, EMAIL2, TEST_STORE, GObject)

Email2TestStore *email2_test_store_new          (void);
gboolean         email2_test_store_is_pending   (Email2TestStore *self,
                                                 const char      *guid);
void             email2_test_store_type_password (Email2TestStore *self,
                                                  const char      *guid,
                                                  const char      *secret);
const char      *email2_test_store_get_copy     (Email2TestStore *self,
                                                 const char      *guid);
guint            email2_test_store_get_unsynced (Email2TestStore *self);
char            *email2_test_store_take_calls   (Email2TestStore *self);
void             email2_test_store_fail_write   (Email2TestStore *self,
                                                 const char      *guid);

G_END_DECLS
