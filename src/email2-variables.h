/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define EMAIL2_TYPE_VARIABLES (email2_variables_get_type ())

G_DECLARE_FINAL_TYPE (Email2Variables, email2_variables, EMAIL2, VARIABLES, GObject)

Email2Variables *email2_variables_new          (const char       *user,
                                                const char       *real_name,
                                                const char       *email_pattern,
                                                GError          **error);
Email2Variables *email2_variables_new_for_user (const char       *user,
                                                const char       *email_pattern,
                                                GError          **error);
const char      *email2_variables_get          (Email2Variables  *self,
                                                const char       *name);
char            *email2_variables_expand       (Email2Variables  *self,
                                                const char       *value,
                                                GError          **error);

G_END_DECLS
