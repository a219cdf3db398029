/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>

#include "email2-answer-private.h"
#include "email2-payload.h"
#include "email2-syncml.h"
#include "email2-wapprov.h"
#include "email2-xml-private.h"

G_BEGIN_DECLS

/* The payload readers, fed by either stream: email2_xml_parse() for XML,
 * email2_wbxml_parse() for WBXML (email2_payload_parse() picks). */
Email2SyncmlMessage *email2_syncml_read  (Email2XmlStream   stream,
                                          const char       *data,
                                          gsize             length,
                                          GError          **error);
Email2WapprovDoc    *email2_wapprov_read (Email2XmlStream   stream,
                                          const char       *data,
                                          gsize             length,
                                          GError          **error);

char *email2_payload_write_answer (Email2Payload   *payload,
                                   Email2Encoding   encoding,
                                   gsize           *length,
                                   GError         **error);

/* The payload writers, writing into an answer of either encoding
 * (email2_payload_write_response() picks). */
void email2_syncml_write_answer  (const Email2SyncmlMessage *request,
                                  GPtrArray                 *statuses,
                                  Email2Answer              *answer);
void email2_wapprov_write_answer (const Email2WapprovDoc    *doc,
                                  Email2Answer              *answer);

G_END_DECLS
