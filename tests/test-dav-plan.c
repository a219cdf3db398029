/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The contacts and calendar plan, table-driven: SYNCINGCONTENTTYPES bits,
 * server URLs from a host, a host and port, a URL or the e-mail domain
 * under *REQUIRESSL, and *SYNCSCHEDULE values; the SRV look-ups of an
 * account that names no server.
 */

#include "config.h"

#include "email2-test.h"

typedef struct {
  const char *server;
  const char *domain;
  const char *url;            /* NULL: must fail */
  const char *plain;          /* the plain-HTTP fallback, NULL: none */
} UrlCase;

static const UrlCase url_cases[] = {
  { "dav.contoso.com", NULL, "https://dav.contoso.com/", "http://dav.contoso.com/" },
  { "dav.contoso.com:8443", NULL, "https://dav.contoso.com:8443/", "http://dav.contoso.com:8443/" },
  { "[2001:db8::1]:8443", NULL, "https://[2001:db8::1]:8443/", "http://[2001:db8::1]:8443/" },
  { "127.0.0.2", NULL, "https://127.0.0.2/", "http://127.0.0.2/" },
  /* An https URL: TLS was asked for, never plain. */
  { "https://dav.contoso.com/cal/alice/", NULL, "https://dav.contoso.com/cal/alice/", NULL },
  { "https://dav.contoso.com", NULL, "https://dav.contoso.com/", NULL },
  /* An http URL: HTTPS first on the same host, port and path. */
  { "http://dav.contoso.com:8080/dav/", NULL, "https://dav.contoso.com:8080/dav/",
    "http://dav.contoso.com:8080/dav/" },
  { "HTTP://dav.contoso.com/", NULL, "https://dav.contoso.com/", "http://dav.contoso.com/" },
  /* Query and fragment are dropped. */
  { "https://dav.contoso.com/x?a=1#f", NULL, "https://dav.contoso.com/x", NULL },
  { "http://dav.contoso.com/x?a=1#f", NULL, "https://dav.contoso.com/x", "http://dav.contoso.com/x" },
  /* No server: the e-mail domain (RFC 6764; EDS tries /.well-known),
   * and plain HTTP is never guessed. */
  { NULL, "contoso.com", "https://contoso.com/", NULL },
  { "", "contoso.com", "https://contoso.com/", NULL },
  { NULL, NULL, NULL, NULL },
  { NULL, "contoso.com:80", NULL, NULL },
  { "ftp://dav.contoso.com/", NULL, NULL, NULL },
  { "https://alice:pw@dav.contoso.com/", NULL, NULL, NULL },
  { "http://alice@dav.contoso.com/", NULL, NULL, NULL },
  { "https://", NULL, NULL, NULL },
  { "not a host", NULL, NULL, NULL },
};

static void
test_url (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (url_cases); i++)
    {
      const UrlCase *c = &url_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *url = email2_dav_server_url (c->server, c->domain, &error);
      g_autofree char *plain = email2_dav_plain_url (c->server);

      g_test_message ("%s %s", c->server, c->domain);
      g_assert_cmpstr (url, ==, c->url);
      g_assert_cmpstr (plain, ==, c->plain);
      if (c->url == NULL)
        g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE);
      else
        g_assert_no_error (error);
    }
}

typedef struct {
  const char *value;
  gboolean ok;
  gboolean enabled;
  guint minutes;
} ScheduleCase;

static const ScheduleCase schedule_cases[] = {
  { "-1", TRUE, TRUE, 15 },
  { "0", TRUE, FALSE, 15 },
  { "1", TRUE, TRUE, 15 },
  { "2", TRUE, TRUE, 30 },
  { "3", TRUE, TRUE, 60 },
  { "4", TRUE, TRUE, 120 },
  { "5", TRUE, TRUE, 1440 },
  { "6", TRUE, TRUE, 15 },
  { "15", TRUE, TRUE, 15 },
  { "30", TRUE, TRUE, 30 },
  { "60", TRUE, TRUE, 60 },
  { "120", TRUE, TRUE, 120 },
  { "240", TRUE, TRUE, 240 },
  { "1440", TRUE, TRUE, 1440 },
  { "7", FALSE, FALSE, 0 },
  { "45", FALSE, FALSE, 0 },
  { "-2", FALSE, FALSE, 0 },
  { "", FALSE, FALSE, 0 },
  { "01", FALSE, FALSE, 0 },
  { NULL, FALSE, FALSE, 0 },
};

