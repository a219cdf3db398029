/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Durable file writes in-process, in a temporary directory
 * (email2-file.c, email2-dirty-dirs.c): every byte written or an errno; a
 * replaced file is old or new, never short, also when the disk fills
 * (the file-size limit stands for it) and leaves no temporary file; the
 * text is synced before the rename when asked and the directory is not;
 * each directory noted is synced once, a missing one is nothing to keep,
 * and one that cannot be synced stays for the next call. The syncs are
 * counted by wrapping fsync() and fdatasync() in this program.
 */

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-dirty-dirs-private.h"
#include "email2-file-private.h"

/* Under a temporary directory of the whole run, removed at its end. */
static char *test_dir;

/* The syncs made, by kind, since the last reset_syncs(). */
static guint file_syncs;
static guint data_syncs;
static guint dir_syncs;

static void
reset_syncs (void)
{
  file_syncs = data_syncs = dir_syncs = 0;
}

static void
count_sync (int     fd,
            guint  *counter)
{
  struct stat st;

  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    dir_syncs++;
  else
    (*counter)++;
}

/* The library is linked statically: its calls come here first. */
int
fsync (int fd)
{
  static int (*real) (int);

  if (real == NULL)
    real = (int (*) (int)) dlsym (RTLD_NEXT, "fsync");
  count_sync (fd, &file_syncs);
  return real (fd);
}

int
fdatasync (int fd)
{
  static int (*real) (int);

  if (real == NULL)
    real = (int (*) (int)) dlsym (RTLD_NEXT, "fdatasync");
  count_sync (fd, &data_syncs);
  return real (fd);
}

/* A directory of its own for each test. */
static char *
new_dir (void)
{
  static guint n;
  g_autofree char *name = g_strdup_printf ("%u", ++n);
  char *dir = g_build_filename (test_dir, name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  return dir;
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (handle);
  while (g_dir_read_name (handle) != NULL)
    n++;
  return n;
}

static void
assert_holds (const char *path,
              const char *text)
{
  g_autofree char *contents = email2_test_read_file (path, NULL);

  g_assert_cmpstr (contents, ==, text);
  g_assert_true (email2_file_holds (path, text, strlen (text)));
}

/* Runs @func with files limited to @limit bytes: a disk that fills up.
 * The write fails with EFBIG instead of raising SIGXFSZ. */
static gboolean
capped (rlim_t     limit,
        gboolean (*func) (gpointer data),
        gpointer   data)
{
  struct rlimit saved, cap;
  gboolean ok;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  cap = saved;
  cap.rlim_cur = limit;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &cap), ==, 0);
  ok = func (data);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  return ok;
}

typedef struct {
  int fd;
  const char *data;
  gsize length;
  int result;
} WriteAll;

static gboolean
write_all (gpointer data)
{
  WriteAll *call = data;

  call->result = email2_file_write_all (call->fd, call->data, call->length);
  return call->result == 0;
}

static void
test_write_all (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = g_build_filename (dir, "file", NULL);
  g_autofree char *big = g_strnfill (1 << 20, 'b');
  g_autofree char *contents = NULL;
  WriteAll call = { -1, big, 1 << 20, -1 };
  int fds[2];
  gsize length = 0;

  /* A megabyte, whole. */
  call.fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_assert_cmpint (call.fd, >=, 0);
  g_assert_true (write_all (&call));
  g_assert_cmpint (ftruncate (call.fd, 0), ==, 0);
  g_assert_cmpint (lseek (call.fd, 0, SEEK_SET), ==, 0);

  /* Cut short: the errno, not a count. */
  g_assert_false (capped (4096, write_all, &call));
  g_assert_cmpint (call.result, ==, EFBIG);
  g_assert_cmpint (close (call.fd), ==, 0);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 4096);

  /* Nothing to write writes nothing; a closed descriptor is an errno. */
  call.length = 0;
  g_assert_true (write_all (&call));
  call.length = 1;
  g_assert_false (write_all (&call));
  g_assert_cmpint (call.result, ==, EBADF);

  /* A pipe takes 64 KiB at a time: a reader that fails half way. */
  g_assert_cmpint (pipe (fds), ==, 0);
  close (fds[0]);
  call.fd = fds[1];
  call.length = 1 << 20;
  g_assert_false (write_all (&call));
  g_assert_cmpint (call.result, ==, EPIPE);
  close (fds[1]);
}

