/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl: the command line of email2.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "email2.h"
#include "email2-xml-private.h"

enum {
  EXIT_ALL_OK = 0,
  EXIT_COMMAND_FAILED = 1,
  EXIT_UNUSABLE = 2,
};

static int
usage_error (GOptionContext *context,
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

/* Reads at most @max + 1 bytes, so that a larger input is seen as such
 * without being held in memory. */
static char *
read_input (const char  *path,
            gsize        max,
            gsize       *length,
            GError     **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  int fd = strcmp (path, "-") == 0 ? STDIN_FILENO : open (path, O_RDONLY | O_CLOEXEC);
  guint8 buffer[65536];

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return NULL;
    }

  while (bytes->len <= max)
    {
      gssize n = read (fd, buffer, MIN (sizeof buffer, max + 1 - bytes->len));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "%s: %s", path, g_strerror (saved));
          if (fd != STDIN_FILENO)
            close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (bytes, buffer, n);
    }

  if (fd != STDIN_FILENO)
    close (fd);
  explicit_bzero (buffer, sizeof buffer);

  *length = bytes->len;
  g_byte_array_append (bytes, (const guint8 *) "", 1);

  return (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);
}

static void
json_string (GString    *out,
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

static char *
summary_json (const Email2SyncmlMessage *request,
              GPtrArray                 *statuses,
              gboolean                   ok)
{
  GString *out = g_string_new ("{\n");

  g_string_append_printf (out, "  \"ok\": %s,\n", ok ? "true" : "false");
  g_string_append (out, "  \"session_id\": ");
  json_string (out, request->session_id);
  g_string_append (out, ",\n  \"msg_id\": ");
  json_string (out, request->msg_id);
  g_string_append_printf (out, ",\n  \"header\": { \"status\": %u, \"reason\": ", request->header_status);
  json_string (out, request->header_reason);
  g_string_append (out, " },\n  \"statuses\": [");

  for (guint i = 0; i < statuses->len; i++)
    {
      const Email2Status *status = statuses->pdata[i];

      g_string_append (out, i == 0 ? "\n    { \"cmd\": " : ",\n    { \"cmd\": ");
      json_string (out, status->cmd);
      g_string_append (out, ", \"cmd_ref\": ");
      json_string (out, status->cmd_ref);
      g_string_append (out, ", \"target\": ");
      json_string (out, status->target_ref);
      g_string_append_printf (out, ", \"status\": %u", status->code);
      if (status->reason != NULL)
        {
          g_string_append (out, ", \"reason\": ");
          json_string (out, status->reason);
        }
      if (status->result_format != NULL)
        {
          g_string_append (out, ", \"format\": ");
          json_string (out, status->result_format);
          g_string_append (out, ", \"data\": ");
          json_string (out, status->result_data);
        }
      g_string_append (out, " }");
    }

  g_string_append (out, statuses->len > 0 ? "\n  ]\n}\n" : "]\n}\n");

  return g_string_free (out, FALSE);
}

static int
command_validate (int    argc,
                  char **argv)
{
  g_autofree char *state = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state,
      N_("Load the accounts from FILE first and save them after (secrets are never saved)"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON summary instead of the response document"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE|- — check a payload, touching nothing"));
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2MemoryHost) host = NULL;
  g_autoptr(Email2Session) session = NULL;
  g_autoptr(Email2SyncmlMessage) message = NULL;
  g_autoptr(GPtrArray) statuses = NULL;
  g_autofree char *output = NULL;
  char *data;
  gsize length = 0;
  gboolean ok;

  g_option_context_set_summary (context,
    _("Runs an EMAIL2 payload through the engine on an in-memory host and\n"
      "prints the response a device would send. Exit status: 0 when every\n"
      "command succeeded, 1 when a command failed, 2 for unusable input."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc != 2)
    return usage_error (context, _("validate takes one payload file, or - for standard input"));

  host = email2_memory_host_new ();
  if (state != NULL && !email2_memory_host_load (host, state, &error))
    return usage_error (NULL, error->message);

  data = read_input (argv[1], EMAIL2_XML_DEFAULT_MAX_SIZE, &length, &error);
  if (data == NULL)
    return usage_error (NULL, error->message);

  message = email2_syncml_parse (data, length, &error);
  explicit_bzero (data, length);
  g_free (data);
  if (message == NULL)
    return usage_error (NULL, error->message);

  if (message->header_status == 200)
    {
      session = email2_session_new (EMAIL2_HOST (host));
      statuses = email2_session_process (session, message->commands);
    }
  else
    statuses = g_ptr_array_new ();

  ok = message->header_status == 200;
  for (guint i = 0; i < statuses->len; i++)
    ok &= email2_status_code_is_success (((Email2Status *) statuses->pdata[i])->code);

  if (state != NULL && !email2_memory_host_save (host, state, &error))
    return usage_error (NULL, error->message);

  output = json ? summary_json (message, statuses, ok)
                : email2_syncml_write_response (message, statuses);
  fputs (output, stdout);

  return ok ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
}

