/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * No secret of a payload outlives its way into the keyring (docs/DESIGN.md
 * §5.2): run in a throwaway session (tools/with-session), against the real
 * registry with the module, the real keyring and the real bus.
 *  - /secrets/core: payloads of every kind, applied, failed, unusable and
 *    refused by the spool; then a core of the running registry (gcore)
 *    holds none of their secrets, while it does hold a non-secret value of
 *    the same payloads (the search is not blind);
 *  - /secrets/bus: the whole bus captured (dbus-monitor --pcap) during
 *    apply, get, list and delete holds none, while it does hold the calls.
 */

#define _GNU_SOURCE
#include "config.h"

#include <elf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-wbxml.h"

#define MARKER_PREFIX "E2marker"

/* Every secret the test put into a payload, and the non-secret markers. */
static GPtrArray *secrets;
static GPtrArray *markers;

static const char *
new_value (GPtrArray  *into,
           const char *prefix)
{
  char *value = g_strdup_printf ("%s%08x%08x%08x", prefix, g_random_int (), g_random_int (),
                                 g_random_int ());

  g_ptr_array_add (into, value);
  return value;
}

static char *
new_guid (void)
{
  return g_strdup_printf ("{%08X-%04X-4%03X-8%03X-%08X%04X}", g_random_int (),
                          g_random_int_range (0, 0x10000), g_random_int_range (0, 0x1000),
                          g_random_int_range (0, 0x1000), g_random_int (),
                          g_random_int_range (0, 0x10000));
}

static char *
account_uri (const char *guid)
{
  g_autofree char *inner = g_strndup (guid + 1, strlen (guid) - 2);

  return g_strdup_printf ("./Vendor/MSFT/EMAIL2/%%7B%s%%7D", inner);
}

/* The creation of an account with both secrets, as SyncML commands
 * (without the Atomic); @bad adds a command that fails. */
static char *
syncml_create (const char *guid,
               gboolean    bad)
{
  g_autofree char *uri = account_uri (guid);
  const char *leaves[][2] = {
    { "SERVICENAME", new_value (markers, MARKER_PREFIX) },
    { "SERVICETYPE", "IMAP4" },
    { "ACCOUNTTYPE", "Email" },
    { "INSERVER", "imap.secrets.invalid" },
    { "OUTSERVER", "smtp.secrets.invalid:587" },
    { "AUTHNAME", "alice" },
    { "AUTHSECRET", new_value (secrets, "E2pw") },
    { "REPLYADDR", "alice@secrets.invalid" },
    { "SYNCINGCONTENTTYPES", "2" },
    { "SMTPALTENABLED", "1" },
    { "SMTPALTAUTHNAME", "bob" },
    { "SMTPALTDOMAIN", "SECRETS" },
    { "SMTPALTPASSWORD", new_value (secrets, "E2pw") },
    { bad ? "NOSUCHNODE" : NULL, "x" },
  };
  GString *out = g_string_new (NULL);
  g_autofree char *add = email2_test_item_cmd ("Add", "2", uri, "node", NULL);

  g_string_append (out, add);
  for (guint i = 0; i < G_N_ELEMENTS (leaves) && leaves[i][0] != NULL; i++)
    {
      g_autofree char *leaf = g_strdup_printf ("%s/%s", uri, leaves[i][0]);
      g_autofree char *cmd_id = g_strdup_printf ("%u", i + 3);
      g_autofree char *replace = email2_test_item_cmd ("Replace", cmd_id, leaf, "chr",
                                                       leaves[i][1]);

      g_string_append (out, replace);
    }

  return g_string_free (out, FALSE);
}

static char *
syncml_atomic (const char *guid,
               gboolean    bad)
{
  g_autofree char *commands = syncml_create (guid, bad);
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", commands, "</Atomic>", NULL);

  return email2_test_message (body);
}

