/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What tells a user payload delivered again from a new one
 * (docs/DESIGN.md §3.2), without keeping what would let its password be
 * guessed: a user payload holds a password in a mostly predictable
 * document, so a plain hash of it would let a weak password be found
 * offline by anyone who reads the record. The record keeps a salted
 * PBKDF2-SHA256 instead, at the iteration count OWASP recommends for
 * stored passwords (600,000; about 0.15 s here), written as
 * `pbkdf2-sha256$ITERATIONS$SALT$HASH` (base64).
 */

#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "email2-digest.h"

#define SCHEME "pbkdf2-sha256"
#define ITERATIONS 600000
#define MAX_ITERATIONS 10000000
#define SALT_SIZE 16
#define HASH_SIZE 32

static gboolean
derive (const char   *data,
        gsize         length,
        const guint8 *salt,
        gsize         salt_size,
        guint         iterations,
        guint8        hash[HASH_SIZE])
{
  gnutls_datum_t key = { (unsigned char *) data, length };
  gnutls_datum_t salt_datum = { (unsigned char *) salt, salt_size };

  /* HMAC takes an empty key badly in some builds: a payload is never empty. */
  if (length == 0)
    return FALSE;
  return gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt_datum, iterations, hash, HASH_SIZE) == 0;
}

/**
 * email2_digest_new:
 * @data: a payload
 * @length: its length, not 0
 *
 * Returns: (transfer full) (nullable): a salted, slow digest of @data,
 *   or %NULL when none could be made
 */
char *
email2_digest_new (const char *data,
                   gsize       length)
{
  guint8 salt[SALT_SIZE];
  guint8 hash[HASH_SIZE];
  g_autofree char *salt64 = NULL;
  g_autofree char *hash64 = NULL;

  if (gnutls_rnd (GNUTLS_RND_NONCE, salt, sizeof salt) != 0 ||
      !derive (data, length, salt, sizeof salt, ITERATIONS, hash))
    return NULL;

  salt64 = g_base64_encode (salt, sizeof salt);
  hash64 = g_base64_encode (hash, sizeof hash);
  return g_strdup_printf (SCHEME "$%u$%s$%s", ITERATIONS, salt64, hash64);
}

/**
 * email2_digest_matches:
 * @digest: (nullable): what email2_digest_new() returned for a payload
 * @data: a payload
 * @length: its length
 *
 * Returns: whether @data is the payload @digest was made of
 */
gboolean
email2_digest_matches (const char *digest,
                       const char *data,
                       gsize       length)
{
  g_auto(GStrv) parts = digest != NULL ? g_strsplit (digest, "$", -1) : NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *expected = NULL;
  guint8 hash[HASH_SIZE];
  gsize salt_size = 0, expected_size = 0;
  guint64 iterations = 0;
  guint8 difference = 0;

  if (parts == NULL || g_strv_length (parts) != 4 || strcmp (parts[0], SCHEME) != 0 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, MAX_ITERATIONS, &iterations, NULL))
    return FALSE;
  salt = g_base64_decode (parts[2], &salt_size);
  expected = g_base64_decode (parts[3], &expected_size);
  if (salt_size == 0 || expected_size != HASH_SIZE ||
      !derive (data, length, salt, salt_size, iterations, hash))
    return FALSE;

  for (guint i = 0; i < HASH_SIZE; i++)
    difference |= hash[i] ^ expected[i];
  return difference == 0;
}
