/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * gen-payload: writes a large SyncML DM 1.2 EMAIL2 payload to standard
 * output, for the readers benchmark (bench/validate.sh).
 *
 *   gen-payload [N]
 *
 * The message holds N accounts (default 1000) in one Atomic, each in
 * Microsoft's shape: an Add of the account node (Format node, Type
 * text/plain), then one Replace per leaf (Format chr, Type text/plain). Every
 * account sets the eight required leaves and eight optional ones. Even
 * accounts are IMAP4, odd ones POP3. The GUIDs come from the account's index
 * and are always the same; every CmdID is distinct. Every command in the
 * message should succeed on an empty host.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#define DEFAULT_ACCOUNTS 1000
#define MAX_ACCOUNTS 100000

#define ROOT "./Vendor/MSFT/EMAIL2"

/* splitmix64: a small, well-mixed function of the index, so that the
 * GUIDs look like random ones but never change from run to run. */
static guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

/* A version-4-shaped GUID in upper case, without braces. The low 32 bits
 * of the last group hold the index itself, so no two accounts share one. */
static void
format_guid (char    *out,
             gsize    size,
             guint32  index)
{
  guint64 a = splitmix64 (2 * (guint64) index);
  guint64 b = splitmix64 (2 * (guint64) index + 1);

  g_snprintf (out, size, "%08X-%04X-4%03X-%04X-%04X%08X",
              (guint32) (a >> 32),
              (guint32) (a >> 16) & 0xFFFF,
              (guint32) a & 0x0FFF,
              (guint32) ((b >> 48) & 0x3FFF) | 0x8000,
              (guint32) (b >> 32) & 0xFFFF,
              index);
}

static void
write_leaf (FILE       *out,
            guint64    *cmd_id,
            const char *account_uri,
            const char *node,
            const char *value)
{
  fprintf (out,
           "      <Replace>\n"
           "        <CmdID>%" G_GUINT64_FORMAT "</CmdID>\n"
           "        <Item>\n"
           "          <Target><LocURI>%s/%s</LocURI></Target>\n"
           "          <Meta><Format xmlns=\"syncml:metinf\">chr</Format>"
           "<Type xmlns=\"syncml:metinf\">text/plain</Type></Meta>\n"
           "          <Data>%s</Data>\n"
           "        </Item>\n"
           "      </Replace>\n",
           (*cmd_id)++, account_uri, node, value);
}

static void
write_account (FILE    *out,
               guint64 *cmd_id,
               guint32  index)
{
  static const char *const lingers[] = { "0", "15", "30", "60", "120" };
  static const char *const dwndays[] = { "-1", "7", "14", "30", "90" };
  static const char *const retrieves[] = { "512", "1024", "2048", "5120", "20480", "51200" };
  gboolean imap = index % 2 == 0;
  char guid[40];
  char uri[96];
  char text[128];

  format_guid (guid, sizeof guid, index);
  g_snprintf (uri, sizeof uri, ROOT "/%%7B%s%%7D", guid);

  fprintf (out,
           "      <Add>\n"
           "        <CmdID>%" G_GUINT64_FORMAT "</CmdID>\n"
           "        <Item>\n"
           "          <Target><LocURI>%s</LocURI></Target>\n"
           "          <Meta><Format xmlns=\"syncml:metinf\">node</Format>"
           "<Type xmlns=\"syncml:metinf\">text/plain</Type></Meta>\n"
           "        </Item>\n"
           "      </Add>\n",
           (*cmd_id)++, uri);

  /* The eight required leaves. */
  g_snprintf (text, sizeof text, "Bench mail %06u", index);
  write_leaf (out, cmd_id, uri, "SERVICENAME", text);
  write_leaf (out, cmd_id, uri, "SERVICETYPE", imap ? "IMAP4" : "POP3");
  write_leaf (out, cmd_id, uri, "ACCOUNTTYPE", "Email");
  g_snprintf (text, sizeof text, "%s%u.mail.example.com:%s",
              imap ? "imap" : "pop", index % 97, imap ? "993" : "995");
  write_leaf (out, cmd_id, uri, "INSERVER", text);
  g_snprintf (text, sizeof text, "smtp%u.mail.example.com:587", index % 97);
  write_leaf (out, cmd_id, uri, "OUTSERVER", text);
  g_snprintf (text, sizeof text, "user%06u", index);
  write_leaf (out, cmd_id, uri, "AUTHNAME", text);
  g_snprintf (text, sizeof text, "user%06u@mail.example.com", index);
  write_leaf (out, cmd_id, uri, "REPLYADDR", text);
  write_leaf (out, cmd_id, uri, "SYNCINGCONTENTTYPES", "0x2");

  /* Optional ones, with values that vary over each node's choices. */
  g_snprintf (text, sizeof text, "pw-%08X&amp;%u", (guint32) splitmix64 (~(guint64) index), index);
  write_leaf (out, cmd_id, uri, "AUTHSECRET", text);
  write_leaf (out, cmd_id, uri, "AUTHREQUIRED", "1");
  g_snprintf (text, sizeof text, "Bench User %06u", index);
  write_leaf (out, cmd_id, uri, "NAME", text);
  write_leaf (out, cmd_id, uri, "LINGER", lingers[index % G_N_ELEMENTS (lingers)]);
  write_leaf (out, cmd_id, uri, "DWNDAY", dwndays[index % G_N_ELEMENTS (dwndays)]);
  write_leaf (out, cmd_id, uri, "RETRIEVE", retrieves[index % G_N_ELEMENTS (retrieves)]);
  write_leaf (out, cmd_id, uri, "TAGPROPS/8128000B", "1");
  write_leaf (out, cmd_id, uri, "TAGPROPS/812C000B", index % 3 == 0 ? "0" : "1");
}

