/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl validate: a payload run on an in-memory host, offline (no
 * registry), with what a system or user rollout would check first: its
 * signature against the trust anchors, the administrator's settings and
 * the per-user values (--as-user).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "email2.h"
#include "email2ctl-private.h"
#include "email2ctl-validate.h"
#include "email2-secure-private.h"
#include "email2-xml-private.h"

/* Reads FILE or standard input like email2ctl_read_payload(), into an ordinary
 * block of its exact size (validate hands it on as such; it is
 * overwritten before it is freed). */
static char *
read_input (const char  *path,
            gsize       *length,
            GError     **error)
{
  g_autoptr(Email2SecureBuffer) payload = email2ctl_read_payload (path, error);

  if (payload == NULL)
    return NULL;
  *length = payload->length;
  return g_memdup2 (payload->data, payload->length + 1);
}

static char *
time_string (gint64 seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (seconds);

  return time != NULL ? g_date_time_format_iso8601 (time) : g_strdup ("?");
}

/* "signer": the signer of a signed payload, or null. */
static void
signer_json (JsonBuilder        *builder,
             const Email2Signer *signer)
{
  json_builder_set_member_name (builder, "signer");
  if (signer == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  {
    g_autofree char *not_before = time_string (signer->not_before);
    g_autofree char *not_after = time_string (signer->not_after);

    json_builder_begin_object (builder);
    email2ctl_json_add_string (builder, "subject", signer->subject);
    email2ctl_json_add_string (builder, "issuer", signer->issuer);
    email2ctl_json_add_string (builder, "serial", signer->serial);
    email2ctl_json_add_string (builder, "not_before", not_before);
    email2ctl_json_add_string (builder, "not_after", not_after);
    json_builder_end_object (builder);
  }
}

/* An administrator's file or directory: root's; one named on the command
 * line may also be the caller's own (to check a payload before it is
 * rolled out). */
static uid_t
expected_owner (const char *path,
                gboolean    named)
{
  struct stat st;

  if (named && lstat (path, &st) == 0 && st.st_uid == getuid ())
    return getuid ();
  return 0;
}

/* A signed payload is opened (verified against the anchors); an unsigned
 * one passes unless it must be signed. @data is replaced by the content. */
static gboolean
open_signed (char          **data,
             gsize          *length,
             const char     *trust_dir,
             gboolean        required,
             Email2Signer  **signer,
             GError        **error)
{
  const char *dir = trust_dir != NULL ? trust_dir : EMAIL2_TRUST_DIR;
  g_autoptr(Email2Trust) trust = NULL;
  char *content = NULL;
  gsize content_length = 0;

  if (!required && !email2_signed_detect (*data, *length))
    return TRUE;

  trust = email2_trust_new_from_directory (dir, expected_owner (dir, trust_dir != NULL), error);
  if (trust == NULL ||
      !email2_trust_unwrap (trust, *data, *length, required, &content, &content_length, signer,
                            error))
    return FALSE;
  if (content != NULL)
    {
      explicit_bzero (*data, *length);
      g_free (*data);
      *data = content;
      *length = content_length;
    }
  return TRUE;
}

static void
print_signer (const Email2Signer *signer)
{
  g_autofree char *not_after = time_string (signer->not_after);

  /* On stderr: stdout holds the response document. */
  g_printerr (_("Signed by: %s (issuer: %s; serial %s; valid until %s)\n"), signer->subject,
              signer->issuer, signer->serial, not_after);
}

int
email2ctl_validate (int    argc,
                    char **argv)
{
  g_autofree char *state = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *as_user = NULL;
  g_autofree char *trust_dir = NULL;
  g_autofree char *policy_file = NULL;
  Email2Format format = EMAIL2_FORMAT_AUTO;
  gboolean json = FALSE;
  g_autoptr(Email2Signer) signer = NULL;
  g_autoptr(Email2Variables) variables = NULL;
  GOptionEntry entries[] = {
    { "as-user", 0, 0, G_OPTION_ARG_STRING, &as_user,
      N_("Run it as a system payload for user NAME: variables substituted, no secrets, "
         "signature required when trust anchors are installed"), N_("NAME") },
    { "trust-dir", 0, 0, G_OPTION_ARG_FILENAME, &trust_dir,
      N_("Verify signatures against the anchors in DIR (default: /etc/xdg/email2/trust)"),
      N_("DIR") },
    { "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy_file,
      N_("Read the administrator's settings from FILE (default: /etc/xdg/email2/email2.conf)"),
      N_("FILE") },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state,
      N_("Load the accounts from FILE first and save them after (secrets are never saved)"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON summary instead of the response document"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      N_("Read the payload as syncml or cp (default: tell from the content)"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE|- — check a payload, touching nothing"));
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2MemoryHost) host = NULL;
  g_autoptr(Email2Session) session = NULL;
  g_autoptr(Email2Payload) payload = NULL;
  g_autofree char *output = NULL;
  char *data;
  gsize length = 0;

  g_option_context_set_summary (context,
    _("Runs an EMAIL2 payload through the engine on an in-memory host and\n"
      "prints the response a device would send. The payload is a SyncML DM\n"
      "message or an OMA Client Provisioning document, as XML or WBXML; the\n"
      "response has the same format and encoding. A signed payload (CMS\n"
      "SignedData) is verified against the trust anchors and its signer shown.\n"
      "Exit status: 0 when every command succeeded, 1 when a command failed,\n"
      "2 for unusable input or a payload refused."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return email2ctl_usage_error (context, error->message);
  if (argc != 2)
    return email2ctl_usage_error (context, _("validate takes one payload file, or - for standard input"));
  if (format_name != NULL && (!email2_format_from_string (format_name, &format) ||
                              format == EMAIL2_FORMAT_AUTO))
    return email2ctl_usage_error (context, _("--format takes syncml or cp"));

  host = email2_memory_host_new ();
  if (state != NULL && !email2_memory_host_load (host, state, &error))
    return email2ctl_usage_error (NULL, error->message);

  if (as_user != NULL)
    {
      const char *path = policy_file != NULL ? policy_file : EMAIL2_POLICY_FILE;
      g_autoptr(Email2Policy) policy =
        email2_policy_new_from_file (path, expected_owner (path, policy_file != NULL), &error);

      if (policy != NULL)
        variables = email2_variables_new_for_user (as_user,
                                                   email2_policy_get_email_pattern (policy),
                                                   &error);
      if (variables == NULL)
        return email2ctl_usage_error (NULL, error->message);
    }

  data = read_input (argv[1], &length, &error);
  if (data == NULL)
    return email2ctl_usage_error (NULL, error->message);

  if (!open_signed (&data, &length, trust_dir, as_user != NULL, &signer, &error))
    {
      explicit_bzero (data, length);
      g_free (data);
      return email2ctl_usage_error (NULL, error->message);
    }
  if (signer != NULL && !json)
    print_signer (signer);

  payload = email2_payload_parse (data, length, format, &error);
  explicit_bzero (data, length);
  g_free (data);
  if (payload == NULL)
    return email2ctl_usage_error (NULL, error->message);

  session = email2_session_new (EMAIL2_HOST (host));
  email2_session_set_variables (session, variables);
  email2_payload_process (payload, session);

  if (state != NULL && !email2_memory_host_save (host, state, &error))
    return email2ctl_usage_error (NULL, error->message);

  if (json)
    {
      JsonBuilder *builder = email2ctl_json_new ("validate");
      g_autoptr(GVariant) summary = g_variant_ref_sink (email2_payload_get_summary (payload));

      email2ctl_json_add_summary (builder, summary);
      signer_json (builder, signer);
      email2ctl_json_print (builder);
    }
  else if ((output = email2_payload_write_response (payload, &length, &error)) == NULL)
    return email2ctl_usage_error (NULL, error->message);
  else
    fwrite (output, 1, length, stdout);

  /* What the user would get, values substituted, on stderr beside the
   * signer (the response echoes the payload as it came). */
  if (variables != NULL && !json && email2_payload_succeeded (payload))
    {
      g_autofree char *accounts = email2_memory_host_to_data (host);

      g_printerr (_("The accounts user %s would get:\n%s"), as_user, accounts);
    }

  return email2_payload_succeeded (payload) ? EXIT_ALL_OK : EXIT_COMMAND_FAILED;
}
