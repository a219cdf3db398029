/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The email2ctl command line (EMAIL2CTL), run as a child process: usage,
 * exit statuses, the examples, standard input, --json, --state and schema.
 *
 * Longer than 800 lines on purpose: every command of email2ctl in one
 * program, sharing the child-process runner and the state directory.
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "email2-test.h"

/* The secret email2_test_create_account () sets, unescaped. */
#define TEST_SECRET "s3cret&pw"

typedef struct {
  int exit_status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static char *tmp_dir;
static char **child_environ;

static char *
bytes_to_string (GBytes *bytes)
{
  gsize length = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &length) : NULL;

  if (data != NULL)
    g_assert_null (memchr (data, '\0', length));

  return g_strndup (data != NULL ? data : "", length);
}

/* Runs email2ctl with the arguments of @args (NULL-terminated), @input on
 * its standard input (an empty one when %NULL). */
static void
run_ctlv (Run                *run,
          const char         *input,
          const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *input_path = NULL;
  g_autoptr(GBytes) stdout_bytes = NULL;
  g_autoptr(GBytes) stderr_bytes = NULL;
  const char *ctl = g_getenv ("EMAIL2CTL");

  g_assert_nonnull (ctl);
  memset (run, 0, sizeof *run);

  g_ptr_array_add (argv, (char *) ctl);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  /* Standard input comes from a file, so that a child that exits before
   * reading it leaves no broken pipe behind; no input is an empty file. */
  input_path = g_build_filename (tmp_dir, "stdin", NULL);
  g_file_set_contents (input_path, input != NULL ? input : "", -1, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, child_environ);
  g_subprocess_launcher_set_stdin_file_path (launcher, input_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate (process, NULL, NULL, &stdout_bytes, &stderr_bytes, &error);
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_if_exited (process));
  run->exit_status = g_subprocess_get_exit_status (process);
  run->out = bytes_to_string (stdout_bytes);
  run->err = bytes_to_string (stderr_bytes);
}

static void run_ctl (Run        *run,
                     const char *input,
                     ...) G_GNUC_NULL_TERMINATED;

static void
run_ctl (Run        *run,
         const char *input,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, input);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  run_ctlv (run, input, (const char * const *) args->pdata);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static char *
write_tmp (const char *name,
           const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = tmp_path (name);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);

  return path;
}

/* The creation of TEST_ACCOUNT in Microsoft's shape. */
static char *
creation_message (void)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>", create);

  return email2_test_message (body);
}

static void
assert_no_secret (const char *text)
{
  g_assert_null (strstr (text, TEST_SECRET));
  g_assert_null (strstr (text, "s3cret"));
}

/* A CP document creating TEST_GUID (literal braces) with TEST_SECRET. */
#define CP_CREATION \
  "<?xml version=\"1.0\"?><wap-provisioningdoc><characteristic type=\"EMAIL2\">" \
  "<characteristic type=\"" TEST_GUID "\">" \
  "<parm name=\"SERVICENAME\" value=\"Contoso Mail\"/><parm name=\"SERVICETYPE\" value=\"IMAP4\"/>" \
  "<parm name=\"ACCOUNTTYPE\" value=\"Email\"/><parm name=\"INSERVER\" value=\"mail.contoso.com\"/>" \
  "<parm name=\"OUTSERVER\" value=\"smtp.contoso.com:587\"/><parm name=\"AUTHNAME\" value=\"alice\"/>" \
  "<parm name=\"AUTHSECRET\" value=\"s3cret&amp;pw\"/><parm name=\"REPLYADDR\" value=\"alice@contoso.com\"/>" \
  "<parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/></characteristic></characteristic></wap-provisioningdoc>"

/* Usage ------------------------------------------------------------------ */

static const char * const command_names[] = {
  "validate", "apply", "get", "list", "delete", "schema", "probe",
};

static void
test_help (void)
{
  static const char * const spellings[] = { "--help", "-h", "help" };

  for (guint i = 0; i < G_N_ELEMENTS (spellings); i++)
    {
      g_auto(Run) run = { 0, };

      run_ctl (&run, NULL, spellings[i], NULL);
      g_assert_cmpint (run.exit_status, ==, 0);
      g_assert_nonnull (strstr (run.out, "validate"));
      g_assert_nonnull (strstr (run.out, "schema"));
      g_assert_cmpstr (run.err, ==, "");
    }

  {
    g_auto(Run) run = { 0, };

    run_ctl (&run, NULL, "validate", "--help", NULL);
    g_assert_cmpint (run.exit_status, ==, 0);
    g_assert_nonnull (strstr (run.out, "--state"));
    g_assert_nonnull (strstr (run.out, "--json"));
  }
}

static void
test_version (void)
{
  g_auto(Run) run = { 0, };

  run_ctl (&run, NULL, "--version", NULL);
  g_assert_cmpint (run.exit_status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "email2ctl "));
  g_assert_nonnull (strstr (run.out, EMAIL2_VERSION));
  g_assert_cmpstr (run.err, ==, "");
}

