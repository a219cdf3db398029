/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Spool: the rollout spool (docs/DESIGN.md §1, §3.2). Payload files
 * that an administrator's tooling drops into an inbox are applied once,
 * at start and when they appear, and answered beside them.
 *
 *   $XDG_CONFIG_HOME/email2/inbox/   the user's inbox, 0700, the user's own
 *     NAME.xml             a payload waiting (NAME.wbxml: in WBXML; its
 *                          response is NAME.response.wbxml)
 *     .NAME.xml.applying   claimed: being applied (renamed, so never twice)
 *     NAME.response.xml    the response to the last payload of that name
 *     NAME.done            when and how it was applied
 *     NAME.refused         why NAME.xml was refused, and which file it was
 *   /etc/xdg/email2/inbox/           the system inbox, trusted only when it
 *                                    is root's and not group/world writable;
 *                                    read, never written
 *   $XDG_CONFIG_HOME/email2/system/  the user's record of the system inbox:
 *                                    NAME.response.xml, NAME.done (with the
 *                                    SHA-256 applied), NAME.refused
 *
 * A user payload is consumed: it is claimed by renaming it before it is
 * applied, and overwritten and removed afterwards, so that its passwords
 * do not stay on disk. System payloads belong to root and stay; a content
 * the user has applied once (by SHA-256) is not applied again.
 *
 * Monitors run on the registry's main context; every file operation runs
 * in the module's worker thread (email2_spool_job_run()), one job after
 * the other, interleaved with the D-Bus calls.
 */

#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "email2-spool.h"
#include "email2-xml-private.h"

#define RESPONSE_INFIX ".response"
#define DONE_SUFFIX ".done"
#define REFUSED_SUFFIX ".refused"
#define CLAIM_SUFFIX ".applying"
#define TEMP_SUFFIX ".email2-tmp"
#define MARKER_GROUP "Payload"
/* Room for the longest derived name (".NAME.xml.applying") within NAME_MAX. */
#define MAX_NAME_LENGTH 200
#define MAX_MARKER_SIZE 65536

typedef enum {
  INBOX_USER,
  INBOX_SYSTEM,
  N_INBOXES
} InboxKind;

struct _Email2Spool {
  GObject parent_instance;

  char *inbox[N_INBOXES];
  char *records;               /* where the system inbox's records go */
  Email2SpoolHandler handler;
  Email2SpoolQueueFunc queue;
  gpointer user_data;
  GFileMonitor *monitors[N_INBOXES];
  GFile *directories[N_INBOXES];
  gint stopped;                /* atomic */

  /* Worker only: the inbox-level refusal last logged, to log it once. */
  char *inbox_refusal[N_INBOXES];
};

struct _Email2SpoolJob {
  Email2Spool *spool;
  InboxKind kind;
  char *name;                  /* NULL: the whole inbox */
  gboolean unless_regular;     /* only when @name is no regular file */
};

G_DEFINE_FINAL_TYPE (Email2Spool, email2_spool, G_TYPE_OBJECT)

/* ---- names ---- */

/* XML, or WBXML; the response has the payload's encoding and suffix. */
static const char * const payload_suffixes[] = { ".xml", ".wbxml" };

static const char *
payload_suffix (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (payload_suffixes); i++)
    if (strlen (name) > strlen (payload_suffixes[i]) && g_str_has_suffix (name, payload_suffixes[i]))
      return payload_suffixes[i];
  return NULL;
}

/* NAME.xml or NAME.wbxml → NAME + @suffix */
static char *
derived_name (const char *name,
              const char *suffix)
{
  gsize stem = strlen (name) - strlen (payload_suffix (name));

  return g_strdup_printf ("%.*s%s", (int) stem, name, suffix);
}

/* NAME.xml → NAME.response.xml */
static char *
response_name_of (const char *name)
{
  g_autofree char *infix = g_strconcat (RESPONSE_INFIX, payload_suffix (name), NULL);

  return derived_name (name, infix);
}

static gboolean
is_payload_name (const char *name)
{
  g_autofree char *stem = NULL;

  if (name[0] == '.' || payload_suffix (name) == NULL)
    return FALSE;
  stem = derived_name (name, "");
  return !g_str_has_suffix (stem, RESPONSE_INFIX);
}

static char *
claim_name (const char *name)
{
  return g_strconcat (".", name, CLAIM_SUFFIX, NULL);
}

