/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl: the command line of email2.
 */

#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>

#include "email2.h"
#include "email2ctl-private.h"
#include "email2-dbus-generated.h"
#include "email2-file-private.h"
#include "email2-secure-private.h"
#include "email2-xml-private.h"
#include "email2ctl-check.h"
#include "email2ctl-probe.h"
#include "email2ctl-validate.h"

/* ---- the commands that talk to the registry module ---- */

#define CALL_TIMEOUT_MS (5 * 60 * 1000)
/* The rollout spool's system inbox (plugin/evolution/email2-spool.h). */
#define EMAIL2_SYSTEM_INBOX "/etc/xdg/email2/inbox"

static int
registry_error (GError *error)
{
  g_autofree char *message = NULL;

  g_dbus_error_strip_remote_error (error);
  if (error->domain == EMAIL2_ERROR)
    return email2ctl_fail ("input", EXIT_UNUSABLE, error->message);

  message = g_strdup_printf ("%s (%s)",
                             _("Evolution's registry with email2's module cannot be reached"),
                             error->message);
  return email2ctl_fail ("registry", EXIT_UNUSABLE, message);
}

/* Without a session bus, says what to do instead: the registry is a
 * process of the user's desktop session; a payload can also go through
 * the rollout spool, which needs none. */
static int
no_session_bus (const char *detail,
                gboolean    payload)
{
  g_autofree char *user_inbox = g_build_filename (g_get_user_config_dir (), "email2", "inbox", NULL);
  g_autofree char *bus = g_strdup_printf ("unix:path=/run/user/%u/bus", (guint) getuid ());
  g_autofree char *message = NULL;

  if (payload)
    message = g_strdup_printf (_("there is no session bus here (%s), so Evolution's registry cannot "
                                 "be reached. Run the command inside the user's desktop session "
                                 "(over SSH, as that user with DBUS_SESSION_BUS_ADDRESS=%s), or drop "
                                 "the payload into the rollout spool instead: %s/ for this user, or "
                                 "%s/ for every user; it is applied when the user's registry next "
                                 "starts."),
                               detail, bus, user_inbox, EMAIL2_SYSTEM_INBOX);
  else
    message = g_strdup_printf (_("there is no session bus here (%s), so Evolution's registry cannot "
                                 "be reached. Run the command inside the user's desktop session "
                                 "(over SSH, as that user with DBUS_SESSION_BUS_ADDRESS=%s)."),
                               detail, bus);

  return email2ctl_fail ("no-session-bus", EXIT_UNUSABLE, message);
}

static Email2DbusProvisioning1 *
connect_registry (gboolean  payload,
                  int      *exit_status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  Email2DbusProvisioning1 *proxy;

  if (address == NULL)
    {
      *exit_status = no_session_bus (error->message, payload);
      return NULL;
    }

  /* The module's errors come back in EMAIL2_ERROR once it is registered. */
  (void) email2_error_quark ();
  proxy = email2_dbus_provisioning1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                            G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                            EMAIL2_DBUS_BUS_NAME,
                                                            EMAIL2_DBUS_OBJECT_PATH, NULL, &error);
  if (proxy == NULL)
    {
      *exit_status = registry_error (error);
      return NULL;
    }

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), CALL_TIMEOUT_MS);
  return proxy;
}