typedef struct {
  const char *path;
  const char *text;
  GError *error;
} Replace;

static gboolean
replace (gpointer data)
{
  Replace *call = data;

  return email2_file_replace (call->path, call->text, strlen (call->text), 0600,
                              EMAIL2_FILE_REPLACE_DATASYNC, &call->error);
}

static void
test_replace (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = g_build_filename (dir, "account.source", NULL);
  g_autoptr(GError) error = NULL;
  struct stat st;

  /* A new file: its text synced, the directory not. */
  reset_syncs ();
  g_assert_true (email2_file_replace (path, "[Data Source]\n", 14, 0600,
                                      EMAIL2_FILE_REPLACE_DATASYNC, &error));
  g_assert_no_error (error);
  assert_holds (path, "[Data Source]\n");
  g_assert_cmpuint (data_syncs, ==, 1);
  g_assert_cmpuint (file_syncs + dir_syncs, ==, 0);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Replaced, unsynced, with the mode asked. */
  reset_syncs ();
  g_assert_true (email2_file_replace (path, "new", 3, 0644, EMAIL2_FILE_REPLACE_NONE, &error));
  g_assert_no_error (error);
  assert_holds (path, "new");
  g_assert_cmpuint (file_syncs + data_syncs + dir_syncs, ==, 0);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* Empty is a length, not a failure. */
  g_assert_true (email2_file_replace (path, "", 0, 0600, EMAIL2_FILE_REPLACE_DATASYNC, &error));
  g_assert_no_error (error);
  assert_holds (path, "");
  g_assert_false (email2_file_holds (path, "new", 3));
}

/* A disk that fills while the new text is written: the old file stays
 * whole and no temporary file is left. */
static void
test_replace_cut_short (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = g_build_filename (dir, "account.source", NULL);
  g_autofree char *old = g_strnfill (100, 'o');
  g_autofree char *text = g_strnfill (1850, 'n');
  Replace call = { path, text, NULL };

  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_assert_false (capped (64, replace, &call));
  g_assert_error (call.error, G_FILE_ERROR, G_FILE_ERROR_FAILED);   /* EFBIG has no code of its own */
  g_assert_nonnull (strstr (call.error->message, path));
  g_assert_nonnull (strstr (call.error->message, g_strerror (EFBIG)));
  g_clear_error (&call.error);
  assert_holds (path, old);
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* With room again it is written. */
  g_assert_true (replace (&call));
  g_assert_no_error (call.error);
  assert_holds (path, text);
  g_assert_cmpuint (count_entries (dir), ==, 1);
}

/* Where no temporary file can be made, nothing is written. */
static void
test_replace_no_dir (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *path = g_build_filename (dir, "gone", "account.source", NULL);
  Replace call = { path, "text", NULL };

  g_assert_false (replace (&call));
  g_assert_error (call.error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&call.error);
  g_assert_false (email2_file_holds (path, "text", 4));
  g_assert_cmpuint (count_entries (dir), ==, 0);
}

