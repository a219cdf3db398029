/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2AccountProbe: the incoming and the outgoing server of one account
 * probed together (docs/DESIGN.md §4, §3.1), and what their results mean
 * for the account:
 *
 * - INSERVER with the protocol of SERVICETYPE (IMAP, or POP3), OUTSERVER
 *   with SMTP; TLS required where the account requires it (TAGPROPS
 *   8128000B / 812C000B, or a password carried over while the server
 *   moved: docs/DESIGN.md §5.3);
 * - a server is decided when its probe found a mode; the account, when
 *   both are;
 * - the servers and requirements probed are kept, so that a result is
 *   written only to an account that was not edited meanwhile;
 * - when AUTHREQUIRED is 1, the strongest SMTP mechanism Evolution can
 *   use that the server offers.
 *
 * Where the results go (Evolution's sources) is the host's
 * (plugin/evolution/email2-evolution-prober.c).
 */

#include "config.h"

#include <string.h>

#include "email2-account-probe-private.h"
#include "email2-log.h"

typedef struct {
  Email2NodeId node;
  char *server;
  gboolean require_tls;
  Email2ProbeResult *result;
} Server;

struct _Email2AccountProbe {
  char *guid;
  Server servers[2];   /* INSERVER, OUTSERVER */
  guint waiting;
};

void
email2_account_probe_free (Email2AccountProbe *probe)
{
  g_free (probe->guid);
  for (guint i = 0; i < G_N_ELEMENTS (probe->servers); i++)
    {
      g_free (probe->servers[i].server);
      g_clear_pointer (&probe->servers[i].result, email2_probe_result_unref);
    }
  g_free (probe);
}

static const Server *
server_of (const Email2AccountProbe *probe,
           Email2NodeId              node)
{
  for (guint i = 0; i < G_N_ELEMENTS (probe->servers); i++)
    if (probe->servers[i].node == node)
      return &probe->servers[i];
  g_return_val_if_reached (NULL);
}

static gboolean
usable (const Email2ProbeResult *result)
{
  return result != NULL && result->security != EMAIL2_PROBE_SECURITY_NONE;
}

/* One server's probe: where its result goes. */
typedef struct {
  GTask *task;
  Server *server;
} ServerProbe;

static void
probe_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ServerProbe *server_probe = user_data;
  GTask *task = server_probe->task;
  Email2AccountProbe *probe = g_task_get_task_data (task);

  server_probe->server->result = email2_probe_run_finish (EMAIL2_PROBE (object), result, NULL);
  g_free (server_probe);

  if (--probe->waiting > 0)
    return;
  /* Moved out of the task: what is left in it is freed with it. */
  if (!g_task_return_error_if_cancelled (task))
    {
      g_task_return_pointer (task, g_memdup2 (probe, sizeof *probe),
                             (GDestroyNotify) email2_account_probe_free);
      memset (probe, 0, sizeof *probe);
    }
  g_object_unref (task);
}

static void
start_probe (GTask               *task,
             Server              *server,
             Email2ProbeProtocol  protocol,
             const char          *ca_file)
{
  Email2AccountProbe *probe = g_task_get_task_data (task);
  g_autofree char *host = NULL;
  guint16 port = 0;
  g_autoptr(Email2Probe) prober = NULL;
  g_autoptr(GError) error = NULL;
  ServerProbe *server_probe;

  if (!email2_parse_host_port (server->server, &host, &port))
    return;

  prober = email2_probe_new (protocol, host, port, server->require_tls);
  if (ca_file != NULL && !email2_probe_set_ca_file (prober, ca_file, &error))
    g_debug ("the CA file %s cannot be read: %s", ca_file, error->message);

  server_probe = g_new0 (ServerProbe, 1);
  server_probe->task = task;
  server_probe->server = server;
  probe->waiting++;
  email2_probe_run_async (prober, g_task_get_cancellable (task), probe_done, server_probe);
}

/**
 * email2_account_probe_async:
 * @account: the account, as provisioned
 * @ca_file: (nullable): CA certificates to trust instead of the system's
 *   (the tests' CA)
 * @cancellable: (nullable): stops both probes
 * @callback: called on the caller's thread-default main context
 * @user_data: for @callback
 *
 * Probes @account's INSERVER and OUTSERVER at the same time.
 */
void
email2_account_probe_async (const Email2Account *account,
                            const char          *ca_file,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Email2AccountProbe *probe = g_new0 (Email2AccountProbe, 1);
  static const Email2NodeId nodes[] = { EMAIL2_NODE_INSERVER, EMAIL2_NODE_OUTSERVER };

  g_task_set_source_tag (task, email2_account_probe_async);
  probe->guid = g_strdup (email2_account_get_guid (account));
  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      probe->servers[i].node = nodes[i];
      probe->servers[i].server = g_strdup (email2_account_get (account, nodes[i]));
      probe->servers[i].require_tls = email2_account_requires_tls (account, nodes[i]);
    }
  g_task_set_task_data (task, probe, (GDestroyNotify) email2_account_probe_free);

  /* The task is held until the last probe is done. */
  g_object_ref (task);
  start_probe (task, &probe->servers[0],
               g_strcmp0 (email2_account_get (account, EMAIL2_NODE_SERVICETYPE), "POP3") == 0
               ? EMAIL2_PROBE_PROTOCOL_POP3 : EMAIL2_PROBE_PROTOCOL_IMAP, ca_file);
  start_probe (task, &probe->servers[1], EMAIL2_PROBE_PROTOCOL_SMTP, ca_file);
  if (probe->waiting == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "%s names no server that can be probed", probe->guid);
      g_object_unref (task);
    }
  g_object_unref (task);
}

