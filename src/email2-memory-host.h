/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include "email2-host.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_MEMORY_HOST (email2_memory_host_get_type ())

G_DECLARE_FINAL_TYPE (Email2MemoryHost, email2_memory_host, EMAIL2, MEMORY_HOST, GObject)

Email2MemoryHost *email2_memory_host_new            (void);

gboolean          email2_memory_host_load           (Email2MemoryHost  *self,
                                                     const char        *path,
                                                     GError           **error);
gboolean          email2_memory_host_load_data      (Email2MemoryHost  *self,
                                                     const char        *data,
                                                     gsize              length,
                                                     GError           **error);
gboolean          email2_memory_host_save           (Email2MemoryHost  *self,
                                                     const char        *path,
                                                     GError           **error);
char             *email2_memory_host_to_data        (Email2MemoryHost  *self);

void              email2_memory_host_fail_apply     (Email2MemoryHost  *self,
                                                     const char        *guid);
void              email2_memory_host_fail_rollback  (Email2MemoryHost  *self,
                                                     gboolean           fail);

G_END_DECLS
