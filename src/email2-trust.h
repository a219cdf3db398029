/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <sys/types.h>

#include <glib-object.h>

G_BEGIN_DECLS

/* Where an administrator installs the certificates that payloads must be
 * signed under (docs/DESIGN.md §3.3). */
#define EMAIL2_TRUST_DIR "/etc/xdg/email2/trust"

/**
 * Email2Signer:
 * @subject: the signer certificate's subject (RFC 4514)
 * @issuer: its issuer (RFC 4514)
 * @serial: its serial number, in hexadecimal
 * @not_before: start of its validity (seconds since the epoch)
 * @not_after: end of its validity
 * @signing_time: the signing time the signature carries, or -1
 *
 * Who signed a payload that verified.
 */
typedef struct {
  char *subject;
  char *issuer;
  char *serial;
  gint64 not_before;
  gint64 not_after;
  gint64 signing_time;
} Email2Signer;

void email2_signer_free (Email2Signer *signer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Signer, email2_signer_free)

#define EMAIL2_TYPE_TRUST (email2_trust_get_type ())

G_DECLARE_FINAL_TYPE (Email2Trust, email2_trust, EMAIL2, TRUST, GObject)

Email2Trust *email2_trust_new_from_directory (const char    *path,
                                              uid_t          owner,
                                              GError       **error);
guint        email2_trust_get_n_anchors      (Email2Trust   *self);
const char  *email2_trust_get_path           (Email2Trust   *self);
gboolean     email2_trust_unwrap             (Email2Trust   *self,
                                              const char    *data,
                                              gsize          length,
                                              gboolean       required,
                                              char         **content,
                                              gsize         *content_length,
                                              Email2Signer **signer,
                                              GError       **error);
gboolean     email2_signed_detect            (const char    *data,
                                              gsize          length);

G_END_DECLS
