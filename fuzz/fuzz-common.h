/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What every fuzz target shares: GLib warnings and criticals are fatal (a
 * g_return_if_fail() reached from input is a bug), and an input that takes
 * more than FUZZ_MS_PER_KB milliseconds of CPU per KiB (at least one KiB;
 * the CPU time of the calling thread alone, not of libFuzzer's or the
 * sanitizer's own threads)
 * aborts like a crash: reading must be linear (docs/DESIGN.md §5.1).
 */

#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <glib.h>

#define FUZZ_MS_PER_KB 50

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static inline double
fuzz_cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

static inline void
fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

static inline void
fuzz_check_time (double start_ms, size_t size)
{
  double allowed = FUZZ_MS_PER_KB * MAX (1.0, size / 1024.0);
  double took = fuzz_cpu_ms () - start_ms;

  if (took > allowed)
    {
      fprintf (stderr, "fuzz: %zu bytes took %.1f ms of CPU, more than %.1f ms (%d ms per KiB)\n",
               size, took, allowed, FUZZ_MS_PER_KB);
      abort ();
    }
}
