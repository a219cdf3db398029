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
              const char *carried_key,
              gboolean    probed)
{
  const char *server = lookup_string (account, server_key);
  gboolean carried = FALSE;

  g_variant_lookup (account, carried_key, "b", &carried);
  g_print ("    %s %s, %s%s%s\n", label, server != NULL ? server : _("unknown"),
           format_security (lookup_string (account, security_key)),
           probed ? "" : _(" (not probed yet: the most secure setting the value allows)"),
           carried ? _(" (TLS required: the password was kept while the server moved)") : "");
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
  print_server (account, incoming, "in-server", "in-security", "in-password-carried", probed);
  print_server (account, _("Outgoing (SMTP):"), "out-server", "out-security",
                "out-password-carried", probed);
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

/* Every key ListAccounts may give, with its type, in the order the JSON
 * has them (docs/json.md): a key the module leaves out is null there, so
 * that every account has the same keys. JSON spells them with "_". */
static const struct {
  const char *key;
  const GVariantType *type;
} account_keys[] = {
  { "guid", G_VARIANT_TYPE_STRING },
  { "name", G_VARIANT_TYPE_STRING },
  { "service-type", G_VARIANT_TYPE_STRING },
  { "address", G_VARIANT_TYPE_STRING },
  { "user-name", G_VARIANT_TYPE_STRING },
  { "in-server", G_VARIANT_TYPE_STRING },
  { "in-security", G_VARIANT_TYPE_STRING },
  { "out-server", G_VARIANT_TYPE_STRING },
  { "out-security", G_VARIANT_TYPE_STRING },
  { "probed", G_VARIANT_TYPE_BOOLEAN },
  { "in-password-carried", G_VARIANT_TYPE_BOOLEAN },
  { "out-password-carried", G_VARIANT_TYPE_BOOLEAN },
  { "provisioned", G_VARIANT_TYPE_INT64 },
  { "provisioned-by", G_VARIANT_TYPE_STRING },
  { "changed", G_VARIANT_TYPE_INT64 },
  { "changed-by", G_VARIANT_TYPE_STRING },
  { "outcome", G_VARIANT_TYPE_STRING },
  { "outcome-at", G_VARIANT_TYPE_INT64 },
  { "outcome-by", G_VARIANT_TYPE_STRING },
  { "outcome-reason", G_VARIANT_TYPE_STRING },
};

static void
account_json (JsonBuilder *builder,
              GVariant    *account)
{
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (account_keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (account, account_keys[i].key,
                                                          account_keys[i].type);
      g_autofree char *name = g_strdelimit (g_strdup (account_keys[i].key), "-", '_');

      json_builder_set_member_name (builder, name);
      if (value == NULL)
        json_builder_add_null_value (builder);
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        json_builder_add_string_value (builder, g_variant_get_string (value, NULL));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        json_builder_add_boolean_value (builder, g_variant_get_boolean (value));
      else
        json_builder_add_int_value (builder, g_variant_get_int64 (value));
    }
  json_builder_end_object (builder);
}

/**
 * email2ctl_list_print:
 * @accounts: `aa{sv}`, as ListAccounts answers
 * @json: the answer of docs/json.md instead of text for people
 */
void
email2ctl_list_print (GVariant *accounts,
                      gboolean  json)
{
  gsize n = g_variant_n_children (accounts);
  JsonBuilder *builder = NULL;

  if (json)
    {
      builder = email2ctl_json_new ("list");
      json_builder_set_member_name (builder, "accounts");
      json_builder_begin_array (builder);
    }

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) account = g_variant_get_child_value (accounts, i);

      if (json)
        account_json (builder, account);
      else
        print_account (account);
    }

  if (json)
    {
      json_builder_end_array (builder);
      email2ctl_json_print (builder);
    }
}
