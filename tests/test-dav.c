/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * End to end for contacts and calendars (issue 11): private Radicale
 * servers on loopback (tools/radicale-test-server; TLS from a test CA that
 * the session's system trust store holds, see tools/with-session), one
 * holding alice's calendar (127.0.0.2), another host her address book
 * (127.0.0.5), a third speaking plain HTTP. The test puts a contact and an
 * event into them, provisions an account with SYNCINGCONTENTTYPES 0x1f
 * through `email2ctl apply`, then reads the contact and the event through
 * EDS's own address-book and calendar factories (libebook, libecal), writes
 * a contact and an event back and finds them on the servers. No client
 * ever answers a credentials request: nothing may ask for one. Then a
 * plain-HTTP server is refused when *REQUIRESSL is 1 (and used when it is
 * 0), and deleting the account removes its collection, children, cached
 * files and password.
 *
 * Longer than 800 lines on purpose: every case needs the same Radicale
 * servers and the same session with EDS's factories, started once for the
 * program.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <libsoup/soup.h>
#include <libebook/libebook.h>
#include <libecal/libecal.h>
#include <libedataserver/libedataserver.h>
#include <libsecret/secret.h>

#include "email2-test.h"

#define GUID "{DA500001-0000-4000-8000-000000000001}"
#define URI "./Vendor/MSFT/EMAIL2/%7BDA500001-0000-4000-8000-000000000001%7D"
#define COLLECTION_UID "email2-da500001-0000-4000-8000-000000000001-dav"
#define PLAIN_GUID "{DA500002-0000-4000-8000-000000000002}"
#define PLAIN_URI "./Vendor/MSFT/EMAIL2/%7BDA500002-0000-4000-8000-000000000002%7D"
#define PLAIN_UID "email2-da500002-0000-4000-8000-000000000002-dav"

/* Seconds; stretched when the registry runs under valgrind. */
#define DEADLINE_S (60 * time_scale)

static guint time_scale = 1;

/* EDS's password schema: e-source-uid alone finds an item. */
static const SecretSchema eds_schema = {
  "org.gnome.Evolution.Data.Source", SECRET_SCHEMA_DONT_MATCH_NAME,
  {
    { "e-source-uid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static char *server_dir;
static guint base_port;
static SoupSession *http;
static ESourceRegistry *registry;
static guint credentials_requests;   /* for our sources, from any source */

static char *
url (const char *address,
     guint       offset,
     gboolean    tls,
     const char *path)
{
  return g_strdup_printf ("%s://%s:%u%s", tls ? "https" : "http", address, base_port + offset, path);
}

#define MAIN_URL(path) url ("127.0.0.2", 1443, TRUE, path)
#define OTHER_URL(path) url ("127.0.0.5", 1444, TRUE, path)
#define PLAIN_URL(path) url ("127.0.0.2", 1080, FALSE, path)

/* One request to Radicale as alice; returns the status, the body in @body. */
static guint
request (const char  *method,
         const char  *where,
         const char  *content_type,
         const char  *content,
         char       **body)
{
  g_autoptr(SoupMessage) message = soup_message_new (method, where);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *auth = g_base64_encode ((const guchar *) "alice:secret", 12);
  g_autofree char *header = g_strconcat ("Basic ", auth, NULL);

  g_assert_nonnull (message);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", header);
  if (content != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (content, strlen (content));
      soup_message_set_request_body_from_bytes (message, content_type, bytes);
    }
  reply = soup_session_send_and_read (http, message, NULL, &error);
  g_assert_no_error (error);
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  return soup_message_get_status (message);
}

static void
make_calendar (const char *where)
{
  g_assert_cmpuint (request ("MKCOL", where, "application/xml",
    "<?xml version=\"1.0\"?><D:mkcol xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
    "<D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype>"
    "<D:displayname>Work</D:displayname><C:supported-calendar-component-set>"
    "<C:comp name=\"VEVENT\"/><C:comp name=\"VTODO\"/><C:comp name=\"VJOURNAL\"/>"
    "</C:supported-calendar-component-set></D:prop></D:set></D:mkcol>", NULL), ==, 201);
}

static void
seed_servers (void)
{
  g_autofree char *cal = MAIN_URL ("/alice/cal/");
  g_autofree char *event = MAIN_URL ("/alice/cal/launch.ics");
  g_autofree char *book = OTHER_URL ("/alice/book/");
  g_autofree char *card = OTHER_URL ("/alice/book/ada.vcf");
  g_autofree char *plain_cal = PLAIN_URL ("/alice/cal/");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *start = g_date_time_format (tomorrow, "%Y%m%dT100000Z");
  g_autofree char *ics = g_strdup_printf (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//email2//test//EN\r\n"
    "BEGIN:VEVENT\r\nUID:email2-dav-event-1\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:%s\r\nDURATION:PT1H\r\nSUMMARY:Launch review\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n", start);

  make_calendar (cal);
  make_calendar (plain_cal);
  g_assert_cmpuint (request ("PUT", event, "text/calendar", ics, NULL), ==, 201);
  g_assert_cmpuint (request ("MKCOL", book, "application/xml",
    "<?xml version=\"1.0\"?><D:mkcol xmlns:D=\"DAV:\" xmlns:CR=\"urn:ietf:params:xml:ns:carddav\">"
    "<D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
    "<D:displayname>Contacts</D:displayname></D:prop></D:set></D:mkcol>", NULL), ==, 201);
  g_assert_cmpuint (request ("PUT", card, "text/vcard",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:email2-dav-contact-1\r\nFN:Ada Lovelace\r\n"
    "N:Lovelace;Ada;;;\r\nEMAIL;TYPE=WORK:ada@email2.test\r\nEND:VCARD\r\n", NULL), ==, 201);
}

/* Applies one Atomic: the account's required nodes first when @create,
 * then @values, each as a Replace. */
static void
apply (const char         *account_uri,
       gboolean            create,
       const char * const  values[][2],
       guint               n_values)
{
  static const char * const common[][2] = {
    { "SERVICETYPE", "IMAP4" }, { "SERVICENAME", "DAV" }, { "ACCOUNTTYPE", "Email" },
    { "INSERVER", "127.0.0.2:1" }, { "OUTSERVER", "127.0.0.2:2" }, { "AUTHNAME", "alice" },
    { "AUTHSECRET", "secret" }, { "REPLYADDR", "alice@email2.test" },
  };
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>");
  g_autofree char *message = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "dav.xml", NULL);
  g_auto(Email2TestRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  guint id = 2;
  guint n_common = create ? G_N_ELEMENTS (common) : 0;

  for (guint i = 0; i < n_common + n_values; i++)
    {
      const char * const *value = i < n_common ? common[i] : values[i - n_common];
      g_autofree char *uri = g_strconcat (account_uri, "/", value[0], NULL);
      g_autofree char *cmd_id = g_strdup_printf ("%u", id++);
      g_autofree char *command = email2_test_item_cmd ("Replace", cmd_id, uri, NULL, value[1]);

      g_string_append (body, command);
    }
  g_string_append (body, "</Atomic>");
  message = email2_test_message (body->str);
  g_file_set_contents (path, message, -1, &error);
  g_assert_no_error (error);

  email2_test_ctl (&run, "apply", path);
  if (run.status != 0)
    g_error ("email2ctl apply failed: %s%s", run.out, run.err);
  g_unlink (path);
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_usleep (20 * G_TIME_SPAN_MILLISECOND);
}

/* The enabled child of @collection_uid with @extension, once it appears. */
static ESource *
wait_for_child (const char *collection_uid,
                const char *extension,
                gint64      deadline)
{
  while (g_get_monotonic_time () < deadline)
    {
      GList *sources = e_source_registry_list_enabled (registry, extension);
      ESource *found = NULL;

      for (GList *l = sources; l != NULL && found == NULL; l = l->next)
        if (g_strcmp0 (e_source_get_parent (l->data), collection_uid) == 0)
          found = g_object_ref (l->data);
      g_list_free_full (sources, g_object_unref);
      if (found != NULL)
        return found;
      iterate ();
    }
  return NULL;
}

/* Whether @source comes to refresh every @minutes: EDS enables a new
 * child before email2 sets its schedule, from an idle callback. */
static gboolean
refreshes_every (ESource *source,
                 guint    minutes,
                 gint64   deadline)
{
  ESourceRefresh *refresh = e_source_get_extension (source, E_SOURCE_EXTENSION_REFRESH);

  while (g_get_monotonic_time () < deadline)
    {
      if (e_source_refresh_get_enabled (refresh) && e_source_refresh_get_interval_minutes (refresh) == minutes)
        return TRUE;
      iterate ();
    }
  return FALSE;
}

static guint
count_children (const char *collection_uid)
{
  GList *sources = e_source_registry_list_sources (registry, NULL);
  guint n = 0;

  for (GList *l = sources; l != NULL; l = l->next)
    if (g_strcmp0 (e_source_get_parent (l->data), collection_uid) == 0)
      n++;
  g_list_free_full (sources, g_object_unref);
  return n;
}

static void
credentials_required_cb (ESourceRegistry          *self,
                         ESource                  *source,
                         ESourceCredentialsReason  reason,
                         const char               *certificate_pem,
                         GTlsCertificateFlags      certificate_errors,
                         const GError             *op_error,
                         gpointer                  user_data)
{
  const char *uid = e_source_get_uid (source);
  const char *parent = e_source_get_parent (source);

  if (g_strcmp0 (uid, COLLECTION_UID) == 0 || g_strcmp0 (parent, COLLECTION_UID) == 0)
    {
      g_test_message ("credentials required for %s: reason %d, %s", uid, reason,
                      op_error != NULL ? op_error->message : "");
      credentials_requests++;
    }
}

static gboolean
contains_contact (GSList     *contacts,
                  const char *name)
{
  for (GSList *l = contacts; l != NULL; l = l->next)
    if (g_strcmp0 (e_contact_get_const (l->data, E_CONTACT_FULL_NAME), name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
contains_event (GSList     *components,
                const char *summary)
{
  for (GSList *l = components; l != NULL; l = l->next)
    {
      ECalComponentText *text = e_cal_component_get_summary (l->data);
      gboolean match = text != NULL && g_strcmp0 (e_cal_component_text_get_value (text), summary) == 0;

      e_cal_component_text_free (text);
      if (match)
        return TRUE;
    }
  return FALSE;
}

/* Polls GET of a Radicale collection (the whole collection as one
 * document) until it holds @needle. */
static gboolean
server_has (const char *collection_url,
            const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + 30 * time_scale * G_TIME_SPAN_SECOND;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *body = NULL;

      if (request ("GET", collection_url, NULL, NULL, &body) == 200 && strstr (body, needle) != NULL)
        return TRUE;
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    }
  return FALSE;
}

static void
test_contacts_calendars (void)
{
  static const char * const values[][2] = {
    { "SYNCINGCONTENTTYPES", "0x1f" },
    { "CALENDARSERVER", NULL }, { "CALENDARSERVERREQUIRESSL", "1" },
    { "CONTACTSSERVER", NULL }, { "CONTACTSSERVERREQUIRESSL", "0" },
    { "CONTACTSSYNCSCHEDULE", "2" }, { "CALENDARSYNCSCHEDULE", "240" },
  };
  const char *filled[G_N_ELEMENTS (values)][2];
  g_autofree char *calendar_server = MAIN_URL ("/");
  g_autofree char *contacts_server = g_strdup_printf ("127.0.0.5:%u", base_port + 1444);
  g_autofree char *book_url = OTHER_URL ("/alice/book/");
  g_autofree char *cal_url = MAIN_URL ("/alice/cal/");
  g_autoptr(ESource) book_source = NULL;
  g_autoptr(ESource) cal_source = NULL;
  g_autoptr(ESource) tasks = NULL;
  g_autoptr(ESource) memos = NULL;
  g_autoptr(EClient) book = NULL;
  g_autoptr(EClient) cal = NULL;
  g_autoptr(GError) error = NULL;
  EContact *contact;
  ICalComponent *event;
  g_autofree char *added_uid = NULL;
  g_autofree char *created_uid = NULL;
  gint64 start, deadline;
  gboolean found = FALSE;

  memcpy (filled, values, sizeof values);
  filled[1][1] = calendar_server;
  filled[3][1] = contacts_server;

  start = g_get_monotonic_time ();
  deadline = start + DEADLINE_S * G_TIME_SPAN_SECOND;
  apply (URI, TRUE, filled, G_N_ELEMENTS (filled));
  g_test_message ("email2ctl apply: %.3f s", (g_get_monotonic_time () - start) / 1e6);

  /* Contacts, from the other host, through the address-book factory. */
  book_source = wait_for_child (COLLECTION_UID, E_SOURCE_EXTENSION_ADDRESS_BOOK, deadline);
  g_assert_nonnull (book_source);
  g_test_message ("address book discovered: %.3f s", (g_get_monotonic_time () - start) / 1e6);
  book = e_book_client_connect_sync (book_source, (guint32) -1, NULL, &error);
  g_assert_no_error (error);
  while (!found && g_get_monotonic_time () < deadline)
    {
      GSList *contacts = NULL;

      e_book_client_get_contacts_sync (E_BOOK_CLIENT (book), "(contains \"full_name\" \"Ada\")",
                                       &contacts, NULL, &error);
      g_assert_no_error (error);
      found = contains_contact (contacts, "Ada Lovelace");
      g_slist_free_full (contacts, g_object_unref);
      if (!found)
        iterate ();
    }
  g_assert_true (found);
  g_print ("# apply to first contact readable: %.3f s\n", (g_get_monotonic_time () - start) / 1e6);

  /* The event, through the calendar factory. */
  cal_source = wait_for_child (COLLECTION_UID, E_SOURCE_EXTENSION_CALENDAR, deadline);
  g_assert_nonnull (cal_source);
  cal = e_cal_client_connect_sync (cal_source, E_CAL_CLIENT_SOURCE_TYPE_EVENTS, (guint32) -1, NULL, &error);
  g_assert_no_error (error);
  found = FALSE;
  while (!found && g_get_monotonic_time () < deadline)
    {
      GSList *components = NULL;

      e_cal_client_get_object_list_as_comps_sync (E_CAL_CLIENT (cal), "#t", &components, NULL, &error);
      g_assert_no_error (error);
      found = contains_event (components, "Launch review");
      g_slist_free_full (components, g_object_unref);
      if (!found)
        iterate ();
    }
  g_assert_true (found);
  g_print ("# apply to first event readable: %.3f s\n", (g_get_monotonic_time () - start) / 1e6);

  /* Task and memo lists (0x8, 0x10), with the schedules of their server. */
  tasks = wait_for_child (COLLECTION_UID, E_SOURCE_EXTENSION_TASK_LIST, deadline);
  memos = wait_for_child (COLLECTION_UID, E_SOURCE_EXTENSION_MEMO_LIST, deadline);
  g_assert_nonnull (tasks);
  g_assert_nonnull (memos);
  g_assert_true (refreshes_every (book_source, 30, deadline));
  g_assert_true (refreshes_every (tasks, 240, deadline));
  g_assert_true (refreshes_every (memos, 240, deadline));

  /* Written back through EDS, found on the servers. */
  contact = e_contact_new_from_vcard ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\n"
                                      "N:Hopper;Grace;;;\r\nEND:VCARD\r\n");
  e_book_client_add_contact_sync (E_BOOK_CLIENT (book), contact, E_BOOK_OPERATION_FLAG_NONE,
                                  &added_uid, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (contact);
  g_assert_true (server_has (book_url, "Grace Hopper"));

  event = i_cal_component_new_from_string (
    "BEGIN:VEVENT\r\nUID:email2-dav-event-2\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20300101T090000Z\r\nDURATION:PT1H\r\nSUMMARY:Written by EDS\r\nEND:VEVENT\r\n");
  e_cal_client_create_object_sync (E_CAL_CLIENT (cal), event, E_CAL_OPERATION_FLAG_NONE,
                                   &created_uid, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (event);
  g_assert_true (server_has (cal_url, "Written by EDS"));

  /* Nothing ever asked a client for a password. */
  iterate ();
  g_assert_cmpuint (credentials_requests, ==, 0);

  /* TLS not required for contacts, but HTTPS works there: it stays. */
  {
    g_autoptr(ESource) collection = e_source_registry_ref_source (registry, COLLECTION_UID);
    ESourceCollection *extension = e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION);

    g_assert_true (g_str_has_prefix (e_source_collection_get_contacts_url (extension), "https://"));
  }
}

/* The length of an instance's log now, and whether alice logged in after. */
static gsize
log_length (const char *instance)
{
  g_autofree char *path = g_build_filename (server_dir, instance, "radicale.log", NULL);
  g_autofree char *log = NULL;
  gsize length = 0;

  log = email2_test_read_file (path, &length);
  return log != NULL ? length : 0;
}

static gboolean
log_has_login_since (const char *instance,
                     gsize       offset)
{
  g_autofree char *path = g_build_filename (server_dir, instance, "radicale.log", NULL);
  gsize length = 0;
  g_autofree char *log = email2_test_read_file (path, &length);

  return log != NULL && length > offset && strstr (log + offset, "Successful login") != NULL;
}

/* Whether a child of @collection_uid with @extension appears, disabled. */
static gboolean
disabled_child_appears (const char *collection_uid,
                        const char *extension)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_TIME_SPAN_SECOND;

  while (g_get_monotonic_time () < deadline)
    {
      GList *sources = e_source_registry_list_sources (registry, extension);
      gboolean found = FALSE;

      for (GList *l = sources; l != NULL; l = l->next)
        if (g_strcmp0 (e_source_get_parent (l->data), collection_uid) == 0 &&
            !e_source_get_enabled (l->data))
          found = TRUE;
      g_list_free_full (sources, g_object_unref);
      if (found)
        return TRUE;
      iterate ();
    }

  {
    GList *sources = e_source_registry_list_sources (registry, NULL);

    for (GList *l = sources; l != NULL; l = l->next)
      if (g_strcmp0 (e_source_get_parent (l->data), collection_uid) == 0)
        g_test_message ("child %s (%s): enabled %d, memo %d, task %d", e_source_get_uid (l->data),
                        e_source_get_display_name (l->data), e_source_get_enabled (l->data),
                        e_source_has_extension (l->data, E_SOURCE_EXTENSION_MEMO_LIST),
                        e_source_has_extension (l->data, E_SOURCE_EXTENSION_TASK_LIST));
    g_list_free_full (sources, g_object_unref);
  }
  return FALSE;
}

/* The first child of @collection_uid with @extension. */
static ESource *
child_of (const char *collection_uid,
          const char *extension)
{
  GList *sources = e_source_registry_list_sources (registry, extension);
  ESource *found = NULL;

  for (GList *l = sources; l != NULL && found == NULL; l = l->next)
    if (g_strcmp0 (e_source_get_parent (l->data), collection_uid) == 0)
      found = g_object_ref (l->data);
  g_list_free_full (sources, g_object_unref);
  return found;
}

/* Whether the children of @collection_uid with @extension come to be
 * @enabled and still are 2 s later (what email2 does follows EDS from
 * idle callbacks: a wrong setting would show within that time). */
static gboolean
enabled_stays (const char *collection_uid,
               const char *extension,
               gboolean    enabled)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_TIME_SPAN_SECOND;
  gint64 settled = 0;

  while (g_get_monotonic_time () < deadline)
    {
      GList *sources = e_source_registry_list_sources (registry, extension);
      gboolean all = sources != NULL;

      for (GList *l = sources; l != NULL; l = l->next)
        if (g_strcmp0 (e_source_get_parent (l->data), collection_uid) == 0 &&
            e_source_get_enabled (l->data) != enabled)
          all = FALSE;
      g_list_free_full (sources, g_object_unref);
      if (!all)
        settled = 0;
      else if (settled == 0)
        settled = g_get_monotonic_time ();
      else if (g_get_monotonic_time () - settled > 2 * time_scale * G_TIME_SPAN_SECOND)
        return TRUE;
      iterate ();
    }
  return FALSE;
}

static void
test_requiressl (void)
{
  g_autofree char *plain = PLAIN_URL ("/");
  const char *values[][2] = {
    { "SYNCINGCONTENTTYPES", "0x4" }, { "CALENDARSERVER", plain }, { "CALENDARSERVERREQUIRESSL", "1" },
  };
  g_autoptr(ESource) collection = NULL;
  g_autoptr(ESource) child = NULL;
  ESourceCollection *extension;
  gsize mark = log_length ("plain");

  apply (PLAIN_URI, TRUE, values, G_N_ELEMENTS (values));
  collection = e_source_registry_ref_source (registry, PLAIN_UID);
  while (collection == NULL)
    {
      iterate ();
      collection = e_source_registry_ref_source (registry, PLAIN_UID);
    }
  extension = e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION);
  g_assert_true (g_str_has_prefix (e_source_collection_get_calendar_url (extension), "https://"));
  /* Discovery tries TLS on the plain server and fails: nothing is found and
   * the password never travels. */
  child = wait_for_child (PLAIN_UID, E_SOURCE_EXTENSION_CALENDAR,
                          g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND);
  g_assert_null (child);
  g_assert_false (log_has_login_since ("plain", mark));

  /* The same server with TLS not required: HTTPS first, which fails (the
   * server does not speak TLS), then plain HTTP: found, so the test can
   * tell. */
  {
    const char *replace[][2] = { { "CALENDARSERVERREQUIRESSL", "0" } };

    apply (PLAIN_URI, FALSE, replace, G_N_ELEMENTS (replace));
  }
  child = wait_for_child (PLAIN_UID, E_SOURCE_EXTENSION_CALENDAR,
                          g_get_monotonic_time () + DEADLINE_S * G_TIME_SPAN_SECOND);
  g_assert_nonnull (child);
  g_assert_true (log_has_login_since ("plain", mark));
  g_clear_object (&collection);
  collection = e_source_registry_ref_source (registry, PLAIN_UID);
  extension = e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION);
  g_assert_cmpstr (e_source_collection_get_calendar_url (extension), ==, plain);

  /* 0x4 alone: the server's calendar also holds tasks and memos; their
   * lists are discovered but stay disabled, although EDS enables every
   * new child of a collection whose calendar part is on. (Under valgrind
   * the memo list once stayed enabled: email2 configured it from an idle
   * that could run before EDS's own handler, in discovery's thread, had
   * enabled it. email2 now follows "source-added" after EDS.) */
  g_assert_true (disabled_child_appears (PLAIN_UID, E_SOURCE_EXTENSION_TASK_LIST));
  g_assert_true (disabled_child_appears (PLAIN_UID, E_SOURCE_EXTENSION_MEMO_LIST));
  g_assert_true (enabled_stays (PLAIN_UID, E_SOURCE_EXTENSION_CALENDAR, TRUE));
}

/* The user turns the collection's calendar part off and on in Evolution:
 * EDS then enables every calendar, task and memo list of it again, and
 * email2 turns the memo and task lists of the 0x4-only account off again.
 * A user who then turns one memo list on keeps it. */
static void
test_collection_toggle (void)
{
  g_autoptr(ESource) collection = e_source_registry_ref_source (registry, PLAIN_UID);
  ESourceCollection *extension;
  g_autoptr(ESource) memos = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (collection);
  extension = e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION);
  e_source_collection_set_calendar_enabled (extension, FALSE);
  e_source_write_sync (collection, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (enabled_stays (PLAIN_UID, E_SOURCE_EXTENSION_CALENDAR, FALSE));

  e_source_collection_set_calendar_enabled (extension, TRUE);
  e_source_write_sync (collection, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (enabled_stays (PLAIN_UID, E_SOURCE_EXTENSION_CALENDAR, TRUE));
  g_assert_true (enabled_stays (PLAIN_UID, E_SOURCE_EXTENSION_MEMO_LIST, FALSE));
  g_assert_true (enabled_stays (PLAIN_UID, E_SOURCE_EXTENSION_TASK_LIST, FALSE));

  memos = child_of (PLAIN_UID, E_SOURCE_EXTENSION_MEMO_LIST);
  g_assert_nonnull (memos);
  e_source_set_enabled (memos, TRUE);
  e_source_write_sync (memos, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (enabled_stays (PLAIN_UID, E_SOURCE_EXTENSION_MEMO_LIST, TRUE));
}

static char *
get (const char *node)
{
  g_auto(Email2TestRun) run = { 0 };
  g_autofree char *uri = g_strconcat (URI, "/", node, NULL);

  email2_test_ctl (&run, "get", uri);
  g_assert_cmpint (run.status, ==, 0);
  return g_strdup (g_strchomp (run.out));
}

/* Get's answer for @node once it is no longer @old (EDS passes a
 * client's write to the registry asynchronously). */
static char *
get_changed (const char *node,
             const char *old)
{
  gint64 deadline = g_get_monotonic_time () + 10 * time_scale * G_TIME_SPAN_SECOND;
  char *value = get (node);

  while (g_strcmp0 (value, old) == 0 && g_get_monotonic_time () < deadline)
    {
      iterate ();
      g_free (value);
      value = get (node);
    }
  return value;
}

/* Writes @source as Evolution would after the user changed it. */
static void
write_as_user (ESource *source)
{
  g_autoptr(GError) error = NULL;

  e_source_write_sync (source, NULL, &error);
  g_assert_no_error (error);
}

/* Get answers what Evolution uses now, after the user changed it there:
 * the address book's refresh, the calendar server, contacts turned off. */
static void
test_live_get (void)
{
  g_autoptr(ESource) collection = e_source_registry_ref_source (registry, COLLECTION_UID);
  g_autoptr(ESource) book = child_of (COLLECTION_UID, E_SOURCE_EXTENSION_ADDRESS_BOOK);
  ESourceCollection *extension;
  ESourceRefresh *refresh;
  g_autofree char *before = get ("SYNCINGCONTENTTYPES");
  g_autofree char *calendar_server = MAIN_URL ("/");
  g_autofree char *moved = OTHER_URL ("/alice/");
  g_autofree char *plain = PLAIN_URL ("/");
  g_autofree char *value = NULL;

  g_assert_nonnull (collection);
  g_assert_nonnull (book);
  extension = e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION);

  /* As provisioned: the provisioned spellings, although EDS holds
   * "30 minutes" and an https URL. */
  g_assert_cmpstr (before, ==, "0x1f");
  value = get ("CONTACTSSYNCSCHEDULE");
  g_assert_cmpstr (value, ==, "2");
  g_free (value);
  value = get ("CALENDARSERVER");
  g_assert_cmpstr (value, ==, calendar_server);
  g_free (value);

  /* The address book refreshes every 45 minutes, then never. */
  refresh = e_source_get_extension (book, E_SOURCE_EXTENSION_REFRESH);
  e_source_refresh_set_interval_minutes (refresh, 45);
  write_as_user (book);
  value = get_changed ("CONTACTSSYNCSCHEDULE", "2");
  g_assert_cmpstr (value, ==, "45");
  g_free (value);
  e_source_refresh_set_enabled (refresh, FALSE);
  write_as_user (book);
  value = get_changed ("CONTACTSSYNCSCHEDULE", "45");
  g_assert_cmpstr (value, ==, "0");
  g_free (value);

  /* The calendar moves to another URL; then to plain HTTP, so TLS is no
   * longer required. */
  e_source_collection_set_calendar_url (extension, moved);
  write_as_user (collection);
  value = get_changed ("CALENDARSERVER", calendar_server);
  g_assert_cmpstr (value, ==, moved);
  g_free (value);
  value = get ("CALENDARSERVERREQUIRESSL");
  g_assert_cmpstr (value, ==, "1");
  g_free (value);
  e_source_collection_set_calendar_url (extension, plain);
  write_as_user (collection);
  value = get_changed ("CALENDARSERVER", moved);
  g_assert_cmpstr (value, ==, plain);
  g_free (value);
  value = get ("CALENDARSERVERREQUIRESSL");
  g_assert_cmpstr (value, ==, "0");
  g_free (value);

  /* Contacts off. */
  e_source_collection_set_contacts_enabled (extension, FALSE);
  write_as_user (collection);
  value = get_changed ("SYNCINGCONTENTTYPES", "0x1f");
  g_assert_cmpstr (value, ==, "0x1e");
}

static void
test_delete (void)
{
  g_auto(Email2TestRun) run = { 0 };
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "evolution", "sources",
                                             COLLECTION_UID, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GDir) dir = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * time_scale * G_TIME_SPAN_SECOND;
  g_autoptr(ESource) gone = NULL;

  g_assert_cmpuint (count_children (COLLECTION_UID), >=, 4);
  email2_test_ctl (&run, "delete", GUID);
  g_assert_cmpint (run.status, ==, 0);

  while (g_get_monotonic_time () < deadline)
    {
      g_clear_object (&gone);
      gone = e_source_registry_ref_source (registry, COLLECTION_UID);
      if (gone == NULL && count_children (COLLECTION_UID) == 0)
        break;
      iterate ();
    }
  g_assert_null (gone);
  g_assert_cmpuint (count_children (COLLECTION_UID), ==, 0);

  /* EDS's cached children went with them. */
  dir = g_dir_open (cache, 0, NULL);
  g_assert_true (dir == NULL || g_dir_read_name (dir) == NULL);

  /* And the collection's password. */
  secret = secret_password_lookup_sync (&eds_schema, NULL, &error, "e-source-uid", COLLECTION_UID, NULL);
  g_assert_no_error (error);
  g_assert_null (secret);
}

/* The collection's URL of @key ("CalendarUrl") as its file on disk says. */
static char *
url_on_disk (const char *collection_uid,
             const char *key)
{
  g_autofree char *name = g_strconcat (collection_uid, ".source", NULL);
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "evolution", "sources", name, NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_key_file_get_string (file, "Collection", key, NULL);
}

/* A server email2 fell back to plain HTTP for (/dav/requiressl) offers
 * HTTPS on the same address later: at the registry's next start the
 * collection goes back to HTTPS and discovers over it. */
static void
test_plain_upgrade (void)
{
  g_autofree char *plain = PLAIN_URL ("/");
  g_autofree char *https = url ("127.0.0.2", 1080, TRUE, "/");
  g_autofree char *log = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "registry-restarted.log", NULL);
  g_autofree char *now = NULL;
  gint64 deadline;
  gsize mark;
  GPid child = 0;

  now = url_on_disk (PLAIN_UID, "CalendarUrl");
  g_assert_cmpstr (now, ==, plain);

  email2_test_registry_stop (&child);
  {
    g_autofree char *script = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tools",
                                                "radicale-test-server", NULL);
    g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
    const char *argv_tls[] = { script, "tls", server_dir, pid, NULL };
    g_autoptr(GError) error = NULL;
    int wait_status = 0;

    g_spawn_sync (NULL, (char **) argv_tls, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                  &wait_status, &error);
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0);
  }
  mark = log_length ("plain");
  email2_test_registry_start (NULL, log, &child);

  deadline = g_get_monotonic_time () + DEADLINE_S * G_TIME_SPAN_SECOND;
  while (g_strcmp0 (now, https) != 0 && g_get_monotonic_time () < deadline)
    {
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
      g_free (now);
      now = url_on_disk (PLAIN_UID, "CalendarUrl");
    }
  g_assert_cmpstr (now, ==, https);
  /* Discovery ran again, over TLS: the server speaks nothing else now. */
  while (!log_has_login_since ("plain", mark) && g_get_monotonic_time () < deadline)
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (log_has_login_since ("plain", mark));

  email2_test_registry_stop (&child);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *pem = NULL;
  g_autoptr(GTlsDatabase) trust = NULL;
  const char *system_trust = g_getenv ("EMAIL2_SESSION_TRUST");
  g_autofree char *port = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("EMAIL2_REGISTRY_WRAPPER") != NULL && g_getenv ("EMAIL2_REGISTRY_WRAPPER")[0] != '\0')
    time_scale = 4;

  /* Only ever inside tools/with-session: never the real user's session. */
  g_assert_nonnull (g_getenv ("EMAIL2_SESSION_DIR"));
  g_assert_true (g_str_has_prefix (g_get_user_config_dir (), g_getenv ("EMAIL2_SESSION_DIR")));

  if (system_trust == NULL || system_trust[0] == '\0')
    {
      /* EDS's factories validate the servers against the system store:
       * without a private one (no mount namespace) this cannot run. */
      g_test_skip ("the session has no private trust store (tools/with-session runs as root)");
      return g_test_run ();
    }

  server_dir = g_dir_make_tmp ("email2-radicale-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (server_dir, 0755), ==, 0);
  base_port = 20000 + (guint) (getpid () % 2000) * 8;
  port = g_strdup_printf ("%u", base_port);
  {
    g_autofree char *script = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tools",
                                                "radicale-test-server", NULL);
    g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
    const char *argv_start[] = { script, "start", server_dir, port, pid, NULL };
    int wait_status = 0;

    g_spawn_sync (NULL, (char **) argv_start, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                  &wait_status, &error);
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0);
  }

  /* The test CA joins the session's system trust store: the registry's
   * discovery and the factories validate the servers against it. */
  ca = g_build_filename (server_dir, "certs", "ca.pem", NULL);
  pem = email2_test_read_file (ca, NULL);
  {
    g_autoptr(GFile) file = g_file_new_for_path (system_trust);
    g_autoptr(GFileOutputStream) out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, &error);

    g_assert_no_error (error);
    g_output_stream_write_all (G_OUTPUT_STREAM (out), pem, strlen (pem), NULL, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error);
    g_assert_no_error (error);
  }
  trust = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);
  g_tls_backend_set_default_database (g_tls_backend_get_default (), trust);
  http = soup_session_new ();
  seed_servers ();

  registry = e_source_registry_new_sync (NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (registry, "credentials-required", G_CALLBACK (credentials_required_cb), NULL);

  g_test_add_func ("/dav/contacts-calendars", test_contacts_calendars);
  g_test_add_func ("/dav/requiressl", test_requiressl);
  g_test_add_func ("/dav/collection-toggle", test_collection_toggle);
  g_test_add_func ("/dav/live-get", test_live_get);
  g_test_add_func ("/dav/delete", test_delete);
  /* Last: it restarts the registry. */
  g_test_add_func ("/dav/plain-upgrade", test_plain_upgrade);

  status = g_test_run ();

  g_clear_object (&registry);
  g_clear_object (&http);
  {
    g_autofree char *script = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tools",
                                                "radicale-test-server", NULL);
    const char *argv_stop[] = { script, "stop", server_dir, NULL };

    g_spawn_sync (NULL, (char **) argv_stop, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                  NULL, NULL);
  }
  /* EMAIL2_TEST_KEEP=1 keeps Radicale's directory (logs, storage) to look at. */
  if (g_getenv ("EMAIL2_TEST_KEEP") == NULL)
    email2_test_remove_tree (server_dir);
  return status;
}
