/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The rollout spool in-process, on the memory host, in a temporary
 * directory: what a scan applies, answers, records and refuses, and that
 * a FIFO or a symbolic link is refused without being opened (issue 10,
 * item 6). The file monitor and restarts of the registry are tested
 * against the real registry in tests/test-spool.c.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "email2-test.h"

typedef struct {
  char *root;
  char *state_dir;
  char *inbox;
  char *system_inbox;
  Email2MemoryHost *host;
  Email2Session *session;
  Email2Service *service;
  Email2Spool *spool;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->root = g_dir_make_tmp ("email2-spool-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->state_dir = g_build_filename (fixture->root, "email2", NULL);
  fixture->inbox = g_build_filename (fixture->state_dir, "inbox", NULL);
  fixture->system_inbox = g_build_filename (fixture->root, "etc-inbox", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->inbox, 0700), ==, 0);

  fixture->host = email2_memory_host_new ();
  fixture->session = email2_session_new (EMAIL2_HOST (fixture->host));
  fixture->service = email2_service_new (fixture->session);
}

static void
spool_stop (Fixture *fixture)
{
  if (fixture->spool != NULL)
    email2_spool_stop (fixture->spool);
  g_clear_object (&fixture->spool);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  spool_stop (fixture);
  email2_service_stop (fixture->service);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->host);
  email2_test_remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->state_dir);
  g_free (fixture->inbox);
  g_free (fixture->system_inbox);
}

static void
set_flag (gpointer data)
{
  g_atomic_int_set ((gint *) data, TRUE);
}

/* Waits until every job queued so far has run. */
static void
flush (Fixture *fixture)
{
  gint done = FALSE;

  email2_service_queue (fixture->service, "Flush", set_flag, &done, NULL);
  while (!g_atomic_int_get (&done))
    g_main_context_iteration (NULL, FALSE);
}

/* A spool scans both inboxes when it starts. */
static void
spool_scan (Fixture *fixture)
{
  spool_stop (fixture);
  fixture->spool = email2_spool_new (fixture->service, fixture->state_dir, fixture->system_inbox);
  email2_spool_start (fixture->spool);
  flush (fixture);
}

static char *
inbox_path (Fixture    *fixture,
            const char *name)
{
  return g_build_filename (fixture->inbox, name, NULL);
}

static char *
create_payload (void)
{
  g_autofree char *body = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *atomic = g_strdup_printf ("<Atomic><CmdID>1</CmdID>%s</Atomic>", body);

  return email2_test_message (atomic);
}

static void
write_file (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
}

