/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * WBXML (binary XML) for SyncML DM 1.1 / 1.2 and OMA CP (PROV 1.0), through
 * libwbxml2. A WBXML payload is untrusted, so before libwbxml2 sees it:
 *  - its size is bounded (EMAIL2_WBXML_MAX_SIZE);
 *  - its whole token stream is walked here: a truncated or malformed
 *    document, an unknown public identifier, a token neither language
 *    uses, a nesting deeper than the XML reader's bound, or a document
 *    whose XML form would exceed the XML size bound (string table
 *    references are the WBXML "billion laughs") is refused.
 * The XML that libwbxml2 makes of it then goes through the same hardened
 * reader as any XML payload (email2-xml.c), with the same bounds. The
 * DOCTYPE that libwbxml2 writes from its own language tables is removed
 * first (it is never taken from the payload).
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#ifdef HAVE_WBXML
#include <wbxml/wbxml.h>
#endif

#include "email2-error.h"
#include "email2-wbxml.h"
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

/* Upper bounds of what one token becomes in XML: a tag's two names with
 * brackets and a namespace declaration, an attribute from a table, a
 * character of text escaped (`&quot;`). */
#define XML_TAG_COST 192
#define XML_ATTRIBUTE_COST 128
#define XML_TEXT_FACTOR 6
#define XML_HEADER_COST 1024

typedef struct {
  const guint8 *data;
  gsize length;
  gsize at;
  const guint8 *strings;  /* the string table */
  gsize strings_length;
  guint depth;
  guint elements;
  guint64 estimate;       /* bytes of XML, at most */
} Scan;

/**
 * email2_wbxml_is_available:
 *
 * Returns: whether this build reads and writes WBXML
 */
gboolean
email2_wbxml_is_available (void)
{
#ifdef HAVE_WBXML
  return TRUE;
#else
  return FALSE;
#endif
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
scan_fail (GError **error)
{
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
               _("The WBXML document is truncated or malformed"));
  return FALSE;
}

static gboolean
scan_byte (Scan   *scan,
           guint8 *byte)
{
  if (scan->at >= scan->length)
    return FALSE;
  *byte = scan->data[scan->at++];
  return TRUE;
}

