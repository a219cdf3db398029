/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): writing files whole and making a
 * directory's entries durable (email2-file.c).
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What email2_file_replace() appends to the path for its temporary file
 * (g_mkstemp()'s template). */
#define EMAIL2_FILE_TEMP_SUFFIX ".XXXXXX"

typedef enum {
  EMAIL2_FILE_REPLACE_NONE     = 0,
  EMAIL2_FILE_REPLACE_DATASYNC = 1 << 0,
} Email2FileReplaceFlags;

int      email2_file_write_all (int                      fd,
                                const void              *data,
                                gsize                    length);
gboolean email2_file_holds     (const char              *path,
                                const char              *data,
                                gsize                    length);
gboolean email2_file_replace   (const char              *path,
                                const char              *data,
                                gsize                    length,
                                int                      mode,
                                Email2FileReplaceFlags   flags,
                                GError                 **error);
gboolean email2_file_sync_dir  (const char              *dir,
                                GError                 **error);

G_END_DECLS
