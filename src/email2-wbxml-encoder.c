/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The WBXML encoder: elements and text, given as the events of an
 * Email2XmlHandler, become WBXML in one linear pass: names the language's
 * tables lack go in the string table, text as inline strings, kept
 * exactly. An answer is written to it directly (email2-answer.c); an XML
 * document becomes WBXML by streaming it through the hardened XML reader
 * to it (email2_wbxml_from_xml(), for tests and tools). Text that is not
 * XML characters in UTF-8 cannot be encoded, as it could not be read back
 * as XML.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-wbxml-private.h"

struct _Email2WbxmlEncoder {
  const Email2WbxmlLanguage *language;
  const Email2WbxmlIndex *index;
  GString *body;
  GString *strings;         /* the string table */
  GHashTable *offsets;      /* string → its offset in the table + 1 */
  GString *text;            /* text not written yet */
  GArray *open;             /* of gsize: where each open element's tag token is */
  GPtrArray *namespaces;    /* each open element's namespace (borrowed from the tables) */
  guint tag_page;
  gboolean failed;          /* text that is not XML characters was given */
};

typedef Email2WbxmlEncoder Encoder;

static void
encode_mb (GString *out,
           guint32  value)
{
  guint8 bytes[5];
  guint n = 0;

  do
    {
      bytes[n++] = value & 0x7F;
      value >>= 7;
    }
  while (value != 0);

  while (n > 1)
    g_string_append_c (out, (char) (bytes[--n] | 0x80));
  g_string_append_c (out, (char) bytes[0]);
}

/* LITERAL (with @flags) and the offset of @name in the string table. */
static void
encode_literal (Encoder    *encoder,
                guint8      token,
                const char *name)
{
  gsize offset = GPOINTER_TO_SIZE (g_hash_table_lookup (encoder->offsets, name));

  if (offset == 0)
    {
      offset = encoder->strings->len + 1;
      g_string_append_len (encoder->strings, name, strlen (name) + 1);
      g_hash_table_insert (encoder->offsets, g_strdup (name), GSIZE_TO_POINTER (offset));
    }
  g_string_append_c (encoder->body, (char) token);
  encode_mb (encoder->body, (guint32) (offset - 1));
}

/* The open element gets content: its tag token says so. */
static void
encode_content (Encoder *encoder)
{
  if (encoder->open->len > 0)
    {
      gsize at = g_array_index (encoder->open, gsize, encoder->open->len - 1);

      encoder->body->str[at] |= EMAIL2_WBXML_TAG_HAS_CONTENT;
    }
}

/* Text between elements: blanks only are left out, anything else goes as
 * one inline string, exactly. */
static void
encode_flush_text (Encoder *encoder)
{
  gboolean blank = TRUE;

  for (gsize i = 0; i < encoder->text->len && blank; i++)
    blank = g_ascii_isspace (encoder->text->str[i]);

  if (!blank)
    {
      encode_content (encoder);
      g_string_append_c (encoder->body, EMAIL2_WBXML_STR_I);
      g_string_append_len (encoder->body, encoder->text->str, encoder->text->len + 1);
    }
  explicit_bzero (encoder->text->str, encoder->text->len);
  g_string_truncate (encoder->text, 0);
}

static guint
page_of (const Email2WbxmlLanguage *language,
         const char                *ns,
         guint                      current)
{
  for (guint p = 0; p < EMAIL2_WBXML_PAGES; p++)
    if (language->namespaces[p] != NULL && g_strcmp0 (language->namespaces[p], ns) == 0)
      return p;
  return current;
}

static gboolean
encode_start (gpointer            user_data,
              const char         *name,
              const char         *ns,
              const char * const *attributes,
              GError            **error)
{
  Encoder *encoder = user_data;
  guint page;
  gpointer token;
  gsize at;

  if (encoder->language == NULL)
    {
      encoder->language = email2_wbxml_language_by_root (name, ns);
      if (encoder->language == NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                       _("The answer cannot be encoded as WBXML"));
          return FALSE;
        }
      encoder->index = email2_wbxml_index_for (encoder->language);
    }

  encode_flush_text (encoder);
  encode_content (encoder);

  for (guint i = 0; attributes[i] != NULL; i += 2)
    if (!email2_wbxml_is_xml_text (attributes[i + 1], strlen (attributes[i + 1])))
      encoder->failed = TRUE;

  page = page_of (encoder->language, ns, encoder->tag_page);
  if (page != encoder->tag_page)
    {
      g_string_append_c (encoder->body, EMAIL2_WBXML_SWITCH_PAGE);
      g_string_append_c (encoder->body, (char) page);
      encoder->tag_page = page;
    }

  at = encoder->body->len;
  if (g_hash_table_lookup_extended (encoder->index->tag_tokens[page], name, NULL, &token))
    g_string_append_c (encoder->body, (char) GPOINTER_TO_UINT (token));
  else
    encode_literal (encoder, EMAIL2_WBXML_LITERAL, name);

  if (attributes[0] != NULL)
    {
      encoder->body->str[at] |= EMAIL2_WBXML_TAG_HAS_ATTRIBUTES;
      for (guint i = 0; attributes[i] != NULL; i += 2)
        {
          gpointer start;

          /* The page-0 start of the name alone ("name", "value", "type"). */
          if (g_hash_table_lookup_extended (encoder->index->attribute_tokens, attributes[i], NULL,
                                            &start))
            g_string_append_c (encoder->body, (char) GPOINTER_TO_UINT (start));
          else
            encode_literal (encoder, EMAIL2_WBXML_LITERAL, attributes[i]);
          g_string_append_c (encoder->body, EMAIL2_WBXML_STR_I);
          g_string_append_len (encoder->body, attributes[i + 1], strlen (attributes[i + 1]) + 1);
        }
      g_string_append_c (encoder->body, EMAIL2_WBXML_END);
    }

  g_array_append_val (encoder->open, at);
  g_ptr_array_add (encoder->namespaces, (gpointer) ns);
  return TRUE;
}