static void
assert_usage_error (const char * const *args)
{
  g_auto(Run) run = { 0, };

  run_ctlv (&run, NULL, args);
  g_assert_cmpint (run.exit_status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, !=, "");
}

static void
test_usage_errors (void)
{
  g_autofree char *payload = write_tmp ("usage.xml", "");
  const char * const no_arguments[] = { NULL };
  const char * const unknown_command[] = { "frobnicate", NULL };
  const char * const unknown_option[] = { "--frobnicate", NULL };
  const char * const validate_no_file[] = { "validate", NULL };
  const char * const validate_two_files[] = { "validate", payload, payload, NULL };
  const char * const validate_bad_option[] = { "validate", "--frobnicate", payload, NULL };
  const char * const schema_argument[] = { "schema", "NAME", NULL };
  const char * const schema_bad_option[] = { "schema", "--frobnicate", NULL };

  assert_usage_error (no_arguments);
  assert_usage_error (unknown_command);
  assert_usage_error (unknown_option);
  assert_usage_error (validate_no_file);
  assert_usage_error (validate_two_files);
  assert_usage_error (validate_bad_option);
  assert_usage_error (schema_argument);
  assert_usage_error (schema_bad_option);
}

static void
test_missing_file (void)
{
  g_autofree char *missing = tmp_path ("no-such-payload.xml");
  g_auto(Run) run = { 0, };

  run_ctl (&run, NULL, "validate", missing, NULL);
  g_assert_cmpint (run.exit_status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  email2_test_assert_one_line (run.err);
  g_assert_nonnull (strstr (run.err, "no-such-payload.xml"));
}

static const char * const summary_keys[] = {
  "version", "command", "ok", "format", "encoding", "session_id", "msg_id", "header", "statuses",
  "signer", NULL
};
static const char * const status_keys[] = {
  "cmd", "cmd_ref", "target", "status", "reason", "format", "data", NULL
};

/* Parses a validate --json answer, checks that it has every key, each
 * status too, and returns it. */
static JsonObject *
parse_summary (const char *text)
{
  g_autoptr(JsonObject) object = email2_test_parse_json (text, "validate");
  JsonArray *statuses;

  email2_test_assert_json_keys (object, summary_keys);
  statuses = json_object_get_array_member (object, "statuses");
  g_assert_cmpuint (json_array_get_length (statuses), >, 0);
  for (guint i = 0; i < json_array_get_length (statuses); i++)
    email2_test_assert_json_keys (json_array_get_object_element (statuses, i), status_keys);

  return g_steal_pointer (&object);
}

/* validate --------------------------------------------------------------- */

/* The examples' README says in its table which examples must run after
 * which: "| `edit-account.xml` | … | after `create-imap-account.xml` |".
 * Returns the examples to run first, in order. */
static GStrv
example_prerequisites (const char *readme,
                       const char *name)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *row_start = g_strdup_printf ("| `%s` |", name);
  g_auto(GStrv) lines = g_strsplit (readme != NULL ? readme : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *cell;
      g_auto(GStrv) parts = NULL;

      if (!g_str_has_prefix (lines[i], row_start))
        continue;

      /* The last cell: "alone", or "after `A.xml`" (maybe several). */
      g_strchomp (lines[i]);
      if (g_str_has_suffix (lines[i], "|"))
        lines[i][strlen (lines[i]) - 1] = '\0';
      cell = strrchr (lines[i], '|');
      if (cell == NULL || strstr (cell, "after") == NULL)
        break;
      parts = g_strsplit (cell, "`", -1);
      for (guint j = 1; parts[j] != NULL; j += 2)
        if (g_str_has_suffix (parts[j], ".xml"))
          g_strv_builder_add (builder, parts[j]);
      break;
    }

  return g_strv_builder_end (builder);
}

/* The Data of every AUTHSECRET and SMTPALTPASSWORD item of @payload, and
 * the value of every such CP parm, as written there. */
static GStrv
example_secrets (const char *payload)
{
  static const char * const targets[] = { "/AUTHSECRET</LocURI>", "/SMTPALTPASSWORD</LocURI>" };
  static const char * const parms[] = { "<parm name=\"AUTHSECRET\" value=\"",
                                        "<parm name=\"SMTPALTPASSWORD\" value=\"" };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (parms); i++)
    for (const char *at = strstr (payload, parms[i]); at != NULL; at = strstr (at + 1, parms[i]))
      {
        const char *value = at + strlen (parms[i]);
        const char *end = strchr (value, '"');

        if (end != NULL && end > value)
          {
            g_autofree char *secret = g_strndup (value, end - value);

            g_strv_builder_add (builder, secret);
          }
      }

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    for (const char *at = strstr (payload, targets[i]); at != NULL;
         at = strstr (at + 1, targets[i]))
      {
        const char *data = strstr (at, "<Data>");
        const char *end = data != NULL ? strstr (data, "</Data>") : NULL;
        const char *item_end = strstr (at, "</Item>");

        if (end != NULL && (item_end == NULL || data < item_end) && end > data + 6)
          {
            g_autofree char *secret = g_strndup (data + 6, end - data - 6);

            g_strv_builder_add (builder, secret);
          }
      }

  return g_strv_builder_end (builder);
}

