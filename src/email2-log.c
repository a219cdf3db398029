/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Structured journal entries: every apply, failure, refusal, spool outcome
 * and probe decision, with its own MESSAGE_ID and EMAIL2_* fields, so that
 * a fleet's log pipeline can pick out an account, an outcome or a failed
 * rollout (email2(7), data/email2.catalog). Never a secret: the messages
 * are built from the engine's reasons and names, never from values.
 */

#include "config.h"

#include <string.h>

#include "email2-command-private.h"
#include "email2-command.h"
#include "email2-locuri.h"
#include "email2-log.h"

static const struct {
  const char *message_id;
  const char *outcome;
  GLogLevelFlags level;
} events[] = {
  [EMAIL2_EVENT_APPLIED] = { "1207daf7d0b944dbbbbf731d32833a97", "ok", G_LOG_LEVEL_MESSAGE },
  [EMAIL2_EVENT_FAILED] = { "06172b8bc0d14e479d61bf94b98fc1c1", "failed", G_LOG_LEVEL_WARNING },
  [EMAIL2_EVENT_REFUSED] = { "e6b15ab22f41483aac23bf88a813136a", "refused", G_LOG_LEVEL_WARNING },
  [EMAIL2_EVENT_INTERRUPTED] = { "db858ccd80234ef78bc672437e46b6cf", "interrupted", G_LOG_LEVEL_WARNING },
  [EMAIL2_EVENT_SPOOL_APPLIED] = { "17b4b4cc89d04b9483ffeda8a0ca8570", "ok", G_LOG_LEVEL_MESSAGE },
  [EMAIL2_EVENT_SPOOL_FAILED] = { "e822b9e7705e40beaec7ede282f42c2d", "failed", G_LOG_LEVEL_MESSAGE },
  [EMAIL2_EVENT_PROBED] = { "42840b26eec24965bace2cdf7530b785", "ok", G_LOG_LEVEL_INFO },
  [EMAIL2_EVENT_PROBE_FAILED] = { "8c48d29b976e49da93fc7aec963e78b9", "failed", G_LOG_LEVEL_WARNING },
};

static const char * const origin_names[] = {
  [EMAIL2_ORIGIN_NONE] = NULL,
  [EMAIL2_ORIGIN_DBUS] = "dbus",
  [EMAIL2_ORIGIN_USER_SPOOL] = "user-spool",
  [EMAIL2_ORIGIN_SYSTEM_SPOOL] = "system-spool",
};

/**
 * email2_event_get_message_id:
 * @event: an event
 *
 * Returns: (transfer none): the event's MESSAGE_ID, 32 hexadecimal digits
 */
const char *
email2_event_get_message_id (Email2Event event)
{
  g_return_val_if_fail (event < G_N_ELEMENTS (events), NULL);

  return events[event].message_id;
}

static void
add_field (GLogField  *fields,
           gsize      *n,
           const char *key,
           const char *value)
{
  if (value == NULL)
    return;
  fields[*n].key = key;
  fields[*n].value = value;
  fields[*n].length = -1;
  (*n)++;
}

/**
 * email2_log_event:
 * @event: what happened
 * @origin: where the payload came from
 * @payload_name: (nullable): the spool payload's file name
 * @guid: (nullable): the account, in braces
 * @status: the OMA DM status code of a failure, or 0
 * @format: the message, printf-style; never a secret
 * @...: its arguments
 *
 * Logs one structured entry: MESSAGE, PRIORITY, MESSAGE_ID, GLIB_DOMAIN,
 * EMAIL2_OUTCOME and, when known, EMAIL2_ORIGIN, EMAIL2_PAYLOAD,
 * EMAIL2_GUID and EMAIL2_STATUS.
 */
void
email2_log_event (Email2Event   event,
                  Email2Origin  origin,
                  const char   *payload_name,
                  const char   *guid,
                  guint         status,
                  const char   *format,
                  ...)
{
  g_autofree char *message = NULL;
  g_autofree char *priority = NULL;
  g_autofree char *status_text = NULL;
  GLogField fields[10];
  GLogLevelFlags level;
  gsize n = 0;
  va_list args;

  g_return_if_fail (event < G_N_ELEMENTS (events));
  g_return_if_fail (origin < G_N_ELEMENTS (origin_names));

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* A D-Bus client is told of a failure or refusal in the answer: for the
   * log it is a notice, not a warning (the spool has no one else to tell). */
  level = events[event].level;
  if (origin == EMAIL2_ORIGIN_DBUS && level == G_LOG_LEVEL_WARNING)
    level = G_LOG_LEVEL_MESSAGE;

  /* The syslog priority of the level, as GLib's own writer maps it. */
  switch (level)
    {
    case G_LOG_LEVEL_WARNING: priority = g_strdup ("4"); break;
    case G_LOG_LEVEL_MESSAGE: priority = g_strdup ("5"); break;
    default: priority = g_strdup ("6"); break;
    }
  if (status != 0)
    status_text = g_strdup_printf ("%u", status);

  /* GLib's test harness checks g_test_expect_message () against g_log ()
   * only: in a test program (the engine and the spool in-process), the
   * entry goes there, as text. The registry is no test program. */
  if (g_test_initialized ())
    {
      g_log (G_LOG_DOMAIN, level, "%s", message);
      return;
    }

  add_field (fields, &n, "MESSAGE", message);
  add_field (fields, &n, "PRIORITY", priority);
  add_field (fields, &n, "GLIB_DOMAIN", G_LOG_DOMAIN);
  add_field (fields, &n, "MESSAGE_ID", events[event].message_id);
  add_field (fields, &n, "EMAIL2_OUTCOME", events[event].outcome);
  add_field (fields, &n, "EMAIL2_ORIGIN", origin_names[origin]);
  add_field (fields, &n, "EMAIL2_PAYLOAD", payload_name);
  add_field (fields, &n, "EMAIL2_GUID", guid != NULL && guid[0] != '\0' ? guid : NULL);
  add_field (fields, &n, "EMAIL2_STATUS", status_text);

  g_log_structured_array (level, fields, n);
}

