/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * decode-bench: how fast hostile payloads are read, run and answered
 * (docs/DESIGN.md §6, "Decoding"). Each shape is built in memory at about
 * 1 MiB, as XML and as WBXML, and goes the whole way a payload goes:
 * email2_payload_parse(), email2_payload_process() on an empty in-memory
 * host, email2_payload_write_response(). A refused payload is timed to its
 * refusal. Each figure is the fastest of several runs, as MB/s (10^6 bytes
 * a second) of input: "read" is email2_payload_parse() alone (WBXML
 * decoding, the hardened XML reader and the SyncML or CP reader making
 * the command list), which the targets are about; "all" adds running the
 * commands and writing the answer, whose cost is per command, not per
 * byte. The line after the table gives the slowest shape's reading
 * throughput over the fastest one's; shapes refused by a bound before the
 * document is read (one element with too many attributes: a single pass
 * over the bytes) are in the table but left out of the ratio, which they
 * would make meaningless. Last, the 131 KB WBXML document of 131,072
 * attributes on one element (issue 10) is timed alone.
 *
 * Each XML shape is also read by libxml2 alone, with the options email2
 * uses and no callbacks: the floor no reader built on
 * libxml2 can go below, measured in the same run. The "floor" column is
 * libxml2's MB/s, "/floor" email2's reading time over libxml2's. The
 * line after the ratio says how close the slowest XML shape could come
 * to the fastest shape even if email2 cost nothing on top of libxml2.
 *
 *   decode-bench [--check]
 *
 * DECODE_BENCH_ONLY=SHAPE measures one shape (both encodings), or
 * DECODE_BENCH_ONLY=xml/SHAPE or wbxml/SHAPE one shape in one encoding;
 * DECODE_BENCH_READS=N only reads each payload N times, for a profiler
 * (perf record decode-bench) to see the reading alone.
 *
 * With --check the exit status is 1 when a target is missed: every shape
 * at least 5 MB/s, the slowest at least 0.2 of the fastest, the 131 KB
 * document under 50 ms. Otherwise a missed target is reported only.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "email2-memory-host.h"
#include "email2-payload.h"
#include "email2-session.h"
#include "email2-wbxml.h"

#define TARGET_SIZE (1024 * 1024)
#define MIN_MBPS 5.0
#define MIN_RATIO 0.2
#define ATTRIBUTE_BOMB_MAX_MS 50.0

#define SYNCML_HEAD \
  "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>" \
  "<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>urn:uuid:bench</LocURI></Target>" \
  "<Source><LocURI>https://mdm.example.com/</LocURI></Source>"
#define CP_HEAD "<wap-provisioningdoc version=\"1.1\">"

typedef void (*Generate) (GString *out, guint n);

typedef struct {
  const char *name;
  Generate generate;
  gboolean wbxml;     /* also as WBXML, encoded from the XML */
  gboolean in_ratio;  /* FALSE: refused by a bound before it is read */
} Shape;

/* One element with as many attributes as fit (refused). */
static void
gen_attributes (GString *out, guint n)
{
  g_string_append (out, "<SyncML xmlns=\"SYNCML:SYNCML1.2\"");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, " a%u=\"\"", i);
  g_string_append (out, "/>");
}

/* Many elements in the header, each with as many attributes as allowed. */
static void
gen_attributes_at_bound (GString *out, guint n)
{
  g_string_append (out, SYNCML_HEAD);
  for (guint i = 0; i < n; i++)
    {
      g_string_append (out, "<x");
      for (guint a = 0; a < 31; a++)
        g_string_append_printf (out, " a%u=\"v\"", a);
      g_string_append (out, "/>");
    }
  g_string_append (out, "</SyncHdr><SyncBody><Final/></SyncBody></SyncML>");
}

/* Elements nested as deep as allowed, again and again. */
static void
gen_deep (GString *out, guint n)
{
  g_string_append (out, SYNCML_HEAD);
  for (guint i = 0; i < n; i++)
    {
      for (guint d = 0; d < 29; d++)
        g_string_append (out, "<x>");
      for (guint d = 0; d < 29; d++)
        g_string_append (out, "</x>");
    }
  g_string_append (out, "</SyncHdr><SyncBody><Final/></SyncBody></SyncML>");
}