/* Runs the examples @prerequisites on a fresh @state, each must succeed. */
static void
prepare_state (const char         *dir_path,
               const char         *state,
               const char * const *prerequisites)
{
  g_unlink (state);
  for (guint i = 0; prerequisites[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir_path, prerequisites[i], NULL);
      g_auto(Run) run = { 0, };

      run_ctl (&run, NULL, "validate", "--state", state, path, NULL);
      g_assert_cmpstr (run.err, ==, "");
      g_assert_cmpint (run.exit_status, ==, 0);
    }
}

static void
test_examples (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir_path = NULL;
  g_autofree char *readme_path = NULL;
  g_autofree char *readme = NULL;
  g_autofree char *state = tmp_path ("examples.ini");
  g_autoptr(GDir) dir = NULL;
  gboolean seen_imap = FALSE;
  const char *root = g_getenv ("EMAIL2_SOURCE_ROOT");
  const char *name;

  g_assert_nonnull (root);
  dir_path = g_build_filename (root, "data", "examples", NULL);
  readme_path = g_build_filename (dir_path, "README.md", NULL);
  g_file_get_contents (readme_path, &readme, NULL, NULL);
  dir = g_dir_open (dir_path, 0, &error);
  g_assert_no_error (error);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *payload = NULL;
      g_autofree char *state_text = NULL;
      g_auto(GStrv) prerequisites = NULL;
      g_auto(GStrv) secrets = NULL;
      gboolean fails = g_str_has_suffix (name, "-fails.xml");
      g_auto(Run) run = { 0, };
      g_auto(Run) json = { 0, };

      if (!g_str_has_suffix (name, ".xml"))
        continue;

      path = g_build_filename (dir_path, name, NULL);
      payload = email2_test_read_file (path, NULL);
      prerequisites = example_prerequisites (readme, name);
      secrets = example_secrets (payload);
      g_test_message ("example %s (after %u others, %u secrets)", name,
                      g_strv_length (prerequisites), g_strv_length (secrets));

      prepare_state (dir_path, state, (const char * const *) prerequisites);
      run_ctl (&run, NULL, "validate", "--state", state, path, NULL);
      g_assert_cmpstr (run.err, ==, "");
      g_assert_cmpint (run.exit_status, ==, fails ? 1 : 0);
      g_assert_true (g_str_has_prefix (run.out, "<?xml"));
      g_assert_nonnull (strstr (run.out, g_str_has_prefix (name, "cp-") ? "<wap-provisioningdoc"
                                                                         : "<SyncML"));
      state_text = email2_test_read_file (state, NULL);

      prepare_state (dir_path, state, (const char * const *) prerequisites);
      run_ctl (&json, NULL, "validate", "--json", "--state", state, path, NULL);
      g_assert_cmpstr (json.err, ==, "");
      g_assert_cmpint (json.exit_status, ==, fails ? 1 : 0);
      {
        g_autoptr(JsonObject) summary = parse_summary (json.out);

        g_assert_cmpint (json_object_get_boolean_member (summary, "ok"), ==, !fails);
      }

      /* A secret never comes back, nor is it saved. */
      for (guint i = 0; secrets[i] != NULL; i++)
        {
          g_assert_null (strstr (run.out, secrets[i]));
          g_assert_null (strstr (json.out, secrets[i]));
          g_assert_null (strstr (state_text, secrets[i]));
        }

      if (strcmp (name, "create-imap-account.xml") == 0)
        {
          seen_imap = TRUE;
          g_assert_cmpint (g_strv_length (prerequisites), ==, 0);
          g_assert_true (g_strv_contains ((const char * const *) secrets, "example-password"));
        }
      if (strcmp (name, "cp-create-imap-account.xml") == 0)
        g_assert_true (g_strv_contains ((const char * const *) secrets, "example-cp-password"));
    }

  g_assert_true (seen_imap);
  g_unlink (state);
}

static void
test_stdin (void)
{
  g_autofree char *message = creation_message ();
  g_autofree char *path = write_tmp ("stdin.xml", message);
  g_auto(Run) from_file = { 0, };
  g_auto(Run) from_stdin = { 0, };

  run_ctl (&from_file, NULL, "validate", path, NULL);
  g_assert_cmpint (from_file.exit_status, ==, 0);

  run_ctl (&from_stdin, message, "validate", "-", NULL);
  g_assert_cmpstr (from_stdin.err, ==, "");
  g_assert_cmpint (from_stdin.exit_status, ==, 0);
  g_assert_cmpstr (from_stdin.out, ==, from_file.out);
  g_assert_nonnull (strstr (from_stdin.out, "<SessionID>7</SessionID>"));
  g_assert_nonnull (strstr (from_stdin.out, "<Data>200</Data>"));
  assert_no_secret (from_stdin.out);
}

