/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * WBXML (binary XML) for SyncML DM 1.1 / 1.2 and OMA CP (PROV 1.0), read
 * and written here, with the code pages of email2-wbxml-tables.c. A WBXML
 * payload is untrusted, so the decoder:
 *  - bounds its size (EMAIL2_WBXML_MAX_SIZE) before reading it;
 *  - reads its token stream once, front to back, writing XML as it goes,
 *    in time linear in the input and the XML made: a truncated or
 *    malformed document, an unknown public identifier, a token or code
 *    page entry the language lacks, a name from the string table that is
 *    not a plain XML name, a nesting deeper or an element with more
 *    attributes than the XML reader's bounds, or XML beyond the XML size
 *    bound (string table references are the WBXML "billion laughs") is
 *    refused as soon as it is seen;
 *  - writes no prolog and no DOCTYPE; the XML then goes through the same
 *    hardened reader as any XML payload (email2-xml.c), with its bounds.
 * libwbxml2 is not used: it builds a tree whose every new child walks its
 * siblings (20,000 siblings took 1.6 s, 80,000 took 22 s) and compares
 * each attribute with every earlier one.
 * The encoder writes an answer the same way, linearly: names the tables
 * lack go in the string table, text as inline strings, kept exactly.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-secure-private.h"
#include "email2-wapprov.h"
#include "email2-wbxml-private.h"
#include "email2-xml-private.h"

/* WBXML global tokens (WBXML 1.3 §7.1). */
enum {
  TOKEN_SWITCH_PAGE = 0x00,
  TOKEN_END = 0x01,
  TOKEN_ENTITY = 0x02,
  TOKEN_STR_I = 0x03,
  TOKEN_LITERAL = 0x04,
  TOKEN_PI = 0x43,
  TOKEN_STR_T = 0x83,
  TOKEN_OPAQUE = 0xC3,
};

#define TAG_HAS_ATTRIBUTES 0x80
#define TAG_HAS_CONTENT 0x40
#define CHARSET_UTF8 106

/* A language's tables by token, built once. */
typedef struct {
  const char *tags[EMAIL2_WBXML_PAGES][64];
  const Email2WbxmlAttribute *attributes[EMAIL2_WBXML_PAGES][128];
  const char *values[EMAIL2_WBXML_PAGES][128];
  GHashTable *tag_tokens[EMAIL2_WBXML_PAGES];   /* name → token */
} Index;

/* An open element: its name (not NUL-terminated when from the string
 * table) and its namespace. */
typedef struct {
  const char *name;
  gsize name_length;
  const char *ns;
} Open;

typedef struct {
  const guint8 *data;
  gsize length;
  gsize at;
  const guint8 *strings;  /* the string table */
  gsize strings_length;
  const Email2WbxmlLanguage *language;
  const Index *index;
  const Email2XmlLimits *limits;
  guint tag_page;
  guint attribute_page;
  guint elements;
  guint depth;
  Open *open;             /* limits->max_depth + 1 of them */
  GString *out;
} Decoder;

static Index *
index_new (const Email2WbxmlLanguage *language)
{
  Index *index = g_new0 (Index, 1);

  for (guint p = 0; p < EMAIL2_WBXML_PAGES; p++)
    index->tag_tokens[p] = g_hash_table_new (g_str_hash, g_str_equal);
  for (const Email2WbxmlTag *t = language->tags; t->name != NULL; t++)
    {
      index->tags[t->page][t->token & 0x3F] = t->name;
      g_hash_table_insert (index->tag_tokens[t->page], (gpointer) t->name,
                           GUINT_TO_POINTER (t->token));
    }
  for (const Email2WbxmlAttribute *a = language->attributes; a != NULL && a->name != NULL; a++)
    index->attributes[a->page][a->token & 0x7F] = a;
  for (const Email2WbxmlValue *v = language->values; v != NULL && v->value != NULL; v++)
    index->values[v->page][v->token & 0x7F] = v->value;

  return index;
}