/* One value of a whole megabyte. */
static void
gen_long_string (GString *out, guint n)
{
  g_string_append (out, SYNCML_HEAD "</SyncHdr><SyncBody><Atomic><CmdID>1</CmdID>"
                   "<Add><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2/"
                   "%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D</LocURI></Target>"
                   "<Meta><Format xmlns=\"syncml:metinf\">node</Format></Meta></Item></Add>"
                   "<Replace><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2/"
                   "%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D/NAME</LocURI></Target><Data>");
  for (guint i = 0; i < n; i++)
    g_string_append (out, "Alice &amp; Bob ");
  g_string_append (out, "</Data></Item></Replace></Atomic><Final/></SyncBody></SyncML>");
}

/* Empty elements, as many as fit. */
static void
gen_tiny_elements (GString *out, guint n)
{
  g_string_append (out, SYNCML_HEAD);
  for (guint i = 0; i < n; i++)
    g_string_append (out, "<x/>");
  g_string_append (out, "</SyncHdr><SyncBody><Final/></SyncBody></SyncML>");
}

/* Commands: one account created per Add, then a Get of the root. */
static void
gen_commands (GString *out, guint n)
{
  g_string_append (out, SYNCML_HEAD "</SyncHdr><SyncBody>");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "<Add><CmdID>%u</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2/"
                            "%%7B%08X-56C4-4EDB-9C64-D9469EE1FBE0%%7D</LocURI></Target><Meta>"
                            "<Format xmlns=\"syncml:metinf\">node</Format></Meta></Item></Add>",
                            i + 1, i);
  g_string_append_printf (out, "<Get><CmdID>%u</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2"
                          "</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>", n + 1);
}

/* CP: characteristics nested as deep as allowed, again and again. */
static void
gen_cp_deep (GString *out, guint n)
{
  g_string_append (out, CP_HEAD);
  for (guint i = 0; i < n; i++)
    {
      for (guint d = 0; d < 30; d++)
        g_string_append (out, "<characteristic type=\"X\">");
      for (guint d = 0; d < 30; d++)
        g_string_append (out, "</characteristic>");
    }
  g_string_append (out, "</wap-provisioningdoc>");
}

/* CP: one account, then many parms, each a command of the transaction. */
static void
gen_cp_parms (GString *out, guint n)
{
  g_string_append (out, CP_HEAD "<characteristic type=\"EMAIL2\">"
                   "<characteristic type=\"{D671C70B-8EE3-4881-8045-2AEE6F731B55}\">");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "<parm name=\"NAME\" value=\"%u\"/>", i);
  g_string_append (out, "</characteristic></characteristic></wap-provisioningdoc>");
}

static const Shape shapes[] = {
  { "attributes", gen_attributes, FALSE, FALSE },
  { "attributes-at-bound", gen_attributes_at_bound, TRUE, TRUE },
  { "deep", gen_deep, TRUE, TRUE },
  { "long-string", gen_long_string, TRUE, TRUE },
  { "tiny-elements", gen_tiny_elements, TRUE, TRUE },
  { "commands", gen_commands, TRUE, TRUE },
  { "cp-deep", gen_cp_deep, TRUE, TRUE },
  { "cp-parms", gen_cp_parms, TRUE, TRUE },
};

/* The WBXML of a CP document whose root has @n attributes (refused). */
static GBytes *
wbxml_attributes (gsize n)
{
  GString *out = g_string_new_len ("\x03\x0b\x6a\x00\xc5", 5);

  for (gsize i = 0; i < n; i++)
    g_string_append_c (out, 0x46);        /* version="1.0" */
  g_string_append_len (out, "\x01\x01", 2);

  return g_string_free_to_bytes (out);
}

static GBytes *
make_xml (const Shape *shape, guint n)
{
  GString *out = g_string_new (NULL);

  shape->generate (out, n);
  return g_string_free_to_bytes (out);
}

static GBytes *
to_wbxml (GBytes *xml)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  char *wbxml = email2_wbxml_from_xml (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml),
                                       0x02, &length, &error);

  if (wbxml == NULL)
    {
      g_printerr ("decode-bench: cannot encode as WBXML: %s\n", error->message);
      return NULL;
    }
  return g_bytes_new_take (wbxml, length);
}

