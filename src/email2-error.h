/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

#define EMAIL2_ERROR (email2_error_quark ())

/**
 * Email2Error:
 * @EMAIL2_ERROR_FAILED: a generic failure (status 500)
 * @EMAIL2_ERROR_INVALID_INPUT: the document cannot be used at all: not
 *   well-formed XML, not a SyncML DM message, a DTD, invalid UTF-8
 * @EMAIL2_ERROR_LIMIT: the document exceeds a size, depth or count limit
 * @EMAIL2_ERROR_BAD_REQUEST: a malformed command or URI (status 400)
 * @EMAIL2_ERROR_INVALID_VALUE: a value outside its node's value rule (400)
 * @EMAIL2_ERROR_NOT_FOUND: the node does not exist (404)
 * @EMAIL2_ERROR_NOT_ALLOWED: the operation is not allowed on the node (405)
 * @EMAIL2_ERROR_NOT_SUPPORTED: an optional feature is not supported (406)
 * @EMAIL2_ERROR_BAD_FORMAT: the Meta Format does not fit the node (415)
 * @EMAIL2_ERROR_URI_TOO_LONG: the LocURI is longer than allowed (414)
 * @EMAIL2_ERROR_EXISTS: the node already exists (418)
 * @EMAIL2_ERROR_INCOMPLETE: an account would be left without a required
 *   node, or with only part of the SMTPALT* credentials (500)
 * @EMAIL2_ERROR_HOST: the host could not store or undo a change (500)
 * @EMAIL2_ERROR_NETWORK: a server could not be reached, or it closed the
 *   connection (500)
 * @EMAIL2_ERROR_TIMED_OUT: a server did not answer within a deadline (500)
 * @EMAIL2_ERROR_TLS: the TLS handshake failed, or the server's certificate
 *   is not valid for its name (500)
 * @EMAIL2_ERROR_INSECURE: a security rule refused a connection mode: STARTTLS
 *   refused, data injected after the STARTTLS reply, PREAUTH in the clear,
 *   no TLS where TLS is required (500)
 * @EMAIL2_ERROR_PROTOCOL: a server's answer is not the protocol expected (500)
 *
 * The one error domain of email2.
 */
typedef enum {
  EMAIL2_ERROR_FAILED,
  EMAIL2_ERROR_INVALID_INPUT,
  EMAIL2_ERROR_LIMIT,
  EMAIL2_ERROR_BAD_REQUEST,
  EMAIL2_ERROR_INVALID_VALUE,
  EMAIL2_ERROR_NOT_FOUND,
  EMAIL2_ERROR_NOT_ALLOWED,
  EMAIL2_ERROR_NOT_SUPPORTED,
  EMAIL2_ERROR_BAD_FORMAT,
  EMAIL2_ERROR_URI_TOO_LONG,
  EMAIL2_ERROR_EXISTS,
  EMAIL2_ERROR_INCOMPLETE,
  EMAIL2_ERROR_HOST,
  EMAIL2_ERROR_NETWORK,
  EMAIL2_ERROR_TIMED_OUT,
  EMAIL2_ERROR_TLS,
  EMAIL2_ERROR_INSECURE,
  EMAIL2_ERROR_PROTOCOL,
} Email2Error;

GQuark email2_error_quark (void);

guint  email2_error_to_status (const GError *error);

G_END_DECLS
