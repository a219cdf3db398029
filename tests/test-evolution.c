/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The Evolution host, against the real parts: run by tools/with-session,
 * so evolution-source-registry has loaded module-email2.so from the build
 * tree and gnome-keyring is unlocked in a private session. Payloads go in
 * through `email2ctl apply`, as an administrator's would; what comes out is
 * read as Evolution reads it: the .source key files, the registry's client
 * API (libedataserver), and the passwords by source UID.
 *
 * Longer than 800 lines on purpose: every case runs in the one registry
 * session that tools/with-session starts for the program; a second program
 * would need its own.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include <libedataserver/libedataserver.h>

#include "email2-test.h"

#define IMAP_UID "email2-c556e16f-56c4-4edb-9c64-d9469ee1fbe0"
#define POP_UID "email2-8a1d4b7c-2e3f-4a5b-9c6d-7e8f9a0b1c2d"
#define POP_ACCOUNT "./User/Vendor/MSFT/EMAIL2/%7B8A1D4B7C-2E3F-4A5B-9C6D-7E8F9A0B1C2D%7D"

/* Every secret any test provisions: none may ever reach a file. */
static const char * const secrets[] = {
  "example-password", "new-example-password", "pop-s3cret&pw", "smtp-s3cret",
  "s3cret&pw", "every-node-secret", "alt-node-secret", "crash-new-secret",
  "example-cp-password", "s3cret-dana", "s3cret-erin", "typed-by-the-user", NULL
};

static ESourceRegistry *registry;

static char *
example (const char *name)
{
  return g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "data", "examples", name, NULL);
}

/* email2ctl COMMAND ARG, as an administrator runs it. */

static void
apply_file (const char *path,
            int         expected_status)
{
  g_auto(Email2TestRun) run;

  email2_test_ctl (&run, "apply", path);
  if (expected_status < 0)
    return;             /* the registry may die on the way: anything goes */
  if (run.status != expected_status)
    g_printerr ("%s\n%s", run.out, run.err);
  g_assert_cmpint (run.status, ==, expected_status);
  g_assert_nonnull (strstr (run.out, "<Cmd>SyncHdr</Cmd>"));
}

/* Like apply_file, for an answer of any format. */
static void
apply_file_any (const char *path,
                int         expected_status)
{
  g_auto(Email2TestRun) run;

  email2_test_ctl (&run, "apply", path);
  if (run.status != expected_status)
    g_printerr ("%s\n%s", run.out, run.err);
  g_assert_cmpint (run.status, ==, expected_status);
}

static void
apply_body (const char *body,
            int         expected_status)
{
  g_autofree char *message = email2_test_message (body);
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "payload.xml", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, message, -1, &error);
  g_assert_no_error (error);
  apply_file (path, expected_status);
  g_unlink (path);
}

static char *
get (const char *uri,
     int         expected_status)
{
  g_auto(Email2TestRun) run;

  email2_test_ctl (&run, "get", uri);
  g_assert_cmpint (run.status, ==, expected_status);
  return run.status == 0 ? g_strdup (g_strchomp (run.out)) : NULL;
}

static char *
source_path (const char *uid)
{
  g_autofree char *name = g_strconcat (uid, ".source", NULL);

  return g_build_filename (g_get_user_config_dir (), "evolution", "sources", name, NULL);
}

static char *
source_text (const char *uid)
{
  g_autofree char *path = source_path (uid);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static GKeyFile *
key_file (const char *uid)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = source_path (uid);
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&file);
}

static void
assert_key (GKeyFile   *file,
            const char *group,
            const char *key,
            const char *expected)
{
  g_autofree char *value = g_key_file_get_string (file, group, key, NULL);

  g_assert_cmpstr (value, ==, expected);
}

/* The account's launcher in the session's applications directory. */
static char *
launcher_path (const char *uid)
{
  g_autofree char *name = g_strconcat (uid, ".desktop", NULL);

  return g_build_filename (g_get_user_data_dir (), "applications", name, NULL);
}

static GKeyFile *
launcher (const char *uid)
{
  g_autofree char *path = launcher_path (uid);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&file);
}

/* desktop-file-validate (desktop-file-utils) finds nothing to say. */
static void
assert_launcher_valid (const char *uid)
{
  g_autofree char *path = launcher_path (uid);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "desktop-file-validate", path, NULL };
  int status = -1;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "");
}

/* The registry's clients learn of changes by D-Bus signals: wait for them. */
static ESource *
wait_for_source (const char *uid,
                 gboolean    present)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  ESource *source;

  while ((source = e_source_registry_ref_source (registry, uid)), (source != NULL) != present)
    {
      g_clear_object (&source);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }

  return source;
}

static char *
password_of (const char *uid)
{
  g_autoptr(ESource) source = wait_for_source (uid, TRUE);
  g_autoptr(GError) error = NULL;
  char *password = NULL;

  e_source_lookup_password_sync (source, NULL, &password, &error);
  g_assert_no_error (error);
  return password;
}

static gboolean
keyring_has (const char *uid)
{
  g_auto(Email2TestRun) run;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "secret-tool", "lookup", "e-source-uid", uid, NULL };

  memset (&run, 0, sizeof run);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &run.out, &run.err, &run.status, &error);
  g_assert_no_error (error);
  return WIFEXITED (run.status) && WEXITSTATUS (run.status) == 0;
}

