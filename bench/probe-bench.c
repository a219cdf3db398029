/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * probe-bench: the measurements of bench/probe.sh, in one process so that
 * no process start is counted.
 *
 *   probe-bench floor PROTOCOL HOST TLS_PORT CLEAR_PORT CA_FILE RUNS
 *   probe-bench sequential PROTOCOL HOST TLS_PORT CLEAR_PORT CA_FILE RUNS
 *
 * floor: RUNS rounds of the probe (both legs) and of one direct attempt
 * on the mode the probe chose (only that leg: connection, TLS, greeting
 * and capabilities), taking turns. sequential: RUNS rounds of the probe and
 * of a sequential SSL → STARTTLS → plain prober made of the same legs run
 * one after the other with the same deadlines. Prints one line:
 *   MODE PROBE_MS OTHER_MS RATIO
 * with the fastest run of each, and RATIO = probe / floor, or sequential /
 * probe.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email2.h"
#include "email2-probe-private.h"

static Email2ProbeProtocol protocol;
static const char *host;
static guint16 tls_port, clear_port;
static const char *ca_file;

typedef struct {
  gboolean done;
  Email2ProbeResult *result;
} Wait;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Wait *wait = data;
  g_autoptr(GError) error = NULL;

  wait->result = email2_probe_run_finish (EMAIL2_PROBE (source), result, &error);
  if (wait->result == NULL)
    g_error ("probe: %s", error->message);
  wait->done = TRUE;
}

/* Runs one probe with the legs given; returns its result, *ms its time. */
static Email2ProbeResult *
run (gboolean  tls,
     gboolean  clear,
     double   *ms)
{
  g_autoptr(Email2Probe) probe = email2_probe_new (protocol, host, 0, FALSE);
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, NULL };
  gint64 start, end;

  if (!email2_probe_set_ca_file (probe, ca_file, &error))
    g_error ("%s", error->message);
  email2_probe_set_default_ports (probe, tls_port, clear_port);
  email2_probe_set_legs (probe, tls, clear);
  start = g_get_monotonic_time ();
  email2_probe_run_async (probe, NULL, on_done, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  end = g_get_monotonic_time ();
  *ms = (end - start) / 1000.0;

  /* Let the losers' LOGOUT/QUIT and closes finish before the next run. */
  end = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
  return wait.result;
}

int
main (int    argc,
      char **argv)
{
  gboolean sequential;
  int runs;
  double best_probe = G_MAXDOUBLE, best_other = G_MAXDOUBLE;
  Email2ProbeSecurity mode = EMAIL2_PROBE_SECURITY_NONE;

  if (argc != 8 || (strcmp (argv[1], "floor") != 0 && strcmp (argv[1], "sequential") != 0) ||
      !email2_probe_protocol_from_string (argv[2], &protocol))
    {
      fprintf (stderr, "usage: probe-bench floor|sequential PROTOCOL HOST TLS_PORT CLEAR_PORT CA_FILE RUNS\n");
      return 2;
    }
  sequential = strcmp (argv[1], "sequential") == 0;
  host = argv[3];
  tls_port = atoi (argv[4]);
  clear_port = atoi (argv[5]);
  ca_file = argv[6];
  runs = atoi (argv[7]);

  for (int i = 0; i < runs + 1; i++)
    {
      g_autoptr(Email2ProbeResult) result = NULL;
      double probe_ms, other_ms = 0;

      result = run (TRUE, TRUE, &probe_ms);
      if (result->security == EMAIL2_PROBE_SECURITY_NONE)
        {
          fprintf (stderr, "probe-bench: the probe found no mode\n");
          return 1;
        }
      if (mode != EMAIL2_PROBE_SECURITY_NONE && mode != result->security)
        {
          fprintf (stderr, "probe-bench: the probe chose %s, then %s\n",
                   email2_probe_security_to_string (mode),
                   email2_probe_security_to_string (result->security));
          return 1;
        }
      mode = result->security;

      if (sequential)
        {
          /* SSL, then STARTTLS (and plain, on the same leg) only if SSL failed. */
          g_autoptr(Email2ProbeResult) first = run (TRUE, FALSE, &other_ms);

          if (first->security == EMAIL2_PROBE_SECURITY_NONE)
            {
              g_autoptr(Email2ProbeResult) second = NULL;
              double ms;

              second = run (FALSE, TRUE, &ms);
              other_ms += ms;
              if (second->security != mode)
                {
                  fprintf (stderr, "probe-bench: the sequential prober found another mode\n");
                  return 1;
                }
            }
        }
      else
        {
          g_autoptr(Email2ProbeResult) floor = run (mode == EMAIL2_PROBE_SECURITY_TLS,
                                                    mode != EMAIL2_PROBE_SECURITY_TLS, &other_ms);

          if (floor->security != mode)
            {
              fprintf (stderr, "probe-bench: the direct attempt failed\n");
              return 1;
            }
        }

      if (i == 0)
        continue;               /* warm-up */
      best_probe = MIN (best_probe, probe_ms);
      best_other = MIN (best_other, other_ms);
    }

  printf ("%s %.1f %.1f %.2f\n", email2_probe_security_to_string (mode), best_probe, best_other,
          sequential ? best_other / best_probe : best_probe / best_other);
  return 0;
}
