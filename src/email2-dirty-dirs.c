/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2DirtyDirs: the directories in which a file was renamed or removed
 * since they were last synced. A transaction notes each one as it
 * replaces or removes a file there (possibly from another thread) and
 * syncs them where it commits and where its undo ends: one fsync() per
 * directory, however many of its files changed (docs/DESIGN.md §3.8,
 * Durable writes). Not syncfs(): that flushes every file of the file
 * system, whoever wrote it.
 */

#include "config.h"

#include "email2-dirty-dirs-private.h"
#include "email2-file-private.h"

struct _Email2DirtyDirs {
  GMutex lock;
  GHashTable *dirs;   /* paths, owned */
};

/**
 * email2_dirty_dirs_new:
 *
 * Returns: (transfer full): an empty set, safe to use from any thread
 */
Email2DirtyDirs *
email2_dirty_dirs_new (void)
{
  Email2DirtyDirs *self = g_new0 (Email2DirtyDirs, 1);

  g_mutex_init (&self->lock);
  self->dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
email2_dirty_dirs_free (Email2DirtyDirs *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->dirs);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static void
add_dir (Email2DirtyDirs *self,
         char            *dir)
{
  g_mutex_lock (&self->lock);
  g_hash_table_add (self->dirs, dir);
  g_mutex_unlock (&self->lock);
}

/**
 * email2_dirty_dirs_add_file:
 * @self: the set
 * @path: a file that was renamed into place or removed (or is about to be)
 *
 * Notes @path's directory for email2_dirty_dirs_sync().
 */
void
email2_dirty_dirs_add_file (Email2DirtyDirs *self,
                            const char      *path)
{
  add_dir (self, g_path_get_dirname (path));
}

/**
 * email2_dirty_dirs_get_size:
 * @self: the set
 *
 * Returns: how many directories wait for a sync
 */
guint
email2_dirty_dirs_get_size (Email2DirtyDirs *self)
{
  guint size;

  g_mutex_lock (&self->lock);
  size = g_hash_table_size (self->dirs);
  g_mutex_unlock (&self->lock);
  return size;
}

/* A directory that is gone keeps nothing that needs syncing. */
static gboolean
sync_dir (const char  *dir,
          GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (email2_file_sync_dir (dir, &local_error) ||
      g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * email2_dirty_dirs_sync:
 * @self: the set
 * @error: return location for a #GError
 *
 * Syncs each directory noted since the last call, once. Files written
 * with email2_file_replace() and %EMAIL2_FILE_REPLACE_DATASYNC are then
 * durable, renames and removals included.
 *
 * Returns: %TRUE when they are on disk; on failure the directories not
 *   synced stay in @self for the next call
 */
gboolean
email2_dirty_dirs_sync (Email2DirtyDirs  *self,
                        GError          **error)
{
  g_autoptr(GHashTable) dirs = NULL;
  GHashTableIter iter;
  gpointer dir;
  gboolean ok = TRUE;

  /* Synced outside the lock: others may note directories meanwhile. */
  g_mutex_lock (&self->lock);
  dirs = g_steal_pointer (&self->dirs);
  self->dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_unlock (&self->lock);

  g_hash_table_iter_init (&iter, dirs);
  while (ok && g_hash_table_iter_next (&iter, &dir, NULL))
    if ((ok = sync_dir (dir, error)))
      g_hash_table_iter_remove (&iter);

  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, &dir, NULL))
    {
      g_hash_table_iter_steal (&iter);
      add_dir (self, dir);
    }
  return ok;
}
