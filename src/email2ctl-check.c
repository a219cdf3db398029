/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl check: what email2's registry module (its Check method) found
 * that interrupted transactions left behind, and with --repair what it
 * fixed (docs/DESIGN.md §3.8).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "email2ctl-check.h"
#include "email2ctl-private.h"

/**
 * email2ctl_check_print:
 * @findings: the Check call's a(ssssb)
 * @json: as JSON (docs/json.md), else one line per finding
 *
 * Returns: the exit status: 0 when nothing is left to fix, 1 otherwise
 */
int
email2ctl_check_print (GVariant *findings,
                       gboolean  json)
{
  JsonBuilder *builder = json ? email2ctl_json_new ("check") : NULL;
  GVariantIter iter;
  const char *kind, *subject, *detail, *action;
  gboolean repaired;
  gboolean clean = TRUE;

  if (builder != NULL)
    {
      json_builder_set_member_name (builder, "findings");
      json_builder_begin_array (builder);
    }
  g_variant_iter_init (&iter, findings);
  while (g_variant_iter_next (&iter, "(&s&s&s&sb)", &kind, &subject, &detail, &action, &repaired))
    {
      clean = clean && repaired;
      if (builder == NULL)
        {
          g_print ("%s%s %s: %s; %s\n", repaired ? _("repaired ") : "", kind, subject, detail, action);
          continue;
        }
      json_builder_begin_object (builder);
      email2ctl_json_add_string (builder, "kind", kind);
      email2ctl_json_add_string (builder, "subject", subject);
      email2ctl_json_add_string (builder, "detail", detail);
      email2ctl_json_add_string (builder, "action", action);
      json_builder_set_member_name (builder, "repaired");
      json_builder_add_boolean_value (builder, repaired);
      json_builder_end_object (builder);
    }
  if (builder != NULL)
    {
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "clean");
      json_builder_add_boolean_value (builder, clean);
      email2ctl_json_print (builder);
    }
  return clean ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
}
