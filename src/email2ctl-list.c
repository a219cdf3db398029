/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * `email2ctl list`: the managed accounts as the module describes them
 * (io.github.email2.Provisioning1.ListAccounts), for people or, with
 * --json, for scripts. No value shown is a secret: the module never
 * sends one.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2ctl-private.h"

/* Evolution's [Security] Method, as people say it. */
static const struct {
  const char *method;
  const char *shown;
} security_names[] = {
  { "ssl-on-alternate-port", N_("TLS") },
  { "starttls-on-standard-port", N_("STARTTLS") },
  { "none", N_("none (plain text)") },
};

static const char *
lookup_string (GVariant   *account,
               const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (account, key, "&s", &value))
    return NULL;
  return value;
}

static char *
format_time (GVariant   *account,
             const char *key)
{
  gint64 seconds = 0;
  g_autoptr(GDateTime) time = NULL;

  if (!g_variant_lookup (account, key, "x", &seconds))
    return NULL;
  time = g_date_time_new_from_unix_utc (seconds);
  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S UTC") : NULL;
}

/* "dbus" or "spool:NAME", as people say it. */
static char *
format_origin (const char *origin)
{
  if (origin == NULL)
    return g_strdup (_("unknown"));
  if (g_str_equal (origin, "dbus"))
    return g_strdup (_("over D-Bus"));
  if (g_str_has_prefix (origin, "spool:"))
    return g_strdup_printf (_("from the rollout file %s"), origin + strlen ("spool:"));
  return g_strdup (origin);
}

static const char *
format_security (const char *method)
{
  if (method == NULL)
    return _("unknown");
  for (guint i = 0; i < G_N_ELEMENTS (security_names); i++)
    if (g_str_equal (method, security_names[i].method))
      return _(security_names[i].shown);
  return method;
}

static void
print_server (GVariant   *account,
              const char *label,
              const char *server_key,
              const char *security_key,
              gboolean    probed)
{
  const char *server = lookup_string (account, server_key);

  g_print ("    %s %s, %s%s\n", label, server != NULL ? server : _("unknown"),
           format_security (lookup_string (account, security_key)),
           probed ? "" : _(" (not probed yet: the most secure setting the value allows)"));
}

static void
print_account (GVariant *account)
{
  const char *guid = lookup_string (account, "guid");
  const char *name = lookup_string (account, "name");
  const char *address = lookup_string (account, "address");
  const char *type = lookup_string (account, "service-type");
  const char *outcome = lookup_string (account, "outcome");
  const char *reason = lookup_string (account, "outcome-reason");
  gboolean probed = FALSE;
  g_autofree char *provisioned = format_time (account, "provisioned");
  g_autofree char *provisioned_by = format_origin (lookup_string (account, "provisioned-by"));
  g_autofree char *changed = format_time (account, "changed");
  g_autofree char *changed_by = format_origin (lookup_string (account, "changed-by"));
  g_autofree char *outcome_at = format_time (account, "outcome-at");
  g_autofree char *outcome_by = format_origin (lookup_string (account, "outcome-by"));
  g_autofree char *incoming = g_strdup_printf (_("Incoming (%s):"), type != NULL ? type : "?");

  g_variant_lookup (account, "probed", "b", &probed);
  g_print ("%s  %s <%s>\n", guid, name != NULL ? name : "", address != NULL ? address : "");
  print_server (account, incoming, "in-server", "in-security", probed);
  print_server (account, _("Outgoing (SMTP):"), "out-server", "out-security", probed);
  if (provisioned != NULL)
    g_print ("    %s %s, %s\n", _("Provisioned:"), provisioned, provisioned_by);
  else
    g_print ("    %s %s\n", _("Provisioned:"), _("before email2 kept records"));
  if (changed != NULL)
    g_print ("    %s %s, %s\n", _("Last change:"), changed, changed_by);
  if (outcome != NULL && g_str_equal (outcome, "ok"))
    g_print ("    %s %s (%s, %s)\n", _("Last outcome:"), _("applied"), outcome_at, outcome_by);
  else if (outcome != NULL)
    g_print ("    %s %s: %s (%s, %s)\n", _("Last outcome:"), _("failed, nothing changed"),
             reason != NULL ? reason : "", outcome_at, outcome_by);
}

/* One JSON object per account, its keys as the module gives them. */
static void
account_json (GString  *out,
              GVariant *account)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  g_variant_iter_init (&iter, account);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (!first)
        g_string_append (out, ", ");
      first = FALSE;
      email2ctl_json_string (out, key);
      g_string_append (out, ": ");
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        email2ctl_json_string (out, g_variant_get_string (value, NULL));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
      else
        g_string_append (out, "null");
    }
  g_string_append_c (out, '}');
}

/**
 * email2ctl_list_print:
 * @accounts: `aa{sv}`, as ListAccounts answers
 * @json: a JSON array instead of text for people
 */
void
email2ctl_list_print (GVariant *accounts,
                      gboolean  json)
{
  g_autoptr(GString) out = g_string_new ("[");
  gsize n = g_variant_n_children (accounts);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) account = g_variant_get_child_value (accounts, i);

      if (json)
        {
          if (i > 0)
            g_string_append (out, ",\n ");
          account_json (out, account);
        }
      else
        print_account (account);
    }
  if (json)
    g_print ("%s]\n", out->str);
}