/* Three files in two directories: two syncs, each directory once. */
static void
test_dirty_dirs (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autoptr(Email2DirtyDirs) dirs = email2_dirty_dirs_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (cache, 0700), ==, 0);
  reset_syncs ();
  g_assert_true (email2_dirty_dirs_sync (dirs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dir_syncs, ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("email2-%u.source", i);
      g_autofree char *path = g_build_filename (i < 2 ? dir : cache, name, NULL);

      g_assert_true (email2_file_replace (path, name, strlen (name), 0600,
                                          EMAIL2_FILE_REPLACE_DATASYNC, &error));
      g_assert_no_error (error);
      email2_dirty_dirs_add_file (dirs, path);
    }
  g_assert_cmpuint (email2_dirty_dirs_get_size (dirs), ==, 2);
  g_assert_cmpuint (data_syncs, ==, 3);
  g_assert_cmpuint (dir_syncs, ==, 0);

  g_assert_true (email2_dirty_dirs_sync (dirs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dir_syncs, ==, 2);
  g_assert_cmpuint (file_syncs, ==, 0);
  g_assert_cmpuint (email2_dirty_dirs_get_size (dirs), ==, 0);

  /* Nothing changed since: nothing synced again. */
  g_assert_true (email2_dirty_dirs_sync (dirs, &error));
  g_assert_cmpuint (dir_syncs, ==, 2);
}

/* A directory removed since is nothing to keep; one that cannot be
 * opened stays for the next call. */
static void
test_dirty_dirs_failing (void)
{
  g_autofree char *dir = new_dir ();
  g_autofree char *gone = g_build_filename (dir, "gone", NULL);
  g_autofree char *gone_file = g_build_filename (gone, "email2-1.source", NULL);
  g_autofree char *not_dir = g_build_filename (dir, "not-a-dir", NULL);
  g_autofree char *under_file = g_build_filename (not_dir, "email2-2.source", NULL);
  g_autoptr(Email2DirtyDirs) dirs = email2_dirty_dirs_new ();
  g_autoptr(GError) error = NULL;

  email2_dirty_dirs_add_file (dirs, gone_file);
  reset_syncs ();
  g_assert_true (email2_dirty_dirs_sync (dirs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (email2_dirty_dirs_get_size (dirs), ==, 0);

  g_assert_true (g_file_set_contents (not_dir, "", 0, NULL));
  email2_dirty_dirs_add_file (dirs, under_file);
  g_assert_false (email2_dirty_dirs_sync (dirs, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  g_clear_error (&error);
  g_assert_cmpuint (email2_dirty_dirs_get_size (dirs), ==, 1);

  /* Once it is a directory, the next call syncs it. */
  g_assert_cmpint (g_unlink (not_dir), ==, 0);
  g_assert_cmpint (g_mkdir (not_dir, 0700), ==, 0);
  g_assert_true (email2_dirty_dirs_sync (dirs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dir_syncs, ==, 1);
  g_assert_cmpuint (email2_dirty_dirs_get_size (dirs), ==, 0);
}

/* Noted from several threads at once, each directory is kept once. */
static gpointer
note_many (gpointer data)
{
  Email2DirtyDirs *dirs = data;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%u/email2.source", test_dir, i % 7);

      email2_dirty_dirs_add_file (dirs, path);
    }
  return NULL;
}

static void
test_dirty_dirs_threads (void)
{
  g_autoptr(Email2DirtyDirs) dirs = email2_dirty_dirs_new ();
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("note", note_many, dirs);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (email2_dirty_dirs_get_size (dirs), ==, 7);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGXFSZ, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);
  test_dir = g_dir_make_tmp ("email2-file-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/file/write-all", test_write_all);
  g_test_add_func ("/file/replace", test_replace);
  g_test_add_func ("/file/replace-cut-short", test_replace_cut_short);
  g_test_add_func ("/file/replace-no-dir", test_replace_no_dir);
  g_test_add_func ("/file/dirty-dirs", test_dirty_dirs);
  g_test_add_func ("/file/dirty-dirs-failing", test_dirty_dirs_failing);
  g_test_add_func ("/file/dirty-dirs-threads", test_dirty_dirs_threads);

  status = g_test_run ();
  email2_test_remove_tree (test_dir);
  g_free (test_dir);
  return status;
}