int
main (int    argc,
      char **argv)
{
  guint64 accounts = DEFAULT_ACCOUNTS;
  guint64 cmd_id = 1;
  FILE *out = stdout;

  if (argc > 2 || (argc == 2 && (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0)))
    {
      fprintf (argc > 2 ? stderr : stdout,
               "Usage: gen-payload [N]\n"
               "Writes a SyncML DM 1.2 message creating N EMAIL2 accounts (default %d)\n"
               "in one Atomic to standard output.\n", DEFAULT_ACCOUNTS);
      return argc > 2 ? 2 : 0;
    }

  if (argc == 2)
    {
      g_autoptr(GError) error = NULL;

      if (!g_ascii_string_to_unsigned (argv[1], 10, 1, MAX_ACCOUNTS, &accounts, &error))
        {
          fprintf (stderr, "gen-payload: %s\n", error->message);
          return 2;
        }
    }

  /* Output is large: buffer it in big blocks. */
  setvbuf (out, NULL, _IOFBF, 1 << 16);

  fputs ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
  fprintf (out, "<!-- Benchmark payload: %" G_GUINT64_FORMAT " EMAIL2 accounts in one Atomic,"
           " written by bench/gen-payload. -->\n", accounts);
  fputs ("<SyncML xmlns=\"SYNCML:SYNCML1.2\">\n"
         "  <SyncHdr>\n"
         "    <VerDTD>1.2</VerDTD>\n"
         "    <VerProto>DM/1.2</VerProto>\n"
         "    <SessionID>1</SessionID>\n"
         "    <MsgID>1</MsgID>\n"
         "    <Target><LocURI>urn:uuid:5c9e0f2a-0d4b-4f7e-9a61-2b8f3c1d7e40</LocURI></Target>\n"
         "    <Source><LocURI>https://mdm.example.com/omadm</LocURI></Source>\n"
         "  </SyncHdr>\n"
         "  <SyncBody>\n"
         "    <Atomic>\n", out);
  fprintf (out, "      <CmdID>%" G_GUINT64_FORMAT "</CmdID>\n", cmd_id++);

  for (guint32 i = 0; i < accounts; i++)
    write_account (out, &cmd_id, i);

  fputs ("    </Atomic>\n"
         "    <Final/>\n"
         "  </SyncBody>\n"
         "</SyncML>\n", out);

  if (fflush (out) != 0 || ferror (out))
    {
      fprintf (stderr, "gen-payload: cannot write the payload: %s\n", g_strerror (errno));
      return 1;
    }

  return 0;
}