/* The shape at about TARGET_SIZE bytes: n scaled from a small sample. */
static GBytes *
make_payload (const Shape *shape, gboolean wbxml)
{
  g_autoptr(GBytes) sample = make_xml (shape, 1000);
  g_autoptr(GBytes) sample_wbxml = wbxml ? to_wbxml (sample) : NULL;
  gsize sample_size = g_bytes_get_size (wbxml ? sample_wbxml : sample);
  guint n;
  g_autoptr(GBytes) xml = NULL;

  if (wbxml && sample_wbxml == NULL)
    return NULL;

  n = (guint) (1000.0 * TARGET_SIZE / sample_size);
  xml = make_xml (shape, n);

  return wbxml ? to_wbxml (xml) : g_steal_pointer (&xml);
}

/* Reads @payload once, then runs and answers it: the seconds the reading
 * took, and in @whole the seconds of all three. */
static double
run_once (GBytes *payload, double *whole, char **verdict)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) parsed = NULL;
  g_autofree char *answer = NULL;
  gint64 start = g_get_monotonic_time ();
  gsize length = 0;
  gint64 read, end;

  parsed = email2_payload_parse (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                                 EMAIL2_FORMAT_AUTO, &error);
  read = g_get_monotonic_time ();
  if (parsed != NULL)
    {
      email2_payload_process (parsed, session);
      answer = email2_payload_write_response (parsed, &length, &error);
    }
  end = g_get_monotonic_time ();

  g_free (*verdict);
  if (error != NULL)
    *verdict = g_strdup_printf ("refused: %s", error->message);
  else
    *verdict = g_strdup_printf ("answered: %u statuses", email2_payload_get_statuses (parsed)->len);

  *whole = (end - start) / 1e6;
  return (read - start) / 1e6;
}

/* The fastest of at least three runs and at least half a second. */
static double
measure (GBytes *payload, double *whole, char **verdict)
{
  double best = G_MAXDOUBLE, total = 0;
  guint reads = (guint) g_ascii_strtoull (g_getenv ("DECODE_BENCH_READS") ?: "0", NULL, 10);

  for (guint i = 0; i < reads; i++)
    {
      g_autoptr(Email2Payload) parsed = email2_payload_parse (g_bytes_get_data (payload, NULL),
                                                              g_bytes_get_size (payload),
                                                              EMAIL2_FORMAT_AUTO, NULL);
    }

  *whole = G_MAXDOUBLE;
  for (guint run = 0; run < 3 || (total < 0.5 && run < 50); run++)
    {
      double all;
      double seconds = run_once (payload, &all, verdict);

      best = MIN (best, seconds);
      *whole = MIN (*whole, all);
      total += all;
    }

  return best;
}

/* libxml2 alone on @payload, as src/email2-xml.c calls it but with no
 * callbacks: the fastest of as many runs as measure() makes, in
 * seconds. */
