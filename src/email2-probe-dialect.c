/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The probe's protocol dialects (DESIGN §4.1): IMAP, POP3 and SMTP as rows
 * of one table, each with its default ports, its STARTTLS and LOGOUT
 * commands and a line handler. A line handler is pure: it reads one server
 * line and the leg's protocol state, updates the state (capabilities, tag,
 * PREAUTH) and says what the line means; the connection leg
 * (email2-probe-leg.c) does the I/O. tests/test-probe-dialect.c drives the
 * handlers with tables of server lines; fuzz/fuzz-probe-lines.c fuzzes them.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-probe-dialect-private.h"

static gboolean
is_printable (const char *text,
              gboolean    spaces)
{
  if (*text == '\0' || strlen (text) > EMAIL2_PROBE_MAX_TOKEN)
    return FALSE;
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p > 0x7e || *p < (spaces ? 0x20 : 0x21))
      return FALSE;
  return TRUE;
}

/**
 * email2_probe_line_state_init:
 * @state: (out caller-allocates): a state
 * @host: the server, for messages
 * @port: its port, for messages
 * @require_tls: whether the payload requires TLS
 *
 * Starts a leg's protocol state: waiting for the greeting, no capabilities.
 */
void
email2_probe_line_state_init (Email2ProbeLineState *state,
                              const char           *host,
                              guint16               port,
                              gboolean              require_tls)
{
  memset (state, 0, sizeof *state);
  state->host = host;
  state->port = port;
  state->require_tls = require_tls;
  state->caps = g_ptr_array_new_with_free_func (g_free);
}

/**
 * email2_probe_line_state_clear:
 * @state: a state
 */
void
email2_probe_line_state_clear (Email2ProbeLineState *state)
{
  g_clear_pointer (&state->caps, g_ptr_array_unref);
}

/**
 * email2_probe_line_state_reset_caps:
 * @state: a state
 *
 * Forgets the capabilities (after TLS starts, RFC 2595 §3.1, RFC 3207 §4.2).
 */
void
email2_probe_line_state_reset_caps (Email2ProbeLineState *state)
{
  g_ptr_array_set_size (state->caps, 0);
  state->caps_started = FALSE;
}

/**
 * email2_probe_line_state_expect:
 * @state: a state
 * @step: what the next reply answers
 * @tag: (nullable): the IMAP tag of the command sent, %NULL to keep the
 *   one set
 *
 * The leg sent a command (or awaits the greeting): the next lines are its reply.
 */
void
email2_probe_line_state_expect (Email2ProbeLineState *state,
                                Email2ProbeStep       step,
                                const char           *tag)
{
  state->step = step;
  state->caps_started = FALSE;
  if (tag != NULL)
    g_strlcpy (state->tag, tag, sizeof state->tag);
}

static void
caps_add (Email2ProbeLineState *state,
          const char           *cap)
{
  if (state->caps->len < EMAIL2_PROBE_MAX_CAPABILITIES && is_printable (cap, TRUE))
    g_ptr_array_add (state->caps, g_strdup (cap));
}

/* IMAP: the space-separated tokens of a CAPABILITY response. */
static void
caps_add_imap_tokens (Email2ProbeLineState *state,
                      const char           *text)
{
  g_auto(GStrv) tokens = g_strsplit (text, " ", -1);

  g_ptr_array_set_size (state->caps, 0);
  for (guint i = 0; tokens[i] != NULL; i++)
    if (tokens[i][0] != '\0')
      caps_add (state, tokens[i]);
}

/* "WORD" at @p, followed by a space or the end: what follows, or NULL. */
static const char *
skip_word (const char *p,
           const char *word)
{
  gsize n = strlen (word);

  if (g_ascii_strncasecmp (p, word, n) != 0 || (p[n] != '\0' && p[n] != ' '))
    return NULL;
  return p[n] == ' ' ? p + n + 1 : p + n;
}

