/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Fuzz target: the WBXML decoder; what it decodes goes the whole way (the
 * readers, the engine on an empty in-memory host, the answer written as
 * WBXML and decoded again), the WBXML answer is what encoding the XML
 * answer gives, and the same document written out as XML must be accepted
 * or refused by the XML reader alike.
 */

#include "config.h"

#include <string.h>

#include "email2-error.h"
#include "email2-memory-host.h"
#include "email2-payload.h"
#include "email2-payload-private.h"
#include "email2-wbxml.h"
#include "fuzz-common.h"

void
fuzz_one (const uint8_t *data,
          size_t         size)
{
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) xml_error = NULL;
  g_autoptr(Email2Payload) payload = NULL;
  gsize xml_length = 0;

  payload = email2_payload_parse ((const char *) data, size, EMAIL2_FORMAT_AUTO, &error);

  /* The decoder streams to the readers directly; written out as XML, the
   * same document reads the same way through the XML reader. */
  xml = email2_wbxml_to_xml ((const char *) data, size, NULL, NULL, &xml_length, &xml_error);
  if (xml != NULL)
    {
      g_autoptr(Email2Payload) from_xml = email2_payload_parse (xml, xml_length,
                                                                 EMAIL2_FORMAT_AUTO, NULL);

      g_assert_true ((payload != NULL) == (from_xml != NULL));
    }
  else
    /* the XML written out may be refused for its size alone: escaping
     * (`&quot;`) makes it longer than the decoder's count */
    g_assert_true (payload == NULL ||
                   g_error_matches (xml_error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT));

  if (payload != NULL)
    {
      g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
      g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
      g_autofree char *answer = NULL;
      g_autofree char *back = NULL;
      g_autofree char *direct = NULL;
      g_autofree char *xml_answer = NULL;
      g_autofree char *encoded = NULL;
      gsize length = 0, back_length = 0, direct_length = 0;
      gsize xml_answer_length = 0, encoded_length = 0;

      email2_payload_process (payload, session);
      answer = email2_payload_write_response (payload, &length, &error);
      /* email2's own answers always decode */
      g_assert_true (answer != NULL);
      back = email2_wbxml_to_xml (answer, length, NULL, NULL, &back_length, &error);
      g_assert_true (back != NULL);

      /* Written directly, the WBXML answer is the XML answer encoded
       * (when the XML reader takes that: its bounds are a request's, and
       * an answer may be larger). */
      direct = email2_payload_write_answer (payload, EMAIL2_ENCODING_WBXML, &direct_length, NULL);
      xml_answer = email2_payload_write_answer (payload, EMAIL2_ENCODING_XML, &xml_answer_length,
                                                NULL);
      encoded = email2_wbxml_from_xml (xml_answer, xml_answer_length,
                                       email2_wbxml_detect ((const char *) data, size) ? data[0] : 0x02,
                                       &encoded_length, NULL);
      g_assert_true (direct != NULL);
      g_assert_true (encoded == NULL ||
                     (encoded_length == direct_length &&
                      memcmp (encoded, direct, direct_length) == 0));
    }
}
