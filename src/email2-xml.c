/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Hardened XML reading for every payload format. Payloads come from a
 * management server over the network and are untrusted:
 *  - a DOCTYPE stops the parser before its internal subset is read, so no
 *    entity is ever declared, expanded or loaded (XXE, billion laughs);
 *  - no network access, no external DTD, no XInclude;
 *  - the document size, element depth and element count are bounded, and
 *    the bounds are checked while parsing, not after;
 *  - NUL bytes and invalid UTF-8 are refused.
 * Payload text may hold passwords: the tree is overwritten before it is
 * freed.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "email2-error.h"
#include "email2-xml-private.h"

typedef enum {
  GUARD_OK,
  GUARD_DOCTYPE,
  GUARD_TOO_DEEP,
  GUARD_TOO_MANY,
} GuardVerdict;

typedef struct {
  const Email2XmlLimits *limits;
  guint depth;
  guint elements;
  GuardVerdict verdict;
} Guard;

/**
 * email2_xml_limits_init:
 * @limits: (out caller-allocates): limits to fill in
 *
 * Sets the documented default limits.
 */
void
email2_xml_limits_init (Email2XmlLimits *limits)
{
  limits->max_size = EMAIL2_XML_DEFAULT_MAX_SIZE;
  limits->max_depth = EMAIL2_XML_DEFAULT_MAX_DEPTH;
  limits->max_elements = EMAIL2_XML_DEFAULT_MAX_ELEMENTS;
}

static void
guard_stop (xmlParserCtxtPtr ctxt,
            GuardVerdict     verdict)
{
  Guard *guard = ctxt->_private;

  if (guard->verdict == GUARD_OK)
    guard->verdict = verdict;
  xmlStopParser (ctxt);
}

static void
guard_internal_subset (void          *ctx,
                       const xmlChar *name,
                       const xmlChar *external_id,
                       const xmlChar *system_id)
{
  guard_stop (ctx, GUARD_DOCTYPE);
}

static void
guard_entity_decl (void          *ctx,
                   const xmlChar *name,
                   int            type,
                   const xmlChar *public_id,
                   const xmlChar *system_id,
                   xmlChar       *content)
{
  guard_stop (ctx, GUARD_DOCTYPE);
}

static xmlParserInputPtr
guard_resolve_entity (void          *ctx,
                      const xmlChar *public_id,
                      const xmlChar *system_id)
{
  guard_stop (ctx, GUARD_DOCTYPE);
  return NULL;
}

static void
guard_start_element (void           *ctx,
                     const xmlChar  *localname,
                     const xmlChar  *prefix,
                     const xmlChar  *uri,
                     int             n_namespaces,
                     const xmlChar **namespaces,
                     int             n_attributes,
                     int             n_defaulted,
                     const xmlChar **attributes)
{
  xmlParserCtxtPtr ctxt = ctx;
  Guard *guard = ctxt->_private;

  if (++guard->depth > guard->limits->max_depth)
    {
      guard_stop (ctxt, GUARD_TOO_DEEP);
      return;
    }
  if (++guard->elements > guard->limits->max_elements)
    {
      guard_stop (ctxt, GUARD_TOO_MANY);
      return;
    }

  xmlSAX2StartElementNs (ctx, localname, prefix, uri, n_namespaces, namespaces,
                         n_attributes, n_defaulted, attributes);
}

static void
guard_end_element (void          *ctx,
                   const xmlChar *localname,
                   const xmlChar *prefix,
                   const xmlChar *uri)
{
  xmlParserCtxtPtr ctxt = ctx;
  Guard *guard = ctxt->_private;

  guard->depth--;
  xmlSAX2EndElementNs (ctx, localname, prefix, uri);
}

/**
 * email2_xml_parse:
 * @data: the document
 * @length: its length in bytes
 * @limits: (nullable): bounds, %NULL for the defaults
 * @error: return location for a #GError
 *
 * Reads an untrusted XML document (see the top of this file for what is
 * refused).
 *
 * Returns: (transfer full) (nullable): the document; free it with
 *   email2_xml_free_wiped()
 */
