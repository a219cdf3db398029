/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The server probe (DESIGN §4): Email2Probe and its race. Implicit TLS and
 * a cleartext leg (email2-probe-leg.c) run in parallel, the cleartext leg
 * upgraded with STARTTLS / STLS when offered; the best acceptable mode
 * wins, plain only when allowed and only once the TLS leg can no longer
 * answer; never a downgrade. The answer is email2-probe-result.c's.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-probe.h"
#include "email2-probe-dialect-private.h"
#include "email2-probe-leg-private.h"
#include "email2-probe-private.h"

/* Grace for a better leg that has not even connected: a SYN lost or
 * filtered; the cleartext leg has had about five round trips by then. */
#define GRACE_UNCONNECTED_MIN_MS 50
#define GRACE_UNCONNECTED_MAX_MS 250

typedef struct _Run Run;

struct _Email2Probe {
  GObject parent_instance;

  Email2ProbeProtocol protocol;
  char *host;
  guint16 port;
  gboolean require_tls;
  GTlsDatabase *database;
  guint connect_ms;
  guint tls_ms;
  guint reply_ms;
  guint16 default_ports[EMAIL2_PROBE_N_LEGS];
  gboolean legs_enabled[EMAIL2_PROBE_N_LEGS];
  guint plain_wait_ms;
};

G_DEFINE_FINAL_TYPE (Email2Probe, email2_probe, G_TYPE_OBJECT)

struct _Run {
  GTask *task;                  /* held until the answer is returned */
  GMainContext *context;
  GCancellable *user_cancellable;
  gulong cancel_id;
  Email2ProbeConn *legs[EMAIL2_PROBE_N_LEGS];
  GSource *grace;
  GSource *plain_wait;
  guint plain_wait_ms;
  gint64 start_us;
  gboolean returned;
};

static void run_evaluate (Run *run);

/* A leg is done. */
static gboolean
run_evaluate_cb (gpointer data)
{
  run_evaluate (data);
  return G_SOURCE_REMOVE;
}

/* ---- the race ----------------------------------------------------------- */

static void
run_free (Run *run)
{
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (run->legs[i] != NULL)
      {
        email2_probe_conn_abandon (run->legs[i]);
        email2_probe_conn_unref (run->legs[i]);
      }
  email2_probe_destroy_source (&run->grace);
  email2_probe_destroy_source (&run->plain_wait);
  g_clear_object (&run->user_cancellable);
  g_main_context_unref (run->context);
  g_free (run);
}

static void
result_set_leg (Email2ProbeResult *result,
                Run               *run,
                Email2ProbeConn               *leg,
                gint64             now)
{
  Email2ProbeLeg *out = &result->legs[leg->kind];

  out->kind = leg->kind;
  out->port = leg->port;
  out->security = leg->done ? leg->security : EMAIL2_PROBE_SECURITY_NONE;
  out->error = leg->error != NULL ? g_error_copy (leg->error) : NULL;
  out->elapsed_us = (leg->done ? leg->end_us : now) - run->start_us;
}

