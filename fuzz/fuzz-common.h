/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * What every fuzz target shares. Each target defines fuzz_one();
 * fuzz-common.c defines libFuzzer's entry points around it: GLib warnings
 * and criticals are fatal (a g_return_if_fail() reached from input is a
 * bug), and an input that takes more than 50 ms of CPU per KiB (at least
 * one KiB; the CPU time of the calling thread alone, not of libFuzzer's
 * or the sanitizer's own threads; the fastest of three runs when the
 * first is slow) aborts like a crash: reading must be linear
 * (docs/DESIGN.md §5.1).
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* One input, run by fuzz-common.c's LLVMFuzzerTestOneInput() under the
 * time rule; each target defines it. */
void fuzz_one (const uint8_t *data,
               size_t         size);

/* libFuzzer's entry points, defined once in fuzz-common.c. */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);