static void
test_json (void)
{
  g_autofree char *message = creation_message ();
  g_autoptr(JsonObject) summary = NULL;
  JsonObject *first;
  g_auto(Run) run = { 0, };

  run_ctl (&run, message, "validate", "--json", "-", NULL);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.exit_status, ==, 0);
  summary = parse_summary (run.out);
  g_assert_true (json_object_get_boolean_member (summary, "ok"));
  g_assert_cmpstr (json_object_get_string_member (summary, "format"), ==, "syncml");
  g_assert_cmpstr (json_object_get_string_member (summary, "session_id"), ==, "7");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (summary, "header"),
                                               "status"), ==, 200);
  first = json_array_get_object_element (json_object_get_array_member (summary, "statuses"), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "cmd"), ==, "Atomic");
  g_assert_cmpint (json_object_get_int_member (first, "status"), ==, 200);
  g_assert_true (json_object_get_null_member (first, "reason"));
  g_assert_null (strstr (run.out, "<SyncML"));
  assert_no_secret (run.out);
}

/* With --json, unusable input and usage errors are JSON objects on
 * standard output too, beside the line on standard error. */
static void
test_json_errors (void)
{
  g_autofree char *missing = tmp_path ("no-such-payload.xml");
  static const struct {
    const char *input;
    const char *args[5];
    const char *kind;
  } cases[] = {
    { "<html/>", { "validate", "--json", "-", NULL }, "input" },
    { "<SyncML>", { "validate", "--json", "-", NULL }, "input" },
    { NULL, { "validate", "--json", NULL }, "usage" },
    { NULL, { "validate", "--json", "--format", "wbxml", "-" }, "usage" },
    { NULL, { "schema", "--json", "--markdown", NULL }, "usage" },
    { NULL, { "get", "--json", NULL }, "usage" },
    { NULL, { "probe", "--json", "localhost", NULL }, "usage" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0, };
      g_autoptr(JsonObject) answer = NULL;
      JsonObject *error;

      run_ctlv (&run, cases[i].input, cases[i].args);
      g_assert_cmpint (run.exit_status, ==, 2);
      g_assert_true (g_str_has_prefix (run.err, "email2ctl: "));
      answer = email2_test_parse_json (run.out, cases[i].args[0]);
      error = json_object_get_object_member (answer, "error");
      g_assert_nonnull (error);
      g_assert_cmpstr (json_object_get_string_member (error, "kind"), ==, cases[i].kind);
      g_assert_true (g_str_has_prefix (run.err + strlen ("email2ctl: "),
                                       json_object_get_string_member (error, "message")));
    }

  {
    g_auto(Run) run = { 0, };
    g_autoptr(JsonObject) answer = NULL;

    run_ctl (&run, NULL, "validate", "--json", missing, NULL);
    g_assert_cmpint (run.exit_status, ==, 2);
    answer = email2_test_parse_json (run.out, "validate");
    g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (answer, "error"),
                                                             "message"), "no-such-payload.xml"));
  }
}

/* Without a session bus, the commands that need the registry say what to
 * do instead; apply names the rollout spool's inboxes. */
static void
test_no_session_bus (void)
{
  g_autofree char *payload = write_tmp ("no-bus.xml", "<SyncML/>");
  g_autofree char *user_inbox = g_build_filename (tmp_dir, "home", "email2", "inbox/", NULL);
  const char * const commands[][4] = {
    { "apply", payload, NULL },
    { "list", NULL },
    { "get", TEST_ACCOUNT, NULL },
    { "delete", TEST_GUID, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(Run) run = { 0, };

      run_ctlv (&run, NULL, commands[i]);
      g_assert_cmpint (run.exit_status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      email2_test_assert_one_line (run.err);
      g_assert_nonnull (strstr (run.err, "no session bus"));
      g_assert_nonnull (strstr (run.err, "desktop session"));
      g_assert_nonnull (strstr (run.err, "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/"));
      if (i == 0)
        {
          g_assert_nonnull (strstr (run.err, user_inbox));
          g_assert_nonnull (strstr (run.err, "/etc/xdg/email2/inbox/"));
        }
    }

  {
    g_auto(Run) run = { 0, };
    g_autoptr(JsonObject) answer = NULL;

    run_ctl (&run, NULL, "list", "--json", NULL);
    g_assert_cmpint (run.exit_status, ==, 2);
    answer = email2_test_parse_json (run.out, "list");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (answer, "error"),
                                                    "kind"), ==, "no-session-bus");
  }
}

/* email2ctl help COMMAND is the command's own help. */
static void
test_help_command (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (command_names); i++)
    {
      g_auto(Run) help = { 0, };
      g_auto(Run) option = { 0, };

      run_ctl (&help, NULL, "help", command_names[i], NULL);
      g_assert_cmpint (help.exit_status, ==, 0);
      g_assert_cmpstr (help.err, ==, "");
      run_ctl (&option, NULL, command_names[i], "--help", NULL);
      g_assert_cmpstr (help.out, ==, option.out);
      g_assert_nonnull (strstr (help.out, command_names[i]));
      /* Every command answers --json. */
      g_assert_nonnull (strstr (help.out, "--json"));
    }

  {
    g_auto(Run) run = { 0, };

    run_ctl (&run, NULL, "help", "frobnicate", NULL);
    g_assert_cmpint (run.exit_status, ==, 2);
    g_assert_cmpstr (run.out, ==, "");
    email2_test_assert_one_line (run.err);
  }
}

