/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): making a directory's entries
 * durable (email2-file.c).
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean email2_file_sync_dir (const char  *dir,
                               GError     **error);

G_END_DECLS