static double
measure_floor (GBytes *payload)
{
  xmlSAXHandler sax = { 0, };
  double best = G_MAXDOUBLE, total = 0;

  sax.initialized = XML_SAX2_MAGIC;

  for (guint run = 0; run < 3 || (total < 0.5 && run < 50); run++)
    {
      gint64 start = g_get_monotonic_time ();
      xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt (g_bytes_get_data (payload, NULL),
                                                         (int) g_bytes_get_size (payload));
      double seconds;

      memcpy (ctxt->sax, &sax, sizeof sax);
      xmlCtxtUseOptions (ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
      xmlParseDocument (ctxt);
      xmlFreeParserCtxt (ctxt);
      seconds = (g_get_monotonic_time () - start) / 1e6;
      best = MIN (best, seconds);
      total += seconds;
    }

  return best;
}

/* The slowest and the fastest shape so far, and the slowest XML shape
 * as libxml2 alone reads it. */
typedef struct {
  double worst, best, worst_floor;
  const char *worst_name, *best_name, *worst_floor_name;
} Extremes;

/* One line of the table; @in_ratio: whether the shape counts for the
 * slowest-to-fastest ratio. */
static void
report (const char *name, const char *encoding, GBytes *payload, gboolean in_ratio,
        Extremes *extremes)
{
  g_autofree char *verdict = NULL;
  double whole;
  double seconds = measure (payload, &whole, &verdict);
  double mbps = g_bytes_get_size (payload) / seconds / 1e6;
  gboolean xml = strcmp (encoding, "xml") == 0;
  double floor_seconds = xml && in_ratio ? measure_floor (payload) : 0;
  double floor_mbps = xml && in_ratio ? g_bytes_get_size (payload) / floor_seconds / 1e6 : 0;
  static char names[64][64];
  static guint n_names;
  char *label = names[n_names++ % G_N_ELEMENTS (names)];
  char floor_columns[32] = "       -       -";

  g_snprintf (label, 64, "%s/%s", encoding, name);
  if (floor_mbps > 0)
    g_snprintf (floor_columns, sizeof floor_columns, "%8.1f %7.2f", floor_mbps,
                seconds / floor_seconds);
  printf ("%-26s %8zu %8.2f %8.1f %s %8.2f %8.1f  %s\n", label, g_bytes_get_size (payload),
          seconds * 1000, mbps, floor_columns, whole * 1000,
          g_bytes_get_size (payload) / whole / 1e6, verdict);

  if (mbps < extremes->worst)
    {
      extremes->worst = mbps;
      extremes->worst_name = label;
    }
  if (in_ratio && mbps > extremes->best)
    {
      extremes->best = mbps;
      extremes->best_name = label;
    }
  if (floor_mbps > 0 && floor_mbps < extremes->worst_floor)
    {
      extremes->worst_floor = floor_mbps;
      extremes->worst_floor_name = label;
    }
}

/* Whether DECODE_BENCH_ONLY (@only) asks for @name in @encoding. */
static gboolean
wanted (const char *only, const char *encoding, const char *name)
{
  g_autofree char *label = g_strdup_printf ("%s/%s", encoding, name);

  return only == NULL || strcmp (only, name) == 0 || strcmp (only, label) == 0;
}

int
main (int argc, char **argv)
{
  gboolean check = argc > 1 && strcmp (argv[1], "--check") == 0;
  Extremes extremes = { G_MAXDOUBLE, 0, G_MAXDOUBLE, };
  g_autoptr(GBytes) bomb = NULL;
  g_autofree char *verdict = NULL;
  double bomb_ms, whole;
  gboolean met;
  const char *only = NULL;

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (g_getenv ("DECODE_BENCH_ONLY") != NULL)
    only = g_getenv ("DECODE_BENCH_ONLY");

  /* The library logs refusals at debug level only; keep the table clean. */
  g_log_set_writer_func (g_log_writer_default, NULL, NULL);

  printf ("%-26s %8s %8s %8s %8s %7s %8s %8s  %s\n", "shape", "bytes", "read ms", "MB/s",
          "floor", "/floor", "all ms", "MB/s", "verdict");
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(GBytes) xml = NULL;

      if (!wanted (only, "xml", shapes[i].name))
        continue;
      xml = make_payload (&shapes[i], FALSE);

      report (shapes[i].name, "xml", xml, shapes[i].in_ratio, &extremes);
    }

  if (email2_wbxml_is_available ())
    {
      g_autoptr(GBytes) attributes = wbxml_attributes (TARGET_SIZE);

      if (wanted (only, "wbxml", "attributes"))
        report ("attributes", "wbxml", attributes, FALSE, &extremes);
      for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
        {
          g_autoptr(GBytes) wbxml = NULL;

          if (!wanted (only, "wbxml", shapes[i].name))
            continue;
          wbxml = shapes[i].wbxml ? make_payload (&shapes[i], TRUE) : NULL;

          if (wbxml != NULL)
            report (shapes[i].name, "wbxml", wbxml, shapes[i].in_ratio, &extremes);
        }
    }

  printf ("slowest %s %.1f MB/s, fastest %s %.1f MB/s, ratio %.3f (target >= %.1f; every "
          "shape >= %.0f MB/s)\n", extremes.worst_name, extremes.worst, extremes.best_name,
          extremes.best, extremes.worst / extremes.best, MIN_RATIO, MIN_MBPS);
  if (extremes.worst_floor_name != NULL)
    printf ("libxml2 alone reads %s at %.1f MB/s: no reader on libxml2 gets that shape above "
            "%.3f of the fastest\n", extremes.worst_floor_name, extremes.worst_floor,
            extremes.worst_floor / extremes.best);
  met = extremes.worst >= MIN_MBPS && extremes.worst / extremes.best >= MIN_RATIO;

  if (email2_wbxml_is_available ())
    {
      bomb = wbxml_attributes (131072);
      bomb_ms = measure (bomb, &whole, &verdict) * 1000;
      printf ("131 KB WBXML, 131072 attributes on one element: %.2f ms (target < %.0f ms), %s\n",
              bomb_ms, ATTRIBUTE_BOMB_MAX_MS, verdict);
      met &= bomb_ms < ATTRIBUTE_BOMB_MAX_MS;
    }

  printf ("decode targets %s\n", met ? "met" : "MISSED");

  return check && !met ? 1 : 0;
}
