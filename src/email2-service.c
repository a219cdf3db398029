/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Service: io.github.email2.Provisioning1 (data/
 * io.github.email2.Provisioning1.xml) served with the engine, on any host.
 *
 * Every call, and every job a host or the spool queues, runs in one worker
 * thread, one after the other in arrival order: the main loop never waits
 * for the host (a keyring, a disk) and two clients never interleave. The
 * D-Bus handlers run on the main context the service was made on, and
 * only queue.
 *
 * Stopping is in two steps, on the main context: email2_service_drain()
 * refuses new calls, answers the queued ones with an error and waits, a
 * bounded time and iterating the main context (the host may need it), for
 * the call in progress; email2_service_stop() then unexports and joins the
 * worker. A host whose worker may wait for the main context lets it go
 * between the two when the drain timed out.
 *
 * A little over 800 lines: about a third is the GObject and signal
 * boilerplate and the doc comments of the host's hooks; the calls, the
 * queue and the stop belong together, since each call's life crosses all
 * three.
 */

#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n-lib.h>

#include "email2-command-private.h"
#include "email2-dbus-generated.h"
#include "email2-dbus.h"
#include "email2-error.h"
#include "email2-locuri.h"
#include "email2-log.h"
#include "email2-secure-private.h"
#include "email2-service.h"

typedef enum {
  CALL_JOB,
  CALL_APPLY,
  CALL_APPLY_WITH_SUMMARY,
  CALL_GET,
  CALL_LIST,
  CALL_LIST_ACCOUNTS,
  CALL_DELETE,
  CALL_CHECK,
} CallKind;

/* One queued D-Bus call or job. */
typedef struct {
  CallKind kind;
  const char *name;              /* for the log */
  GDBusMethodInvocation *invocation;
  GUnixFDList *payload_fd;       /* Apply: the payload's file descriptor, alone */
  char *argument;                /* Get: the URI; Delete: the GUID; Check: "repair" or NULL */
  Email2ServiceJob job;          /* a job */
  gpointer job_data;
  GDestroyNotify job_destroy;
} Call;

struct _Email2Service {
  GObject parent_instance;

  Email2Session *session;
  GMainContext *context;         /* where the handlers run and "applied" is emitted */
  Email2DbusProvisioning1 *skeleton;
  GThreadPool *worker;
  gint busy;                     /* atomic: calls queued or running */
  gint stopping;                 /* atomic */
  guint serial;                  /* worker only */
  char *origin;                  /* worker only: the payload's, NULL: D-Bus */
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  SIGNAL_APPLIED,
  SIGNAL_PAYLOAD_FAILED,
  SIGNAL_DESCRIBE_ACCOUNT,
  SIGNAL_CALL_DONE,
  SIGNAL_CHECK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (Email2Service, email2_service, G_TYPE_OBJECT)

static void
call_free (Call *call)
{
  g_clear_object (&call->invocation);
  g_clear_object (&call->payload_fd);
  g_free (call->argument);
  if (call->job_destroy != NULL)
    call->job_destroy (call->job_data);
  g_free (call);
}

static void
return_stopping (GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_error_literal (invocation, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                                                 _("The account registry is stopping; "
                                                   "try again when it runs"));
}

/* ---- in the worker ---- */

/* Runs one Get or Delete command through the engine. */
static Email2Status *
run_single (Email2Service     *self,
            Email2CommandKind  kind,
            const char        *name,
            const char        *uri)
{
  g_autoptr(Email2Command) command = email2_command_new (kind, name);
  g_autoptr(GPtrArray) commands = g_ptr_array_new ();
  g_autoptr(GPtrArray) statuses = NULL;
  Email2Item *item = email2_item_new ();

  command->cmd_id = g_strdup ("1");
  item->target = g_strdup (uri);
  g_ptr_array_add (command->items, item);
  g_ptr_array_add (commands, command);

  statuses = email2_session_process (self->session, commands);
  return g_ptr_array_steal_index (statuses, 0);
}

static gboolean
emit_applied (gpointer data)
{
  Email2Service *self = data;

  if (!g_atomic_int_get (&self->stopping))
    g_signal_emit (self, signals[SIGNAL_APPLIED], 0);
  return G_SOURCE_REMOVE;
}

/**
 * email2_service_respond:
 * @self: a service
 * @payload: a payload, parsed
 * @origin: (nullable): where it came from (a spool file's name); %NULL
 *   for a D-Bus client
 * @length: (out): the response's length
 * @error: return location for a #GError
 *
 * Runs @payload through the engine and answers it in its own form;
 * emits #Email2Service::payload-failed when a command failed, then
 * #Email2Service::applied on the service's main context. Call it in the
 * worker (from a job), as Apply does.
 *
 * Returns: (transfer full) (nullable): the response document, which never
 *   holds a secret; %NULL when none could be made (the payload ran)
 */
char *
email2_service_respond (Email2Service  *self,
                        Email2Payload  *payload,
                        const char     *origin,
                        gsize          *length,
                        GError        **error)
{
  char *response;

  g_return_val_if_fail (EMAIL2_IS_SERVICE (self), NULL);

  g_free (self->origin);
  self->origin = g_strdup (origin);
  email2_payload_process (payload, self->session);
  if (!email2_payload_succeeded (payload))
    g_signal_emit (self, signals[SIGNAL_PAYLOAD_FAILED], 0, payload, origin);
  response = email2_payload_write_response (payload, length, error);

  for (guint i = 0; email2_payload_get_statuses (payload) != NULL && i < email2_payload_get_statuses (payload)->len; i++)
    {
      const Email2Status *status = email2_payload_get_statuses (payload)->pdata[i];

      /* Reasons name nodes and say what failed; they never hold a value. */
      if (status->code >= 500)
        g_debug ("%s %s: %u %s", status->cmd, status->target_ref ? status->target_ref : "",
                 status->code, status->reason ? status->reason : "");
    }

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_applied,
                              g_object_ref (self), g_object_unref);
  return response;
}