/* The account a status is about, or "" for the root or none. */
static void
status_guid (const Email2Status *status,
             char                guid[EMAIL2_GUID_SIZE])
{
  Email2Path path;

  guid[0] = '\0';
  if (status->target_ref != NULL && email2_locuri_parse (status->target_ref, &path, NULL))
    memcpy (guid, path.guid, EMAIL2_GUID_SIZE);
  else if (status->target_ref == NULL || !email2_guid_canonicalize (status->target_ref, guid))
    guid[0] = '\0';
}

/**
 * email2_log_payload:
 * @payload: a payload that email2_payload_process() ran
 * @origin: where it came from
 * @payload_name: (nullable): the spool payload's file name
 *
 * Logs a payload's outcome: one entry per account it touched
 * (%EMAIL2_EVENT_APPLIED or %EMAIL2_EVENT_FAILED with the account's first
 * failed status and its reason), or one without a GUID when it named none.
 */
void
email2_log_payload (const Email2Payload *payload,
                    Email2Origin         origin,
                    const char          *payload_name)
{
  g_autoptr(GPtrArray) guids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) failures = g_hash_table_new (g_str_hash, g_str_equal);
  const Email2Status *first_failure = NULL;
  const char *format = email2_format_to_string (email2_payload_get_format (payload));

  g_return_if_fail (payload != NULL && email2_payload_get_statuses (payload) != NULL);

  for (guint i = 0; i < email2_payload_get_statuses (payload)->len; i++)
    {
      const Email2Status *status = email2_payload_get_statuses (payload)->pdata[i];
      char guid[EMAIL2_GUID_SIZE];
      gboolean failed = !email2_status_code_is_success (status->code);
      guint j;

      if (failed && first_failure == NULL)
        first_failure = status;
      status_guid (status, guid);
      if (guid[0] == '\0')
        continue;
      for (j = 0; j < guids->len; j++)
        if (strcmp (guids->pdata[j], guid) == 0)
          break;
      if (j == guids->len)
        g_ptr_array_add (guids, g_strdup (guid));
      /* An account's own failure, not a 215/216 its Atomic caused. */
      if (failed && status->code != 215 && status->code != 216 &&
          !g_hash_table_contains (failures, guids->pdata[j]))
        g_hash_table_insert (failures, guids->pdata[j], (gpointer) status);
    }

  if (guids->len == 0)
    {
      if (email2_payload_succeeded (payload))
        email2_log_event (EMAIL2_EVENT_APPLIED, origin, payload_name, NULL, 0,
                          "A %s payload was applied: every command succeeded", format);
      else
        email2_log_event (EMAIL2_EVENT_FAILED, origin, payload_name, NULL,
                          first_failure != NULL ? first_failure->code : 0,
                          "A %s payload failed: %s", format,
                          first_failure != NULL && first_failure->reason != NULL
                            ? first_failure->reason : "a command failed");
      return;
    }

  for (guint i = 0; i < guids->len; i++)
    {
      const char *guid = guids->pdata[i];
      const Email2Status *failure = g_hash_table_lookup (failures, guid);

      if (email2_payload_succeeded (payload))
        email2_log_event (EMAIL2_EVENT_APPLIED, origin, payload_name, guid, 0,
                          "Account %s provisioned from a %s payload", guid, format);
      else
        {
          if (failure == NULL)
            failure = first_failure;
          email2_log_event (EMAIL2_EVENT_FAILED, origin, payload_name, guid,
                            failure != NULL ? failure->code : 0,
                            "Account %s not changed: a %s payload failed (%u, %s)%s%s", guid,
                            format, failure != NULL ? failure->code : 0,
                            email2_status_code_to_text (failure != NULL ? failure->code : 500),
                            failure != NULL && failure->reason != NULL ? ": " : "",
                            failure != NULL && failure->reason != NULL ? failure->reason : "");
        }
    }
}
