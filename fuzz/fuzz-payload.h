/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What the SyncML and CP targets share: the hardened reader for one
 * format, then the engine and the answer on an empty in-memory host.
 */

#pragma once

#include "email2-memory-host.h"
#include "email2-payload.h"
#include "fuzz-common.h"

static inline void
fuzz_payload (const uint8_t *data,
              size_t         size,
              Email2Format   format)
{
  g_autoptr(Email2Payload) payload = NULL;
  g_autoptr(GError) error = NULL;

  payload = email2_payload_parse ((const char *) data, size, format, &error);
  if (payload != NULL)
    {
      g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
      g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
      g_autofree char *answer = NULL;
      gsize length = 0;

      email2_payload_process (payload, session);
      answer = email2_payload_write_response (payload, &length, &error);
    }
}
