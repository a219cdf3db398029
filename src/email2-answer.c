/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * An answer being written, as XML text or as WBXML: the SyncML and CP
 * writers give it elements, attributes and text, and it writes them in
 * the request's encoding (docs/DESIGN.md §2.4). WBXML is encoded from the
 * writers' calls directly, not from XML text read again, so a WBXML answer
 * costs what an XML one costs. Both say the same: the WBXML answer is
 * byte for byte what encoding the XML answer gives (tests/test-wbxml.c
 * checks it over every example and real-world payload).
 *
 * XML goes through libxml2's writer, which escapes what XML needs escaped
 * (`&`, `<`, `>`, `"`; in attribute values also newline, tab and carriage
 * return, which would otherwise come back as spaces), indented two spaces
 * a level.
 */

#include "config.h"

#include <string.h>

#include <libxml/xmlwriter.h>

#include "email2-answer-private.h"
#include "email2-secure-private.h"
#include "email2-wbxml-private.h"

struct _Email2Answer {
  /* XML */
  xmlTextWriterPtr writer;
  xmlBufferPtr buffer;
  /* WBXML */
  Email2WbxmlEncoder *encoder;
  GError *error;          /* the encoder's first */
  /* each open element's namespace, given or inherited */
  GPtrArray *namespaces;
};

static Email2Answer *
answer_new (void)
{
  Email2Answer *answer = g_new0 (Email2Answer, 1);

  answer->namespaces = g_ptr_array_new ();
  return answer;
}

/**
 * email2_answer_new_xml:
 *
 * Starts an answer as XML text: UTF-8, with its declaration, indented.
 *
 * Returns: (transfer full): the answer; end it with email2_answer_finish()
 */
Email2Answer *
email2_answer_new_xml (void)
{
  Email2Answer *answer = answer_new ();

  email2_secure_init ();
  answer->buffer = xmlBufferCreate ();
  /* libxml2 2.9 grows a buffer by a few bytes at a time by default, and
   * email2_secure_init()'s realloc moves and wipes the whole block at
   * each growth (it must not free payload bytes unwiped): doubling keeps
   * writing an answer linear in its size. */
  xmlBufferSetAllocationScheme (answer->buffer, XML_BUFFER_ALLOC_DOUBLEIT);
  answer->writer = xmlNewTextWriterMemory (answer->buffer, 0);
  if (answer->writer == NULL)
    g_error ("%s: out of memory", G_STRFUNC);

  xmlTextWriterSetIndent (answer->writer, 1);
  xmlTextWriterSetIndentString (answer->writer, BAD_CAST "  ");
  xmlTextWriterStartDocument (answer->writer, NULL, "UTF-8", NULL);

  return answer;
}

/**
 * email2_answer_new_wbxml:
 *
 * Starts an answer as WBXML: the public identifier comes from the root
 * element and its namespace (SyncML 1.1 or 1.2, PROV 1.0).
 *
 * Returns: (transfer full): the answer; end it with email2_answer_finish()
 */
Email2Answer *
email2_answer_new_wbxml (void)
{
  Email2Answer *answer = answer_new ();

  answer->encoder = email2_wbxml_encoder_new ();
  return answer;
}

/**
 * email2_answer_start:
 * @answer: an answer
 * @name: an element's name
 * @ns: (nullable): the namespace it declares, %NULL for its parent's
 * @attributes: its attributes, name, value, …, %NULL
 *
 * Opens an element.
 */
void
email2_answer_start (Email2Answer       *answer,
                     const char         *name,
                     const char         *ns,
                     const char * const *attributes)
{
  GPtrArray *namespaces = answer->namespaces;
  const char *inherited = namespaces->len > 0 ? namespaces->pdata[namespaces->len - 1] : NULL;

  g_ptr_array_add (namespaces, (gpointer) (ns != NULL ? ns : inherited));

  if (answer->writer != NULL)
    {
      xmlTextWriterStartElement (answer->writer, BAD_CAST name);
      if (ns != NULL)
        xmlTextWriterWriteAttribute (answer->writer, BAD_CAST "xmlns", BAD_CAST ns);
      for (guint i = 0; attributes[i] != NULL; i += 2)
        xmlTextWriterWriteAttribute (answer->writer, BAD_CAST attributes[i],
                                     BAD_CAST attributes[i + 1]);
    }
  else if (answer->error == NULL)
    email2_wbxml_encoder_handler.start_element (answer->encoder, name,
                                                namespaces->pdata[namespaces->len - 1],
                                                attributes, &answer->error);
}

/**
 * email2_answer_text:
 * @answer: an answer
 * @text: text of the open element
 */
void
email2_answer_text (Email2Answer *answer,
                    const char   *text)
{
  if (answer->writer != NULL)
    xmlTextWriterWriteString (answer->writer, BAD_CAST text);
  else if (answer->error == NULL)
    email2_wbxml_encoder_handler.text (answer->encoder, text, strlen (text));
}

/**
 * email2_answer_end:
 * @answer: an answer
 *
 * Closes the element opened last.
 */
void
email2_answer_end (Email2Answer *answer)
{
  g_ptr_array_set_size (answer->namespaces, answer->namespaces->len - 1);

  if (answer->writer != NULL)
    xmlTextWriterEndElement (answer->writer);
  else if (answer->error == NULL)
    email2_wbxml_encoder_handler.end_element (answer->encoder);
}

/**
 * email2_answer_element:
 * @answer: an answer
 * @name: an element's name
 * @text: (nullable): its text, %NULL for none
 *
 * Writes `<name>text</name>`.
 */
void
email2_answer_element (Email2Answer *answer,
                       const char   *name,
                       const char   *text)
{
  static const char * const none[] = { NULL };

  email2_answer_start (answer, name, NULL, none);
  email2_answer_text (answer, text != NULL ? text : "");
  email2_answer_end (answer);
}

/**
 * email2_answer_finish:
 * @answer: (transfer full): an answer whose root element is closed
 * @wbxml_version: for WBXML, the version byte to write (the request's)
 * @length: (out): the answer's length in bytes
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL when it could
 *   not be encoded as WBXML
 */
char *
email2_answer_finish (Email2Answer  *answer,
                      guint          wbxml_version,
                      gsize         *length,
                      GError       **error)
{
  char *document;

  if (answer->writer != NULL)
    {
      xmlTextWriterEndDocument (answer->writer);
      xmlFreeTextWriter (answer->writer);

      /* The buffer's memory becomes the document, without a second copy
       * of a large answer: libxml2 allocates with malloc
       * (email2_secure_init() puts only a wiping free and realloc around
       * it), which g_free releases. */
      document = (char *) xmlBufferDetach (answer->buffer);
      xmlBufferFree (answer->buffer);
      *length = strlen (document);
    }
  else if (answer->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&answer->error));
      email2_wbxml_encoder_free (answer->encoder);
      document = NULL;
    }
  else
    document = email2_wbxml_encoder_finish (answer->encoder, wbxml_version, length, error);

  g_ptr_array_unref (answer->namespaces);
  g_free (answer);
  return document;
}
