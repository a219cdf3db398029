/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): opening a file or directory that
 * only its owner may have written (email2-trusted-file.c).
 */

#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <glib.h>

G_BEGIN_DECLS

int email2_open_trusted (int           dirfd,
                         const char   *name,
                         const char   *shown,
                         gboolean      directory,
                         uid_t         owner,
                         struct stat  *st,
                         GError      **error);

G_END_DECLS
