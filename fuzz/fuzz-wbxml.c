/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Fuzz target: the WBXML decoder; what it decodes goes the whole way (the
 * readers, the engine on an empty in-memory host, the answer encoded as
 * WBXML and decoded again), and the same document written out as XML must
 * be accepted or refused by the XML reader alike.
 */

#include "config.h"

#include "email2-error.h"
#include "email2-memory-host.h"
#include "email2-payload.h"
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
      gsize length = 0, back_length = 0;

      email2_payload_process (payload, session);
      answer = email2_payload_write_response (payload, &length, &error);
      /* email2's own answers always decode */
      g_assert_true (answer != NULL);
      back = email2_wbxml_to_xml (answer, length, NULL, NULL, &back_length, &error);
      g_assert_true (back != NULL);
    }
}