static void
teardown (void)
{
  g_auto(Email2TestRun) run;

  /* Every test leaves the session as it found it. */
  email2_test_ctl (&run, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  email2_test_assert_no_secret_on_disk (g_getenv ("EMAIL2_SESSION_DIR"), secrets, NULL);
}

static void
delete_account (const char *guid,
                const char *uid)
{
  g_auto(Email2TestRun) run;
  g_autofree char *identity = g_strconcat (uid, "-identity", NULL);
  g_autofree char *transport = g_strconcat (uid, "-transport", NULL);
  g_autofree char *path = source_path (uid);
  g_autofree char *tile = launcher_path (uid);
  g_autoptr(ESource) gone = NULL;

  email2_test_ctl (&run, "delete", guid);
  g_assert_cmpint (run.status, ==, 0);
  gone = wait_for_source (uid, FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_null (e_source_registry_ref_source (registry, identity));
  g_assert_null (e_source_registry_ref_source (registry, transport));
  g_assert_false (keyring_has (uid));
  g_assert_false (keyring_has (transport));
  g_assert_false (g_file_test (tile, G_FILE_TEST_EXISTS));
}

static void
test_create_imap (void)
{
  g_autofree char *path = example ("create-imap-account.xml");
  g_autoptr(GKeyFile) account = NULL, identity = NULL, transport = NULL;
  g_autoptr(ESource) source = NULL, identity_source = NULL, transport_source = NULL;
  g_autofree char *password = NULL, *smtp_password = NULL, *listed = NULL;
  g_autoptr(GKeyFile) tile = NULL;
  g_auto(Email2TestRun) run;

  apply_file (path, 0);

  account = key_file (IMAP_UID);
  assert_key (account, "Data Source", "DisplayName", "Contoso Mail");
  assert_key (account, "Data Source", "Enabled", "true");
  assert_key (account, "Mail Account", "BackendName", "imapx");
  assert_key (account, "Mail Account", "IdentityUid", IMAP_UID "-identity");
  assert_key (account, "Authentication", "Host", "imap.contoso.com");
  assert_key (account, "Authentication", "Port", "993");
  assert_key (account, "Authentication", "User", "alice");
  assert_key (account, "Security", "Method", "ssl-on-alternate-port");
  assert_key (account, "Refresh", "IntervalMinutes", "15");
  assert_key (account, "EMAIL2", "Guid", TEST_GUID);
  /* DWNDAY 30: IMAP keeps 30 days offline. */
  assert_key (account, "Offline", "StaySynchronized", "true");
  assert_key (account, "Imapx Backend", "LimitByAge", "true");
  assert_key (account, "Imapx Backend", "LimitUnit", "days");
  assert_key (account, "Imapx Backend", "LimitValue", "30");

  identity = key_file (IMAP_UID "-identity");
  assert_key (identity, "Data Source", "Parent", IMAP_UID);
  assert_key (identity, "Mail Identity", "Address", "alice@contoso.com");
  assert_key (identity, "Mail Identity", "Name", "Alice Example");
  assert_key (identity, "Mail Submission", "TransportUid", IMAP_UID "-transport");

  transport = key_file (IMAP_UID "-transport");
  assert_key (transport, "Data Source", "Parent", IMAP_UID);
  assert_key (transport, "Mail Transport", "BackendName", "smtp");
  assert_key (transport, "Authentication", "Host", "smtp.contoso.com");
  assert_key (transport, "Authentication", "Port", "587");
  assert_key (transport, "Authentication", "User", "alice");
  assert_key (transport, "Authentication", "Method", "PLAIN");
  assert_key (transport, "Security", "Method", "starttls-on-standard-port");

  /* As Evolution sees it: three linked sources, and the passwords. */
  source = wait_for_source (IMAP_UID, TRUE);
  identity_source = wait_for_source (IMAP_UID "-identity", TRUE);
  transport_source = wait_for_source (IMAP_UID "-transport", TRUE);
  g_assert_true (e_source_has_extension (source, E_SOURCE_EXTENSION_MAIL_ACCOUNT));
  g_assert_cmpstr (e_source_get_parent (identity_source), ==, IMAP_UID);
  g_assert_cmpstr (e_source_get_parent (transport_source), ==, IMAP_UID);
  g_assert_cmpstr (e_source_mail_account_get_identity_uid (
                     e_source_get_extension (source, E_SOURCE_EXTENSION_MAIL_ACCOUNT)),
                   ==, IMAP_UID "-identity");
  password = password_of (IMAP_UID);
  g_assert_cmpstr (password, ==, "example-password");
  smtp_password = password_of (IMAP_UID "-transport");
  g_assert_cmpstr (smtp_password, ==, "example-password");

  /* Its launcher, which opens Evolution on its Inbox. */
  assert_launcher_valid (IMAP_UID);
  tile = launcher (IMAP_UID);
  assert_key (tile, "Desktop Entry", "Name", "Contoso Mail");
  assert_key (tile, "Desktop Entry", "Comment", "Mail for Alice Example <alice@contoso.com>");
  assert_key (tile, "Desktop Entry", "Exec", "evolution folder://" IMAP_UID "/INBOX");
  assert_key (tile, "Desktop Entry", "X-Email2-Guid", TEST_GUID);

  /* email2ctl list: name, address, servers, security, when and by what. */
  email2_test_ctl (&run, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, TEST_GUID "  Contoso Mail <alice@contoso.com>\n"));
  g_assert_nonnull (strstr (run.out, "    Incoming (IMAP4): imap.contoso.com:993, TLS"));
  g_assert_nonnull (strstr (run.out, "    Outgoing (SMTP): smtp.contoso.com:587, STARTTLS"));
  g_assert_nonnull (strstr (run.out, "not probed yet"));
  g_assert_nonnull (strstr (run.out, "    Provisioned: 20"));
  g_assert_nonnull (strstr (run.out, " UTC, over D-Bus\n"));
  g_assert_nonnull (strstr (run.out, "    Last outcome: applied ("));
  email2_test_run_clear (&run);

  /* A failed edit: the account is unchanged, its record says why. */
  apply_body ("<Atomic><CmdID>1</CmdID><Replace><CmdID>2</CmdID><Item><Target><LocURI>"
              TEST_ACCOUNT "/LINGER</LocURI></Target><Data>7</Data></Item></Replace></Atomic>", 1);
  email2_test_ctl (&run, "list", "--json");
  g_assert_cmpint (run.status, ==, 0);
  {
    static const char * const keys[] = {
      "guid", "name", "service_type", "address", "user_name", "in_server", "in_security",
      "out_server", "out_security", "probed", "in_password_carried", "out_password_carried",
      "provisioned", "provisioned_by", "changed",
      "changed_by", "outcome", "outcome_at", "outcome_by", "outcome_reason", NULL
    };
    g_autoptr(JsonObject) answer = email2_test_parse_json (run.out, "list");
    JsonArray *accounts = json_object_get_array_member (answer, "accounts");
    JsonObject *entry;

    g_assert_cmpuint (json_array_get_length (accounts), ==, 1);
    entry = json_array_get_object_element (accounts, 0);
    email2_test_assert_json_keys (entry, keys);
    g_assert_cmpstr (json_object_get_string_member (entry, "guid"), ==, TEST_GUID);
    g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "Contoso Mail");
    g_assert_cmpstr (json_object_get_string_member (entry, "in_server"), ==, "imap.contoso.com:993");
    g_assert_cmpstr (json_object_get_string_member (entry, "in_security"), ==, "ssl-on-alternate-port");
    g_assert_false (json_object_get_boolean_member (entry, "probed"));
    g_assert_false (json_object_get_boolean_member (entry, "in_password_carried"));
    g_assert_false (json_object_get_boolean_member (entry, "out_password_carried"));
    g_assert_cmpstr (json_object_get_string_member (entry, "provisioned_by"), ==, "dbus");
    g_assert_cmpstr (json_object_get_string_member (entry, "outcome"), ==, "failed");
    g_assert_nonnull (strstr (json_object_get_string_member (entry, "outcome_reason"), "LINGER"));
  }
  g_assert_null (strstr (run.out, "example-password"));

  delete_account (TEST_GUID, IMAP_UID);
  teardown ();
}

static void
test_create_pop3 (void)
{
  g_autofree char *path = example ("create-pop3-account.xml");
  g_autoptr(GKeyFile) account = NULL, transport = NULL;
  g_autofree char *password = NULL, *smtp_password = NULL, *icon = NULL;
  g_autoptr(GKeyFile) tile = NULL;

  apply_file (path, 0);

  account = key_file (POP_UID);
  assert_key (account, "Mail Account", "BackendName", "pop");
  assert_key (account, "Authentication", "Host", "pop.fabrikam.com");
  assert_key (account, "Authentication", "Port", "995");
  assert_key (account, "Authentication", "User", "FABRIKAM\\bob");
  assert_key (account, "Security", "Method", "ssl-on-alternate-port");
  assert_key (account, "Refresh", "IntervalMinutes", "30");
  /* SERVERDELETEACTION 2: keep the messages on the server. */
  assert_key (account, "Pop Backend", "KeepOnServer", "true");
  assert_key (account, "Pop Backend", "DeleteExpunged", "false");

  /* SMTP authenticates with the alternate credentials. */
  transport = key_file (POP_UID "-transport");
  assert_key (transport, "Authentication", "User", "FABRIKAM\\bob.smtp");
  assert_key (transport, "Authentication", "Port", "465");
  assert_key (transport, "Security", "Method", "ssl-on-alternate-port");

  password = password_of (POP_UID);
  g_assert_cmpstr (password, ==, "pop-s3cret&pw");
  smtp_password = password_of (POP_UID "-transport");
  g_assert_cmpstr (smtp_password, ==, "smtp-s3cret");

  icon = get (POP_ACCOUNT "/ACCOUNTICON", 0);
  g_assert_cmpstr (icon, ==, "res://AccountSettingsSharedRes{ScreenResolution}!%s.genericmail.png");

  /* Microsoft's generic mail icon is Evolution's; a POP account's mail is
   * in the local Inbox. */
  assert_launcher_valid (POP_UID);
  tile = launcher (POP_UID);
  assert_key (tile, "Desktop Entry", "Icon", "evolution-mail");
  assert_key (tile, "Desktop Entry", "Exec", "evolution folder://local/Inbox");

  delete_account ("{8A1D4B7C-2E3F-4A5B-9C6D-7E8F9A0B1C2D}", POP_UID);
  teardown ();
}