/**
 * email2_service_get_session:
 * @self: a service
 *
 * Returns: (transfer none): the engine the service runs payloads on
 */
Email2Session *
email2_service_get_session (Email2Service *self)
{
  g_return_val_if_fail (EMAIL2_IS_SERVICE (self), NULL);

  return self->session;
}

/**
 * email2_service_notify_applied:
 * @self: a service
 *
 * Emits #Email2Service::applied on the service's main context, as after
 * a payload: for changes made to the host another way (the system
 * inbox's rollouts). Call it in the worker.
 */
void
email2_service_notify_applied (Email2Service *self)
{
  g_return_if_fail (EMAIL2_IS_SERVICE (self));

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_applied,
                              g_object_ref (self), g_object_unref);
}

/* SyncML or CP, XML or WBXML: the answer comes back in the same form. */
static void
serve_apply (Email2Service *self,
             Call          *call)
{
  int fd = g_unix_fd_list_peek_fds (call->payload_fd, NULL)[0];
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse_fd (fd, EMAIL2_FORMAT_AUTO, &error);
  g_autofree char *response = NULL;
  gsize response_length = 0;
  GVariant *answer;

  if (payload == NULL)
    email2_log_event (EMAIL2_EVENT_REFUSED, EMAIL2_ORIGIN_DBUS, NULL, NULL, 0,
                      "Apply: a payload was refused: %s", error->message);
  else
    {
      response = email2_service_respond (self, payload, NULL, &response_length, &error);
      if (email2_payload_get_statuses (payload) != NULL)
        email2_log_payload (payload, EMAIL2_ORIGIN_DBUS, NULL);
    }
  if (response == NULL)
    {
      if (error->domain != EMAIL2_ERROR)
        {
          g_debug ("Apply: %s", error->message);
          g_dbus_method_invocation_return_error_literal (call->invocation, EMAIL2_ERROR,
                                                         EMAIL2_ERROR_FAILED,
                                                         _("No response could be made"));
        }
      else
        g_dbus_method_invocation_return_gerror (call->invocation, error);
      return;
    }

  answer = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, response, response_length, 1);
  if (call->kind == CALL_APPLY_WITH_SUMMARY)
    g_dbus_method_invocation_return_value (call->invocation,
                                           g_variant_new ("(@ayu@a{sv})", answer, email2_payload_succeeded (payload) ? 0 : 1,
                                                          email2_payload_get_summary (payload)));
  else
    g_dbus_method_invocation_return_value (call->invocation,
                                           g_variant_new ("(@ayu)", answer, email2_payload_succeeded (payload) ? 0 : 1));
}

static void
serve_get (Email2Service *self,
           Call          *call)
{
  g_autoptr(Email2Status) status = run_single (self, EMAIL2_COMMAND_GET, "Get", call->argument);

  g_dbus_method_invocation_return_value (
    call->invocation,
    g_variant_new ("(uss)", status->code,
                   status->result_format ? status->result_format : "",
                   status->result_data ? status->result_data : ""));
}

