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
 *  - the attributes of one element are bounded, counted in one pass over
 *    the text before libxml2 reads it: libxml2 compares each attribute of
 *    a start tag with every earlier one, so one tag with 100,000 attributes
 *    would cost seconds (quadratic) before any callback could stop it;
 *  - NUL bytes and invalid UTF-8 are refused.
 * The document is streamed to the reader's handler (SAX): no tree is built.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "email2-error.h"
#include "email2-secure-private.h"
#include "email2-xml-private.h"

typedef enum {
  VERDICT_OK,
  VERDICT_DOCTYPE,
  VERDICT_TOO_DEEP,
  VERDICT_TOO_MANY,
  VERDICT_TOO_MANY_ATTRIBUTES,
  VERDICT_HANDLER,
} Verdict;

typedef struct {
  const Email2XmlLimits *limits;
  const Email2XmlHandler *handler;
  gpointer user_data;
  guint depth;
  guint elements;
  Verdict verdict;
  GError *error;      /* the handler's, for VERDICT_HANDLER */
  GString *values;    /* the open start tag's attribute values, wiped after */
  gsize *starts;      /* where each value starts in @values */
  const char **pairs; /* name, value, …, NULL for the handler */
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
  limits->max_attributes = EMAIL2_XML_DEFAULT_MAX_ATTRIBUTES;
}

/* Where @needle starts in [@at, @end), or @end (the document has no NUL). */
static const char *
find (const char *at,
      const char *end,
      const char *needle)
{
  const char *found = g_strstr_len (at, end - at, needle);

  return found != NULL ? found : end;
}

/* The most attributes (an upper bound: every '=' outside quoted values) on
 * one start tag of @data, in one linear pass. Comments, CDATA sections and
 * processing instructions are skipped; the pass ends at a DOCTYPE, which
 * the parser refuses before reading past it. What is malformed is left to
 * the parser. */
static guint
most_attributes (const char *data,
                 gsize       length)
{
  const char *at = data;
  const char *end = data + length;
  guint most = 0;

  while (at < end)
    {
      guint count = 0;

      /* markup often follows markup: memchr() only over text */
      if (*at != '<' && (at = memchr (at, '<', end - at)) == NULL)
        break;
      at++;
      if (at == end)
        break;
      /* most tags are neither: one comparison for them */
      if (G_UNLIKELY (*at == '!' || *at == '?'))
        {
          if (end - at >= 3 && memcmp (at, "!--", 3) == 0)
            at = find (at + 3, end, "-->");
          else if (end - at >= 8 && memcmp (at, "![CDATA[", 8) == 0)
            at = find (at + 8, end, "]]>");
          else if (*at == '?')
            at = find (at + 1, end, "?>");
          else
            break;
        }
      else if (*at == '/')
        {
          /* an end tag has no attributes, nor quotes when well-formed */
          while (at < end && *at != '>')
            at++;
        }
      else
        {
          while (at < end && *at != '>')
            {
              if (*at == '"' || *at == '\'')
                {
                  const char *close = memchr (at + 1, *at, end - at - 1);

                  at = close != NULL ? close : end;
                }
              else if (*at == '=')
                count++;
              if (at < end)
                at++;
            }
          most = MAX (most, count);
        }
      /* past the '>' (or into what ended a comment, CDATA or PI) */
      if (at < end)
        at++;
    }

  return most;
}

static void
guard_stop (xmlParserCtxtPtr ctxt,
            Verdict          verdict)
{
  Guard *guard = ctxt->_private;

  if (guard->verdict == VERDICT_OK)
    guard->verdict = verdict;
  xmlStopParser (ctxt);
}

/* Called at <!DOCTYPE, before any internal subset is read. */
static void
guard_internal_subset (void          *ctx,
                       const xmlChar *name,
                       const xmlChar *external_id,
                       const xmlChar *system_id)
{
  guard_stop (ctx, VERDICT_DOCTYPE);
}

static void
guard_entity_decl (void          *ctx,
                   const xmlChar *name,
                   int            type,
                   const xmlChar *public_id,
                   const xmlChar *system_id,
                   xmlChar       *content)
{
  guard_stop (ctx, VERDICT_DOCTYPE);
}

