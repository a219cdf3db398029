/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Launchers: the icon table, escaping, the desktop entry (checked by
 * desktop-file-validate), hostile ACCOUNTICON values and SERVICENAMEs, and
 * the desktop host keeping one launcher per account inside the
 * transaction: created, updated, removed, never left by a failed Atomic.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-payload-private.h"

#define ATOMIC(id, body) "<Atomic><CmdID>" id "</CmdID>" body "</Atomic>"
#define INBOX_PREFIX "folder://test-"

/* ---- the icon table ---- */

typedef struct {
  const char *value;
  const char *icon;      /* expected icon name; NULL: the value itself */
  gboolean defaulted;    /* a reason is given */
} IconCase;

static const IconCase icon_cases[] = {
  /* Microsoft's suggested icons, in any case and resolution */
  { "res://AccountSettingsSharedRes{ScreenResolution}!%s.genericmail.png", "evolution-mail", FALSE },
  { "res://AccountSettingsSharedRes100!%s.genericmail.png", "evolution-mail", FALSE },
  { "RES://AccountSettingsSharedRes{ScreenResolution}!%s.GENERICMAIL.PNG", "evolution-mail", FALSE },
  { "res://AccountSettingsSharedRes{ScreenResolution}!%s.office.outlook.png", "email2-outlook", FALSE },
  { "res://AccountSettingsSharedRes140!%s.Office.Outlook.png", "email2-outlook", FALSE },
  { "res://AccountSettingsSharedRes{ScreenResolution}!%s.office.word.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "res://genericmail.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  /* plain icon-theme names: as given */
  { "evolution-mail", NULL, FALSE },
  { "mail-message-new", NULL, FALSE },
  { "org.gnome.Evolution", NULL, FALSE },
  { "goa-account-msn", NULL, FALSE },
  { "x", NULL, FALSE },
  /* hostile: paths, URLs, traversal, control characters, huge */
  { "/etc/passwd", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "/usr/share/icons/hicolor/48x48/apps/evolution-mail.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "icons/evil.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "../../.ssh/id_rsa", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "..", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { ".", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "a..b", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { ".hidden", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "-rf", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "file:///etc/passwd", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "file:evil", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "http://evil.example/track.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "https://evil.example/i", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "smb://server/share/icon.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "C:\\Windows\\icon.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "evolution-mail.png", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "icon.SVG", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "evolution mail", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "mail\nExec=rm -rf ~", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "mail\r", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "mail\t", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "mail%U", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "mail;x", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "ma\xc3\xafl", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
  { "", EMAIL2_LAUNCHER_DEFAULT_ICON, TRUE },
};

static void
test_icon_names (void)
{
  g_autofree char *huge = g_strnfill (10 * 1024, 'a');
  const char *reason = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (icon_cases); i++)
    {
      const IconCase *c = &icon_cases[i];
      const char *icon = email2_launcher_icon_name (c->value, &reason);

      g_test_message ("ACCOUNTICON %s", c->value);
      g_assert_cmpstr (icon, ==, c->icon != NULL ? c->icon : c->value);
      g_assert_true ((reason != NULL) == c->defaulted);
    }

  /* 10 KB of a valid name's letters is no name. */
  g_assert_cmpstr (email2_launcher_icon_name (huge, &reason), ==, EMAIL2_LAUNCHER_DEFAULT_ICON);
  g_assert_nonnull (reason);
  huge[63] = '\0';
  g_assert_true (email2_launcher_icon_name (huge, &reason) == huge);
  g_assert_null (reason);

  /* The icons email2 maps to that no theme has are shipped. */
  {
    const char * const shipped[] = { EMAIL2_LAUNCHER_DEFAULT_ICON, "email2-outlook" };

    for (guint i = 0; i < G_N_ELEMENTS (shipped); i++)
      {
        g_autofree char *svg = g_strconcat (shipped[i], ".svg", NULL);
        g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "data", "icons",
                                                  "hicolor", "scalable", "apps", svg, NULL);

        g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      }
  }

  /* No ACCOUNTICON: the default, and nothing to complain about. */
  g_assert_cmpstr (email2_launcher_icon_name (NULL, &reason), ==, EMAIL2_LAUNCHER_DEFAULT_ICON);
  g_assert_null (reason);
}

/* ---- escaping ---- */

static void
test_escape (void)
{
  static const char * const cases[][2] = {
    { "Contoso Mail", "Contoso Mail" },
    { "100% Mail %U %f", "100% Mail %U %f" },
    { "a\nExec=rm -rf ~", "a\\nExec=rm -rf ~" },
    { "a\r\nb\tc", "a\\r\\nb\\tc" },
    { "back\\slash\\n", "back\\\\slash\\\\n" },
    { " padded ", "\\spadded\\s" },
    { "in  side", "in  side" },
    { "bell\a", "bell\xef\xbf\xbd" },
    { "del\x7f", "del\xef\xbf\xbd" },
    { "c1\xc2\x85" "x", "c1\xef\xbf\xbdx" },
    { "bad\xff" "utf8", "bad\xef\xbf\xbdutf8" },
    { "Caf\xc3\xa9 \xe2\x9c\x89", "Caf\xc3\xa9 \xe2\x9c\x89" },
    { "[Desktop Entry]", "[Desktop Entry]" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = email2_desktop_entry_escape (cases[i][0]);

      g_assert_cmpstr (escaped, ==, cases[i][1]);
      g_assert_null (strchr (escaped, '\n'));
      g_assert_null (strchr (escaped, '\r'));
    }
}

/* ---- the desktop entry ---- */

static Email2Account *
make_account (const char *guid,
              const char *service_name,
              const char *address,
              const char *icon)
{
  Email2Account *account = email2_account_new (guid);

  email2_account_set (account, EMAIL2_NODE_SERVICENAME, service_name);
  email2_account_set (account, EMAIL2_NODE_SERVICETYPE, "IMAP4");
  if (address != NULL)
    email2_account_set (account, EMAIL2_NODE_REPLYADDR, address);
  if (icon != NULL)
    email2_account_set (account, EMAIL2_NODE_ACCOUNTICON, icon);
  return account;
}

/* desktop-file-validate (Debian's desktop-file-utils) has nothing to say. */
static void
assert_valid (const char *path)
{
  g_autofree char *validator = g_find_program_in_path ("desktop-file-validate");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { validator, path, NULL };
  int status = -1;

  g_assert_nonnull (validator);    /* tools/install-deps installs it */
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("desktop-file-validate %s: %s%s", path, out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "");
}

static GKeyFile *
load_launcher (const char *dir,
               const char *guid)
{
  g_autofree char *name = email2_launcher_file_name (guid);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&file);
}

static char *
launcher_string (GKeyFile   *file,
                 const char *key)
{
  g_autoptr(GError) error = NULL;
  char *value = g_key_file_get_string (file, G_KEY_FILE_DESKTOP_GROUP, key, &error);

  g_assert_no_error (error);
  return value;
}

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("email2-launcher-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_contents (void)
{
  g_autofree char *dir = make_dir ();
  g_autoptr(Email2Account) account =
    make_account (TEST_GUID, "Contoso Mail", "alice@contoso.com",
                  "res://AccountSettingsSharedRes{ScreenResolution}!%s.office.outlook.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) file = NULL;
  g_autofree char *name = email2_launcher_file_name (TEST_GUID);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) list = NULL;
  struct {
    const char *key;
    const char *value;
  } expected[] = {
    { "Type", "Application" },
    { "Name", "Contoso Mail" },
    { "Comment", "Mail for alice@contoso.com" },
    { "Icon", "email2-outlook" },
    { "Exec", "evolution folder://email2-c556e16f-56c4-4edb-9c64-d9469ee1fbe0/INBOX" },
    { "TryExec", "evolution" },
    { "Categories", "Network;Email;" },
    { "StartupWMClass", "Evolution" },
    { "Actions", "new-message;" },
    { "X-Email2-Guid", TEST_GUID },
  };

  g_assert_cmpstr (name, ==, "email2-c556e16f-56c4-4edb-9c64-d9469ee1fbe0.desktop");
  g_assert_true (email2_launcher_write (dir, account,
                                        "folder://email2-c556e16f-56c4-4edb-9c64-d9469ee1fbe0/INBOX",
                                        &error));
  g_assert_no_error (error);
  assert_valid (path);

  file = load_launcher (dir, TEST_GUID);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *value = launcher_string (file, expected[i].key);

      g_assert_cmpstr (value, ==, expected[i].value);
    }
  groups = g_key_file_get_groups (file, NULL);
  g_assert_cmpuint (g_strv_length (groups), ==, 2);
  g_assert_cmpstr (groups[1], ==, "Desktop Action new-message");
  {
    g_autofree char *exec = g_key_file_get_string (file, groups[1], "Exec", NULL);

    g_assert_cmpstr (exec, ==, "evolution mailto:");
  }

  list = email2_launcher_list (dir);
  g_assert_cmpuint (g_strv_length (list), ==, 1);
  g_assert_cmpstr (list[0], ==, TEST_GUID);

  /* A URI that would need quoting in Exec is refused, not written. */
  g_assert_false (email2_launcher_write (dir, account, "folder://x/IN BOX", &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
  g_clear_error (&error);
  g_assert_false (email2_launcher_write (dir, account, "folder://x/%f", &error));
  g_clear_error (&error);

  g_assert_true (email2_launcher_remove (dir, TEST_GUID, &error));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* None there is no error. */
  g_assert_true (email2_launcher_remove (dir, TEST_GUID, &error));
  g_assert_no_error (error);
  email2_test_remove_tree (dir);
}

/* SERVICENAMEs a payload could never send (the engine refuses control
 * characters) and ones it can (%, quotes, brackets): each comes back from
 * a desktop-entry reader exactly, or with U+FFFD for a control character,
 * and never adds a key or a group. */
static void
test_hostile_names (void)
{
  static const char * const names[] = {
    "Mail\nExec=sh -c 'rm -rf ~'",
    "Mail\n[Desktop Entry]\nExec=evil",
    "100% %U %f %i %c %k %%",
    "\"quoted\" 'single' `back` $HOME ; | &",
    "trailing\\",
    "Name=Other",
    " spaced ",
    "\r\n\r\n",
    "Ma\xc3\xafl \xe2\x9c\x89 \xf0\x9f\x93\xa7",
  };
  g_autofree char *dir = make_dir ();

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(Email2Account) account =
        make_account (TEST_GUID, names[i], "alice@contoso.com", "/etc/passwd");
      g_autoptr(GError) error = NULL;
      g_autoptr(GKeyFile) file = NULL;
      g_autofree char *name = email2_launcher_file_name (TEST_GUID);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *read_name = NULL;
      g_autofree char *icon = NULL;
      g_autofree char *exec = NULL;
      g_autofree char *text = NULL;
      g_auto(GStrv) keys = NULL;
      g_auto(GStrv) groups = NULL;

      g_assert_true (email2_launcher_write (dir, account, "folder://email2-x/INBOX", &error));
      g_assert_no_error (error);
      assert_valid (path);
      file = load_launcher (dir, TEST_GUID);
      read_name = launcher_string (file, "Name");
      /* A reader gets the name back exactly, newlines and all, as one value. */
      g_assert_cmpstr (read_name, ==, names[i]);
      icon = launcher_string (file, "Icon");
      g_assert_cmpstr (icon, ==, EMAIL2_LAUNCHER_DEFAULT_ICON);
      exec = launcher_string (file, "Exec");
      g_assert_cmpstr (exec, ==, "evolution folder://email2-x/INBOX");
      keys = g_key_file_get_keys (file, G_KEY_FILE_DESKTOP_GROUP, NULL, NULL);
      g_assert_cmpuint (g_strv_length (keys), ==, 14);
      groups = g_key_file_get_groups (file, NULL);
      g_assert_cmpuint (g_strv_length (groups), ==, 2);
      /* The payload's path is nowhere in the file. */
      text = email2_test_read_file (path, NULL);
      g_assert_null (strstr (text, "/etc/passwd"));
    }
  email2_test_remove_tree (dir);
}

/* ---- the desktop host, over the memory host ---- */

typedef struct {
  char *dir;
  Email2MemoryHost *memory;
  Email2DesktopHost *host;
  GPtrArray *committed;    /* of "kind:name" */
} Fixture;

static char *
inbox_uri (const Email2Account *account,
           gpointer             user_data)
{
  g_autofree char *guid = g_ascii_strdown (email2_account_get_guid (account) + 1, 36);

  return g_strconcat (INBOX_PREFIX, guid, "/INBOX", NULL);
}

static void
on_committed (GPtrArray *changes,
              gpointer   user_data)
{
  Fixture *fixture = user_data;
  static const char * const kinds[] = { "added", "changed", "removed" };

  for (guint i = 0; i < changes->len; i++)
    {
      const Email2AccountChange *change = changes->pdata[i];

      g_ptr_array_add (fixture->committed,
                       g_strdup_printf ("%s:%s", kinds[change->kind], change->name));
    }
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *base = make_dir ();

  fixture->dir = g_build_filename (base, "applications", NULL);
  fixture->memory = email2_memory_host_new ();
  fixture->host = email2_desktop_host_new (EMAIL2_HOST (fixture->memory), fixture->dir,
                                           inbox_uri, NULL);
  fixture->committed = g_ptr_array_new_with_free_func (g_free);
  email2_desktop_host_set_committed_func (fixture->host, on_committed, fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *base = g_path_get_dirname (fixture->dir);

  email2_test_remove_tree (base);
  g_free (fixture->dir);
  g_clear_object (&fixture->host);
  g_clear_object (&fixture->memory);
  g_ptr_array_unref (fixture->committed);
}

static char *
run (Fixture    *fixture,
     const char *body)
{
  g_autofree char *text = email2_test_message (body);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2SyncmlMessage) message = email2_syncml_read (email2_xml_parse, text, strlen (text), &error);
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (fixture->host));
  g_autoptr(GPtrArray) statuses = NULL;

  g_assert_no_error (error);
  statuses = email2_session_process (session, message->commands);
  return email2_test_summarize (statuses);
}

static char *
launcher_of (Fixture    *fixture,
             const char *guid,
             const char *key)
{
  g_autoptr(GKeyFile) file = load_launcher (fixture->dir, guid);

  return file != NULL ? launcher_string (file, key) : NULL;
}

static char *
committed (Fixture *fixture)
{
  g_ptr_array_add (fixture->committed, NULL);
  {
    char *joined = g_strjoinv (" ", (char **) fixture->committed->pdata);

    g_ptr_array_set_size (fixture->committed, 0);
    return joined;
  }
}

static void
test_host_lifecycle (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *create_body = g_strdup_printf (ATOMIC ("1", "%s"), create);
  g_autofree char *edit_name = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/REPLYADDR",
                                                     "chr", "alice@fabrikam.com");
  g_autofree char *edit_icon = email2_test_item_cmd ("Replace", "3", TEST_ACCOUNT "/ACCOUNTICON", "chr",
                                                     "res://AccountSettingsSharedRes{ScreenResolution}!%s.genericmail.png");
  g_autofree char *edit_user = email2_test_item_cmd ("Replace", "4", TEST_ACCOUNT "/NAME", "chr",
                                                     "Alice Example");
  g_autofree char *edit_body = g_strdup_printf (ATOMIC ("1", "%s%s%s"), edit_name, edit_icon, edit_user);
  g_autofree char *delete_body = email2_test_item_cmd ("Delete", "1", TEST_ACCOUNT, NULL, NULL);
  g_autofree char *summary = NULL;
  g_autofree char *value = NULL;
  g_autofree char *events = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = email2_launcher_file_name (TEST_GUID);

  summary = run (fixture, create_body);
  g_assert_true (g_str_has_prefix (summary, "Atomic:1:200"));
  value = launcher_of (fixture, TEST_GUID, "Name");
  g_assert_cmpstr (value, ==, "Contoso Mail");
  g_clear_pointer (&value, g_free);
  value = launcher_of (fixture, TEST_GUID, "Exec");
  g_assert_cmpstr (value, ==, "evolution " INBOX_PREFIX "c556e16f-56c4-4edb-9c64-d9469ee1fbe0/INBOX");
  g_clear_pointer (&value, g_free);
  value = launcher_of (fixture, TEST_GUID, "Icon");
  g_assert_cmpstr (value, ==, EMAIL2_LAUNCHER_DEFAULT_ICON);
  g_clear_pointer (&value, g_free);
  events = committed (fixture);
  g_assert_cmpstr (events, ==, "added:Contoso Mail");
  g_clear_pointer (&events, g_free);
  path = g_build_filename (fixture->dir, name, NULL);
  assert_valid (path);

  /* REPLYADDR, NAME and the icon change: the launcher follows. */
  g_clear_pointer (&summary, g_free);
  summary = run (fixture, edit_body);
  g_assert_true (g_str_has_prefix (summary, "Atomic:1:200"));
  value = launcher_of (fixture, TEST_GUID, "Comment");
  g_assert_cmpstr (value, ==, "Mail for Alice Example <alice@fabrikam.com>");
  g_clear_pointer (&value, g_free);
  value = launcher_of (fixture, TEST_GUID, "Icon");
  g_assert_cmpstr (value, ==, "evolution-mail");
  g_clear_pointer (&value, g_free);
  events = committed (fixture);
  g_assert_cmpstr (events, ==, "changed:Contoso Mail");
  g_clear_pointer (&events, g_free);

  /* Get returns the ACCOUNTICON that was set, not the icon shown. */
  {
    guint code = 0;
    g_autofree char *icon = email2_test_get (fixture->memory, TEST_ACCOUNT "/ACCOUNTICON", &code);

    g_assert_cmpuint (code, ==, 200);
    g_assert_cmpstr (icon, ==, "res://AccountSettingsSharedRes{ScreenResolution}!%s.genericmail.png");
  }

  g_clear_pointer (&summary, g_free);
  summary = run (fixture, delete_body);
  g_assert_cmpstr (summary, ==, "Delete:1:200");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  events = committed (fixture);
  g_assert_cmpstr (events, ==, "removed:Contoso Mail");
}

/* Two accounts in one Atomic, the second refused by the host after the
 * first was written: no launcher for either, nothing told. */
static void
test_host_failed_atomic (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");
  g_autofree char *body = g_strdup_printf (ATOMIC ("1", "%s%s"), first, second);
  g_autofree char *summary = NULL;
  g_autofree char *events = NULL;
  g_auto(GStrv) list = NULL;

  email2_memory_host_fail_apply (fixture->memory, TEST_GUID2);
  summary = run (fixture, body);
  g_assert_true (g_str_has_prefix (summary, "Atomic:1:507"));
  list = email2_launcher_list (fixture->dir);
  g_assert_cmpuint (g_strv_length (list), ==, 0);
  events = committed (fixture);
  g_assert_cmpstr (events, ==, "");
}

/* A failed edit puts the launcher back as it was. */
static void
test_host_failed_edit (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");
  g_autofree char *create = g_strdup_printf (ATOMIC ("1", "%s%s"), first, second);
  g_autofree char *edit1 = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/REPLYADDR",
                                                 "chr", "new@contoso.com");
  g_autofree char *edit2 = email2_test_item_cmd ("Replace", "3", TEST_ACCOUNT2 "/REPLYADDR",
                                                 "chr", "new@contoso.com");
  g_autofree char *edit = g_strdup_printf (ATOMIC ("1", "%s%s"), edit1, edit2);
  g_autofree char *summary = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *events = NULL;

  summary = run (fixture, create);
  g_assert_true (g_str_has_prefix (summary, "Atomic:1:200"));
  g_free (committed (fixture));

  email2_memory_host_fail_apply (fixture->memory, TEST_GUID2);
  g_clear_pointer (&summary, g_free);
  summary = run (fixture, edit);
  g_assert_true (g_str_has_prefix (summary, "Atomic:1:507"));
  comment = launcher_of (fixture, TEST_GUID, "Comment");
  g_assert_cmpstr (comment, ==, "Mail for alice@contoso.com");
  events = committed (fixture);
  g_assert_cmpstr (events, ==, "");
}

