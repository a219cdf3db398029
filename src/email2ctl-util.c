/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What the email2ctl commands share.
 */

#include "config.h"

#include "email2ctl-private.h"

/* Says what is wrong in one line, then the command's help when there is
 * a context; the exit status for usage errors. */
int
email2ctl_usage_error (GOptionContext *context,
                       const char     *message)
{
  g_printerr ("email2ctl: %s\n", message);
  if (context != NULL)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
    }
  return EXIT_UNUSABLE;
}

/* Appends @text as a JSON string, or null. */
void
email2ctl_json_string (GString    *out,
                       const char *text)
{
  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}
