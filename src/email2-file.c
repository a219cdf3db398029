/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Making a directory's entries durable: after a rename or an unlink in
 * it, an fsync() of the directory is what keeps that change through a
 * power cut (docs/DESIGN.md §3.8, Durable writes).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "email2-file-private.h"

/**
 * email2_file_sync_dir:
 * @dir: a directory
 * @error: return location for a #GError (#G_FILE_ERROR_NOENT when @dir
 *   is not there)
 *
 * Returns: %TRUE when the entries of @dir are on disk
 */
gboolean
email2_file_sync_dir (const char  *dir,
                      GError     **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved = 0;

  if (fd < 0 || fsync (fd) != 0)
    saved = errno;
  if (fd >= 0)
    close (fd);
  if (saved != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
