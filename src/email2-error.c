/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#include "config.h"

#include <gio/gio.h>

#include "email2-error.h"

/* The D-Bus error names, one per code, in the order of Email2Error: the
 * service answers a failed call with its GError, and a client that has
 * called email2_error_quark() gets it back in EMAIL2_ERROR. */
static const GDBusErrorEntry dbus_errors[] = {
  { EMAIL2_ERROR_FAILED, "io.github.email2.Error.Failed" },
  { EMAIL2_ERROR_INVALID_INPUT, "io.github.email2.Error.InvalidInput" },
  { EMAIL2_ERROR_LIMIT, "io.github.email2.Error.Limit" },
  { EMAIL2_ERROR_BAD_REQUEST, "io.github.email2.Error.BadRequest" },
  { EMAIL2_ERROR_INVALID_VALUE, "io.github.email2.Error.InvalidValue" },
  { EMAIL2_ERROR_NOT_FOUND, "io.github.email2.Error.NotFound" },
  { EMAIL2_ERROR_NOT_ALLOWED, "io.github.email2.Error.NotAllowed" },
  { EMAIL2_ERROR_NOT_SUPPORTED, "io.github.email2.Error.NotSupported" },
  { EMAIL2_ERROR_BAD_FORMAT, "io.github.email2.Error.BadFormat" },
  { EMAIL2_ERROR_URI_TOO_LONG, "io.github.email2.Error.UriTooLong" },
  { EMAIL2_ERROR_EXISTS, "io.github.email2.Error.Exists" },
  { EMAIL2_ERROR_INCOMPLETE, "io.github.email2.Error.Incomplete" },
  { EMAIL2_ERROR_HOST, "io.github.email2.Error.Host" },
  { EMAIL2_ERROR_NETWORK, "io.github.email2.Error.Network" },
  { EMAIL2_ERROR_TIMED_OUT, "io.github.email2.Error.TimedOut" },
  { EMAIL2_ERROR_TLS, "io.github.email2.Error.Tls" },
  { EMAIL2_ERROR_INSECURE, "io.github.email2.Error.Insecure" },
  { EMAIL2_ERROR_PROTOCOL, "io.github.email2.Error.Protocol" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (dbus_errors) == EMAIL2_ERROR_PROTOCOL + 1);

/**
 * email2_error_quark:
 *
 * The error domain of email2, registered with GDBus so that its errors
 * cross the bus with their codes (`io.github.email2.Error.*`).
 *
 * Returns: the quark
 */
GQuark
email2_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("email2-error-quark", &quark, dbus_errors,
                                      G_N_ELEMENTS (dbus_errors));
  return (GQuark) quark;
}

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
