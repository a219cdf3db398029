/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * An account's launcher: a freedesktop desktop entry (Desktop Entry
 * Specification 1.4, the newest that Debian 12's desktop-file-validate
 * knows) that shows the account in the applications list with its icon
 * and opens the mail client on its Inbox (docs/DESIGN.md §3.4). Nothing
 * of the payload reaches the file unescaped: names and addresses are
 * escaped as the specification says, the icon is a name
 * from a closed table or a plain icon-theme name, never a path or a URL,
 * and the command line is built from the GUID and a URI the host gives.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "email2-error.h"
#include "email2-file-private.h"
#include "email2-launcher.h"
#include "email2-locuri.h"

#define FILE_PREFIX "email2-"
#define FILE_SUFFIX ".desktop"
/* An icon-theme name is short; longer ones are not names. */
#define ICON_NAME_MAX 64
/* The class of Evolution's windows (GTK 3 on X11: the program's name,
 * capitalised), so that the launcher's window groups with Evolution. */
#define EMAIL2_LAUNCHER_WM_CLASS "Evolution"

/* Microsoft's suggested icons (the seed's ACCOUNTICON), by how the
 * resource name ends; what is between `res://` and the end names a screen
 * resolution and is not used. */
static const struct {
  const char *suffix;
  const char *icon;
} microsoft_icons[] = {
  /* POP/IMAP and generic accounts: Evolution's own mail icon (hicolor). */
  { ".genericmail.png", "evolution-mail" },
  /* Exchange accounts: no theme has one; drawn for email2. */
  { ".office.outlook.png", "email2-outlook" },
};

/* Names that look like file names are refused: Icon= would then be read as
 * a file by some desktops, and a theme would not find them anyway. */
static const char * const image_suffixes[] = { ".png", ".svg", ".svgz", ".xpm", ".ico", ".jpg" };

static gboolean
has_suffix_nocase (const char *text,
                   const char *suffix)
{
  gsize length = strlen (text);
  gsize suffix_length = strlen (suffix);

  return length >= suffix_length &&
         g_ascii_strcasecmp (text + length - suffix_length, suffix) == 0;
}

/* `^[A-Za-z0-9][A-Za-z0-9._-]*$`, at most ICON_NAME_MAX, no `..`, no image suffix:
 * a name the icon theme looks up, which can be no path and no URL. */
static gboolean
is_plain_icon_name (const char *name)
{
  gsize length = strlen (name);

  if (length == 0 || length > ICON_NAME_MAX)
    return FALSE;
  if (!g_ascii_isalnum (name[0]))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = name[i];

      if (!g_ascii_isalnum (c) && c != '.' && c != '_' && c != '-')
        return FALSE;
    }
  if (strstr (name, "..") != NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (image_suffixes); i++)
    if (has_suffix_nocase (name, image_suffixes[i]))
      return FALSE;
  return TRUE;
}

/**
 * email2_launcher_icon_name:
 * @account_icon: (nullable): the ACCOUNTICON value, or %NULL when not set
 * @reason: (out) (optional): where the reason goes when the default icon
 *   replaces @account_icon; %NULL otherwise
 *
 * Maps ACCOUNTICON to the icon-theme name a launcher shows: Microsoft's
 * suggested `res://…genericmail.png` and `res://…office.outlook.png`, a
 * plain icon-theme name as given, anything else the default. No file is
 * ever read and no URL fetched.
 *
 * Returns: an icon-theme name, static or owned by @account_icon
 */
const char *
email2_launcher_icon_name (const char  *account_icon,
                           const char **reason)
{
  const char *none = NULL;

  if (reason == NULL)
    reason = &none;
  *reason = NULL;

  if (account_icon == NULL)
    return EMAIL2_LAUNCHER_DEFAULT_ICON;

  if (g_ascii_strncasecmp (account_icon, "res://", 6) == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (microsoft_icons); i++)
        if (has_suffix_nocase (account_icon, microsoft_icons[i].suffix))
          return microsoft_icons[i].icon;
      *reason = "a Windows resource email2 has no icon for";
      return EMAIL2_LAUNCHER_DEFAULT_ICON;
    }

  if (is_plain_icon_name (account_icon))
    return account_icon;

  if (strchr (account_icon, ':') != NULL)
    *reason = "a URL (icons are never fetched)";
  else if (strchr (account_icon, '/') != NULL || strchr (account_icon, '\\') != NULL)
    *reason = "a file path (icons are never read from files)";
  else
    *reason = "not a plain icon-theme name";
  return EMAIL2_LAUNCHER_DEFAULT_ICON;
}

