/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Where payload bytes and secrets live (docs/DESIGN.md §5.2):
 *  - a payload as read from a file descriptor, a spool file or standard
 *    input goes into an Email2SecureBuffer: its own mapping, left out of
 *    core dumps (MADV_DONTDUMP), locked into RAM when RLIMIT_MEMLOCK allows
 *    (best effort: the registry may not lock 16 MiB), wiped and unmapped;
 *  - libxml2 allocates through functions that overwrite every block before
 *    it is freed or moved (its input buffers, the dictionary, attribute
 *    values it normalizes, the writer's output), installed once;
 *  - a GString that collects payload text grows by copy and wipe instead
 *    of realloc, which would leave the old block as it was;
 *  - libxml2 copies some text through buffers on the stack of the reading
 *    thread: the stack below the caller is overwritten after parsing.
 */

#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlmemory.h>

#include "email2-secure-private.h"

/* ---- libxml2's allocator ---- */

static void
wiping_free (void *mem)
{
  if (mem == NULL)
    return;

  explicit_bzero (mem, malloc_usable_size (mem));
  free (mem);
}

static void *
wiping_realloc (void   *mem,
                size_t  size)
{
  size_t old_size;
  void *moved;

  if (mem == NULL)
    return malloc (size);

  /* Shrinking keeps the block (free wipes all of it later); growing
   * copies and wipes, so that no old block is released as it was. */
  old_size = malloc_usable_size (mem);
  if (size <= old_size && size > 0)
    return mem;

  moved = malloc (size > 0 ? size : 1);
  if (moved == NULL)
    return NULL;
  memcpy (moved, mem, MIN (old_size, size));
  wiping_free (mem);

  return moved;
}

static char *
wiping_strdup (const char *text)
{
  size_t size = strlen (text) + 1;
  char *copy = malloc (size);

  if (copy != NULL)
    memcpy (copy, text, size);
  return copy;
}

/**
 * email2_secure_init:
 *
 * Makes libxml2 overwrite every block it frees or moves. Called once, from
 * the first reader or writer; blocks libxml2 allocated before are freed
 * the same way (the functions sit on malloc).
 */
void
email2_secure_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      xmlGcMemSetup (wiping_free, malloc, malloc, wiping_realloc, wiping_strdup);
      g_once_init_leave (&done, 1);
    }
}

/* ---- buffers of their own ---- */

static char *
map_secure (gsize size)
{
  char *data = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (data == MAP_FAILED)
    g_error ("%s: cannot map %" G_GSIZE_FORMAT " bytes: %s", G_STRFUNC, size, g_strerror (errno));

  (void) madvise (data, size, MADV_DONTDUMP);
  (void) mlock (data, size);

  return data;
}

static void
unmap_secure (char  *data,
              gsize  size)
{
  explicit_bzero (data, size);
  (void) munlock (data, size);
  munmap (data, size);
}

static gsize
page_round (gsize size)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);

  return (size + page - 1) / page * page;
}

/**
 * email2_secure_buffer_new:
 * @size: room in bytes, the final NUL not counted
 *
 * Returns: (transfer full): an empty buffer with room for @size bytes and
 *   a NUL
 */
Email2SecureBuffer *
email2_secure_buffer_new (gsize size)
{
  Email2SecureBuffer *buffer = g_new0 (Email2SecureBuffer, 1);

  buffer->allocated = page_round (size + 1);
  buffer->data = map_secure (buffer->allocated);

  return buffer;
}

/**
 * email2_secure_buffer_free:
 * @buffer: (nullable): a buffer
 *
 * Overwrites and unmaps the bytes.
 */
void
email2_secure_buffer_free (Email2SecureBuffer *buffer)
{
  if (buffer == NULL)
    return;

  unmap_secure (buffer->data, buffer->allocated);
  g_free (buffer);
}

static void
buffer_grow (Email2SecureBuffer *buffer,
             gsize               size)
{
  gsize allocated = page_round (size + 1);
  char *data = map_secure (allocated);

  memcpy (data, buffer->data, buffer->length);
  unmap_secure (buffer->data, buffer->allocated);
  buffer->data = data;
  buffer->allocated = allocated;
}

/**
 * email2_secure_buffer_read_fd:
 * @fd: a file descriptor, read from its current offset
 * @max: the most bytes wanted; one more is read, so that a larger input is
 *   seen as such (and refused by the reader) without being held
 * @error: return location for a #GError
 *
 * Reads until end of file or @max + 1 bytes. The caller decides which
 * kinds of file it accepts (the D-Bus service only regular files, so that
 * a pipe nobody writes cannot stall it).
 *
 * Returns: (transfer full) (nullable): the bytes
 */
Email2SecureBuffer *
email2_secure_buffer_read_fd (int      fd,
                              gsize    max,
                              GError **error)
{
  g_autoptr(Email2SecureBuffer) buffer = NULL;
  struct stat st;

  if (fstat (fd, &st) != 0)
    {
      int saved = errno;

      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved), g_strerror (saved));
      return NULL;
    }

  if (S_ISREG (st.st_mode))
    {
      off_t at = lseek (fd, 0, SEEK_CUR);
      gsize left = at >= 0 && at < st.st_size ? (gsize) (st.st_size - at) : 0;

      buffer = email2_secure_buffer_new (MIN (left, max + 1));
    }
  else
    buffer = email2_secure_buffer_new (65536);

  while (buffer->length <= max)
    {
      gsize room = MIN (buffer->allocated - 1, max + 1) - buffer->length;
      gssize n;

      if (room == 0)
        {
          buffer_grow (buffer, MIN (buffer->allocated * 2, max + 1));
          continue;
        }

      n = read (fd, buffer->data + buffer->length, room);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                               g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      buffer->length += n;
    }
  buffer->data[buffer->length] = '\0';

  return g_steal_pointer (&buffer);
}

/* ---- GLib strings and the stack ---- */

/**
 * email2_secure_string_reserve:
 * @string: a string that holds payload text
 * @extra: how many bytes are about to be appended
 *
 * Makes room for @extra more bytes by moving @string to a new block and
 * overwriting the old one: realloc would release the old block unwiped.
 */
void
email2_secure_string_reserve (GString *string,
                              gsize    extra)
{
  gsize wanted = string->len + extra + 1;
  gsize allocated;
  char *str;

  if (wanted <= string->allocated_len)
    return;

  allocated = MAX (string->allocated_len, 64);
  while (allocated < wanted)
    allocated *= 2;

  str = g_malloc (allocated);
  memcpy (str, string->str, string->len + 1);
  explicit_bzero (string->str, string->allocated_len);
  g_free (string->str);
  string->str = str;
  string->allocated_len = allocated;
}

/**
 * email2_secure_wipe_stack:
 *
 * Overwrites 64 KiB of the calling thread's stack below the caller, where
 * libxml2 copied text while parsing (xmlParseCharData's local buffer).
 */
G_GNUC_NO_INLINE void
email2_secure_wipe_stack (void)
{
  char area[65536];

  explicit_bzero (area, sizeof area);
  /* Keeps the compiler from dropping or shrinking the frame. */
  __asm__ __volatile__ ("" : : "r" (area) : "memory");
}
