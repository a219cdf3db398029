/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Runs a fuzz target over files without libFuzzer (the normal builds):
 * each argument is a file or a directory of files, each file one input.
 * The meson tests run every target over its seed corpus and its
 * regressions (fuzz/corpus/TARGET, fuzz/regressions/TARGET) this way.
 */

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz-common.h"

static guint runs;

static void
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  runs++;
}

static void
run_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      run_file (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (name[0] != '.' && g_file_test (child, G_FILE_TEST_IS_REGULAR))
        run_file (child);
    }
}

int
main (int    argc,
      char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    run_path (argv[i]);
  g_print ("%u inputs\n", runs);

  return 0;
}
