/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Memory for payload bytes and secrets (docs/DESIGN.md §5.2): wiped before
 * it is freed, kept out of core dumps where the kernel allows it.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * Email2SecureBuffer:
 * @data: the bytes, followed by a NUL byte
 * @length: how many bytes were read
 *
 * Bytes in memory that never appears in a core dump (`MADV_DONTDUMP`), is
 * locked into RAM when the memory lock limit allows, and is overwritten
 * and unmapped by email2_secure_buffer_free().
 */
typedef struct {
  char *data;
  gsize length;
  /*< private >*/
  gsize allocated;
} Email2SecureBuffer;

void                email2_secure_init              (void);

Email2SecureBuffer *email2_secure_buffer_new        (gsize                size);
Email2SecureBuffer *email2_secure_buffer_read_fd    (int                  fd,
                                                     gsize                max,
                                                     GError             **error);
void                email2_secure_buffer_free       (Email2SecureBuffer  *buffer);

void                email2_secure_string_reserve    (GString             *string,
                                                     gsize                extra);
void                email2_secure_wipe_stack        (void);
void                email2_secure_wipe_registers    (void);
void                email2_secure_wipe_thread       (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2SecureBuffer, email2_secure_buffer_free)

G_END_DECLS
