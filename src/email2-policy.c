/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Policy: what the administrator decided for every user of the
 * machine, in a key file of root's (docs/DESIGN.md §3.2):
 *
 *   [Rollout]
 *   EmailPattern=${USER}@example.com     the address ${EMAIL} stands for
 *   UserPayloadsMustBeSigned=false       when trust anchors are installed,
 *                                        refuse unsigned user payloads too
 *
 * The file is trusted as the system inbox is: a regular file, no symbolic
 * link, its owner's, writable by no one else. A file that is not trusted
 * is an error, and the caller applies no payload until it is fixed.
 */

#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-policy.h"
#include "email2-trusted-file-private.h"

#define GROUP "Rollout"
#define MAX_FILE_SIZE 65536

struct _Email2Policy {
  GObject parent_instance;

  char *email_pattern;
  gboolean user_signature_required;
};

G_DEFINE_FINAL_TYPE (Email2Policy, email2_policy, G_TYPE_OBJECT)

/**
 * email2_policy_new_default:
 *
 * Returns: (transfer full): the policy when the administrator set none
 */
Email2Policy *
email2_policy_new_default (void)
{
  return g_object_new (EMAIL2_TYPE_POLICY, NULL);
}

/**
 * email2_policy_new_from_file:
 * @path: the settings file, normally %EMAIL2_POLICY_FILE
 * @owner: who must own it (root, for the system)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the policy (the defaults when
 *   @path does not exist), or %NULL when the file cannot be trusted or read
 */
Email2Policy *
email2_policy_new_from_file (const char  *path,
                             uid_t        owner,
                             GError     **error)
{
  g_autoptr(Email2Policy) self = email2_policy_new_default ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  char data[MAX_FILE_SIZE + 1];
  gssize n;
  int fd = email2_open_trusted (AT_FDCWD, path, path, FALSE, owner, NULL, &local_error);

  if (fd < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return g_steal_pointer (&self);
  if (fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  n = read (fd, data, sizeof data);
  close (fd);
  if (n < 0 || n > MAX_FILE_SIZE)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("%s cannot be read"), path);
      return NULL;
    }

  if (!g_key_file_load_from_data (file, data, n, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, "%s: %s", path, local_error->message);
      return NULL;
    }

  self->email_pattern = g_key_file_get_string (file, GROUP, "EmailPattern", NULL);
  if (g_key_file_has_key (file, GROUP, "UserPayloadsMustBeSigned", NULL))
    {
      self->user_signature_required = g_key_file_get_boolean (file, GROUP,
                                                              "UserPayloadsMustBeSigned",
                                                              &local_error);
      if (local_error != NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, "%s: %s", path,
                       local_error->message);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/**
 * email2_policy_get_email_pattern:
 * @self: a policy
 *
 * Returns: (nullable): the pattern ${EMAIL} is built from, or %NULL
 */
const char *
email2_policy_get_email_pattern (Email2Policy *self)
{
  g_return_val_if_fail (EMAIL2_IS_POLICY (self), NULL);

  return self->email_pattern;
}

/**
 * email2_policy_get_user_signature_required:
 * @self: a policy
 *
 * Returns: whether user payloads must be signed when anchors are installed
 */
gboolean
email2_policy_get_user_signature_required (Email2Policy *self)
{
  g_return_val_if_fail (EMAIL2_IS_POLICY (self), FALSE);

  return self->user_signature_required;
}

static void
email2_policy_finalize (GObject *object)
{
  Email2Policy *self = EMAIL2_POLICY (object);

  g_free (self->email_pattern);

  G_OBJECT_CLASS (email2_policy_parent_class)->finalize (object);
}

static void
email2_policy_class_init (Email2PolicyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_policy_finalize;
}

static void
email2_policy_init (Email2Policy *self)
{
}