static xmlParserInputPtr
guard_resolve_entity (void          *ctx,
                      const xmlChar *public_id,
                      const xmlChar *system_id)
{
  guard_stop (ctx, VERDICT_DOCTYPE);
  return NULL;
}

/* Without entity substitution (never turned on: see the top), libxml2
 * hands every '&' of an attribute value on as "&#38;", and nothing else
 * as '&': turning each "&#38;" back, left to right, gives the value,
 * appended to @values with its NUL. */
static void
attribute_value (GString    *values,
                 const char *value,
                 gsize       length)
{
  char *copy;
  gsize n = 0;

  /* grown by copy and wipe: the value may be a password */
  email2_secure_string_reserve (values, length + 1);
  copy = values->str + values->len;
  for (gsize i = 0; i < length; i++)
    {
      copy[n++] = value[i];
      if (value[i] == '&' && length - i >= 5 && memcmp (value + i, "&#38;", 5) == 0)
        i += 4;
    }
  copy[n] = '\0';
  g_string_set_size (values, values->len + n + 1);
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

  if (guard->verdict != VERDICT_OK)
    return;

  if (++guard->depth > guard->limits->max_depth)
    guard_stop (ctxt, VERDICT_TOO_DEEP);
  else if (++guard->elements > guard->limits->max_elements)
    guard_stop (ctxt, VERDICT_TOO_MANY);
  else if ((guint) n_attributes + (guint) n_namespaces > guard->limits->max_attributes)
    guard_stop (ctxt, VERDICT_TOO_MANY_ATTRIBUTES);
  else
    {
      /* libxml2 gives five pointers per attribute (local name, prefix, URI,
       * value start, value end); the handler gets name/value pairs with
       * NUL-terminated values, in one buffer (moved as it grows: the
       * pointers are made after). */
      static const char * const none[] = { NULL };
      const char * const *pairs = none;
      gboolean ok;

      if (n_attributes > 0)
        {
          g_string_truncate (guard->values, 0);
          for (int i = 0; i < n_attributes; i++)
            {
              const xmlChar *value = attributes[5 * i + 3];
              const xmlChar *end = attributes[5 * i + 4];

              guard->starts[i] = guard->values->len;
              attribute_value (guard->values, (const char *) value, end - value);
            }
          for (int i = 0; i < n_attributes; i++)
            {
              guard->pairs[2 * i] = (const char *) attributes[5 * i];
              guard->pairs[2 * i + 1] = guard->values->str + guard->starts[i];
            }
          guard->pairs[2 * n_attributes] = NULL;
          pairs = guard->pairs;
        }

      ok = guard->handler->start_element (guard->user_data, (const char *) localname,
                                          (const char *) uri, pairs, &guard->error);

      /* A value may be a password. */
      if (n_attributes > 0)
        explicit_bzero (guard->values->str, guard->values->len);

      if (!ok)
        guard_stop (ctxt, VERDICT_HANDLER);
    }
}

static void
guard_end_element (void          *ctx,
                   const xmlChar *localname,
                   const xmlChar *prefix,
                   const xmlChar *uri)
{
  xmlParserCtxtPtr ctxt = ctx;
  Guard *guard = ctxt->_private;

  if (guard->verdict != VERDICT_OK)
    return;

  guard->depth--;
  guard->handler->end_element (guard->user_data);
}

static void
guard_text (void          *ctx,
            const xmlChar *text,
            int            length)
{
  xmlParserCtxtPtr ctxt = ctx;
  Guard *guard = ctxt->_private;

  if (guard->verdict == VERDICT_OK)
    guard->handler->text (guard->user_data, (const char *) text, length);
}

static void
silent_error (void       *context,
              const char *format,
              ...)
{
}

/**
 * email2_xml_parse:
 * @data: the document
 * @length: its length in bytes
 * @limits: (nullable): bounds, %NULL for the defaults
 * @handler: what to do with the elements and text
 * @user_data: passed to @handler
 * @error: return location for a #GError
 *
 * Streams an untrusted XML document to @handler (see the top of this file
 * for what is refused).
 *
 * Returns: %TRUE when the whole document was read and is well-formed;
 *   otherwise @error is %EMAIL2_ERROR_INVALID_INPUT, %EMAIL2_ERROR_LIMIT or
 *   the handler's own error
 */