/* One Atomic creating @n accounts: a large payload, as the issue's 50. */
static char *
syncml_many (guint n)
{
  GString *body = g_string_new ("<Atomic><CmdID>1</CmdID>");
  g_autofree char *message = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *guid = new_guid ();
      g_autofree char *commands = syncml_create (guid, FALSE);
      g_autofree char *prefix = g_strdup_printf ("<CmdID>%u", 100 * (i + 1));

      /* CmdIDs unique across the accounts. */
      g_autofree char *renumbered = NULL;
      g_auto(GStrv) parts = g_strsplit (commands, "<CmdID>", -1);

      renumbered = g_strjoinv (prefix, parts);
      g_string_append (body, renumbered);
    }
  g_string_append (body, "</Atomic>");
  message = email2_test_message (body->str);
  g_string_free (body, TRUE);

  return g_steal_pointer (&message);
}

static char *
syncml_replace_secret (const char *guid)
{
  g_autofree char *uri = account_uri (guid);
  g_autofree char *leaf = g_strdup_printf ("%s/AUTHSECRET", uri);
  g_autofree char *replace = email2_test_item_cmd ("Replace", "2", leaf, "chr",
                                                   new_value (secrets, "E2pw"));
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", replace, "</Atomic>", NULL);

  return email2_test_message (body);
}

static char *
cp_create (const char *guid)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<wap-provisioningdoc version=\"1.1\"><characteristic type=\"EMAIL2\">"
    "<characteristic type=\"%s\">"
    "<parm name=\"SERVICENAME\" value=\"%s\"/><parm name=\"SERVICETYPE\" value=\"IMAP4\"/>"
    "<parm name=\"ACCOUNTTYPE\" value=\"Email\"/>"
    "<parm name=\"INSERVER\" value=\"imap.secrets.invalid:993\"/>"
    "<parm name=\"OUTSERVER\" value=\"smtp.secrets.invalid:465\"/>"
    "<parm name=\"AUTHNAME\" value=\"carol\"/><parm name=\"AUTHSECRET\" value=\"%s\"/>"
    "<parm name=\"REPLYADDR\" value=\"carol@secrets.invalid\"/>"
    "<parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/>"
    "<parm name=\"SMTPALTENABLED\" value=\"1\"/><parm name=\"SMTPALTAUTHNAME\" value=\"dave\"/>"
    "<parm name=\"SMTPALTDOMAIN\" value=\"SECRETS\"/>"
    "<parm name=\"SMTPALTPASSWORD\" value=\"%s\"/>"
    "</characteristic></characteristic></wap-provisioningdoc>\n",
    guid, new_value (markers, MARKER_PREFIX), new_value (secrets, "E2pw"),
    new_value (secrets, "E2pw"));
}

/* email2ctl apply of @payload through a file; the exit status. */
static int
apply (const char *payload,
       gsize       length)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "email2-secrets-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(Email2TestRun) run;
  int fd = g_mkstemp (path);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_file_set_contents (path, payload, length, &error);
  g_assert_no_error (error);
  email2_test_ctl (&run, "apply", path);
  g_unlink (path);
  if (run.status != 0)
    g_test_message ("apply: exit %d: %s", run.status, run.err);

  /* What email2ctl prints: the response document and its errors. */
  for (guint i = 0; i < secrets->len; i++)
    {
      g_assert_null (strstr (run.out, secrets->pdata[i]));
      g_assert_null (strstr (run.err, secrets->pdata[i]));
    }
  return run.status;
}

/* Drops @payload into the user inbox as NAME.xml and waits for the
 * marker NAME.@suffix. */
static void
spool (const char *name,
       const char *payload,
       const char *suffix)
{
  g_autofree char *inbox = g_build_filename (g_get_user_config_dir (), "email2", "inbox", NULL);
  g_autofree char *hidden_name = g_strdup_printf (".%s.tmp", name);
  g_autofree char *file_name = g_strdup_printf ("%s.xml", name);
  g_autofree char *marker_name = g_strdup_printf ("%s%s", name, suffix);
  g_autofree char *hidden = g_build_filename (inbox, hidden_name, NULL);
  g_autofree char *path = g_build_filename (inbox, file_name, NULL);
  g_autofree char *marker = g_build_filename (inbox, marker_name, NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (inbox, 0700), ==, 0);
  g_file_set_contents (hidden, payload, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (hidden, path), ==, 0);
  while (!g_file_test (marker, G_FILE_TEST_EXISTS))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
  /* A refused file stays; it holds its secret on disk by the sender's
   * hand, not email2's. */
  g_unlink (path);
}

