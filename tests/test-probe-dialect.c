/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The probe's dialects without a network: each row gives a protocol, what
 * the leg waits for, the server's lines, what each line must mean, and the
 * capabilities, mechanisms, PREAUTH or error that must come out.
 */

#include "config.h"

#include <string.h>

#include "email2.h"
#include "email2-probe-dialect-private.h"

#define MORE EMAIL2_PROBE_VERDICT_MORE
#define GREETED EMAIL2_PROBE_VERDICT_GREETED
#define CAPS EMAIL2_PROBE_VERDICT_CAPABILITIES
#define TLS_OK EMAIL2_PROBE_VERDICT_STARTTLS
#define TLS_NO EMAIL2_PROBE_VERDICT_STARTTLS_REFUSED
#define FAILED EMAIL2_PROBE_VERDICT_FAILED

#define IMAP EMAIL2_PROBE_PROTOCOL_IMAP
#define POP3 EMAIL2_PROBE_PROTOCOL_POP3
#define SMTP EMAIL2_PROBE_PROTOCOL_SMTP

#define GREETING EMAIL2_PROBE_STEP_GREETING
#define CAPABILITIES EMAIL2_PROBE_STEP_CAPABILITIES
#define STARTTLS EMAIL2_PROBE_STEP_STARTTLS

typedef struct {
  const char *name;
  Email2ProbeProtocol protocol;
  Email2ProbeStep step;
  const char *tag;
  gboolean require_tls;
  gboolean tls_active;
  const char *lines[8];
  Email2ProbeVerdict verdicts[8];
  const char *caps;          /* the capabilities after the last line, joined by '|'; NULL: not checked */
  const char *mechanisms;    /* likewise */
  gboolean starttls;         /* whether the capabilities offer STARTTLS */
  gboolean preauth;
  int error_code;            /* for FAILED */
  const char *error_text;
} LineCase;

