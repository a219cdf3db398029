/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): what `email2ctl check` finds of
 * email2's own keyring items, journal and source files, on any host
 * (email2-check.c).
 */

#pragma once

#include <libsecret/secret.h>

#include "email2.h"
#include "email2-journal-private.h"

G_BEGIN_DECLS

/**
 * Email2CheckFinding:
 * @kind: open-journal, pending-source, unreadable-source, orphan-item,
 *   missing-secret, keyring-locked or registry-stopping
 * @subject: the file, account GUID or source UID concerned (never a secret)
 * @detail: what is wrong
 * @action: what the repair did, or would do, or what to do by hand
 * @repaired: whether the repair fixed it
 *
 * One thing `email2ctl check` found.
 */
typedef struct {
  char *kind;
  char *subject;
  char *detail;
  char *action;
  gboolean repaired;
} Email2CheckFinding;

void       email2_check_finding_free  (Email2CheckFinding  *finding);
GPtrArray *email2_check_findings_new  (void);
void       email2_check_add           (GPtrArray           *findings,
                                       const char          *kind,
                                       const char          *subject,
                                       char                *detail,
                                       char                *action,
                                       gboolean             repaired);
void       email2_check_findings_add  (GPtrArray           *findings,
                                       GVariantBuilder     *builder);

gboolean   email2_check_keyring_usable (GPtrArray          *findings);
GList     *email2_check_search        (const SecretSchema  *schema,
                                       const char          *attribute,
                                       const char          *value);
void       email2_check_orphan        (GPtrArray           *findings,
                                       SecretItem          *item,
                                       const char          *subject,
                                       char                *detail,
                                       gboolean             repair);
void       email2_check_orphans       (GHashTable          *accounts,
                                       const char          *open_transaction,
                                       gboolean             repair,
                                       GPtrArray           *findings);
void       email2_check_provisioned   (const Email2Account *account,
                                       GPtrArray           *findings);

/* Ends the journal a transaction left, as the host's start does. */
typedef gboolean (*Email2CheckRecoverFunc) (gpointer   user_data,
                                            GError   **error);

char      *email2_check_journal       (Email2Journal          *journal,
                                       gboolean                repair,
                                       Email2CheckRecoverFunc  recover,
                                       gpointer                user_data,
                                       GPtrArray              *findings);
void       email2_check_source_files  (const char             *dir,
                                       const char             *open_transaction,
                                       gboolean                repair,
                                       GPtrArray              *findings);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2CheckFinding, email2_check_finding_free)

G_END_DECLS