static gboolean
contains (const char *data,
          gsize       length,
          const char *needle)
{
  return memmem (data, length, needle, strlen (needle)) != NULL;
}

/* Every kind of payload: applied, failed, unusable, refused; with
 * @many, also one Atomic of 50 accounts. */
static void
run_payloads (gboolean many)
{
  g_autofree char *guid1 = new_guid ();
  g_autofree char *guid2 = new_guid ();
  g_autofree char *guid3 = new_guid ();
  g_autofree char *guid4 = new_guid ();
  g_autofree char *guid5 = new_guid ();
  g_autofree char *create = syncml_atomic (guid1, FALSE);
  g_autofree char *edit = syncml_replace_secret (guid1);
  g_autofree char *cp = cp_create (guid2);
  g_autofree char *failed = syncml_atomic (guid3, TRUE);
  g_autofree char *for_wbxml = syncml_atomic (guid4, FALSE);
  g_autofree char *unusable = syncml_atomic (new_guid (), FALSE);
  g_autofree char *refused = syncml_atomic (new_guid (), FALSE);
  g_autofree char *spooled = syncml_atomic (guid5, FALSE);
  g_autofree char *fifty = many ? syncml_many (50) : NULL;
  g_autofree char *wbxml = NULL;
  g_autoptr(GError) error = NULL;
  gsize wbxml_length = 0;

  wbxml = email2_wbxml_from_xml (for_wbxml, strlen (for_wbxml), 0x02, &wbxml_length, &error);
  g_assert_no_error (error);

  /* Cut off after the last secret: read up to there, then unusable. */
  *strstr (unusable, "</SyncBody>") = '\0';
  *strstr (refused, "</SyncBody>") = '\0';

  g_assert_cmpint (apply (create, strlen (create)), ==, 0);
  if (fifty != NULL)
    g_assert_cmpint (apply (fifty, strlen (fifty)), ==, 0);
  g_assert_cmpint (apply (edit, strlen (edit)), ==, 0);
  g_assert_cmpint (apply (cp, strlen (cp)), ==, 0);
  g_assert_cmpint (apply (wbxml, wbxml_length), ==, 0);
  g_assert_cmpint (apply (failed, strlen (failed)), ==, 1);
  g_assert_cmpint (apply (unusable, strlen (unusable)), ==, 2);
  spool ("40-refused", refused, ".refused");
  spool ("41-applied", spooled, ".done");
}

/* Which note of a core's PT_NOTE segment @notes holds the byte at @offset,
 * and of which thread (the last NT_PRSTATUS before it): a thread's
 * registers (NT_PRSTATUS, NT_FPREGSET, NT_X86_XSTATE = 0x202) are saved
 * there. */
static char *
core_note_where (const char *notes,
                 gsize       size,
                 gsize       offset)
{
  gsize at = 0;
  int thread = 0;

  while (at + sizeof (Elf64_Nhdr) <= size)
    {
      const Elf64_Nhdr *note = (const Elf64_Nhdr *) (notes + at);
      gsize desc = at + sizeof *note + ((note->n_namesz + 3) & ~3u);
      gsize end = desc + note->n_descsz;

      if (end > size)
        break;
      if (note->n_type == NT_PRSTATUS && note->n_descsz >= 36)
        memcpy (&thread, notes + desc + 32, sizeof thread);  /* pr_pid */
      if (offset >= desc && offset < end)
        return g_strdup_printf ("in the core's note of type %#x (0x202: vector registers), "
                                "byte %" G_GSIZE_FORMAT ", of thread %d", note->n_type,
                                offset - desc, thread);
      at = (end + 3) & ~(gsize) 3;
    }
  return g_strdup ("in the core's notes");
}

/* Where the byte at @offset of the core @data was in the registry: its
 * address (from the core's PT_LOAD headers) and the line of the still
 * running registry's /proc/PID/maps that holds it ([heap], a thread's
 * stack, an anonymous mapping, a library's data). A diagnostic for the
 * copy the search may find. */