static const Index *
index_for (const Email2WbxmlLanguage *language)
{
  static gsize done[3];
  static const Index *indexes[3];
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

static gboolean
decode_fail (GError **error)
{
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
               _("The WBXML document is truncated or malformed"));
  return FALSE;
}

static gboolean
decode_unknown_token (guint8   token,
                      GError **error)
{
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
               _("The WBXML document uses token 0x%02X, which neither SyncML nor "
                 "provisioning documents use"), token);
  return FALSE;
}

static gboolean
decode_byte (Decoder *decoder,
             guint8  *byte)
{
  if (decoder->at >= decoder->length)
    return FALSE;
  *byte = decoder->data[decoder->at++];
  return TRUE;
}

/* mb_u_int32: 7 bits a byte, the high bit says more follow. */
static gboolean
decode_mb (Decoder *decoder,
           guint32 *value)
{
  guint64 result = 0;

  for (guint i = 0; i < 5; i++)
    {
      guint8 byte;

      if (!decode_byte (decoder, &byte))
        return FALSE;
      result = (result << 7) | (byte & 0x7F);
      if (!(byte & 0x80))
        {
          if (result > G_MAXUINT32)
            return FALSE;
          *value = (guint32) result;
          return TRUE;
        }
    }

  return FALSE;
}

/* A string of the string table, by the offset that follows. */
static gboolean
decode_table_string (Decoder     *decoder,
                     const char **string,
                     gsize       *length)
{
  const guint8 *end;
  guint32 offset;

  if (!decode_mb (decoder, &offset) || offset >= decoder->strings_length)
    return FALSE;
  end = memchr (decoder->strings + offset, '\0', decoder->strings_length - offset);
  if (end == NULL)
    return FALSE;
  *string = (const char *) decoder->strings + offset;
  *length = end - (decoder->strings + offset);
  return TRUE;
}

/* A name from the string table becomes markup: only plain ASCII XML names
 * (letters, digits, '-', '.', '_', not starting with a digit, '-' or '.'). */
static gboolean
is_plain_name (const char *name,
               gsize       length)
{
  if (length == 0 || g_ascii_isdigit (name[0]) || name[0] == '-' || name[0] == '.')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '-' && name[i] != '.' && name[i] != '_')
      return FALSE;
  return TRUE;
}

static gboolean
decode_check_size (Decoder *decoder,
                   gsize    adding,
                   GError **error)
{
  if (adding <= decoder->limits->max_size && decoder->out->len <= decoder->limits->max_size - adding)
    return TRUE;

  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
               _("The WBXML document would be larger than %zu bytes as XML"),
               decoder->limits->max_size);
  return FALSE;
}

/* Every append to the decoder's output: the output holds the payload,
 * passwords included, so it grows by copy and wipe, never by realloc. */
static void
out_append_len (GString    *out,
                const char *text,
                gsize       length)
{
  email2_secure_string_reserve (out, length);
  g_string_append_len (out, text, length);
}

static void
out_append (GString    *out,
            const char *text)
{
  out_append_len (out, text, strlen (text));
}

static void
out_append_c (GString *out,
              char     c)
{
  email2_secure_string_reserve (out, 1);
  g_string_append_c (out, c);
}

/* Appends text escaped for content and attribute values. */
static void
append_escaped (GString    *out,
                const char *text,
                gsize       length)
{
  const char *end = text + length;

  while (text < end)
    {
      const char *plain = text;

      while (text < end && *text != '&' && *text != '<' && *text != '>' && *text != '"' &&
             *text != '\r')
        text++;
      out_append_len (out, plain, text - plain);
      if (text == end)
        break;
      switch (*text++)
        {
        case '&': out_append (out, "&amp;"); break;
        case '<': out_append (out, "&lt;"); break;
        case '>': out_append (out, "&gt;"); break;
        case '"': out_append (out, "&quot;"); break;
        default: out_append (out, "&#13;"); break;
        }
    }
}