static Email2ProbeVerdict
fail (GError              **error,
      int                   code,
      Email2ProbeLineState *state,
      const char           *format,
      ...) G_GNUC_PRINTF (4, 5);

static Email2ProbeVerdict
fail (GError              **error,
      int                   code,
      Email2ProbeLineState *state,
      const char           *format,
      ...)
{
  va_list args;

  if (error != NULL)
    {
      va_start (args, format);
      g_propagate_error (error, g_error_new_valist (EMAIL2_ERROR, code, format, args));
      va_end (args);
    }
  return EMAIL2_PROBE_VERDICT_FAILED;
}

/* IMAP: "[CAPABILITY …]" at the start of a response text. */
static gboolean
imap_code_capability (Email2ProbeLineState *state,
                      const char           *text)
{
  const char *end;
  g_autofree char *list = NULL;

  if (g_ascii_strncasecmp (text, "[CAPABILITY ", 12) != 0)
    return FALSE;
  end = strchr (text, ']');
  if (end == NULL)
    return FALSE;
  list = g_strndup (text + 12, end - (text + 12));
  caps_add_imap_tokens (state, list);
  return TRUE;
}

static Email2ProbeVerdict
imap_line (Email2ProbeLineState *state,
           const char           *line,
           GError              **error)
{
  const char *rest;

  switch (state->step)
    {
    case EMAIL2_PROBE_STEP_GREETING:
      if ((rest = skip_word (line, "* OK")) != NULL || (rest = skip_word (line, "* PREAUTH")) != NULL)
        {
          if (g_ascii_strncasecmp (line, "* PREAUTH", 9) == 0 && !state->tls_active)
            {
              state->preauth = TRUE;
              if (state->require_tls)
                return fail (error, EMAIL2_ERROR_INSECURE, state,
                             _("%s port %u skipped authentication in the clear (PREAUTH), and TLS is required"),
                             state->host, state->port);
            }
          state->greeted = TRUE;
          return imap_code_capability (state, rest) ? EMAIL2_PROBE_VERDICT_CAPABILITIES
                                                    : EMAIL2_PROBE_VERDICT_GREETED;
        }
      if (skip_word (line, "* BYE") != NULL)
        return fail (error, EMAIL2_ERROR_NETWORK, state, _("%s port %u refused the connection (BYE)"),
                     state->host, state->port);
      return fail (error, EMAIL2_ERROR_PROTOCOL, state, _("%s port %u did not greet as an IMAP server"),
                   state->host, state->port);

    case EMAIL2_PROBE_STEP_CAPABILITIES:
    case EMAIL2_PROBE_STEP_STARTTLS:
    default:
      if (line[0] == '*' && line[1] == ' ')
        {
          /* Untagged data other than CAPABILITY is ignored, [ALERT] and
           * referrals included. */
          if (state->step == EMAIL2_PROBE_STEP_CAPABILITIES &&
              (rest = skip_word (line + 2, "CAPABILITY")) != NULL)
            caps_add_imap_tokens (state, rest);
          return EMAIL2_PROBE_VERDICT_MORE;
        }
      if (state->tag[0] == '\0' || (rest = skip_word (line, state->tag)) == NULL)
        return fail (error, EMAIL2_ERROR_PROTOCOL, state, _("%s port %u sent an unexpected IMAP response"),
                     state->host, state->port);
      if (state->step == EMAIL2_PROBE_STEP_STARTTLS)
        return skip_word (rest, "OK") != NULL ? EMAIL2_PROBE_VERDICT_STARTTLS
                                              : EMAIL2_PROBE_VERDICT_STARTTLS_REFUSED;
      if (skip_word (rest, "OK") != NULL)
        return EMAIL2_PROBE_VERDICT_CAPABILITIES;
      return fail (error, EMAIL2_ERROR_PROTOCOL, state, _("%s port %u refused the CAPABILITY command"),
                   state->host, state->port);
    }
}