/**
 * email2_account_probe_finish:
 * @result: the result given to the callback
 * @error: set when the probe was cancelled, or the account names no
 *   server that can be probed
 *
 * Returns: (transfer full) (nullable): what was found
 */
Email2AccountProbe *
email2_account_probe_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == email2_account_probe_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * email2_account_probe_matches:
 * @probe: what was found
 * @account: the account as it is now
 *
 * Returns: whether @account still has the servers and the TLS
 *   requirements that were probed (an edit meanwhile, or a password
 *   carried over since, asks for a new probe)
 */
gboolean
email2_account_probe_matches (const Email2AccountProbe *probe,
                              const Email2Account      *account)
{
  for (guint i = 0; i < G_N_ELEMENTS (probe->servers); i++)
    {
      const Server *server = &probe->servers[i];

      if (g_strcmp0 (email2_account_get (account, server->node), server->server) != 0 ||
          email2_account_requires_tls (account, server->node) != server->require_tls)
        return FALSE;
    }
  return TRUE;
}

/**
 * email2_account_probe_get_result:
 * @probe: what was found
 * @server: %EMAIL2_NODE_INSERVER or %EMAIL2_NODE_OUTSERVER
 *
 * Returns: (nullable): the mode found for @server, or %NULL when none is
 *   acceptable (or it could not be probed)
 */
const Email2ProbeResult *
email2_account_probe_get_result (const Email2AccountProbe *probe,
                                 Email2NodeId              server)
{
  const Server *found = server_of (probe, server);

  return found != NULL && usable (found->result) ? found->result : NULL;
}

/**
 * email2_account_probe_get_server:
 * @probe: what was found
 * @server: %EMAIL2_NODE_INSERVER or %EMAIL2_NODE_OUTSERVER
 *
 * Returns: (nullable): the value of @server that was probed
 */
const char *
email2_account_probe_get_server (const Email2AccountProbe *probe,
                                 Email2NodeId              server)
{
  const Server *found = server_of (probe, server);

  return found != NULL ? found->server : NULL;
}

/**
 * email2_account_probe_is_decided:
 * @probe: what was found
 *
 * Returns: whether both servers have an acceptable mode
 */
gboolean
email2_account_probe_is_decided (const Email2AccountProbe *probe)
{
  for (guint i = 0; i < G_N_ELEMENTS (probe->servers); i++)
    if (!usable (probe->servers[i].result))
      return FALSE;
  return TRUE;
}

/**
 * email2_account_probe_get_smtp_mechanism:
 * @probe: what was found
 * @account: the account as it is now
 *
 * Returns: (nullable): when @account's AUTHREQUIRED is 1 and OUTSERVER has
 *   a mode, the strongest mechanism Evolution can use that the server
 *   offers (PLAIN when it names none of them); else %NULL
 */
const char *
email2_account_probe_get_smtp_mechanism (const Email2AccountProbe *probe,
                                         const Email2Account      *account)
{
  static const char * const preferred[] = { "CRAM-MD5", "PLAIN", "LOGIN", NULL };
  const Email2ProbeResult *result = email2_account_probe_get_result (probe, EMAIL2_NODE_OUTSERVER);

  if (result == NULL || g_strcmp0 (email2_account_get (account, EMAIL2_NODE_AUTHREQUIRED), "1") != 0)
    return NULL;
  for (guint i = 0; preferred[i] != NULL; i++)
    for (guint k = 0; result->auth_mechanisms != NULL && result->auth_mechanisms[k] != NULL; k++)
      if (g_ascii_strcasecmp (result->auth_mechanisms[k], preferred[i]) == 0)
        return preferred[i];

  return "PLAIN";
}

/**
 * email2_account_probe_log:
 * @probe: what was found, and written
 * @account: the account as it is now
 *
 * Logs the decision, or the lack of one, with the servers: never a
 * secret.
 */
void
email2_account_probe_log (const Email2AccountProbe *probe,
                          const Email2Account      *account)
{
  const char *modes[G_N_ELEMENTS (probe->servers)];
  gboolean decided = email2_account_probe_is_decided (probe);
  gboolean carried = email2_account_password_carried (account, EMAIL2_NODE_INSERVER) ||
                     email2_account_password_carried (account, EMAIL2_NODE_OUTSERVER);

  /* A server probed without an acceptable mode, or not probed: "none". */
  for (guint i = 0; i < G_N_ELEMENTS (probe->servers); i++)
    {
      const Email2ProbeResult *result = probe->servers[i].result;

      modes[i] = result != NULL ? email2_probe_security_to_string (result->security) : NULL;
      if (modes[i] == NULL)
        modes[i] = "none";
    }

  email2_log_event (decided ? EMAIL2_EVENT_PROBED : EMAIL2_EVENT_PROBE_FAILED,
                    EMAIL2_ORIGIN_NONE, NULL, probe->guid, 0,
                    "Account %s probed: incoming %s %s, outgoing %s %s%s",
                    probe->guid, probe->servers[0].server, modes[0], probe->servers[1].server, modes[1],
                    decided ? ""
                    : !carried ? "; no acceptable mode for every server, probed again when "
                                 "the network changes"
                    : "; no acceptable mode for every server, probed again when the network "
                      "changes (TLS is required where the password was kept while the server "
                      "moved: send the password again with the server to allow plain)");
}
