/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): the directories whose entries
 * changed since they were last synced (email2-dirty-dirs.c).
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Email2DirtyDirs Email2DirtyDirs;

Email2DirtyDirs *email2_dirty_dirs_new      (void);
void             email2_dirty_dirs_free     (Email2DirtyDirs  *self);
void             email2_dirty_dirs_add_file (Email2DirtyDirs  *self,
                                             const char       *path);
guint            email2_dirty_dirs_get_size (Email2DirtyDirs  *self);
gboolean         email2_dirty_dirs_sync     (Email2DirtyDirs  *self,
                                             GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2DirtyDirs, email2_dirty_dirs_free)

G_END_DECLS
