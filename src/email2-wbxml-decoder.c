/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The WBXML decoder: an untrusted WBXML document of SyncML DM 1.1 / 1.2 or
 * OMA CP (PROV 1.0) streamed to a payload reader's Email2XmlHandler, the
 * same events the hardened XML reader (email2-xml.c) gives for XML, with
 * no XML text made and read again in between. The decoder:
 *  - bounds the document's size (EMAIL2_WBXML_MAX_SIZE) before reading it;
 *  - reads its token stream once, front to back, in time linear in the
 *    input: a truncated or malformed document, an unknown public
 *    identifier, a token or code page entry the language lacks, a name from
 *    the string table that is not a plain XML name, a nesting deeper, more
 *    elements or an element with more attributes than the XML reader's
 *    bounds, a duplicate attribute, or text that is not XML characters in
 *    UTF-8 is refused as soon as it is seen, as the XML reader refuses it;
 *  - bounds what the events carry by the XML reader's size bound, counted
 *    as the document's size as XML (string table references are the WBXML
 *    "billion laughs"): every element, attribute and text adds its length;
 *  - hands text over where it lies (inline strings, the string table)
 *    without a copy; attribute values, made of several tokens, are put
 *    together in one buffer that grows by copy and wipe and is wiped after
 *    each element, as is a character entity's UTF-8.
 * Unlike XML text, WBXML strings are exact: a carriage return, a tab or a
 * line break in an attribute value arrives as itself (XML would have
 * normalized it to a space).
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-secure-private.h"
#include "email2-wbxml-private.h"

/* A name of the string table already checked, by its offset. */
typedef struct {
  guint32 offset;         /* + 1: 0 is an empty entry */
  guint32 length;
} Literal;

#define LITERAL_CACHE 32

typedef struct {
  const guint8 *data;
  gsize length;
  gsize at;
  const guint8 *strings;  /* the string table */
  gsize strings_length;
  const Email2WbxmlLanguage *language;
  const Email2WbxmlIndex *index;
  const Email2XmlLimits *limits;
  const Email2XmlHandler *handler;
  gpointer user_data;
  guint tag_page;
  guint attribute_page;
  guint elements;
  guint depth;
  gsize size;             /* the document's size as XML so far */
  const char **open_ns;   /* each open element's namespace: limits->max_depth */
  /* The start tag being read: its attributes' names (NUL-terminated where
   * they lie), a hash of each for the duplicate check, and where each
   * value starts in @values. */
  const char **names;     /* limits->max_attributes */
  guint *hashes;
  guint8 *slots;          /* hash table of the names: index + 1, 0 empty */
  guint n_slots;          /* a power of two, at least twice the bound */
  gsize *starts;
  const char **pairs;     /* name, value, …, NULL for the handler */
  GString *values;
  /* The names of LITERAL tokens found plain, by offset modulo the size:
   * a document of many elements of a few names of its own checks each
   * name once. */
  Literal literals[LITERAL_CACHE];
} Decoder;

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

static inline gboolean
decode_byte (Decoder *decoder,
             guint8  *byte)
{
  if (G_UNLIKELY (decoder->at >= decoder->length))
    return FALSE;
  *byte = decoder->data[decoder->at++];
  return TRUE;
}

