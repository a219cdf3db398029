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
#define FUZZ_RETRIES 2

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

/* How long one run of @data takes, in milliseconds of CPU. */
static double
time_one (const uint8_t *data,
          size_t         size)
{
  double start = cpu_ms ();

  fuzz_one (data, size);
  return cpu_ms () - start;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  double allowed = FUZZ_MS_PER_KB * MAX (1.0, size / 1024.0);
  double took = time_one (data, size);

  /* One run can be slow for reasons the input does not control: on a
   * loaded virtual machine the thread's CPU clock also runs while the
   * host keeps the CPU from it, and the sanitizer's allocator recycles its
   * quarantine inside whichever call fills it. A slow input is slow every
   * time, so a slow run is measured twice more and the fastest counts. */
  for (guint again = 0; again < FUZZ_RETRIES && took > allowed; again++)
    took = MIN (took, time_one (data, size));

  if (took > allowed)
    {
      fprintf (stderr, "fuzz: %zu bytes took %.1f ms of CPU at best of %d runs, more than %.1f ms (%d ms per KiB)\n",
               size, took, FUZZ_RETRIES + 1, allowed, FUZZ_MS_PER_KB);
      abort ();
    }
  return 0;
}
