/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The helpers the test programs share (libemail2-test): messages and
 * accounts, child processes of email2ctl, the worker runner, the recording
 * notification service. Longer than 800 lines on purpose: small helpers,
 * each used by several programs, which files of their own would not make
 * easier to find.
 */

#define _GNU_SOURCE
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-payload-private.h"

/**
 * email2_test_message:
 * @body: the SyncBody content
 *
 * Returns: (transfer full): a SyncML DM 1.2 message with SessionID 7 and
 *   MsgID 3 around @body
 */
char *
email2_test_message (const char *body)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<SyncML xmlns=\"SYNCML:SYNCML1.2\">\n"
    "<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"
    "<SessionID>7</SessionID><MsgID>3</MsgID>"
    "<Target><LocURI>urn:uuid:device</LocURI></Target>"
    "<Source><LocURI>https://mdm.example.com/omadm</LocURI></Source></SyncHdr>\n"
    "<SyncBody>\n%s\n<Final/></SyncBody>\n</SyncML>\n", body);
}

/**
 * email2_test_item_cmd:
 * @cmd: Add, Replace, Delete or Get
 * @cmd_id: the CmdID
 * @uri: the Target LocURI
 * @format: (nullable): the Meta Format
 * @data: (nullable): the Data, already XML-escaped
 *
 * Returns: (transfer full): one command with one item
 */
char *
email2_test_item_cmd (const char *cmd,
                      const char *cmd_id,
                      const char *uri,
                      const char *format,
                      const char *data)
{
  g_autofree char *meta = format != NULL
    ? g_strdup_printf ("<Meta><Format xmlns=\"syncml:metinf\">%s</Format></Meta>", format)
    : g_strdup ("");
  g_autofree char *data_element = data != NULL ? g_strdup_printf ("<Data>%s</Data>", data)
                                               : g_strdup ("");

  return g_strdup_printf ("<%s><CmdID>%s</CmdID><Item><Target><LocURI>%s</LocURI></Target>%s%s</Item></%s>\n",
                          cmd, cmd_id, uri, meta, data_element, cmd);
}

/**
 * email2_test_create_account:
 * @account_uri: the account's LocURI
 * @first_cmd_id: the CmdID of the first command; the others count up
 * @service_type: IMAP4 or POP3
 *
 * Returns: (transfer full): Microsoft's creation shape, without the Atomic:
 *   Add of the account node, then a Replace per required leaf and AUTHSECRET
 *   (10 commands)
 */
char *
email2_test_create_account (const char *account_uri,
                            const char *first_cmd_id,
                            const char *service_type)
{
  static const char * const leaves[][2] = {
    { "SERVICENAME", "Contoso Mail" },
    { "SERVICETYPE", NULL },
    { "ACCOUNTTYPE", "Email" },
    { "INSERVER", "mail.contoso.com" },
    { "OUTSERVER", "smtp.contoso.com:587" },
    { "AUTHNAME", "alice" },
    { "AUTHSECRET", "s3cret&amp;pw" },
    { "REPLYADDR", "alice@contoso.com" },
    { "SYNCINGCONTENTTYPES", "2" },
  };
  GString *out = g_string_new (NULL);
  guint64 id = g_ascii_strtoull (first_cmd_id, NULL, 10);
  char cmd_id[24];
  g_autofree char *add = NULL;

  g_snprintf (cmd_id, sizeof cmd_id, "%" G_GUINT64_FORMAT, id++);
  add = email2_test_item_cmd ("Add", cmd_id, account_uri, "node", NULL);
  g_string_append (out, add);

  for (guint i = 0; i < G_N_ELEMENTS (leaves); i++)
    {
      g_autofree char *uri = g_strdup_printf ("%s/%s", account_uri, leaves[i][0]);
      g_autofree char *replace = NULL;

      g_snprintf (cmd_id, sizeof cmd_id, "%" G_GUINT64_FORMAT, id++);
      replace = email2_test_item_cmd ("Replace", cmd_id, uri, "chr",
                                      leaves[i][1] != NULL ? leaves[i][1] : service_type);
      g_string_append (out, replace);
    }

  return g_string_free (out, FALSE);
}