/* mb_u_int32: 7 bits a byte, the high bit says more follow. */
static inline gboolean
decode_mb (Decoder *decoder,
           guint32 *value)
{
  guint64 result = 0;

  /* most are one byte */
  if (G_LIKELY (decoder->at < decoder->length && decoder->data[decoder->at] < 0x80))
    {
      *value = decoder->data[decoder->at++];
      return TRUE;
    }

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

/* SWITCH_PAGE's page, into *@page (the tag or the attribute page). */
static gboolean
decode_switch_page (Decoder *decoder,
                    guint   *page,
                    GError **error)
{
  guint8 byte;

  if (!decode_byte (decoder, &byte))
    return decode_fail (error);
  if (byte >= EMAIL2_WBXML_PAGES)
    return decode_unknown_token (EMAIL2_WBXML_SWITCH_PAGE, error);
  *page = byte;
  return TRUE;
}

/* A string of the string table, by the offset that follows; it ends with
 * a NUL there. */
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

/* A name from the string table: only plain ASCII XML names (letters,
 * digits, '-', '.', '_', not starting with a digit, '-' or '.'). */
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

/* The name of a LITERAL token, by the string table offset that follows:
 * a plain name, or an error for an element's name or, when @attribute,
 * an attribute's. */
static inline gboolean
decode_literal (Decoder     *decoder,
                gboolean     attribute,
                const char **name,
                gsize       *length,
                GError     **error)
{
  gsize at = decoder->at;
  guint32 offset;
  Literal *literal;

  if (!decode_mb (decoder, &offset))
    return decode_fail (error);

  literal = &decoder->literals[offset % LITERAL_CACHE];
  if (literal->offset == offset + 1)
    {
      *name = (const char *) decoder->strings + offset;
      *length = literal->length;
      return TRUE;
    }

  decoder->at = at;
  if (!decode_table_string (decoder, name, length))
    return decode_fail (error);
  if (!is_plain_name (*name, *length))
    {
      if (attribute)
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                     _("The WBXML document names an attribute with characters a name "
                       "cannot have"));
      else
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                     _("The WBXML document names an element with characters a name "
                       "cannot have"));
      return FALSE;
    }

  /* a name is shorter than the table, itself at most EMAIL2_WBXML_MAX_SIZE */
  literal->offset = offset + 1;
  literal->length = (guint32) *length;
  return TRUE;
}

/* The document as XML grows by @adding bytes. */
static inline gboolean
decode_grow (Decoder *decoder,
             gsize    adding,
             GError **error)
{
  if (G_LIKELY (adding <= decoder->limits->max_size - decoder->size))
    {
      decoder->size += adding;
      return TRUE;
    }

  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
               _("The WBXML document would be larger than %zu bytes as XML"),
               decoder->limits->max_size);
  return FALSE;
}

/* A text-like token (ENTITY, STR_I, STR_T, OPAQUE) at @token: its text in
 * @text, or, for an entity, its character's UTF-8 in @character. Returns
 * FALSE with @error set when the token is broken; *@text is NULL for a
 * token that is not text-like. */
static gboolean
decode_text_token (Decoder     *decoder,
                   guint8       token,
                   const char **text,
                   gsize       *length,
                   char         character[8],
                   GError     **error)
{
  guint32 value;

  *text = NULL;
  switch (token)
    {
    case EMAIL2_WBXML_ENTITY:
      if (!decode_mb (decoder, &value) || !email2_wbxml_is_xml_char (value))
        return decode_fail (error);
      *length = g_unichar_to_utf8 (value, character);
      *text = character;
      return TRUE;

    case EMAIL2_WBXML_STR_I:
      {
        const char *start = (const char *) decoder->data + decoder->at;
        const char *nul = memchr (start, '\0', decoder->length - decoder->at);

        if (nul == NULL)
          return decode_fail (error);
        *text = start;
        *length = nul - start;
        decoder->at += *length + 1;
      }
      break;

    case EMAIL2_WBXML_STR_T:
      if (!decode_table_string (decoder, text, length))
        return decode_fail (error);
      break;

    case EMAIL2_WBXML_OPAQUE:
      if (!decode_mb (decoder, &value) || value > decoder->length - decoder->at)
        return decode_fail (error);
      *text = (const char *) decoder->data + decoder->at;
      *length = value;
      decoder->at += value;
      if (memchr (*text, '\0', *length) != NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("The WBXML document holds opaque data that is not text"));
          return FALSE;
        }
      break;

    default:
      return TRUE;
    }

  if (!email2_wbxml_is_xml_text (*text, *length))
    return decode_fail (error);
  return TRUE;
}

/* Appends to the attribute values, grown by copy and wipe (a value may
 * be a password). */
static inline void
values_append (GString    *values,
               const char *text,
               gsize       length)
{
  if (G_UNLIKELY (values->len + length + 1 > values->allocated_len))
    email2_secure_string_reserve (values, length);
  memcpy (values->str + values->len, text, length);
  values->len += length;
  values->str[values->len] = '\0';
}

/* A cheap hash of an attribute name, for the duplicate check. */
static guint
name_hash (const char *name,
           gsize       length)
{
  guint hash = 5381;

  for (gsize i = 0; i < length; i++)
    hash = hash * 33 + (guchar) name[i];
  return hash;
}