static Email2ProbeVerdict
pop3_line (Email2ProbeLineState *state,
           const char           *line,
           GError              **error)
{
  gboolean ok = skip_word (line, "+OK") != NULL;

  switch (state->step)
    {
    case EMAIL2_PROBE_STEP_GREETING:
      if (ok)
        {
          state->greeted = TRUE;
          return EMAIL2_PROBE_VERDICT_GREETED;
        }
      if (skip_word (line, "-ERR") != NULL)
        return fail (error, EMAIL2_ERROR_NETWORK, state, _("%s port %u refused the connection (-ERR)"),
                     state->host, state->port);
      return fail (error, EMAIL2_ERROR_PROTOCOL, state, _("%s port %u did not greet as a POP3 server"),
                   state->host, state->port);

    case EMAIL2_PROBE_STEP_CAPABILITIES:
      if (!state->caps_started)
        {
          if (ok)
            {
              state->caps_started = TRUE;
              return EMAIL2_PROBE_VERDICT_MORE;
            }
          if (skip_word (line, "-ERR") != NULL)
            return EMAIL2_PROBE_VERDICT_CAPABILITIES;    /* RFC 2449: no capability information */
          return fail (error, EMAIL2_ERROR_PROTOCOL, state, _("%s port %u sent an unexpected reply to CAPA"),
                       state->host, state->port);
        }
      if (strcmp (line, ".") == 0)
        return EMAIL2_PROBE_VERDICT_CAPABILITIES;
      caps_add (state, line[0] == '.' ? line + 1 : line);
      return EMAIL2_PROBE_VERDICT_MORE;

    case EMAIL2_PROBE_STEP_STARTTLS:
    default:
      return ok ? EMAIL2_PROBE_VERDICT_STARTTLS : EMAIL2_PROBE_VERDICT_STARTTLS_REFUSED;
    }
}

/* SMTP reply line: its code, whether more lines follow, its text. */
static gboolean
smtp_parse (const char  *line,
            guint       *code,
            gboolean    *more,
            const char **text)
{
  if (!g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]) ||
      (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
    return FALSE;
  *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  *more = line[3] == '-';
  *text = line[3] == '\0' ? line + 3 : line + 4;
  return TRUE;
}

static Email2ProbeVerdict
smtp_line (Email2ProbeLineState *state,
           const char           *line,
           GError              **error)
{
  guint code;
  gboolean more;
  const char *text;

  if (!smtp_parse (line, &code, &more, &text))
    return fail (error, EMAIL2_ERROR_PROTOCOL, state, _("%s port %u did not answer as an SMTP server"),
                 state->host, state->port);

  switch (state->step)
    {
    case EMAIL2_PROBE_STEP_GREETING:
      if (code != 220)
        return fail (error, EMAIL2_ERROR_NETWORK, state, _("%s port %u refused the connection (%u)"),
                     state->host, state->port, code);
      if (more)
        return EMAIL2_PROBE_VERDICT_MORE;
      state->greeted = TRUE;
      return EMAIL2_PROBE_VERDICT_GREETED;

    case EMAIL2_PROBE_STEP_CAPABILITIES:
      if (code == 250 && state->caps_started)
        caps_add (state, text);
      state->caps_started = TRUE;   /* the first line names the server */
      /* A server without EHLO has no extensions, hence no STARTTLS. */
      return more ? EMAIL2_PROBE_VERDICT_MORE : EMAIL2_PROBE_VERDICT_CAPABILITIES;

    case EMAIL2_PROBE_STEP_STARTTLS:
    default:
      if (more)
        return EMAIL2_PROBE_VERDICT_MORE;
      return code == 220 ? EMAIL2_PROBE_VERDICT_STARTTLS : EMAIL2_PROBE_VERDICT_STARTTLS_REFUSED;
    }
}

