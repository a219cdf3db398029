/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): the host adapters' call helper
 * (email2-main-caller.c).
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EMAIL2_TYPE_MAIN_CALLER (email2_main_caller_get_type ())

G_DECLARE_FINAL_TYPE (Email2MainCaller, email2_main_caller, EMAIL2, MAIN_CALLER, GObject)

Email2MainCaller *email2_main_caller_new  (GMainContext     *context);
gboolean          email2_main_caller_run  (Email2MainCaller *self,
                                           GSourceFunc       func,
                                           gpointer          data);
void              email2_main_caller_stop (Email2MainCaller *self);

G_END_DECLS
