/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib-object.h>

#include "email2-command.h"
#include "email2-host.h"
#include "email2-variables.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_SESSION (email2_session_get_type ())

G_DECLARE_FINAL_TYPE (Email2Session, email2_session, EMAIL2, SESSION, GObject)

Email2Session *email2_session_new     (Email2Host    *host);
Email2Host    *email2_session_get_host (Email2Session *self);
GPtrArray     *email2_session_process (Email2Session *self,
                                       GPtrArray     *commands);
void           email2_session_set_variables (Email2Session   *self,
                                             Email2Variables *variables);

G_END_DECLS