/* Text-like tokens (ENTITY, STR_I, STR_T, OPAQUE), written escaped: TRUE
 * with *ok when @token is one, FALSE for any other token. Opaque data is
 * written as text; the XML reader refuses it unless it is UTF-8. */
static gboolean
decode_text_token (Decoder  *decoder,
                   guint8    token,
                   gboolean *ok,
                   GError  **error)
{
  const char *text = NULL;
  gsize length = 0;
  guint32 value;

  *ok = FALSE;
  switch (token)
    {
    case TOKEN_ENTITY:
      if (!decode_mb (decoder, &value) || value > 0x10FFFF)
        return TRUE;
      {
        /* Not g_string_append_printf(): its temporary copy would be
         * freed unwiped, and the character may be part of a password. */
        char reference[16];

        out_append_len (decoder->out, reference,
                        g_snprintf (reference, sizeof reference, "&#%u;", value));
        explicit_bzero (reference, sizeof reference);
      }
      break;
    case TOKEN_STR_I:
      text = (const char *) decoder->data + decoder->at;
      if (memchr (text, '\0', decoder->length - decoder->at) == NULL)
        return TRUE;
      length = strlen (text);
      decoder->at += length + 1;
      break;
    case TOKEN_STR_T:
      if (!decode_table_string (decoder, &text, &length))
        return TRUE;
      break;
    case TOKEN_OPAQUE:
      if (!decode_mb (decoder, &value) || value > decoder->length - decoder->at)
        return TRUE;
      text = (const char *) decoder->data + decoder->at;
      length = value;
      decoder->at += value;
      if (memchr (text, '\0', length) != NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("The WBXML document holds opaque data that is not text"));
          return TRUE;
        }
      break;
    default:
      return FALSE;
    }

  if (text != NULL)
    {
      if (!decode_check_size (decoder, length, error))
        return TRUE;
      append_escaped (decoder->out, text, length);
    }
  *ok = decode_check_size (decoder, 0, error);
  return TRUE;
}

/* An element's attributes, up to their END, written as name="value". */
static gboolean
decode_attributes (Decoder *decoder,
                   GError **error)
{
  guint attributes = 0;
  gboolean open = FALSE;   /* an attribute value is being written */

  for (;;)
    {
      guint8 token;
      gboolean ok = TRUE;
      const char *name = NULL;
      gsize name_length = 0;
      const char *value = NULL;

      if (!decode_byte (decoder, &token))
        return decode_fail (error);

      if (token == TOKEN_END)
        break;

      if (token == TOKEN_SWITCH_PAGE)
        {
          guint8 page;

          if (!decode_byte (decoder, &page))
            return decode_fail (error);
          if (page >= EMAIL2_WBXML_PAGES)
            return decode_unknown_token (token, error);
          decoder->attribute_page = page;
          continue;
        }

      if (token == TOKEN_LITERAL)
        {
          if (!decode_table_string (decoder, &name, &name_length))
            return decode_fail (error);
          if (!is_plain_name (name, name_length))
            {
              g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                           _("The WBXML document names an attribute with characters a name "
                             "cannot have"));
              return FALSE;
            }
        }
      else if (open && decode_text_token (decoder, token, &ok, error))
        {
          if (!ok)
            return error != NULL && *error != NULL ? FALSE : decode_fail (error);
          continue;
        }
      else if ((token >= 0x40 && token <= 0x44) || (token >= 0x80 && token <= 0x84) ||
               token >= 0xC0 || token < 0x05)
        return decode_unknown_token (token, error);
      else if (token >= 0x80)
        {
          const char *text = decoder->index->values[decoder->attribute_page][token & 0x7F];

          if (!open || text == NULL)
            return decode_unknown_token (token, error);
          append_escaped (decoder->out, text, strlen (text));
          continue;
        }
      else
        {
          const Email2WbxmlAttribute *start =
            decoder->index->attributes[decoder->attribute_page][token];

          if (start == NULL)
            return decode_unknown_token (token, error);
          name = start->name;
          name_length = strlen (name);
          value = start->value;
        }

      /* An attribute starts. */
      if (++attributes > decoder->limits->max_attributes)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                       _("The document has an element with more than %u attributes"),
                       decoder->limits->max_attributes);
          return FALSE;
        }
      if (open)
        out_append_c (decoder->out, '"');
      out_append_c (decoder->out, ' ');
      out_append_len (decoder->out, name, name_length);
      out_append (decoder->out, "=\"");
      if (value != NULL)
        append_escaped (decoder->out, value, strlen (value));
      open = TRUE;
      if (!decode_check_size (decoder, 0, error))
        return FALSE;
    }

  if (open)
    out_append_c (decoder->out, '"');
  return TRUE;
}