/* .NAME.xml.applying → NAME.xml, or NULL */
static char *
name_of_claim (const char *claim)
{
  g_autofree char *name = NULL;

  if (claim[0] != '.' || !g_str_has_suffix (claim, CLAIM_SUFFIX))
    return NULL;
  name = g_strndup (claim + 1, strlen (claim) - 1 - strlen (CLAIM_SUFFIX));
  return is_payload_name (name) ? g_steal_pointer (&name) : NULL;
}

/* For the log: a file name as printable ASCII, whatever bytes it holds. */
static char *
shown_path (const char *directory,
            const char *name)
{
  g_autofree char *escaped = g_strescape (name, NULL);

  return g_strdup_printf ("%s/%s", directory, escaped);
}

/* What tells one file from another, or the same file after it changed.
 * The user inbox leaves out ctime, which the spool's own renames change;
 * the system inbox includes it, so that fixing a file's owner or mode
 * has it tried again. */
static char *
identity_of (const struct stat *st,
             InboxKind          kind)
{
  if (kind == INBOX_SYSTEM)
    return g_strdup_printf ("%ju:%ju:%jd:%jd.%09ld:%jd.%09ld", (uintmax_t) st->st_dev,
                            (uintmax_t) st->st_ino, (intmax_t) st->st_size,
                            (intmax_t) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                            (intmax_t) st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
  return g_strdup_printf ("%ju:%ju:%jd:%jd.%09ld", (uintmax_t) st->st_dev, (uintmax_t) st->st_ino,
                          (intmax_t) st->st_size, (intmax_t) st->st_mtim.tv_sec,
                          st->st_mtim.tv_nsec);
}

/* ---- files, relative to a directory descriptor, never following links ---- */

static void
set_errno_error (GError     **error,
                 int          saved,
                 const char  *what)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", what,
               g_strerror (saved));
}

static void
buffer_free (char  *data,
             gsize  size)
{
  if (data == NULL)
    return;
  explicit_bzero (data, size);
  g_free (data);
}

/* Reads at most @max bytes from @fd; more is an error, so that a file
 * growing while it is read is still refused. The buffer is grown without
 * realloc, which would leave copies of the content behind. */
static char *
read_all (int          fd,
          gsize        hint,
          gsize        max,
          gsize       *length,
          gsize       *size,
          GError     **error)
{
  gsize capacity = MIN (hint, max) + 1, used = 0;
  char *data = g_malloc (capacity);

  for (;;)
    {
      gssize n;

      if (used + 1 == capacity)
        {
          gsize larger;
          char *grown;

          if (used >= max)
            {
              char probe;

              while ((n = read (fd, &probe, 1)) < 0 && errno == EINTR)
                ;
              if (n == 0)
                break;
              buffer_free (data, capacity);
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                           _("The file is larger than %" G_GSIZE_FORMAT " bytes"), max);
              return NULL;
            }
          larger = MIN (capacity * 2, max + 1);
          grown = g_malloc (larger);
          memcpy (grown, data, used);
          buffer_free (data, capacity);
          data = grown;
          capacity = larger;
        }

      n = read (fd, data + used, capacity - 1 - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          buffer_free (data, capacity);
          set_errno_error (error, saved, _("The file cannot be read"));
          return NULL;
        }
      if (n == 0)
        break;
      used += n;
    }

  data[used] = '\0';
  *length = used;
  *size = capacity;
  return data;
}

/* Writes @name in @dirfd whole or not at all: a private temporary file,
 * synced, renamed over it. */
