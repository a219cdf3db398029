/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * Email2ProbeProtocol:
 * @EMAIL2_PROBE_PROTOCOL_IMAP: IMAP4 (implicit TLS 993, STARTTLS/plain 143)
 * @EMAIL2_PROBE_PROTOCOL_POP3: POP3 (995, STLS/plain 110)
 * @EMAIL2_PROBE_PROTOCOL_SMTP: SMTP submission (465, STARTTLS/plain 587)
 *
 * The protocol a server is probed for.
 */
typedef enum {
  EMAIL2_PROBE_PROTOCOL_IMAP,
  EMAIL2_PROBE_PROTOCOL_POP3,
  EMAIL2_PROBE_PROTOCOL_SMTP,
} Email2ProbeProtocol;

/**
 * Email2ProbeSecurity:
 * @EMAIL2_PROBE_SECURITY_NONE: no acceptable mode was found
 * @EMAIL2_PROBE_SECURITY_TLS: implicit TLS ("SSL")
 * @EMAIL2_PROBE_SECURITY_STARTTLS: STARTTLS / STLS ("deferred SSL")
 * @EMAIL2_PROBE_SECURITY_PLAIN: no TLS at all
 *
 * The connection mode a probe found, best first.
 */
typedef enum {
  EMAIL2_PROBE_SECURITY_NONE,
  EMAIL2_PROBE_SECURITY_TLS,
  EMAIL2_PROBE_SECURITY_STARTTLS,
  EMAIL2_PROBE_SECURITY_PLAIN,
} Email2ProbeSecurity;

/**
 * Email2ProbeLegKind:
 * @EMAIL2_PROBE_LEG_TLS: the leg that starts with a TLS handshake
 * @EMAIL2_PROBE_LEG_CLEARTEXT: the leg that reads the greeting in the
 *   clear and upgrades with STARTTLS / STLS when it is offered
 *
 * The two connections a probe races.
 */
typedef enum {
  EMAIL2_PROBE_LEG_TLS,
  EMAIL2_PROBE_LEG_CLEARTEXT,
} Email2ProbeLegKind;

#define EMAIL2_PROBE_N_LEGS 2

/**
 * Email2ProbeLeg:
 * @kind: which leg
 * @port: the port it connected to (0 when it did not run)
 * @security: the mode it reached, %EMAIL2_PROBE_SECURITY_NONE when it
 *   failed or was cancelled
 * @error: (nullable): why it failed, in %EMAIL2_ERROR; %NULL when it
 *   succeeded or was cancelled because a decision was made
 * @elapsed_us: microseconds from the start of the probe to the end of
 *   this leg (to the decision when it was cancelled)
 *
 * What one leg of a probe did.
 */
typedef struct {
  Email2ProbeLegKind kind;
  guint16 port;
  Email2ProbeSecurity security;
  GError *error;
  gint64 elapsed_us;
} Email2ProbeLeg;

/**
 * Email2ProbeResult:
 * @security: the mode chosen, %EMAIL2_PROBE_SECURITY_NONE when none is
 *   acceptable
 * @port: the port of the chosen mode (0 when none)
 * @capabilities: (array zero-terminated=1): the server's capabilities on
 *   the chosen mode, as the server wrote them: IMAP CAPABILITY tokens,
 *   POP3 CAPA lines, SMTP EHLO keyword lines; taken after TLS for the TLS
 *   modes; empty when none
 * @auth_mechanisms: (array zero-terminated=1): the SASL mechanisms among
 *   them, upper case (IMAP `AUTH=`, POP3 `SASL`, SMTP `AUTH`)
 * @certificate: (nullable): the server's certificate: of the chosen mode,
 *   or, when no mode was found, the one a leg refused
 * @certificate_errors: why @certificate was refused; 0 when it was valid
 * @elapsed_us: microseconds from the start to the decision
 * @legs: what each leg did, indexed by #Email2ProbeLegKind
 *
 * The answer of a probe. Only a certificate that validated is ever part of
 * a chosen mode.
 */
typedef struct {
  Email2ProbeSecurity security;
  guint16 port;
  char **capabilities;
  char **auth_mechanisms;
  GTlsCertificate *certificate;
  GTlsCertificateFlags certificate_errors;
  gint64 elapsed_us;
  Email2ProbeLeg legs[EMAIL2_PROBE_N_LEGS];
} Email2ProbeResult;

#define EMAIL2_TYPE_PROBE_RESULT (email2_probe_result_get_type ())

GType              email2_probe_result_get_type   (void) G_GNUC_CONST;
Email2ProbeResult *email2_probe_result_ref        (Email2ProbeResult *result);
void               email2_probe_result_unref      (Email2ProbeResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2ProbeResult, email2_probe_result_unref)

/* Defaults, in milliseconds (DESIGN §4). */
#define EMAIL2_PROBE_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define EMAIL2_PROBE_DEFAULT_TLS_TIMEOUT_MS 10000
#define EMAIL2_PROBE_DEFAULT_REPLY_TIMEOUT_MS 10000
#define EMAIL2_PROBE_DEFAULT_LEG_TIMEOUT_MS 30000
/* Plain is chosen only when the TLS leg failed, reached one of its own
 * deadlines, or this long after the start passed (DESIGN §4.1). */
#define EMAIL2_PROBE_PLAIN_WAIT_MS 5000
#define EMAIL2_PROBE_GRACE_MIN_MS 100
#define EMAIL2_PROBE_GRACE_MAX_MS 1000
#define EMAIL2_PROBE_MAX_CONNECTIONS_PER_HOST 4

#define EMAIL2_TYPE_PROBE (email2_probe_get_type ())

G_DECLARE_FINAL_TYPE (Email2Probe, email2_probe, EMAIL2, PROBE, GObject)

Email2Probe       *email2_probe_new               (Email2ProbeProtocol  protocol,
                                                   const char          *host,
                                                   guint16              port,
                                                   gboolean             require_tls);

void               email2_probe_set_tls_database  (Email2Probe         *self,
                                                   GTlsDatabase        *database);
gboolean           email2_probe_set_ca_file       (Email2Probe         *self,
                                                   const char          *path,
                                                   GError             **error);
void               email2_probe_set_timeouts      (Email2Probe         *self,
                                                   guint                connect_ms,
                                                   guint                tls_ms,
                                                   guint                reply_ms);
void               email2_probe_set_default_ports (Email2Probe         *self,
                                                   guint16              tls_port,
                                                   guint16              cleartext_port);

void               email2_probe_run_async         (Email2Probe         *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
Email2ProbeResult *email2_probe_run_finish        (Email2Probe         *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

const char        *email2_probe_security_to_string (Email2ProbeSecurity security);
const char        *email2_probe_protocol_to_string (Email2ProbeProtocol protocol);
gboolean           email2_probe_protocol_from_string (const char          *name,
                                                      Email2ProbeProtocol *protocol);
char              *email2_probe_describe_certificate_errors (GTlsCertificateFlags flags);

G_END_DECLS
