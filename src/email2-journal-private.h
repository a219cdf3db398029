/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): a host's transaction journal and
 * the lock that makes its transactions one at a time (email2-journal.c).
 */

#pragma once

#include <glib-object.h>

#include "email2.h"

G_BEGIN_DECLS

/**
 * Email2JournalState:
 * @EMAIL2_JOURNAL_NONE: no transaction: none begun, or none on disk
 * @EMAIL2_JOURNAL_OPEN: begun and not committed: an undo ends it
 * @EMAIL2_JOURNAL_COMMITTED: committed: only its clean-up is left
 */
typedef enum {
  EMAIL2_JOURNAL_NONE,
  EMAIL2_JOURNAL_OPEN,
  EMAIL2_JOURNAL_COMMITTED,
} Email2JournalState;

/**
 * Email2JournalBackup:
 * @EMAIL2_JOURNAL_BACKUP_NONE: the secret was never replaced: any backup
 *   item of it is torn and must not be restored
 * @EMAIL2_JOURNAL_BACKUP_NAMED: replaced; its backup must be there
 * @EMAIL2_JOURNAL_BACKUP_UNKNOWN: a journal written before backups were
 *   named: a backup that is there is restored
 *
 * What the journal says of the backup of one secret of one account.
 */
typedef enum {
  EMAIL2_JOURNAL_BACKUP_NONE,
  EMAIL2_JOURNAL_BACKUP_NAMED,
  EMAIL2_JOURNAL_BACKUP_UNKNOWN,
} Email2JournalBackup;

#define EMAIL2_TYPE_JOURNAL (email2_journal_get_type ())
G_DECLARE_FINAL_TYPE (Email2Journal, email2_journal, EMAIL2, JOURNAL, GObject)

Email2Journal      *email2_journal_new             (const char           *path);
Email2Journal      *email2_journal_new_default     (void);
const char         *email2_journal_get_path        (Email2Journal        *self);

gboolean            email2_journal_lock            (Email2Journal        *self,
                                                    guint                 timeout_ms,
                                                    GError              **error);
void                email2_journal_unlock          (Email2Journal        *self);

gboolean            email2_journal_exists          (Email2Journal        *self);
gboolean            email2_journal_load            (Email2Journal        *self,
                                                    GError              **error);
gboolean            email2_journal_begin           (Email2Journal        *self,
                                                    GError              **error);
gboolean            email2_journal_add_account     (Email2Journal        *self,
                                                    const char           *guid,
                                                    const Email2Account  *before,
                                                    GError              **error);
gboolean            email2_journal_name_backups    (Email2Journal        *self,
                                                    const char           *guid,
                                                    const char * const   *nodes,
                                                    GError              **error);
gboolean            email2_journal_commit          (Email2Journal        *self,
                                                    GError              **error);
void                email2_journal_close           (Email2Journal        *self);
gboolean            email2_journal_names_backups   (Email2Journal        *self);
gboolean            email2_journal_remove_durably  (Email2Journal        *self,
                                                    GError              **error);
gboolean            email2_journal_remove          (Email2Journal        *self);

Email2JournalState  email2_journal_get_state       (Email2Journal        *self);
char               *email2_journal_dup_transaction (Email2Journal        *self);
char              **email2_journal_list_accounts   (Email2Journal        *self,
                                                    GError              **error);
gboolean            email2_journal_created         (Email2Journal        *self,
                                                    const char           *guid);
Email2Account      *email2_journal_dup_before      (Email2Journal        *self,
                                                    const char           *guid,
                                                    GError              **error);
Email2JournalBackup email2_journal_get_backup      (Email2Journal        *self,
                                                    const char           *guid,
                                                    Email2NodeId          node);

G_END_DECLS
