/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#include "config.h"

#include "email2-error.h"

G_DEFINE_QUARK (email2-error-quark, email2_error)

/**
 * email2_error_to_status:
 * @error: a #GError
 *
 * Maps an error to the OMA DM status code a device answers with.
 *
 * Returns: the status code; 500 for errors of other domains
 */
guint
email2_error_to_status (const GError *error)
{
  static const guint codes[] = {
    [EMAIL2_ERROR_FAILED] = 500,
    [EMAIL2_ERROR_INVALID_INPUT] = 400,
    [EMAIL2_ERROR_LIMIT] = 413,
    [EMAIL2_ERROR_BAD_REQUEST] = 400,
    [EMAIL2_ERROR_INVALID_VALUE] = 400,
    [EMAIL2_ERROR_NOT_FOUND] = 404,
    [EMAIL2_ERROR_NOT_ALLOWED] = 405,
    [EMAIL2_ERROR_NOT_SUPPORTED] = 406,
    [EMAIL2_ERROR_BAD_FORMAT] = 415,
    [EMAIL2_ERROR_URI_TOO_LONG] = 414,
    [EMAIL2_ERROR_EXISTS] = 418,
    [EMAIL2_ERROR_INCOMPLETE] = 500,
    [EMAIL2_ERROR_HOST] = 500,
    [EMAIL2_ERROR_NETWORK] = 500,
    [EMAIL2_ERROR_TIMED_OUT] = 500,
    [EMAIL2_ERROR_TLS] = 500,
    [EMAIL2_ERROR_INSECURE] = 500,
    [EMAIL2_ERROR_PROTOCOL] = 500,
  };

  g_return_val_if_fail (error != NULL, 500);

  if (error->domain != EMAIL2_ERROR ||
      error->code < 0 || (gsize) error->code >= G_N_ELEMENTS (codes))
    return 500;

  return codes[error->code];
}