/* Every node of the tree, set and read back with Get. */
static void
test_every_node (void)
{
  static const char * const nodes[][2] = {
    { "ACCOUNTICON", "/usr/share/icons/hicolor/48x48/apps/evolution.png" },
    { "ACCOUNTTYPE", "Email" }, { "AUTHNAME", "carol" }, { "AUTHREQUIRED", "1" },
    { "AUTHSECRET", "every-node-secret" }, { "DOMAIN", "" }, { "DWNDAY", "90" },
    { "INSERVER", "imap.example.org:143" }, { "LINGER", "120" }, { "KEEPMAX", "125" },
    { "NAME", "Carol" }, { "OUTSERVER", "smtp.example.org" }, { "REPLYADDR", "carol@example.org" },
    { "SERVICENAME", "Every Node" }, { "SERVICETYPE", "IMAP4" }, { "RETRIEVE", "2048" },
    { "SERVERDELETEACTION", "1" }, { "CELLULARONLY", "0" }, { "SYNCINGCONTENTTYPES", "0xF" },
    { "CONTACTSSERVER", "https://dav.example.org/contacts/" },
    { "CALENDARSERVER", "dav.example.org:8443" }, { "CONTACTSSERVERREQUIRESSL", "1" },
    { "CALENDARSERVERREQUIRESSL", "0" }, { "CONTACTSSYNCSCHEDULE", "60" },
    { "CALENDARSYNCSCHEDULE", "30" }, { "SMTPALTAUTHNAME", "carol-smtp" },
    { "SMTPALTDOMAIN", "" }, { "SMTPALTENABLED", "FALSE" },
    { "SMTPALTPASSWORD", "alt-node-secret" }, { "TAGPROPS/8128000B", "0" },
    { "TAGPROPS/812C000B", "1" },
  };
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>");
  g_autofree char *children = NULL, *tagprops = NULL;
  g_autoptr(GKeyFile) account = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      g_autofree char *uri = g_strconcat (TEST_ACCOUNT2 "/", nodes[i][0], NULL);
      g_autofree char *id = g_strdup_printf ("%u", i + 2);
      g_autofree char *command = email2_test_item_cmd ("Replace", id, uri, NULL, nodes[i][1]);

      g_string_append (body, command);
    }
  g_string_append (body, "</Atomic>");
  apply_body (body->str, 0);

  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      g_autofree char *uri = g_strconcat (TEST_ACCOUNT2 "/", nodes[i][0], NULL);
      g_autofree char *value = get (uri, 0);
      gboolean secret = g_str_has_suffix (nodes[i][0], "SECRET") ||
                        g_str_has_suffix (nodes[i][0], "PASSWORD");

      g_test_message ("%s", nodes[i][0]);
      g_assert_cmpstr (value, ==, secret ? "********" : nodes[i][1]);
    }

  children = get (TEST_ACCOUNT2, 0);
  g_assert_nonnull (strstr (children, "ACCOUNTICON/ACCOUNTTYPE/"));
  g_assert_true (g_str_has_suffix (children, "/TAGPROPS"));
  tagprops = get (TEST_ACCOUNT2 "/TAGPROPS", 0);
  g_assert_cmpstr (tagprops, ==, "8128000B/812C000B");

  /* Native settings follow: STARTTLS on 143, no port for SMTP;
   * SERVERDELETEACTION 1 on IMAP: expunge, no Trash folder. */
  account = key_file ("email2-0d4b5c9e-0f2a-4f7e-9a61-2b8f3c1d7e40");
  assert_key (account, "Imapx Backend", "UseRealTrashPath", "false");
  assert_key (account, "Imapx Backend", "LimitValue", "90");
  assert_key (account, "Authentication", "Port", "143");
  assert_key (account, "Security", "Method", "starttls-on-standard-port");
  assert_key (account, "Refresh", "IntervalMinutes", "120");

  delete_account (TEST_GUID2, "email2-0d4b5c9e-0f2a-4f7e-9a61-2b8f3c1d7e40");
  teardown ();
}

static void
test_edit (void)
{
  g_autofree char *create = example ("create-imap-account.xml");
  g_autofree char *edit = example ("edit-account.xml");
  g_autoptr(GKeyFile) identity = NULL, account = NULL;
  g_autofree char *password = NULL, *smtp_password = NULL;

  apply_file (create, 0);
  apply_file (edit, 0);

  identity = key_file (IMAP_UID "-identity");
  assert_key (identity, "Mail Identity", "Name", "Alice Q. Example");
  account = key_file (IMAP_UID);
  assert_key (account, "Refresh", "IntervalMinutes", "60");
  password = password_of (IMAP_UID);
  g_assert_cmpstr (password, ==, "new-example-password");
  smtp_password = password_of (IMAP_UID "-transport");
  g_assert_cmpstr (smtp_password, ==, "new-example-password");

  delete_account (TEST_GUID, IMAP_UID);
  teardown ();
}

/* The user renames the account and changes the sender's name in
 * Evolution: Get answers what Evolution uses now. */
static void
test_live_settings (void)
{
  g_autofree char *create = example ("create-imap-account.xml");
  g_autoptr(ESource) account = NULL, identity = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL, *sender = NULL, *linger = NULL;
  gint64 deadline;

  apply_file (create, 0);
  account = wait_for_source (IMAP_UID, TRUE);
  identity = wait_for_source (IMAP_UID "-identity", TRUE);

  e_source_set_display_name (account, "Work mail");
  e_source_refresh_set_interval_minutes (e_source_get_extension (account, E_SOURCE_EXTENSION_REFRESH), 30);
  e_source_write_sync (account, NULL, &error);
  g_assert_no_error (error);
  e_source_mail_identity_set_name (e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_IDENTITY),
                                   "Alice at Work");
  e_source_write_sync (identity, NULL, &error);
  g_assert_no_error (error);

  /* The registry takes the writes in its own time. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  do
    {
      g_clear_pointer (&name, g_free);
      name = get (TEST_ACCOUNT "/SERVICENAME", 0);
      if (!g_str_equal (name, "Work mail"))
        g_usleep (20000);
    }
  while (!g_str_equal (name, "Work mail") && g_get_monotonic_time () < deadline);
  g_assert_cmpstr (name, ==, "Work mail");
  sender = get (TEST_ACCOUNT "/NAME", 0);
  g_assert_cmpstr (sender, ==, "Alice at Work");
  linger = get (TEST_ACCOUNT "/LINGER", 0);
  g_assert_cmpstr (linger, ==, "30");

  delete_account (TEST_GUID, IMAP_UID);
  teardown ();
}

/* An OMA Client Provisioning document goes in the same way, and comes
 * back as the document with its queries answered. */
static void
test_client_provisioning (void)
{
  g_autofree char *create = example ("cp-create-imap-account.xml");
  g_autofree char *query = example ("cp-query.xml");
  g_autofree char *remove = example ("cp-delete-account.xml");
  g_autofree char *password = NULL;
  g_autoptr(ESource) gone = NULL;
  g_auto(Email2TestRun) run;

  email2_test_ctl (&run, "apply", create);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "wap-provisioningdoc"));
  password = password_of ("email2-d671c70b-8ee3-4881-8045-2aee6f731b55");
  g_assert_cmpstr (password, ==, "example-cp-password");
  email2_test_run_clear (&run);

  email2_test_ctl (&run, "apply", query);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "name=\"AUTHSECRET\" value=\"********\""));
  g_assert_null (strstr (run.out, "example-cp-password"));
  email2_test_run_clear (&run);

  email2_test_ctl (&run, "apply", remove);
  g_assert_cmpint (run.status, ==, 0);
  gone = wait_for_source ("email2-d671c70b-8ee3-4881-8045-2aee6f731b55", FALSE);
  teardown ();
}

static char *read_source_files (const char *uid);

/* A CP document and a SyncML message that say the same leave Evolution in
 * the same state: the same three key files, byte for byte. */
static void
test_cp_equals_syncml (void)
{
  static const char * const nodes[][2] = {
    { "SERVICENAME", "Same Either Way" }, { "SERVICETYPE", "POP3" }, { "ACCOUNTTYPE", "Email" },
    { "INSERVER", "pop.example.org" }, { "OUTSERVER", "smtp.example.org:587" },
    { "AUTHNAME", "dave" }, { "AUTHSECRET", "s3cret&amp;pw" }, { "DOMAIN", "EXAMPLE" },
    { "AUTHREQUIRED", "1" }, { "REPLYADDR", "dave@example.org" }, { "NAME", "Dave" },
    { "SYNCINGCONTENTTYPES", "2" }, { "LINGER", "60" }, { "SERVERDELETEACTION", "1" },
  };
  g_autoptr(GString) syncml = g_string_new ("<Atomic><CmdID>1</CmdID>");
  g_autoptr(GString) cp = g_string_new ("<wap-provisioningdoc version=\"1.1\"><characteristic type=\"EMAIL2\">"
                                        "<characteristic type=\"" TEST_GUID2 "\">");
  g_autofree char *cp_path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "same.xml", NULL);
  g_autofree char *from_syncml = NULL, *from_cp = NULL;
  g_autoptr(GError) error = NULL;
  const char *uid = "email2-0d4b5c9e-0f2a-4f7e-9a61-2b8f3c1d7e40";

  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      g_autofree char *uri = g_strconcat (TEST_ACCOUNT2 "/", nodes[i][0], NULL);
      g_autofree char *id = g_strdup_printf ("%u", i + 2);
      g_autofree char *command = email2_test_item_cmd ("Replace", id, uri, NULL, nodes[i][1]);

      g_string_append (syncml, command);
      g_string_append_printf (cp, "<parm name=\"%s\" value=\"%s\"/>", nodes[i][0], nodes[i][1]);
    }
  g_string_append (syncml, "</Atomic>");
  g_string_append (cp, "<characteristic type=\"TAGPROPS\"><parm name=\"8128000B\" value=\"1\"/>"
                       "</characteristic></characteristic></characteristic></wap-provisioningdoc>");
  g_string_insert (syncml, syncml->len - strlen ("</Atomic>"),
                   "<Replace><CmdID>99</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2
                   "/TAGPROPS/8128000B</LocURI></Target><Data>1</Data></Item></Replace>");

  apply_body (syncml->str, 0);
  from_syncml = read_source_files (uid);
  delete_account (TEST_GUID2, uid);

  g_file_set_contents (cp_path, cp->str, -1, &error);
  g_assert_no_error (error);
  apply_file_any (cp_path, 0);
  g_unlink (cp_path);
  from_cp = read_source_files (uid);
  delete_account (TEST_GUID2, uid);

  g_assert_cmpstr (from_cp, ==, from_syncml);
  teardown ();
}

