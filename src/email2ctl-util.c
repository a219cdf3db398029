/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What the email2ctl commands share.
 */

#include "config.h"

#include "email2ctl-private.h"

/* Says what is wrong in one line on standard error (and, with --json, as
 * an error object on standard output); returns @exit_status. */
int
email2ctl_fail (const char *kind,
                int         exit_status,
                const char *message)
{
  g_printerr ("email2ctl: %s\n", message);
  email2ctl_json_error (kind, message);
  return exit_status;
}

/* Says what is wrong, then the command's help when there is a context
 * (a usage error) or not (unusable input); the exit status for both. */
int
email2ctl_usage_error (GOptionContext *context,
                       const char     *message)
{
  email2ctl_fail (context != NULL ? "usage" : "input", EXIT_UNUSABLE, message);
  if (context != NULL)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
    }
  return EXIT_UNUSABLE;
}
