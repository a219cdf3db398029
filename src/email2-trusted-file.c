/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The one check of what the administrator's files must be before email2
 * reads them (the settings file, the trust anchors and their directory,
 * the system inbox): reached without a symbolic link, of the expected
 * kind, owned by the expected user, and writable by nobody else. It is
 * made on the open descriptor, so a file swapped after the check is not
 * the file read.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-trusted-file-private.h"

/**
 * email2_open_trusted:
 * @dirfd: the directory @name is relative to, or `AT_FDCWD`
 * @name: the file or directory
 * @shown: how errors name it (its full path)
 * @directory: %TRUE for a directory, %FALSE for a regular file (opened
 *   without blocking, so a FIFO is never waited for)
 * @owner: who must own it
 * @st: (out) (optional): its status
 * @error: return location for a #GError: %G_IO_ERROR_NOT_FOUND when it
 *   does not exist, else %EMAIL2_ERROR_FAILED
 *
 * Returns: a descriptor open for reading, or -1
 */
int
email2_open_trusted (int           dirfd,
                     const char   *name,
                     const char   *shown,
                     gboolean      directory,
                     uid_t         owner,
                     struct stat  *st,
                     GError      **error)
{
  int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
              (directory ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY);
  struct stat local;
  int fd = openat (dirfd, name, flags);

  if (st == NULL)
    st = &local;
  if (fd < 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s cannot be opened: %s"), shown,
                     g_strerror (saved));
      else
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("%s cannot be opened: %s"), shown,
                     saved == ELOOP ? _("it is a symbolic link") : g_strerror (saved));
      return -1;
    }

  if (fstat (fd, st) != 0)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("%s cannot be read"), shown);
  else if (!directory && !S_ISREG (st->st_mode))
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("%s is not a regular file"), shown);
  else if (st->st_uid != owner)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("%s belongs to user %ju, not %ju"),
                 shown, (uintmax_t) st->st_uid, (uintmax_t) owner);
  else if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                 _("%s may be written by others than its owner"), shown);
  else
    return fd;

  close (fd);
  return -1;
}