/**
 * email2_test_run:
 * @host: the host
 * @body: the SyncBody content
 * @response: (out) (optional): the response document
 *
 * Returns: (transfer full): the engine's statuses
 */
GPtrArray *
email2_test_run (Email2MemoryHost  *host,
                 const char        *body,
                 char             **response)
{
  g_autofree char *text = email2_test_message (body);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2SyncmlMessage) message = NULL;
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  GPtrArray *statuses;

  message = email2_syncml_read (email2_xml_parse, text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_cmpuint (message->header_status, ==, 200);

  statuses = email2_session_process (session, message->commands);
  if (response != NULL)
    *response = email2_syncml_write_response (message, statuses);

  return statuses;
}

/**
 * email2_test_summarize:
 * @statuses: the engine's statuses
 *
 * Returns: (transfer full): "Cmd:CmdRef:code" for each, space-separated
 */
char *
email2_test_summarize (GPtrArray *statuses)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < statuses->len; i++)
    {
      const Email2Status *status = statuses->pdata[i];

      g_string_append_printf (out, "%s%s:%s:%u", i ? " " : "", status->cmd,
                              status->cmd_ref ? status->cmd_ref : "", status->code);
    }

  return g_string_free (out, FALSE);
}

/**
 * email2_test_get:
 * @host: the host
 * @uri: a LocURI
 * @code: (out): the status of the Get
 *
 * Returns: (transfer full) (nullable): the value Get answers, if any
 */
char *
email2_test_get (Email2MemoryHost *host,
                 const char       *uri,
                 guint            *code)
{
  g_autofree char *body = email2_test_item_cmd ("Get", "1", uri, NULL, NULL);
  g_autoptr(GPtrArray) statuses = email2_test_run (host, body, NULL);
  Email2Status *status;

  g_assert_cmpuint (statuses->len, ==, 1);
  status = statuses->pdata[0];
  *code = status->code;

  return g_strdup (status->result_data);
}

/**
 * email2_test_remove_tree:
 * @path: a directory the test made
 *
 * Removes @path and everything below it, following no symbolic link.
 */
void
email2_test_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            email2_test_remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

/**
 * email2_test_read_file:
 * @path: a file that must exist
 * @length: (out) (optional): its length
 *
 * Returns: (transfer full): its contents
 */
char *
email2_test_read_file (const char *path,
                       gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);

  return contents;
}

/**
 * email2_test_assert_one_line:
 * @text: what a command printed
 *
 * Asserts that @text is one non-empty line of printable characters,
 * ended by a newline: the form of every reason email2ctl gives.
 */