xmlDoc *
email2_xml_parse (const char             *data,
                  gsize                   length,
                  const Email2XmlLimits  *limits,
                  GError                **error)
{
  Email2XmlLimits defaults;
  Guard guard = { 0, };
  xmlParserCtxtPtr ctxt;
  xmlDoc *doc;
  gboolean well_formed;
  g_autofree char *message = NULL;

  if (limits == NULL)
    {
      email2_xml_limits_init (&defaults);
      limits = &defaults;
    }

  if (length > limits->max_size || length > G_MAXINT)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document is larger than %" G_GSIZE_FORMAT " bytes"),
                   limits->max_size);
      return NULL;
    }

  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document contains a NUL byte"));
      return NULL;
    }

  ctxt = xmlCreateMemoryParserCtxt (data, (int) length);
  if (ctxt == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document cannot be read"));
      return NULL;
    }

  guard.limits = limits;
  ctxt->_private = &guard;
  ctxt->sax->internalSubset = guard_internal_subset;
  ctxt->sax->externalSubset = NULL;
  ctxt->sax->entityDecl = guard_entity_decl;
  ctxt->sax->resolveEntity = guard_resolve_entity;
  ctxt->sax->startElementNs = guard_start_element;
  ctxt->sax->endElementNs = guard_end_element;
  xmlCtxtUseOptions (ctxt, XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

  xmlParseDocument (ctxt);

  well_formed = ctxt->wellFormed && guard.verdict == GUARD_OK;
  doc = g_steal_pointer (&ctxt->myDoc);
  if (!well_formed)
    {
      g_autofree char *detail = g_strdup (ctxt->lastError.message != NULL
                                          ? ctxt->lastError.message : "?");

      message = g_strdup_printf ("%s (line %d)", g_strstrip (detail), ctxt->lastError.line);
    }
  xmlFreeParserCtxt (ctxt);

  if (well_formed)
    return doc;

  email2_xml_free_wiped (doc);

  switch (guard.verdict)
    {
    case GUARD_DOCTYPE:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("Document type declarations (DOCTYPE) are not accepted"));
      break;
    case GUARD_TOO_DEEP:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document nests elements deeper than %u"), limits->max_depth);
      break;
    case GUARD_TOO_MANY:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document has more than %u elements"), limits->max_elements);
      break;
    case GUARD_OK:
    default:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document is not well-formed XML: %s"), message);
      break;
    }

  return NULL;
}

static void
wipe_node (xmlNode *node,
           xmlDict *dict)
{
  for (; node != NULL; node = node->next)
    {
      if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) &&
          node->content != NULL &&
          node->content != (xmlChar *) &node->properties &&
          (dict == NULL || !xmlDictOwns (dict, node->content)))
        explicit_bzero (node->content, strlen ((const char *) node->content));
      if (node->type == XML_ELEMENT_NODE)
        wipe_node (node->children, dict);
    }
}

/**
 * email2_xml_free_wiped:
 * @doc: (nullable): a document from email2_xml_parse()
 *
 * Overwrites the text of @doc (it may hold passwords), then frees it.
 */
void
email2_xml_free_wiped (xmlDoc *doc)
{
  if (doc == NULL)
    return;

  wipe_node (doc->children, doc->dict);
  xmlFreeDoc (doc);
}

/**
 * email2_xml_is:
 * @node: a node
 * @name: a local name
 *
 * Returns: whether @node is an element called @name, in any namespace
 */
gboolean
email2_xml_is (const xmlNode *node,
               const char    *name)
{
  return node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, name) == 0;
}

/**
 * email2_xml_text:
 * @node: an element
 * @strip: whether to remove leading and trailing white space
 * @markup: (out) (optional): set when @node holds elements or entity
 *   references besides text
 *
 * Returns: (transfer full): the text and CDATA content of @node
 */
char *
email2_xml_text (const xmlNode *node,
                 gboolean       strip,
                 gboolean      *markup)
{
  GString *text = g_string_new (NULL);

  if (markup != NULL)
    *markup = FALSE;

  for (const xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
        g_string_append (text, (const char *) child->content);
      else if (child->type != XML_COMMENT_NODE && child->type != XML_PI_NODE && markup != NULL)
        *markup = TRUE;
    }

  if (strip)
    g_strstrip (text->str);

  return g_string_free (text, FALSE);
}

/**
 * email2_xml_escape:
 * @out: where to append
 * @text: text
 *
 * Appends @text escaped for XML content and attribute values.
 */
void
email2_xml_escape (GString    *out,
                   const char *text)
{
  static const char special[] = "&<>\"\r";

  while (*text != '\0')
    {
      gsize plain = strcspn (text, special);

      g_string_append_len (out, text, plain);
      text += plain;

      switch (*text)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\r': g_string_append (out, "&#13;"); break;
        default: return;
        }
      text++;
    }
}
