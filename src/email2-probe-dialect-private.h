/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): the probe's protocol dialects
 * (email2-probe-dialect.c), shared with their tests and fuzz target.
 */

#pragma once

#include <glib.h>

#include "email2.h"

G_BEGIN_DECLS

/* What a connection leg is waiting for, as far as the dialect cares. */
typedef enum {
  EMAIL2_PROBE_STEP_GREETING,
  EMAIL2_PROBE_STEP_CAPABILITIES,
  EMAIL2_PROBE_STEP_STARTTLS,
} Email2ProbeStep;

/* What one server line means to the leg. */
typedef enum {
  EMAIL2_PROBE_VERDICT_MORE,              /* the reply goes on: read another line */
  EMAIL2_PROBE_VERDICT_GREETED,           /* greeted: ask for the capabilities */
  EMAIL2_PROBE_VERDICT_CAPABILITIES,      /* the capabilities are complete */
  EMAIL2_PROBE_VERDICT_STARTTLS,          /* STARTTLS / STLS accepted */
  EMAIL2_PROBE_VERDICT_STARTTLS_REFUSED,  /* STARTTLS / STLS refused */
  EMAIL2_PROBE_VERDICT_FAILED,            /* the leg fails with the error given */
} Email2ProbeVerdict;

/* A leg's protocol state, as the line handlers read and change it. */
typedef struct {
  Email2ProbeStep step;
  const char *host;             /* for messages */
  guint16 port;
  gboolean tls_active;
  gboolean require_tls;
  char tag[4];                  /* IMAP: the tag of the command in flight */
  gboolean caps_started;        /* POP3: CAPA's +OK seen; SMTP: the first EHLO line seen */
  gboolean greeted;             /* a greeting was accepted (LOGOUT / QUIT may be said) */
  gboolean preauth;             /* IMAP: a PREAUTH greeting in the clear */
  GPtrArray *caps;              /* the capabilities so far (owned) */
} Email2ProbeLineState;

/* One protocol: a row of the dialect table (email2-probe-dialect.c). */
typedef struct {
  Email2ProbeProtocol protocol;
  const char *name;
  guint16 default_ports[EMAIL2_PROBE_N_LEGS];   /* implicit TLS, cleartext */
  const char *starttls_command;
  const char *starttls_capability;             /* the word that offers it */
  const char *logout_command;
  Email2ProbeVerdict (*line) (Email2ProbeLineState *state,
                              const char           *line,
                              GError              **error);
} Email2ProbeDialect;

/* The most capabilities kept, and the longest (DESIGN §4.1). */
#define EMAIL2_PROBE_MAX_CAPABILITIES 256
#define EMAIL2_PROBE_MAX_TOKEN 256

const Email2ProbeDialect *email2_probe_dialect              (Email2ProbeProtocol         protocol);
void                      email2_probe_line_state_init      (Email2ProbeLineState       *state,
                                                             const char                 *host,
                                                             guint16                     port,
                                                             gboolean                    require_tls);
void                      email2_probe_line_state_clear     (Email2ProbeLineState       *state);
void                      email2_probe_line_state_reset_caps (Email2ProbeLineState      *state);
void                      email2_probe_line_state_expect    (Email2ProbeLineState       *state,
                                                             Email2ProbeStep             step,
                                                             const char                 *tag);
gboolean                  email2_probe_caps_offer_starttls  (const Email2ProbeDialect   *dialect,
                                                             GPtrArray                  *caps);
char                    **email2_probe_caps_mechanisms      (Email2ProbeProtocol         protocol,
                                                             GPtrArray                  *caps);

G_END_DECLS
