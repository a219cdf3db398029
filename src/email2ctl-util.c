/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What the email2ctl commands share.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "email2.h"
#include "email2ctl-private.h"
#include "email2-xml-private.h"

/* Says what is wrong in one line on standard error (and, with --json, as
 * an error object on standard output); returns @exit_status. */
int
email2ctl_fail (const char *kind,
                int         exit_status,
                const char *message)
{
  g_printerr ("email2ctl: %s\n", message);
  email2ctl_json_error (kind, message);
  return exit_status;
}

/* Says what is wrong, then the command's help when there is a context
 * (a usage error) or not (unusable input); the exit status for both. */
int
email2ctl_usage_error (GOptionContext *context,
                       const char     *message)
{
  email2ctl_fail (context != NULL ? "usage" : "input", EXIT_UNUSABLE, message);
  if (context != NULL)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
    }
  return EXIT_UNUSABLE;
}

/* Reads FILE or standard input, at most one byte more than a payload may
 * have (the registry refuses it then), into memory no core holds. */
Email2SecureBuffer *
email2ctl_read_payload (const char  *path,
                        GError     **error)
{
  gboolean from_stdin = strcmp (path, "-") == 0;
  int fd = from_stdin ? STDIN_FILENO : open (path, O_RDONLY | O_CLOEXEC);
  g_autoptr(GError) local_error = NULL;
  Email2SecureBuffer *payload;

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return NULL;
    }

  payload = email2_secure_buffer_read_fd (fd, EMAIL2_XML_DEFAULT_MAX_SIZE, &local_error);
  if (!from_stdin)
    close (fd);
  if (payload == NULL)
    g_set_error (error, G_FILE_ERROR, local_error->code, "%s: %s", path, local_error->message);

  return payload;
}
