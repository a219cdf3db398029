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
#include "email2ctl-probe.h"

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

static const struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "validate", command_validate, N_("Check a payload on an in-memory host and print the response") },
  { "schema", command_schema, N_("Print the EMAIL2 node table") },
  { "probe", email2ctl_probe, N_("Find a mail server's best TLS mode and its capabilities") },
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
