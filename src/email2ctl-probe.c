/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl probe: find a mail server's best TLS mode (DESIGN §4).
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "email2.h"
#include "email2ctl-private.h"
#include "email2ctl-probe.h"

/* HOST, HOST:PORT, [IPV6] or [IPV6]:PORT; an IPv6 address without brackets
 * is taken whole as the host. */
static gboolean
parse_host_port (const char  *text,
                 char       **host,
                 guint16     *port)
{
  const char *colon;
  guint64 value = 0;

  *port = 0;
  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || end == text + 1)
        return FALSE;
      *host = g_strndup (text + 1, end - text - 1);
      colon = end[1] == ':' ? end + 1 : NULL;
      if (end[1] != '\0' && colon == NULL)
        return FALSE;
    }
  else
    {
      colon = strchr (text, ':');
      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        colon = NULL;           /* a bare IPv6 address */
      *host = colon != NULL ? g_strndup (text, colon - text) : g_strdup (text);
    }

  if (**host == '\0')
    return FALSE;
  if (colon != NULL &&
      (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &value, NULL)))
    return FALSE;
  *port = value;
  return TRUE;
}

typedef struct {
  GMainLoop *loop;
  Email2ProbeResult *result;
  GError *error;
} ProbeWait;

static void
on_probe_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  ProbeWait *wait = data;

  wait->result = email2_probe_run_finish (EMAIL2_PROBE (source), result, &wait->error);
  g_main_loop_quit (wait->loop);
}

static const char * const leg_names[] = { "tls", "cleartext" };

static char *
certificate_name (GTlsCertificate *certificate,
                  gboolean         issuer)
{
  return issuer ? g_tls_certificate_get_issuer_name (certificate)
                : g_tls_certificate_get_subject_name (certificate);
}

static void
add_int_or_null (JsonBuilder *builder,
                  const char  *key,
                  guint        value)
{
  json_builder_set_member_name (builder, key);
  if (value != 0)
    json_builder_add_int_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
probe_json (Email2ProbeProtocol       protocol,
            const char               *host,
            const Email2ProbeResult  *result)
{
  JsonBuilder *builder = email2ctl_json_new ("probe");

  email2ctl_json_add_string (builder, "protocol", email2_probe_protocol_to_string (protocol));
  email2ctl_json_add_string (builder, "host", host);
  email2ctl_json_add_string (builder, "security", email2_probe_security_to_string (result->security));
  add_int_or_null (builder, "port", result->port);
  email2ctl_json_add_strv (builder, "capabilities", (const char * const *) result->capabilities);
  email2ctl_json_add_strv (builder, "auth_mechanisms", (const char * const *) result->auth_mechanisms);

  json_builder_set_member_name (builder, "certificate");
  if (result->certificate == NULL)
    json_builder_add_null_value (builder);
  else
    {
      g_autofree char *subject = certificate_name (result->certificate, FALSE);
      g_autofree char *issuer = certificate_name (result->certificate, TRUE);
      g_autofree char *errors = email2_probe_describe_certificate_errors (result->certificate_errors);
      g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (result->certificate);
      g_autofree char *expires = not_after != NULL ? g_date_time_format_iso8601 (not_after) : NULL;
      g_auto(GStrv) error_list = g_strsplit (errors, ",", -1);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "valid");
      json_builder_add_boolean_value (builder, result->certificate_errors == 0);
      email2ctl_json_add_strv (builder, "errors",
                               errors[0] != '\0' ? (const char * const *) error_list : NULL);
      email2ctl_json_add_string (builder, "subject", subject);
      email2ctl_json_add_string (builder, "issuer", issuer);
      email2ctl_json_add_string (builder, "not_after", expires);
      json_builder_end_object (builder);
    }

  json_builder_set_member_name (builder, "elapsed_ms");
  json_builder_add_int_value (builder, result->elapsed_us / 1000);

  json_builder_set_member_name (builder, "errors");
  json_builder_begin_object (builder);
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    email2ctl_json_add_string (builder, leg_names[i],
                               result->legs[i].error != NULL ? result->legs[i].error->message : NULL);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "legs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    {
      const Email2ProbeLeg *leg = &result->legs[i];

      json_builder_begin_object (builder);
      email2ctl_json_add_string (builder, "leg", leg_names[i]);
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, leg->port);
      email2ctl_json_add_string (builder, "reached", email2_probe_security_to_string (leg->security));
      json_builder_set_member_name (builder, "elapsed_ms");
      json_builder_add_int_value (builder, leg->elapsed_us / 1000);
      email2ctl_json_add_string (builder, "error", leg->error != NULL ? leg->error->message : NULL);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  email2ctl_json_print (builder);
}

