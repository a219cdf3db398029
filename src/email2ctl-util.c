/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What the email2ctl commands share.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "email2.h"
#include "email2ctl-private.h"

#define CALL_TIMEOUT_MS (5 * 60 * 1000)

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

/* email2's object in the registry; D-Bus activation starts the registry
 * when needed. */
Email2DbusProvisioning1 *
email2ctl_connect_registry (GError **error)
{
  Email2DbusProvisioning1 *proxy;

  /* The module's errors come back in EMAIL2_ERROR once it is registered. */
  (void) email2_error_quark ();
  proxy = email2_dbus_provisioning1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                            G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                            EMAIL2_DBUS_BUS_NAME,
                                                            EMAIL2_DBUS_OBJECT_PATH, NULL, error);

  if (proxy != NULL)
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), CALL_TIMEOUT_MS);
  return proxy;
}

/* Says why a call to the module failed; the exit status for it. */
int
email2ctl_registry_error (GError *error)
{
  g_dbus_error_strip_remote_error (error);
  if (error->domain == EMAIL2_ERROR)
    g_printerr ("email2ctl: %s\n", error->message);
  else
    g_printerr ("email2ctl: %s (%s)\n",
                _("Evolution's registry with email2's module cannot be reached"), error->message);
  return EXIT_UNUSABLE;
}