/* Returns the answer: @winner's mode, or none. Abandons the other legs. */
static void
run_decide (Run *run,
            Email2ProbeConn *winner)
{
  gint64 now = g_get_monotonic_time ();
  Email2ProbeResult *result = g_atomic_rc_box_new0 (Email2ProbeResult);
  g_autoptr(GTask) task = g_steal_pointer (&run->task);

  g_assert (!run->returned);
  run->returned = TRUE;
  email2_probe_destroy_source (&run->grace);
  email2_probe_destroy_source (&run->plain_wait);

  result->elapsed_us = now - run->start_us;
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    {
      result->legs[i].kind = i;
      if (run->legs[i] != NULL)
        result_set_leg (result, run, run->legs[i], now);
    }

  if (winner != NULL)
    {
      GPtrArray *caps = g_ptr_array_new ();

      result->security = winner->security;
      result->port = winner->port;
      for (guint i = 0; i < winner->lines.caps->len; i++)
        g_ptr_array_add (caps, g_strdup (winner->lines.caps->pdata[i]));
      g_ptr_array_add (caps, NULL);
      result->capabilities = (char **) g_ptr_array_free (caps, FALSE);
      result->auth_mechanisms = email2_probe_caps_mechanisms (winner->protocol, winner->lines.caps);
      if (winner->security != EMAIL2_PROBE_SECURITY_PLAIN && winner->peer_certificate != NULL)
        result->certificate = g_object_ref (winner->peer_certificate);
    }
  else
    {
      result->capabilities = g_new0 (char *, 1);
      result->auth_mechanisms = g_new0 (char *, 1);
      for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
        if (run->legs[i] != NULL && run->legs[i]->certificate_errors != 0 &&
            result->certificate == NULL)
          {
            g_set_object (&result->certificate, run->legs[i]->peer_certificate);
            result->certificate_errors = run->legs[i]->certificate_errors;
          }
    }

  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (run->legs[i] != NULL)
      email2_probe_conn_abandon (run->legs[i]);

  if (run->user_cancellable != NULL && run->cancel_id != 0)
    {
      g_cancellable_disconnect (run->user_cancellable, run->cancel_id);
      run->cancel_id = 0;
    }

  g_task_return_pointer (task, result, (GDestroyNotify) email2_probe_result_unref);
}

static gboolean
grace_cb (gpointer data)
{
  Run *run = data;
  Email2ProbeConn *tls = run->legs[EMAIL2_PROBE_LEG_TLS];

  g_clear_pointer (&run->grace, g_source_unref);
  if (tls != NULL && !tls->done)
    {
      /* Told in the answer: the better leg was given up, not failed. */
      g_clear_error (&tls->error);
      tls->error = g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_TIMED_OUT,
                                _("Gave up waiting for %s from %s port %u after the grace period"),
                                _(email2_probe_phase_what (tls->phase)), tls->host, tls->port);
    }
  run_decide (run, run->legs[EMAIL2_PROBE_LEG_CLEARTEXT]);
  return G_SOURCE_REMOVE;
}

static gboolean
plain_wait_cb (gpointer data)
{
  Run *run = data;
  Email2ProbeConn *tls = run->legs[EMAIL2_PROBE_LEG_TLS];

  g_clear_pointer (&run->plain_wait, g_source_unref);
  if (tls != NULL && !tls->done)
    {
      g_clear_error (&tls->error);
      tls->error = g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_TIMED_OUT,
                                _("Gave up waiting for %s from %s port %u after %u ms"),
                                _(email2_probe_phase_what (tls->phase)), tls->host, tls->port,
                                run->plain_wait_ms);
    }
  run_decide (run, run->legs[EMAIL2_PROBE_LEG_CLEARTEXT]);
  return G_SOURCE_REMOVE;
}

/* The grace a better leg still running gets once a worse one succeeded
 * (DESIGN §4): two round trips of the winner's connect time when the better
 * leg is connected (it is making progress), one when it has not connected
 * at all (its SYN is most likely filtered). */
static guint
run_grace_ms (Run *run,
              Email2ProbeConn *better,
              Email2ProbeConn *winner)
{
  gint64 rtt_ms = (winner->connected_us - winner->connect_start_us) / 1000;

  if (better->connected)
    return CLAMP (2 * rtt_ms, EMAIL2_PROBE_GRACE_MIN_MS, EMAIL2_PROBE_GRACE_MAX_MS);
  return CLAMP (rtt_ms, GRACE_UNCONNECTED_MIN_MS, GRACE_UNCONNECTED_MAX_MS);
}

