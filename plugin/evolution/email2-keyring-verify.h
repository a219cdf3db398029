/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Keyring operations that say what really happened: libsecret's clear
 * skips locked items and reports nothing, and a daemon that dies between
 * two calls leaves the caller guessing. Each call here is confirmed by a
 * search of the items afterwards.
 */

#pragma once

#include <libsecret/secret.h>

#include "email2.h"

G_BEGIN_DECLS

gboolean email2_keyring_ensure_usable (GError             **error);
guint    email2_keyring_count         (const SecretSchema  *schema,
                                       GHashTable          *attributes,
                                       GError             **error);
gboolean email2_keyring_store         (const SecretSchema  *schema,
                                       GHashTable          *attributes,
                                       const char          *label,
                                       const char          *secret,
                                       GError             **error);
gboolean email2_keyring_clear         (const SecretSchema  *schema,
                                       GHashTable          *attributes,
                                       GError             **error);

G_END_DECLS