static void
test_schedule (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schedule_cases); i++)
    {
      const ScheduleCase *c = &schedule_cases[i];
      gboolean enabled = !c->enabled;
      guint minutes = 0;

      g_test_message ("%s", c->value);
      g_assert_cmpint (email2_parse_sync_schedule (c->value, &enabled, &minutes), ==, c->ok);
      if (c->ok)
        {
          g_assert_cmpint (enabled, ==, c->enabled);
          g_assert_cmpuint (minutes, ==, c->minutes);
        }
    }
}

/* Every schedule the schema accepts is one the plan understands, and no
 * other: the two tables cannot drift apart. */
static void
test_schedule_schema (void)
{
  const Email2NodeInfo *info = email2_schema_get (EMAIL2_NODE_CALENDARSYNCSCHEDULE);

  for (guint i = 0; info->values[i] != NULL; i++)
    g_assert_true (email2_parse_sync_schedule (info->values[i], NULL, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (schedule_cases); i++)
    if (schedule_cases[i].ok)
      g_assert_true (g_strv_contains (info->values, schedule_cases[i].value));
}

typedef struct {
  const char *types;
  guint32 known;
  guint32 ignored;
  gboolean contacts;
  gboolean calendars;
} TypesCase;

static const TypesCase types_cases[] = {
  { "0", 0, 0, FALSE, FALSE },
  { "2", 0x2, 0, FALSE, FALSE },
  { "0x1", 0x1, 0, TRUE, FALSE },
  { "0x4", 0x4, 0, FALSE, TRUE },
  { "0x8", 0x8, 0, FALSE, TRUE },
  { "0x10", 0x10, 0, FALSE, TRUE },
  { "0x1f", 0x1f, 0, TRUE, TRUE },
  { "31", 0x1f, 0, TRUE, TRUE },
  { "0x1FFF", 0x1f, 0x1fe0, TRUE, TRUE },
  { "0xffffffff", 0x1f, 0xffffffe0, TRUE, TRUE },
  { "0x60", 0, 0x60, FALSE, FALSE },
};

static Email2Account *
make_account (const char *types)
{
  Email2Account *account = email2_account_new ("{11111111-2222-4333-8444-555555555555}");

  email2_account_set (account, EMAIL2_NODE_SYNCINGCONTENTTYPES, types);
  email2_account_set (account, EMAIL2_NODE_AUTHNAME, "alice");
  email2_account_set (account, EMAIL2_NODE_REPLYADDR, "alice@contoso.com");
  return account;
}

static void
test_types (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (types_cases); i++)
    {
      const TypesCase *c = &types_cases[i];
      g_autoptr(Email2Account) account = make_account (c->types);
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2DavPlan) plan = email2_dav_plan_new (account, &error);

      g_test_message ("%s", c->types);
      g_assert_no_error (error);
      g_assert_cmphex (email2_dav_plan_get_content_types (plan), ==, c->known);
      g_assert_cmphex (email2_dav_plan_get_ignored_types (plan), ==, c->ignored);
      g_assert_cmpint (email2_dav_plan_get_url (plan, EMAIL2_DAV_CARDDAV) != NULL, ==, c->contacts);
      g_assert_cmpint (email2_dav_plan_get_url (plan, EMAIL2_DAV_CALDAV) != NULL, ==, c->calendars);
      g_assert_cmpint (email2_dav_plan_is_empty (plan), ==, !c->contacts && !c->calendars);
    }
}