static const LineCase cases[] = {
  /* IMAP greetings */
  { "imap-ok", IMAP, GREETING, NULL, FALSE, FALSE, { "* OK Dovecot ready." }, { GREETED }, "" },
  { "imap-ok-caps", IMAP, GREETING, NULL, FALSE, FALSE,
    { "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN auth=login] ready" }, { CAPS },
    "IMAP4rev1|STARTTLS|AUTH=PLAIN|auth=login", "PLAIN|LOGIN", TRUE },
  { "imap-ok-lowercase", IMAP, GREETING, NULL, FALSE, FALSE, { "* ok hi" }, { GREETED } },
  { "imap-preauth", IMAP, GREETING, NULL, FALSE, FALSE, { "* PREAUTH logged in" }, { GREETED },
    NULL, NULL, FALSE, TRUE },
  { "imap-preauth-required", IMAP, GREETING, NULL, TRUE, FALSE, { "* PREAUTH logged in" }, { FAILED },
    NULL, NULL, FALSE, TRUE, EMAIL2_ERROR_INSECURE, "PREAUTH" },
  { "imap-preauth-over-tls", IMAP, GREETING, NULL, TRUE, TRUE, { "* PREAUTH" }, { GREETED },
    NULL, NULL, FALSE, FALSE },
  { "imap-bye", IMAP, GREETING, NULL, FALSE, FALSE, { "* BYE too busy" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_NETWORK, "BYE" },
  { "imap-not-imap", IMAP, GREETING, NULL, FALSE, FALSE, { "+OK POP3 ready" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "IMAP server" },
  { "imap-okay-is-not-ok", IMAP, GREETING, NULL, FALSE, FALSE, { "* OKAY" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "IMAP server" },
  { "imap-capability-unclosed", IMAP, GREETING, NULL, FALSE, FALSE, { "* OK [CAPABILITY IMAP4rev1" },
    { GREETED }, "" },
  /* IMAP CAPABILITY */
  { "imap-capability", IMAP, CAPABILITIES, "C1", FALSE, FALSE,
    { "* CAPABILITY IMAP4rev1  LOGINDISABLED STARTTLS", "C1 OK done" }, { MORE, CAPS },
    "IMAP4rev1|LOGINDISABLED|STARTTLS", "", TRUE },
  { "imap-capability-untagged-noise", IMAP, CAPABILITIES, "C1", FALSE, FALSE,
    { "* OK [ALERT] visit evil.example", "* 3 EXISTS", "* CAPABILITY IMAP4rev1 AUTH=XOAUTH2",
      "C1 OK" }, { MORE, MORE, MORE, CAPS }, "IMAP4rev1|AUTH=XOAUTH2", "XOAUTH2" },
  { "imap-capability-last-wins", IMAP, CAPABILITIES, "C1", FALSE, FALSE,
    { "* CAPABILITY A B", "* CAPABILITY C", "C1 OK" }, { MORE, MORE, CAPS }, "C" },
  { "imap-capability-no", IMAP, CAPABILITIES, "C1", FALSE, FALSE, { "C1 NO" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "CAPABILITY" },
  { "imap-wrong-tag", IMAP, CAPABILITIES, "C1", FALSE, FALSE, { "C2 OK" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "unexpected IMAP response" },
  { "imap-tag-prefix", IMAP, CAPABILITIES, "C1", FALSE, FALSE, { "C10 OK" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "unexpected" },
  { "imap-starttls-text-is-no-offer", IMAP, CAPABILITIES, "C1", FALSE, FALSE,
    { "* CAPABILITY IMAP4rev1 X-NO-STARTTLS", "C1 OK STARTTLS" }, { MORE, CAPS },
    "IMAP4rev1|X-NO-STARTTLS", "", FALSE },
  { "imap-capability-control-chars", IMAP, CAPABILITIES, "C1", FALSE, FALSE,
    { "* CAPABILITY A\tB \x7f C", "C1 OK" }, { MORE, CAPS }, "C" },
  /* IMAP STARTTLS */
  { "imap-starttls-ok", IMAP, STARTTLS, "S1", FALSE, FALSE, { "S1 OK begin" }, { TLS_OK } },
  { "imap-starttls-no", IMAP, STARTTLS, "S1", FALSE, FALSE, { "* OK x", "S1 NO" }, { MORE, TLS_NO } },
  { "imap-starttls-bad", IMAP, STARTTLS, "S1", FALSE, FALSE, { "S1 BAD" }, { TLS_NO } },
  /* POP3 */
  { "pop3-ok", POP3, GREETING, NULL, FALSE, FALSE, { "+OK Dovecot ready." }, { GREETED } },
  { "pop3-err", POP3, GREETING, NULL, FALSE, FALSE, { "-ERR go away" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_NETWORK, "-ERR" },
  { "pop3-not-pop3", POP3, GREETING, NULL, FALSE, FALSE, { "220 smtp" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "POP3 server" },
  { "pop3-capa", POP3, CAPABILITIES, NULL, FALSE, FALSE,
    { "+OK", "USER", "SASL PLAIN login", "STLS", "..X-DOT", "." }, { MORE, MORE, MORE, MORE, MORE, CAPS },
    "USER|SASL PLAIN login|STLS|.X-DOT", "PLAIN|LOGIN", TRUE },
  { "pop3-capa-err", POP3, CAPABILITIES, NULL, FALSE, FALSE, { "-ERR no CAPA" }, { CAPS }, "", "", FALSE },
  { "pop3-capa-garbage", POP3, CAPABILITIES, NULL, FALSE, FALSE, { "hello" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "CAPA" },
  { "pop3-stls-word-only", POP3, CAPABILITIES, NULL, FALSE, FALSE, { "+OK", "X-STLS", "STLSX", "." },
    { MORE, MORE, MORE, CAPS }, "X-STLS|STLSX", "", FALSE },
  { "pop3-stls-ok", POP3, STARTTLS, NULL, FALSE, FALSE, { "+OK begin" }, { TLS_OK } },
  { "pop3-stls-err", POP3, STARTTLS, NULL, FALSE, FALSE, { "-ERR no" }, { TLS_NO } },
  /* SMTP */
  { "smtp-220", SMTP, GREETING, NULL, FALSE, FALSE, { "220 mx ESMTP" }, { GREETED } },
  { "smtp-220-multiline", SMTP, GREETING, NULL, FALSE, FALSE, { "220-first", "220-second", "220 last" },
    { MORE, MORE, GREETED } },
  { "smtp-220-bare", SMTP, GREETING, NULL, FALSE, FALSE, { "220" }, { GREETED } },
  { "smtp-554", SMTP, GREETING, NULL, FALSE, FALSE, { "554 no service" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_NETWORK, "(554)" },
  { "smtp-not-smtp", SMTP, GREETING, NULL, FALSE, FALSE, { "* OK imap" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "SMTP server" },
  { "smtp-code-glued", SMTP, GREETING, NULL, FALSE, FALSE, { "220x" }, { FAILED },
    NULL, NULL, FALSE, FALSE, EMAIL2_ERROR_PROTOCOL, "SMTP" },
  { "smtp-ehlo", SMTP, CAPABILITIES, NULL, FALSE, FALSE,
    { "250-mx.example greets you", "250-AUTH PLAIN LOGIN", "250-AUTH=CRAM-MD5", "250-STARTTLS",
      "250 SIZE 1000" }, { MORE, MORE, MORE, MORE, CAPS },
    "AUTH PLAIN LOGIN|AUTH=CRAM-MD5|STARTTLS|SIZE 1000", "PLAIN|LOGIN|CRAM-MD5", TRUE },
  { "smtp-ehlo-refused", SMTP, CAPABILITIES, NULL, FALSE, FALSE, { "502 no EHLO" }, { CAPS }, "", "", FALSE },
  { "smtp-ehlo-one-line", SMTP, CAPABILITIES, NULL, FALSE, FALSE, { "250 mx" }, { CAPS }, "" },
  { "smtp-starttls-word-only", SMTP, CAPABILITIES, NULL, FALSE, FALSE,
    { "250-mx", "250-XSTARTTLS", "250 STARTTLSX" }, { MORE, MORE, CAPS }, "XSTARTTLS|STARTTLSX", "", FALSE },
  { "smtp-starttls-ok", SMTP, STARTTLS, NULL, FALSE, FALSE, { "220 go ahead" }, { TLS_OK } },
  { "smtp-starttls-multiline", SMTP, STARTTLS, NULL, FALSE, FALSE, { "220-wait", "220 go" }, { MORE, TLS_OK } },
  { "smtp-starttls-454", SMTP, STARTTLS, NULL, FALSE, FALSE, { "454 TLS not available" }, { TLS_NO } },
};

static char *
join (GPtrArray *strings)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < strings->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "|" : "", (const char *) strings->pdata[i]);
  return g_string_free (out, FALSE);
}

static void
test_lines (gconstpointer data)
{
  const LineCase *c = data;
  const Email2ProbeDialect *dialect = email2_probe_dialect (c->protocol);
  Email2ProbeLineState state;
  g_autoptr(GError) error = NULL;
  guint n;

  email2_probe_line_state_init (&state, "mail.example", 143, c->require_tls);
  state.tls_active = c->tls_active;
  email2_probe_line_state_expect (&state, c->step, c->tag);

  for (n = 0; n < G_N_ELEMENTS (c->lines) && c->lines[n] != NULL; n++)
    {
      Email2ProbeVerdict verdict = dialect->line (&state, c->lines[n], &error);

      g_assert_cmpint (verdict, ==, c->verdicts[n]);
      if (verdict == FAILED)
        {
          g_assert_error (error, EMAIL2_ERROR, c->error_code);
          g_assert_nonnull (strstr (error->message, c->error_text));
          g_assert_nonnull (strstr (error->message, "mail.example port 143"));
        }
      else
        g_assert_no_error (error);
    }

  if (c->caps != NULL)
    {
      g_autofree char *caps = join (state.caps);

      g_assert_cmpstr (caps, ==, c->caps);
      g_assert_cmpint (email2_probe_caps_offer_starttls (dialect, state.caps), ==, c->starttls);
    }
  if (c->mechanisms != NULL)
    {
      g_auto(GStrv) mechs = email2_probe_caps_mechanisms (c->protocol, state.caps);
      g_autofree char *joined = g_strjoinv ("|", mechs);

      g_assert_cmpstr (joined, ==, c->mechanisms);
    }
  g_assert_cmpint (state.preauth, ==, c->preauth);
  email2_probe_line_state_clear (&state);
}

/* The bounds: 256 capabilities of 256 bytes at most. */
static void
test_bounds (void)
{
  const Email2ProbeDialect *dialect = email2_probe_dialect (POP3);
  Email2ProbeLineState state;
  g_autofree char *long_cap = g_strnfill (EMAIL2_PROBE_MAX_TOKEN + 1, 'A');

  email2_probe_line_state_init (&state, "h", 110, FALSE);
  email2_probe_line_state_expect (&state, CAPABILITIES, NULL);
  g_assert_cmpint (dialect->line (&state, "+OK", NULL), ==, MORE);
  g_assert_cmpint (dialect->line (&state, long_cap, NULL), ==, MORE);
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpint (dialect->line (&state, "X", NULL), ==, MORE);
  g_assert_cmpuint (state.caps->len, ==, EMAIL2_PROBE_MAX_CAPABILITIES);
  email2_probe_line_state_clear (&state);
}

/* The table's rows: names, ports, commands. */
static void
test_table (void)
{
  static const struct { const char *name; guint16 tls, clear; const char *logout; } rows[] = {
    { "imap", 993, 143, "L1 LOGOUT\r\n" }, { "pop3", 995, 110, "QUIT\r\n" }, { "smtp", 465, 587, "QUIT\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const Email2ProbeDialect *d = email2_probe_dialect (i);

      g_assert_cmpint (d->protocol, ==, i);
      g_assert_cmpstr (d->name, ==, rows[i].name);
      g_assert_cmpuint (d->default_ports[EMAIL2_PROBE_LEG_TLS], ==, rows[i].tls);
      g_assert_cmpuint (d->default_ports[EMAIL2_PROBE_LEG_CLEARTEXT], ==, rows[i].clear);
      g_assert_cmpstr (d->logout_command, ==, rows[i].logout);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/probe-dialect/lines/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_lines);
    }
  g_test_add_func ("/probe-dialect/bounds", test_bounds);
  g_test_add_func ("/probe-dialect/table", test_table);

  return g_test_run ();
}