static char *
read_source_files (const char *uid)
{
  g_autoptr(GString) all = g_string_new (NULL);
  const char *suffixes[] = { "", "-identity", "-transport" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *full = g_strconcat (uid, suffixes[i], NULL);
      g_autofree char *path = source_path (full);
      g_autofree char *contents = email2_test_read_file (path, NULL);

      g_string_append (all, contents);
    }

  return g_string_free (g_steal_pointer (&all), FALSE);
}

/* 418 for the same GUID again, and an edit that fails half-way: both
 * leave the settings and the passwords exactly as they were. */
static void
test_failures_change_nothing (void)
{
  g_autofree char *create = example ("create-imap-account.xml");
  g_autofree char *before = NULL, *after_duplicate = NULL, *after_edit = NULL;
  g_autofree char *password = NULL;
  g_autofree char *bad_edit = g_strconcat (
    "<Atomic><CmdID>1</CmdID>",
    "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/AUTHSECRET</LocURI></Target>"
    "<Data>s3cret&amp;pw</Data></Item></Replace>"
    "<Replace><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
    "<Data>Mallory</Data></Item></Replace>"
    "<Replace><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/LINGER</LocURI></Target>"
    "<Data>7</Data></Item></Replace></Atomic>", NULL);

  apply_file (create, 0);
  before = read_source_files (IMAP_UID);

  apply_file (create, 1);
  after_duplicate = read_source_files (IMAP_UID);
  g_assert_cmpstr (before, ==, after_duplicate);

  apply_body (bad_edit, 1);
  after_edit = read_source_files (IMAP_UID);
  g_assert_cmpstr (before, ==, after_edit);
  password = password_of (IMAP_UID);
  g_assert_cmpstr (password, ==, "example-password");

  delete_account (TEST_GUID, IMAP_UID);
  teardown ();
}

/* Two accounts in one Atomic, the second incomplete: no trace of either. */
/* Hostile names and icons never reach the launcher as given; Get still
 * returns ACCOUNTICON as set, and the registry's log says why the icon is
 * the default. */
static void
test_launcher_hostile (void)
{
  static const char * const icons[] = {
    "../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "http://evil.example/x.png",
    "icons/../x", "evil.png",
  };
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *name = email2_test_item_cmd ("Replace", "30", TEST_ACCOUNT "/SERVICENAME", "chr",
                                                "100% &lt;Mail&gt; %U; [x]=y \\n");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", create, name, "</Atomic>", NULL);
  g_autofree char *log_path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "registry.log", NULL);

  apply_body (body, 0);
  for (guint i = 0; i < G_N_ELEMENTS (icons); i++)
    {
      g_autofree char *replace = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/ACCOUNTICON", "chr",
                                                       icons[i]);
      g_autofree char *edit = g_strconcat ("<Atomic><CmdID>1</CmdID>", replace, "</Atomic>", NULL);
      g_autoptr(GKeyFile) tile = NULL;
      g_autofree char *text = NULL;
      g_autofree char *path = launcher_path (IMAP_UID);
      g_autofree char *icon = NULL;

      apply_body (edit, 0);
      assert_launcher_valid (IMAP_UID);
      tile = launcher (IMAP_UID);
      assert_key (tile, "Desktop Entry", "Name", "100% <Mail> %U; [x]=y \\n");
      assert_key (tile, "Desktop Entry", "Icon", "email2-mail");
      assert_key (tile, "Desktop Entry", "Exec", "evolution folder://" IMAP_UID "/INBOX");
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_null (strstr (text, icons[i]));
      icon = get (TEST_ACCOUNT "/ACCOUNTICON", 0);
      g_assert_cmpstr (icon, ==, icons[i]);
    }

  /* Microsoft's generic icon: the launcher follows the change. */
  {
    g_autofree char *replace = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/ACCOUNTICON", "chr",
                                                     "res://AccountSettingsSharedRes{ScreenResolution}!%s.genericmail.png");
    g_autofree char *edit = g_strconcat ("<Atomic><CmdID>1</CmdID>", replace, "</Atomic>", NULL);
    g_autoptr(GKeyFile) tile = NULL;
    g_autofree char *log = NULL;

    apply_body (edit, 0);
    tile = launcher (IMAP_UID);
    assert_key (tile, "Desktop Entry", "Icon", "evolution-mail");
    g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
    g_assert_nonnull (strstr (log, "is a file path (icons are never read from files); it shows the default icon"));
    g_assert_nonnull (strstr (log, "is a URL (icons are never fetched); it shows the default icon"));
  }

  delete_account (TEST_GUID, IMAP_UID);
  teardown ();
}

/* email2ctl list says which rollout file provisioned an account. */
static void
test_list_spool_origin (void)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", create, "</Atomic>", NULL);
  g_autofree char *message = email2_test_message (body);
  g_autofree char *inbox = g_build_filename (g_get_user_config_dir (), "email2", "inbox", NULL);
  g_autofree char *hidden = g_build_filename (inbox, ".30-list.tmp", NULL);
  g_autofree char *path = g_build_filename (inbox, "30-list.xml", NULL);
  g_autofree char *done = g_build_filename (inbox, "30-list.done", NULL);
  g_autofree char *response = g_build_filename (inbox, "30-list.response.xml", NULL);
  g_autoptr(GError) error = NULL;
  /* Under valgrind (the registryvalgrind setup) the spool's salted digest
   * of the payload (PBKDF2, 0.15 s natively) takes several seconds. */
  gint64 deadline = g_get_monotonic_time () +
                    (g_strcmp0 (g_getenv ("EMAIL2_REGISTRY_WRAPPER"), "") > 0 ? 80 : 20) * G_USEC_PER_SEC;
  g_auto(Email2TestRun) run;

  g_file_set_contents (hidden, message, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (hidden, path), ==, 0);
  while (!g_file_test (done, G_FILE_TEST_EXISTS))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }

  email2_test_ctl (&run, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, " UTC, from the rollout file 30-list.xml\n"));
  g_unlink (done);
  g_unlink (response);
  delete_account (TEST_GUID, IMAP_UID);
  teardown ();
}

static void
test_second_account_fails (void)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *body = g_strconcat (
    "<Atomic><CmdID>1</CmdID>", first,
    "<Replace><CmdID>20</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/SERVICENAME</LocURI></Target>"
    "<Data>Incomplete</Data></Item></Replace></Atomic>", NULL);
  g_autofree char *path = source_path (IMAP_UID);

  apply_body (body, 1);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (keyring_has (IMAP_UID));
  teardown ();
}

static void
test_delete_example (void)
{
  g_autofree char *create = example ("create-imap-account.xml");
  g_autofree char *remove = example ("delete-account.xml");
  g_autofree char *path = source_path (IMAP_UID);
  g_autoptr(ESource) gone = NULL;

  apply_file (create, 0);
  g_assert_true (keyring_has (IMAP_UID));
  apply_file (remove, 0);
  gone = wait_for_source (IMAP_UID, FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (keyring_has (IMAP_UID));
  g_assert_false (keyring_has (IMAP_UID "-transport"));
  teardown ();
}

/* An account the payload gives no password (a system payload never does):
 * Evolution asked the user and keeps what was typed. An administrator's
 * edit leaves it; moving the incoming server to another host removes that
 * one (it was typed for the old host), and the outgoing one stays. */
static void
test_typed_password (void)
{
  g_autofree char *create = example ("create-imap-account.xml");
  g_autofree char *text = NULL;
  g_autofree char *without = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "no-secret.xml", NULL);
  g_autoptr(GRegex) secret_item = g_regex_new ("<Replace>\\s*<CmdID>9</CmdID>.*?</Replace>",
                                               G_REGEX_DOTALL, 0, NULL);
  const char *uids[] = { IMAP_UID, IMAP_UID "-transport" };
  g_autoptr(GError) error = NULL;

  g_file_get_contents (create, &text, NULL, &error);
  g_assert_no_error (error);
  without = g_regex_replace_literal (secret_item, text, -1, 0, "", 0, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (without, "AUTHSECRET"));
  g_file_set_contents (path, without, -1, &error);
  g_assert_no_error (error);
  apply_file (path, 0);
  g_unlink (path);
  g_assert_false (keyring_has (IMAP_UID));

  /* What Evolution does with the password the user types. */
  for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
    {
      g_autoptr(ESource) source = wait_for_source (uids[i], TRUE);

      e_source_store_password_sync (source, "typed-by-the-user", TRUE, NULL, &error);
      g_assert_no_error (error);
    }

  apply_body ("<Atomic><CmdID>1</CmdID><Replace><CmdID>2</CmdID><Item><Target><LocURI>"
              TEST_ACCOUNT "/NAME</LocURI></Target><Data>Alice at Contoso</Data></Item></Replace></Atomic>", 0);
  for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
    {
      g_autofree char *password = password_of (uids[i]);

      g_assert_cmpstr (password, ==, "typed-by-the-user");
    }

  apply_body ("<Atomic><CmdID>1</CmdID><Replace><CmdID>2</CmdID><Item><Target><LocURI>"
              TEST_ACCOUNT "/INSERVER</LocURI></Target><Data>imap2.contoso.com</Data></Item></Replace></Atomic>", 0);
  g_assert_false (keyring_has (IMAP_UID));
  {
    g_autofree char *password = password_of (IMAP_UID "-transport");

    g_assert_cmpstr (password, ==, "typed-by-the-user");
  }

  delete_account (TEST_GUID, IMAP_UID);
  g_assert_false (keyring_has (IMAP_UID "-transport"));
  teardown ();
}