/* mb_u_int32: 7 bits a byte, the high bit says more follow. */
static gboolean
scan_mb (Scan    *scan,
         guint32 *value)
{
  guint64 result = 0;

  for (guint i = 0; i < 5; i++)
    {
      guint8 byte;

      if (!scan_byte (scan, &byte))
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

/* An inline string, up to its NUL. */
static gboolean
scan_inline_string (Scan  *scan,
                    gsize *length)
{
  const guint8 *end = memchr (scan->data + scan->at, '\0', scan->length - scan->at);

  if (end == NULL)
    return FALSE;
  *length = end - (scan->data + scan->at);
  scan->at += *length + 1;
  return TRUE;
}

/* A string of the string table, by its offset. */
static gboolean
scan_table_string (Scan  *scan,
                   gsize *length)
{
  const guint8 *end;
  guint32 offset;

  if (!scan_mb (scan, &offset) || offset >= scan->strings_length)
    return FALSE;
  end = memchr (scan->strings + offset, '\0', scan->strings_length - offset);
  if (end == NULL)
    return FALSE;
  *length = end - (scan->strings + offset);
  return TRUE;
}

static gboolean
scan_opaque (Scan  *scan,
             gsize *length)
{
  guint32 value;

  if (!scan_mb (scan, &value) || value > scan->length - scan->at)
    return FALSE;
  scan->at += value;
  *length = value;
  return TRUE;
}

/* Text-like tokens, where text may stand; FALSE for any other token. */
static gboolean
scan_text_token (Scan    *scan,
                 guint8   token,
                 gboolean in_attribute,
                 gboolean *ok)
{
  gsize length = 0;
  guint32 entity;

  switch (token)
    {
    case TOKEN_ENTITY:
      *ok = scan_mb (scan, &entity);
      scan->estimate += 16;
      return TRUE;
    case TOKEN_STR_I:
      *ok = scan_inline_string (scan, &length);
      break;
    case TOKEN_STR_T:
      *ok = scan_table_string (scan, &length);
      break;
    case TOKEN_OPAQUE:
      /* Opaque data comes out as CDATA or base64. */
      *ok = scan_opaque (scan, &length);
      scan->estimate += 32;
      break;
    default:
      return FALSE;
    }

  scan->estimate += (guint64) length * XML_TEXT_FACTOR + (in_attribute ? 0 : 16);
  return TRUE;
}

static gboolean
scan_attributes (Scan    *scan,
                 GError **error)
{
  for (;;)
    {
      guint8 token;
      gboolean ok = TRUE;
      gsize length;

      if (!scan_byte (scan, &token))
        return scan_fail (error);

      if (token == TOKEN_END)
        return TRUE;

      if (token == TOKEN_SWITCH_PAGE)
        ok = scan_byte (scan, &token);
      else if (token == TOKEN_LITERAL)
        {
          ok = scan_table_string (scan, &length);
          scan->estimate += length + XML_ATTRIBUTE_COST;
        }
      else if (scan_text_token (scan, token, TRUE, &ok))
        ;
      else if ((token >= 0x40 && token <= 0x43) || (token >= 0x80 && token <= 0x82) ||
               (token >= 0xC0 && token <= 0xC2) || token == 0xC4)
        {
          /* EXT_*, PI and other global tokens neither language uses. */
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("The WBXML document uses token 0x%02X, which neither SyncML nor "
                         "provisioning documents use"), token);
          return FALSE;
        }
      else
        scan->estimate += XML_ATTRIBUTE_COST;   /* an attribute start or value */

      if (!ok)
        return scan_fail (error);
    }
}

/* The body: one root element. */
static gboolean
scan_body (Scan                  *scan,
           const Email2XmlLimits *limits,
           GError               **error)
{
  gboolean root_done = FALSE;

  while (!root_done || scan->depth > 0)
    {
      guint8 token;
      gboolean ok = TRUE;
      gsize length = 0;

      if (scan->estimate > limits->max_size)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                       _("The WBXML document would be larger than %" G_GSIZE_FORMAT
                         " bytes as XML"), limits->max_size);
          return FALSE;
        }

      if (!scan_byte (scan, &token))
        return scan_fail (error);

      if (token == TOKEN_SWITCH_PAGE)
        {
          ok = scan_byte (scan, &token);
        }
      else if (token == TOKEN_END)
        {
          if (scan->depth == 0)
            return scan_fail (error);
          if (--scan->depth == 0)
            root_done = TRUE;
        }
      else if (scan->depth > 0 && scan_text_token (scan, token, FALSE, &ok))
        ;
      else if ((token & 0x3F) == TOKEN_LITERAL || (token & 0x3F) >= 0x05)
        {
          /* A tag: from the code page, or LITERAL with its name in the table. */
          if ((token & 0x3F) == TOKEN_LITERAL)
            ok = scan_table_string (scan, &length);
          scan->estimate += 2 * length + XML_TAG_COST;

          if (ok && ++scan->elements > limits->max_elements)
            {
              g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                           _("The document has more than %u elements"), limits->max_elements);
              return FALSE;
            }
          if (ok && (token & TAG_HAS_ATTRIBUTES) && !scan_attributes (scan, error))
            return FALSE;
          if (ok && (token & TAG_HAS_CONTENT))
            {
              if (++scan->depth > limits->max_depth)
                {
                  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                               _("The document nests elements deeper than %u"), limits->max_depth);
                  return FALSE;
                }
            }
          else if (ok && scan->depth == 0)
            root_done = TRUE;
        }
      else
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("The WBXML document uses token 0x%02X, which neither SyncML nor "
                         "provisioning documents use"), token);
          return FALSE;
        }

      if (!ok)
        return scan_fail (error);
    }

  if (scan->at != scan->length)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document has data after its root element"));
      return FALSE;
    }

  return TRUE;
}

/* Checks the header and walks the body; see the top of this file. */
static gboolean
scan_document (const char  *data,
               gsize        length,
               guint       *version,
               guint       *public_id,
               GError     **error)
{
  Email2XmlLimits limits;
  Scan scan = { (const guint8 *) data, length, 0, NULL, 0, 0, 0, XML_HEADER_COST };
  guint8 byte;
  guint32 id, charset, strings_length;

  email2_xml_limits_init (&limits);

  if (length > EMAIL2_WBXML_MAX_SIZE)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The WBXML document is larger than %d bytes"), EMAIL2_WBXML_MAX_SIZE);
      return FALSE;
    }

  if (!scan_byte (&scan, &byte) || !scan_mb (&scan, &id))
    return scan_fail (error);
  if (byte < 0x01 || byte > 0x03)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("WBXML version %u.%u is not supported (1.1 to 1.3 are)"),
                   1 + (byte >> 4), byte & 0x0F);
      return FALSE;
    }
  if (id != EMAIL2_WBXML_PUBLIC_ID_SYNCML12 && id != EMAIL2_WBXML_PUBLIC_ID_SYNCML11 &&
      id != EMAIL2_WBXML_PUBLIC_ID_PROV10)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document is neither SyncML 1.1 or 1.2 nor an OMA provisioning "
                     "document (public identifier 0x%X)"), id);
      return FALSE;
    }

  if (!scan_mb (&scan, &charset) || !scan_mb (&scan, &strings_length) ||
      strings_length > length - scan.at)
    return scan_fail (error);
  /* 106 UTF-8, 3 US-ASCII, 0 not given */
  if (charset != 106 && charset != 3 && charset != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The WBXML document's character set (MIBenum %u) is not UTF-8"), charset);
      return FALSE;
    }
  scan.strings = scan.data + scan.at;
  scan.strings_length = strings_length;
  scan.at += strings_length;

  if (!scan_body (&scan, &limits, error))
    return FALSE;

  *version = byte;
  *public_id = id;
  return TRUE;
}