static void
test_account (void)
{
  g_autoptr(Email2Account) account = make_account ("0x1f");
  g_autoptr(Email2DavPlan) plan = NULL;
  g_autoptr(Email2DavPlan) copy = NULL;
  g_autoptr(GError) error = NULL;
  guint minutes = 0;

  email2_account_set (account, EMAIL2_NODE_CONTACTSSERVER, "http://contacts.contoso.com:8080");
  email2_account_set (account, EMAIL2_NODE_CONTACTSSERVERREQUIRESSL, "1");
  email2_account_set (account, EMAIL2_NODE_CALENDARSERVER, "http://cal.contoso.com/dav/");
  email2_account_set (account, EMAIL2_NODE_CALENDARSERVERREQUIRESSL, "0");
  email2_account_set (account, EMAIL2_NODE_CONTACTSSYNCSCHEDULE, "0");
  email2_account_set (account, EMAIL2_NODE_CALENDARSYNCSCHEDULE, "5");
  email2_account_set (account, EMAIL2_NODE_DOMAIN, "CONTOSO");

  plan = email2_dav_plan_new (account, &error);
  g_assert_no_error (error);
  copy = email2_dav_plan_copy (plan);
  g_assert_cmpstr (email2_dav_plan_get_url (copy, EMAIL2_DAV_CARDDAV), ==, "https://contacts.contoso.com:8080/");
  g_assert_cmpstr (email2_dav_plan_get_url (copy, EMAIL2_DAV_CALDAV), ==, "https://cal.contoso.com/dav/");
  /* TLS required: no plain fallback; not required: the http URL. */
  g_assert_null (email2_dav_plan_get_plain_url (copy, EMAIL2_DAV_CARDDAV));
  g_assert_cmpstr (email2_dav_plan_get_plain_url (copy, EMAIL2_DAV_CALDAV), ==, "http://cal.contoso.com/dav/");
  g_assert_true (email2_dav_plan_get_tls_required (copy, EMAIL2_DAV_CARDDAV));
  g_assert_false (email2_dav_plan_get_tls_required (copy, EMAIL2_DAV_CALDAV));
  g_assert_false (email2_dav_plan_get_refresh (copy, EMAIL2_DAV_CARDDAV, NULL));
  g_assert_true (email2_dav_plan_get_refresh (copy, EMAIL2_DAV_CALDAV, &minutes));
  g_assert_cmpuint (minutes, ==, 1440);
  g_assert_cmpstr (email2_dav_plan_get_user (copy), ==, "CONTOSO\\alice");
  g_assert_true (email2_dav_plan_wants (copy, EMAIL2_CONTENT_NOTES));

  /* No servers, no schedules: the e-mail domain, every 15 minutes. */
  g_clear_pointer (&account, email2_account_free);
  g_clear_pointer (&plan, email2_dav_plan_free);
  account = make_account ("0x5");
  plan = email2_dav_plan_new (account, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (email2_dav_plan_get_url (plan, EMAIL2_DAV_CARDDAV), ==, "https://contoso.com/");
  g_assert_cmpstr (email2_dav_plan_get_url (plan, EMAIL2_DAV_CALDAV), ==, "https://contoso.com/");
  g_assert_true (email2_dav_plan_get_refresh (plan, EMAIL2_DAV_CARDDAV, &minutes));
  g_assert_cmpuint (minutes, ==, 15);
  g_assert_cmpstr (email2_dav_plan_get_user (plan), ==, "alice");
}

/* ---- SRV look-ups (RFC 6764) ----
 *
 * A GResolver subclass, made GIO's default, answers from a table: this
 * tests how email2 uses a resolver's answers (which names it asks, in
 * which order, what it makes of them, its deadline). It stands in for the
 * DNS, not for any part of email2; the product uses GIO's own resolver,
 * and no test ever sends a DNS query (tools/with-session points the
 * session's resolver at loopback). */

typedef struct {
  const char *rrname;
  const char *host;           /* NULL: the error below */
  guint16 port;
  guint16 priority;
  int error;                  /* a GResolverError; -1: never answers */
} Record;

typedef struct {
  const char *name;
  const char *types;
  const char *calendar_server;      /* CALENDARSERVER, NULL: none */
  const char *require_ssl;          /* both *REQUIRESSL, NULL: none */
  Record records[4];
  const char *contacts_url;
  const char *contacts_plain;
  const char *calendar_url;
  const char *calendar_plain;
  const char *asked;                /* the names asked, in order */
  gboolean unresolved;              /* the calendar's look-up got no answer */
} SrvCase;

static const SrvCase srv_cases[] = {
  { "TLS records", "0x5", NULL, NULL,
    { { "_carddavs._tcp.contoso.com", "dav.contoso.com", 8443, 0, 0 },
      { "_caldavs._tcp.contoso.com", "cal.contoso.com", 443, 0, 0 } },
    "https://dav.contoso.com:8443/", NULL, "https://cal.contoso.com/", NULL,
    "_carddavs._tcp.contoso.com _caldavs._tcp.contoso.com" },
  { "plain record only: HTTPS first on its host", "0x4", NULL, NULL,
    { { "_caldav._tcp.contoso.com", "cal.contoso.com", 8008, 0, 0 } },
    NULL, NULL, "https://cal.contoso.com/", "http://cal.contoso.com:8008/",
    "_caldavs._tcp.contoso.com _caldav._tcp.contoso.com" },
  { "plain record, TLS required: never asked", "0x4", NULL, "1",
    { { "_caldav._tcp.contoso.com", "cal.contoso.com", 8008, 0, 0 } },
    NULL, NULL, "https://contoso.com/", NULL,
    "_caldavs._tcp.contoso.com" },
  { "no records: the domain", "0x5", NULL, NULL, { { NULL } },
    "https://contoso.com/", NULL, "https://contoso.com/", NULL,
    "_carddavs._tcp.contoso.com _caldavs._tcp.contoso.com _carddav._tcp.contoso.com _caldav._tcp.contoso.com" },
  { "a failed TLS look-up is no reason to go plain", "0x4", NULL, NULL,
    { { "_caldavs._tcp.contoso.com", NULL, 0, 0, G_RESOLVER_ERROR_TEMPORARY_FAILURE },
      { "_caldav._tcp.contoso.com", "cal.contoso.com", 80, 0, 0 } },
    NULL, NULL, "https://contoso.com/", NULL,
    "_caldavs._tcp.contoso.com", TRUE },
  { "\".\": no such service", "0x4", NULL, NULL,
    { { "_caldavs._tcp.contoso.com", ".", 443, 0, 0 },
      { "_caldav._tcp.contoso.com", "cal.contoso.com", 80, 0, 0 } },
    NULL, NULL, "https://contoso.com/", NULL,
    "_caldavs._tcp.contoso.com" },
  { "a named server is never looked up", "0x5", "dav.fabrikam.com", NULL,
    { { "_caldavs._tcp.contoso.com", "cal.contoso.com", 443, 0, 0 } },
    "https://contoso.com/", NULL, "https://dav.fabrikam.com/", "http://dav.fabrikam.com/",
    "_carddavs._tcp.contoso.com _carddav._tcp.contoso.com" },
  { "preference order; unusable targets skipped; trailing dot", "0x4", NULL, NULL,
    { { "_caldavs._tcp.contoso.com", "second.contoso.com", 443, 20, 0 },
      { "_caldavs._tcp.contoso.com", "bad host/../x", 443, 0, 0 },
      { "_caldavs._tcp.contoso.com", "zero.contoso.com", 0, 1, 0 },
      { "_caldavs._tcp.contoso.com", "first.contoso.com.", 8443, 10, 0 } },
    NULL, NULL, "https://first.contoso.com:8443/", NULL,
    "_caldavs._tcp.contoso.com" },
};

static const SrvCase *current_case;
static GString *asked;

G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver {
  GResolver parent_instance;
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static void
cancelled_cb (GCancellable *cancellable,
              GTask        *task)
{
  g_task_return_error_if_cancelled (task);
}

static void
test_resolver_lookup_service_async (GResolver           *resolver,
                                    const char          *rrname,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GList *targets = NULL;
  int error = G_RESOLVER_ERROR_NOT_FOUND;

  g_string_append_printf (asked, "%s%s", asked->len > 0 ? " " : "", rrname);
  for (guint i = 0; i < G_N_ELEMENTS (current_case->records); i++)
    {
      const Record *record = &current_case->records[i];

      if (g_strcmp0 (record->rrname, rrname) != 0)
        continue;
      if (record->host != NULL)
        targets = g_list_append (targets, g_srv_target_new (record->host, record->port,
                                                            record->priority, 0));
      else
        error = record->error;
    }
  if (targets != NULL)
    g_task_return_pointer (task, targets, (GDestroyNotify) g_resolver_free_targets);
  else if (error == -1)
    g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), g_object_ref (task), g_object_unref);
  else
    g_task_return_new_error (task, G_RESOLVER_ERROR, error, "%s: no answer", rrname);
}

