/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * WBXML (binary XML) for SyncML DM 1.1 / 1.2 and OMA CP (PROV 1.0), in
 * four files along their seams: the code pages (email2-wbxml-tables.c),
 * the decoder that streams a payload to the SyncML and CP readers' event
 * handlers (email2-wbxml-decoder.c), the encoder of answers
 * (email2-wbxml-encoder.c), and here what they share: the tables indexed
 * by token, telling WBXML from XML, and the decoder's events written out
 * as XML text (email2_wbxml_to_xml(), for tests and tools: payloads are
 * never decoded to XML and read again).
 * libwbxml2 is not used: it builds a tree whose every new child walks its
 * siblings (20,000 siblings took 1.6 s, 80,000 took 22 s) and compares
 * each attribute with every earlier one.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-secure-private.h"
#include "email2-wbxml-private.h"

static Email2WbxmlIndex *
index_new (const Email2WbxmlLanguage *language)
{
  Email2WbxmlIndex *index = g_new0 (Email2WbxmlIndex, 1);

  for (guint p = 0; p < EMAIL2_WBXML_PAGES; p++)
    index->tag_tokens[p] = g_hash_table_new (g_str_hash, g_str_equal);
  for (const Email2WbxmlTag *t = language->tags; t->name != NULL; t++)
    {
      index->tags[t->page][t->token & 0x3F] = t->name;
      g_hash_table_insert (index->tag_tokens[t->page], (gpointer) t->name,
                           GUINT_TO_POINTER (t->token));
    }
  index->attribute_tokens = g_hash_table_new (g_str_hash, g_str_equal);
  for (const Email2WbxmlAttribute *a = language->attributes; a != NULL && a->name != NULL; a++)
    {
      index->attributes[a->page][a->token & 0x7F] = a;
      /* page 0's start of the name alone; the lowest token if several */
      if (a->page == 0 && a->value == NULL)
        {
          gpointer token;

          if (!g_hash_table_lookup_extended (index->attribute_tokens, a->name, NULL, &token) ||
              a->token < GPOINTER_TO_UINT (token))
            g_hash_table_insert (index->attribute_tokens, (gpointer) a->name,
                                 GUINT_TO_POINTER (a->token));
        }
    }
  for (const Email2WbxmlValue *v = language->values; v != NULL && v->value != NULL; v++)
    index->values[v->page][v->token & 0x7F] = v->value;

  return index;
}

/**
 * email2_wbxml_index_for:
 * @language: a language of email2-wbxml-tables.c
 *
 * Returns: its tables by token, built at the first call
 */
const Email2WbxmlIndex *
email2_wbxml_index_for (const Email2WbxmlLanguage *language)
{
  static gsize done[3];
  static const Email2WbxmlIndex *indexes[3];
  guint i = language->public_id == EMAIL2_WBXML_PUBLIC_ID_SYNCML12 ? 0
            : language->public_id == EMAIL2_WBXML_PUBLIC_ID_SYNCML11 ? 1 : 2;

  if (g_once_init_enter (&done[i]))
    {
      indexes[i] = index_new (language);
      g_once_init_leave (&done[i], 1);
    }

  return indexes[i];
}

/**
 * email2_wbxml_is_xml_char:
 * @c: a character
 *
 * Returns: whether @c is an XML 1.0 character (§2.2 Char)
 */
