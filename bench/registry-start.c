/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * registry-start: times one start of evolution-source-registry for the
 * start-up benchmark (bench/apply.sh).
 *
 *   registry-start REGISTRY N LOG
 *
 * Starts REGISTRY (with this process's environment, so EDS_REGISTRY_MODULES
 * decides whether email2's module is loaded), its output appended to LOG,
 * and asks its SourceManager for its objects (GetManagedObjects, never
 * starting a registry by D-Bus activation) until N sources whose UID starts
 * with `email2-` are listed. Prints the nanoseconds from the start to that
 * answer, then stops the registry (SIGTERM) and waits for it to exit.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#define SOURCE_INTERFACE "org.gnome.evolution.dataserver.Source"
#define POLL_MICROSECONDS 1000
#define DEADLINE_SECONDS 60

/* The number of exported sources whose UID starts with email2-. */
static guint
count_sources (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) objects = NULL;
  GVariantIter *interfaces;
  const char *path;
  guint count = 0;

  reply = g_dbus_connection_call_sync (bus, "org.gnome.evolution.dataserver.Sources5",
                                       "/org/gnome/evolution/dataserver/SourceManager",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL);
  if (reply == NULL)
    return 0;

  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&oa{sa{sv}}}", &path, &interfaces))
    {
      const char *name;
      GVariant *properties;

      while (g_variant_iter_next (interfaces, "{&s@a{sv}}", &name, &properties))
        {
          const char *uid = NULL;

          if (g_str_equal (name, SOURCE_INTERFACE) &&
              g_variant_lookup (properties, "UID", "&s", &uid) && g_str_has_prefix (uid, "email2-"))
            count++;
          g_variant_unref (properties);
        }
      g_variant_iter_free (interfaces);
    }

  return count;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  gint64 start, end, deadline;
  guint wanted;
  pid_t pid;
  int status = 0;

  if (argc != 4)
    {
      g_printerr ("usage: registry-start REGISTRY N LOG\n");
      return 2;
    }
  wanted = (guint) g_ascii_strtoull (argv[2], NULL, 10);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      g_printerr ("registry-start: %s\n", error->message);
      return 1;
    }

  start = g_get_monotonic_time ();
  pid = fork ();
  if (pid == 0)
    {
      int log = open (argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

      if (log >= 0)
        {
          dup2 (log, STDOUT_FILENO);
          dup2 (log, STDERR_FILENO);
        }
      execl (argv[1], argv[1], (char *) NULL);
      _exit (127);
    }
  if (pid < 0)
    {
      g_printerr ("registry-start: cannot fork\n");
      return 1;
    }

  deadline = start + DEADLINE_SECONDS * G_USEC_PER_SEC;
  while (count_sources (bus) < wanted)
    {
      if (g_get_monotonic_time () > deadline || waitpid (pid, &status, WNOHANG) == pid)
        {
          g_printerr ("registry-start: the registry did not list %u sources\n", wanted);
          kill (pid, SIGTERM);
          return 1;
        }
      g_usleep (POLL_MICROSECONDS);
    }
  end = g_get_monotonic_time ();

  kill (pid, SIGTERM);
  waitpid (pid, &status, 0);

  g_print ("%" G_GINT64_FORMAT "\n", (end - start) * 1000);
  return 0;
}