/**
 * email2_desktop_entry_escape:
 * @value: a string value
 *
 * Escapes @value for a `string` or `localestring` key of a desktop entry:
 * `\\`, `\n`, `\t`, `\r` as the specification says, a leading or trailing
 * space as `\s`; any other control character and invalid UTF-8 become
 * U+FFFD. The result is one line whatever @value holds.
 *
 * Returns: (transfer full): the escaped value
 */
char *
email2_desktop_entry_escape (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  GString *out = g_string_sized_new (strlen (valid) + 8);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      switch (c)
        {
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case ' ':
          /* Readers strip spaces around a value; keep them. */
          if (p == valid || p[1] == '\0')
            g_string_append (out, "\\s");
          else
            g_string_append_c (out, ' ');
          break;
        default:
          if (g_unichar_iscntrl (c))
            g_string_append_unichar (out, 0xFFFD);
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
          break;
        }
    }

  return g_string_free (out, FALSE);
}

/**
 * email2_launcher_file_name:
 * @guid: a canonical account GUID
 *
 * Returns: (transfer full): the launcher's file name (its desktop file
 *   ID), `email2-<guid in lower case without braces>.desktop`
 */
char *
email2_launcher_file_name (const char *guid)
{
  char canonical[EMAIL2_GUID_SIZE];
  g_autofree char *lower = NULL;

  if (!email2_guid_canonicalize (guid, canonical))
    g_return_val_if_reached (NULL);

  lower = g_ascii_strdown (canonical + 1, EMAIL2_GUID_SIZE - 3);
  return g_strconcat (FILE_PREFIX, lower, FILE_SUFFIX, NULL);
}

/* A URI that needs no quoting in an Exec line: no reserved character of
 * the specification, no `%`, no space. */