/* Decides when the legs' states allow it. */
static void
run_evaluate (Run *run)
{
  Email2ProbeConn *tls = run->legs[EMAIL2_PROBE_LEG_TLS];
  Email2ProbeConn *clear = run->legs[EMAIL2_PROBE_LEG_CLEARTEXT];
  gboolean tls_pending = tls != NULL && !tls->done;
  gboolean clear_pending = clear != NULL && !clear->done;

  if (run->returned)
    return;

  if (tls != NULL && tls->done && tls->security == EMAIL2_PROBE_SECURITY_TLS)
    {
      run_decide (run, tls);
      return;
    }

  if (clear != NULL && clear->done && clear->security == EMAIL2_PROBE_SECURITY_PLAIN &&
      tls != NULL && tls->done && tls->certificate_errors != 0)
    {
      /* Never plain after a certificate error (DESIGN §4). */
      clear->security = EMAIL2_PROBE_SECURITY_NONE;
      clear->error = g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_INSECURE,
                                  _("Plain refused: the TLS port of %s showed a certificate that is not valid"),
                                  clear->host);
    }

  if (clear != NULL && clear->done && clear->security == EMAIL2_PROBE_SECURITY_PLAIN && tls_pending)
    {
      /* Plain never while the TLS leg may still answer: it gets until
       * its own deadlines or EMAIL2_PROBE_PLAIN_WAIT_MS after the start,
       * whichever comes first (DESIGN §4.1). */
      if (run->plain_wait == NULL)
        {
          gint64 waited_ms = (g_get_monotonic_time () - run->start_us) / 1000;
          guint ms = waited_ms >= run->plain_wait_ms ? 0 : run->plain_wait_ms - (guint) waited_ms;

          g_debug ("probe %s: plain found, waiting %u ms more for TLS", clear->host, ms);
          run->plain_wait = email2_probe_add_timeout (run->context, ms, plain_wait_cb, run);
        }
      return;
    }

  if (clear != NULL && clear->done && clear->security != EMAIL2_PROBE_SECURITY_NONE)
    {
      if (!tls_pending)
        run_decide (run, clear);
      else if (run->grace == NULL)
        {
          guint ms = run_grace_ms (run, tls, clear);

          g_debug ("probe %s: %s found, grace %u ms for TLS", clear->host,
                   email2_probe_security_to_string (clear->security), ms);
          run->grace = email2_probe_add_timeout (run->context, ms, grace_cb, run);
        }
      return;
    }

  if (!tls_pending && !clear_pending)
    run_decide (run, NULL);
  else if (clear_pending && tls != NULL && tls->done && tls->certificate_errors != 0 &&
           tls->port == clear->port)
    {
      /* The port spoke TLS to the TLS leg: it will never greet the
       * cleartext leg, and plain is refused anyway. */
      run_decide (run, NULL);
    }
}

static gboolean
run_cancelled_cb (gpointer data)
{
  GTask *task = data;
  Run *run = g_task_get_task_data (task);

  if (!run->returned)
    {
      /* The task returns G_IO_ERROR_CANCELLED whatever is passed here. */
      g_autoptr(GTask) held = g_steal_pointer (&run->task);

      run->returned = TRUE;
      email2_probe_destroy_source (&run->grace);
      email2_probe_destroy_source (&run->plain_wait);
      for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
        if (run->legs[i] != NULL)
          email2_probe_conn_abandon (run->legs[i]);
      if (run->cancel_id != 0)
        {
          g_cancellable_disconnect (run->user_cancellable, run->cancel_id);
          run->cancel_id = 0;
        }
      g_task_return_new_error (held, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The probe was cancelled"));
    }
  return G_SOURCE_REMOVE;
}

/* May run in any thread: only schedules the work in the run's context. */
static void
on_user_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  GTask *task = data;
  Run *run = g_task_get_task_data (task);
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, run_cancelled_cb, g_object_ref (task), g_object_unref);
  g_source_attach (source, run->context);
  g_source_unref (source);
}

/* ---- Email2Probe -------------------------------------------------------- */

