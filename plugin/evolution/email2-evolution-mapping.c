/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The mapping of an EMAIL2 account onto Evolution's three sources
 * (docs/DESIGN.md §3.1; their UIDs: email2-evolution-sources.c): which
 * node becomes which setting of which extension, the provisional TLS mode
 * until a probe, and which of Evolution's settings Get reads back. It
 * works on any ESource, a scratch one in the tests included
 * (test-evolution-sources); it never touches the registry.
 */

#include "config.h"

#include "email2-evolution-mapping.h"
#include "email2-evolution-sources.h"
#include "email2-source-extension.h"

/* Sets @node to @value when the schema accepts it; a setting changed in
 * Evolution to something EMAIL2 cannot express keeps the provisioned value. */
static void
set_live (Email2Account *account,
          Email2NodeId   node,
          const char    *value)
{
  g_autofree char *canonical = NULL;

  if (value != NULL && email2_account_has (account, node) &&
      email2_node_check_value (email2_schema_get (node), value, &canonical, NULL))
    email2_account_set (account, node, canonical);
}

/**
 * email2_evolution_mapping_read_live:
 * @account_source: the account's source
 * @identity: (nullable): its identity's source
 * @account: the account as provisioned, updated
 *
 * Where a node is one of Evolution's own settings, Get answers what
 * Evolution uses now, which the user may have changed since: SERVICENAME,
 * LINGER, NAME and REPLYADDR.
 */
void
email2_evolution_mapping_read_live (ESource       *account_source,
                                    ESource       *identity,
                                    Email2Account *account)
{
  ESourceRefresh *refresh = e_source_get_extension (account_source, E_SOURCE_EXTENSION_REFRESH);
  g_autofree char *linger = g_strdup_printf ("%u", e_source_refresh_get_interval_minutes (refresh));

  set_live (account, EMAIL2_NODE_SERVICENAME, e_source_get_display_name (account_source));
  set_live (account, EMAIL2_NODE_LINGER,
            e_source_refresh_get_enabled (refresh) ? linger : "0");

  if (identity != NULL)
    {
      ESourceMailIdentity *mail_identity = e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_IDENTITY);

      set_live (account, EMAIL2_NODE_NAME, e_source_mail_identity_get_name (mail_identity));
      set_live (account, EMAIL2_NODE_REPLYADDR, e_source_mail_identity_get_address (mail_identity));
    }
}

/* Until the server is probed: the most secure setting the value allows.
 * Implicit TLS on its port, or when no port is given; STARTTLS on any
 * other port. Never none. */
static const char *
provisional_security (const char *server,
                      guint16     implicit_port,
                      guint16    *port)
{
  g_autofree char *host = NULL;

  if (!email2_parse_host_port (server, &host, port))
    return "ssl-on-alternate-port";

  if (*port == 0)
    {
      *port = implicit_port;
      return "ssl-on-alternate-port";
    }
  return *port == implicit_port ? "ssl-on-alternate-port" : "starttls-on-standard-port";
}

static void
set_server (ESource    *source,
            const char *server,
            const char *user,
            const char *method,
            guint16     implicit_port)
{
  ESourceAuthentication *auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  ESourceSecurity *security = e_source_get_extension (source, E_SOURCE_EXTENSION_SECURITY);
  g_autofree char *host = NULL;
  guint16 port = 0;

  email2_parse_host_port (server, &host, NULL);
  e_source_security_set_method (security, provisional_security (server, implicit_port, &port));
  e_source_authentication_set_host (auth, host);
  e_source_authentication_set_port (auth, port);
  e_source_authentication_set_user (auth, user);
  e_source_authentication_set_method (auth, method);
  e_source_authentication_set_remember_password (auth, TRUE);
}

static char *
login_name (const Email2Account *account,
            Email2NodeId         name_node,
            Email2NodeId         domain_node)
{
  const char *name = email2_account_get (account, name_node);
  const char *domain = email2_account_get (account, domain_node);

  if (domain != NULL && domain[0] != '\0')
    return g_strdup_printf ("%s\\%s", domain, name);
  return g_strdup (name);
}

/* SMTP authenticates with the alternate credentials when they are enabled. */
static gboolean
smtpalt_enabled (const Email2Account *account)
{
  const char *enabled = email2_account_get (account, EMAIL2_NODE_SMTPALTENABLED);

  return g_strcmp0 (enabled, "TRUE") == 0 || g_strcmp0 (enabled, "1") == 0;
}

static gboolean
smtp_authenticates (const Email2Account *account)
{
  return g_strcmp0 (email2_account_get (account, EMAIL2_NODE_AUTHREQUIRED), "1") == 0;
}

static gboolean
is_set_to (const Email2Account *account,
           Email2NodeId         node,
           const char          *value)
{
  return g_strcmp0 (email2_account_get (account, node), value) == 0;
}

/* The provider settings ([Imapx Backend], [Pop Backend]): DWNDAY limits
 * what IMAP keeps offline; SERVERDELETEACTION says whether POP keeps mail
 * on the server, and whether IMAP moves deleted mail to Trash. */