static void
serve_list (Email2Service *self,
            Call          *call)
{
  g_auto(GStrv) guids = email2_host_list_accounts (email2_session_get_host (self->session));

  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(^as)", guids));
}

/* Every account: what the engine's host knows of it, and what the host
 * adds (#Email2Service::describe-account). */
static void
serve_list_accounts (Email2Service *self,
                     Call          *call)
{
  static const struct {
    const char *key;
    Email2NodeId node;
  } nodes[] = {
    { "name", EMAIL2_NODE_SERVICENAME },
    { "service-type", EMAIL2_NODE_SERVICETYPE },
    { "address", EMAIL2_NODE_REPLYADDR },
    { "user-name", EMAIL2_NODE_NAME },
  };
  Email2Host *host = email2_session_get_host (self->session);
  g_auto(GStrv) guids = email2_host_list_accounts (host);
  GVariantBuilder accounts;

  g_variant_builder_init (&accounts, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; guids[i] != NULL; i++)
    {
      g_autoptr(Email2Account) account = email2_host_lookup_account (host, guids[i]);
      GVariantBuilder builder;
      gboolean failed = FALSE;

      if (account == NULL)
        continue;
      g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "guid", g_variant_new_string (guids[i]));
      for (guint j = 0; j < G_N_ELEMENTS (nodes); j++)
        if (email2_account_get (account, nodes[j].node) != NULL)
          g_variant_builder_add (&builder, "{sv}", nodes[j].key,
                                 g_variant_new_string (email2_account_get (account, nodes[j].node)));
      g_signal_emit (self, signals[SIGNAL_DESCRIBE_ACCOUNT], 0, guids[i], &builder, &failed);
      if (failed)
        {
          g_variant_builder_clear (&builder);
          g_variant_builder_clear (&accounts);
          return_stopping (call->invocation);
          return;
        }
      g_variant_builder_add_value (&accounts, g_variant_builder_end (&builder));
    }

  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(aa{sv})", &accounts));
}

static void
serve_delete (Email2Service *self,
              Call          *call)
{
  char guid[EMAIL2_GUID_SIZE];
  g_autofree char *uri = NULL;
  g_autoptr(Email2Status) status = NULL;

  if (!email2_guid_canonicalize (call->argument, guid))
    {
      g_dbus_method_invocation_return_error_literal (call->invocation, EMAIL2_ERROR,
                                                     EMAIL2_ERROR_BAD_REQUEST,
                                                     _("Not an account GUID in braces"));
      return;
    }
  uri = email2_locuri_for_account (guid);
  status = run_single (self, EMAIL2_COMMAND_DELETE, "Delete", uri);
  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(u)", status->code));
}

/* What interrupted transactions left: the host's business
 * (#Email2Service::check); a host without it has nothing to find. */
static void
serve_check (Email2Service *self,
             Call          *call)
{
  GVariantBuilder findings;
  gboolean stopping = FALSE;

  g_variant_builder_init (&findings, G_VARIANT_TYPE ("a(ssssb)"));
  g_signal_emit (self, signals[SIGNAL_CHECK], 0, call->argument != NULL, &findings, &stopping);
  if (stopping)
    {
      g_variant_builder_clear (&findings);
      return_stopping (call->invocation);
      return;
    }
  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(a(ssssb))", &findings));
}

static void
serve (gpointer data,
       gpointer user_data)
{
  Call *call = data;
  Email2Service *self = user_data;
  guint number = ++self->serial;  /* one worker thread */

  if (g_atomic_int_get (&self->stopping))
    {
      /* Queued before the service began to stop: answered, not run. */
      if (call->invocation != NULL)
        return_stopping (call->invocation);
    }
  else
    {
      /* The log shows that calls never overlap (tests/test-spool.c reads it). */
      g_debug ("%s call %u begins", call->name, number);
      g_clear_pointer (&self->origin, g_free);
      switch (call->kind)
        {
        case CALL_JOB: call->job (call->job_data); break;
        case CALL_APPLY:
        case CALL_APPLY_WITH_SUMMARY: serve_apply (self, call); break;
        case CALL_GET: serve_get (self, call); break;
        case CALL_LIST: serve_list (self, call); break;
        case CALL_LIST_ACCOUNTS: serve_list_accounts (self, call); break;
        case CALL_DELETE: serve_delete (self, call); break;
        case CALL_CHECK: serve_check (self, call); break;
        default: g_assert_not_reached ();
        }
      g_debug ("%s call %u ends", call->name, number);
    }

  /* Answered: the host may finish what need not keep the client waiting. */
  call_free (call);
  g_signal_emit (self, signals[SIGNAL_CALL_DONE], 0);
  /* No byte of a payload stays on this thread's stack or in its vector
   * registers while it waits (a core holds both, DESIGN §5.2). */
  email2_secure_wipe_thread ();
  g_atomic_int_dec_and_test (&self->busy);
  g_main_context_wakeup (self->context);
}