static void
email2_probe_finalize (GObject *object)
{
  Email2Probe *self = EMAIL2_PROBE (object);

  g_free (self->host);
  g_clear_object (&self->database);

  G_OBJECT_CLASS (email2_probe_parent_class)->finalize (object);
}

static void
email2_probe_class_init (Email2ProbeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_probe_finalize;
}

static void
email2_probe_init (Email2Probe *self)
{
  self->connect_ms = EMAIL2_PROBE_DEFAULT_CONNECT_TIMEOUT_MS;
  self->tls_ms = EMAIL2_PROBE_DEFAULT_TLS_TIMEOUT_MS;
  self->reply_ms = EMAIL2_PROBE_DEFAULT_REPLY_TIMEOUT_MS;
  self->legs_enabled[EMAIL2_PROBE_LEG_TLS] = TRUE;
  self->legs_enabled[EMAIL2_PROBE_LEG_CLEARTEXT] = TRUE;
  self->plain_wait_ms = EMAIL2_PROBE_PLAIN_WAIT_MS;
}

/**
 * email2_probe_new:
 * @protocol: the protocol
 * @host: the server's host name or IP address: the name its certificate
 *   must hold, and the name sent as SNI
 * @port: the port, or 0 for the protocol's standard ports
 * @require_tls: whether plain is unacceptable (the EMAIL2 nodes
 *   TAGPROPS/8128000B and 812C000B)
 *
 * Makes a probe that finds the best connection mode of one server
 * (DESIGN §4). With a port, both legs use it: implicit TLS and the
 * cleartext leg. Certificates are checked against the system's trust
 * store unless a database or CA file is set.
 *
 * Returns: (transfer full): a new probe
 */
Email2Probe *
email2_probe_new (Email2ProbeProtocol  protocol,
                  const char          *host,
                  guint16              port,
                  gboolean             require_tls)
{
  Email2Probe *self;

  g_return_val_if_fail ((guint) protocol <= EMAIL2_PROBE_PROTOCOL_SMTP, NULL);
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  self = g_object_new (EMAIL2_TYPE_PROBE, NULL);
  self->protocol = protocol;
  self->host = g_strdup (host);
  self->port = port;
  self->require_tls = require_tls;
  self->default_ports[EMAIL2_PROBE_LEG_TLS] = email2_probe_dialect (protocol)->default_ports[0];
  self->default_ports[EMAIL2_PROBE_LEG_CLEARTEXT] = email2_probe_dialect (protocol)->default_ports[1];

  return self;
}

/**
 * email2_probe_set_tls_database:
 * @self: a probe
 * @database: (nullable): the trust anchors, or %NULL for the system's
 *
 * Sets the certificate authorities a server's certificate must chain to.
 */
void
email2_probe_set_tls_database (Email2Probe  *self,
                               GTlsDatabase *database)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  g_set_object (&self->database, database);
}

/**
 * email2_probe_set_ca_file:
 * @self: a probe
 * @path: a PEM file of CA certificates
 * @error: return location for an error
 *
 * Trusts the CAs of @path instead of the system's.
 *
 * Returns: whether @path could be loaded
 */
gboolean
email2_probe_set_ca_file (Email2Probe  *self,
                          const char   *path,
                          GError      **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (EMAIL2_IS_PROBE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  database = g_tls_file_database_new (path, &local);
  if (database == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("Cannot use %s as CA certificates: %s"), path, local->message);
      return FALSE;
    }
  email2_probe_set_tls_database (self, database);
  return TRUE;
}

/**
 * email2_probe_set_timeouts:
 * @self: a probe
 * @connect_ms: deadline for a TCP connection, 0 for the default
 * @tls_ms: deadline for a TLS handshake, 0 for the default
 * @reply_ms: deadline for each greeting and reply, 0 for the default
 *
 * Sets the deadline of each phase of a leg. A deadline is measured from
 * the start of its phase and is not extended by data arriving: a server
 * that drips bytes is cut off as one that is silent.
 */
