/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* The largest WBXML document accepted, checked before it is decoded. */
#define EMAIL2_WBXML_MAX_SIZE (4 * 1024 * 1024)

/* The WBXML public identifiers accepted. */
#define EMAIL2_WBXML_PUBLIC_ID_PROV10 0x0B
#define EMAIL2_WBXML_PUBLIC_ID_SYNCML11 0x0FD3
#define EMAIL2_WBXML_PUBLIC_ID_SYNCML12 0x1201

gboolean  email2_wbxml_is_available (void);
gboolean  email2_wbxml_detect       (const char   *data,
                                     gsize         length);
char     *email2_wbxml_to_xml       (const char   *data,
                                     gsize         length,
                                     guint        *version,
                                     guint        *public_id,
                                     gsize        *xml_length,
                                     GError      **error);
char     *email2_wbxml_from_xml     (const char   *xml,
                                     gsize         xml_length,
                                     guint         version,
                                     gsize        *length,
                                     GError      **error);

G_END_DECLS