static void
probe_print (Email2ProbeProtocol      protocol,
             const char              *host,
             const Email2ProbeResult *result)
{
  const char *security = email2_probe_security_to_string (result->security);

  if (security == NULL)
    g_print (_("%s %s: no acceptable connection mode\n"),
             email2_probe_protocol_to_string (protocol), host);
  else
    {
      g_autofree char *upper = g_ascii_strup (security, -1);
      g_autofree char *caps = g_strjoinv (" ", result->capabilities);
      g_autofree char *mechs = g_strjoinv (" ", result->auth_mechanisms);

      g_print (_("%s %s: %s on port %u\n"), email2_probe_protocol_to_string (protocol), host,
               upper, result->port);
      g_print (_("  capabilities: %s\n"), caps);
      g_print (_("  authentication: %s\n"), mechs[0] != '\0' ? mechs : _("(none offered)"));
    }

  if (result->certificate != NULL)
    {
      g_autofree char *subject = certificate_name (result->certificate, FALSE);
      g_autofree char *issuer = certificate_name (result->certificate, TRUE);

      if (result->certificate_errors == 0)
        g_print (_("  certificate: valid (%s, issued by %s)\n"), subject, issuer);
      else
        {
          g_autofree char *errors = email2_probe_describe_certificate_errors (result->certificate_errors);

          g_print (_("  certificate: NOT valid: %s (%s, issued by %s)\n"), errors, subject, issuer);
        }
    }

  g_print (_("  decided in %lld ms\n"), (long long) (result->elapsed_us / 1000));
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    {
      const Email2ProbeLeg *leg = &result->legs[i];

      if (leg->port == 0)
        continue;
      if (leg->error != NULL)
        g_print (_("  %s leg, port %u: %s\n"), leg_names[i], leg->port, leg->error->message);
      else if (leg->security != EMAIL2_PROBE_SECURITY_NONE)
        g_print (_("  %s leg, port %u: reached %s\n"), leg_names[i], leg->port,
                 email2_probe_security_to_string (leg->security));
      else
        g_print (_("  %s leg, port %u: not needed\n"), leg_names[i], leg->port);
    }
}

/* email2ctl probe: see email2ctl-probe.h. */
int
email2ctl_probe (int    argc,
                 char **argv)
{
  g_autofree char *protocol_name = NULL;
  g_autofree char *ca_file = NULL;
  gboolean require_tls = FALSE;
  gboolean json = FALSE;
  int timeout = 0;
  GOptionEntry entries[] = {
    { "protocol", 0, 0, G_OPTION_ARG_STRING, &protocol_name,
      N_("imap, pop3 or smtp (submission)"), N_("PROTOCOL") },
    { "require-tls", 0, 0, G_OPTION_ARG_NONE, &require_tls,
      N_("Never accept a mode without TLS"), NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the CA certificates of FILE instead of the system's"), N_("FILE") },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      N_("Deadline of each phase in seconds (default 10)"), N_("SECONDS") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the answer as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("HOST[:PORT] — find how a mail server wants to be reached"));
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Probe) probe = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *host = NULL;
  Email2ProbeProtocol protocol;
  ProbeWait wait = { NULL, NULL, NULL };
  guint16 port;
  int status;

  g_option_context_set_summary (context,
    _("Tries implicit TLS and STARTTLS (and plain, unless TLS is required) at\n"
      "once, and prints the best mode with the server's capabilities. No\n"
      "credential is sent. Without a port, the protocol's standard ports are\n"
      "used. Exit status: 0 when a mode was found, 1 when none, 2 for usage."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return email2ctl_usage_error (context, error->message);
  if (argc != 2)
    return email2ctl_usage_error (context, _("probe takes one HOST or HOST:PORT"));
  if (protocol_name == NULL)
    return email2ctl_usage_error (context, _("--protocol is required (imap, pop3 or smtp)"));
  if (!email2_probe_protocol_from_string (protocol_name, &protocol))
    return email2ctl_usage_error (context, _("--protocol must be imap, pop3 or smtp"));
  if (!parse_host_port (argv[1], &host, &port))
    return email2ctl_usage_error (context, _("not a HOST, HOST:PORT or [IPv6]:PORT"));
  if (timeout < 0 || timeout > 600)
    return email2ctl_usage_error (context, _("--timeout must be 1 to 600 seconds"));

  probe = email2_probe_new (protocol, host, port, require_tls);
  if (ca_file != NULL && !email2_probe_set_ca_file (probe, ca_file, &error))
    return email2ctl_usage_error (NULL, error->message);
  if (timeout > 0)
    email2_probe_set_timeouts (probe, timeout * 1000, timeout * 1000, timeout * 1000);

  loop = g_main_loop_new (NULL, FALSE);
  wait.loop = loop;
  email2_probe_run_async (probe, NULL, on_probe_done, &wait);
  g_main_loop_run (loop);

  if (wait.result == NULL)
    {
      email2ctl_fail ("probe", EXIT_COMMAND_FAILED, wait.error->message);
      g_error_free (wait.error);
      return EXIT_COMMAND_FAILED;
    }

  if (json)
    probe_json (protocol, host, wait.result);
  else
    probe_print (protocol, host, wait.result);

  status = wait.result->security != EMAIL2_PROBE_SECURITY_NONE ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
  email2_probe_result_unref (wait.result);

  return status;
}