/* A tag token and what belongs to it: attributes, and the element opened
 * or, without content, closed at once. */
static gboolean
decode_tag (Decoder *decoder,
            guint8   token,
            GError **error)
{
  const char *name;
  gsize name_length;
  const char *ns = decoder->language->namespaces[decoder->tag_page];
  const char *parent_ns = decoder->depth > 0 ? decoder->open[decoder->depth - 1].ns : NULL;

  if ((token & 0x3F) == TOKEN_LITERAL)
    {
      if (!decode_table_string (decoder, &name, &name_length))
        return decode_fail (error);
      if (!is_plain_name (name, name_length))
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("The WBXML document names an element with characters a name "
                         "cannot have"));
          return FALSE;
        }
    }
  else
    {
      name = decoder->index->tags[decoder->tag_page][token & 0x3F];
      if (name == NULL)
        return decode_unknown_token (token, error);
      name_length = strlen (name);
    }

  if (++decoder->elements > decoder->limits->max_elements)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document has more than %u elements"), decoder->limits->max_elements);
      return FALSE;
    }

  out_append_c (decoder->out, '<');
  out_append_len (decoder->out, name, name_length);
  if (ns != NULL && g_strcmp0 (ns, parent_ns) != 0)
    {
      out_append (decoder->out, " xmlns=\"");
      out_append (decoder->out, ns);
      out_append_c (decoder->out, '"');
    }

  if ((token & TAG_HAS_ATTRIBUTES) && !decode_attributes (decoder, error))
    return FALSE;

  if (!(token & TAG_HAS_CONTENT))
    {
      out_append (decoder->out, "/>");
      return decode_check_size (decoder, 0, error);
    }

  if (decoder->depth >= decoder->limits->max_depth)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document nests elements deeper than %u"), decoder->limits->max_depth);
      return FALSE;
    }
  decoder->open[decoder->depth++] = (Open) { name, name_length, ns != NULL ? ns : parent_ns };
  out_append_c (decoder->out, '>');

  return decode_check_size (decoder, 0, error);
}