static GList *
test_resolver_lookup_service_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  resolver_class->lookup_service_async = test_resolver_lookup_service_async;
  resolver_class->lookup_service_finish = test_resolver_lookup_service_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

static void
test_srv (void)
{
  g_autoptr(GResolver) system = g_resolver_get_default ();
  g_autoptr(GResolver) resolver = g_object_new (test_resolver_get_type (), NULL);

  g_resolver_set_default (resolver);
  for (gsize i = 0; i < G_N_ELEMENTS (srv_cases); i++)
    {
      const SrvCase *c = &srv_cases[i];
      g_autoptr(Email2Account) account = make_account (c->types);
      g_autoptr(Email2DavPlan) plan = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", c->name);
      current_case = c;
      asked = g_string_new (NULL);
      if (c->calendar_server != NULL)
        email2_account_set (account, EMAIL2_NODE_CALENDARSERVER, c->calendar_server);
      if (c->require_ssl != NULL)
        {
          email2_account_set (account, EMAIL2_NODE_CONTACTSSERVERREQUIRESSL, c->require_ssl);
          email2_account_set (account, EMAIL2_NODE_CALENDARSERVERREQUIRESSL, c->require_ssl);
        }
      plan = email2_dav_plan_new (account, &error);
      g_assert_no_error (error);
      email2_dav_plan_look_up (plan, 5000);

      g_assert_cmpstr (email2_dav_plan_get_url (plan, EMAIL2_DAV_CARDDAV), ==, c->contacts_url);
      g_assert_cmpstr (email2_dav_plan_get_plain_url (plan, EMAIL2_DAV_CARDDAV), ==, c->contacts_plain);
      g_assert_cmpstr (email2_dav_plan_get_url (plan, EMAIL2_DAV_CALDAV), ==, c->calendar_url);
      g_assert_cmpstr (email2_dav_plan_get_plain_url (plan, EMAIL2_DAV_CALDAV), ==, c->calendar_plain);
      g_assert_cmpstr (asked->str, ==, c->asked);
      g_assert_cmpint (email2_dav_plan_get_unresolved (plan, EMAIL2_DAV_CALDAV), ==, c->unresolved);
      g_assert_false (email2_dav_plan_get_unresolved (plan, EMAIL2_DAV_CARDDAV));
      g_string_free (asked, TRUE);
    }
  g_resolver_set_default (system);
}

