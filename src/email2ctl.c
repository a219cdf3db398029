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
#include "email2-secure-private.h"
#include "email2-xml-private.h"
#include "email2ctl-check.h"
#include "email2ctl-probe.h"

/* Reads FILE or standard input, at most one byte more than a payload may
 * have (the registry refuses it then), into memory no core holds. */
static Email2SecureBuffer *
read_payload (const char  *path,
              GError     **error)
{
  gboolean from_stdin = strcmp (path, "-") == 0;
  int fd = from_stdin ? STDIN_FILENO : open (path, O_RDONLY | O_CLOEXEC);
  g_autoptr(GError) local_error = NULL;
  Email2SecureBuffer *payload;

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return NULL;
    }

  payload = email2_secure_buffer_read_fd (fd, EMAIL2_XML_DEFAULT_MAX_SIZE, &local_error);
  if (!from_stdin)
    close (fd);
  if (payload == NULL)
    g_set_error (error, G_FILE_ERROR, local_error->code, "%s: %s", path, local_error->message);

  return payload;
}

/* Reads FILE or standard input like read_payload(), into an ordinary
 * block of its exact size (validate hands it on as such; it is
 * overwritten before it is freed). */
static char *
read_input (const char  *path,
            gsize       *length,
            GError     **error)
{
  g_autoptr(Email2SecureBuffer) payload = read_payload (path, error);

  if (payload == NULL)
    return NULL;
  *length = payload->length;
  return g_memdup2 (payload->data, payload->length + 1);
}

static char *
time_string (gint64 seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (seconds);

  return time != NULL ? g_date_time_format_iso8601 (time) : g_strdup ("?");
}

