/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Fuzz target: the probe's line handlers (email2-probe-dialect.c). The
 * first byte picks the protocol, the step, TLS required and TLS active;
 * the rest is server lines, split at '\n' as the leg splits them (a
 * trailing '\r' removed, lines with a NUL refused before the handler,
 * as the leg does). The handler is fed until it says something other
 * than "more"; then the step moves on as the leg would.
 */

#include "config.h"

#include <string.h>

#include "email2-probe-dialect-private.h"
#include "fuzz-common.h"

void
fuzz_one (const uint8_t *data,
          size_t         size)
{
  const Email2ProbeDialect *dialect;
  Email2ProbeLineState state;
  const char *at, *end;
  guint8 mode;

  if (size < 1)
    return;
  mode = data[0];
  dialect = email2_probe_dialect (mode % 3);
  email2_probe_line_state_init (&state, "fuzz.example", 1, (mode & 0x10) != 0);
  state.tls_active = (mode & 0x20) != 0;
  email2_probe_line_state_expect (&state, (mode >> 2) % 3, (mode & 0x40) ? "C1" : "S1");

  at = (const char *) data + 1;
  end = (const char *) data + size;
  while (at < end)
    {
      const char *nl = memchr (at, '\n', end - at);
      gsize len = (nl != NULL ? nl : end) - at;
      g_autofree char *line = g_strndup (at, len);
      g_autoptr(GError) error = NULL;
      Email2ProbeVerdict verdict;

      at += len + 1;
      if (strlen (line) != len)
        continue;
      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';

      verdict = dialect->line (&state, line, &error);
      g_assert_true ((verdict == EMAIL2_PROBE_VERDICT_FAILED) == (error != NULL));
      g_assert_cmpuint (state.caps->len, <=, EMAIL2_PROBE_MAX_CAPABILITIES);
      if (verdict == EMAIL2_PROBE_VERDICT_FAILED)
        break;
      if (verdict == EMAIL2_PROBE_VERDICT_GREETED)
        email2_probe_line_state_expect (&state, EMAIL2_PROBE_STEP_CAPABILITIES, "C1");
      else if (verdict == EMAIL2_PROBE_VERDICT_CAPABILITIES)
        {
          g_auto(GStrv) mechs = email2_probe_caps_mechanisms (dialect->protocol, state.caps);

          if (email2_probe_caps_offer_starttls (dialect, state.caps))
            email2_probe_line_state_expect (&state, EMAIL2_PROBE_STEP_STARTTLS, "S1");
        }
      else if (verdict == EMAIL2_PROBE_VERDICT_STARTTLS)
        {
          state.tls_active = TRUE;
          email2_probe_line_state_reset_caps (&state);
          email2_probe_line_state_expect (&state, EMAIL2_PROBE_STEP_CAPABILITIES, "C2");
        }
    }

  email2_probe_line_state_clear (&state);
}