/* An attribute starts: its name, checked against the bound and the
 * element's earlier attributes (@attributes of them so far; @taken
 * places already used, the namespace declaration). */
static gboolean
decode_attribute_start (Decoder     *decoder,
                        const char  *name,
                        gsize        name_length,
                        guint        attributes,
                        guint        taken,
                        GError     **error)
{
  guint hash = name_hash (name, name_length);

  if (attributes + taken >= decoder->limits->max_attributes)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document has an element with more than %u attributes"),
                   decoder->limits->max_attributes);
      return FALSE;
    }
  /* Namespaces come from the code pages; an xmlns attribute would declare
   * one again (XML refuses it, or it would turn elements into another
   * language). */
  if (name_length == 5 && memcmp (name, "xmlns", 5) == 0)
    return decode_fail (error);

  if (!decode_grow (decoder, name_length + 4, error))
    return FALSE;
  if (attributes > 0)
    values_append (decoder->values, "", 1);
  decoder->names[attributes] = name;
  decoder->hashes[attributes] = hash;
  decoder->starts[attributes] = decoder->values->len;
  return TRUE;
}

/* Adds to the value of the attribute being read. */
static gboolean
decode_value_append (Decoder    *decoder,
                     const char *text,
                     gsize       length,
                     GError    **error)
{
  if (!decode_grow (decoder, length, error))
    return FALSE;
  values_append (decoder->values, text, length);
  return TRUE;
}

/* An element's attributes, up to their END: @decoder's names and values
 * are filled in, *@n_attributes says how many. */
static gboolean
decode_attributes (Decoder  *decoder,
                   guint     taken,
                   guint    *n_attributes,
                   GError  **error)
{
  guint attributes = 0;

  g_string_truncate (decoder->values, 0);
  for (;;)
    {
      guint8 token;
      const char *name = NULL;
      gsize name_length = 0;
      const char *text;
      gsize length = 0;
      char character[8];

      if (!decode_byte (decoder, &token))
        return decode_fail (error);

      if (token == EMAIL2_WBXML_END)
        break;

      if (token == EMAIL2_WBXML_SWITCH_PAGE)
        {
          if (!decode_switch_page (decoder, &decoder->attribute_page, error))
            return FALSE;
          continue;
        }

      if (token == EMAIL2_WBXML_LITERAL)
        {
          if (!decode_literal (decoder, TRUE, &name, &name_length, error))
            return FALSE;
          if (!decode_attribute_start (decoder, name, name_length, attributes, taken, error))
            return FALSE;
          attributes++;
          continue;
        }

      if (attributes > 0)
        {
          if (!decode_text_token (decoder, token, &text, &length, character, error))
            return FALSE;
          if (text != NULL)
            {
              gboolean ok = decode_value_append (decoder, text, length, error);

              explicit_bzero (character, sizeof character);
              if (!ok)
                return FALSE;
              continue;
            }
        }

      if ((token >= 0x40 && token <= 0x44) || (token >= 0x80 && token <= 0x84) ||
          token >= 0xC0 || token < 0x05)
        return decode_unknown_token (token, error);

      if (token >= 0x80)
        {
          const char *value = decoder->index->values[decoder->attribute_page][token & 0x7F];

          if (attributes == 0 || value == NULL)
            return decode_unknown_token (token, error);
          if (!decode_value_append (decoder, value, strlen (value), error))
            return FALSE;
        }
      else
        {
          const Email2WbxmlAttribute *start =
            decoder->index->attributes[decoder->attribute_page][token];

          if (start == NULL)
            return decode_unknown_token (token, error);
          if (!decode_attribute_start (decoder, start->name, strlen (start->name), attributes,
                                       taken, error))
            return FALSE;
          attributes++;
          if (start->value != NULL &&
              !decode_value_append (decoder, start->value, strlen (start->value), error))
            return FALSE;
        }
    }

  /* A name given twice is not well-formed XML either; checked once all
   * are counted, as the XML reader counts before libxml2 looks, through
   * a small hash table: each name is compared only with those of the
   * same hash. */
  if (attributes > 1)
    {
      guint mask = decoder->n_slots - 1;

      memset (decoder->slots, 0, decoder->n_slots);
      for (guint i = 0; i < attributes; i++)
        {
          guint slot = decoder->hashes[i] & mask;

          for (; decoder->slots[slot] != 0; slot = (slot + 1) & mask)
            {
              guint j = decoder->slots[slot] - 1;

              if (decoder->hashes[i] == decoder->hashes[j] &&
                  strcmp (decoder->names[i], decoder->names[j]) == 0)
                return decode_fail (error);
            }
          decoder->slots[slot] = (guint8) (i + 1);
        }
    }

  *n_attributes = attributes;
  return TRUE;
}

