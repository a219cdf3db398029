/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The system-wide inbox (docs/DESIGN.md §3.2). */
#define EMAIL2_SPOOL_SYSTEM_INBOX "/etc/xdg/email2/inbox"

/**
 * Email2SpoolParseFunc:
 * @data: the payload file's bytes
 * @length: their number
 * @user_data: the handler's data
 * @error: why the bytes are no usable payload
 *
 * Reads a payload without applying anything.
 *
 * Returns: (transfer full) (nullable): the payload, or %NULL with @error set
 */
typedef gpointer (*Email2SpoolParseFunc) (const char  *data,
                                          gsize        length,
                                          gpointer     user_data,
                                          GError     **error);

/**
 * Email2SpoolApplyFunc:
 * @payload: what the parse function returned
 * @name: the payload file's name in its inbox (`NAME.xml`)
 * @length: (out): the response's length
 * @ok: (out): whether every command succeeded
 * @user_data: the handler's data
 *
 * Applies a payload, in the thread that runs email2_spool_job_run().
 *
 * Returns: (transfer full) (nullable): the response document, which never
 *   holds a secret; %NULL when none could be made
 */
typedef char *(*Email2SpoolApplyFunc) (gpointer    payload,
                                       const char *name,
                                       gsize      *length,
                                       gboolean   *ok,
                                       gpointer    user_data);

/**
 * Email2SpoolHandler:
 * @parse: reads a payload
 * @apply: applies it and answers
 * @free_payload: frees what @parse returned (and overwrites its secrets)
 *
 * What the spool does with a payload file it accepts.
 */
typedef struct {
  Email2SpoolParseFunc parse;
  Email2SpoolApplyFunc apply;
  GDestroyNotify free_payload;
} Email2SpoolHandler;

typedef struct _Email2SpoolJob Email2SpoolJob;

/**
 * Email2SpoolQueueFunc:
 * @job: (transfer full): work for the spool
 * @user_data: the data given to email2_spool_new()
 *
 * Hands @job to the one thread that applies payloads; that thread calls
 * email2_spool_job_run() and then email2_spool_job_free().
 */
typedef void (*Email2SpoolQueueFunc) (Email2SpoolJob *job,
                                      gpointer        user_data);

#define EMAIL2_TYPE_SPOOL (email2_spool_get_type ())

G_DECLARE_FINAL_TYPE (Email2Spool, email2_spool, EMAIL2, SPOOL, GObject)

Email2Spool *email2_spool_new     (const char               *state_dir,
                                   const char               *system_inbox,
                                   const Email2SpoolHandler *handler,
                                   Email2SpoolQueueFunc      queue,
                                   gpointer                  user_data);
void         email2_spool_start   (Email2Spool              *self);
void         email2_spool_stop    (Email2Spool              *self);

void         email2_spool_job_run  (Email2SpoolJob          *job);
void         email2_spool_job_free (Email2SpoolJob          *job);

G_END_DECLS