/* The body: one root element. */
static gboolean
decode_body (Decoder *decoder,
             GError **error)
{
  gboolean root_done = FALSE;

  while (!root_done)
    {
      guint8 token;
      gboolean ok = TRUE;

      if (!decode_byte (decoder, &token))
        return decode_fail (error);

      if (token == TOKEN_SWITCH_PAGE)
        {
          guint8 page;

          if (!decode_byte (decoder, &page))
            return decode_fail (error);
          if (page >= EMAIL2_WBXML_PAGES)
            return decode_unknown_token (token, error);
          decoder->tag_page = page;
        }
      else if (token == TOKEN_END)
        {
          Open *open;

          if (decoder->depth == 0)
            return decode_fail (error);
          open = &decoder->open[--decoder->depth];
          out_append (decoder->out, "</");
          out_append_len (decoder->out, open->name, open->name_length);
          out_append_c (decoder->out, '>');
          root_done = decoder->depth == 0;
        }
      else if (decoder->depth > 0 && decode_text_token (decoder, token, &ok, error))
        {
          if (!ok)
            return error != NULL && *error != NULL ? FALSE : decode_fail (error);
        }
      else if ((token & 0x3F) == TOKEN_LITERAL || (token & 0x3F) >= 0x05)
        {
          if (!decode_tag (decoder, token, error))
            return FALSE;
          root_done = decoder->depth == 0;
        }
      else
        return decode_unknown_token (token, error);
    }

  if (decoder->at != decoder->length)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document has data after its root element"));
      return FALSE;
    }

  return TRUE;
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
 * (PROV 1.0) (see the top of this file). The XML has no prolog and no
 * DOCTYPE; read it with the hardened reader.
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
  Email2XmlLimits limits;
  Decoder decoder = { (const guint8 *) data, length, 0, };
  g_autofree Open *open = NULL;
  guint8 byte;
  guint32 id, charset, strings_length;
  gboolean ok;

  email2_xml_limits_init (&limits);

  if (length > EMAIL2_WBXML_MAX_SIZE)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The WBXML document is larger than %d bytes"), EMAIL2_WBXML_MAX_SIZE);
      return NULL;
    }

  if (!decode_byte (&decoder, &byte) || !decode_mb (&decoder, &id))
    {
      decode_fail (error);
      return NULL;
    }
  if (byte < 0x01 || byte > 0x03)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("WBXML version %u.%u is not supported (1.1 to 1.3 are)"),
                   1 + (byte >> 4), byte & 0x0F);
      return NULL;
    }
  decoder.language = email2_wbxml_language_by_id (id);
  if (decoder.language == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document is neither SyncML 1.1 or 1.2 nor an OMA provisioning "
                     "document (public identifier 0x%X)"), id);
      return NULL;
    }

  if (!decode_mb (&decoder, &charset) || !decode_mb (&decoder, &strings_length) ||
      strings_length > length - decoder.at)
    {
      decode_fail (error);
      return NULL;
    }
  /* 106 UTF-8, 3 US-ASCII, 0 not given */
  if (charset != CHARSET_UTF8 && charset != 3 && charset != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document's character set (MIBenum %u) is not UTF-8"), charset);
      return NULL;
    }
  decoder.strings = decoder.data + decoder.at;
  decoder.strings_length = strings_length;
  decoder.at += strings_length;

  /* A provisioning document is refused beyond its reader's element bound
   * anyway (email2-wapprov.c): stop there, before decoding the rest. */
  if (id == EMAIL2_WBXML_PUBLIC_ID_PROV10)
    limits.max_elements = MIN (limits.max_elements, EMAIL2_WAPPROV_MAX_ELEMENTS);
  decoder.index = index_for (decoder.language);
  decoder.limits = &limits;
  open = g_new (Open, limits.max_depth + 1);
  decoder.open = open;
  decoder.out = g_string_sized_new (MIN (length * 4, limits.max_size) + 1);

  ok = decode_body (&decoder, error);
  if (!ok)
    {
      /* It may hold a password. */
      explicit_bzero (decoder.out->str, decoder.out->len);
      g_string_free (decoder.out, TRUE);
      return NULL;
    }

  if (version != NULL)
    *version = byte;
  if (public_id != NULL)
    *public_id = id;
  *xml_length = decoder.out->len;

  return g_string_free (decoder.out, FALSE);
}