static void
encode_end (gpointer user_data)
{
  Encoder *encoder = user_data;
  gsize at;

  encode_flush_text (encoder);
  at = g_array_index (encoder->open, gsize, encoder->open->len - 1);
  if (encoder->body->str[at] & EMAIL2_WBXML_TAG_HAS_CONTENT)
    g_string_append_c (encoder->body, EMAIL2_WBXML_END);
  g_array_set_size (encoder->open, encoder->open->len - 1);
  g_ptr_array_set_size (encoder->namespaces, encoder->namespaces->len - 1);
}

static void
encode_text (gpointer    user_data,
             const char *text,
             gsize       length)
{
  Encoder *encoder = user_data;

  if (!email2_wbxml_is_xml_text (text, length))
    encoder->failed = TRUE;
  g_string_append_len (encoder->text, text, length);
}

const Email2XmlHandler email2_wbxml_encoder_handler = { encode_start, encode_end, encode_text };

/**
 * email2_wbxml_encoder_new:
 *
 * Starts a WBXML document: give it one root element, with what is inside,
 * through email2_wbxml_encoder_handler, then end it with
 * email2_wbxml_encoder_finish(). The language (its public identifier and
 * code pages) comes from the root element and its namespace.
 *
 * Returns: (transfer full): the encoder
 */
Email2WbxmlEncoder *
email2_wbxml_encoder_new (void)
{
  Encoder *encoder = g_new0 (Encoder, 1);

  encoder->body = g_string_sized_new (1024);
  encoder->strings = g_string_new (NULL);
  encoder->offsets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  encoder->text = g_string_new (NULL);
  encoder->open = g_array_new (FALSE, FALSE, sizeof (gsize));
  encoder->namespaces = g_ptr_array_new ();

  return encoder;
}

/**
 * email2_wbxml_encoder_free:
 * @encoder: (nullable) (transfer full): an encoder
 *
 * Drops what was encoded, wiped.
 */
void
email2_wbxml_encoder_free (Email2WbxmlEncoder *encoder)
{
  if (encoder == NULL)
    return;

  /* The answer holds no secret, but the text buffer saw every value. */
  explicit_bzero (encoder->text->str, encoder->text->len);
  g_string_free (encoder->text, TRUE);
  explicit_bzero (encoder->body->str, encoder->body->len);
  g_string_free (encoder->body, TRUE);
  g_string_free (encoder->strings, TRUE);
  g_hash_table_unref (encoder->offsets);
  g_array_unref (encoder->open);
  g_ptr_array_unref (encoder->namespaces);
  g_free (encoder);
}

/**
 * email2_wbxml_encoder_finish:
 * @encoder: (transfer full): an encoder given a whole document
 * @version: the WBXML version byte to write (the request's)
 * @length: (out): the length of the WBXML
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the WBXML, or %NULL with @error set
 *   when a text was not XML characters or no element was given
 */
char *
email2_wbxml_encoder_finish (Email2WbxmlEncoder  *encoder,
                             guint                version,
                             gsize               *length,
                             GError             **error)
{
  GString *out;

  if (encoder->failed || encoder->language == NULL || encoder->open->len != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The answer cannot be encoded as WBXML"));
      email2_wbxml_encoder_free (encoder);
      return NULL;
    }

  out = g_string_sized_new (encoder->body->len + encoder->strings->len + 16);
  g_string_append_c (out, (char) (version >= 0x01 && version <= 0x03 ? version : 0x02));
  encode_mb (out, encoder->language->public_id);
  encode_mb (out, EMAIL2_WBXML_CHARSET_UTF8);
  encode_mb (out, (guint32) encoder->strings->len);
  g_string_append_len (out, encoder->strings->str, encoder->strings->len);
  g_string_append_len (out, encoder->body->str, encoder->body->len);
  *length = out->len;

  email2_wbxml_encoder_free (encoder);
  return g_string_free (out, FALSE);
}

/**
 * email2_wbxml_from_xml:
 * @xml: an answer document email2 wrote (SyncML or CP)
 * @xml_length: its length
 * @version: the WBXML version byte to write (the request's)
 * @length: (out): the length of the WBXML
 * @error: return location for a #GError
 *
 * Encodes an answer as WBXML: the public identifier comes from the root
 * element (SyncML 1.1 or 1.2 by its namespace, PROV 1.0), names that the
 * language's tables lack go in the string table, blanks between elements
 * are left out and every other text is kept exactly.
 *
 * Returns: (transfer full) (nullable): the WBXML, or %NULL with @error set
 */
char *
email2_wbxml_from_xml (const char  *xml,
                       gsize        xml_length,
                       guint        version,
                       gsize       *length,
                       GError     **error)
{
  Email2WbxmlEncoder *encoder = email2_wbxml_encoder_new ();

  if (!email2_xml_parse (xml, xml_length, NULL, &email2_wbxml_encoder_handler, encoder, error))
    {
      email2_wbxml_encoder_free (encoder);
      return NULL;
    }

  return email2_wbxml_encoder_finish (encoder, version, length, error);
}
