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
 *    thread: the stack below the caller is overwritten after parsing;
 *  - glibc's string functions (strlen, memcpy, memchr…) leave the last
 *    bytes they scanned in vector registers, which a core keeps for every
 *    thread (NT_X86_XSTATE): on AVX-512 machines glibc uses zmm16–zmm31,
 *    which nothing else touches, so a payload's 64 bytes stay there until
 *    the thread ends. The worker clears them, and its stack, after every
 *    call (email2_secure_wipe_thread()).
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

#if defined(__x86_64__)
/* Zeroing instructions, four registers at a time. */
#define SSE_ZERO(r) "pxor %%" r ", %%" r "\n\t"
#define EVEX_ZERO(r) "vpxord %%" r ", %%" r ", %%" r "\n\t"
#define ZERO4(op, a, b, c, d) op (a) op (b) op (c) op (d)
#endif

/**
 * email2_secure_wipe_registers:
 *
 * Zeroes the calling thread's vector registers, where glibc's string
 * functions leave the last bytes they read or copied: all 32 of AVX-512
 * (zmm16–zmm31 are used by glibc's EVEX functions and by nothing the
 * compiler emits here, so they keep a payload's bytes indefinitely), the
 * 16 of AVX or SSE, or the 32 NEON/SVE registers on 64-bit ARM. Other
 * architectures: nothing is done.
 */
G_GNUC_NO_INLINE void
email2_secure_wipe_registers (void)
{
#if defined(__x86_64__)
  static gsize known = 0;
  static int level;          /* 0 SSE2, 1 AVX, 2 AVX-512F */

  if (g_once_init_enter (&known))
    {
      __builtin_cpu_init ();
      level = __builtin_cpu_supports ("avx512f") ? 2 : __builtin_cpu_supports ("avx") ? 1 : 0;
      g_once_init_leave (&known, 1);
    }

  if (level == 0)
    __asm__ __volatile__ (ZERO4 (SSE_ZERO, "xmm0", "xmm1", "xmm2", "xmm3")
                          ZERO4 (SSE_ZERO, "xmm4", "xmm5", "xmm6", "xmm7")
                          ZERO4 (SSE_ZERO, "xmm8", "xmm9", "xmm10", "xmm11")
                          ZERO4 (SSE_ZERO, "xmm12", "xmm13", "xmm14", "xmm15")
                          : : : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
                            "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
                            "xmm14", "xmm15", "memory");
  else
    /* All bits of ymm0–15 (zmm0–15 on AVX-512). */
    __asm__ __volatile__ ("vzeroall" : : : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                          "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
                          "xmm13", "xmm14", "xmm15", "memory");
  if (level == 2)
    /* The compiler never uses them without -mavx512f: nothing to clobber. */
    __asm__ __volatile__ (ZERO4 (EVEX_ZERO, "zmm16", "zmm17", "zmm18", "zmm19")
                          ZERO4 (EVEX_ZERO, "zmm20", "zmm21", "zmm22", "zmm23")
                          ZERO4 (EVEX_ZERO, "zmm24", "zmm25", "zmm26", "zmm27")
                          ZERO4 (EVEX_ZERO, "zmm28", "zmm29", "zmm30", "zmm31")
                          : : : "memory");
#elif defined(__aarch64__)
  /* Writing a V register zeroes the rest of its SVE Z register. */
  __asm__ __volatile__ ("movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\t"
                        "movi v3.16b, #0\n\tmovi v4.16b, #0\n\tmovi v5.16b, #0\n\t"
                        "movi v6.16b, #0\n\tmovi v7.16b, #0\n\tmovi v8.16b, #0\n\t"
                        "movi v9.16b, #0\n\tmovi v10.16b, #0\n\tmovi v11.16b, #0\n\t"
                        "movi v12.16b, #0\n\tmovi v13.16b, #0\n\tmovi v14.16b, #0\n\t"
                        "movi v15.16b, #0\n\tmovi v16.16b, #0\n\tmovi v17.16b, #0\n\t"
                        "movi v18.16b, #0\n\tmovi v19.16b, #0\n\tmovi v20.16b, #0\n\t"
                        "movi v21.16b, #0\n\tmovi v22.16b, #0\n\tmovi v23.16b, #0\n\t"
                        "movi v24.16b, #0\n\tmovi v25.16b, #0\n\tmovi v26.16b, #0\n\t"
                        "movi v27.16b, #0\n\tmovi v28.16b, #0\n\tmovi v29.16b, #0\n\t"
                        "movi v30.16b, #0\n\tmovi v31.16b, #0"
                        : : : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9",
                          "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18",
                          "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27",
                          "v28", "v29", "v30", "v31", "memory");
#endif
}

/**
 * email2_secure_wipe_thread:
 *
 * What a thread that handled a payload does when it is done with it:
 * overwrites the stack below the caller (email2_secure_wipe_stack()), then
 * its vector registers (email2_secure_wipe_registers()), so that a core
 * taken while it waits for the next call holds no byte of the payload.
 */
void
email2_secure_wipe_thread (void)
{
  email2_secure_wipe_stack ();
  email2_secure_wipe_registers ();
}
