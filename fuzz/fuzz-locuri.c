/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Fuzz target: LocURI parsing and GUID canonicalization. A URI that
 * parses names an account whose GUID is canonical, and that GUID's URI
 * segment parses back to the same account.
 */

#include "config.h"

#include <string.h>

#include "email2-locuri.h"
#include "fuzz-common.h"

void
fuzz_one (const uint8_t *data,
          size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  char guid[EMAIL2_GUID_SIZE];
  Email2Path path;

  if (email2_locuri_parse (text, &path, &error) && path.guid[0] != '\0')
    {
      g_autofree char *segment = email2_guid_to_uri_segment (path.guid);
      g_autofree char *uri = g_strconcat ("./Vendor/MSFT/EMAIL2/", segment, NULL);
      Email2Path again;

      g_assert_true (email2_guid_canonicalize (path.guid, guid));
      g_assert_cmpstr (guid, ==, path.guid);
      g_assert_true (email2_locuri_parse (uri, &again, NULL));
      g_assert_cmpstr (again.guid, ==, path.guid);
    }
  if (email2_guid_canonicalize (text, guid))
    g_assert_true (strlen (guid) == EMAIL2_GUID_SIZE - 1);
}