/* Writes an answer as WBXML while the XML reader streams it. */
typedef struct {
  const Email2WbxmlLanguage *language;
  const Index *index;
  GString *body;
  GString *strings;         /* the string table */
  GHashTable *offsets;      /* string → its offset in the table + 1 */
  GString *text;            /* text not written yet */
  GArray *open;             /* of gsize: where each open element's tag token is */
  GPtrArray *namespaces;    /* each open element's namespace (borrowed from the tables) */
  guint tag_page;
  gboolean failed;
} Encoder;

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

      encoder->body->str[at] |= TAG_HAS_CONTENT;
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
      g_string_append_c (encoder->body, TOKEN_STR_I);
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
      encoder->index = index_for (encoder->language);
    }

  encode_flush_text (encoder);
  encode_content (encoder);

  page = page_of (encoder->language, ns, encoder->tag_page);
  if (page != encoder->tag_page)
    {
      g_string_append_c (encoder->body, TOKEN_SWITCH_PAGE);
      g_string_append_c (encoder->body, (char) page);
      encoder->tag_page = page;
    }

  at = encoder->body->len;
  if (g_hash_table_lookup_extended (encoder->index->tag_tokens[page], name, NULL, &token))
    g_string_append_c (encoder->body, (char) GPOINTER_TO_UINT (token));
  else
    encode_literal (encoder, TOKEN_LITERAL, name);

  if (attributes[0] != NULL)
    {
      encoder->body->str[at] |= TAG_HAS_ATTRIBUTES;
      for (guint i = 0; attributes[i] != NULL; i += 2)
        {
          const Email2WbxmlAttribute *start = NULL;

          /* The page-0 start of the name alone ("name", "value", "type"). */
          for (guint t = 0x05; t < 0x80 && start == NULL; t++)
            {
              const Email2WbxmlAttribute *a = encoder->index->attributes[0][t];

              if (a != NULL && a->value == NULL && strcmp (a->name, attributes[i]) == 0)
                start = a;
            }
          if (start != NULL)
            g_string_append_c (encoder->body, (char) start->token);
          else
            encode_literal (encoder, TOKEN_LITERAL, attributes[i]);
          g_string_append_c (encoder->body, TOKEN_STR_I);
          g_string_append_len (encoder->body, attributes[i + 1], strlen (attributes[i + 1]) + 1);
        }
      g_string_append_c (encoder->body, TOKEN_END);
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
  if (encoder->body->str[at] & TAG_HAS_CONTENT)
    g_string_append_c (encoder->body, TOKEN_END);
  g_array_set_size (encoder->open, encoder->open->len - 1);
  g_ptr_array_set_size (encoder->namespaces, encoder->namespaces->len - 1);
}

static void
encode_text (gpointer    user_data,
             const char *text,
             gsize       length)
{
  Encoder *encoder = user_data;

  g_string_append_len (encoder->text, text, length);
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
  static const Email2XmlHandler handler = { encode_start, encode_end, encode_text };
  Encoder encoder = { NULL, };
  GString *out;
  gboolean ok;

  encoder.body = g_string_sized_new (xml_length / 2 + 16);
  encoder.strings = g_string_new (NULL);
  encoder.offsets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  encoder.text = g_string_new (NULL);
  encoder.open = g_array_new (FALSE, FALSE, sizeof (gsize));
  encoder.namespaces = g_ptr_array_new ();

  ok = email2_xml_parse (xml, xml_length, NULL, &handler, &encoder, error);

  out = g_string_sized_new (encoder.body->len + encoder.strings->len + 16);
  if (ok)
    {
      g_string_append_c (out, (char) (version >= 0x01 && version <= 0x03 ? version : 0x02));
      encode_mb (out, encoder.language->public_id);
      encode_mb (out, CHARSET_UTF8);
      encode_mb (out, (guint32) encoder.strings->len);
      g_string_append_len (out, encoder.strings->str, encoder.strings->len);
      g_string_append_len (out, encoder.body->str, encoder.body->len);
      *length = out->len;
    }

  /* The answer holds no secret, but the text buffer saw every value. */
  explicit_bzero (encoder.text->str, encoder.text->len);
  g_string_free (encoder.text, TRUE);
  explicit_bzero (encoder.body->str, encoder.body->len);
  g_string_free (encoder.body, TRUE);
  g_string_free (encoder.strings, TRUE);
  g_hash_table_unref (encoder.offsets);
  g_array_unref (encoder.open);
  g_ptr_array_unref (encoder.namespaces);

  if (!ok)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}
