/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Email2Arena Email2Arena;

Email2Arena *email2_arena_new      (gboolean     wipe);
gpointer     email2_arena_alloc    (Email2Arena *arena,
                                    gsize        size);
char        *email2_arena_strndup  (Email2Arena *arena,
                                    const char  *text,
                                    gsize        length);
void         email2_arena_free     (Email2Arena *arena);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Arena, email2_arena_free)

G_END_DECLS