gboolean
email2_xml_parse (const char             *data,
                  gsize                   length,
                  const Email2XmlLimits  *limits,
                  const Email2XmlHandler *handler,
                  gpointer                user_data,
                  GError                **error)
{
  Email2XmlLimits defaults;
  Guard guard = { 0, };
  xmlParserCtxtPtr ctxt;
  xmlSAXHandler sax = { 0, };
  gboolean well_formed;
  g_autofree char *message = NULL;
  xmlGenericErrorFunc old_handler;
  void *old_context;

  email2_secure_init ();

  if (limits == NULL)
    {
      email2_xml_limits_init (&defaults);
      limits = &defaults;
    }

  if (length > limits->max_size || length > G_MAXINT)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document is larger than %zu bytes"),
                   limits->max_size);
      return FALSE;
    }

  if (length == 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT, _("The document is empty"));
      return FALSE;
    }

  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document contains a NUL byte"));
      return FALSE;
    }

  if (most_attributes (data, length) > limits->max_attributes)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document has an element with more than %u attributes"),
                   limits->max_attributes);
      return FALSE;
    }

  sax.initialized = XML_SAX2_MAGIC;
  sax.internalSubset = guard_internal_subset;
  sax.entityDecl = guard_entity_decl;
  sax.resolveEntity = guard_resolve_entity;
  sax.startElementNs = guard_start_element;
  sax.endElementNs = guard_end_element;
  sax.characters = guard_text;
  sax.cdataBlock = guard_text;

  ctxt = xmlCreateMemoryParserCtxt (data, (int) length);
  if (ctxt == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document cannot be read"));
      return FALSE;
    }

  memcpy (ctxt->sax, &sax, sizeof sax);
  ctxt->userData = ctxt;
  guard.values = g_string_sized_new (256);
  guard.starts = g_new (gsize, limits->max_attributes + 1);
  guard.pairs = g_new (const char *, 2 * (gsize) limits->max_attributes + 1);
  guard.limits = limits;
  guard.handler = handler;
  guard.user_data = user_data;
  ctxt->_private = &guard;
  xmlCtxtUseOptions (ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

  /* libxml2 2.9 reports encoding conversion errors through its generic
   * error function, to stderr, whatever the parser options: a payload
   * would write into the registry's log. Silenced on this thread while
   * the document is read; the verdict below says what was wrong. */
  old_handler = xmlGenericError;
  old_context = xmlGenericErrorContext;
  xmlSetGenericErrorFunc (NULL, silent_error);
  xmlParseDocument (ctxt);
  xmlSetGenericErrorFunc (old_context, old_handler);
  email2_secure_wipe_stack ();

  well_formed = ctxt->wellFormed && guard.verdict == VERDICT_OK;
  if (!well_formed)
    {
      /* Only what libxml2 says before a colon or a line break: after them
       * it may quote payload bytes (an entity's name, the next line), and
       * a payload byte may be a password. */
      const char *detail = ctxt->lastError.message != NULL ? ctxt->lastError.message : "?";
      g_autofree char *line = g_strndup (detail, strcspn (detail, ":\n"));

      message = g_strdup_printf ("%s (line %d)", g_strstrip (line), ctxt->lastError.line);
    }
  xmlFreeParserCtxt (ctxt);
  explicit_bzero (guard.values->str, guard.values->allocated_len);
  g_string_free (guard.values, TRUE);
  g_free (guard.starts);
  g_free (guard.pairs);

  switch (well_formed ? VERDICT_OK : guard.verdict)
    {
    case VERDICT_OK:
      if (well_formed)
        return TRUE;
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document is not well-formed XML: %s"), message);
      break;
    case VERDICT_DOCTYPE:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("Document type declarations (DOCTYPE) are not accepted"));
      break;
    case VERDICT_TOO_DEEP:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document nests elements deeper than %u"), limits->max_depth);
      break;
    case VERDICT_TOO_MANY:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document has more than %u elements"), limits->max_elements);
      break;
    case VERDICT_TOO_MANY_ATTRIBUTES:
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document has an element with more than %u attributes"),
                   limits->max_attributes);
      break;
    case VERDICT_HANDLER:
    default:
      g_propagate_error (error, g_steal_pointer (&guard.error));
      break;
    }

  g_clear_error (&guard.error);
  return FALSE;
}
