/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl check: asks email2's registry module (its Check method) what
 * interrupted transactions left behind, and with --repair to fix what can
 * be fixed safely (docs/DESIGN.md §3.3).
 */

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "email2ctl-check.h"
#include "email2ctl-private.h"

static void
print_json (GVariant *findings,
            gboolean  clean)
{
  g_autoptr(GString) out = g_string_new ("{\n");
  GVariantIter iter;
  const char *kind, *subject, *detail, *action;
  gboolean repaired;
  gboolean first = TRUE;

  g_string_append_printf (out, "  \"clean\": %s,\n  \"findings\": [", clean ? "true" : "false");
  g_variant_iter_init (&iter, findings);
  while (g_variant_iter_next (&iter, "(&s&s&s&sb)", &kind, &subject, &detail, &action, &repaired))
    {
      g_string_append (out, first ? "\n    { \"kind\": " : ",\n    { \"kind\": ");
      email2ctl_json_string (out, kind);
      g_string_append (out, ", \"subject\": ");
      email2ctl_json_string (out, subject);
      g_string_append (out, ", \"detail\": ");
      email2ctl_json_string (out, detail);
      g_string_append (out, ", \"action\": ");
      email2ctl_json_string (out, action);
      g_string_append_printf (out, ", \"repaired\": %s }", repaired ? "true" : "false");
      first = FALSE;
    }
  g_string_append (out, first ? "]\n}\n" : "\n  ]\n}\n");
  fputs (out->str, stdout);
}

static void
print_text (GVariant *findings)
{
  GVariantIter iter;
  const char *kind, *subject, *detail, *action;
  gboolean repaired;

  g_variant_iter_init (&iter, findings);
  while (g_variant_iter_next (&iter, "(&s&s&s&sb)", &kind, &subject, &detail, &action, &repaired))
    g_print ("%s%s %s: %s; %s\n", repaired ? _("repaired ") : "", kind, subject, detail, action);
}

int
email2ctl_check (int    argc,
                 char **argv)
{
  gboolean repair = FALSE;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "repair", 0, 0, G_OPTION_ARG_NONE, &repair,
      N_("Fix what can be fixed safely and say what was done"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the findings as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— find what interrupted transactions left behind"));
  g_autoptr(Email2DbusProvisioning1) proxy = NULL;
  g_autoptr(GVariant) findings = NULL;
  g_autoptr(GError) error = NULL;
  gboolean clean = TRUE;
  GVariantIter iter;
  gboolean repaired;

  g_option_context_set_summary (context,
                                _("Reports journals of transactions not ended, keyring items without\n"
                                  "their account, accounts missing a secret their payload gave, and\n"
                                  "source files that cannot be read. Exit status: 0 nothing left to\n"
                                  "fix, 1 something is left, 2 usage or the registry is unreachable."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return email2ctl_usage_error (context, error->message);
  if (argc != 1)
    return email2ctl_usage_error (context, _("check takes no arguments"));

  proxy = email2ctl_connect_registry (&error);
  if (proxy == NULL ||
      !email2_dbus_provisioning1_call_check_sync (proxy, repair, &findings, NULL, &error))
    return email2ctl_registry_error (error);

  g_variant_iter_init (&iter, findings);
  while (g_variant_iter_next (&iter, "(&s&s&s&sb)", NULL, NULL, NULL, NULL, &repaired))
    clean = clean && repaired;

  if (json)
    print_json (findings, clean);
  else
    print_text (findings);
  return clean ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
}
