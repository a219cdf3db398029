/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

char     *email2_digest_new     (const char *data,
                                 gsize       length);
gboolean  email2_digest_matches (const char *digest,
                                 const char *data,
                                 gsize       length);

G_END_DECLS
