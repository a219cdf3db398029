/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Fuzz target: the SyncML DM reader, then the engine and the answer on an
 * empty in-memory host.
 */

#include "config.h"

#include "fuzz-payload.h"

void
fuzz_one (const uint8_t *data,
          size_t         size)
{
  fuzz_payload (data, size, EMAIL2_FORMAT_SYNCML);
}