/* The format is told from the content, or forced with --format. */
static void
test_formats (void)
{
  g_autofree char *syncml = creation_message ();
  g_autofree char *cp_state = tmp_path ("formats-cp.ini");
  g_autofree char *syncml_state = tmp_path ("formats-syncml.ini");
  g_autofree char *cp_saved = NULL;
  g_autofree char *syncml_saved = NULL;
  g_auto(Run) cp = { 0, };
  g_auto(Run) cp_forced = { 0, };
  g_auto(Run) syncml_run = { 0, };
  g_auto(Run) json = { 0, };
  g_auto(Run) failed = { 0, };
  g_auto(Run) wrong = { 0, };
  g_auto(Run) wrong_cp = { 0, };
  g_auto(Run) bad_option = { 0, };
  g_auto(Run) neither = { 0, };

  g_unlink (cp_state);
  g_unlink (syncml_state);
  run_ctl (&cp, CP_CREATION, "validate", "--state", cp_state, "-", NULL);
  g_assert_cmpstr (cp.err, ==, "");
  g_assert_cmpint (cp.exit_status, ==, 0);
  g_assert_true (g_str_has_prefix (cp.out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                           "<wap-provisioningdoc>\n"));
  g_assert_nonnull (strstr (cp.out, "<parm name=\"AUTHSECRET\" value=\"********\"/>"));
  assert_no_secret (cp.out);

  /* The same account as the SyncML creation. */
  run_ctl (&syncml_run, syncml, "validate", "--state", syncml_state, "-", NULL);
  g_assert_cmpint (syncml_run.exit_status, ==, 0);
  cp_saved = email2_test_read_file (cp_state, NULL);
  syncml_saved = email2_test_read_file (syncml_state, NULL);
  g_assert_cmpstr (cp_saved, ==, syncml_saved);

  run_ctl (&cp_forced, CP_CREATION, "validate", "--format", "cp", "-", NULL);
  g_assert_cmpint (cp_forced.exit_status, ==, 0);
  g_assert_cmpstr (cp_forced.out, ==, cp.out);

  /* The same keys as for SyncML (parse_summary), the SyncML ones null. */
  run_ctl (&json, CP_CREATION, "validate", "--json", "-", NULL);
  g_assert_cmpint (json.exit_status, ==, 0);
  {
    g_autoptr(JsonObject) summary = parse_summary (json.out);
    JsonArray *statuses = json_object_get_array_member (summary, "statuses");
    gboolean has_parm = FALSE;

    g_assert_cmpstr (json_object_get_string_member (summary, "format"), ==, "cp");
    g_assert_cmpstr (json_object_get_string_member (summary, "encoding"), ==, "xml");
    g_assert_true (json_object_get_null_member (summary, "session_id"));
    g_assert_true (json_object_get_null_member (summary, "header"));
    for (guint i = 0; i < json_array_get_length (statuses); i++)
      has_parm |= g_strcmp0 (json_object_get_string_member (json_array_get_object_element (statuses, i),
                                                            "cmd"), "parm") == 0;
    g_assert_true (has_parm);
  }
  assert_no_secret (json.out);

  /* A document that fails: exit status 1, the answer names why. */
  run_ctl (&failed, "<wap-provisioningdoc><characteristic type=\"EMAIL2\">"
           "<characteristic type=\"" TEST_GUID "\"><parm name=\"LINGER\" value=\"16\"/>"
           "</characteristic></characteristic></wap-provisioningdoc>", "validate", "-", NULL);
  g_assert_cmpstr (failed.err, ==, "");
  g_assert_cmpint (failed.exit_status, ==, 1);
  g_assert_nonnull (strstr (failed.out, "<parm-error name=\"LINGER\" value=\"16\" desc=\""));

  /* Forced to the other format: unusable. */
  run_ctl (&wrong, CP_CREATION, "validate", "--format", "syncml", "-", NULL);
  g_assert_cmpint (wrong.exit_status, ==, 2);
  g_assert_cmpstr (wrong.out, ==, "");
  email2_test_assert_one_line (wrong.err);
  g_assert_nonnull (strstr (wrong.err, "SyncML"));

  run_ctl (&wrong_cp, syncml, "validate", "--format", "cp", "-", NULL);
  g_assert_cmpint (wrong_cp.exit_status, ==, 2);
  email2_test_assert_one_line (wrong_cp.err);
  g_assert_nonnull (strstr (wrong_cp.err, "wap-provisioningdoc"));

  run_ctl (&bad_option, CP_CREATION, "validate", "--format", "wbxml", "-", NULL);
  g_assert_cmpint (bad_option.exit_status, ==, 2);
  g_assert_nonnull (strstr (bad_option.err, "--format"));

  run_ctl (&neither, "<html/>", "validate", "-", NULL);
  g_assert_cmpint (neither.exit_status, ==, 2);
  g_assert_cmpstr (neither.out, ==, "");
  email2_test_assert_one_line (neither.err);

  g_unlink (cp_state);
  g_unlink (syncml_state);
}

