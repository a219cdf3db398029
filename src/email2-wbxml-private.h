/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>

#include "email2-wbxml.h"
#include "email2-xml-private.h"

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

/* WBXML global tokens (WBXML 1.3 §7.1). */
enum {
  EMAIL2_WBXML_SWITCH_PAGE = 0x00,
  EMAIL2_WBXML_END = 0x01,
  EMAIL2_WBXML_ENTITY = 0x02,
  EMAIL2_WBXML_STR_I = 0x03,
  EMAIL2_WBXML_LITERAL = 0x04,
  EMAIL2_WBXML_PI = 0x43,
  EMAIL2_WBXML_STR_T = 0x83,
  EMAIL2_WBXML_OPAQUE = 0xC3,
};

#define EMAIL2_WBXML_TAG_HAS_ATTRIBUTES 0x80
#define EMAIL2_WBXML_TAG_HAS_CONTENT 0x40
#define EMAIL2_WBXML_CHARSET_UTF8 106

/* A language's tables by token, built once (email2-wbxml.c). */
typedef struct {
  const char *tags[EMAIL2_WBXML_PAGES][64];
  const Email2WbxmlAttribute *attributes[EMAIL2_WBXML_PAGES][128];
  const char *values[EMAIL2_WBXML_PAGES][128];
  GHashTable *tag_tokens[EMAIL2_WBXML_PAGES];   /* name → token */
  GHashTable *attribute_tokens;  /* name → token of page 0's start of the name alone */
} Email2WbxmlIndex;

const Email2WbxmlLanguage *email2_wbxml_language_by_id   (guint32     public_id);
const Email2WbxmlLanguage *email2_wbxml_language_by_root (const char *root,
                                                          const char *ns);
const Email2WbxmlIndex    *email2_wbxml_index_for        (const Email2WbxmlLanguage *language);

gboolean email2_wbxml_is_xml_char (gunichar    c);
gboolean email2_wbxml_is_xml_text (const char *text,
                                   gsize       length);

/* The decoder (email2-wbxml-decoder.c): an Email2XmlStream. */
gboolean email2_wbxml_parse (const char             *data,
                             gsize                   length,
                             const Email2XmlLimits  *limits,
                             const Email2XmlHandler *handler,
                             gpointer                user_data,
                             GError                **error);

/* The encoder (email2-wbxml-encoder.c): an Email2XmlHandler that writes
 * the elements and text it is given as WBXML. */
typedef struct _Email2WbxmlEncoder Email2WbxmlEncoder;

extern const Email2XmlHandler email2_wbxml_encoder_handler;

Email2WbxmlEncoder *email2_wbxml_encoder_new    (void);
char               *email2_wbxml_encoder_finish (Email2WbxmlEncoder  *encoder,
                                                 guint                version,
                                                 gsize               *length,
                                                 GError             **error);
void                email2_wbxml_encoder_free   (Email2WbxmlEncoder  *encoder);

G_END_DECLS