/* An element starts: its handler is called with its attributes, whose
 * values are wiped after. */
static gboolean
decode_start (Decoder     *decoder,
              const char  *name,
              const char  *ns,
              guint        n_attributes,
              GError     **error)
{
  static const char * const none[] = { NULL };
  const char * const *pairs = none;
  gboolean ok;

  if (n_attributes > 0)
    {
      /* each value ends with the NUL that the next one's start appended,
       * the last with the string's own */
      for (guint i = 0; i < n_attributes; i++)
        {
          decoder->pairs[2 * i] = decoder->names[i];
          decoder->pairs[2 * i + 1] = decoder->values->str + decoder->starts[i];
        }
      decoder->pairs[2 * n_attributes] = NULL;
      pairs = decoder->pairs;
    }

  ok = decoder->handler->start_element (decoder->user_data, name, ns, pairs, error);

  if (n_attributes > 0)
    explicit_bzero (decoder->values->str, decoder->values->len);
  return ok;
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
  const char *page_ns = decoder->language->namespaces[decoder->tag_page];
  const char *parent_ns = decoder->depth > 0 ? decoder->open_ns[decoder->depth - 1] : NULL;
  const char *ns = page_ns != NULL ? page_ns : parent_ns;
  /* a namespace declared here takes one place of the attribute bound,
   * as in XML (the namespaces are the tables' strings: one pointer each) */
  guint taken = page_ns != NULL && page_ns != parent_ns ? 1 : 0;
  guint n_attributes = 0;

  if ((token & 0x3F) == EMAIL2_WBXML_LITERAL)
    {
      if (!decode_literal (decoder, FALSE, &name, &name_length, error))
        return FALSE;
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
  if (decoder->depth >= decoder->limits->max_depth)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document nests elements deeper than %u"), decoder->limits->max_depth);
      return FALSE;
    }
  /* <name></name>, and xmlns="…" when declared */
  if (!decode_grow (decoder, 2 * name_length + 5 + (taken ? strlen (ns) + 9 : 0), error))
    return FALSE;

  if ((token & EMAIL2_WBXML_TAG_HAS_ATTRIBUTES) &&
      !decode_attributes (decoder, taken, &n_attributes, error))
    return FALSE;

  if (!decode_start (decoder, name, ns, n_attributes, error))
    return FALSE;

  if (!(token & EMAIL2_WBXML_TAG_HAS_CONTENT))
    decoder->handler->end_element (decoder->user_data);
  else
    decoder->open_ns[decoder->depth++] = ns;

  return TRUE;
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

      if (!decode_byte (decoder, &token))
        return decode_fail (error);

      if (token == EMAIL2_WBXML_SWITCH_PAGE)
        {
          if (!decode_switch_page (decoder, &decoder->tag_page, error))
            return FALSE;
        }
      else if (token == EMAIL2_WBXML_END)
        {
          if (decoder->depth == 0)
            return decode_fail (error);
          decoder->depth--;
          decoder->handler->end_element (decoder->user_data);
          root_done = decoder->depth == 0;
        }
      else if ((token & 0x3F) == EMAIL2_WBXML_LITERAL || (token & 0x3F) >= 0x05)
        {
          if (!decode_tag (decoder, token, error))
            return FALSE;
          root_done = decoder->depth == 0;
        }
      else if (decoder->depth > 0)
        {
          const char *text;
          gsize length = 0;
          char character[8];

          gboolean ok;

          if (!decode_text_token (decoder, token, &text, &length, character, error))
            return FALSE;
          if (text == NULL)
            return decode_unknown_token (token, error);
          ok = decode_grow (decoder, length, error);
          if (ok)
            decoder->handler->text (decoder->user_data, text, length);
          /* an entity's character may be part of a password */
          explicit_bzero (character, sizeof character);
          if (!ok)
            return FALSE;
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

/* The header: version, public identifier, character set, string table. */
static gboolean
decode_header (Decoder *decoder,
               GError **error)
{
  guint8 version;
  guint32 id, charset, strings_length;

  if (!decode_byte (decoder, &version) || !decode_mb (decoder, &id))
    return decode_fail (error);
  if (version < 0x01 || version > 0x03)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("WBXML version %u.%u is not supported (1.1 to 1.3 are)"),
                   1 + (version >> 4), version & 0x0F);
      return FALSE;
    }
  decoder->language = email2_wbxml_language_by_id (id);
  if (decoder->language == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document is neither SyncML 1.1 or 1.2 nor an OMA provisioning "
                     "document (public identifier 0x%X)"), id);
      return FALSE;
    }

  if (!decode_mb (decoder, &charset) || !decode_mb (decoder, &strings_length) ||
      strings_length > decoder->length - decoder->at)
    return decode_fail (error);
  /* 106 UTF-8, 3 US-ASCII, 0 not given */
  if (charset != EMAIL2_WBXML_CHARSET_UTF8 && charset != 3 && charset != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document's character set (MIBenum %u) is not UTF-8"), charset);
      return FALSE;
    }
  decoder->strings = decoder->data + decoder->at;
  decoder->strings_length = strings_length;
  decoder->at += strings_length;
  decoder->index = email2_wbxml_index_for (decoder->language);

  return TRUE;
}

