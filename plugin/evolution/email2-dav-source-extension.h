/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libedataserver/libedataserver.h>

#include "email2.h"

G_BEGIN_DECLS

/* The key-file group of a provisioned collection that keeps the URLs email2
 * wrote. */
#define EMAIL2_DAV_SOURCE_EXTENSION_NAME "EMAIL2 DAV"

#define EMAIL2_TYPE_DAV_SOURCE_EXTENSION (email2_dav_source_extension_get_type ())

G_DECLARE_FINAL_TYPE (Email2DavSourceExtension, email2_dav_source_extension,
                      EMAIL2, DAV_SOURCE_EXTENSION, ESourceExtension)

void        email2_dav_source_extension_type_register (GTypeModule              *type_module);

const char *email2_dav_source_extension_get_url       (Email2DavSourceExtension *self,
                                                       Email2DavService          service);
void        email2_dav_source_extension_set_url       (Email2DavSourceExtension *self,
                                                       Email2DavService          service,
                                                       const char               *url);

G_END_DECLS