#ifdef HAVE_WBXML
static void
wbxml_error (GError     **error,
             WBXMLError   code)
{
  g_debug ("libwbxml2: %s", (const char *) wbxml_errors_string (code));
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
               _("The WBXML document cannot be decoded"));
}

/* libwbxml2's buffers come from malloc (); they may hold a password. */
static void
wbxml_buffer_free (WB_UTINY *buffer,
                   gsize     length)
{
  if (buffer != NULL)
    explicit_bzero (buffer, length);
  free (buffer);
}
#endif

#ifdef HAVE_WBXML
/* Skips the `<?xml …?>` and the `<!DOCTYPE …>` libwbxml2 writes from its
 * tables, and the blanks after them. */
static gsize
skip_generated_prolog (const char *xml,
                       gsize       length)
{
  gsize at = 0;
  const char *end;

  while (at < length && g_ascii_isspace (xml[at]))
    at++;
  if (length - at >= 5 && memcmp (xml + at, "<?xml", 5) == 0 &&
      (end = memchr (xml + at, '>', length - at)) != NULL)
    at = end - xml + 1;
  while (at < length && g_ascii_isspace (xml[at]))
    at++;
  if (length - at >= 9 && memcmp (xml + at, "<!DOCTYPE", 9) == 0 &&
      (end = memchr (xml + at, '>', length - at)) != NULL)
    at = end - xml + 1;
  while (at < length && g_ascii_isspace (xml[at]))
    at++;

  return at;
}
#endif

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
 * (PROV 1.0), after checking it (see the top of this file). The XML has
 * no prolog and no DOCTYPE; read it with the hardened reader.
 *
 * Returns: (transfer full) (nullable): the XML, NUL-terminated, or %NULL
 *   with @error set (%EMAIL2_ERROR_INVALID_INPUT, %EMAIL2_ERROR_LIMIT,
 *   %EMAIL2_ERROR_NOT_SUPPORTED when built without WBXML)
 */
char *
email2_wbxml_to_xml (const char  *data,
                     gsize        length,
                     guint       *version,
                     guint       *public_id,
                     gsize       *xml_length,
                     GError     **error)
{
#ifdef HAVE_WBXML
  WBXMLConvWBXML2XML *conv = NULL;
  WB_UTINY *xml = NULL;
  WB_ULONG xml_len = 0;
  WBXMLError code;
  guint doc_version = 0, doc_id = 0;
  gsize skip;
  char *result;

  if (!scan_document (data, length, &doc_version, &doc_id, error))
    return NULL;

  code = wbxml_conv_wbxml2xml_create (&conv);
  if (code != WBXML_OK)
    {
      wbxml_error (error, code);
      return NULL;
    }
  wbxml_conv_wbxml2xml_set_gen_type (conv, WBXML_GEN_XML_COMPACT);
  wbxml_conv_wbxml2xml_enable_preserve_whitespaces (conv);
  code = wbxml_conv_wbxml2xml_run (conv, (WB_UTINY *) data, length, &xml, &xml_len);
  wbxml_conv_wbxml2xml_destroy (conv);

  if (code != WBXML_OK || xml == NULL)
    {
      wbxml_buffer_free (xml, xml_len);
      wbxml_error (error, code != WBXML_OK ? code : WBXML_ERROR_INTERNAL);
      return NULL;
    }

  if (xml_len > EMAIL2_XML_DEFAULT_MAX_SIZE)
    {
      wbxml_buffer_free (xml, xml_len);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The WBXML document would be larger than %" G_GSIZE_FORMAT
                     " bytes as XML"), (gsize) EMAIL2_XML_DEFAULT_MAX_SIZE);
      return NULL;
    }

  skip = skip_generated_prolog ((const char *) xml, xml_len);
  result = g_strndup ((const char *) xml + skip, xml_len - skip);
  *xml_length = xml_len - skip;
  wbxml_buffer_free (xml, xml_len);

  if (version != NULL)
    *version = doc_version;
  if (public_id != NULL)
    *public_id = doc_id;

  return result;