static gboolean
write_at (int          dirfd,
          const char  *name,
          const char  *data,
          gsize        length,
          GError     **error)
{
  g_autofree char *temp = g_strdup_printf (".%s.%08x" TEMP_SUFFIX, name, g_random_int ());
  int fd = openat (dirfd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  gsize done = 0;

  if (fd < 0)
    {
      set_errno_error (error, errno, name);
      return FALSE;
    }

  while (done < length)
    {
      gssize n = write (fd, data + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      done += n;
    }

  if (done < length || fsync (fd) != 0)
    {
      set_errno_error (error, errno, name);
      close (fd);
      unlinkat (dirfd, temp, 0);
      return FALSE;
    }
  close (fd);

  if (renameat (dirfd, temp, dirfd, name) != 0)
    {
      set_errno_error (error, errno, name);
      unlinkat (dirfd, temp, 0);
      return FALSE;
    }

  return TRUE;
}

/* Overwrites a payload the user owns and removes it: its passwords must
 * not stay on disk. (On copy-on-write or flash storage the old blocks may
 * survive the overwrite; removing the name is what is guaranteed.) */
static void
scrub_at (int         dirfd,
          const char *name,
          const char *shown)
{
  int fd = openat (dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;

  if (fd >= 0)
    {
      if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_nlink == 1 &&
          st.st_uid == getuid ())
        {
          static const char zeros[65536];
          off_t left = st.st_size;

          while (left > 0)
            {
              gssize n = write (fd, zeros, MIN ((off_t) sizeof zeros, left));

              if (n < 0 && errno == EINTR)
                continue;
              if (n <= 0)
                break;
              left -= n;
            }
          if (left > 0 || fdatasync (fd) != 0)
            g_warning ("Spool: %s could not be overwritten: %s", shown, g_strerror (errno));
        }
      close (fd);
    }

  if (unlinkat (dirfd, name, 0) != 0 && errno != ENOENT &&
      unlinkat (dirfd, name, AT_REMOVEDIR) != 0)
    g_warning ("Spool: %s could not be removed: %s", shown, g_strerror (errno));
}

/* Renames a claimed file back to @name, unless a newer @name arrived
 * (then FALSE with errno EEXIST). */
static gboolean
rename_back (int         dirfd,
             const char *claim,
             const char *name)
{
  struct stat st;

  if (renameat2 (dirfd, claim, dirfd, name, RENAME_NOREPLACE) == 0)
    return TRUE;
  if (errno != EINVAL && errno != ENOSYS)
    return FALSE;

  /* A file system without RENAME_NOREPLACE. */
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      errno = EEXIST;
      return FALSE;
    }
  return renameat (dirfd, claim, dirfd, name) == 0;
}

/* Gives a refused claim its name back. When a newer file of that name
 * arrived meanwhile, it replaces the refused one, as its rename would
 * have if the spool had not claimed it. */
static void
unclaim (int         dirfd,
         const char *claim,
         const char *name,
         const char *shown)
{
  if (rename_back (dirfd, claim, name))
    return;
  if (errno == EEXIST)
    scrub_at (dirfd, claim, shown);
  else
    g_warning ("Spool: %s cannot be given its name back: %s; it is tried again at the next start",
               shown, g_strerror (errno));
}

static GKeyFile *
read_marker (int         dirfd,
             const char *name)
{
  g_autoptr(GKeyFile) marker = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0, size = 0;
  int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    data = read_all (fd, st.st_size, MAX_MARKER_SIZE, &length, &size, &error);
  close (fd);

  if (data == NULL || !g_key_file_load_from_data (marker, data, length, G_KEY_FILE_NONE, &error))
    return NULL;
  return g_steal_pointer (&marker);
}

static gboolean
marker_has (GKeyFile   *marker,
            const char *key,
            const char *value)
{
  g_autofree char *stored = marker != NULL ? g_key_file_get_string (marker, MARKER_GROUP, key, NULL)
                                           : NULL;

  return stored != NULL && g_strcmp0 (stored, value) == 0;
}

static void
write_marker (int         dirfd,
              const char *name,
              GKeyFile   *marker,
              const char *shown)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *data = g_key_file_to_data (marker, &length, NULL);

  if (!write_at (dirfd, name, data, length, &error))
    g_warning ("Spool: the record of %s could not be written: %s", shown, error->message);
}

static GKeyFile *
new_marker (void)
{
  GKeyFile *marker = g_key_file_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);

  g_key_file_set_string (marker, MARKER_GROUP, "Time", time);
  return marker;
}

/* Marks @name as refused for @reason: the file @identity names is not
 * tried again; a changed file is. */
static void
refuse (int         recordfd,
        const char *name,
        const char *identity,
        const char *shown,
        const char *reason)
{
  g_autofree char *marker_name = derived_name (name, REFUSED_SUFFIX);
  g_autoptr(GKeyFile) marker = new_marker ();

  g_warning ("Spool: %s refused: %s", shown, reason);
  g_key_file_set_string (marker, MARKER_GROUP, "Refused", reason);
  if (identity != NULL)
    g_key_file_set_string (marker, MARKER_GROUP, "File", identity);
  write_marker (recordfd, marker_name, marker, shown);
}

/* ---- inboxes ---- */

/* Opens an inbox directory, or explains why it is not trusted. %NULL
 * reason and -1: it does not exist. */
