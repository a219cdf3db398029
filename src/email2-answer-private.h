/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Email2Answer Email2Answer;

Email2Answer *email2_answer_new_xml   (void);
Email2Answer *email2_answer_new_wbxml (void);
void          email2_answer_start     (Email2Answer       *answer,
                                       const char         *name,
                                       const char         *ns,
                                       const char * const *attributes);
void          email2_answer_text      (Email2Answer       *answer,
                                       const char         *text);
void          email2_answer_end       (Email2Answer       *answer);
void          email2_answer_element   (Email2Answer       *answer,
                                       const char         *name,
                                       const char         *text);
char         *email2_answer_finish    (Email2Answer       *answer,
                                       guint               wbxml_version,
                                       gsize              *length,
                                       GError            **error);

G_END_DECLS
