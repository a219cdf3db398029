/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>
#include <libedataserver/libedataserver.h>

#include "email2.h"

G_BEGIN_DECLS

/* The key-file group of the account source that keeps what was provisioned. */
#define EMAIL2_SOURCE_EXTENSION_NAME "EMAIL2"

#define EMAIL2_TYPE_SOURCE_EXTENSION (email2_source_extension_get_type ())

G_DECLARE_FINAL_TYPE (Email2SourceExtension, email2_source_extension,
                      EMAIL2, SOURCE_EXTENSION, ESourceExtension)

void           email2_source_extension_type_register (GTypeModule           *type_module);

char          *email2_source_extension_dup_guid      (Email2SourceExtension *self);
Email2Account *email2_source_extension_to_account    (Email2SourceExtension *self);
void           email2_source_extension_set_account   (Email2SourceExtension *self,
                                                      const Email2Account   *account);

gboolean       email2_source_extension_get_probed    (Email2SourceExtension *self);
void           email2_source_extension_set_probed    (Email2SourceExtension *self,
                                                      gboolean               probed);

char          *email2_source_to_string               (ESource               *source);
void           email2_source_extension_upgrade       (ESourceRegistryServer *server);

G_END_DECLS