/**
 * email2_wbxml_parse:
 * @data: a WBXML document
 * @length: its length in bytes
 * @limits: (nullable): bounds, %NULL for the defaults
 * @handler: what to do with the elements and text
 * @user_data: passed to @handler
 * @error: return location for a #GError
 *
 * Streams an untrusted WBXML document of SyncML DM 1.1 / 1.2 or OMA CP
 * (PROV 1.0) to @handler, as email2_xml_parse() streams XML (see the top
 * of this file for what is refused).
 *
 * Returns: %TRUE when the whole document was read and is well-formed;
 *   otherwise @error is %EMAIL2_ERROR_INVALID_INPUT, %EMAIL2_ERROR_LIMIT or
 *   the handler's own error
 */
gboolean
email2_wbxml_parse (const char             *data,
                    gsize                   length,
                    const Email2XmlLimits  *limits,
                    const Email2XmlHandler *handler,
                    gpointer                user_data,
                    GError                **error)
{
  Email2XmlLimits defaults;
  Decoder decoder = { (const guint8 *) data, length, 0, };
  gboolean ok;

  if (limits == NULL)
    {
      email2_xml_limits_init (&defaults);
      limits = &defaults;
    }

  if (length > EMAIL2_WBXML_MAX_SIZE)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The WBXML document is larger than %d bytes"), EMAIL2_WBXML_MAX_SIZE);
      return FALSE;
    }

  if (!decode_header (&decoder, error))
    return FALSE;

  decoder.limits = limits;
  decoder.handler = handler;
  decoder.user_data = user_data;
  decoder.open_ns = g_new (const char *, limits->max_depth + 1);
  decoder.names = g_new (const char *, limits->max_attributes + 1);
  decoder.hashes = g_new (guint, limits->max_attributes + 1);
  /* indexes + 1 fit a byte */
  g_assert (limits->max_attributes < G_MAXUINT8);
  for (decoder.n_slots = 16; decoder.n_slots < 2 * (limits->max_attributes + 1); )
    decoder.n_slots *= 2;
  decoder.slots = g_new (guint8, decoder.n_slots);
  decoder.starts = g_new (gsize, limits->max_attributes + 1);
  decoder.pairs = g_new (const char *, 2 * (gsize) limits->max_attributes + 1);
  decoder.values = g_string_sized_new (256);

  ok = decode_body (&decoder, error);

  /* An attribute value may be a password; so may a character entity's
   * UTF-8, which was on the stack. */
  explicit_bzero (decoder.values->str, decoder.values->allocated_len);
  email2_secure_wipe_stack ();
  g_string_free (decoder.values, TRUE);
  g_free (decoder.pairs);
  g_free (decoder.starts);
  g_free (decoder.hashes);
  g_free (decoder.slots);
  g_free (decoder.names);
  g_free (decoder.open_ns);

  return ok;
}