static void
test_failing_command (void)
{
  g_autofree char *get = email2_test_item_cmd ("Get", "1", TEST_ACCOUNT, NULL, NULL);
  g_autofree char *message = email2_test_message (get);
  g_autofree char *state = tmp_path ("failing.ini");
  g_auto(Run) run = { 0, };
  g_auto(Run) json = { 0, };

  /* An account that does not exist (the state file does not either). */
  run_ctl (&run, message, "validate", "--state", state, "-", NULL);
  g_assert_cmpint (run.exit_status, ==, 1);
  g_assert_nonnull (strstr (run.out, "<Data>404</Data>"));

  run_ctl (&json, message, "validate", "--json", "-", NULL);
  g_assert_cmpint (json.exit_status, ==, 1);
  {
    g_autoptr(JsonObject) summary = parse_summary (json.out);
    JsonArray *statuses = json_object_get_array_member (summary, "statuses");
    JsonObject *get_status = json_array_get_object_element (statuses, 0);

    g_assert_false (json_object_get_boolean_member (summary, "ok"));
    g_assert_cmpint (json_object_get_int_member (get_status, "status"), ==, 404);
    g_assert_cmpstr (json_object_get_string_member (get_status, "target"), ==, TEST_ACCOUNT);
    g_assert_false (json_object_get_null_member (get_status, "reason"));
  }

  g_unlink (state);
}

static void
test_bad_state (void)
{
  g_autofree char *message = creation_message ();
  g_autofree char *state = write_tmp ("bad-state.ini", "[not a GUID]\nNAME=x\n");
  g_autofree char *after = NULL;
  g_auto(Run) run = { 0, };

  run_ctl (&run, message, "validate", "--state", state, "-", NULL);
  g_assert_cmpint (run.exit_status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  email2_test_assert_one_line (run.err);

  after = email2_test_read_file (state, NULL);
  g_assert_cmpstr (after, ==, "[not a GUID]\nNAME=x\n");
  g_unlink (state);
}

static void
assert_state (const char *path,
              gboolean    has_account)
{
  g_autofree char *state = email2_test_read_file (path, NULL);
  struct stat info;

  assert_no_secret (state);
  g_assert_null (strstr (state, "s3cret&amp;pw"));
  if (has_account)
    {
      g_assert_nonnull (strstr (state, "[" TEST_GUID "]"));
      g_assert_nonnull (strstr (state, "AUTHSECRET=********"));
    }
  else
    {
      g_assert_null (strstr (state, TEST_GUID));
      g_assert_null (strstr (state, "AUTHSECRET"));
    }

  /* Only the user may read it, although no secret is in it. */
  g_assert_cmpint (g_stat (path, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 077, ==, 0);
}

static void
validate_with_state (Run        *run,
                     const char *state,
                     const char *body,
                     int         expected_exit)
{
  g_autofree char *message = email2_test_message (body);

  run_ctl (run, message, "validate", "--state", state, "-", NULL);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->exit_status, ==, expected_exit);
  assert_no_secret (run->out);
}

static void
test_state_sequence (void)
{
  g_autofree char *state = tmp_path ("sequence.ini");
  g_autofree char *message = creation_message ();
  g_autofree char *replace = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/NAME",
                                                   "chr", "Alice &amp; Bob");
  g_autofree char *replace_body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>", replace);
  g_autofree char *get_name = email2_test_item_cmd ("Get", "1", TEST_ACCOUNT "/NAME", NULL, NULL);
  g_autofree char *get_secret = email2_test_item_cmd ("Get", "1", TEST_ACCOUNT "/AUTHSECRET",
                                                      NULL, NULL);
  g_autofree char *delete = email2_test_item_cmd ("Delete", "1", TEST_ACCOUNT, NULL, NULL);
  g_autofree char *get_account = email2_test_item_cmd ("Get", "1", TEST_ACCOUNT, NULL, NULL);

  /* Create. */
  {
    g_auto(Run) run = { 0, };

    run_ctl (&run, message, "validate", "--state", state, "-", NULL);
    g_assert_cmpstr (run.err, ==, "");
    g_assert_cmpint (run.exit_status, ==, 0);
    assert_no_secret (run.out);
    assert_state (state, TRUE);
  }

  /* Replace NAME inside an Atomic. */
  {
    g_auto(Run) run = { 0, };

    validate_with_state (&run, state, replace_body, 0);
    assert_state (state, TRUE);
  }

  /* Get NAME answers the new value. */
  {
    g_auto(Run) run = { 0, };
    g_auto(Run) json = { 0, };
    g_autofree char *message_json = email2_test_message (get_name);

    validate_with_state (&run, state, get_name, 0);
    g_assert_nonnull (strstr (run.out, "<Results>"));
    g_assert_nonnull (strstr (run.out, "<Data>Alice &amp; Bob</Data>"));

    run_ctl (&json, message_json, "validate", "--json", "--state", state, "-", NULL);
    g_assert_cmpint (json.exit_status, ==, 0);
    {
      g_autoptr(JsonObject) summary = parse_summary (json.out);
      JsonObject *get_status = json_array_get_object_element (json_object_get_array_member (summary, "statuses"), 0);

      g_assert_cmpstr (json_object_get_string_member (get_status, "cmd"), ==, "Get");
      g_assert_cmpstr (json_object_get_string_member (get_status, "format"), ==, "chr");
      g_assert_cmpstr (json_object_get_string_member (get_status, "data"), ==, "Alice & Bob");
    }
    assert_state (state, TRUE);
  }

  /* Get AUTHSECRET answers the placeholder. */
  {
    g_auto(Run) run = { 0, };

    validate_with_state (&run, state, get_secret, 0);
    g_assert_nonnull (strstr (run.out, "<Data>********</Data>"));
    assert_state (state, TRUE);
  }

  /* Delete the account: allowed outside an Atomic. */
  {
    g_auto(Run) run = { 0, };

    validate_with_state (&run, state, delete, 0);
    assert_state (state, FALSE);
  }

  /* It is gone. */
  {
    g_auto(Run) run = { 0, };

    validate_with_state (&run, state, get_account, 1);
    g_assert_nonnull (strstr (run.out, "<Data>404</Data>"));
    g_assert_null (strstr (run.out, "<Results>"));
    assert_state (state, FALSE);
  }

  g_unlink (state);
}

