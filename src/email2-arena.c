/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * An arena: many small allocations that all live as long as one owner,
 * taken from large blocks by moving a pointer, and freed together, each
 * block wiped first when asked (what a payload reader keeps may be a
 * password).
 * The CP reader keeps its tree here (docs/DESIGN.md §6): a hostile
 * document of 100,000 elements then costs a few dozen block allocations,
 * not 200,000 malloc()s and free()s.
 */

#include "config.h"

#include <string.h>

#include "email2-arena-private.h"

/* Blocks grow from the first size, doubling up to the last. */
#define FIRST_BLOCK_SIZE 4096
#define LAST_BLOCK_SIZE (1024 * 1024)
#define ALIGNMENT (2 * sizeof (gpointer))

typedef struct _Block Block;

struct _Block {
  Block *previous;
  gsize size;         /* of data[] */
  gsize used;
  /* the allocations follow, aligned */
  max_align_t data[];
};

struct _Email2Arena {
  Block *last;
  gsize next_size;
  gboolean wipe;
};

/**
 * email2_arena_new:
 * @wipe: whether email2_arena_free() overwrites what was allocated
 *
 * Returns: (transfer full): an empty arena; free it with email2_arena_free()
 */
Email2Arena *
email2_arena_new (gboolean wipe)
{
  Email2Arena *arena = g_new0 (Email2Arena, 1);

  arena->next_size = FIRST_BLOCK_SIZE;
  arena->wipe = wipe;
  return arena;
}

/**
 * email2_arena_alloc:
 * @arena: an arena
 * @size: how many bytes
 *
 * Returns: (transfer none): @size bytes, not initialized, aligned for any
 *   type, that live as long as @arena
 */
gpointer
email2_arena_alloc (Email2Arena *arena,
                    gsize        size)
{
  Block *block = arena->last;
  gpointer memory;

  size = (size + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
  if (block == NULL || block->size - block->used < size)
    {
      gsize block_size = MAX (arena->next_size, size);

      block = g_malloc (sizeof (Block) + block_size);
      block->used = 0;
      block->size = block_size;
      block->previous = arena->last;
      arena->last = block;
      arena->next_size = MIN (arena->next_size * 2, LAST_BLOCK_SIZE);
    }

  memory = (char *) block->data + block->used;
  block->used += size;
  return memory;
}

/**
 * email2_arena_strndup:
 * @arena: an arena
 * @text: bytes
 * @length: how many
 *
 * Returns: (transfer none): a NUL-terminated copy of @text that lives as
 *   long as @arena
 */
char *
email2_arena_strndup (Email2Arena *arena,
                      const char  *text,
                      gsize        length)
{
  char *copy = email2_arena_alloc (arena, length + 1);

  memcpy (copy, text, length);
  copy[length] = '\0';
  return copy;
}

/**
 * email2_arena_free:
 * @arena: (nullable): an arena
 *
 * Frees every block of @arena, wiped first if it was made so.
 */
void
email2_arena_free (Email2Arena *arena)
{
  Block *previous;

  if (arena == NULL)
    return;

  for (Block *block = arena->last; block != NULL; block = previous)
    {
      previous = block->previous;
      if (arena->wipe)
        explicit_bzero (block->data, block->used);
      g_free (block);
    }
  g_free (arena);
}