/* What real MDM servers send (tests/data/realworld/): a creation shaped
 * like Microsoft's samples, without ACCOUNTTYPE and SYNCINGCONTENTTYPES,
 * and one shaped like ManageEngine's (one Replace of the account node and
 * every leaf, int formats, TAGPROPS without Meta, SMTPALTENABLED 0 alone)
 * become Evolution accounts; ManageEngine's re-push changes nothing. */
#define MS_UID "email2-4f3a2b1c-5d6e-4f70-8192-a3b4c5d6e7f8"
#define MS_ACCOUNT "./Vendor/MSFT/EMAIL2/%7B4F3A2B1C-5D6E-4F70-8192-A3B4C5D6E7F8%7D"
#define ME_UID "email2-9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
#define ME_ACCOUNT "./Vendor/MSFT/EMAIL2/%7B9E8D7C6B-5A49-4382-A1B0-C9D8E7F6A5B4%7D"

static void
test_real_mdm_shapes (void)
{
  g_autofree char *microsoft = example ("create-microsoft-style.xml");
  g_autofree char *manageengine = example ("create-manageengine-style.xml");
  g_autofree char *type = NULL, *content = NULL, *alt = NULL, *ms_password = NULL, *me_password = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(GKeyFile) ms = NULL, me = NULL;

  apply_file (microsoft, 0);
  ms = key_file (MS_UID);
  assert_key (ms, "Mail Account", "BackendName", "pop");
  assert_key (ms, "Authentication", "Host", "pop.fabrikam.example");
  type = get (MS_ACCOUNT "/ACCOUNTTYPE", 0);
  g_assert_cmpstr (type, ==, "Email");
  content = get (MS_ACCOUNT "/SYNCINGCONTENTTYPES", 0);
  g_assert_cmpstr (content, ==, "0x2");
  ms_password = password_of (MS_UID);
  g_assert_cmpstr (ms_password, ==, "s3cret-dana");

  apply_file (manageengine, 0);
  me = key_file (ME_UID);
  assert_key (me, "Mail Account", "BackendName", "imapx");
  assert_key (me, "Authentication", "Host", "imap.northwind.example");
  assert_key (me, "Security", "Method", "ssl-on-alternate-port");
  alt = get (ME_ACCOUNT "/SMTPALTENABLED", 0);
  g_assert_cmpstr (alt, ==, "0");
  me_password = password_of (ME_UID);
  g_assert_cmpstr (me_password, ==, "s3cret-erin");

  before = source_text (ME_UID);
  apply_file (manageengine, 0);
  after = source_text (ME_UID);
  g_assert_cmpstr (before, ==, after);

  delete_account ("{4F3A2B1C-5D6E-4F70-8192-A3B4C5D6E7F8}", MS_UID);
  delete_account ("{9E8D7C6B-5A49-4382-A1B0-C9D8E7F6A5B4}", ME_UID);
  teardown ();
}

/* ---- kill -9 in the middle of a transaction ---- */

#define UID2 "email2-0d4b5c9e-0f2a-4f7e-9a61-2b8f3c1d7e40"

static GPid registry_child;   /* a registry this test started, or 0 */

static void
stop_registry (void)
{
  email2_test_registry_stop (&registry_child);
}

static void
start_registry (guint crash_after_step)
{
  g_autofree char *step = g_strdup_printf ("%u", crash_after_step);
  const char *env[] = { "EMAIL2_TEST_CRASH_AFTER_STEP", step, NULL };

  email2_test_registry_start (crash_after_step > 0 ? env : NULL, NULL, &registry_child);
}

/* Waits for a registry that was told to crash; TRUE when it did. */
static gboolean
reap_crashed_registry (void)
{
  int status = 0;
  pid_t pid = waitpid (registry_child, &status, WNOHANG);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (pid == 0 && g_get_monotonic_time () < deadline)
    {
      g_usleep (20000);
      pid = waitpid (registry_child, &status, WNOHANG);
    }
  if (pid == 0)
    return FALSE;     /* still running: the transaction had fewer steps */

  g_spawn_close_pid (registry_child);
  registry_child = 0;
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  email2_test_registry_wait (FALSE);
  return TRUE;
}

static char *
keyring_value (const char *schema,
               const char *name1, const char *value1,
               const char *name2, const char *value2)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "secret-tool", "lookup", "xdg:schema", schema,
                         name1, value1, name2, value2, NULL };
  int status = 0;

  if (name2 == NULL)
    argv[6] = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? g_steal_pointer (&out) : NULL;
}

static char *
eds_password (const char *uid)
{
  return keyring_value ("org.gnome.Evolution.Data.Source", "e-source-uid", uid, NULL, NULL);
}

static gboolean
any_backup (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "secret-tool", "search", "--all", "xdg:schema", "io.github.email2.Backup", NULL };
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  /* secret-tool prints one "[/org/freedesktop/secrets/…]" line per item. */
  return strstr (out, "[/") != NULL || strstr (err, "[/") != NULL;
}

/* Tears the backup items that the journal does not name, as a keyring
 * killed while it created one leaves it (gnome-keyring makes the item,
 * saves it, then sets its secret: an empty secret): the undo must not
 * restore them, since the secret they were to keep was never changed.
 * Returns how many it tore. */
static guint
tear_unnamed_backups (void)
{
  g_autofree char *journal_path = g_build_filename (g_get_user_state_dir (), "email2",
                                                    "transaction.journal", NULL);
  g_autoptr(GKeyFile) journal = g_key_file_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "secret-tool", "search", "--all", "xdg:schema", "io.github.email2.Backup", NULL };
  g_auto(GStrv) items = NULL;
  g_autofree char *transaction = NULL, *guid = NULL, *node = NULL;
  guint torn = 0;

  if (!g_key_file_load_from_file (journal, journal_path, G_KEY_FILE_NONE, NULL))
    return 0;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, NULL, &error);
  g_assert_no_error (error);

  /* secret-tool prints each item's three attributes on standard error. */
  items = g_strsplit (err, "\n", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autoptr(GRegex) regex = g_regex_new ("^attribute\\.(email2-[a-z]+) = (\\S+)$", 0, 0, NULL);
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *name = NULL;
      g_autofree char *group = NULL;
      g_auto(GStrv) named = NULL;
      char **slot;

      if (!g_regex_match (regex, items[i], 0, &match))
        continue;
      name = g_match_info_fetch (match, 1);
      slot = g_str_equal (name, "email2-transaction") ? &transaction
           : g_str_equal (name, "email2-guid") ? &guid
           : g_str_equal (name, "email2-node") ? &node : NULL;
      if (slot == NULL)
        continue;
      g_free (*slot);
      *slot = g_match_info_fetch (match, 2);
      if (transaction == NULL || guid == NULL || node == NULL)
        continue;

      /* One item's three attributes. */
      group = g_strconcat ("Backups ", guid, NULL);
      named = g_key_file_get_string_list (journal, group, "Nodes", NULL, NULL);
      if (named == NULL || !g_strv_contains ((const char * const *) named, node))
        {
          const char *store[] = { "secret-tool", "store", "--label=torn", "xdg:schema", "io.github.email2.Backup",
                                  "email2-transaction", transaction, "email2-guid", guid,
                                  "email2-node", node, NULL };
          int fd = -1;
          GPid pid;
          int status = 0;

          g_spawn_async_with_pipes (NULL, (char **) store, NULL,
                                    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                    NULL, NULL, &pid, &fd, NULL, NULL, &error);
          g_assert_no_error (error);
          close (fd);            /* an empty secret */
          waitpid (pid, &status, 0);
          g_spawn_close_pid (pid);
          g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
          torn++;
        }
      g_clear_pointer (&transaction, g_free);
      g_clear_pointer (&guid, g_free);
      g_clear_pointer (&node, g_free);
    }
  return torn;
}

