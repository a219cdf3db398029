/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * libFuzzer's entry points for every target (fuzz-common.h): the target's
 * fuzz_one() under fatal warnings and the time rule.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fuzz-common.h"

#define FUZZ_MS_PER_KB 50

/* The CPU time of the calling thread, in milliseconds. */
static double
cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  double start = cpu_ms ();
  double allowed = FUZZ_MS_PER_KB * MAX (1.0, size / 1024.0);
  double took;

  fuzz_one (data, size);
  took = cpu_ms () - start;
  if (took > allowed)
    {
      fprintf (stderr, "fuzz: %zu bytes took %.1f ms of CPU, more than %.1f ms (%d ms per KiB)\n",
               size, took, allowed, FUZZ_MS_PER_KB);
      abort ();
    }
  return 0;
}