/* "signer": the signer of a signed payload, or null. */
static void
signer_json (JsonBuilder        *builder,
             const Email2Signer *signer)
{
  json_builder_set_member_name (builder, "signer");
  if (signer == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  {
    g_autofree char *not_before = time_string (signer->not_before);
    g_autofree char *not_after = time_string (signer->not_after);

    json_builder_begin_object (builder);
    email2ctl_json_add_string (builder, "subject", signer->subject);
    email2ctl_json_add_string (builder, "issuer", signer->issuer);
    email2ctl_json_add_string (builder, "serial", signer->serial);
    email2ctl_json_add_string (builder, "not_before", not_before);
    email2ctl_json_add_string (builder, "not_after", not_after);
    json_builder_end_object (builder);
  }
}

/* An administrator's file or directory: root's; one named on the command
 * line may also be the caller's own (to check a payload before it is
 * rolled out). */
static uid_t
expected_owner (const char *path,
                gboolean    named)
{
  struct stat st;

  if (named && lstat (path, &st) == 0 && st.st_uid == getuid ())
    return getuid ();
  return 0;
}

/* A signed payload is opened (verified against the anchors); an unsigned
 * one passes unless it must be signed. @data is replaced by the content. */
static gboolean
open_signed (char          **data,
             gsize          *length,
             const char     *trust_dir,
             gboolean        required,
             Email2Signer  **signer,
             GError        **error)
{
  const char *dir = trust_dir != NULL ? trust_dir : EMAIL2_TRUST_DIR;
  g_autoptr(Email2Trust) trust = NULL;
  char *content = NULL;
  gsize content_length = 0;

  if (!required && !email2_signed_detect (*data, *length))
    return TRUE;

  trust = email2_trust_new_from_directory (dir, expected_owner (dir, trust_dir != NULL), error);
  if (trust == NULL ||
      !email2_trust_unwrap (trust, *data, *length, required, &content, &content_length, signer,
                            error))
    return FALSE;
  if (content != NULL)
    {
      explicit_bzero (*data, *length);
      g_free (*data);
      *data = content;
      *length = content_length;
    }
  return TRUE;
}

static void
print_signer (const Email2Signer *signer)
{
  g_autofree char *not_after = time_string (signer->not_after);

  /* On stderr: stdout holds the response document. */
  g_printerr (_("Signed by: %s (issuer: %s; serial %s; valid until %s)\n"), signer->subject,
              signer->issuer, signer->serial, not_after);
}

static int
command_validate (int    argc,
                  char **argv)
{
  g_autofree char *state = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *as_user = NULL;
  g_autofree char *trust_dir = NULL;
  g_autofree char *policy_file = NULL;
  Email2Format format = EMAIL2_FORMAT_AUTO;
  gboolean json = FALSE;
  g_autoptr(Email2Signer) signer = NULL;
  g_autoptr(Email2Variables) variables = NULL;
  GOptionEntry entries[] = {
    { "as-user", 0, 0, G_OPTION_ARG_STRING, &as_user,
      N_("Run it as a system payload for user NAME: variables substituted, no secrets, "
         "signature required when trust anchors are installed"), N_("NAME") },
    { "trust-dir", 0, 0, G_OPTION_ARG_FILENAME, &trust_dir,
      N_("Verify signatures against the anchors in DIR (default: /etc/xdg/email2/trust)"),
      N_("DIR") },
    { "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy_file,
      N_("Read the administrator's settings from FILE (default: /etc/xdg/email2/email2.conf)"),
      N_("FILE") },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state,
      N_("Load the accounts from FILE first and save them after (secrets are never saved)"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON summary instead of the response document"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      N_("Read the payload as syncml or cp (default: tell from the content)"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE|- — check a payload, touching nothing"));
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2MemoryHost) host = NULL;
  g_autoptr(Email2Session) session = NULL;
  g_autoptr(Email2Payload) payload = NULL;
  g_autofree char *output = NULL;
  char *data;
  gsize length = 0;

  g_option_context_set_summary (context,
    _("Runs an EMAIL2 payload through the engine on an in-memory host and\n"
      "prints the response a device would send. The payload is a SyncML DM\n"
      "message or an OMA Client Provisioning document, as XML or WBXML; the\n"
      "response has the same format and encoding. A signed payload (CMS\n"
      "SignedData) is verified against the trust anchors and its signer shown.\n"
      "Exit status: 0 when every command succeeded, 1 when a command failed,\n"
      "2 for unusable input or a payload refused."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return email2ctl_usage_error (context, error->message);
  if (argc != 2)
    return email2ctl_usage_error (context, _("validate takes one payload file, or - for standard input"));
  if (format_name != NULL && (!email2_format_from_string (format_name, &format) ||
                              format == EMAIL2_FORMAT_AUTO))
    return email2ctl_usage_error (context, _("--format takes syncml or cp"));

  host = email2_memory_host_new ();
  if (state != NULL && !email2_memory_host_load (host, state, &error))
    return email2ctl_usage_error (NULL, error->message);

  if (as_user != NULL)
    {
      const char *path = policy_file != NULL ? policy_file : EMAIL2_POLICY_FILE;
      g_autoptr(Email2Policy) policy =
        email2_policy_new_from_file (path, expected_owner (path, policy_file != NULL), &error);

      if (policy != NULL)
        variables = email2_variables_new_for_user (as_user,
                                                   email2_policy_get_email_pattern (policy),
                                                   &error);
      if (variables == NULL)
        return email2ctl_usage_error (NULL, error->message);
    }

  data = read_input (argv[1], &length, &error);
  if (data == NULL)
    return email2ctl_usage_error (NULL, error->message);

  if (!open_signed (&data, &length, trust_dir, as_user != NULL, &signer, &error))
    {
      explicit_bzero (data, length);
      g_free (data);
      return email2ctl_usage_error (NULL, error->message);
    }
  if (signer != NULL && !json)
    print_signer (signer);

  payload = email2_payload_parse (data, length, format, &error);
  explicit_bzero (data, length);
  g_free (data);
  if (payload == NULL)
    return email2ctl_usage_error (NULL, error->message);

  session = email2_session_new (EMAIL2_HOST (host));
  email2_session_set_variables (session, variables);
  email2_payload_process (payload, session);

  if (state != NULL && !email2_memory_host_save (host, state, &error))
    return email2ctl_usage_error (NULL, error->message);

  if (json)
    {
      JsonBuilder *builder = email2ctl_json_new ("validate");
      g_autoptr(GVariant) summary = g_variant_ref_sink (email2_payload_get_summary (payload));

      email2ctl_json_add_summary (builder, summary);
      signer_json (builder, signer);
      email2ctl_json_print (builder);
    }
  else if ((output = email2_payload_write_response (payload, &length, &error)) == NULL)
    return email2ctl_usage_error (NULL, error->message);
  else
    fwrite (output, 1, length, stdout);

  /* What the user would get, values substituted, on stderr beside the
   * signer (the response echoes the payload as it came). */
  if (variables != NULL && !json && email2_payload_succeeded (payload))
    {
      g_autofree char *accounts = email2_memory_host_to_data (host);

      g_printerr (_("The accounts user %s would get:\n%s"), as_user, accounts);
    }

  return email2_payload_succeeded (payload) ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
}

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
  gsize written = 0;

  if (fd < 0)
    goto failed;
  while (written < payload->length)
    {
      gssize n = write (fd, payload->data + written, payload->length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto failed;
      written += n;
    }
  if (lseek (fd, 0, SEEK_SET) != 0 ||
      fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    goto failed;

  return fd;

failed:
  {
    int saved = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                 _("The payload cannot be handed over: %s"), g_strerror (saved));
    if (fd >= 0)
      close (fd);
    return -1;
  }
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

  payload = read_payload (argv[1], &error);
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
  { "validate", command_validate, N_("Check a payload on an in-memory host and print the response") },
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