/* A resolver that never answers: the look-ups end at their deadline, and
 * the domain's URL stays. */
static void
test_srv_deadline (void)
{
  static const SrvCase silent = {
    "silent", "0x5", NULL, NULL,
    { { "_carddavs._tcp.contoso.com", NULL, 0, 0, -1 },
      { "_caldavs._tcp.contoso.com", NULL, 0, 0, -1 } },
  };
  g_autoptr(GResolver) system = g_resolver_get_default ();
  g_autoptr(GResolver) resolver = g_object_new (test_resolver_get_type (), NULL);
  g_autoptr(Email2Account) account = make_account ("0x5");
  g_autoptr(Email2DavPlan) plan = email2_dav_plan_new (account, NULL);
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_resolver_set_default (resolver);
  current_case = &silent;
  asked = g_string_new (NULL);
  email2_dav_plan_look_up (plan, 200);
  elapsed = g_get_monotonic_time () - start;
  g_resolver_set_default (system);

  g_assert_cmpint (elapsed, >=, 200 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (elapsed, <, 2 * G_TIME_SPAN_SECOND);
  g_assert_cmpstr (asked->str, ==, "_carddavs._tcp.contoso.com _caldavs._tcp.contoso.com");
  g_assert_cmpstr (email2_dav_plan_get_url (plan, EMAIL2_DAV_CARDDAV), ==, "https://contoso.com/");
  g_assert_cmpstr (email2_dav_plan_get_url (plan, EMAIL2_DAV_CALDAV), ==, "https://contoso.com/");
  g_assert_true (email2_dav_plan_get_unresolved (plan, EMAIL2_DAV_CARDDAV));
  g_assert_true (email2_dav_plan_get_unresolved (plan, EMAIL2_DAV_CALDAV));
  g_string_free (asked, TRUE);
}

static void
test_bad (void)
{
  static const struct {
    Email2NodeId node;
    const char *value;
  } bad[] = {
    { EMAIL2_NODE_SYNCINGCONTENTTYPES, "mail" },
    { EMAIL2_NODE_SYNCINGCONTENTTYPES, "0x100000000" },
    { EMAIL2_NODE_CONTACTSSYNCSCHEDULE, "45" },
    { EMAIL2_NODE_CALENDARSERVER, "ftp://cal.contoso.com/" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(Email2Account) account = make_account ("0x1f");
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2DavPlan) plan = NULL;

      email2_account_set (account, bad[i].node, bad[i].value);
      plan = email2_dav_plan_new (account, &error);
      g_assert_null (plan);
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dav-plan/url", test_url);
  g_test_add_func ("/dav-plan/schedule", test_schedule);
  g_test_add_func ("/dav-plan/schedule-schema", test_schedule_schema);
  g_test_add_func ("/dav-plan/types", test_types);
  g_test_add_func ("/dav-plan/account", test_account);
  g_test_add_func ("/dav-plan/bad", test_bad);
  g_test_add_func ("/dav-plan/srv", test_srv);
  g_test_add_func ("/dav-plan/srv-deadline", test_srv_deadline);

  return g_test_run ();
}