static int
parse_single_argument (int          *argc,
                       char       ***argv,
                       const char   *parameter,
                       const char   *summary,
                       gboolean     *json)
{
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, json, N_("Print the answer as JSON (docs/json.md)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (parameter);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, summary);
  if (json != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    return email2ctl_usage_error (context, error->message);
  if (*argc != (parameter[0] != '\0' && parameter[0] != '-' ? 2 : 1))
    return email2ctl_usage_error (context, _("wrong number of arguments"));
  return -1;
}

/* A status that is not 200, in words: "not found: URI (404)". */
static int
status_failure (const char *what,
                guint       status)
{
  g_printerr ("email2ctl: %s: %s (%u)\n", email2_status_code_to_text (status), what, status);
  return EXIT_COMMAND_FAILED;
}

/* The payload as a sealed memfd: the registry reads it from there, so
 * that no message on the bus holds its secrets. The memfd is rewound and
 * sealed (no write, no resize) before it is handed over. */
static int
payload_memfd (const Email2SecureBuffer  *payload,
               GError                   **error)
{
  int fd = memfd_create ("email2-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  int saved = fd < 0 ? errno : email2_file_write_all (fd, payload->data, payload->length);

  if (saved == 0 &&
      (lseek (fd, 0, SEEK_SET) != 0 ||
       fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0))
    saved = errno;
  if (saved == 0)
    return fd;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               _("The payload cannot be handed over: %s"), g_strerror (saved));
  if (fd >= 0)
    close (fd);
  return -1;
}

static int
command_apply (int    argc,
               char **argv)
{
  g_autoptr(Email2DbusProvisioning1) proxy = NULL;
  g_autoptr(Email2SecureBuffer) payload = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) response = NULL;
  g_autoptr(GVariant) summary = NULL;
  gboolean json = FALSE;
  gboolean called;
  guint outcome = 0;
  int fd;
  int status = parse_single_argument (&argc, &argv, _("FILE|-"),
                                      _("Applies an EMAIL2 payload to Evolution's accounts and prints\n"
                                        "the response. Exit status as for validate."), &json);

  if (status >= 0)
    return status;

  payload = email2ctl_read_payload (argv[1], &error);
  if (payload == NULL)
    return email2ctl_usage_error (NULL, error->message);

  proxy = connect_registry (TRUE, &status);
  if (proxy == NULL)
    return status;

  fd = payload_memfd (payload, &error);
  g_clear_pointer (&payload, email2_secure_buffer_free);
  if (fd < 0)
    return email2ctl_usage_error (NULL, error->message);
  fds = g_unix_fd_list_new_from_array (&fd, 1);

  if (json)
    called = email2_dbus_provisioning1_call_apply_with_summary_sync (proxy, g_variant_new_handle (0), fds,
                                                                     &response, &outcome, &summary,
                                                                     NULL, NULL, &error);
  else
    called = email2_dbus_provisioning1_call_apply_sync (proxy, g_variant_new_handle (0), fds, &response,
                                                        &outcome, NULL, NULL, &error);
  if (!called)
    return registry_error (error);

  if (json)
    {
      JsonBuilder *builder = email2ctl_json_new ("apply");

      email2ctl_json_add_summary (builder, summary);
      email2ctl_json_print (builder);
    }
  else
    {
      gsize n = 0;
      const char *text = g_variant_get_fixed_array (response, &n, 1);

      fwrite (text, 1, n, stdout);
    }

  return outcome == 0 ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
}

static int
command_get (int    argc,
             char **argv)
{
  g_autoptr(Email2DbusProvisioning1) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *format = NULL;
  g_autofree char *value = NULL;
  gboolean json = FALSE;
  guint code = 0;
  int status = parse_single_argument (&argc, &argv, _("URI"),
                                      _("Prints the value of a node of Evolution's EMAIL2 accounts\n"
                                        "(a secret as ********)."), &json);

  if (status >= 0)
    return status;

  if ((proxy = connect_registry (FALSE, &status)) == NULL)
    return status;
  if (!email2_dbus_provisioning1_call_get_sync (proxy, argv[1], &code, &format, &value, NULL, &error))
    return registry_error (error);

  if (json)
    {
      JsonBuilder *builder = email2ctl_json_new ("get");

      email2ctl_json_add_string (builder, "uri", argv[1]);
      json_builder_set_member_name (builder, "status");
      json_builder_add_int_value (builder, code);
      email2ctl_json_add_string (builder, "format", code == 200 ? format : NULL);
      email2ctl_json_add_string (builder, "data", code == 200 ? value : NULL);
      email2ctl_json_print (builder);
      return code == 200 ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
    }

  if (code != 200)
    return status_failure (argv[1], code);
  g_print ("%s\n", value);
  return EXIT_ALL_OK;
}

static int
command_list (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(Email2DbusProvisioning1) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) accounts = NULL;
  gboolean json = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the answer as JSON (docs/json.md)"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
                                _("Lists the accounts email2 provisioned: name, address, servers, the\n"
                                  "security the probe chose, when and by what each was provisioned,\n"
                                  "and how the last payload about it ended."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return email2ctl_usage_error (context, error->message);
  if (argc != 1)
    return email2ctl_usage_error (context, _("wrong number of arguments"));

  if ((proxy = connect_registry (FALSE, &status)) == NULL)
    return status;
  if (!email2_dbus_provisioning1_call_list_accounts_sync (proxy, &accounts, NULL, &error))
    return registry_error (error);

  email2ctl_list_print (accounts, json);
  return EXIT_ALL_OK;
}

static int
command_delete (int    argc,
                char **argv)
{
  g_autoptr(Email2DbusProvisioning1) proxy = NULL;
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  guint code = 0;
  int status = parse_single_argument (&argc, &argv, _("GUID"),
                                      _("Removes a provisioned account, its sources and its secrets."),
                                      &json);

  if (status >= 0)
    return status;

  if ((proxy = connect_registry (FALSE, &status)) == NULL)
    return status;
  if (!email2_dbus_provisioning1_call_delete_sync (proxy, argv[1], &code, NULL, &error))
    return registry_error (error);

  if (json)
    {
      JsonBuilder *builder = email2ctl_json_new ("delete");

      email2ctl_json_add_string (builder, "guid", argv[1]);
      json_builder_set_member_name (builder, "status");
      json_builder_add_int_value (builder, code);
      email2ctl_json_print (builder);
    }
  else if (code != 200)
    return status_failure (argv[1], code);

  return code == 200 ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
}

static int
schema_json (void)
{
  JsonBuilder *builder = email2ctl_json_new ("schema");

  json_builder_set_member_name (builder, "nodes");
  json_builder_begin_array (builder);
  for (Email2NodeId id = EMAIL2_NODE_ROOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);
      g_autofree char *ops = email2_ops_to_string (node->ops);
      g_autofree char *rule = email2_node_describe_rule (node);

      json_builder_begin_object (builder);
      email2ctl_json_add_string (builder, "path", id == EMAIL2_NODE_ROOT ? "EMAIL2" : node->path);
      json_builder_set_member_name (builder, "required");
      json_builder_add_boolean_value (builder, (node->flags & EMAIL2_NODE_FLAG_REQUIRED) != 0);
      email2ctl_json_add_string (builder, "ops", ops);
      email2ctl_json_add_string (builder, "rule", rule);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  email2ctl_json_print (builder);

  return EXIT_ALL_OK;
}

static int
command_schema (int    argc,
                char **argv)
{
  gboolean markdown = FALSE;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "markdown", 0, 0, G_OPTION_ARG_NONE, &markdown, N_("Print a Markdown table"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the table as JSON (docs/json.md)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— print the EMAIL2 node table"));
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return email2ctl_usage_error (context, error->message);
  if (argc != 1)
    return email2ctl_usage_error (context, _("schema takes no arguments"));
  if (markdown && json)
    return email2ctl_usage_error (context, _("--markdown and --json exclude each other"));

  if (json)
    return schema_json ();

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
      g_autofree char *formats = email2_node_formats (node);
      g_autofree char *required = node->default_value != NULL
                                  ? g_strdup_printf (_("default %s"), node->default_value)
                                  : g_strdup (node->flags & EMAIL2_NODE_FLAG_REQUIRED
                                              ? _("required") : _("optional"));

      g_print ("%-26s %-13s %-28s %-14s %s\n", id == EMAIL2_NODE_ROOT ? "EMAIL2" : node->path,
               required, ops, formats, rule);
    }

  return EXIT_ALL_OK;
}

/* email2ctl check [--repair] [--json] (email2ctl-check.c prints). */
static int
command_check (int    argc,
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
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(Email2DbusProvisioning1) proxy = NULL;
  g_autoptr(GVariant) findings = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

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

  if ((proxy = connect_registry (FALSE, &status)) == NULL)
    return status;
  if (!email2_dbus_provisioning1_call_check_sync (proxy, repair, &findings, NULL, &error))
    return registry_error (error);
  return email2ctl_check_print (findings, json);
}

static const struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "validate", email2ctl_validate, N_("Check a payload on an in-memory host and print the response") },
  { "apply", command_apply, N_("Apply a payload to Evolution's accounts and print the response") },
  { "get", command_get, N_("Print a node of Evolution's EMAIL2 accounts") },
  { "list", command_list, N_("List the accounts email2 provisioned") },
  { "delete", command_delete, N_("Remove a provisioned account") },
  { "schema", command_schema, N_("Print the EMAIL2 node table") },
  { "probe", email2ctl_probe, N_("Find a mail server's best TLS mode and its capabilities") },
  { "check", command_check, N_("Find what interrupted transactions left behind; --repair fixes it") },
};

