/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Library-internal (not in email2.h): one connection leg of a probe
 * (email2-probe-leg.c), as the race sees it.
 */

#pragma once

#include <gio/gio.h>

#include "email2.h"
#include "email2-probe-dialect-private.h"

G_BEGIN_DECLS

typedef enum {
  PHASE_IDLE,
  PHASE_WAIT_SLOT,
  PHASE_CONNECT,
  PHASE_TLS,
  PHASE_GREETING,
  PHASE_CAPABILITIES,
  PHASE_STARTTLS,
  PHASE_DONE,
} Phase;

typedef struct _Email2ProbeConn Email2ProbeConn;

/* What a leg connects to, and how. */
typedef struct {
  Email2ProbeLegKind kind;
  Email2ProbeProtocol protocol;
  const char *host;
  guint16 port;
  gboolean require_tls;
  GTlsDatabase *database;       /* nullable */
  guint connect_ms;
  guint tls_ms;
  guint reply_ms;
} Email2ProbeConnConfig;

struct _Email2ProbeConn {
  gint ref_count;
  GSourceFunc done_cb;          /* told when the leg is done; NULL once the race no longer listens */
  gpointer done_data;
  GMainContext *context;

  /* Configuration, copied from the probe. */
  Email2ProbeLegKind kind;
  Email2ProbeProtocol protocol;
  char *host;
  char *host_key;
  guint16 port;
  gboolean require_tls;
  GTlsDatabase *database;
  guint connect_ms;
  guint tls_ms;
  guint reply_ms;
  gint64 start_us;

  Phase phase;
  GCancellable *cancellable;
  GSource *deadline;
  GSource *leg_deadline;
  const char *timed_out;        /* what was being waited for, untranslated */
  gboolean abandoned;
  gboolean has_slot;
  gboolean waiting_slot;

  GSocketClient *client;
  GSocketConnection *tcp;
  GIOStream *stream;            /* tcp, or the TLS connection on it */
  GTlsConnection *tls;
  gboolean tls_active;
  gboolean connected;
  gint64 connect_start_us;
  gint64 connected_us;

  GByteArray *rbuf;
  guint8 chunk[4096];
  guint reply_lines;
  gboolean reading;             /* a reply is expected */
  char *wbuf;
  const Email2ProbeDialect *dialect;
  Email2ProbeLineState lines;   /* the dialect's state: tag, capabilities, PREAUTH */

  gboolean starttls_offered;
  gboolean can_logout;

  GTlsCertificate *peer_certificate;
  GTlsCertificateFlags certificate_errors;

  gboolean done;
  Email2ProbeSecurity security;
  GError *error;
  gint64 end_us;

  GCancellable *close_cancellable;
  GSource *close_deadline;
};

Email2ProbeConn *email2_probe_conn_new        (const Email2ProbeConnConfig *config,
                                               GMainContext                *context,
                                               gint64                       start_us,
                                               GSourceFunc                  done_cb,
                                               gpointer                     done_data);
Email2ProbeConn *email2_probe_conn_ref        (Email2ProbeConn *leg);
void             email2_probe_conn_unref      (Email2ProbeConn *leg);
void             email2_probe_conn_start      (Email2ProbeConn *leg);
void             email2_probe_conn_abandon    (Email2ProbeConn *leg);
const char      *email2_probe_phase_what      (Phase            phase);
GSource         *email2_probe_add_timeout     (GMainContext    *context,
                                               guint            ms,
                                               GSourceFunc      func,
                                               gpointer         data);
void             email2_probe_destroy_source  (GSource        **source);
void             email2_probe_conn_connect    (Email2ProbeConn *leg);

/* Connection slots per host (email2-probe-slots.c). */
gboolean         email2_probe_slot_acquire     (Email2ProbeConn *leg);
void             email2_probe_slot_release     (Email2ProbeConn *leg);
void             email2_probe_slot_cancel_wait (Email2ProbeConn *leg);

G_END_DECLS
