/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>

#include "email2-wbxml.h"

G_BEGIN_DECLS

/* A tag of a code page. */
typedef struct {
  guint8 page;
  guint8 token;
  const char *name;
} Email2WbxmlTag;

/* An attribute start: the attribute's name, and the start of its value
 * (%NULL: the value is all in the tokens that follow). */
typedef struct {
  guint8 page;
  guint8 token;
  const char *name;
  const char *value;
} Email2WbxmlAttribute;

/* An attribute value token (0x80 and above). */
typedef struct {
  guint8 page;
  guint8 token;
  const char *value;
} Email2WbxmlValue;

/* A WBXML language: each table ends with a %NULL name or value; the
 * attribute tables are %NULL when the language has no attributes. The
 * namespaces are per code page (0 and 1), %NULL for none. */
typedef struct {
  guint32 public_id;
  const char *root;
  const char * const *namespaces;
  const Email2WbxmlTag *tags;
  const Email2WbxmlAttribute *attributes;
  const Email2WbxmlValue *values;
} Email2WbxmlLanguage;

#define EMAIL2_WBXML_PAGES 2

const Email2WbxmlLanguage *email2_wbxml_language_by_id   (guint32     public_id);
const Email2WbxmlLanguage *email2_wbxml_language_by_root (const char *root,
                                                          const char *ns);

G_END_DECLS