#else
  guint doc_version = 0, doc_id = 0;

  /* Still refuse what is malformed for what it is. */
  if (scan_document (data, length, &doc_version, &doc_id, error))
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_SUPPORTED,
                 _("This build of email2 does not read WBXML; send the payload as XML"));
  return NULL;
#endif
}

#ifdef HAVE_WBXML
/* Re-writes an answer without the blanks between elements (WBXML keeps
 * every text, and trims none of the values when they are kept exact). */
typedef struct {
  xmlTextWriterPtr writer;
  GString *text;
  GPtrArray *namespaces;  /* of the open elements */
} Compact;

static void
compact_flush_text (Compact *compact)
{
  gboolean blank = TRUE;

  for (gsize i = 0; i < compact->text->len && blank; i++)
    blank = g_ascii_isspace (compact->text->str[i]);

  if (!blank)
    xmlTextWriterWriteString (compact->writer, BAD_CAST compact->text->str);
  explicit_bzero (compact->text->str, compact->text->len);
  g_string_truncate (compact->text, 0);
}

static gboolean
compact_start (gpointer            user_data,
               const char         *name,
               const char         *ns,
               const char * const *attributes,
               GError            **error)
{
  Compact *compact = user_data;
  const char *parent_ns = NULL;

  compact_flush_text (compact);

  if (compact->namespaces->len > 0)
    parent_ns = compact->namespaces->pdata[compact->namespaces->len - 1];

  xmlTextWriterStartElement (compact->writer, BAD_CAST name);
  if (ns != NULL && g_strcmp0 (ns, parent_ns) != 0)
    xmlTextWriterWriteAttribute (compact->writer, BAD_CAST "xmlns", BAD_CAST ns);
  for (guint i = 0; attributes[i] != NULL; i += 2)
    xmlTextWriterWriteAttribute (compact->writer, BAD_CAST attributes[i], BAD_CAST attributes[i + 1]);
  g_ptr_array_add (compact->namespaces, g_strdup (ns));

  return TRUE;
}

static void
compact_end (gpointer user_data)
{
  Compact *compact = user_data;

  compact_flush_text (compact);
  xmlTextWriterEndElement (compact->writer);
  g_ptr_array_remove_index (compact->namespaces, compact->namespaces->len - 1);
}

static void
compact_text (gpointer    user_data,
              const char *text,
              gsize       length)
{
  Compact *compact = user_data;

  g_string_append_len (compact->text, text, length);
}
#endif

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
 * language's tables lack go in the string table, and the values are kept
 * exactly.
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
#ifdef HAVE_WBXML
  static const Email2XmlHandler handler = { compact_start, compact_end, compact_text };
  Compact compact = { NULL, };
  xmlBufferPtr buffer;
  g_autofree char *compacted = NULL;
  WBXMLConvXML2WBXML *conv = NULL;
  WB_UTINY *wbxml = NULL;
  WB_ULONG wbxml_len = 0;
  WBXMLError code;
  gboolean ok;
  char *result = NULL;

  /* The answer again, without the blanks between elements. */
  compact.writer = email2_xml_writer_new (FALSE, &buffer);
  compact.text = g_string_new (NULL);
  compact.namespaces = g_ptr_array_new_with_free_func (g_free);
  ok = email2_xml_parse (xml, xml_length, NULL, &handler, &compact, error);
  compacted = email2_xml_writer_finish (compact.writer, buffer);
  explicit_bzero (compact.text->str, compact.text->len);
  g_string_free (compact.text, TRUE);
  g_ptr_array_unref (compact.namespaces);

  if (ok)
    {
      code = wbxml_conv_xml2wbxml_create (&conv);
      if (code == WBXML_OK)
        {
          wbxml_conv_xml2wbxml_set_version (conv, version >= 0x01 && version <= 0x03
                                                  ? (WBXMLVersion) version : WBXML_VERSION_12);
          wbxml_conv_xml2wbxml_enable_preserve_whitespaces (conv);
          code = wbxml_conv_xml2wbxml_run (conv, (WB_UTINY *) compacted, strlen (compacted),
                                           &wbxml, &wbxml_len);
          wbxml_conv_xml2wbxml_destroy (conv);
        }
      if (code == WBXML_OK && wbxml != NULL)
        {
          result = g_memdup2 (wbxml, wbxml_len);
          *length = wbxml_len;
        }
      else
        {
          g_debug ("libwbxml2: %s", (const char *) wbxml_errors_string (code));
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                       _("The answer cannot be encoded as WBXML"));
        }
      wbxml_buffer_free (wbxml, wbxml_len);
    }

  explicit_bzero (compacted, strlen (compacted));

  return result;
#else
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_SUPPORTED,
               _("This build of email2 does not write WBXML"));
  return NULL;
#endif
}
