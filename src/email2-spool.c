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
 * Monitors run on the main context; every file operation runs in the
 * service's worker thread (email2_service_queue()), one job after the
 * other, interleaved with the D-Bus calls; a payload is read
 * (email2_payload_parse()) and run (email2_service_respond()) there.
 *
 * Host-neutral: the registry module runs it on Evolution's host,
 * tests/test-spool-memory.c on the memory host.
 *
 * Longer than most files on purpose: it is one state machine over one
 * directory descriptor (names, safe opening, claims, markers, the two
 * inboxes' rules), and every piece of it is about not applying a file
 * twice or a file that is not what it seems; split, the invariants would
 * be spread over files that each hold half of them.
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

#include "email2-digest.h"
#include "email2-error.h"
#include "email2-file-private.h"
#include "email2-payload.h"
#include "email2-log.h"
#include "email2-policy.h"
#include "email2-rollout.h"
#include "email2-trust.h"
#include "email2-trusted-file-private.h"
#include "email2-variables.h"
#include "email2-spool.h"
#include "email2-xml-private.h"

#define RESPONSE_INFIX ".response"
#define DONE_SUFFIX ".done"
#define REFUSED_SUFFIX ".refused"
#define CLAIM_SUFFIX ".applying"
#define STATE_SUFFIX ".state"
#define PENDING_SUFFIX ".pending"
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

/* The journal's EMAIL2_ORIGIN of each inbox's payloads. */
static const Email2Origin inbox_origins[] = {
  [INBOX_USER] = EMAIL2_ORIGIN_USER_SPOOL,
  [INBOX_SYSTEM] = EMAIL2_ORIGIN_SYSTEM_SPOOL,
};

struct _Email2Spool {
  GObject parent_instance;

  char *inbox[N_INBOXES];
  char *records;               /* where the system inbox's records go */
  Email2Service *service;
  GFileMonitor *monitors[N_INBOXES];
  GFile *directories[N_INBOXES];
  gint stopped;                /* atomic */

  /* Worker only: the inbox-level refusal last logged, to log it once. */
  char *inbox_refusal[N_INBOXES];
};

typedef struct {
  Email2Spool *spool;
  InboxKind kind;
  char *name;                  /* NULL: the whole inbox */
  gboolean unless_regular;     /* only when @name is no regular file */
} SpoolJob;

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
                           _("The file is larger than %zu bytes"), max);
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
  int saved;

  if (fd < 0)
    {
      set_errno_error (error, errno, name);
      return FALSE;
    }

  saved = email2_file_write_all (fd, data, length);
  if (saved == 0 && fsync (fd) != 0)
    saved = errno;
  if (saved != 0)
    {
      set_errno_error (error, saved, name);
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

/* Opens a regular file of @dirfd: its type is checked before it is
 * opened (a FIFO or a device is never opened), it is opened without
 * following a link and without blocking, and checked again on the
 * descriptor. -1 with errno set otherwise. */
static int
open_regular_at (int          dirfd,
                 const char  *name,
                 int          flags,
                 struct stat *st)
{
  struct stat before;
  int fd;

  if (fstatat (dirfd, name, &before, AT_SYMLINK_NOFOLLOW) != 0)
    return -1;
  if (!S_ISREG (before.st_mode))
    {
      errno = S_ISLNK (before.st_mode) ? ELOOP : EINVAL;
      return -1;
    }
  fd = openat (dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat (fd, st) != 0 || !S_ISREG (st->st_mode) ||
      st->st_dev != before.st_dev || st->st_ino != before.st_ino)
    {
      close (fd);
      errno = EINVAL;
      return -1;
    }
  return fd;
}

/* Overwrites a payload the user owns and removes it: its passwords must
 * not stay on disk. (On copy-on-write or flash storage the old blocks may
 * survive the overwrite; removing the name is what is guaranteed.) */
static void
scrub_at (int         dirfd,
          const char *name,
          const char *shown)
{
  struct stat st;
  int fd = open_regular_at (dirfd, name, O_WRONLY, &st);

  if (fd >= 0)
    {
      if (st.st_nlink == 1 && st.st_uid == getuid ())
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
  struct stat st;
  int fd = open_regular_at (dirfd, name, O_RDONLY, &st);

  if (fd < 0)
    return NULL;
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
refuse (InboxKind   kind,
        int         recordfd,
        const char *name,
        const char *identity,
        const char *shown,
        const char *reason)
{
  g_autofree char *marker_name = derived_name (name, REFUSED_SUFFIX);
  g_autoptr(GKeyFile) marker = new_marker ();

  email2_log_event (EMAIL2_EVENT_REFUSED, inbox_origins[kind], name, NULL, 0,
                    "Spool: %s refused: %s", shown, reason);
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
  g_autoptr(GError) error = NULL;
  int fd = email2_open_trusted (AT_FDCWD, path, path, TRUE, owner, NULL, &error);

  *reason = fd < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ?
            g_strdup (error->message) : NULL;
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
    email2_log_event (EMAIL2_EVENT_REFUSED, inbox_origins[kind], NULL, NULL, 0,
                      "Spool: an inbox is refused: %s; its payloads are not applied",
                      reason);
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

/* Opens a payload file (open_regular_at()) and checks it. On refusal,
 * %NULL with @reason set (and @identity, when the file could be looked
 * at). */
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
  char *data = NULL;
  int fd = open_regular_at (dirfd, name, O_RDONLY, st);

  *identity = NULL;
  *reason = NULL;

  if (fd < 0)
    {
      int saved = errno;

      if (fstatat (dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
        *identity = identity_of (st, kind);
      if (saved == ELOOP)
        *reason = g_strdup (_("it is a symbolic link"));
      else if (saved == EINVAL)
        *reason = g_strdup (_("it is not a regular file"));
      else
        *reason = g_strdup_printf (_("it cannot be opened: %s"), g_strerror (saved));
      return NULL;
    }

  *identity = identity_of (st, kind);
  if (kind == INBOX_SYSTEM && st->st_uid != 0)
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

  close (fd);
  return data;
}

/* Runs @payload (consumed) through the engine; writes the response into
 * @recordfd. */
static gboolean
apply_payload (Email2Spool    *self,
               InboxKind       kind,
               int             recordfd,
               const char     *name,
               const char     *shown,
               Email2Payload  *payload,
               gboolean       *ok)
{
  g_autofree char *response_name = response_name_of (name);
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *response = email2_service_respond (self->service, payload, name, &length,
                                                      &error);

  *ok = email2_payload_succeeded (payload);
  if (email2_payload_get_statuses (payload) != NULL)
    email2_log_payload (payload, inbox_origins[kind], name);
  email2_payload_free (payload);
  if (response == NULL)
    {
      g_warning ("Spool: no response to %s could be made", shown);
      g_debug ("Spool: %s", error->message);
      return FALSE;
    }
  if (!write_at (recordfd, response_name, response, length, &error))
    {
      g_warning ("Spool: the response to %s could not be written: %s", shown, error->message);
      return FALSE;
    }
  return TRUE;
}

/* Looks at @name without opening it: FALSE when its name is too long
 * (logged) or it is gone; else its identity. */
static gboolean
look_at (int          dirfd,
         const char  *name,
         const char  *shown,
         InboxKind    kind,
         char       **identity)
{
  struct stat st;

  if (strlen (name) > MAX_NAME_LENGTH)
    {
      g_warning ("Spool: %s is ignored: its name is longer than %d bytes", shown, MAX_NAME_LENGTH);
      return FALSE;
    }
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return FALSE;
  *identity = identity_of (&st, kind);
  return TRUE;
}

static void
log_applied (InboxKind   kind,
             const char *shown,
             gboolean    ok,
             const char *response_directory,
             const char *name)
{
  g_autofree char *response_name = response_name_of (name);

  if (ok)
    email2_log_event (EMAIL2_EVENT_SPOOL_APPLIED, inbox_origins[kind], name, NULL, 0,
                      "Spool: %s applied: every command succeeded", shown);
  else
    email2_log_event (EMAIL2_EVENT_SPOOL_FAILED, inbox_origins[kind], name, NULL, 0,
                      "Spool: %s applied: a command failed; see %s/%s", shown,
                      response_directory, response_name);
}

/* Whether user payloads must be signed: when the administrator says so
 * (UserPayloadsMustBeSigned) and anchors are installed. Signed ones are
 * verified against the same anchors as the system's. */
static gboolean
user_signature_rules (Email2Spool   *self,
                      Email2Trust  **trust,
                      gboolean      *required,
                      GError       **error)
{
  g_autofree char *base = g_path_get_dirname (self->inbox[INBOX_SYSTEM]);
  g_autofree char *trust_dir = g_build_filename (base, "trust", NULL);
  g_autofree char *policy_file = g_build_filename (base, "email2.conf", NULL);
  g_autoptr(Email2Policy) policy = NULL;

  *trust = email2_trust_new_from_directory (trust_dir, inbox_owner (INBOX_SYSTEM), error);
  if (*trust == NULL)
    return FALSE;
  policy = email2_policy_new_from_file (policy_file, inbox_owner (INBOX_SYSTEM), error);
  if (policy == NULL)
    return FALSE;
  *required = email2_policy_get_user_signature_required (policy);
  return TRUE;
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
  g_autofree char *identity = NULL, *reason = NULL, *digest = NULL;
  g_autoptr(GKeyFile) refused = NULL;
  g_autoptr(GKeyFile) done = NULL;
  g_autoptr(GError) error = NULL;
  Email2Payload *payload = NULL;
  gsize length = 0, size = 0;
  gboolean ok = FALSE;
  struct stat st;
  char *data;

  if (!look_at (dirfd, name, shown, INBOX_USER, &identity))
    return;                    /* gone, or handled already */
  refused = read_marker (dirfd, refused_name);
  if (marker_has (refused, "File", identity))
    return;                    /* refused before, unchanged since */

  /* The claim: from here on, this file is never applied again. */
  if (renameat (dirfd, name, dirfd, claim) != 0)
    {
      if (errno != ENOENT)
        {
          g_autofree char *why = g_strdup_printf (_("it cannot be claimed: %s"), g_strerror (errno));

          refuse (INBOX_USER, dirfd, name, identity, shown, why);
        }
      return;
    }

  g_clear_pointer (&identity, g_free);
  data = read_payload (INBOX_USER, dirfd, claim, &length, &size, &st, &identity, &reason);
  done = read_marker (dirfd, done_name);
  if (data != NULL && marker_has (done, "Outcome", "ok"))
    {
      g_autofree char *previous = g_key_file_get_string (done, MARKER_GROUP, "Digest", NULL);

      if (email2_digest_matches (previous, data, length))
        {
          g_autofree char *when = g_key_file_get_string (done, MARKER_GROUP, "Time", NULL);

          /* Delivered again: it was applied, and its answer is there. */
          buffer_free (data, size);
          scrub_at (dirfd, claim, shown);
          g_message ("Spool: %s is the payload applied at %s: not applied again", shown, when);
          return;
        }
    }
  g_clear_pointer (&done, g_key_file_unref);
  if (data != NULL)
    {
      g_autoptr(Email2Trust) trust = NULL;
      gboolean required = FALSE;
      g_autofree char *content = NULL;
      gsize content_length = 0;

      digest = email2_digest_new (data, length);
      if (!user_signature_rules (self, &trust, &required, &error) ||
          !email2_trust_unwrap (trust, data, length, required, &content, &content_length, NULL,
                                &error))
        reason = g_strdup (error->message);
      else
        {
          payload = email2_payload_parse (content != NULL ? content : data,
                                          content != NULL ? content_length : length,
                                          EMAIL2_FORMAT_AUTO, &error);
          if (payload == NULL)
            reason = g_strdup_printf (_("it is not a usable payload: %s"), error->message);
        }
      if (content != NULL)
        explicit_bzero (content, content_length);
      buffer_free (data, size);
    }

  if (reason != NULL)
    {
      /* Left as it was found, marked: a file still being written is tried
       * again when it changes. */
      refuse (INBOX_USER, dirfd, name, identity, shown, reason);
      unclaim (dirfd, claim, name, shown);
      return;
    }

  apply_payload (self, INBOX_USER, dirfd, name, shown, payload, &ok);

  done = new_marker ();
  g_key_file_set_string (done, MARKER_GROUP, "Outcome", ok ? "ok" : "failed");
  g_key_file_set_string (done, MARKER_GROUP, "File", identity);
  if (digest != NULL)
    g_key_file_set_string (done, MARKER_GROUP, "Digest", digest);
  write_marker (dirfd, done_name, done, shown);
  if (refused != NULL)
    unlinkat (dirfd, refused_name, 0);
  scrub_at (dirfd, claim, shown);
  log_applied (INBOX_USER, shown, ok, inbox, name);
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
      email2_log_event (EMAIL2_EVENT_INTERRUPTED, EMAIL2_ORIGIN_USER_SPOOL, name, NULL, 0,
                        "Spool: %s was being applied when the registry stopped; it is not "
                        "applied again: check the accounts and send it again if needed", shown);
    }
  scrub_at (dirfd, claim, shown);
}

/* ---- the system inbox: payload files as the desired state ---- */

/* What the system payloads are applied with for this user: the anchors,
 * the administrator's settings, the user's values; and a fingerprint of
 * them, so that a file is applied again when they change. */
typedef struct {
  Email2Trust *trust;
  Email2Variables *variables;
  char *fingerprint;
  char *reason;                /* not NULL: no system payload can be applied */
} SystemContext;

static void
system_context_clear (SystemContext *context)
{
  g_clear_object (&context->trust);
  g_clear_object (&context->variables);
  g_clear_pointer (&context->fingerprint, g_free);
  g_clear_pointer (&context->reason, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SystemContext, system_context_clear)

/* The anchors and settings live beside the inbox: /etc/xdg/email2/trust/
 * and /etc/xdg/email2/email2.conf, root's as the inbox is. */
static void
system_context_init (Email2Spool   *self,
                     SystemContext *context)
{
  g_autofree char *base = g_path_get_dirname (self->inbox[INBOX_SYSTEM]);
  g_autofree char *trust_dir = g_build_filename (base, "trust", NULL);
  g_autofree char *policy_file = g_build_filename (base, "email2.conf", NULL);
  g_autoptr(Email2Policy) policy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *email;

  memset (context, 0, sizeof *context);
  context->trust = email2_trust_new_from_directory (trust_dir, inbox_owner (INBOX_SYSTEM), &error);
  if (context->trust != NULL)
    policy = email2_policy_new_from_file (policy_file, inbox_owner (INBOX_SYSTEM), &error);
  if (policy != NULL)
    context->variables = email2_variables_new_for_user (g_get_user_name (),
                                                        email2_policy_get_email_pattern (policy),
                                                        &error);
  if (context->variables == NULL)
    {
      context->reason = g_strdup (error->message);
      return;
    }

  email = email2_variables_get (context->variables, "EMAIL");
  text = g_strdup_printf ("%s\n%s\n%s\n%u", email2_variables_get (context->variables, "USER"),
                          email2_variables_get (context->variables, "REALNAME"),
                          email != NULL ? email : "",
                          email2_trust_get_n_anchors (context->trust));
  context->fingerprint = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/* A record of the spool's own: read whole, or %NULL. */
static char *
read_record (int          recordfd,
             const char  *name,
             gsize       *length)
{
  g_autoptr(GError) error = NULL;
  struct stat st;
  gsize size = 0;
  char *data = NULL;
  int fd = open_regular_at (recordfd, name, O_RDONLY, &st);

  if (fd < 0)
    return NULL;
  data = read_all (fd, st.st_size, EMAIL2_XML_DEFAULT_MAX_SIZE, length, &size, &error);
  close (fd);
  return data;
}

/* The accounts a file made, as it said them (NAME.state), or %NULL. */
static Email2MemoryHost *
read_state (int          recordfd,
            const char  *name,
            const char  *shown)
{
  g_autoptr(Email2MemoryHost) state = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *data = read_record (recordfd, name, &length);

  if (data == NULL)
    return NULL;
  state = email2_memory_host_new ();
  if (!email2_memory_host_load_data (state, data, length, &error))
    {
      g_warning ("Spool: the record %s cannot be read: %s", shown, error->message);
      return NULL;
    }
  return g_steal_pointer (&state);
}

static gboolean
write_state (int                recordfd,
             const char        *name,
             Email2MemoryHost  *state,
             GError           **error)
{
  g_autofree char *data = email2_memory_host_to_data (state);

  return write_at (recordfd, name, data, strlen (data), error);
}

static char *
guid_list (Email2MemoryHost *state)
{
  g_auto(GStrv) guids = state != NULL ? email2_host_list_accounts (EMAIL2_HOST (state)) : NULL;

  return guids != NULL ? g_strjoinv (";", guids) : g_strdup ("");
}

/* The GUIDs of an interrupted run's desired state (NAME.pending): the
 * accounts it may have made. */
static GStrv
pending_guids (int          recordfd,
               const char  *pending_name,
               const char  *shown)
{
  g_autoptr(Email2MemoryHost) pending = read_state (recordfd, pending_name, shown);

  return pending != NULL ? email2_host_list_accounts (EMAIL2_HOST (pending)) : NULL;
}

/* Brings the accounts of file @name from @before to @after (NULL: the
 * file is gone) and keeps the records. The desired state is written to
 * NAME.pending first: a run the registry stops in the middle is finished
 * by the next one, which adopts what it may have made. */
static gboolean
roll_out (Email2Spool       *self,
          int                recordfd,
          const char        *name,
          const char        *shown,
          Email2MemoryHost  *before,
          Email2MemoryHost  *after,
          guint             *n_changed,
          GError           **error)
{
  Email2Host *host = email2_session_get_host (email2_service_get_session (self->service));
  g_autofree char *state_name = derived_name (name, STATE_SUFFIX);
  g_autofree char *pending_name = derived_name (name, PENDING_SUFFIX);
  g_auto(GStrv) adopt = pending_guids (recordfd, pending_name, shown);

  if (after != NULL && !write_state (recordfd, pending_name, after, error))
    return FALSE;
  if (!email2_rollout_apply (host, before, after, (const char * const *) adopt, n_changed, error))
    {
      if (adopt == NULL)
        unlinkat (recordfd, pending_name, 0);
      return FALSE;
    }
  email2_service_notify_applied (self->service);

  if (after != NULL && !write_state (recordfd, state_name, after, error))
    return FALSE;
  if (after == NULL)
    unlinkat (recordfd, state_name, 0);
  unlinkat (recordfd, pending_name, 0);
  return TRUE;
}

static void
process_system_file (Email2Spool   *self,
                     int            dirfd,
                     int            recordfd,
                     SystemContext *context,
                     const char    *name)
{
  const char *inbox = self->inbox[INBOX_SYSTEM];
  g_autofree char *shown = shown_path (inbox, name);
  g_autofree char *done_name = derived_name (name, DONE_SUFFIX);
  g_autofree char *refused_name = derived_name (name, REFUSED_SUFFIX);
  g_autofree char *state_name = derived_name (name, STATE_SUFFIX);
  g_autofree char *response_name = response_name_of (name);
  g_autofree char *identity = NULL, *reason = NULL, *digest = NULL, *guids = NULL;
  g_autofree char *content = NULL, *response = NULL;
  g_autoptr(GKeyFile) done = NULL, refused = NULL;
  g_autoptr(Email2Signer) signer = NULL;
  g_autoptr(Email2Payload) payload = NULL;
  g_autoptr(Email2MemoryHost) before = NULL, after = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0, size = 0, content_length = 0, response_length = 0;
  guint n_changed = 0;
  struct stat st;
  char *data;

  if (!look_at (dirfd, name, shown, INBOX_SYSTEM, &identity))
    return;
  done = read_marker (recordfd, done_name);
  refused = read_marker (recordfd, refused_name);
  if (context->reason == NULL &&
      ((marker_has (done, "File", identity) && marker_has (done, "Context", context->fingerprint) &&
        marker_has (done, "Outcome", "ok")) ||
       (marker_has (refused, "File", identity) &&
        marker_has (refused, "Context", context->fingerprint))))
    return;                    /* seen before, unchanged since */

  g_clear_pointer (&identity, g_free);
  data = read_payload (INBOX_SYSTEM, dirfd, name, &length, &size, &st, &identity, &reason);
  if (data != NULL && context->reason != NULL)
    reason = g_strdup (context->reason);
  else if (data != NULL)
    {
      digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
      if (marker_has (done, "Sha256", digest) && marker_has (done, "Context", context->fingerprint) &&
          marker_has (done, "Outcome", "ok"))
        {
          /* The same content as applied before, in a touched file. */
          g_key_file_set_string (done, MARKER_GROUP, "File", identity);
          write_marker (recordfd, done_name, done, shown);
          buffer_free (data, size);
          return;
        }
      /* Signed or not: a system payload must be once anchors are there. */
      if (!email2_trust_unwrap (context->trust, data, length, TRUE, &content, &content_length,
                                &signer, &error))
        reason = g_strdup (error->message);
      else
        payload = email2_payload_parse (content != NULL ? content : data,
                                        content != NULL ? content_length : length,
                                        EMAIL2_FORMAT_AUTO, &error);
      if (reason == NULL && payload == NULL)
        reason = g_strdup_printf (_("it is not a usable payload: %s"), error->message);
      buffer_free (data, size);
      if (content != NULL)
        explicit_bzero (content, content_length);
    }

  if (reason != NULL)
    {
      refuse (INBOX_SYSTEM, recordfd, name, identity, shown, reason);
      if (context->fingerprint != NULL)
        {
          g_autoptr(GKeyFile) marker = read_marker (recordfd, refused_name);

          if (marker != NULL)
            {
              g_key_file_set_string (marker, MARKER_GROUP, "Context", context->fingerprint);
              write_marker (recordfd, refused_name, marker, shown);
            }
        }
      return;
    }
  g_clear_error (&error);

  /* What the file wants for this user, checked on its own first; its
   * answer is the payload's own. */
  after = email2_rollout_desired (payload, context->variables, &error);
  response = email2_payload_write_response (payload, &response_length, NULL);
  if (response != NULL)
    {
      g_autoptr(GError) write_error = NULL;

      if (!write_at (recordfd, response_name, response, response_length, &write_error))
        g_warning ("Spool: the response to %s could not be written: %s", shown,
                   write_error->message);
    }

  g_clear_pointer (&done, g_key_file_unref);
  done = new_marker ();
  g_key_file_set_string (done, MARKER_GROUP, "File", identity);
  g_key_file_set_string (done, MARKER_GROUP, "Sha256", digest);
  g_key_file_set_string (done, MARKER_GROUP, "Context", context->fingerprint);
  if (signer != NULL)
    g_key_file_set_string (done, MARKER_GROUP, "Signer", signer->subject);

  if (after != NULL)
    {
      g_key_file_set_string (done, MARKER_GROUP, "Outcome", "applying");
      write_marker (recordfd, done_name, done, shown);
      before = read_state (recordfd, state_name, shown);
      if (roll_out (self, recordfd, name, shown, before, after, &n_changed, &error))
        {
          guids = guid_list (after);
          g_key_file_set_string (done, MARKER_GROUP, "Outcome", "ok");
          g_key_file_set_string (done, MARKER_GROUP, "Accounts", guids);
          email2_log_event (EMAIL2_EVENT_SPOOL_APPLIED, EMAIL2_ORIGIN_SYSTEM_SPOOL, name, NULL, 0,
                            "Spool: %s applied as the desired state: %u account(s) changed",
                            shown, n_changed);
        }
    }
  if (error != NULL)
    {
      g_key_file_set_string (done, MARKER_GROUP, "Outcome", "failed");
      g_key_file_set_string (done, MARKER_GROUP, "Reason", error->message);
      email2_log_event (EMAIL2_EVENT_SPOOL_FAILED, EMAIL2_ORIGIN_SYSTEM_SPOOL, name, NULL, 0,
                        "Spool: %s not applied: %s; nothing changed", shown, error->message);
    }
  write_marker (recordfd, done_name, done, shown);
  if (refused != NULL)
    unlinkat (recordfd, refused_name, 0);
}

/* NAME.done → the payload NAME.xml when neither NAME.xml nor NAME.wbxml
 * is in the inbox, else %NULL. */
static char *
gone_payload_of_record (int         dirfd,
                        const char *record)
{
  g_autofree char *stem = g_strndup (record, strlen (record) - strlen (DONE_SUFFIX));

  for (guint i = 0; i < G_N_ELEMENTS (payload_suffixes); i++)
    {
      g_autofree char *name = g_strconcat (stem, payload_suffixes[i], NULL);
      struct stat st;

      if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
        return NULL;
    }
  return g_strconcat (stem, payload_suffixes[0], NULL);
}

/* A file of the system inbox is gone: the accounts it made go with it,
 * and so do its records. A failure keeps them, to try at the next scan. */
static void
remove_system_file (Email2Spool *self,
                    int          recordfd,
                    const char  *name)
{
  g_autofree char *shown = shown_path (self->inbox[INBOX_SYSTEM], name);
  g_autofree char *state_name = derived_name (name, STATE_SUFFIX);
  g_autofree char *pending_name = derived_name (name, PENDING_SUFFIX);
  g_autoptr(Email2MemoryHost) before = read_state (recordfd, state_name, shown);
  g_autoptr(Email2MemoryHost) pending = read_state (recordfd, pending_name, shown);
  g_autoptr(GError) error = NULL;
  guint n_changed = 0;
  static const char * const suffixes[] = { DONE_SUFFIX, REFUSED_SUFFIX, STATE_SUFFIX };

  if (before == NULL && pending == NULL)
    {
      g_autofree char *done_name = derived_name (name, DONE_SUFFIX);
      g_autofree char *refused_name = derived_name (name, REFUSED_SUFFIX);

      unlinkat (recordfd, done_name, 0);
      unlinkat (recordfd, refused_name, 0);
      return;
    }
  if (!roll_out (self, recordfd, name, shown, before, NULL, &n_changed, &error))
    {
      g_warning ("Spool: %s was removed, but its accounts could not be deleted: %s; tried "
                 "again at the next start", shown, error->message);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *record = derived_name (name, suffixes[i]);

      unlinkat (recordfd, record, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (payload_suffixes); i++)
    {
      g_autofree char *response_name = derived_name (name, "");
      g_autofree char *full = g_strconcat (response_name, RESPONSE_INFIX, payload_suffixes[i], NULL);

      unlinkat (recordfd, full, 0);
    }
  g_message ("Spool: %s was removed: its %u account(s) deleted", shown, n_changed);
}

/* A record whose run a stopped registry interrupted: the next run of
 * its file finishes it (desired state is safe to apply again). */
static void
recover_system_record (Email2Spool *self,
                       int          recordfd,
                       const char  *done_name)
{
  g_autoptr(GKeyFile) done = read_marker (recordfd, done_name);
  g_autofree char *shown = NULL;
  g_autofree char *payload_name = NULL;

  if (!marker_has (done, "Outcome", "applying"))
    return;
  shown = shown_path (self->records, done_name);
  g_key_file_set_string (done, MARKER_GROUP, "Outcome", "interrupted");
  write_marker (recordfd, done_name, done, shown);
  payload_name = g_strndup (done_name, strlen (done_name) - strlen (DONE_SUFFIX));
  email2_log_event (EMAIL2_EVENT_INTERRUPTED, EMAIL2_ORIGIN_SYSTEM_SPOOL, payload_name, NULL, 0,
                    "Spool: the system payload recorded in %s was being applied when the "
                    "registry stopped; it is applied again", shown);
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
  g_auto(SystemContext) context = { NULL };

  for (guint i = 0; i < records->len; i++)
    {
      const char *name = records->pdata[i];

      if (name[0] == '.' && g_str_has_suffix (name, TEMP_SUFFIX))
        unlinkat (recordfd, name, 0);
      else if (name[0] != '.' && g_str_has_suffix (name, DONE_SUFFIX))
        recover_system_record (self, recordfd, name);
    }
  system_context_init (self, &context);
  for (guint i = 0; i < names->len && !g_atomic_int_get (&self->stopped); i++)
    if (is_payload_name (names->pdata[i]))
      process_system_file (self, dirfd, recordfd, &context, names->pdata[i]);

  /* Records of files that are gone. */
  for (guint i = 0; i < records->len && !g_atomic_int_get (&self->stopped); i++)
    {
      const char *record = records->pdata[i];
      g_autofree char *name = NULL;

      if (record[0] == '.' || !g_str_has_suffix (record, DONE_SUFFIX))
        continue;
          name = gone_payload_of_record (dirfd, record);
      if (name != NULL)
        remove_system_file (self, recordfd, name);
    }
}

/* Scans an inbox, or looks at one file that changed; in the service's
 * worker. Does nothing once the spool is stopped. */
static void
spool_job_run (gpointer data)
{
  SpoolJob *job = data;
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
  else if (fstatat (dirfd, job->name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
    remove_system_file (self, recordfd, job->name);
  else
    {
      g_auto(SystemContext) context = { NULL };

      system_context_init (self, &context);
      process_system_file (self, dirfd, recordfd, &context, job->name);
    }

  if (recordfd >= 0)
    close (recordfd);
  close (dirfd);
}

static void
spool_job_free (gpointer data)
{
  SpoolJob *job = data;

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
  SpoolJob *job = g_new0 (SpoolJob, 1);

  job->spool = g_object_ref (self);
  job->kind = kind;
  job->name = g_strdup (name);
  job->unless_regular = unless_regular;
  email2_service_queue (self->service, "Spool", spool_job_run, job, spool_job_free);
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
           (kind == INBOX_SYSTEM && (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED ||
                                     event == G_FILE_MONITOR_EVENT_DELETED)))
    queue_job (self, kind, name, FALSE);
}

/**
 * email2_spool_new:
 * @state_dir: the user's email2 directory ($XDG_CONFIG_HOME/email2): the
 *   user inbox is its `inbox/`, the records of the system inbox its `system/`
 * @system_inbox: the system inbox, normally %EMAIL2_SPOOL_SYSTEM_INBOX
 *
 * The spool's jobs run in @service's worker, and its payloads through
 * @service's engine.
 *
 * Returns: (transfer full): a spool, not started
 */
Email2Spool *
email2_spool_new (Email2Service *service,
                  const char    *state_dir,
                  const char    *system_inbox)
{
  Email2Spool *self;

  g_return_val_if_fail (EMAIL2_IS_SERVICE (service), NULL);

  self = g_object_new (EMAIL2_TYPE_SPOOL, NULL);
  self->service = g_object_ref (service);
  self->inbox[INBOX_USER] = g_build_filename (state_dir, "inbox", NULL);
  self->inbox[INBOX_SYSTEM] = g_strdup (system_inbox);
  self->records = g_build_filename (state_dir, "system", NULL);

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
  g_clear_object (&self->service);

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
