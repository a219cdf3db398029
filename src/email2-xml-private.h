/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * Email2XmlLimits:
 * @max_size: the largest document, in bytes
 * @max_depth: the deepest element nesting
 * @max_elements: the most elements in a document
 * @max_attributes: the most attributes (namespace declarations included)
 *   on one element
 *
 * Bounds on a payload document, checked while it is read.
 */
typedef struct {
  gsize max_size;
  guint max_depth;
  guint max_elements;
  guint max_attributes;
} Email2XmlLimits;

#define EMAIL2_XML_DEFAULT_MAX_SIZE (16 * 1024 * 1024)
#define EMAIL2_XML_DEFAULT_MAX_DEPTH 32
#define EMAIL2_XML_DEFAULT_MAX_ELEMENTS 1000000
/* SyncML and CP elements carry at most a namespace and two attributes; the
 * bound keeps libxml2's per-attribute search and the WBXML decoder's
 * duplicate check (each attribute compared with every earlier one) linear
 * in the document. */
#define EMAIL2_XML_DEFAULT_MAX_ATTRIBUTES 32

/**
 * Email2XmlHandler:
 * @start_element: an element opens; @name is its local name, @ns its
 *   namespace URI or %NULL, @attributes its attributes as a
 *   %NULL-terminated array of local name, value, local name, value, … (the
 *   values NUL-terminated copies with entities and character references
 *   resolved, overwritten after the call: copy what you keep; namespace
 *   declarations are not attributes). Returning %FALSE (with @error set)
 *   stops the document, which then fails with that error.
 * @end_element: the element opened last closes
 * @text: character data (text, CDATA, resolved character references), in
 *   pieces; @text is not NUL-terminated
 *
 * What a payload reader does with a document, as it streams by: no tree is
 * built, so memory stays proportional to what the reader keeps.
 */
typedef struct {
  gboolean (*start_element) (gpointer            user_data,
                             const char         *name,
                             const char         *ns,
                             const char * const *attributes,
                             GError            **error);
  void     (*end_element)   (gpointer     user_data);
  void     (*text)          (gpointer     user_data,
                             const char  *text,
                             gsize        length);
} Email2XmlHandler;

/**
 * Email2XmlStream:
 * @data: a document
 * @length: its length in bytes
 * @limits: (nullable): bounds, %NULL for the defaults
 * @handler: what to do with the elements and text
 * @user_data: passed to @handler
 * @error: return location for a #GError
 *
 * What streams a document to a reader's handler: email2_xml_parse() for
 * XML text, email2_wbxml_parse() for WBXML, decoded straight into the same
 * events. The payload readers (SyncML, CP) take either.
 *
 * Returns: %TRUE when the whole document was read and is well-formed
 */
typedef gboolean (*Email2XmlStream) (const char             *data,
                                     gsize                   length,
                                     const Email2XmlLimits  *limits,
                                     const Email2XmlHandler *handler,
                                     gpointer                user_data,
                                     GError                **error);

void     email2_xml_limits_init (Email2XmlLimits        *limits);
gboolean email2_xml_parse       (const char             *data,
                                 gsize                   length,
                                 const Email2XmlLimits  *limits,
                                 const Email2XmlHandler *handler,
                                 gpointer                user_data,
                                 GError                **error);

G_END_DECLS
