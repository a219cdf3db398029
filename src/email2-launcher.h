/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

#include "email2-account.h"

G_BEGIN_DECLS

/**
 * EMAIL2_LAUNCHER_DEFAULT_ICON:
 *
 * The icon of a launcher whose ACCOUNTICON names nothing email2 can show:
 * a generic mail icon shipped in `data/icons/hicolor/`.
 */
#define EMAIL2_LAUNCHER_DEFAULT_ICON "email2-mail"

const char *email2_launcher_icon_name      (const char           *account_icon,
                                            const char          **reason);
char       *email2_desktop_entry_escape    (const char           *value);
char       *email2_launcher_file_name      (const char           *guid);
char       *email2_launcher_contents       (const Email2Account  *account,
                                            const char           *inbox_uri,
                                            GError              **error);
gboolean    email2_launcher_write          (const char           *dir,
                                            const Email2Account  *account,
                                            const char           *inbox_uri,
                                            GError              **error);
gboolean    email2_launcher_remove         (const char           *dir,
                                            const char           *guid,
                                            GError              **error);
char      **email2_launcher_list           (const char           *dir);
void        email2_launcher_remove_leftovers (const char         *dir);

G_END_DECLS
