/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): a desktop host's transaction over
 * its account store (email2-transaction.c).
 */

#pragma once

#include <glib-object.h>

#include "email2.h"
#include "email2-account-store-private.h"
#include "email2-journal-private.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_TRANSACTION (email2_transaction_get_type ())

G_DECLARE_FINAL_TYPE (Email2Transaction, email2_transaction, EMAIL2, TRANSACTION, GObject)

Email2Transaction *email2_transaction_new             (Email2AccountStore  *store,
                                                       Email2Journal       *journal);
void               email2_transaction_set_crash_after (Email2Transaction   *self,
                                                       guint                step);
gboolean           email2_transaction_recover         (Email2Transaction   *self,
                                                       GError             **error);

G_END_DECLS