static int
command_schema (int    argc,
                char **argv)
{
  gboolean markdown = FALSE;
  GOptionEntry entries[] = {
    { "markdown", 0, 0, G_OPTION_ARG_NONE, &markdown, N_("Print a Markdown table"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— print the EMAIL2 node table"));
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc != 1)
    return usage_error (context, _("schema takes no arguments"));

  if (markdown)
    {
      g_autofree char *table = email2_schema_to_markdown ();

      fputs (table, stdout);
      return EXIT_ALL_OK;
    }

  for (Email2NodeId id = EMAIL2_NODE_ROOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);
      g_autofree char *ops = email2_ops_to_string (node->ops);
      g_autofree char *rule = email2_node_describe_rule (node);

      g_print ("%-26s %-8s %-28s %s\n", id == EMAIL2_NODE_ROOT ? "EMAIL2" : node->path,
               node->flags & EMAIL2_NODE_FLAG_REQUIRED ? _("required") : _("optional"),
               ops, rule);
    }

  return EXIT_ALL_OK;
}

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

static void
json_strv (GString     *out,
           char *const *strv)
{
  g_string_append_c (out, '[');
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      json_string (out, strv[i]);
    }
  g_string_append_c (out, ']');
}

static const char * const leg_names[] = { "tls", "cleartext" };

static char *
certificate_name (GTlsCertificate *certificate,
                  gboolean         issuer)
{
  return issuer ? g_tls_certificate_get_issuer_name (certificate)
                : g_tls_certificate_get_subject_name (certificate);
}