static int
open_inbox (const char  *path,
            uid_t        owner,
            char       **reason)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;

  *reason = NULL;
  if (fd < 0)
    {
      if (errno == ELOOP)
        *reason = g_strdup (_("it is a symbolic link"));
      else if (errno != ENOENT)
        *reason = g_strdup_printf (_("the directory cannot be opened: %s"), g_strerror (errno));
      return -1;
    }

  if (fstat (fd, &st) != 0)
    *reason = g_strdup_printf (_("the directory cannot be read: %s"), g_strerror (errno));
  else if (st.st_uid != owner)
    *reason = g_strdup_printf (_("the directory belongs to user %ju, not %ju"),
                               (uintmax_t) st.st_uid, (uintmax_t) owner);
  else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    *reason = g_strdup (_("the directory is writable by its group or by others"));

  if (*reason != NULL)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static uid_t
inbox_owner (InboxKind kind)
{
  return kind == INBOX_SYSTEM ? 0 : getuid ();
}

/* Opens @kind's inbox for a job; logs an untrusted inbox once per reason. */
static int
open_inbox_logged (Email2Spool *self,
                   InboxKind    kind)
{
  g_autofree char *reason = NULL;
  int fd = open_inbox (self->inbox[kind], inbox_owner (kind), &reason);

  if (reason != NULL && g_strcmp0 (reason, self->inbox_refusal[kind]) != 0)
    g_warning ("Spool: the inbox %s is refused: %s; its payloads are not applied",
               self->inbox[kind], reason);
  g_free (self->inbox_refusal[kind]);
  self->inbox_refusal[kind] = g_steal_pointer (&reason);

  return fd;
}