static char *
core_where (const char *data,
            gsize       length,
            gsize       offset,
            const char *pid)
{
  const Elf64_Ehdr *header = (const Elf64_Ehdr *) data;
  g_autofree char *maps_path = g_strdup_printf ("/proc/%s/maps", pid);
  g_autofree char *maps = NULL;
  guint64 address = 0;
  gboolean mapped = FALSE;

  if (length < sizeof *header || memcmp (header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_phoff + (guint64) header->e_phnum * sizeof (Elf64_Phdr) > length)
    return g_strdup ("(not an ELF core)");

  for (guint i = 0; i < header->e_phnum && !mapped; i++)
    {
      const Elf64_Phdr *segment = (const Elf64_Phdr *) (data + header->e_phoff) + i;

      if (offset < segment->p_offset || offset >= segment->p_offset + segment->p_filesz ||
          segment->p_offset + segment->p_filesz > length)
        continue;
      if (segment->p_type == PT_NOTE)
        return core_note_where (data + segment->p_offset, segment->p_filesz,
                                offset - segment->p_offset);
      if (segment->p_type == PT_LOAD)
        {
          address = segment->p_vaddr + (offset - segment->p_offset);
          mapped = TRUE;
        }
    }
  if (!mapped)
    return g_strdup ("(outside the core's segments)");

  if (g_file_get_contents (maps_path, &maps, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (maps, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          guint64 start, end;

          if (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x", &start,
                      &end) == 2 && address >= start && address < end)
            return g_strdup_printf ("address %#" G_GINT64_MODIFIER "x, +%#" G_GINT64_MODIFIER
                                    "x in %s", address, address - start, lines[i]);
        }
    }
  return g_strdup_printf ("address %#" G_GINT64_MODIFIER "x, in no mapping of the live registry",
                          address);
}

static void
test_core (void)
{
  const char *pid = g_getenv ("EMAIL2_REGISTRY_PID");
  g_autofree char *prefix = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "registry-core",
                                              NULL);
  g_autofree char *core_path = NULL;
  g_autofree char *command = NULL;
  g_autofree char *gcore_out = NULL;
  g_autofree char *gcore_err = NULL;
  g_autoptr(GMappedFile) core = NULL;
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize length;
  int status = -1;
  guint found = 0;

  g_assert_nonnull (pid);
  run_payloads (TRUE);

  command = g_strdup_printf ("gcore -o %s %s", prefix, pid);
  g_spawn_command_line_sync (command, &gcore_out, &gcore_err, &status, &error);
  g_assert_no_error (error);
  if (status != 0)
    g_error ("gcore failed: %s%s", gcore_out, gcore_err);

  core_path = g_strdup_printf ("%s.%s", prefix, pid);
  core = g_mapped_file_new (core_path, FALSE, &error);
  g_assert_no_error (error);
  data = g_mapped_file_get_contents (core);
  length = g_mapped_file_get_length (core);
  g_test_message ("core of the registry: %" G_GSIZE_FORMAT " bytes, %u secrets searched",
                  length, secrets->len);

  /* The search sees the registry's memory: the accounts' names are there
   * (in the registry's sources). */
  for (guint i = 0; i < markers->len; i++)
    if (contains (data, length, markers->pdata[i]))
      break;
    else if (i + 1 == markers->len)
      g_error ("no account name of the payloads is in the core: the search is blind");

  for (guint i = 0; i < secrets->len; i++)
    {
      const char *secret = secrets->pdata[i];
      const char *at = data;
      const char *hit;

      while ((hit = memmem (at, length - (at - data), secret, strlen (secret))) != NULL)
        {
          gsize before = MIN ((gsize) (hit - data), 160);
          gsize span = MIN (before + 40 + 1, length - (hit - data) + before);
          g_autofree char *context = g_malloc0 (span + 1);
          g_autofree char *where = NULL;

          memcpy (context, hit - before, span);
          for (gsize c = 0; c < span; c++)
            if (!g_ascii_isprint (context[c]))
              context[c] = '.';
          where = core_where (data, length, hit - data, pid);
          g_test_message ("%s at %#zx: %s", secret, (size_t) (hit - data), context);
          g_test_message ("  %s", where);
          found++;
          at = hit + 1;
        }
    }
  if (found > 0)
    {
      /* EMAIL2_TEST_KEEP_CORE=DIR keeps the core (and the secrets to look
       * for) past the session, for gdb. */
      const char *keep = g_getenv ("EMAIL2_TEST_KEEP_CORE");

      if (keep != NULL)
        {
          g_autofree char *kept = g_build_filename (keep, "registry.core", NULL);
          g_autofree char *list = g_build_filename (keep, "secrets.txt", NULL);
          g_autofree char *joined = NULL;

          g_ptr_array_add (secrets, NULL);
          joined = g_strjoinv ("\n", (char **) secrets->pdata);
          g_ptr_array_remove_index (secrets, secrets->len - 1);
          g_file_set_contents (list, joined, -1, NULL);
          if (g_rename (core_path, kept) == 0)
            g_test_message ("core kept as %s", kept);
        }
      g_error ("%u copies of the payloads' secrets are in the registry's core (%s)", found,
               core_path);
    }

  g_clear_pointer (&core, g_mapped_file_unref);
  g_unlink (core_path);

  /* Nor on disk: the registry's log, the spool's records, the sources. */
  g_ptr_array_add (secrets, NULL);
  email2_test_assert_no_secret_on_disk (g_getenv ("EMAIL2_SESSION_DIR"),
                                        (const char * const *) secrets->pdata, NULL);
  g_ptr_array_remove_index (secrets, secrets->len - 1);
}