/* schema ----------------------------------------------------------------- */

/* Every node of the seed's tree, below the account GUID. */
static const char * const seed_nodes[] = {
  "ACCOUNTICON", "ACCOUNTTYPE", "AUTHNAME", "AUTHREQUIRED", "AUTHSECRET",
  "DOMAIN", "DWNDAY", "INSERVER", "LINGER", "KEEPMAX", "NAME", "OUTSERVER",
  "REPLYADDR", "SERVICENAME", "SERVICETYPE", "RETRIEVE", "SERVERDELETEACTION",
  "CELLULARONLY", "SYNCINGCONTENTTYPES", "CONTACTSSERVER", "CALENDARSERVER",
  "CONTACTSSERVERREQUIRESSL", "CALENDARSERVERREQUIRESSL",
  "CONTACTSSYNCSCHEDULE", "CALENDARSYNCSCHEDULE", "SMTPALTAUTHNAME",
  "SMTPALTDOMAIN", "SMTPALTENABLED", "SMTPALTPASSWORD", "TAGPROPS",
  "TAGPROPS/8128000B", "TAGPROPS/812C000B",
};

static void
assert_lists_every_node (const char *text)
{
  g_assert_nonnull (strstr (text, "EMAIL2"));
  for (guint i = 0; i < G_N_ELEMENTS (seed_nodes); i++)
    {
      /* A whole name: NAME is also the end of AUTHNAME and SERVICENAME, and
       * TAGPROPS the start of TAGPROPS/8128000B. */
      g_autofree char *pattern = g_strdup_printf ("(^|[^A-Z0-9_])%s($|[^A-Z0-9_/])",
                                                  seed_nodes[i]);

      if (!g_regex_match_simple (pattern, text, G_REGEX_MULTILINE, 0))
        g_error ("the schema does not list %s", seed_nodes[i]);
    }
}

