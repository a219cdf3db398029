/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

#include "email2-session.h"

G_BEGIN_DECLS

/* The most elements one provisioning document may hold (docs/DESIGN.md §2.2). */
#define EMAIL2_WAPPROV_MAX_ELEMENTS 100000

typedef struct _Email2WapprovDoc Email2WapprovDoc;

void              email2_wapprov_doc_free       (Email2WapprovDoc  *doc);
GPtrArray        *email2_wapprov_process        (Email2WapprovDoc  *doc,
                                                 Email2Session     *session);
char             *email2_wapprov_write_response (const Email2WapprovDoc *doc);
gboolean          email2_wapprov_response_ok    (const Email2WapprovDoc *doc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2WapprovDoc, email2_wapprov_doc_free)

G_END_DECLS