static void
print_help (FILE *stream)
{
  fprintf (stream, "%s\n\n%s\n", _("Usage: email2ctl COMMAND [OPTION…] [ARGUMENT…]"),
           _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("Run “email2ctl help COMMAND” for a command's options."));
}

static int
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (name, commands[i].name) == 0)
      return i;
  return -1;
}

/* With --json anywhere before "--", errors are JSON objects too, usage
 * errors included. */
static gboolean
wants_json (int    argc,
            char **argv)
{
  for (int i = 2; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--json") == 0)
      return TRUE;
  return FALSE;
}

static int
run_command (int    index,
             int    argc,
             char **argv)
{
  g_autofree char *prgname = g_strdup_printf ("email2ctl %s", commands[index].name);

  g_set_prgname (prgname);
  return commands[index].run (argc, argv);
}

int
main (int    argc,
      char **argv)
{
  struct rlimit no_core = { 0, 0 };
  const char *localedir;

  /* Payloads carry passwords: never leave them in a core dump. `probe`
   * handles no secret, and stays traceable (LeakSanitizer needs that for
   * its threads). */
  setrlimit (RLIMIT_CORE, &no_core);
  if (argc < 2 || strcmp (argv[1], "probe") != 0)
    prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);

  setlocale (LC_ALL, "");
  /* EMAIL2_LOCALEDIR: the build tree's catalogs, for the tests. */
  localedir = g_getenv ("EMAIL2_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_help (stderr);
      return EXIT_UNUSABLE;
    }

  if (strcmp (argv[1], "help") == 0 && argc > 2)
    {
      char *help_argv[] = { argv[2], (char *) "--help", NULL };
      int index = find_command (argv[2]);

      if (index < 0)
        return email2ctl_fail ("usage", EXIT_UNUSABLE, _("unknown command; see “email2ctl --help”"));
      /* The command prints its help and exits 0. */
      return run_command (index, 2, help_argv);
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

  {
    int index = find_command (argv[1]);

    if (index < 0)
      return email2ctl_fail ("usage", EXIT_UNUSABLE, _("unknown command; see “email2ctl --help”"));
    if (wants_json (argc, argv))
      email2ctl_json_command = commands[index].name;
    return run_command (index, argc - 1, argv + 1);
  }
}