/* ---- on the main context ---- */

static void
queue_call (Email2Service *self,
            Call          *call)
{
  g_autoptr(GError) error = NULL;

  if (g_atomic_int_get (&self->stopping) || self->worker == NULL)
    {
      if (call->invocation != NULL)
        return_stopping (call->invocation);
      call_free (call);
      return;
    }

  g_atomic_int_inc (&self->busy);
  if (!g_thread_pool_push (self->worker, call, &error))
    {
      g_warning ("The %s call cannot be queued: %s", call->name, error->message);
      if (call->invocation != NULL)
        return_stopping (call->invocation);
      call_free (call);
      g_atomic_int_dec_and_test (&self->busy);
    }
}

static gboolean
queue_invocation (Email2Service         *self,
                  CallKind               kind,
                  const char            *name,
                  GDBusMethodInvocation *invocation,
                  GUnixFDList           *payload_fd,
                  const char            *argument)
{
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->name = name;
  call->invocation = g_object_ref (invocation);
  call->payload_fd = payload_fd;
  call->argument = g_strdup (argument);
  queue_call (self, call);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_apply_kind (Email2DbusProvisioning1 *skeleton,
                   CallKind                 kind,
                   const char              *name,
                   GDBusMethodInvocation   *invocation,
                   GUnixFDList             *fd_list,
                   GVariant                *payload,
                   Email2Service           *self)
{
  int fd = -1;

  /* The payload comes as a file descriptor, so that its secrets are in no
   * message on the bus; the worker reads it (email2_payload_parse_fd()). */
  if (fd_list != NULL)
    fd = g_unix_fd_list_get (fd_list, g_variant_get_handle (payload), NULL);
  if (fd < 0)
    {
      g_dbus_method_invocation_return_error_literal (
        invocation, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
        _("Apply takes the payload as a file descriptor passed with the call"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  return queue_invocation (self, kind, name, invocation,
                           g_unix_fd_list_new_from_array (&fd, 1), NULL);
}

static gboolean
handle_apply (Email2DbusProvisioning1 *skeleton,
              GDBusMethodInvocation   *invocation,
              GUnixFDList             *fd_list,
              GVariant                *payload,
              Email2Service           *self)
{
  return handle_apply_kind (skeleton, CALL_APPLY, "Apply", invocation, fd_list, payload, self);
}

static gboolean
handle_apply_with_summary (Email2DbusProvisioning1 *skeleton,
                           GDBusMethodInvocation   *invocation,
                           GUnixFDList             *fd_list,
                           GVariant                *payload,
                           Email2Service           *self)
{
  return handle_apply_kind (skeleton, CALL_APPLY_WITH_SUMMARY, "ApplyWithSummary", invocation,
                            fd_list, payload, self);
}

static gboolean
handle_get (Email2DbusProvisioning1 *skeleton,
            GDBusMethodInvocation   *invocation,
            const char              *uri,
            Email2Service           *self)
{
  return queue_invocation (self, CALL_GET, "Get", invocation, NULL, uri);
}

static gboolean
handle_list (Email2DbusProvisioning1 *skeleton,
             GDBusMethodInvocation   *invocation,
             Email2Service           *self)
{
  return queue_invocation (self, CALL_LIST, "List", invocation, NULL, NULL);
}

static gboolean
handle_list_accounts (Email2DbusProvisioning1 *skeleton,
                      GDBusMethodInvocation   *invocation,
                      Email2Service           *self)
{
  return queue_invocation (self, CALL_LIST_ACCOUNTS, "ListAccounts", invocation, NULL, NULL);
}

static gboolean
handle_check (Email2DbusProvisioning1 *skeleton,
              GDBusMethodInvocation   *invocation,
              gboolean                 repair,
              Email2Service           *self)
{
  return queue_invocation (self, CALL_CHECK, "Check", invocation, NULL, repair ? "repair" : NULL);
}

static gboolean
handle_delete (Email2DbusProvisioning1 *skeleton,
               GDBusMethodInvocation   *invocation,
               const char              *guid,
               Email2Service           *self)
{
  return queue_invocation (self, CALL_DELETE, "Delete", invocation, NULL, guid);
}

/**
 * email2_service_queue:
 * @self: a service
 * @name: what the job is, for the log ("Recover", "Spool")
 * @job: the work
 * @data: its data
 * @destroy: (nullable): frees @data, whether the job ran or not
 *
 * Runs @job in the worker after every call and job queued before it. A
 * job queued or waiting when the service stops does not run. Call it on
 * the main context.
 */
void
email2_service_queue (Email2Service    *self,
                      const char       *name,
                      Email2ServiceJob  job,
                      gpointer          data,
                      GDestroyNotify    destroy)
{
  Call *call;

  g_return_if_fail (EMAIL2_IS_SERVICE (self));

  call = g_new0 (Call, 1);
  call->kind = CALL_JOB;
  call->name = name;
  call->job = job;
  call->job_data = data;
  call->job_destroy = destroy;
  queue_call (self, call);
}

/**
 * email2_service_export:
 * @self: a service
 * @connection: a bus connection
 * @object_path: where, normally %EMAIL2_DBUS_OBJECT_PATH
 * @error: return location for a #GError
 *
 * Serves io.github.email2.Provisioning1 on @connection.
 *
 * Returns: %TRUE when exported
 */
gboolean
email2_service_export (Email2Service    *self,
                       GDBusConnection  *connection,
                       const char       *object_path,
                       GError          **error)
{
  g_return_val_if_fail (EMAIL2_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (self->skeleton == NULL, FALSE);

  self->skeleton = email2_dbus_provisioning1_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-apply", G_CALLBACK (handle_apply), self);
  g_signal_connect (self->skeleton, "handle-apply-with-summary",
                    G_CALLBACK (handle_apply_with_summary), self);
  g_signal_connect (self->skeleton, "handle-get", G_CALLBACK (handle_get), self);
  g_signal_connect (self->skeleton, "handle-list", G_CALLBACK (handle_list), self);
  g_signal_connect (self->skeleton, "handle-list-accounts", G_CALLBACK (handle_list_accounts), self);
  g_signal_connect (self->skeleton, "handle-delete", G_CALLBACK (handle_delete), self);
  g_signal_connect (self->skeleton, "handle-check", G_CALLBACK (handle_check), self);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                         connection, object_path, error))
    {
      g_clear_object (&self->skeleton);
      return FALSE;
    }
  return TRUE;
}

/**
 * email2_service_drain:
 * @self: a service
 * @timeout_ms: how long to wait for the call in progress
 *
 * Begins to stop: new calls and the queued ones are answered with an
 * error, queued jobs do not run, and the call in progress is waited for,
 * at most @timeout_ms, while the main context keeps running. Call it on
 * the main context.
 *
 * Returns: %TRUE when the worker is idle; %FALSE when the call in
 *   progress still runs
 */
gboolean
email2_service_drain (Email2Service *self,
                      guint          timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_return_val_if_fail (EMAIL2_IS_SERVICE (self), FALSE);

  g_atomic_int_set (&self->stopping, TRUE);
  while (g_atomic_int_get (&self->busy) > 0 && g_get_monotonic_time () < deadline)
    {
      /* The worker wakes the context when a call ends; the sleep bounds
       * the wait for the deadline. */
      if (!g_main_context_iteration (self->context, FALSE))
        g_usleep (1000);
    }

  return g_atomic_int_get (&self->busy) == 0;
}

/**
 * email2_service_stop:
 * @self: a service
 *
 * Stops serving: unexports the interface and waits for the worker, whose
 * queued calls are answered with an error. Call it on the main context,
 * after email2_service_drain(); the service does nothing more.
 */
void
email2_service_stop (Email2Service *self)
{
  g_return_if_fail (EMAIL2_IS_SERVICE (self));

  g_atomic_int_set (&self->stopping, TRUE);
  if (self->skeleton != NULL)
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
      g_clear_object (&self->skeleton);
    }
  if (self->worker != NULL)
    g_thread_pool_free (g_steal_pointer (&self->worker), FALSE, TRUE);
}

/**
 * email2_service_get_origin:
 * @self: a service
 *
 * In the worker, while a payload runs: where it came from.
 *
 * Returns: (nullable): the spool file's name; %NULL for a D-Bus client
 */
const char *
email2_service_get_origin (Email2Service *self)
{
  g_return_val_if_fail (EMAIL2_IS_SERVICE (self), NULL);

  return self->origin;
}

static void
email2_service_constructed (GObject *object)
{
  Email2Service *self = EMAIL2_SERVICE (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (email2_service_parent_class)->constructed (object);

  /* One thread: calls are served one at a time, in order. */
  self->worker = g_thread_pool_new (serve, self, 1, FALSE, &error);
  g_assert_no_error (error);
}

static void
email2_service_dispose (GObject *object)
{
  Email2Service *self = EMAIL2_SERVICE (object);

  email2_service_stop (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (email2_service_parent_class)->dispose (object);
}

static void
email2_service_finalize (GObject *object)
{
  Email2Service *self = EMAIL2_SERVICE (object);

  g_main_context_unref (self->context);
  g_free (self->origin);

  G_OBJECT_CLASS (email2_service_parent_class)->finalize (object);
}

static void
email2_service_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  Email2Service *self = EMAIL2_SERVICE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
email2_service_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  Email2Service *self = EMAIL2_SERVICE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
email2_service_class_init (Email2ServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = email2_service_constructed;
  object_class->dispose = email2_service_dispose;
  object_class->finalize = email2_service_finalize;
  object_class->set_property = email2_service_set_property;
  object_class->get_property = email2_service_get_property;

  /**
   * Email2Service:session:
   *
   * The engine the calls run on.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, EMAIL2_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * Email2Service::applied:
   * @self: the service
   *
   * A payload ran (Apply, or a job through email2_service_respond());
   * emitted on the service's main context, not while it stops.
   */
  signals[SIGNAL_APPLIED] = g_signal_new ("applied", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);

  /**
   * Email2Service::payload-failed:
   * @self: the service
   * @payload: (type Email2Payload): the payload, processed
   * @origin: (nullable): where it came from, as given to
   *   email2_service_respond()
   *
   * A command of a payload failed; emitted in the worker.
   */
  signals[SIGNAL_PAYLOAD_FAILED] = g_signal_new ("payload-failed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_STRING);

  /**
   * Email2Service::describe-account:
   * @self: the service
   * @guid: an account's GUID
   * @builder: (type GVariantBuilder): its a{sv}, for the host's keys
   *
   * ListAccounts adds what the host knows of an account; emitted in the
   * worker.
   *
   * Returns: %TRUE when the host cannot answer (it is stopping): the call
   *   fails
   */
  signals[SIGNAL_DESCRIBE_ACCOUNT] = g_signal_new ("describe-account", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0,
                                                   g_signal_accumulator_true_handled, NULL, NULL,
                                                   G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_POINTER);

  /**
   * Email2Service::call-done:
   * @self: the service
   *
   * A call or job ended (a call was answered); emitted in the worker.
   */
  signals[SIGNAL_CALL_DONE] = g_signal_new ("call-done", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);

  /**
   * Email2Service::check:
   * @self: the service
   * @repair: fix what can be fixed safely
   * @findings: (type GVariantBuilder): an a(ssssb) for what the host finds
   *
   * The Check call: the host adds what interrupted transactions left
   * behind (docs/DESIGN.md §3.8); emitted in the worker.
   *
   * Returns: %TRUE when the host cannot answer (it is stopping)
   */
  signals[SIGNAL_CHECK] = g_signal_new ("check", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0,
                                        g_signal_accumulator_true_handled, NULL, NULL,
                                        G_TYPE_BOOLEAN, 2, G_TYPE_BOOLEAN, G_TYPE_POINTER);
}

static void
email2_service_init (Email2Service *self)
{
  self->context = g_main_context_ref_thread_default ();
}

/**
 * email2_service_new:
 * @session: the engine, on its host
 *
 * Makes the service on the thread-default main context, where its D-Bus
 * handlers run.
 *
 * Returns: (transfer full): a service, not exported
 */
Email2Service *
email2_service_new (Email2Session *session)
{
  g_return_val_if_fail (EMAIL2_IS_SESSION (session), NULL);

  return g_object_new (EMAIL2_TYPE_SERVICE, "session", session, NULL);
}
