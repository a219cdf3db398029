/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>

#include "email2.h"

G_BEGIN_DECLS

/* The three sources of an account. */
typedef enum {
  EMAIL2_SOURCE_ACCOUNT,
  EMAIL2_SOURCE_IDENTITY,
  EMAIL2_SOURCE_TRANSPORT,
  EMAIL2_N_SOURCE_ROLES,
} Email2SourceRole;

char          *email2_evolution_source_uid        (const char             *guid,
                                                   Email2SourceRole        role);

/* The registry's sources; on its main context. */
char         **email2_evolution_sources_list      (ESourceRegistryServer  *server);
Email2Account *email2_evolution_sources_lookup    (ESourceRegistryServer  *server,
                                                   const char             *guid);
gboolean       email2_evolution_sources_write     (ESourceRegistryServer  *server,
                                                   const Email2Account    *account,
                                                   gboolean                pending,
                                                   char                  **account_label,
                                                   char                  **transport_label,
                                                   GError                **error);
/* Changes @source, a copy of the registry's: see email2_evolution_source_edit(). */
typedef void (*Email2SourceEditFunc) (ESource *source,
                                      gpointer  user_data);

ESource       *email2_evolution_source_edit       (ESourceRegistryServer  *server,
                                                   const char             *uid,
                                                   Email2SourceEditFunc    edit,
                                                   gpointer                user_data,
                                                   GError                **error);
gboolean       email2_evolution_source_file_write (const char             *path,
                                                   const char             *data,
                                                   GError                **error);
void           email2_evolution_sources_changed   (const char             *path);
gboolean       email2_evolution_sources_sync      (GError                **error);
gboolean       email2_evolution_sources_publish   (ESourceRegistryServer  *server,
                                                   const char             *guid,
                                                   GError                **error);
gboolean       email2_evolution_sources_remove    (ESourceRegistryServer  *server,
                                                   const char             *guid,
                                                   GError                **error);
void           email2_evolution_sources_describe  (ESourceRegistryServer  *server,
                                                   const char             *guid,
                                                   GVariantBuilder        *builder);

G_END_DECLS