static gboolean
is_plain_exec_argument (const char *text)
{
  if (text[0] == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (":/._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static void
append_key (GString    *out,
            const char *key,
            const char *value)
{
  g_autofree char *escaped = email2_desktop_entry_escape (value);

  g_string_append_printf (out, "%s=%s\n", key, escaped);
}

/**
 * email2_launcher_contents:
 * @account: a complete account
 * @inbox_uri: the URI that opens the account's Inbox in Evolution
 *   (characters `[A-Za-z0-9:/._-]` only)
 * @error: return location for a #GError
 *
 * Builds the account's desktop entry: Name = SERVICENAME, a Comment with
 * NAME and REPLYADDR, the icon from ACCOUNTICON, Exec opening @inbox_uri, and an
 * action to write a new message.
 *
 * Returns: (transfer full): the file's text, or %NULL with @error set
 */
char *
email2_launcher_contents (const Email2Account  *account,
                          const char           *inbox_uri,
                          GError              **error)
{
  const char *guid = email2_account_get_guid (account);
  const char *service_name = email2_account_get (account, EMAIL2_NODE_SERVICENAME);
  const char *address = email2_account_get (account, EMAIL2_NODE_REPLYADDR);
  const char *user_name = email2_account_get (account, EMAIL2_NODE_NAME);
  const char *account_icon = email2_account_get (account, EMAIL2_NODE_ACCOUNTICON);
  const char *reason = NULL;
  const char *icon = email2_launcher_icon_name (account_icon, &reason);
  g_autofree char *comment = NULL;
  GString *out;

  if (!is_plain_exec_argument (inbox_uri))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The account's launcher cannot open “%s”"), inbox_uri);
      return NULL;
    }

  if (reason != NULL)
    {
      g_autofree char *shown = g_strndup (account_icon, 64);
      g_autofree char *escaped = g_strescape (shown, NULL);

      g_message ("Launcher of %s: ACCOUNTICON “%s%s” is %s; it shows the default icon",
                 guid, escaped, strlen (account_icon) > 64 ? "…" : "", reason);
    }

  if (service_name == NULL || service_name[0] == '\0')
    service_name = guid;
  if (address != NULL && address[0] != '\0' && user_name != NULL && user_name[0] != '\0')
    /* Translators: the launcher's tooltip; a person's name and e-mail address. */
    comment = g_strdup_printf (_("Mail for %s <%s>"), user_name, address);
  else if (address != NULL && address[0] != '\0')
    /* Translators: the launcher's tooltip; %s is the e-mail address. */
    comment = g_strdup_printf (_("Mail for %s"), address);
  else
    comment = g_strdup (_("Mail account set up by your organisation"));

  out = g_string_new ("[Desktop Entry]\n");
  g_string_append (out, "Type=Application\nVersion=1.4\n");
  append_key (out, "Name", service_name);
  append_key (out, "GenericName", _("Mail account"));
  append_key (out, "Comment", comment);
  g_string_append_printf (out, "Icon=%s\n", icon);
  g_string_append (out, "TryExec=evolution\n");
  g_string_append_printf (out, "Exec=evolution %s\n", inbox_uri);
  g_string_append (out, "Terminal=false\n");
  g_string_append (out, "Categories=Network;Email;\n");
  g_string_append (out, "StartupNotify=true\n");
  g_string_append (out, "StartupWMClass=" EMAIL2_LAUNCHER_WM_CLASS "\n");
  g_string_append (out, "Actions=new-message;\n");
  g_string_append_printf (out, "X-Email2-Guid=%s\n", guid);
  g_string_append (out, "\n[Desktop Action new-message]\n");
  append_key (out, "Name", _("Write a New Message"));
  g_string_append (out, "Icon=mail-message-new\n");
  g_string_append (out, "Exec=evolution mailto:\n");

  return g_string_free (out, FALSE);
}

/**
 * email2_launcher_write:
 * @dir: the applications directory (`$XDG_DATA_HOME/applications`)
 * @account: a complete account
 * @inbox_uri: as for email2_launcher_contents()
 * @error: return location for a #GError
 *
 * Writes the account's launcher in place of any older one (atomically: a
 * reader sees the old file or the new one). A file that already holds
 * the same text is left alone.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_launcher_write (const char           *dir,
                       const Email2Account  *account,
                       const char           *inbox_uri,
                       GError              **error)
{
  g_autofree char *contents = email2_launcher_contents (account, inbox_uri, error);
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *old = NULL;

  if (contents == NULL)
    return FALSE;

  name = email2_launcher_file_name (email2_account_get_guid (account));
  path = g_build_filename (dir, name, NULL);
  if (g_file_get_contents (path, &old, NULL, NULL) && g_str_equal (old, contents))
    return TRUE;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  /* Without fsync: a launcher is derived from its account, and a file
   * a crash left empty or old is rewritten by the reconciliation at start
   * (g_file_set_contents_full with CONSISTENT synced every new file, 13 ms
   * each on the test machine). */
  return email2_file_replace (path, contents, strlen (contents), 0644, EMAIL2_FILE_REPLACE_NONE,
                              error);
}

/**
 * email2_launcher_remove:
 * @dir: the applications directory
 * @guid: a canonical account GUID
 * @error: return location for a #GError
 *
 * Removes the account's launcher; none there is no error.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_launcher_remove (const char  *dir,
                        const char  *guid,
                        GError     **error)
{
  g_autofree char *name = email2_launcher_file_name (guid);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * email2_launcher_remove_leftovers:
 * @dir: the applications directory
 *
 * Removes the temporary files of launchers whose writing a crash
 * interrupted (`email2-….desktop.XXXXXX`).
 */
void
email2_launcher_remove_leftovers (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      const char *suffix = strstr (name, FILE_SUFFIX ".");
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (name, FILE_PREFIX) || suffix == NULL ||
          strlen (suffix) != strlen (FILE_SUFFIX EMAIL2_FILE_TEMP_SUFFIX))
        continue;
      path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * email2_launcher_list:
 * @dir: the applications directory
 *
 * Returns: (transfer full): the canonical GUIDs of the launchers in @dir,
 *   sorted; empty when there is none or @dir cannot be read
 */
char **
email2_launcher_list (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) guids = g_ptr_array_new ();
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      gsize length = strlen (name);
      gsize middle = length - strlen (FILE_PREFIX) - strlen (FILE_SUFFIX);
      g_autofree char *braced = NULL;
      char guid[EMAIL2_GUID_SIZE];

      if (length != strlen (FILE_PREFIX) + EMAIL2_GUID_SIZE - 3 + strlen (FILE_SUFFIX) ||
          !g_str_has_prefix (name, FILE_PREFIX) || !g_str_has_suffix (name, FILE_SUFFIX))
        continue;
      braced = g_strdup_printf ("{%.*s}", (int) middle, name + strlen (FILE_PREFIX));
      if (email2_guid_canonicalize (braced, guid))
        g_ptr_array_add (guids, g_strdup (guid));
    }

  g_ptr_array_sort (guids, compare_strings);
  g_ptr_array_add (guids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&guids), FALSE);
}