/* One account's state, as Evolution and the desktop would find it:
 * "absent", or its NAME, password and address, with a launcher that shows
 * that address. Anything half-way is a failure of the test. */
static char *
account_state (const char *uid,
               const char *guid)
{
  g_autofree char *identity_uid = g_strconcat (uid, "-identity", NULL);
  g_autofree char *transport_uid = g_strconcat (uid, "-transport", NULL);
  g_autofree char *collection_uid = g_strconcat (uid, "-dav", NULL);
  const char *uids[] = { uid, identity_uid, transport_uid, collection_uid };
  g_autofree char *dav_password = eds_password (collection_uid);
  guint files = 0;
  g_autofree char *password = eds_password (uid);
  g_autofree char *smtp_password = eds_password (transport_uid);
  g_autofree char *provisioned = keyring_value ("io.github.email2.Secret", "email2-guid", guid,
                                                "email2-node", "AUTHSECRET");
  g_autofree char *tile_path = launcher_path (uid);
  gboolean has_tile = g_file_test (tile_path, G_FILE_TEST_EXISTS);
  g_autoptr(GKeyFile) identity = NULL;
  g_autoptr(GKeyFile) account = NULL;
  g_autoptr(GKeyFile) tile = NULL;
  g_auto(GStrv) carried = NULL;
  g_autofree char *carried_text = NULL;
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *expected_comment = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
    {
      g_autofree char *path = source_path (uids[i]);
      files += g_file_test (path, G_FILE_TEST_EXISTS);
    }

  if (files == 0)
    {
      g_assert_null (password);
      g_assert_null (smtp_password);
      g_assert_null (provisioned);
      g_assert_null (dav_password);
      g_assert_false (has_tile);
      return g_strdup ("absent");
    }

  /* The mail sources and the calendar collection, with one password. */
  g_assert_cmpuint (files, ==, 4);
  g_assert_nonnull (password);
  g_assert_cmpstr (password, ==, smtp_password);
  g_assert_cmpstr (password, ==, dav_password);
  g_assert_cmpstr (password, ==, provisioned);
  identity = key_file (identity_uid);
  name = g_key_file_get_string (identity, "Mail Identity", "Name", NULL);
  address = g_key_file_get_string (identity, "Mail Identity", "Address", NULL);

  /* The launcher is there and shows the account as it is. */
  g_assert_true (has_tile);
  tile = launcher (uid);
  comment = g_key_file_get_string (tile, "Desktop Entry", "Comment", NULL);
  expected_comment = g_strdup_printf ("Mail for %s <%s>", name, address);
  g_assert_cmpstr (comment, ==, expected_comment);

  /* The servers whose password was carried over (DESIGN §5.3). */
  account = key_file (uid);
  carried = g_key_file_get_string_list (account, "EMAIL2", "PasswordCarriedTo", NULL, NULL);
  carried_text = carried != NULL ? g_strjoinv (",", carried) : g_strdup ("");

  return g_strdup_printf ("%s/%s/%s/%s", name ? name : "", password, address, carried_text);
}

static char *
two_accounts_state (void)
{
  g_autofree char *first = account_state (IMAP_UID, TEST_GUID);
  g_autofree char *second = account_state (UID2, TEST_GUID2);

  g_assert_false (any_backup ());
  /* All or nothing: both accounts are in the same state. */
  g_assert_cmpstr (first, ==, second);
  return g_steal_pointer (&first);
}

static char *
crash_create_body (void)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");

  return g_strconcat ("<Atomic><CmdID>1</CmdID>", first, second,
                      "<Replace><CmdID>40</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/AUTHREQUIRED"
                      "</LocURI></Target><Data>1</Data></Item></Replace>"
                      "<Replace><CmdID>41</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/AUTHREQUIRED"
                      "</LocURI></Target><Data>1</Data></Item></Replace>"
                      "<Replace><CmdID>42</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME"
                      "</LocURI></Target><Data>Old</Data></Item></Replace>"
                      "<Replace><CmdID>43</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/NAME"
                      "</LocURI></Target><Data>Old</Data></Item></Replace>"
                      /* Calendars too: a collection in the same transaction
                       * (its server is not there; discovery just fails). */
                      "<Replace><CmdID>44</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SYNCINGCONTENTTYPES"
                      "</LocURI></Target><Data>0x6</Data></Item></Replace>"
                      "<Replace><CmdID>45</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/CALENDARSERVER"
                      "</LocURI></Target><Data>127.0.0.1:9</Data></Item></Replace>"
                      "<Replace><CmdID>46</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/SYNCINGCONTENTTYPES"
                      "</LocURI></Target><Data>0x6</Data></Item></Replace>"
                      "<Replace><CmdID>47</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/CALENDARSERVER"
                      "</LocURI></Target><Data>127.0.0.1:9</Data></Item></Replace></Atomic>", NULL);
}

static const char crash_edit_body[] =
  "<Atomic><CmdID>1</CmdID>"
  "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
  "<Data>New</Data></Item></Replace>"
  "<Replace><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/AUTHSECRET</LocURI></Target>"
  "<Data>crash-new-secret</Data></Item></Replace>"
  "<Replace><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/NAME</LocURI></Target>"
  "<Data>New</Data></Item></Replace>"
  "<Replace><CmdID>5</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/AUTHSECRET</LocURI></Target>"
  "<Data>crash-new-secret</Data></Item></Replace>"
  "<Replace><CmdID>6</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/REPLYADDR</LocURI></Target>"
  "<Data>alice@fabrikam.com</Data></Item></Replace>"
  "<Replace><CmdID>7</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/REPLYADDR</LocURI></Target>"
  "<Data>alice@fabrikam.com</Data></Item></Replace></Atomic>";

#define OLD_STATE "Old/s3cret&pw/alice@contoso.com/"

/* Before the edit: both incoming servers moved without their password,
 * which the edit then gives again: the mark comes and goes with the
 * transaction. */
static const char crash_move_body[] =
  "<Atomic><CmdID>1</CmdID>"
  "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/INSERVER</LocURI></Target>"
  "<Data>imap.fabrikam.com</Data></Item></Replace>"
  "<Replace><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/INSERVER</LocURI></Target>"
  "<Data>pop.fabrikam.com</Data></Item></Replace></Atomic>";
#define MOVED_STATE "Old/s3cret&pw/alice@contoso.com/INSERVER"

static const char crash_delete_body[] =
  "<Atomic><CmdID>1</CmdID>"
  "<Delete><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "</LocURI></Target></Item></Delete>"
  "<Delete><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "</LocURI></Target></Item></Delete>"
  "</Atomic>";
#define NEW_STATE "New/crash-new-secret/alice@fabrikam.com/"

static void
remove_both (void)
{
  g_auto(Email2TestRun) first;
  g_auto(Email2TestRun) second;

  email2_test_ctl (&first, "delete", TEST_GUID);
  email2_test_ctl (&second, "delete", TEST_GUID2);
}

/* kill -9 after every durable step of a two-account creation, of a
 * two-account edit that replaces both passwords and addresses (and so
 * clears the carried-password mark a move left), and of a
 * two-account delete; after a restart each account is either fully there
 * with its launcher or fully absent without one, and both agree. A backup
 * that the journal does not name yet is torn first (an empty secret, as a
 * keyring killed while creating it leaves it). */