static void
configure_backend (ESource             *account_source,
                   const Email2Account *account,
                   gboolean             imap)
{
  const char *extension_name = e_source_camel_get_extension_name (imap ? "imapx" : "pop");
  CamelSettings *settings = e_source_camel_get_settings (e_source_get_extension (account_source,
                                                                                 extension_name));
  const char *dwnday = email2_account_get (account, EMAIL2_NODE_DWNDAY);
  const char *delete_action = email2_account_get (account, EMAIL2_NODE_SERVERDELETEACTION);

  if (imap)
    {
      gboolean limited = dwnday != NULL && strcmp (dwnday, "-1") != 0;

      e_source_offline_set_stay_synchronized (
        e_source_get_extension (account_source, E_SOURCE_EXTENSION_OFFLINE), TRUE);
      g_object_set (settings,
                    "limit-by-age", limited,
                    "limit-unit", CAMEL_TIME_UNIT_DAYS,
                    "limit-value", limited ? (int) g_ascii_strtoll (dwnday, NULL, 10) : 1,
                    NULL);
      /* 2: deleting moves to the server's Trash; 1 (or the default):
       * deleted messages are expunged on the server. */
      g_object_set (settings,
                    "use-real-trash-path", g_strcmp0 (delete_action, "2") == 0,
                    "real-trash-path", g_strcmp0 (delete_action, "2") == 0 ? "Trash" : NULL,
                    NULL);
    }
  else
    g_object_set (settings,
                  "keep-on-server", g_strcmp0 (delete_action, "2") == 0,
                  "delete-expunged", g_strcmp0 (delete_action, "1") == 0,
                  NULL);
}

/**
 * email2_evolution_mapping_configure:
 * @account_source: the account's source
 * @identity: its identity's source
 * @transport: its transport's source
 * @account: the account as provisioned
 *
 * Sets the Evolution settings of the three sources, and the [EMAIL2]
 * group of the account's, from the provisioned nodes. Writes nothing.
 */
void
email2_evolution_mapping_configure (ESource             *account_source,
                                    ESource             *identity,
                                    ESource             *transport,
                                    const Email2Account *account)
{
  const char *guid = email2_account_get_guid (account);
  const char *linger = email2_account_get (account, EMAIL2_NODE_LINGER);
  g_autofree char *identity_uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_IDENTITY);
  g_autofree char *transport_uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_TRANSPORT);
  g_autofree char *user = login_name (account, EMAIL2_NODE_AUTHNAME, EMAIL2_NODE_DOMAIN);
  gboolean imap = is_set_to (account, EMAIL2_NODE_SERVICETYPE, "IMAP4");
  guint64 content_types = g_ascii_strtoull (email2_account_get (account, EMAIL2_NODE_SYNCINGCONTENTTYPES),
                                            NULL, 0);
  ESourceMailAccount *mail_account;
  ESourceMailIdentity *mail_identity;
  ESourceMailSubmission *submission;
  ESourceRefresh *refresh;

  e_source_set_display_name (account_source, email2_account_get (account, EMAIL2_NODE_SERVICENAME));
  e_source_set_enabled (account_source, (content_types & 0x2) != 0);
  mail_account = e_source_get_extension (account_source, E_SOURCE_EXTENSION_MAIL_ACCOUNT);
  e_source_backend_set_backend_name (E_SOURCE_BACKEND (mail_account), imap ? "imapx" : "pop");
  e_source_mail_account_set_identity_uid (mail_account, identity_uid);
  set_server (account_source, email2_account_get (account, EMAIL2_NODE_INSERVER), user, "none",
              imap ? 993 : 995);
  refresh = e_source_get_extension (account_source, E_SOURCE_EXTENSION_REFRESH);
  e_source_refresh_set_enabled (refresh, linger == NULL || strcmp (linger, "0") != 0);
  e_source_refresh_set_interval_minutes (refresh, linger != NULL && strcmp (linger, "0") != 0
                                                  ? (guint) g_ascii_strtoull (linger, NULL, 10) : 15);

  configure_backend (account_source, account, imap);

  e_source_set_parent (identity, e_source_get_uid (account_source));
  e_source_set_display_name (identity, email2_account_get (account, EMAIL2_NODE_REPLYADDR));
  mail_identity = e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_IDENTITY);
  e_source_mail_identity_set_address (mail_identity, email2_account_get (account, EMAIL2_NODE_REPLYADDR));
  e_source_mail_identity_set_name (mail_identity, email2_account_get (account, EMAIL2_NODE_NAME));
  submission = e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_SUBMISSION);
  e_source_mail_submission_set_transport_uid (submission, transport_uid);

  e_source_set_parent (transport, e_source_get_uid (account_source));
  e_source_set_display_name (transport, email2_account_get (account, EMAIL2_NODE_SERVICENAME));
  e_source_backend_set_backend_name (
    E_SOURCE_BACKEND (e_source_get_extension (transport, E_SOURCE_EXTENSION_MAIL_TRANSPORT)), "smtp");
  {
    g_autofree char *smtp_user = smtpalt_enabled (account)
      ? login_name (account, EMAIL2_NODE_SMTPALTAUTHNAME, EMAIL2_NODE_SMTPALTDOMAIN)
      : g_strdup (user);

    set_server (transport, email2_account_get (account, EMAIL2_NODE_OUTSERVER),
                smtp_authenticates (account) ? smtp_user : NULL,
                smtp_authenticates (account) ? "PLAIN" : "none", 465);
  }

  email2_source_extension_set_account (
    e_source_get_extension (account_source, EMAIL2_SOURCE_EXTENSION_NAME), account);
}