void
email2_probe_set_timeouts (Email2Probe *self,
                           guint        connect_ms,
                           guint        tls_ms,
                           guint        reply_ms)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));

  self->connect_ms = connect_ms != 0 ? connect_ms : EMAIL2_PROBE_DEFAULT_CONNECT_TIMEOUT_MS;
  self->tls_ms = tls_ms != 0 ? tls_ms : EMAIL2_PROBE_DEFAULT_TLS_TIMEOUT_MS;
  self->reply_ms = reply_ms != 0 ? reply_ms : EMAIL2_PROBE_DEFAULT_REPLY_TIMEOUT_MS;
}

/**
 * email2_probe_set_default_ports:
 * @self: a probe
 * @tls_port: the implicit-TLS port used when no port is given
 * @cleartext_port: the STARTTLS / plain port used when no port is given
 *
 * Replaces the protocol's standard ports (993/143, 995/110, 465/587).
 */
void
email2_probe_set_default_ports (Email2Probe *self,
                                guint16      tls_port,
                                guint16      cleartext_port)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (tls_port != 0 && cleartext_port != 0);

  self->default_ports[EMAIL2_PROBE_LEG_TLS] = tls_port;
  self->default_ports[EMAIL2_PROBE_LEG_CLEARTEXT] = cleartext_port;
}

void
email2_probe_set_legs (Email2Probe *self,
                       gboolean     tls,
                       gboolean     cleartext)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (tls || cleartext);

  self->legs_enabled[EMAIL2_PROBE_LEG_TLS] = tls;
  self->legs_enabled[EMAIL2_PROBE_LEG_CLEARTEXT] = cleartext;
}

/* How long plain waits for a TLS leg that may still answer (tests). */
void
email2_probe_set_plain_wait (Email2Probe *self,
                             guint        ms)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));

  self->plain_wait_ms = ms;
}

/**
 * email2_probe_run_async:
 * @self: a probe
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer, in the thread-default main context
 *   of the caller
 * @user_data: data for @callback
 *
 * Probes the server: implicit TLS and a cleartext leg start together; the
 * best acceptable mode wins (DESIGN §4). Nothing blocks: every step runs
 * in the caller's main context. No credential is ever sent. Connections
 * that are no longer needed end with LOGOUT / QUIT after the answer.
 */
void
email2_probe_run_async (Email2Probe         *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, email2_probe_run_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  run = g_new0 (Run, 1);
  run->context = g_main_context_ref_thread_default ();
  run->start_us = g_get_monotonic_time ();
  run->plain_wait_ms = self->plain_wait_ms;
  run->task = g_object_ref (task);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (self->legs_enabled[i])
      {
        Email2ProbeConnConfig config = {
          i, self->protocol, self->host, self->port != 0 ? self->port : self->default_ports[i],
          self->require_tls, self->database, self->connect_ms, self->tls_ms, self->reply_ms,
        };

        run->legs[i] = email2_probe_conn_new (&config, run->context, run->start_us,
                                              run_evaluate_cb, run);
      }

  if (cancellable != NULL)
    {
      run->user_cancellable = g_object_ref (cancellable);
      run->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_user_cancelled), task, NULL);
    }

  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (run->legs[i] != NULL && !run->returned)
      email2_probe_conn_start (run->legs[i]);
}

/**
 * email2_probe_run_finish:
 * @self: a probe
 * @result: the #GAsyncResult
 * @error: return location for an error
 *
 * Returns: (transfer full): the answer, also when no mode is acceptable
 *   (then its security is %EMAIL2_PROBE_SECURITY_NONE and each leg says
 *   why); %NULL only when the probe was cancelled (%G_IO_ERROR_CANCELLED)
 */
Email2ProbeResult *
email2_probe_run_finish (Email2Probe   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (EMAIL2_IS_PROBE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == email2_probe_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