static int
open_records (Email2Spool *self)
{
  int fd;

  if (g_mkdir_with_parents (self->records, 0700) != 0)
    {
      g_warning ("Spool: %s cannot be created: %s", self->records, g_strerror (errno));
      return -1;
    }
  fd = open (self->records, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    g_warning ("Spool: %s cannot be opened: %s", self->records, g_strerror (errno));
  return fd;
}

/* Opens a payload file and checks it. On refusal, %NULL with @reason set
 * (and @identity, when the file could be looked at). */
static char *
read_payload (InboxKind     kind,
              int           dirfd,
              const char   *name,
              gsize        *length,
              gsize        *size,
              struct stat  *st,
              char        **identity,
              char        **reason)
{
  g_autoptr(GError) error = NULL;
  int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  char *data = NULL;

  *identity = NULL;
  *reason = NULL;

  if (fd < 0)
    {
      int saved = errno;

      if (fstatat (dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
        *identity = identity_of (st, kind);
      *reason = saved == ELOOP ? g_strdup (_("it is a symbolic link"))
                               : g_strdup_printf (_("it cannot be opened: %s"), g_strerror (saved));
      return NULL;
    }

  if (fstat (fd, st) != 0)
    *reason = g_strdup_printf (_("it cannot be read: %s"), g_strerror (errno));
  else
    {
      *identity = identity_of (st, kind);
      if (!S_ISREG (st->st_mode))
        *reason = g_strdup (_("it is not a regular file"));
      else if (kind == INBOX_SYSTEM && st->st_uid != 0)
        *reason = g_strdup_printf (_("it belongs to user %ju, not root"), (uintmax_t) st->st_uid);
      else if (kind == INBOX_SYSTEM && (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        *reason = g_strdup (_("it is writable by its group or by others"));
      else if (kind == INBOX_USER && st->st_uid != getuid () && st->st_uid != 0)
        *reason = g_strdup_printf (_("it belongs to user %ju"), (uintmax_t) st->st_uid);
      else if (kind == INBOX_USER && st->st_nlink != 1)
        *reason = g_strdup (_("it has other hard links"));
      else if (st->st_size > EMAIL2_XML_DEFAULT_MAX_SIZE)
        *reason = g_strdup_printf (_("it is larger than %d bytes"), EMAIL2_XML_DEFAULT_MAX_SIZE);
      else if ((data = read_all (fd, st->st_size, EMAIL2_XML_DEFAULT_MAX_SIZE, length, size,
                                 &error)) == NULL)
        *reason = g_strdup (error->message);
    }

  close (fd);
  return data;
}

/* Parses and applies @data; writes the response into @recordfd. */
static gboolean
apply_payload (Email2Spool  *self,
               int           recordfd,
               const char   *name,
               const char   *shown,
               gpointer      payload,
               gboolean     *ok)
{
  g_autofree char *response_name = response_name_of (name);
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *response = self->handler.apply (payload, name, &length, ok, self->user_data);

  self->handler.free_payload (payload);
  if (response == NULL)
    {
      g_warning ("Spool: no response to %s could be made", shown);
      return FALSE;
    }
  if (!write_at (recordfd, response_name, response, length, &error))
    {
      g_warning ("Spool: the response to %s could not be written: %s", shown, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
log_applied (const char *shown,
             gboolean    ok,
             const char *response_directory,
             const char *name)
{
  g_autofree char *response_name = response_name_of (name);

  if (ok)
    g_message ("Spool: %s applied: every command succeeded", shown);
  else
    g_message ("Spool: %s applied: a command failed; see %s/%s", shown, response_directory,
               response_name);
}

static void
process_user_file (Email2Spool *self,
                   int          dirfd,
                   const char  *name)
{
  const char *inbox = self->inbox[INBOX_USER];
  g_autofree char *shown = shown_path (inbox, name);
  g_autofree char *claim = claim_name (name);
  g_autofree char *done_name = derived_name (name, DONE_SUFFIX);
  g_autofree char *refused_name = derived_name (name, REFUSED_SUFFIX);
  g_autofree char *identity = NULL, *reason = NULL;
  g_autoptr(GKeyFile) refused = NULL;
  g_autoptr(GKeyFile) done = NULL;
  g_autoptr(GError) error = NULL;
  gpointer payload = NULL;
  gsize length = 0, size = 0;
  gboolean ok = FALSE;
  struct stat st;
  char *data;

  if (strlen (name) > MAX_NAME_LENGTH)
    {
      g_warning ("Spool: %s is ignored: its name is longer than %d bytes", shown, MAX_NAME_LENGTH);
      return;
    }
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return;                    /* gone, or handled already */
  identity = identity_of (&st, INBOX_USER);
  refused = read_marker (dirfd, refused_name);
  if (marker_has (refused, "File", identity))
    return;                    /* refused before, unchanged since */

  /* The claim: from here on, this file is never applied again. */
  if (renameat (dirfd, name, dirfd, claim) != 0)
    {
      if (errno != ENOENT)
        {
          g_autofree char *why = g_strdup_printf (_("it cannot be claimed: %s"), g_strerror (errno));

          refuse (dirfd, name, identity, shown, why);
        }
      return;
    }

  g_clear_pointer (&identity, g_free);
  data = read_payload (INBOX_USER, dirfd, claim, &length, &size, &st, &identity, &reason);
  if (data != NULL)
    {
      payload = self->handler.parse (data, length, self->user_data, &error);
      buffer_free (data, size);
      if (payload == NULL)
        reason = g_strdup_printf (_("it is not a usable payload: %s"), error->message);
    }

  if (reason != NULL)
    {
      /* Left as it was found, marked: a file still being written is tried
       * again when it changes. */
      refuse (dirfd, name, identity, shown, reason);
      unclaim (dirfd, claim, name, shown);
      return;
    }

  ok = FALSE;
  apply_payload (self, dirfd, name, shown, payload, &ok);

  done = new_marker ();
  g_key_file_set_string (done, MARKER_GROUP, "Outcome", ok ? "ok" : "failed");
  g_key_file_set_string (done, MARKER_GROUP, "File", identity);
  write_marker (dirfd, done_name, done, shown);
  if (refused != NULL)
    unlinkat (dirfd, refused_name, 0);
  scrub_at (dirfd, claim, shown);
  log_applied (shown, ok, inbox, name);
}

/* A claim left by a registry that stopped: finished, refused, or
 * interrupted. An interrupted payload is not applied again (at most once):
 * the administrator sees it in the log and in NAME.done. */
static void
recover_user_claim (Email2Spool *self,
                    int          dirfd,
                    const char  *claim)
{
  g_autofree char *name = name_of_claim (claim);
  g_autofree char *shown = NULL, *identity = NULL, *done_name = NULL, *refused_name = NULL;
  g_autoptr(GKeyFile) done = NULL, refused = NULL;
  struct stat st;

  if (name == NULL || fstatat (dirfd, claim, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return;
  shown = shown_path (self->inbox[INBOX_USER], name);
  identity = identity_of (&st, INBOX_USER);
  done_name = derived_name (name, DONE_SUFFIX);
  refused_name = derived_name (name, REFUSED_SUFFIX);

  refused = read_marker (dirfd, refused_name);
  if (marker_has (refused, "File", identity))
    {
      unclaim (dirfd, claim, name, shown);
      return;
    }

  done = read_marker (dirfd, done_name);
  if (!marker_has (done, "File", identity))
    {
      g_clear_pointer (&done, g_key_file_unref);
      done = new_marker ();
      g_key_file_set_string (done, MARKER_GROUP, "Outcome", "interrupted");
      g_key_file_set_string (done, MARKER_GROUP, "File", identity);
      write_marker (dirfd, done_name, done, shown);
      g_warning ("Spool: %s was being applied when the registry stopped; it is not applied "
                 "again: check the accounts and send it again if needed", shown);
    }
  scrub_at (dirfd, claim, shown);
}

static void
process_system_file (Email2Spool *self,
                     int          dirfd,
                     int          recordfd,
                     const char  *name)
{
  const char *inbox = self->inbox[INBOX_SYSTEM];
  g_autofree char *shown = shown_path (inbox, name);
  g_autofree char *done_name = derived_name (name, DONE_SUFFIX);
  g_autofree char *refused_name = derived_name (name, REFUSED_SUFFIX);
  g_autofree char *identity = NULL, *reason = NULL, *digest = NULL;
  g_autoptr(GKeyFile) done = NULL, refused = NULL;
  g_autoptr(GError) error = NULL;
  gpointer payload = NULL;
  gsize length = 0, size = 0;
  gboolean ok = FALSE;
  struct stat st;
  char *data;

  if (strlen (name) > MAX_NAME_LENGTH)
    {
      g_warning ("Spool: %s is ignored: its name is longer than %d bytes", shown, MAX_NAME_LENGTH);
      return;
    }
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return;
  identity = identity_of (&st, INBOX_SYSTEM);
  done = read_marker (recordfd, done_name);
  refused = read_marker (recordfd, refused_name);
  if (marker_has (done, "File", identity) || marker_has (refused, "File", identity))
    return;                    /* seen before, unchanged since */

  g_clear_pointer (&identity, g_free);
  data = read_payload (INBOX_SYSTEM, dirfd, name, &length, &size, &st, &identity, &reason);
  if (data != NULL)
    {
      digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
      if (marker_has (done, "Sha256", digest))
        {
          /* The same content as applied before, in a touched file. */
          g_key_file_set_string (done, MARKER_GROUP, "File", identity);
          write_marker (recordfd, done_name, done, shown);
          buffer_free (data, size);
          return;
        }
      payload = self->handler.parse (data, length, self->user_data, &error);
      buffer_free (data, size);
      if (payload == NULL)
        reason = g_strdup_printf (_("it is not a usable payload: %s"), error->message);
    }

  if (reason != NULL)
    {
      refuse (recordfd, name, identity, shown, reason);
      return;
    }

  /* Recorded before it is applied: at most once, even if the registry
   * stops in the middle. */
  g_clear_pointer (&done, g_key_file_unref);
  done = new_marker ();
  g_key_file_set_string (done, MARKER_GROUP, "Outcome", "applying");
  g_key_file_set_string (done, MARKER_GROUP, "File", identity);
  g_key_file_set_string (done, MARKER_GROUP, "Sha256", digest);
  write_marker (recordfd, done_name, done, shown);

  apply_payload (self, recordfd, name, shown, payload, &ok);

  g_key_file_set_string (done, MARKER_GROUP, "Outcome", ok ? "ok" : "failed");
  write_marker (recordfd, done_name, done, shown);
  if (refused != NULL)
    unlinkat (recordfd, refused_name, 0);
  log_applied (shown, ok, self->records, name);
}

/* Records of system payloads whose application a stopped registry
 * interrupted: they stay applied-once. */
static void
recover_system_record (Email2Spool *self,
                       int          recordfd,
                       const char  *done_name)
{
  g_autoptr(GKeyFile) done = read_marker (recordfd, done_name);
  g_autofree char *shown = NULL;

  if (!marker_has (done, "Outcome", "applying"))
    return;
  shown = shown_path (self->records, done_name);
  g_key_file_set_string (done, MARKER_GROUP, "Outcome", "interrupted");
  write_marker (recordfd, done_name, done, shown);
  g_warning ("Spool: the system payload recorded in %s was being applied when the registry "
             "stopped; it is not applied again", shown);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @dirfd, sorted: payloads are applied in name order. */
static GPtrArray *
list_names (int dirfd)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  int fd = dup (dirfd);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *entry;

  if (dir == NULL)
    {
      if (fd >= 0)
        close (fd);
      return names;
    }
  while ((entry = readdir (dir)) != NULL)
    if (strcmp (entry->d_name, ".") != 0 && strcmp (entry->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (entry->d_name));
  closedir (dir);
  g_ptr_array_sort (names, compare_names);

  return names;
}

static void
scan_user (Email2Spool *self,
           int          dirfd)
{
  g_autoptr(GPtrArray) names = list_names (dirfd);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];

      if (name[0] == '.' && g_str_has_suffix (name, TEMP_SUFFIX))
        unlinkat (dirfd, name, 0);
      else if (name[0] == '.' && g_str_has_suffix (name, CLAIM_SUFFIX))
        recover_user_claim (self, dirfd, name);
    }
  for (guint i = 0; i < names->len && !g_atomic_int_get (&self->stopped); i++)
    if (is_payload_name (names->pdata[i]))
      process_user_file (self, dirfd, names->pdata[i]);
}

static void
scan_system (Email2Spool *self,
             int          dirfd,
             int          recordfd)
{
  g_autoptr(GPtrArray) records = list_names (recordfd);
  g_autoptr(GPtrArray) names = list_names (dirfd);

  for (guint i = 0; i < records->len; i++)
    {
      const char *name = records->pdata[i];

      if (name[0] == '.' && g_str_has_suffix (name, TEMP_SUFFIX))
        unlinkat (recordfd, name, 0);
      else if (name[0] != '.' && g_str_has_suffix (name, DONE_SUFFIX))
        recover_system_record (self, recordfd, name);
    }
  for (guint i = 0; i < names->len && !g_atomic_int_get (&self->stopped); i++)
    if (is_payload_name (names->pdata[i]))
      process_system_file (self, dirfd, recordfd, names->pdata[i]);
}

/**
 * email2_spool_job_run:
 * @job: a job handed to the queue function
 *
 * Does the job's work: scans an inbox, or looks at one file that changed.
 * Runs in the thread that applies payloads, never two at once; does
 * nothing once the spool is stopped.
 */
void
email2_spool_job_run (Email2SpoolJob *job)
{
  Email2Spool *self = job->spool;
  int dirfd, recordfd = -1;
  struct stat st;

  if (g_atomic_int_get (&self->stopped))
    return;

  dirfd = open_inbox_logged (self, job->kind);
  if (dirfd < 0)
    return;

  if (job->kind == INBOX_SYSTEM)
    {
      recordfd = open_records (self);
      if (recordfd < 0)
        {
          close (dirfd);
          return;
        }
    }

  if (job->unless_regular &&
      (fstatat (dirfd, job->name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISREG (st.st_mode)))
    ;                          /* gone, or a file that is still being written */
  else if (job->name == NULL && job->kind == INBOX_USER)
    scan_user (self, dirfd);
  else if (job->name == NULL)
    scan_system (self, dirfd, recordfd);
  else if (job->kind == INBOX_USER)
    process_user_file (self, dirfd, job->name);
  else
    process_system_file (self, dirfd, recordfd, job->name);

  if (recordfd >= 0)
    close (recordfd);
  close (dirfd);
}

/**
 * email2_spool_job_free:
 * @job: a job
 *
 * Frees a job, run or not.
 */
void
email2_spool_job_free (Email2SpoolJob *job)
{
  g_object_unref (job->spool);
  g_free (job->name);
  g_free (job);
}

static void
queue_job (Email2Spool *self,
           InboxKind    kind,
           const char  *name,
           gboolean     unless_regular)
{
  Email2SpoolJob *job = g_new0 (Email2SpoolJob, 1);

  job->spool = g_object_ref (self);
  job->kind = kind;
  job->name = g_strdup (name);
  job->unless_regular = unless_regular;
  self->queue (job, self->user_data);
}

/* A file counts once it is complete: when its writer closed it, or when it
 * was renamed into the inbox (GIO reports both as CHANGES_DONE_HINT). A
 * writer that pauses for longer than GIO's two seconds gets its file read
 * early; that file is refused as incomplete and tried again when it
 * changes. Symbolic links, FIFOs and directories are never written to
 * completion: they are refused when they are created. Events on the inbox
 * itself (created, its mode changed) rescan it. */
static void
on_inbox_changed (GFileMonitor      *monitor,
                  GFile             *file,
                  GFile             *other_file,
                  GFileMonitorEvent  event,
                  Email2Spool       *self)
{
  InboxKind kind = monitor == self->monitors[INBOX_USER] ? INBOX_USER : INBOX_SYSTEM;
  g_autofree char *name = NULL;

  if (g_atomic_int_get (&self->stopped))
    return;

  if (g_file_equal (file, self->directories[kind]))
    {
      if (event == G_FILE_MONITOR_EVENT_CREATED || event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
        queue_job (self, kind, NULL, FALSE);
      return;
    }

  name = g_file_get_basename (file);
  if (!is_payload_name (name))
    return;
  if (event == G_FILE_MONITOR_EVENT_CREATED)
    queue_job (self, kind, name, TRUE);
  else if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT ||
           (kind == INBOX_SYSTEM && event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED))
    queue_job (self, kind, name, FALSE);
}

/**
 * email2_spool_new:
 * @state_dir: the user's email2 directory ($XDG_CONFIG_HOME/email2): the
 *   user inbox is its `inbox/`, the records of the system inbox its `system/`
 * @system_inbox: the system inbox, normally %EMAIL2_SPOOL_SYSTEM_INBOX
 * @handler: what to do with a payload
 * @queue: hands jobs to the thread that applies payloads
 * @user_data: for @handler and @queue
 *
 * Returns: (transfer full): a spool, not started
 */
Email2Spool *
email2_spool_new (const char               *state_dir,
                  const char               *system_inbox,
                  const Email2SpoolHandler *handler,
                  Email2SpoolQueueFunc      queue,
                  gpointer                  user_data)
{
  Email2Spool *self = g_object_new (EMAIL2_TYPE_SPOOL, NULL);

  self->inbox[INBOX_USER] = g_build_filename (state_dir, "inbox", NULL);
  self->inbox[INBOX_SYSTEM] = g_strdup (system_inbox);
  self->records = g_build_filename (state_dir, "system", NULL);
  self->handler = *handler;
  self->queue = queue;
  self->user_data = user_data;

  return self;
}

/**
 * email2_spool_start:
 * @self: a spool
 *
 * Creates the user inbox (0700) when it is missing, watches both inboxes
 * and queues a scan of each. Call it on the main context, once.
 */
void
email2_spool_start (Email2Spool *self)
{
  g_return_if_fail (self->monitors[INBOX_USER] == NULL);

  if (g_mkdir_with_parents (self->inbox[INBOX_USER], 0700) != 0)
    g_warning ("Spool: %s cannot be created: %s", self->inbox[INBOX_USER], g_strerror (errno));

  /* Watch first, then scan: nothing dropped in between is missed. */
  for (guint kind = 0; kind < N_INBOXES; kind++)
    {
      g_autoptr(GError) error = NULL;

      self->directories[kind] = g_file_new_for_path (self->inbox[kind]);
      self->monitors[kind] = g_file_monitor_directory (self->directories[kind],
                                                       G_FILE_MONITOR_NONE, NULL, &error);
      if (self->monitors[kind] == NULL)
        g_warning ("Spool: %s cannot be watched: %s", self->inbox[kind], error->message);
      else
        g_signal_connect (self->monitors[kind], "changed", G_CALLBACK (on_inbox_changed), self);
    }
  for (guint kind = 0; kind < N_INBOXES; kind++)
    queue_job (self, kind, NULL, FALSE);
}

/**
 * email2_spool_stop:
 * @self: a spool
 *
 * Stops watching; jobs not yet run do nothing. Call it on the main context.
 */
void
email2_spool_stop (Email2Spool *self)
{
  g_atomic_int_set (&self->stopped, TRUE);
  for (guint kind = 0; kind < N_INBOXES; kind++)
    if (self->monitors[kind] != NULL)
      {
        g_signal_handlers_disconnect_by_data (self->monitors[kind], self);
        g_file_monitor_cancel (self->monitors[kind]);
      }
}

static void
email2_spool_finalize (GObject *object)
{
  Email2Spool *self = EMAIL2_SPOOL (object);

  for (guint kind = 0; kind < N_INBOXES; kind++)
    {
      g_clear_object (&self->monitors[kind]);
      g_clear_object (&self->directories[kind]);
      g_free (self->inbox[kind]);
      g_free (self->inbox_refusal[kind]);
    }
  g_free (self->records);

  G_OBJECT_CLASS (email2_spool_parent_class)->finalize (object);
}

static void
email2_spool_class_init (Email2SpoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_spool_finalize;
}

static void
email2_spool_init (Email2Spool *self)
{
}