static void
test_schema (void)
{
  g_auto(Run) run = { 0, };
  g_auto(Run) markdown = { 0, };

  run_ctl (&run, NULL, "schema", NULL);
  g_assert_cmpint (run.exit_status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  assert_lists_every_node (run.out);

  run_ctl (&markdown, NULL, "schema", "--markdown", NULL);
  g_assert_cmpint (markdown.exit_status, ==, 0);
  g_assert_cmpstr (markdown.err, ==, "");
  g_assert_true (g_str_has_prefix (markdown.out, "|"));
  g_assert_nonnull (strstr (markdown.out, "| --- |"));
  assert_lists_every_node (markdown.out);

  {
    g_auto(Run) json = { 0, };
    g_autoptr(JsonObject) answer = NULL;
    JsonArray *nodes;
    g_autoptr(GString) paths = g_string_new (NULL);

    run_ctl (&json, NULL, "schema", "--json", NULL);
    g_assert_cmpint (json.exit_status, ==, 0);
    answer = email2_test_parse_json (json.out, "schema");
    nodes = json_object_get_array_member (answer, "nodes");
    for (guint i = 0; i < json_array_get_length (nodes); i++)
      {
        static const char * const keys[] = { "path", "required", "ops", "rule", NULL };
        JsonObject *node = json_array_get_object_element (nodes, i);

        email2_test_assert_json_keys (node, keys);
        g_string_append_printf (paths, "%s\n", json_object_get_string_member (node, "path"));
      }
    assert_lists_every_node (paths->str);
  }
}

/* Under LANGUAGE=de and fr, email2ctl and the engine speak the language:
 * the catalogs of po/, from the build tree (EMAIL2_LOCALEDIR). */
static void
test_translations (void)
{
  static const struct {
    const char *language;
    const char *commands;
    const char *summary;
    const char *unknown;
    const char *neither;
    const char *no_bus;
  } languages[] = {
    { "de", "Befehle:", "Die von email2 bereitgestellten Konten auflisten",
      "email2ctl: unbekannter Befehl; siehe „email2ctl --help“\n",
      "Das Dokument ist weder eine SyncML-DM-Nachricht",
      "hier gibt es keinen Sitzungsbus" },
    { "fr", "Commandes :", "Lister les comptes provisionnés par email2",
      "email2ctl: commande inconnue ; voir « email2ctl --help »\n",
      "Le document n’est ni un message SyncML DM",
      "il n’y a pas de bus de session ici" },
  };
  char **saved = child_environ;

  g_assert_nonnull (g_getenv ("EMAIL2_LOCALEDIR"));
  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      g_auto(Run) help = { 0, };
      g_auto(Run) unknown = { 0, };
      g_auto(Run) neither = { 0, };
      g_auto(Run) no_bus = { 0, };

      child_environ = g_environ_setenv (g_strdupv (saved), "LANGUAGE", languages[i].language, TRUE);

      run_ctl (&help, NULL, "--help", NULL);
      g_assert_cmpint (help.exit_status, ==, 0);
      g_assert_nonnull (strstr (help.out, languages[i].commands));
      g_assert_nonnull (strstr (help.out, languages[i].summary));
      g_assert_null (strstr (help.out, "Commands:"));

      run_ctl (&unknown, NULL, "frobnicate", NULL);
      g_assert_cmpint (unknown.exit_status, ==, 2);
      g_assert_cmpstr (unknown.err, ==, languages[i].unknown);

      /* The engine's messages too, in the JSON error object as well. */
      run_ctl (&neither, "<html/>", "validate", "--json", "-", NULL);
      g_assert_cmpint (neither.exit_status, ==, 2);
      g_assert_nonnull (strstr (neither.err, languages[i].neither));
      g_assert_nonnull (strstr (neither.out, languages[i].neither));

      run_ctl (&no_bus, NULL, "list", NULL);
      g_assert_cmpint (no_bus.exit_status, ==, 2);
      g_assert_nonnull (strstr (no_bus.err, languages[i].no_bus));

      g_strfreev (child_environ);
    }
  child_environ = saved;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  g_autofree char *runtime = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("email2-ctl-XXXXXX", &error);
  g_assert_no_error (error);
  home = g_build_filename (tmp_dir, "home", NULL);
  runtime = g_build_filename (tmp_dir, "runtime", NULL);
  g_assert_cmpint (g_mkdir (home, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);

  /* Nothing of email2ctl may wander into the real home or session. */
  child_environ = g_get_environ ();
  child_environ = g_environ_setenv (child_environ, "HOME", home, TRUE);
  child_environ = g_environ_setenv (child_environ, "XDG_CONFIG_HOME", home, TRUE);
  child_environ = g_environ_setenv (child_environ, "XDG_DATA_HOME", home, TRUE);
  child_environ = g_environ_setenv (child_environ, "XDG_CACHE_HOME", home, TRUE);
  child_environ = g_environ_setenv (child_environ, "XDG_RUNTIME_DIR", runtime, TRUE);
  child_environ = g_environ_setenv (child_environ, "LC_ALL", "C.UTF-8", TRUE);
  child_environ = g_environ_unsetenv (child_environ, "LANGUAGE");
  child_environ = g_environ_unsetenv (child_environ, "DBUS_SESSION_BUS_ADDRESS");
  child_environ = g_environ_unsetenv (child_environ, "DISPLAY");

  g_test_add_func ("/ctl/help", test_help);
  g_test_add_func ("/ctl/version", test_version);
  g_test_add_func ("/ctl/usage-errors", test_usage_errors);
  g_test_add_func ("/ctl/missing-file", test_missing_file);
  g_test_add_func ("/ctl/examples", test_examples);
  g_test_add_func ("/ctl/stdin", test_stdin);
  g_test_add_func ("/ctl/json", test_json);
  g_test_add_func ("/ctl/formats", test_formats);
  g_test_add_func ("/ctl/failing-command", test_failing_command);
  g_test_add_func ("/ctl/bad-state", test_bad_state);
  g_test_add_func ("/ctl/state-sequence", test_state_sequence);
  g_test_add_func ("/ctl/schema", test_schema);
  g_test_add_func ("/ctl/json-errors", test_json_errors);
  g_test_add_func ("/ctl/no-session-bus", test_no_session_bus);
  g_test_add_func ("/ctl/help-command", test_help_command);
  g_test_add_func ("/ctl/translations", test_translations);

  status = g_test_run ();

  email2_test_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_strfreev (child_environ);

  return status;
}