gboolean
email2_wbxml_is_xml_char (gunichar c)
{
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/**
 * email2_wbxml_is_xml_text:
 * @text: bytes
 * @length: how many
 *
 * Tells whether @text is XML characters in UTF-8, what the XML reader
 * demands of XML text: one pass, plain ASCII at a byte a step.
 *
 * Returns: %TRUE when it is
 */
gboolean
email2_wbxml_is_xml_text (const char *text,
                          gsize       length)
{
  const guchar *at = (const guchar *) text;
  const guchar *end = at + length;

  while (at < end)
    {
      gunichar c;

      if (G_LIKELY (*at >= 0x20 && *at < 0x80))
        {
          at++;
          continue;
        }
      if (*at < 0x80)
        {
          if (*at != '\t' && *at != '\n' && *at != '\r')
            return FALSE;
          at++;
          continue;
        }
      c = g_utf8_get_char_validated ((const char *) at, end - at);
      if (c == (gunichar) -1 || c == (gunichar) -2 || !email2_wbxml_is_xml_char (c) ||
          g_unichar_to_utf8 (c, NULL) != g_utf8_skip[*at])
        return FALSE;
      at += g_utf8_skip[*at];
    }

  return TRUE;
}

/**
 * email2_wbxml_is_available:
 *
 * Returns: whether this build reads and writes WBXML (always, since email2
 *   has its own WBXML code)
 */
gboolean
email2_wbxml_is_available (void)
{
  return TRUE;
}

/**
 * email2_wbxml_detect:
 * @data: a payload
 * @length: its length
 *
 * Tells WBXML from XML by the first byte: a WBXML version (0x00–0x03),
 * which no XML document starts with (UTF-16 XML starts with a byte order
 * mark or with 0x00 0x3C).
 *
 * Returns: whether @data looks like WBXML
 */
gboolean
email2_wbxml_detect (const char *data,
                     gsize       length)
{
  const guint8 *bytes = (const guint8 *) data;

  if (length < 2 || bytes[0] > 0x03)
    return FALSE;

  return !(bytes[0] == 0x00 && (bytes[1] == 0x00 || bytes[1] == '<'));
}


/* The decoder's events written as XML text. The names the decoder hands
 * over lie in the document or in the tables, for the whole decoding: the
 * open elements' names are kept as they are. */
typedef struct {
  GString *out;
  GPtrArray *open;        /* const char *: the open elements' names */
  GPtrArray *namespaces;  /* const char *: and their namespaces */
  gboolean tag_open;      /* a start tag awaits its '>' or "/>" */
  gsize max_size;
  gboolean too_large;     /* the XML would exceed max_size: nothing more is written */
} Writer;

/* Every append to the writer's output: it holds the payload, passwords
 * included, so it grows by copy and wipe, never by realloc. */
static void
write_len (Writer     *writer,
           const char *text,
           gsize       length)
{
  /* The decoder bounds the document's size as XML, escapes left out: a
   * text of quotes grows sixfold here. */
  if (writer->too_large || length > writer->max_size - writer->out->len)
    {
      writer->too_large = TRUE;
      return;
    }
  email2_secure_string_reserve (writer->out, length);
  g_string_append_len (writer->out, text, length);
}

static void
write_str (Writer     *writer,
           const char *text)
{
  write_len (writer, text, strlen (text));
}

/* Text and attribute values, escaped so that XML reads them back exactly:
 * in attribute values also tab and line feed, which XML would turn into
 * spaces. */
static void
write_escaped (Writer     *writer,
               const char *text,
               gsize       length,
               gboolean    attribute)
{
  const char *end = text + length;

  while (text < end)
    {
      const char *plain = text;

      while (text < end && *text != '&' && *text != '<' && *text != '>' && *text != '"' &&
             *text != '\r' && !(attribute && (*text == '\t' || *text == '\n')))
        text++;
      write_len (writer, plain, text - plain);
      if (text == end)
        break;
      switch (*text++)
        {
        case '&': write_str (writer, "&amp;"); break;
        case '<': write_str (writer, "&lt;"); break;
        case '>': write_str (writer, "&gt;"); break;
        case '"': write_str (writer, "&quot;"); break;
        case '\t': write_str (writer, "&#9;"); break;
        case '\n': write_str (writer, "&#10;"); break;
        default: write_str (writer, "&#13;"); break;
        }
    }
}

static void
write_close_tag (Writer *writer)
{
  if (writer->tag_open)
    write_len (writer, ">", 1);
  writer->tag_open = FALSE;
}

static gboolean
writer_too_large (Writer  *writer,
                  GError **error)
{
  if (!writer->too_large)
    return FALSE;

  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
               _("The WBXML document would be larger than %zu bytes as XML"), writer->max_size);
  return TRUE;
}