static char *
record_value (const char *path,
              const char *key)
{
  g_autoptr(GKeyFile) record = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  char *value;

  g_key_file_load_from_file (record, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  value = g_key_file_get_string (record, "Payload", key, &error);
  g_assert_no_error (error);
  return value;
}

static gboolean
provisioned (Fixture *fixture)
{
  g_auto(GStrv) guids = email2_host_list_accounts (EMAIL2_HOST (fixture->host));

  return g_strv_contains ((const char * const *) guids, TEST_GUID);
}

/* A user payload: applied, answered, recorded, consumed; not twice. */
static void
test_apply (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *payload = create_payload ();
  g_autofree char *path = inbox_path (fixture, "10-create.xml");
  g_autofree char *response_path = inbox_path (fixture, "10-create.response.xml");
  g_autofree char *done_path = inbox_path (fixture, "10-create.done");
  g_autofree char *response = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *delete = email2_test_item_cmd ("Delete", "1", TEST_ACCOUNT, NULL, NULL);
  g_autoptr(GPtrArray) statuses = NULL;

  write_file (path, payload);
  spool_scan (fixture);

  g_assert_true (provisioned (fixture));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  response = email2_test_read_file (response_path, NULL);
  g_assert_nonnull (strstr (response, "<SyncML"));
  g_assert_null (strstr (response, "s3cret"));
  outcome = record_value (done_path, "Outcome");
  g_assert_cmpstr (outcome, ==, "ok");

  /* A restart applies nothing again, even once the account is gone. */
  statuses = email2_test_run (fixture->host, delete, NULL);
  g_assert_false (provisioned (fixture));
  spool_scan (fixture);
  g_assert_false (provisioned (fixture));
}

/* Not a payload: refused, left as found, recorded; not tried again until
 * it changes. */
static void
test_refused (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = inbox_path (fixture, "20-garbage.xml");
  g_autofree char *refused_path = inbox_path (fixture, "20-garbage.refused");
  g_autofree char *reason = NULL;
  g_autofree char *left = NULL;

  write_file (path, "garbage, not XML");
  g_test_expect_message ("email2", G_LOG_LEVEL_WARNING, "Spool: *20-garbage.xml refused: *");
  spool_scan (fixture);
  g_test_assert_expected_messages ();

  left = email2_test_read_file (path, NULL);
  g_assert_cmpstr (left, ==, "garbage, not XML");
  reason = record_value (refused_path, "Refused");
  g_assert_nonnull (strstr (reason, "not a usable payload"));
  g_assert_false (provisioned (fixture));
}

/* inotify: whether anything opened @path since the watch began. */
static int
watch_opens (const char *path)
{
  int fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (inotify_add_watch (fd, path, IN_OPEN | IN_DONT_FOLLOW), >=, 0);
  return fd;
}

static gboolean
was_opened (int fd)
{
  char buffer[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  gssize n = read (fd, buffer, sizeof buffer);

  g_assert_true (n > 0 || errno == EAGAIN);
  close (fd);
  return n > 0;
}

/* A FIFO and a symbolic link (to a good payload) in the inbox: refused
 * without being opened; the link's target is not read either. */
static void
test_fifo_and_link (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *payload = create_payload ();
  g_autofree char *fifo = inbox_path (fixture, "30-fifo.xml");
  g_autofree char *link = inbox_path (fixture, "31-link.xml");
  g_autofree char *target = g_build_filename (fixture->root, "target.xml", NULL);
  g_autofree char *fifo_record = inbox_path (fixture, "30-fifo.refused");
  g_autofree char *link_record = inbox_path (fixture, "31-link.refused");
  g_autofree char *fifo_reason = NULL;
  g_autofree char *link_reason = NULL;
  GStatBuf st;
  int fifo_watch, target_watch;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  write_file (target, payload);
  g_assert_cmpint (symlink (target, link), ==, 0);
  fifo_watch = watch_opens (fifo);
  target_watch = watch_opens (target);

  g_test_expect_message ("email2", G_LOG_LEVEL_WARNING, "Spool: *30-fifo.xml refused: *");
  g_test_expect_message ("email2", G_LOG_LEVEL_WARNING, "Spool: *31-link.xml refused: *");
  spool_scan (fixture);
  g_test_assert_expected_messages ();

  g_assert_false (was_opened (fifo_watch));
  g_assert_false (was_opened (target_watch));
  fifo_reason = record_value (fifo_record, "Refused");
  g_assert_cmpstr (fifo_reason, ==, "it is not a regular file");
  link_reason = record_value (link_record, "Refused");
  g_assert_cmpstr (link_reason, ==, "it is a symbolic link");
  /* Left as found. */
  g_assert_cmpint (g_lstat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  g_assert_cmpint (g_lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_false (provisioned (fixture));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/spool-memory/apply", Fixture, NULL, fixture_set_up, test_apply, fixture_tear_down);
  g_test_add ("/spool-memory/refused", Fixture, NULL, fixture_set_up, test_refused,
              fixture_tear_down);
  g_test_add ("/spool-memory/fifo-and-link", Fixture, NULL, fixture_set_up, test_fifo_and_link,
              fixture_tear_down);

  return g_test_run ();
}