static char *
probe_json (Email2ProbeProtocol       protocol,
            const char               *host,
            const Email2ProbeResult  *result)
{
  GString *out = g_string_new ("{\n  \"protocol\": ");

  json_string (out, email2_probe_protocol_to_string (protocol));
  g_string_append (out, ",\n  \"host\": ");
  json_string (out, host);
  g_string_append (out, ",\n  \"security\": ");
  json_string (out, email2_probe_security_to_string (result->security));
  if (result->port != 0)
    g_string_append_printf (out, ",\n  \"port\": %u", result->port);
  else
    g_string_append (out, ",\n  \"port\": null");
  g_string_append (out, ",\n  \"capabilities\": ");
  json_strv (out, result->capabilities);
  g_string_append (out, ",\n  \"auth_mechanisms\": ");
  json_strv (out, result->auth_mechanisms);
  g_string_append (out, ",\n  \"certificate\": ");
  if (result->certificate == NULL)
    g_string_append (out, "null");
  else
    {
      g_autofree char *subject = certificate_name (result->certificate, FALSE);
      g_autofree char *issuer = certificate_name (result->certificate, TRUE);
      g_autofree char *errors = email2_probe_describe_certificate_errors (result->certificate_errors);
      g_autoptr(GDateTime) not_after = g_tls_certificate_get_not_valid_after (result->certificate);
      g_autofree char *expires = not_after != NULL ? g_date_time_format_iso8601 (not_after) : NULL;
      g_auto(GStrv) error_list = g_strsplit (errors, ",", -1);

      g_string_append_printf (out, "{ \"valid\": %s, \"errors\": ",
                              result->certificate_errors == 0 ? "true" : "false");
      json_strv (out, errors[0] != '\0' ? error_list : NULL);
      g_string_append (out, ", \"subject\": ");
      json_string (out, subject);
      g_string_append (out, ", \"issuer\": ");
      json_string (out, issuer);
      g_string_append (out, ", \"not_after\": ");
      json_string (out, expires);
      g_string_append (out, " }");
    }
  g_string_append_printf (out, ",\n  \"elapsed_ms\": %" G_GINT64_FORMAT, result->elapsed_us / 1000);
  g_string_append (out, ",\n  \"errors\": {");
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    {
      g_string_append_printf (out, "%s\n    \"%s\": ", i > 0 ? "," : "", leg_names[i]);
      json_string (out, result->legs[i].error != NULL ? result->legs[i].error->message : NULL);
    }
  g_string_append (out, "\n  },\n  \"legs\": [");
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    {
      const Email2ProbeLeg *leg = &result->legs[i];

      g_string_append_printf (out, "%s\n    { \"leg\": \"%s\", \"port\": %u, \"reached\": ",
                              i > 0 ? "," : "", leg_names[i], leg->port);
      json_string (out, email2_probe_security_to_string (leg->security));
      g_string_append_printf (out, ", \"elapsed_ms\": %" G_GINT64_FORMAT ", \"error\": ",
                              leg->elapsed_us / 1000);
      json_string (out, leg->error != NULL ? leg->error->message : NULL);
      g_string_append (out, " }");
    }
  g_string_append (out, "\n  ]\n}\n");

  return g_string_free (out, FALSE);
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

  g_print (_("  decided in %" G_GINT64_FORMAT " ms\n"), result->elapsed_us / 1000);
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

static int
command_probe (int    argc,
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
    return usage_error (context, error->message);
  if (argc != 2)
    return usage_error (context, _("probe takes one HOST or HOST:PORT"));
  if (protocol_name == NULL)
    return usage_error (context, _("--protocol is required (imap, pop3 or smtp)"));
  if (!email2_probe_protocol_from_string (protocol_name, &protocol))
    return usage_error (context, _("--protocol must be imap, pop3 or smtp"));
  if (!parse_host_port (argv[1], &host, &port))
    return usage_error (context, _("not a HOST, HOST:PORT or [IPv6]:PORT"));
  if (timeout < 0 || timeout > 600)
    return usage_error (context, _("--timeout must be 1 to 600 seconds"));

  probe = email2_probe_new (protocol, host, port, require_tls);
  if (ca_file != NULL && !email2_probe_set_ca_file (probe, ca_file, &error))
    return usage_error (NULL, error->message);
  if (timeout > 0)
    email2_probe_set_timeouts (probe, timeout * 1000, timeout * 1000, timeout * 1000);

  loop = g_main_loop_new (NULL, FALSE);
  wait.loop = loop;
  email2_probe_run_async (probe, NULL, on_probe_done, &wait);
  g_main_loop_run (loop);

  if (wait.result == NULL)
    {
      g_printerr ("email2ctl: %s\n", wait.error->message);
      g_error_free (wait.error);
      return EXIT_COMMAND_FAILED;
    }

  if (json)
    {
      g_autofree char *text = probe_json (protocol, host, wait.result);

      fputs (text, stdout);
    }
  else
    probe_print (protocol, host, wait.result);

  status = wait.result->security != EMAIL2_PROBE_SECURITY_NONE ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
  email2_probe_result_unref (wait.result);

  return status;
}

static const struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "validate", command_validate, N_("Check a payload on an in-memory host and print the response") },
  { "schema", command_schema, N_("Print the EMAIL2 node table") },
  { "probe", command_probe, N_("Find a mail server's best TLS mode and its capabilities") },
};

static void
print_help (FILE *stream)
{
  fprintf (stream, "%s\n\n%s\n", _("Usage: email2ctl COMMAND [OPTION…] [ARGUMENT…]"),
           _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("Run “email2ctl COMMAND --help” for a command's options."));
}

int
main (int    argc,
      char **argv)
{
  struct rlimit no_core = { 0, 0 };

  /* Payloads carry passwords: never leave them in a core dump. `probe`
   * handles no secret, and stays traceable (LeakSanitizer needs that for
   * its threads). */
  setrlimit (RLIMIT_CORE, &no_core);
  if (argc < 2 || strcmp (argv[1], "probe") != 0)
    prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_help (stderr);
      return EXIT_UNUSABLE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_help (stdout);
      return EXIT_ALL_OK;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      g_print ("email2ctl %s\n", EMAIL2_VERSION);
      return EXIT_ALL_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("email2ctl %s", argv[1]);

        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }

  g_printerr ("email2ctl: %s\n", _("unknown command; see “email2ctl --help”"));
  return EXIT_UNUSABLE;
}
