/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Writing files so that no reader, and no disk after a power cut, finds
 * one short: every byte written or an errno, a whole file replaced through
 * a temporary file beside it, and a directory's entries made durable
 * (docs/DESIGN.md §3.8, Durable writes).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "email2-file-private.h"

/**
 * email2_file_write_all:
 * @fd: a file descriptor open for writing
 * @data: (array length=length): the bytes to write
 * @length: how many
 *
 * Writes all of @data to @fd, again after a short write or an
 * interruption.
 *
 * Returns: 0 when every byte is written, else the errno of the failed
 *   write (%EIO for a write that wrote nothing)
 */
int
email2_file_write_all (int         fd,
                       const void *data,
                       gsize       length)
{
  const char *bytes = data;
  gsize done = 0;

  while (done < length)
    {
      gssize n = write (fd, bytes + done, length - done);

      if (n > 0)
        done += n;
      else if (n == 0)
        return EIO;
      else if (errno != EINTR)
        return errno;
    }
  return 0;
}

/**
 * email2_file_holds:
 * @path: a file
 * @data: (array length=length): the bytes it should hold
 * @length: how many
 *
 * Returns: %TRUE when @path can be read and holds exactly @data
 */
gboolean
email2_file_holds (const char *path,
                   const char *data,
                   gsize       length)
{
  g_autofree char *contents = NULL;
  gsize size = 0;

  return g_file_get_contents (path, &contents, &size, NULL) &&
         size == length && memcmp (contents, data, length) == 0;
}

/**
 * email2_file_replace:
 * @path: the file to replace
 * @data: (array length=length): its new contents
 * @length: how many bytes
 * @mode: the new file's permissions
 * @flags: whether its text is synced before the rename
 * @error: return location for a #GError
 *
 * Writes @data whole to a new file beside @path (@path followed by
 * %EMAIL2_FILE_TEMP_SUFFIX's six random characters) and renames it over
 * @path: a reader finds the old file or the new one, never a short one;
 * with %EMAIL2_FILE_REPLACE_DATASYNC the new file's text is on disk
 * before the rename, so that a power cut cannot leave it short either.
 * Unlike g_file_set_contents_full(), the directory is not synced: the
 * caller makes the rename durable, once for all the files it replaced
 * (#Email2DirtyDirs). A failure leaves @path as it was and no temporary
 * file.
 *
 * Returns: %TRUE when @path holds @data
 */
gboolean
email2_file_replace (const char             *path,
                     const char             *data,
                     gsize                   length,
                     int                     mode,
                     Email2FileReplaceFlags  flags,
                     GError                **error)
{
  g_autofree char *temp = g_strconcat (path, EMAIL2_FILE_TEMP_SUFFIX, NULL);
  int fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, mode);
  int saved = fd < 0 ? errno : email2_file_write_all (fd, data, length);

  if (saved == 0 && (flags & EMAIL2_FILE_REPLACE_DATASYNC) && fdatasync (fd) != 0)
    saved = errno;
  if (fd >= 0 && close (fd) != 0 && saved == 0)
    saved = errno;
  if (saved == 0 && g_rename (temp, path) != 0)
    saved = errno;
  if (saved != 0)
    {
      if (fd >= 0)
        g_unlink (temp);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * email2_file_sync_dir:
 * @dir: a directory
 * @error: return location for a #GError (#G_FILE_ERROR_NOENT when @dir
 *   is not there)
 *
 * After a rename or an unlink in @dir, an fsync() of the directory is
 * what keeps that change through a power cut.
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