void
email2_test_assert_one_line (const char *text)
{
  const char *newline = strchr (text, '\n');

  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_cmpuint (newline - text, >, 0);
  for (const char *p = text; p < newline; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

/* ---- evolution-source-registry, inside tools/with-session ---- */

/**
 * email2_test_registry_running:
 *
 * Returns: whether the registry owns its bus name on the session bus
 */
gboolean
email2_test_registry_running (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.gnome.evolution.dataserver.Sources5"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/**
 * email2_test_init_session:
 * @argc: main()'s
 * @argv: main()'s
 *
 * g_test_init() for a test that must run inside tools/with-session: it
 * uses the session's keyring, never the real user's, and stops at once
 * outside one.
 */
void
email2_test_init_session (int    *argc,
                          char ***argv)
{
  g_test_init (argc, argv, NULL);
  if (g_getenv ("EMAIL2_SESSION_DIR") == NULL)
    g_error ("run under tools/with-session");
}

/**
 * email2_test_keyring_pid:
 *
 * Returns: the process id of the Secret Service (the session's
 *   gnome-keyring-daemon), 0 when none owns its name
 */
guint32
email2_test_keyring_pid (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);
  return pid;
}

/**
 * email2_test_registry_wait:
 * @running: what to wait for
 *
 * Waits (30 s at most) until the registry runs, or no longer runs.
 */
void
email2_test_registry_wait (gboolean running)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (email2_test_registry_running () != running)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

/**
 * email2_test_registry_stop:
 * @child: (inout): a registry the test started, or 0 for tools/with-session's
 *
 * Stops the registry and waits until its bus name is free.
 */
void
email2_test_registry_stop (GPid *child)
{
  if (*child != 0)
    {
      int status;

      kill (*child, SIGTERM);
      waitpid (*child, &status, 0);
      g_spawn_close_pid (*child);
      *child = 0;
    }
  else
    kill ((pid_t) g_ascii_strtoll (g_getenv ("EMAIL2_REGISTRY_PID"), NULL, 10), SIGTERM);

  email2_test_registry_wait (FALSE);
}

/**
 * email2_test_registry_start:
 * @env: (nullable): NAME, VALUE pairs to add to its environment, %NULL-ended
 * @log: (nullable): where its output goes, else nowhere
 * @child: (out): its process
 *
 * Starts a registry of the test's own (D-Bus activation would race with
 * it) and waits until email2's module answers.
 */
void
email2_test_registry_start (const char * const *env,
                            const char         *log,
                            GPid               *child)
{
  g_auto(GStrv) envp = g_get_environ ();
  const char *argv[] = { "/bin/sh", "-c", "exec /usr/libexec/evolution-source-registry >\"$0\" 2>&1",
                         log != NULL ? log : "/dev/null", NULL };
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  /* The test's debugging settings are not the service's. */
  envp = g_environ_unsetenv (envp, "G_DEBUG");
  envp = g_environ_unsetenv (envp, "MALLOC_CHECK_");
  envp = g_environ_unsetenv (envp, "MALLOC_PERTURB_");
  envp = g_environ_setenv (envp, "G_MESSAGES_DEBUG", "email2", TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    envp = g_environ_setenv (envp, env[i], env[i + 1], TRUE);

  g_spawn_async (NULL, (char **) argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, child, &error);
  g_assert_no_error (error);
  email2_test_registry_wait (TRUE);

  /* Serving once the sources are loaded and any recovery is queued. */
  for (;;)
    {
      const char *list[] = { g_getenv ("EMAIL2CTL"), "list", NULL };
      int status = 0;

      g_spawn_sync (NULL, (char **) list, NULL,
                    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, &error);
      g_assert_no_error (error);
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

/**
 * email2_test_run_clear:
 * @run: a run
 */
void
email2_test_run_clear (Email2TestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/**
 * email2_test_ctl:
 * @run: (out caller-allocates): what happened
 * @command: an email2ctl command
 * @argument: (nullable): its one argument
 *
 * Runs `$EMAIL2CTL COMMAND [ARGUMENT]`, as an administrator does.
 */
void
email2_test_ctl (Email2TestRun *run,
                 const char    *command,
                 const char    *argument)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { g_getenv ("EMAIL2CTL"), command, argument, NULL };

  memset (run, 0, sizeof *run);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &run->status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (run->status) ? WEXITSTATUS (run->status) : -1;
}

/**
 * email2_test_assert_no_secret_on_disk:
 * @dir: a tree the test made (a session's)
 * @secrets: every secret the test used, %NULL-ended
 * @skip: (nullable): names of files left out on purpose, %NULL-ended
 *
 * Fails when any regular file below @dir holds one of @secrets: home,
 * configuration, caches, logs. Symbolic links and special files (a FIFO
 * would block) are not read.
 */
void
email2_test_assert_no_secret_on_disk (const char         *dir,
                                      const char * const *secrets,
                                      const char * const *skip)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) ||
          (skip != NULL && g_strv_contains (skip, name)))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          email2_test_assert_no_secret_on_disk (path, secrets, skip);
          continue;
        }
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) ||
          !g_file_get_contents (path, &contents, &length, NULL))
        continue;
      for (guint i = 0; secrets[i] != NULL; i++)
        if (memmem (contents, length, secrets[i], strlen (secrets[i])) != NULL)
          g_error ("the secret “%s” is in %s", secrets[i], path);
    }
}