static gboolean
writer_start (gpointer            user_data,
              const char         *name,
              const char         *ns,
              const char * const *attributes,
              GError            **error)
{
  Writer *writer = user_data;
  const char *parent_ns = writer->namespaces->len > 0
                          ? writer->namespaces->pdata[writer->namespaces->len - 1] : NULL;

  write_close_tag (writer);
  write_len (writer, "<", 1);
  write_str (writer, name);
  if (ns != NULL && g_strcmp0 (ns, parent_ns) != 0)
    {
      write_str (writer, " xmlns=\"");
      write_escaped (writer, ns, strlen (ns), TRUE);
      write_len (writer, "\"", 1);
    }
  for (guint i = 0; attributes[i] != NULL; i += 2)
    {
      write_len (writer, " ", 1);
      write_str (writer, attributes[i]);
      write_len (writer, "=\"", 2);
      write_escaped (writer, attributes[i + 1], strlen (attributes[i + 1]), TRUE);
      write_len (writer, "\"", 1);
    }
  writer->tag_open = TRUE;
  g_ptr_array_add (writer->open, (gpointer) name);
  g_ptr_array_add (writer->namespaces, (gpointer) ns);

  return !writer_too_large (writer, error);
}

static void
writer_end (gpointer user_data)
{
  Writer *writer = user_data;
  const char *name = writer->open->pdata[writer->open->len - 1];

  if (writer->tag_open)
    write_len (writer, "/>", 2);
  else
    {
      write_len (writer, "</", 2);
      write_str (writer, name);
      write_len (writer, ">", 1);
    }
  writer->tag_open = FALSE;
  g_ptr_array_set_size (writer->open, writer->open->len - 1);
  g_ptr_array_set_size (writer->namespaces, writer->namespaces->len - 1);
}

static void
writer_text (gpointer    user_data,
             const char *text,
             gsize       length)
{
  Writer *writer = user_data;

  write_close_tag (writer);
  write_escaped (writer, text, length, FALSE);
}

/**
 * email2_wbxml_to_xml:
 * @data: a WBXML document
 * @length: its length in bytes
 * @version: (out) (optional): its WBXML version byte (0x01–0x03)
 * @public_id: (out) (optional): its public identifier
 * @xml_length: (out): the length of the XML
 * @error: return location for a #GError
 *
 * Decodes an untrusted WBXML document of SyncML DM 1.1 / 1.2 or OMA CP
 * (PROV 1.0) with the decoder payloads go through (email2-wbxml-decoder.c)
 * and writes it as XML text: no prolog, no DOCTYPE, a namespace declared
 * where the code page changes it, an element without content as `<x/>`.
 *
 * Returns: (transfer full) (nullable): the XML, NUL-terminated, or %NULL
 *   with @error set (%EMAIL2_ERROR_INVALID_INPUT, %EMAIL2_ERROR_LIMIT)
 */
char *
email2_wbxml_to_xml (const char  *data,
                     gsize        length,
                     guint       *version,
                     guint       *public_id,
                     gsize       *xml_length,
                     GError     **error)
{
  static const Email2XmlHandler handler = { writer_start, writer_end, writer_text };
  Email2XmlLimits limits;
  Writer writer = { NULL, };
  gboolean ok;

  email2_xml_limits_init (&limits);
  writer.max_size = limits.max_size;
  writer.out = g_string_sized_new (MIN (length * 4, limits.max_size) + 1);
  writer.open = g_ptr_array_new ();
  writer.namespaces = g_ptr_array_new ();

  ok = email2_wbxml_parse (data, length, &limits, &handler, &writer, error);
  g_ptr_array_unref (writer.open);
  g_ptr_array_unref (writer.namespaces);

  /* text or end tags after the last start tag may have passed the bound */
  if (ok && writer_too_large (&writer, error))
    ok = FALSE;

  if (!ok)
    {
      /* It may hold a password. */
      explicit_bzero (writer.out->str, writer.out->len);
      g_string_free (writer.out, TRUE);
      return NULL;
    }

  if (version != NULL)
    *version = (guchar) data[0];
  if (public_id != NULL)
    {
      guint32 id = 0;

      /* the header was read: a valid mb_u_int32 follows the version */
      for (gsize i = 1; i < length; i++)
        {
          id = (id << 7) | ((guchar) data[i] & 0x7F);
          if (!((guchar) data[i] & 0x80))
            break;
        }
      *public_id = id;
    }
  *xml_length = writer.out->len;

  return g_string_free (writer.out, FALSE);
}