static const Email2ProbeDialect dialects[] = {
  { EMAIL2_PROBE_PROTOCOL_IMAP, "imap", { 993, 143 }, "S1 STARTTLS\r\n", "STARTTLS", "L1 LOGOUT\r\n",
    imap_line },
  { EMAIL2_PROBE_PROTOCOL_POP3, "pop3", { 995, 110 }, "STLS\r\n", "STLS", "QUIT\r\n", pop3_line },
  { EMAIL2_PROBE_PROTOCOL_SMTP, "smtp", { 465, 587 }, "STARTTLS\r\n", "STARTTLS", "QUIT\r\n",
    smtp_line },
};

/**
 * email2_probe_dialect:
 * @protocol: a protocol
 *
 * Returns: its row of the dialect table
 */
const Email2ProbeDialect *
email2_probe_dialect (Email2ProbeProtocol protocol)
{
  g_return_val_if_fail ((guint) protocol < G_N_ELEMENTS (dialects), &dialects[0]);

  return &dialects[protocol];
}

/* The first word of a capability, or its token for IMAP. */
static gboolean
cap_is (const char *cap,
        const char *word)
{
  gsize n = strlen (word);

  return g_ascii_strncasecmp (cap, word, n) == 0 && (cap[n] == '\0' || cap[n] == ' ');
}

/**
 * email2_probe_caps_offer_starttls:
 * @dialect: a dialect
 * @caps: (element-type utf8): capabilities
 *
 * Returns: whether @caps offer STARTTLS (POP3: STLS), as a token or a
 *   line's first word, never a substring of free text
 */
gboolean
email2_probe_caps_offer_starttls (const Email2ProbeDialect *dialect,
                                  GPtrArray                *caps)
{
  for (guint i = 0; i < caps->len; i++)
    if (cap_is (caps->pdata[i], dialect->starttls_capability))
      return TRUE;
  return FALSE;
}

static void
mechanisms_add (GPtrArray  *mechs,
                const char *name)
{
  g_autofree char *upper = g_ascii_strup (name, -1);

  if (!is_printable (upper, FALSE))
    return;
  for (guint i = 0; i < mechs->len; i++)
    if (strcmp (mechs->pdata[i], upper) == 0)
      return;
  g_ptr_array_add (mechs, g_steal_pointer (&upper));
}

/**
 * email2_probe_caps_mechanisms:
 * @protocol: the protocol
 * @caps: (element-type utf8): its capabilities
 *
 * Returns: (transfer full): the SASL mechanisms, upper case, without
 *   duplicates: IMAP `AUTH=X`, POP3 `SASL X Y`, SMTP `AUTH X Y` / `AUTH=X`
 */
char **
email2_probe_caps_mechanisms (Email2ProbeProtocol  protocol,
                              GPtrArray           *caps)
{
  GPtrArray *mechs = g_ptr_array_new ();

  for (guint i = 0; i < caps->len; i++)
    {
      const char *cap = caps->pdata[i];
      const char *rest = NULL;

      switch (protocol)
        {
        case EMAIL2_PROBE_PROTOCOL_IMAP:
          if (g_ascii_strncasecmp (cap, "AUTH=", 5) == 0)
            mechanisms_add (mechs, cap + 5);
          break;
        case EMAIL2_PROBE_PROTOCOL_POP3:
          if (cap_is (cap, "SASL"))
            rest = cap + 4;
          break;
        case EMAIL2_PROBE_PROTOCOL_SMTP:
        default:
          if (cap_is (cap, "AUTH") || g_ascii_strncasecmp (cap, "AUTH=", 5) == 0)
            rest = cap[4] == '\0' ? cap + 4 : cap + 5;
          break;
        }
      if (rest != NULL)
        {
          g_auto(GStrv) words = g_strsplit (rest, " ", -1);

          for (guint j = 0; words[j] != NULL; j++)
            if (words[j][0] != '\0')
              mechanisms_add (mechs, words[j]);
        }
    }
  g_ptr_array_add (mechs, NULL);

  return (char **) g_ptr_array_free (mechs, FALSE);
}