static void
test_crash (void)
{
  g_autofree char *create = crash_create_body ();
  gboolean create_done = FALSE, edit_done = FALSE, delete_done = FALSE;
  guint torn = 0;

  stop_registry ();

  for (guint step = 1; !create_done || !edit_done || !delete_done; step++)
    {
      g_autofree char *after_create = NULL;
      g_autofree char *after_edit = NULL;
      g_autofree char *after_delete = NULL;
      g_autofree char *moved = NULL;

      g_assert_cmpuint (step, <, 100);

      /* Creation, killed after step N. */
      if (!create_done)
        {
          start_registry (step);
          apply_body (create, -1);
          create_done = !reap_crashed_registry ();
          if (!create_done)
            start_registry (0);
          after_create = two_accounts_state ();
          g_test_message ("create, killed after step %u: %s", step, after_create);
          g_assert_true (g_str_equal (after_create, "absent") ||
                         g_str_equal (after_create, OLD_STATE));
          g_assert_true (!create_done || g_str_equal (after_create, OLD_STATE));
          remove_both ();
          stop_registry ();
        }

      /* An edit, killed after step N. */
      if (!edit_done)
        {
          start_registry (0);
          apply_body (create, 0);
          apply_body (crash_move_body, 0);
          moved = two_accounts_state ();
          g_assert_cmpstr (moved, ==, MOVED_STATE);
          stop_registry ();
          start_registry (step);
          apply_body (crash_edit_body, -1);
          edit_done = !reap_crashed_registry ();
          if (!edit_done)
            {
              torn += tear_unnamed_backups ();
              start_registry (0);
            }
          after_edit = two_accounts_state ();
          g_test_message ("edit, killed after step %u: %s", step, after_edit);
          g_assert_true (g_str_equal (after_edit, MOVED_STATE) ||
                         g_str_equal (after_edit, NEW_STATE));
          g_assert_true (!edit_done || g_str_equal (after_edit, NEW_STATE));
          remove_both ();
          stop_registry ();
        }

      /* Both deleted in one Atomic, killed after step N. */
      if (!delete_done)
        {
          start_registry (0);
          apply_body (create, 0);
          stop_registry ();
          start_registry (step);
          apply_body (crash_delete_body, -1);
          delete_done = !reap_crashed_registry ();
          if (!delete_done)
            {
              torn += tear_unnamed_backups ();
              start_registry (0);
            }
          after_delete = two_accounts_state ();
          g_test_message ("delete, killed after step %u: %s", step, after_delete);
          g_assert_true (g_str_equal (after_delete, OLD_STATE) ||
                         g_str_equal (after_delete, "absent"));
          g_assert_true (!delete_done || g_str_equal (after_delete, "absent"));
          remove_both ();
          stop_registry ();
        }
    }

  /* The edit and the delete were each killed between a backup and the
   * journal's naming it. */
  g_assert_cmpuint (torn, >=, 2);
  start_registry (0);
  teardown ();
}

/* get, list and delete answer in words and in JSON (docs/json.md). */
static void
test_ctl_answers (void)
{
  g_autofree char *path = example ("create-imap-account.xml");
  g_autofree char *missing_error = g_strdup_printf ("email2ctl: not found: %s (404)\n", TEST_ACCOUNT2);

  /* apply --json: the engine's summary, the same keys as validate's. */
  {
    const char * const args[] = { "apply", "--json", path, NULL };
    static const char * const keys[] = {
      "version", "command", "ok", "format", "encoding", "session_id", "msg_id", "header",
      "statuses", NULL
    };
    g_auto(Email2TestRun) run;
    g_autoptr(JsonObject) answer = NULL;
    JsonArray *statuses;

    email2_test_ctlv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
    answer = email2_test_parse_json (run.out, "apply");
    email2_test_assert_json_keys (answer, keys);
    g_assert_true (json_object_get_boolean_member (answer, "ok"));
    g_assert_cmpstr (json_object_get_string_member (answer, "format"), ==, "syncml");
    statuses = json_object_get_array_member (answer, "statuses");
    g_assert_cmpuint (json_array_get_length (statuses), >, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (statuses, 0), "status"),
                     ==, 200);
    g_assert_null (strstr (run.out, "example-password"));
  }
  /* Again: the GUID exists, the Atomic fails, with the engine's reasons. */
  {
    const char * const args[] = { "apply", "--json", path, NULL };
    g_auto(Email2TestRun) run;
    g_autoptr(JsonObject) answer = NULL;
    JsonArray *statuses;
    gboolean has_reason = FALSE;

    email2_test_ctlv (&run, args);
    g_assert_cmpint (run.status, ==, 1);
    answer = email2_test_parse_json (run.out, "apply");
    g_assert_false (json_object_get_boolean_member (answer, "ok"));
    statuses = json_object_get_array_member (answer, "statuses");
    for (guint i = 0; i < json_array_get_length (statuses); i++)
      has_reason |= !json_object_get_null_member (json_array_get_object_element (statuses, i), "reason");
    g_assert_true (has_reason);
  }

  {
    const char * const args[] = { "get", "--json", TEST_ACCOUNT "/SERVICENAME", NULL };
    static const char * const keys[] = { "version", "command", "uri", "status", "format", "data", NULL };
    g_auto(Email2TestRun) run;
    g_autoptr(JsonObject) answer = NULL;

    email2_test_ctlv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
    answer = email2_test_parse_json (run.out, "get");
    email2_test_assert_json_keys (answer, keys);
    g_assert_cmpint (json_object_get_int_member (answer, "status"), ==, 200);
    g_assert_cmpstr (json_object_get_string_member (answer, "format"), ==, "chr");
    g_assert_cmpstr (json_object_get_string_member (answer, "data"), ==, "Contoso Mail");
  }
  {
    const char * const args[] = { "get", "--json", TEST_ACCOUNT "/AUTHSECRET", NULL };
    g_auto(Email2TestRun) run;
    g_autoptr(JsonObject) answer = NULL;

    email2_test_ctlv (&run, args);
    answer = email2_test_parse_json (run.out, "get");
    g_assert_cmpstr (json_object_get_string_member (answer, "data"), ==, "********");
  }
  {
    const char * const args[] = { "get", "--json", TEST_ACCOUNT2, NULL };
    g_auto(Email2TestRun) run, text;
    g_autoptr(JsonObject) answer = NULL;

    email2_test_ctlv (&run, args);
    g_assert_cmpint (run.status, ==, 1);
    answer = email2_test_parse_json (run.out, "get");
    g_assert_cmpint (json_object_get_int_member (answer, "status"), ==, 404);
    g_assert_true (json_object_get_null_member (answer, "data"));

    /* In words, with the code. */
    email2_test_ctl (&text, "get", TEST_ACCOUNT2);
    g_assert_cmpint (text.status, ==, 1);
    g_assert_cmpstr (text.out, ==, "");
    g_assert_cmpstr (text.err, ==, missing_error);
  }
  {
    const char * const args[] = { "list", "--json", NULL };
    g_auto(Email2TestRun) run;
    g_autoptr(JsonObject) answer = NULL;
    JsonArray *accounts;

    email2_test_ctlv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
    answer = email2_test_parse_json (run.out, "list");
    accounts = json_object_get_array_member (answer, "accounts");
    g_assert_cmpuint (json_array_get_length (accounts), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (accounts, 0), "guid"),
                     ==, TEST_GUID);
  }
  {
    const char * const args[] = { "delete", "--json", TEST_GUID, NULL };
    g_auto(Email2TestRun) run, again;
    g_autoptr(JsonObject) answer = NULL;

    email2_test_ctlv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
    answer = email2_test_parse_json (run.out, "delete");
    g_assert_cmpstr (json_object_get_string_member (answer, "guid"), ==, TEST_GUID);
    g_assert_cmpint (json_object_get_int_member (answer, "status"), ==, 200);

    email2_test_ctl (&again, "delete", TEST_GUID);
    g_assert_cmpint (again.status, ==, 1);
    g_assert_cmpstr (again.err, ==, "email2ctl: not found: " TEST_GUID " (404)\n");
  }

  wait_for_source (IMAP_UID, FALSE);
  teardown ();
}

/* The module speaks the user's language: a CP answer's reasons come from
 * the registry's process, under its LANGUAGE (the build tree's catalogs,
 * EMAIL2_LOCALEDIR, as the installed module binds the installed ones). */
static void
test_translated (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "translated.xml", NULL);
  static const char *languages[][2] = {
    { "de", "nimmt diesen Wert nicht an" }, { "fr", "n’accepte pas cette valeur" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *english = NULL;

  /* An edit of an account that does not exist: the document fails. */
  g_file_set_contents (path, "<wap-provisioningdoc><characteristic type=\"EMAIL2\">"
                       "<characteristic type=\"" TEST_GUID "\"><parm name=\"LINGER\" value=\"16\"/>"
                       "</characteristic></characteristic></wap-provisioningdoc>", -1, &error);
  g_assert_no_error (error);

  {
    g_auto(Email2TestRun) run;

    email2_test_ctl (&run, "apply", path);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.out, "desc=\""));
    english = g_strdup (strstr (run.out, "desc=\""));
  }

  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      const char *env[] = { "LANGUAGE", languages[i][0], "LC_ALL", "C.UTF-8", NULL };
      g_auto(Email2TestRun) run;

      stop_registry ();
      email2_test_registry_start (env, NULL, &registry_child);
      email2_test_ctl (&run, "apply", path);
      g_test_message ("%s: %s", languages[i][0], run.out);
      g_assert_cmpint (run.status, ==, 1);
      g_assert_nonnull (strstr (run.out, "desc=\""));
      g_assert_cmpstr (strstr (run.out, "desc=\""), !=, english);
      g_assert_nonnull (strstr (strstr (run.out, "desc=\""), languages[i][1]));
    }

  stop_registry ();
  start_registry (0);
  g_unlink (path);
  teardown ();
}

