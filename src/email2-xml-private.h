/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/**
 * Email2XmlLimits:
 * @max_size: the largest document, in bytes
 * @max_depth: the deepest element nesting
 * @max_elements: the most elements in a document
 *
 * Bounds on a payload document, checked while it is read.
 */
typedef struct {
  gsize max_size;
  guint max_depth;
  guint max_elements;
} Email2XmlLimits;

#define EMAIL2_XML_DEFAULT_MAX_SIZE (16 * 1024 * 1024)
#define EMAIL2_XML_DEFAULT_MAX_DEPTH 32
#define EMAIL2_XML_DEFAULT_MAX_ELEMENTS 1000000

void     email2_xml_limits_init (Email2XmlLimits        *limits);
xmlDoc  *email2_xml_parse       (const char             *data,
                                 gsize                   length,
                                 const Email2XmlLimits  *limits,
                                 GError                **error);
void     email2_xml_free_wiped  (xmlDoc                 *doc);
gboolean email2_xml_is          (const xmlNode          *node,
                                 const char             *name);
char    *email2_xml_text        (const xmlNode          *node,
                                 gboolean                strip,
                                 gboolean               *markup);
void     email2_xml_escape      (GString                *out,
                                 const char             *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, email2_xml_free_wiped)

G_END_DECLS