static void
test_bus (void)
{
  g_autofree char *capture = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "bus.pcap",
                                               NULL);
  g_autofree char *guid = new_guid ();
  g_autofree char *create = syncml_atomic (guid, FALSE);
  g_autofree char *uri = account_uri (guid);
  g_autofree char *get_uri = g_strdup_printf ("%s/AUTHSECRET", uri);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sh", "-c", "exec dbus-monitor --session --pcap > \"$0\"", capture, NULL };
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_auto(Email2TestRun) list = { 0, };
  g_auto(Email2TestRun) get = { 0, };
  g_auto(Email2TestRun) remove = { 0, };
  gsize length = 0;
  GPid monitor;
  int status;

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                 NULL, NULL, &monitor, &error);
  g_assert_no_error (error);

  /* Until the monitor sees calls to email2. */
  for (;;)
    {
      g_auto(Email2TestRun) probe = { 0, };

      email2_test_ctl (&probe, "list", NULL);
      g_clear_pointer (&data, g_free);
      if (g_file_get_contents (capture, &data, &length, NULL) &&
          contains (data, length, "io.github.email2.Provisioning1"))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100000);
    }

  run_payloads (FALSE);
  g_assert_cmpint (apply (create, strlen (create)), ==, 0);
  email2_test_ctl (&get, "get", get_uri);
  g_assert_cmpint (get.status, ==, 0);
  g_assert_nonnull (strstr (get.out, "********"));
  email2_test_ctl (&list, "list", NULL);
  g_assert_cmpint (list.status, ==, 0);
  email2_test_ctl (&remove, "delete", guid);
  g_assert_cmpint (remove.status, ==, 0);

  /* dbus-monitor writes each message as it sees it. */
  kill (monitor, SIGINT);
  waitpid (monitor, &status, 0);
  g_spawn_close_pid (monitor);

  g_clear_pointer (&data, g_free);
  g_file_get_contents (capture, &data, &length, &error);
  g_assert_no_error (error);
  g_test_message ("bus capture: %" G_GSIZE_FORMAT " bytes, %u secrets searched", length,
                  secrets->len);

  /* The capture holds the calls and what they answered. */
  g_assert_true (contains (data, length, "Apply"));
  g_assert_true (contains (data, length, "ListAccounts"));
  g_assert_true (contains (data, length, "********"));
  g_assert_true (contains (data, length, guid));

  for (guint i = 0; i < secrets->len; i++)
    if (contains (data, length, secrets->pdata[i]))
      g_error ("the secret %s went over the bus (%s)", (char *) secrets->pdata[i], capture);
  g_unlink (capture);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("EMAIL2_REGISTRY_PID") == NULL)
    {
      g_test_skip ("needs tools/with-session");
      return g_test_run ();
    }

  secrets = g_ptr_array_new_with_free_func (g_free);
  markers = g_ptr_array_new_with_free_func (g_free);
  g_test_add_func ("/secrets/bus", test_bus);
  g_test_add_func ("/secrets/core", test_core);

  return g_test_run ();
}