/* ---- an account written by email2 0.1.0 ---- */

#define LEGACY_GUID "{7A1E9C44-3B2D-4F10-8E5A-6C0D9B2F4E11}"
#define LEGACY_URI "./Vendor/MSFT/EMAIL2/%7B7A1E9C44-3B2D-4F10-8E5A-6C0D9B2F4E11%7D"
#define LEGACY_UID "email2-7a1e9c44-3b2d-4f10-8e5a-6c0d9b2f4e11"

/* What tests/data/legacy/ holds, as Get answers it and as `Values` lists it. */
static const char * const legacy_nodes[][2] = {
  { "ACCOUNTICON", "res://x;y=z\\w.png" }, { "ACCOUNTTYPE", "Email" },
  { "AUTHNAME", "a;l=i\\ce" }, { "AUTHREQUIRED", "1" }, { "AUTHSECRET", NULL },
  { "DOMAIN", "CONTOSO" }, { "DWNDAY", "30" }, { "INSERVER", "imap.contoso.com:993" },
  { "LINGER", "15" }, { "KEEPMAX", "125" }, { "NAME", "" },
  { "OUTSERVER", "smtp.contoso.com:587" }, { "REPLYADDR", "alice@contoso.com" },
  { "SERVICENAME", "Contoso; Mail = \\ Büro ☃ \\; x" }, { "SERVICETYPE", "IMAP4" },
  { "RETRIEVE", "2048" }, { "SERVERDELETEACTION", "2" }, { "CELLULARONLY", "0" },
  { "SYNCINGCONTENTTYPES", "0x2" }, { "SMTPALTAUTHNAME", "relay;user" },
  { "SMTPALTDOMAIN", "" }, { "SMTPALTENABLED", "1" }, { "SMTPALTPASSWORD", NULL },
  { "TAGPROPS", NULL }, { "TAGPROPS/8128000B", "1" }, { "TAGPROPS/812C000B", "1" },
};

/* The registry's sources directory gets the three files of 0.1.0. */
static void
install_legacy_sources (void)
{
  static const char * const suffixes[] = { "", "-identity", "-transport" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (LEGACY_UID, suffixes[i], ".source", NULL);
      g_autofree char *from = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tests", "data",
                                                "legacy", name, NULL);
      g_autofree char *to = g_build_filename (g_get_user_config_dir (), "evolution", "sources",
                                              name, NULL);
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;

      g_file_get_contents (from, &text, NULL, &error);
      g_assert_no_error (error);
      g_file_set_contents (to, text, -1, &error);
      g_assert_no_error (error);
    }
}

/* Get answers every node as provisioned; @linger when it was edited. */
static void
assert_legacy_get (const char *linger)
{
  for (guint i = 0; i < G_N_ELEMENTS (legacy_nodes); i++)
    {
      g_autofree char *uri = g_strconcat (LEGACY_URI "/", legacy_nodes[i][0], NULL);
      g_autofree char *value = get (uri, 0);
      const char *expected = strcmp (legacy_nodes[i][0], "LINGER") == 0 ? linger : legacy_nodes[i][1];

      g_test_message ("%s", legacy_nodes[i][0]);
      if (strcmp (legacy_nodes[i][0], "TAGPROPS") == 0)
        expected = "8128000B/812C000B";
      g_assert_cmpstr (value, ==, expected != NULL ? expected : "********");
    }
}

/* The file's [EMAIL2] is the current format: four keys, every node in
 * `Values` exactly. */
static void
assert_current_format (const char *linger)
{
  g_autoptr(GKeyFile) file = key_file (LEGACY_UID);
  g_auto(GStrv) keys = g_key_file_get_keys (file, "EMAIL2", NULL, NULL);
  g_auto(GStrv) values = g_key_file_get_string_list (file, "EMAIL2", "Values", NULL, NULL);
  const char *expected_keys[] = { "Guid", "Values", "Probed", "PasswordCarriedTo" };

  g_assert_cmpuint (g_strv_length (keys), ==, G_N_ELEMENTS (expected_keys));
  for (guint i = 0; i < G_N_ELEMENTS (expected_keys); i++)
    g_assert_true (g_strv_contains ((const char * const *) keys, expected_keys[i]));
  assert_key (file, "EMAIL2", "Guid", LEGACY_GUID);
  g_assert_cmpuint (g_strv_length (values), ==, G_N_ELEMENTS (legacy_nodes));
  for (guint i = 0; i < G_N_ELEMENTS (legacy_nodes); i++)
    {
      const char *value = strcmp (legacy_nodes[i][0], "LINGER") == 0 ? linger : legacy_nodes[i][1];
      g_autofree char *item = value != NULL ? g_strconcat (legacy_nodes[i][0], "=", value, NULL)
                                            : g_strdup (legacy_nodes[i][0]);

      g_assert_cmpstr (values[i], ==, item);
    }
}

static void
test_legacy_source (void)
{
  g_autofree char *replace = email2_test_item_cmd ("Replace", "2", LEGACY_URI "/LINGER", NULL, "30");
  g_autofree char *edit = g_strconcat ("<Atomic><CmdID>1</CmdID>", replace, "</Atomic>", NULL);
  g_autofree char *create = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tests", "data",
                                              "legacy", "create.xml", NULL);
  g_autofree char *path = source_path (LEGACY_UID);
  gint64 deadline;

  /* The payload that made the files: its secrets are in the keyring as
   * 0.1.0 left them (the keyring's format did not change). */
  apply_file (create, 0);

  /* Read as 0.1.0 wrote it; the first write, an edit, writes the current
   * format, before the start's own rewrite (five seconds after start). */
  stop_registry ();
  install_legacy_sources ();
  start_registry (0);
  assert_legacy_get ("15");
  apply_body (edit, 0);
  assert_current_format ("30");
  assert_legacy_get ("30");

  /* Not written at all: the start rewrites it. */
  stop_registry ();
  install_legacy_sources ();
  start_registry (0);
  assert_legacy_get ("15");
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *text = source_text (LEGACY_UID);

      if (strstr (text, "\nNodes=") == NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100000);
    }
  assert_current_format ("15");
  assert_legacy_get ("15");

  /* And it stays so after a restart. */
  stop_registry ();
  start_registry (0);
  assert_current_format ("15");
  assert_legacy_get ("15");

  delete_account (LEGACY_GUID, LEGACY_UID);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  teardown ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* Only ever inside tools/with-session: never the real user's session. */
  g_assert_nonnull (g_getenv ("EMAIL2_SESSION_DIR"));
  g_assert_true (g_str_has_prefix (g_get_user_config_dir (), g_getenv ("EMAIL2_SESSION_DIR")));

  registry = e_source_registry_new_sync (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/evolution/create-imap", test_create_imap);
  g_test_add_func ("/evolution/create-pop3", test_create_pop3);
  g_test_add_func ("/evolution/every-node", test_every_node);
  g_test_add_func ("/evolution/edit", test_edit);
  g_test_add_func ("/evolution/live-settings", test_live_settings);
  g_test_add_func ("/evolution/client-provisioning", test_client_provisioning);
  g_test_add_func ("/evolution/cp-equals-syncml", test_cp_equals_syncml);
  g_test_add_func ("/evolution/failures-change-nothing", test_failures_change_nothing);
  g_test_add_func ("/evolution/second-account-fails", test_second_account_fails);
  g_test_add_func ("/evolution/list-spool-origin", test_list_spool_origin);
  g_test_add_func ("/evolution/launcher-hostile", test_launcher_hostile);
  g_test_add_func ("/evolution/delete", test_delete_example);
  g_test_add_func ("/evolution/typed-password", test_typed_password);
  g_test_add_func ("/evolution/ctl-answers", test_ctl_answers);
  g_test_add_func ("/evolution/translated", test_translated);
  g_test_add_func ("/evolution/real-mdm-shapes", test_real_mdm_shapes);
  g_test_add_func ("/evolution/legacy-source", test_legacy_source);
  /* Last: it restarts the registry many times. */
  g_test_add_func ("/evolution/crash", test_crash);

  status = g_test_run ();
  if (registry_child != 0)
    stop_registry ();
  return status;
}