/**
 * email2_test_async_result:
 * @object: the source object
 * @result: the result
 * @user_data: a `GAsyncResult **`, %NULL until the call ends
 *
 * A #GAsyncReadyCallback that keeps the result, for tests that iterate
 * the main context until it is there.
 */
void
email2_test_async_result (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * email2_test_ctlv:
 * @run: (out caller-allocates): what happened
 * @args: email2ctl's arguments, %NULL-ended
 *
 * Runs `$EMAIL2CTL ARGS…`.
 */
void
email2_test_ctlv (Email2TestRun      *run,
                  const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) g_getenv ("EMAIL2CTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  memset (run, 0, sizeof *run);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &run->status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (run->status) ? WEXITSTATUS (run->status) : -1;
}

/**
 * email2_test_parse_json:
 * @text: what `email2ctl … --json` printed
 * @command: the command that printed it
 *
 * Parses @text and checks what every answer of docs/json.md carries: one
 * object, "version" 1 and "command".
 *
 * Returns: (transfer full): the object
 */
JsonObject *
email2_test_parse_json (const char *text,
                        const char *command)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (object, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "command"), ==, command);

  return json_object_ref (object);
}

/**
 * email2_test_assert_json_keys:
 * @object: a JSON object
 * @keys: the members it must have, exactly and in this order, %NULL-ended
 */
void
email2_test_assert_json_keys (JsonObject         *object,
                              const char * const *keys)
{
  g_autoptr(GList) members = json_object_get_members (object);
  GList *l = members;

  for (guint i = 0; keys[i] != NULL; i++, l = l->next)
    {
      g_assert_nonnull (l);
      g_assert_cmpstr (l->data, ==, keys[i]);
    }
  g_assert_null (l);
}

/* ---- a private message bus ---- */

/* GTestDBus's daemon and its watcher process inherit the test's stdout
 * and stderr: when a fatal warning in another thread aborted the test,
 * they kept meson's pipes open and the test hung until its timeout
 * instead of failing. This daemon's output goes to the test, and the
 * kernel ends it when the test ends, however it ends. */
struct _Email2TestBus {
  GSubprocess *daemon;
  char *config;
  char *address;
};

static const char bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>session</type>\n"
  "  <listen>unix:tmpdir=/tmp</listen>\n"
  "  <policy context=\"default\">\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * email2_test_bus_up:
 *
 * Starts a dbus-daemon of its own for this test (no service files: nothing
 * is activated); it is killed when the test process ends, even by a crash.
 *
 * Returns: (transfer full): the bus, for email2_test_bus_down()
 */
Email2TestBus *
email2_test_bus_up (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  Email2TestBus *bus = g_new0 (Email2TestBus, 1);
  int fd;

  fd = g_file_open_tmp ("email2-test-bus-XXXXXX.conf", &bus->config, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (bus->config, bus_config, -1, &error);
  g_assert_no_error (error);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bus->daemon = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--nofork",
                                             "--print-address=1", "--config-file", bus->config,
                                             NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus->daemon));
  bus->address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bus->address);
  /* Read by now: nothing is left behind however the test ends. */
  g_unlink (bus->config);
  return bus;
}

const char *
email2_test_bus_get_address (Email2TestBus *bus)
{
  return bus->address;
}

/**
 * email2_test_bus_down:
 * @bus: a bus from email2_test_bus_up()
 *
 * Stops the daemon and waits for it.
 */
void
email2_test_bus_down (Email2TestBus *bus)
{
  g_subprocess_send_signal (bus->daemon, SIGTERM);
  g_subprocess_wait (bus->daemon, NULL, NULL);
  g_object_unref (bus->daemon);
  g_free (bus->config);
  g_free (bus->address);
  g_free (bus);
}

