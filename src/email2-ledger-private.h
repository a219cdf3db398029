/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): the account records of
 * `email2ctl list` (email2-ledger.c).
 */

#pragma once

#include <glib-object.h>

#include "email2.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_LEDGER (email2_ledger_get_type ())
G_DECLARE_FINAL_TYPE (Email2Ledger, email2_ledger, EMAIL2, LEDGER, GObject)

Email2Ledger *email2_ledger_new             (const char      *path);
void          email2_ledger_record_changes  (Email2Ledger    *self,
                                             GPtrArray       *changes,
                                             const char      *origin);
void          email2_ledger_record_failure  (Email2Ledger    *self,
                                             const char      *guid,
                                             const char      *origin,
                                             const char      *reason);
void          email2_ledger_record_payload_failure (Email2Ledger        *self,
                                                    const Email2Payload *payload,
                                                    const char * const  *existing,
                                                    const char          *origin);
void          email2_ledger_save            (Email2Ledger    *self);
void          email2_ledger_describe        (Email2Ledger    *self,
                                             const char      *guid,
                                             GVariantBuilder *builder);

G_END_DECLS