/* After a crash: a launcher without its account goes, a missing or stale
 * one is written. */
static void
test_host_reconcile (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *body = g_strdup_printf (ATOMIC ("1", "%s"), create);
  g_autoptr(Email2Account) orphan = make_account (TEST_GUID2, "Gone", NULL, NULL);
  g_autofree char *name = email2_launcher_file_name (TEST_GUID);
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = run (fixture, body);
  g_autofree char *value = NULL;
  g_auto(GStrv) list = NULL;

  g_autofree char *leftover = g_strconcat (path, ".Ab3XyZ", NULL);
  GStatBuf st;

  g_assert_true (g_str_has_prefix (summary, "Atomic:1:200"));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  g_assert_true (email2_launcher_write (fixture->dir, orphan, "folder://x/INBOX", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (path), ==, 0);
  /* What a crash in the middle of a write leaves. */
  g_assert_true (g_file_set_contents (leftover, "[Desktop", -1, NULL));

  g_assert_true (email2_desktop_host_reconcile (fixture->host, &error));
  g_assert_no_error (error);
  list = email2_launcher_list (fixture->dir);
  g_assert_cmpuint (g_strv_length (list), ==, 1);
  g_assert_cmpstr (list[0], ==, TEST_GUID);
  value = launcher_of (fixture, TEST_GUID, "Name");
  g_assert_cmpstr (value, ==, "Contoso Mail");
  g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/launcher/icon-names", test_icon_names);
  g_test_add_func ("/launcher/escape", test_escape);
  g_test_add_func ("/launcher/contents", test_contents);
  g_test_add_func ("/launcher/hostile-names", test_hostile_names);
  g_test_add ("/launcher/host-lifecycle", Fixture, NULL,
              fixture_set_up, test_host_lifecycle, fixture_tear_down);
  g_test_add ("/launcher/host-failed-atomic", Fixture, NULL,
              fixture_set_up, test_host_failed_atomic, fixture_tear_down);
  g_test_add ("/launcher/host-failed-edit", Fixture, NULL,
              fixture_set_up, test_host_failed_edit, fixture_tear_down);
  g_test_add ("/launcher/host-reconcile", Fixture, NULL,
              fixture_set_up, test_host_reconcile, fixture_tear_down);

  return g_test_run ();
}
