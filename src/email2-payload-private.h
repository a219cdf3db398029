/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>

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

G_END_DECLS