/* ---- a notification service that records what it is asked to show ---- */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
notifications_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  Email2TestNotifications *self = user_data;

  if (g_strcmp0 (method, "GetCapabilities") == 0)
    {
      const char *with_markup[] = { "body", "body-markup", NULL };
      const char *without[] = { "body", NULL };

      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(^as)", self->markup ? with_markup
                                                                                  : without));
    }
  else
    {
      const char *icon, *summary, *body, *entry = "";
      g_autoptr(GVariant) hints = NULL;

      g_variant_get (parameters, "(&su&s&s&sas@a{sv}i)", NULL, NULL, &icon, &summary, &body, NULL,
                     &hints, NULL);
      g_variant_lookup (hints, "desktop-entry", "&s", &entry);
      g_ptr_array_add (self->shown,
                       g_variant_ref_sink (g_variant_new ("(ssss)", icon, summary, body, entry)));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", self->shown->len));
    }
}

static const GDBusInterfaceVTable notifications_vtable = { notifications_call, NULL, NULL, { NULL } };

static GDBusConnection *
connect_test_bus (Email2TestBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (email2_test_bus_get_address (bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

/**
 * email2_test_notifications_init:
 * @self: where to keep it (a test's fixture)
 * @with_service: whether the bus has a notification service at all
 * @markup: whether the service says it reads body markup
 *
 * Starts a private bus with a notification service that only records
 * the calls (@self->shown); a notifier made on @self->client_connection
 * sends them there. A real notification daemon is tests/test-notify.c's.
 */
void
email2_test_notifications_init (Email2TestNotifications *self,
                                gboolean                 with_service,
                                gboolean                 markup)
{
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  self->bus = email2_test_bus_up ();
  self->service_connection = connect_test_bus (self->bus);
  self->client_connection = connect_test_bus (self->bus);
  self->shown = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  self->markup = markup;
  self->registration = 0;
  if (!with_service)
    return;

  node = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  self->registration = g_dbus_connection_register_object (self->service_connection,
                                                          "/org/freedesktop/Notifications",
                                                          node->interfaces[0], &notifications_vtable,
                                                          self, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (self->service_connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.Notifications", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
}

void
email2_test_notifications_clear (Email2TestNotifications *self)
{
  if (self->registration != 0)
    g_dbus_connection_unregister_object (self->service_connection, self->registration);
  g_dbus_connection_close_sync (self->client_connection, NULL, NULL);
  g_dbus_connection_close_sync (self->service_connection, NULL, NULL);
  g_clear_object (&self->client_connection);
  g_clear_object (&self->service_connection);
  g_clear_pointer (&self->shown, g_ptr_array_unref);
  g_clear_pointer (&self->bus, email2_test_bus_down);
}

/* The @index-th notification shown is Evolution's, with these texts. */
void
email2_test_notifications_assert_shown (Email2TestNotifications *self,
                                        guint                    index,
                                        const char              *icon,
                                        const char              *summary,
                                        const char              *body)
{
  const char *got_icon, *got_summary, *got_body, *entry;

  g_assert_cmpuint (index, <, self->shown->len);
  g_variant_get (self->shown->pdata[index], "(&s&s&s&s)", &got_icon, &got_summary, &got_body,
                 &entry);
  g_assert_cmpstr (got_icon, ==, icon);
  g_assert_cmpstr (got_summary, ==, summary);
  g_assert_cmpstr (got_body, ==, body);
  g_assert_cmpstr (entry, ==, "org.gnome.Evolution");
}

typedef struct {
  GFunc func;
  gpointer data;
  gint done;
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *worker = data;

  worker->func (worker->data, NULL);
  g_atomic_int_set (&worker->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

/**
 * email2_test_notifications_run:
 * @self: the notification service
 * @func: what the module's worker would do
 * @data: for @func
 * @expected: how many notifications are shown in all once it is done
 *
 * Runs @func in a thread of its own while this thread serves the
 * notification service (the notifier asks for its capabilities
 * synchronously, from the worker), until @func returned and @expected
 * notifications were shown (10 s at most).
 */
void
email2_test_notifications_run (Email2TestNotifications *self,
                               GFunc                    func,
                               gpointer                 data,
                               guint                    expected)
{
  Worker worker = { func, data, 0 };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GThread *thread = g_thread_new ("worker", worker_run, &worker);

  while ((!g_atomic_int_get (&worker.done) || self->shown->len < expected) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  /* What the service answers last is only logged: let it arrive. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (self->shown->len, ==, expected);
}
