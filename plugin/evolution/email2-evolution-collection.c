/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2EvolutionCollection: an account's contacts, calendars, task and
 * memo lists as one of EDS's WebDAV collections (docs/DESIGN.md §3.7).
 *
 * The collection email2-<guid>-dav ([Collection] BackendName=webdav) names
 * the CardDAV and CalDAV URLs of the account's plan (src/email2-dav-plan.c);
 * EDS's WebDAV collection backend, inside the registry, discovers the
 * address books, calendars, task and memo lists there and adds them as
 * children (kept in EDS's cache directory). It does so on its own, with no
 * client: when the backend asks for credentials, the registry's own
 * credentials provider finds the collection's password in the keyring (EDS
 * schema, the collection's UID) and authenticates. The children find that
 * password through the collection too, since the collection names no host
 * (e_util_can_use_collection_as_credential_source()), so contacts and
 * calendars may live on different hosts.
 *
 * Each child is then enabled when SYNCINGCONTENTTYPES asks for its kind,
 * and gets the refresh interval of its *SYNCSCHEDULE, whenever it appears
 * (after every discovery too) and whenever the account changes.
 *
 * Whether a server named without a scheme speaks HTTPS is found by
 * email2-evolution-collection-https.c; what Get reads live, by
 * email2-evolution-collection-live.c.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-dav-source-extension.h"
#include "email2-evolution-collection.h"
#include "email2-evolution-sources.h"
#include "email2-source-extension.h"

#define UID_PREFIX "email2-"
#define UID_SUFFIX "-dav"

struct _Email2EvolutionCollection {
  GObject parent_instance;

  ESourceRegistryServer *server;
  GMainContext *main_context;
  GCancellable *cancellable;   /* the HTTPS checks; cancelled at dispose */
  gulong added_id;
};

G_DEFINE_FINAL_TYPE (Email2EvolutionCollection, email2_evolution_collection, G_TYPE_OBJECT)

/* The kinds of children discovery makes, with the bit that enables them
 * and the server whose schedule they follow. */
static const struct kind {
  const char *extension;
  Email2ContentType type;
  Email2DavService service;
} kinds[] = {
  { E_SOURCE_EXTENSION_ADDRESS_BOOK, EMAIL2_CONTENT_CONTACTS, EMAIL2_DAV_CARDDAV },
  { E_SOURCE_EXTENSION_CALENDAR, EMAIL2_CONTENT_APPOINTMENTS, EMAIL2_DAV_CALDAV },
  { E_SOURCE_EXTENSION_TASK_LIST, EMAIL2_CONTENT_TASKS, EMAIL2_DAV_CALDAV },
  { E_SOURCE_EXTENSION_MEMO_LIST, EMAIL2_CONTENT_NOTES, EMAIL2_DAV_CALDAV },
};

/* The kind of child @source is, or %NULL. */
static const struct kind *
kind_of (ESource *source)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (e_source_has_extension (source, kinds[i].extension))
      return &kinds[i];
  return NULL;
}

/**
 * email2_evolution_collection_child_service:
 * @source: a source
 * @service: (out): the service whose schedule @source follows
 *
 * Returns: whether @source is of a kind discovery makes (an address book,
 *   calendar, task or memo list)
 */
gboolean
email2_evolution_collection_child_service (ESource          *source,
                                           Email2DavService *service)
{
  const struct kind *kind = kind_of (source);

  if (kind == NULL)
    return FALSE;
  *service = kind->service;
  return TRUE;
}

/**
 * email2_evolution_collection_uid:
 * @guid: an account's canonical GUID
 *
 * Returns: (transfer full): the UID of the account's collection
 */
char *
email2_evolution_collection_uid (const char *guid)
{
  g_autofree char *lower = g_ascii_strdown (guid + 1, EMAIL2_GUID_SIZE - 3);

  return g_strconcat (UID_PREFIX, lower, UID_SUFFIX, NULL);
}

/**
 * email2_evolution_collection_wanted:
 * @account: a complete account
 *
 * Returns: whether @account has contacts or calendars, so a collection
 */
gboolean
email2_evolution_collection_wanted (const Email2Account *account)
{
  g_autoptr(Email2DavPlan) plan = email2_dav_plan_new (account, NULL);

  return plan != NULL && !email2_dav_plan_is_empty (plan);
}

static gboolean
is_collection_uid (const char *uid)
{
  return uid != NULL && g_str_has_prefix (uid, UID_PREFIX) && g_str_has_suffix (uid, UID_SUFFIX);
}

/* The plan of the account whose collection is @collection_uid. */
static Email2DavPlan *
plan_of_collection (Email2EvolutionCollection *self,
                    const char                *collection_uid)
{
  g_autofree char *account_uid = NULL;
  g_autoptr(ESource) source = NULL;
  g_autoptr(Email2Account) account = NULL;

  if (!is_collection_uid (collection_uid))
    return NULL;
  account_uid = g_strndup (collection_uid, strlen (collection_uid) - strlen (UID_SUFFIX));
  source = e_source_registry_server_ref_source (self->server, account_uid);
  if (source == NULL || !e_source_has_extension (source, EMAIL2_SOURCE_EXTENSION_NAME))
    return NULL;
  account = email2_source_extension_to_account (e_source_get_extension (source,
                                                                        EMAIL2_SOURCE_EXTENSION_NAME));
  return account != NULL ? email2_dav_plan_new (account, NULL) : NULL;
}

/* What configure_child() gives a child. */
typedef struct {
  gboolean enabled;
  gboolean refreshes;
  guint minutes;
} ChildSettings;

static void
set_child (ESource  *child,
           gpointer  user_data)
{
  const ChildSettings *settings = user_data;
  ESourceRefresh *refresh = e_source_get_extension (child, E_SOURCE_EXTENSION_REFRESH);

  e_source_set_enabled (child, settings->enabled);
  e_source_refresh_set_enabled (refresh, settings->refreshes);
  e_source_refresh_set_interval_minutes (refresh, settings->minutes);
}

/* What configure_child() may change. EDS sets a child's Enabled from the
 * collection (its calendar or contacts part and its own Enabled) when it
 * adds a new child and whenever the collection changes: email2 then only
 * narrows that (CONFIGURE_NARROW: turns off the kinds the account does not
 * want). An apply states the account's wishes in full. */
typedef enum {
  CONFIGURE_NARROW = 0,
  CONFIGURE_REFRESH = 1 << 0,   /* [Refresh] from the schedule */
  CONFIGURE_ENABLED = 1 << 1,   /* Enabled from the bits, on or off */
} ConfigureFlags;

/* Brings @child in line with @plan as @flags say; writes it only when that
 * changed something. */
static void
configure_child (ESource             *child,
                 const Email2DavPlan *plan,
                 ConfigureFlags       flags)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      ESourceRefresh *refresh;
      gboolean enabled = email2_dav_plan_wants (plan, kinds[i].type);
      gboolean refreshes;
      guint minutes;
      g_autoptr(GError) error = NULL;

      if (!e_source_has_extension (child, kinds[i].extension))
        continue;

      if ((flags & CONFIGURE_ENABLED) == 0)
        enabled = enabled && e_source_get_enabled (child);
      refresh = e_source_get_extension (child, E_SOURCE_EXTENSION_REFRESH);
      refreshes = e_source_refresh_get_enabled (refresh);
      minutes = e_source_refresh_get_interval_minutes (refresh);
      if ((flags & CONFIGURE_REFRESH) != 0)
        refreshes = email2_dav_plan_get_refresh (plan, kinds[i].service, &minutes);
      if (e_source_get_enabled (child) == enabled &&
          e_source_refresh_get_enabled (refresh) == refreshes &&
          e_source_refresh_get_interval_minutes (refresh) == minutes)
        return;

      {
        ChildSettings settings = { enabled, refreshes, minutes };
        g_autoptr(ESource) written = NULL;

        /* The file replaced whole, as every source email2 writes. */
        written = email2_evolution_source_edit (e_server_side_source_get_server (E_SERVER_SIDE_SOURCE (child)),
                                                e_source_get_uid (child), set_child, &settings, &error);
        if (written == NULL)
          g_warning ("email2: the settings of %s could not be written: %s",
                     e_source_get_uid (child), error->message);
      }
      return;
    }
}

static void
configure_children (Email2EvolutionCollection *self,
                    const char                *collection_uid,
                    const Email2DavPlan       *plan,
                    ConfigureFlags             flags)
{
  GList *sources = e_source_registry_server_list_sources (self->server, NULL);

  for (GList *l = sources; l != NULL; l = l->next)
    if (g_strcmp0 (e_source_get_parent (l->data), collection_uid) == 0)
      configure_child (l->data, plan, flags);
  g_list_free_full (sources, g_object_unref);
}

/* ---- Following EDS ----
 *
 * EDS's collection backend binds each child's Enabled to the collection's
 * calendar or contacts part (collection_backend_bind_child_enabled()): it
 * sets it when it adds a new child (discovery, in its own thread, inside
 * the registry's "source-added" emission) and again for every child when
 * the collection's Enabled or one of its parts changes. email2 follows
 * exactly these two moments, after EDS, on the main context:
 *
 * - "source-added" is connected after every other handler, so EDS's
 *   binding has already set the new child when the idle is attached;
 * - the collection's notify::enabled and its parts' notify are watched.
 *
 * A child's own Enabled is not watched: a user who turns on a memo list
 * that the account leaves out keeps it until the next apply. Children that
 * come back from EDS's cache at start are not new to EDS, which leaves
 * them as they were; so does email2. */

typedef struct {
  Email2EvolutionCollection *self;
  char *collection_uid;
  ESource *child;           /* NULL: every child of the collection */
  ConfigureFlags flags;
} ConfigureCall;

static gboolean
configure_on_main (gpointer data)
{
  ConfigureCall *call = data;
  g_autoptr(Email2DavPlan) plan = plan_of_collection (call->self, call->collection_uid);

  if (plan != NULL && call->child != NULL)
    configure_child (call->child, plan, call->flags);
  else if (plan != NULL)
    configure_children (call->self, call->collection_uid, plan, call->flags);
  return G_SOURCE_REMOVE;
}

static void
configure_call_free (gpointer data)
{
  ConfigureCall *call = data;

  g_object_unref (call->self);
  g_free (call->collection_uid);
  g_clear_object (&call->child);
  g_free (call);
}

/* From any thread: configures @child (or every child) of @collection_uid
 * from an idle callback on the main context. */
static void
configure_later (Email2EvolutionCollection *self,
                 const char                *collection_uid,
                 ESource                   *child,
                 ConfigureFlags             flags)
{
  ConfigureCall *call = g_new0 (ConfigureCall, 1);
  g_autoptr(GSource) idle = g_idle_source_new ();

  call->self = g_object_ref (self);
  call->collection_uid = g_strdup (collection_uid);
  call->child = child != NULL ? g_object_ref (child) : NULL;
  call->flags = flags;
  g_source_set_callback (idle, configure_on_main, call, configure_call_free);
  g_source_set_static_name (idle, "[email2] configure a collection's children");
  g_source_attach (idle, self->main_context);
}

static void
collection_enabled_cb (ESource                   *collection,
                       GParamSpec                *pspec,
                       Email2EvolutionCollection *self)
{
  configure_later (self, e_source_get_uid (collection), NULL, CONFIGURE_NARROW);
}

static void
collection_part_cb (ESourceCollection         *extension,
                    GParamSpec                *pspec,
                    Email2EvolutionCollection *self)
{
  g_autoptr(ESource) collection = e_source_extension_ref_source (E_SOURCE_EXTENSION (extension));
  const char *name = g_param_spec_get_name (pspec);

  if (collection != NULL &&
      (g_str_equal (name, "calendar-enabled") || g_str_equal (name, "contacts-enabled")))
    configure_later (self, e_source_get_uid (collection), NULL, CONFIGURE_NARROW);
}

/* Follows @collection's changes, as EDS's binding does. */
static void
watch_collection (Email2EvolutionCollection *self,
                  ESource                   *collection)
{
  g_signal_connect_object (collection, "notify::enabled", G_CALLBACK (collection_enabled_cb), self, 0);
  g_signal_connect_object (e_source_get_extension (collection, E_SOURCE_EXTENSION_COLLECTION), "notify",
                           G_CALLBACK (collection_part_cb), self, 0);
}

/* Connected after every other handler; may run in discovery's thread. */
static void
source_added_cb (ESourceRegistryServer     *server,
                 ESource                   *source,
                 Email2EvolutionCollection *self)
{
  const char *parent = e_source_get_parent (source);
  g_autoptr(ECollectionBackend) backend = NULL;

  if (is_collection_uid (e_source_get_uid (source)) &&
      e_source_has_extension (source, E_SOURCE_EXTENSION_COLLECTION))
    {
      watch_collection (self, source);
      return;
    }
  if (!is_collection_uid (parent))
    return;

  /* Only a child new to EDS, whose Enabled EDS has just set from the
   * collection; one from EDS's cache keeps what it had. */
  backend = e_source_registry_server_ref_backend (server, source);
  if (backend != NULL && e_collection_backend_is_new_source (backend, source))
    configure_later (self, parent, source, CONFIGURE_REFRESH);
}

static void
configure_collection (ESource             *source,
                      const Email2Account *account,
                      const Email2DavPlan *plan)
{
  ESourceCollection *collection = e_source_get_extension (source, E_SOURCE_EXTENSION_COLLECTION);
  ESourceAuthentication *auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  const char *contacts = email2_dav_plan_get_url (plan, EMAIL2_DAV_CARDDAV);
  const char *calendar = email2_dav_plan_get_url (plan, EMAIL2_DAV_CALDAV);

  e_source_set_display_name (source, email2_account_get (account, EMAIL2_NODE_SERVICENAME));
  e_source_set_enabled (source, TRUE);
  e_source_set_parent (source, NULL);
  e_source_backend_set_backend_name (E_SOURCE_BACKEND (collection), "webdav");
  e_source_collection_set_identity (collection, email2_dav_plan_get_user (plan));
  e_source_collection_set_mail_enabled (collection, FALSE);
  e_source_collection_set_contacts_enabled (collection, contacts != NULL);
  e_source_collection_set_contacts_url (collection, contacts);
  e_source_collection_set_calendar_enabled (collection, calendar != NULL);
  e_source_collection_set_calendar_url (collection, calendar);
  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    email2_dav_source_extension_set_url (e_source_get_extension (source, EMAIL2_DAV_SOURCE_EXTENSION_NAME),
                                         s, email2_dav_plan_get_url (plan, s));

  /* No host: the children, wherever they are, use this password. */
  e_source_authentication_set_host (auth, NULL);
  e_source_authentication_set_port (auth, 0);
  e_source_authentication_set_user (auth, email2_dav_plan_get_user (plan));
  e_source_authentication_set_method (auth, "plain/password");
  e_source_authentication_set_remember_password (auth, TRUE);
}

typedef struct {
  const Email2Account *account;
  const Email2DavPlan *plan;
} CollectionArgs;

static void
configure_edit (ESource  *source,
                gpointer  user_data)
{
  const CollectionArgs *args = user_data;

  configure_collection (source, args->account, args->plan);
}

/* At start: each service of @collection that email2 left on plain HTTP
 * (its URL is the plan's plain one and the one email2 recorded, so not
 * the user's choice) is checked for HTTPS again. */
static void
recheck_plain (Email2EvolutionCollection *self,
               ESource                   *source)
{
  const char *uid = e_source_get_uid (source);
  g_autoptr(Email2DavPlan) plan = plan_of_collection (self, uid);
  ESourceCollection *collection = e_source_get_extension (source, E_SOURCE_EXTENSION_COLLECTION);
  Email2DavSourceExtension *written = e_source_get_extension (source, EMAIL2_DAV_SOURCE_EXTENSION_NAME);

  for (guint s = 0; plan != NULL && s < EMAIL2_DAV_N_SERVICES; s++)
    {
      const char *plain = email2_dav_plan_get_plain_url (plan, s);
      g_autofree char *current = s == EMAIL2_DAV_CARDDAV ? e_source_collection_dup_contacts_url (collection)
                                                         : e_source_collection_dup_calendar_url (collection);

      if (plain != NULL && g_strcmp0 (current, plain) == 0 &&
          g_strcmp0 (email2_dav_source_extension_get_url (written, s), plain) == 0)
        email2_evolution_collection_probe_https (self->server, uid, s, email2_dav_plan_get_url (plan, s),
                                                 plain, TRUE, self->cancellable);
    }
}

/* A service whose SRV look-up got no answer (DNS down, the deadline
 * passed) keeps the URL email2 wrote last, while the collection still
 * holds it: a DNS failure during an edit must not move discovery, and the
 * password, to the domain's own web server. */
static void
keep_unresolved (ESource       *source,
                 Email2DavPlan *plan)
{
  ESourceCollection *collection = e_source_get_extension (source, E_SOURCE_EXTENSION_COLLECTION);
  Email2DavSourceExtension *written;

  if (!e_source_has_extension (source, EMAIL2_DAV_SOURCE_EXTENSION_NAME))
    return;
  written = e_source_get_extension (source, EMAIL2_DAV_SOURCE_EXTENSION_NAME);
  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    {
      g_autofree char *current = s == EMAIL2_DAV_CARDDAV ? e_source_collection_dup_contacts_url (collection)
                                                         : e_source_collection_dup_calendar_url (collection);

      if (!email2_dav_plan_get_unresolved (plan, s) || current == NULL ||
          g_strcmp0 (current, email2_dav_source_extension_get_url (written, s)) != 0 ||
          g_strcmp0 (current, email2_dav_plan_get_url (plan, s)) == 0)
        continue;
      g_message ("email2: the SRV records of %s did not answer; %s keeps %s",
                 email2_dav_plan_get_domain (plan, s), e_source_get_uid (source), current);
      email2_dav_plan_set_found (plan, s, current, NULL);
    }
}

/**
 * email2_evolution_collection_write:
 * @self: the collections
 * @guid: the account's canonical GUID
 * @account: (nullable): the account as it is to be, or %NULL when removed
 * @looked_up: (nullable): @account's plan after its SRV look-ups
 *   (email2_dav_plan_look_up(), done off the main thread), or %NULL to
 *   work it out here without them
 * @changed: (out): whether an existing collection was changed, so that
 *   its servers should be discovered again
 * @error: return location for an error
 *
 * Makes the account's collection match @account: created, changed or
 * removed (with its children and their cached files) when @account has
 * neither contacts nor calendars. Call it on the main context, with the
 * collection's password already in the keyring, so that the discovery
 * a new collection starts at once finds it.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_evolution_collection_write (Email2EvolutionCollection *self,
                                   const char                *guid,
                                   const Email2Account       *account,
                                   const Email2DavPlan       *looked_up,
                                   gboolean                  *changed,
                                   GError                   **error)
{
  g_autofree char *uid = email2_evolution_collection_uid (guid);
  g_autoptr(ESource) source = e_source_registry_server_ref_source (self->server, uid);
  g_autoptr(Email2DavPlan) plan = NULL;
  g_autofree char *old_data = NULL;
  g_autofree char *new_data = NULL;
  gboolean is_new = source == NULL;

  *changed = FALSE;
  if (account != NULL && looked_up != NULL)
    plan = email2_dav_plan_copy (looked_up);
  else if (account != NULL)
    {
      plan = email2_dav_plan_new (account, error);
      if (plan == NULL)
        return FALSE;
    }
  if (plan != NULL && email2_dav_plan_get_ignored_types (plan) != 0)
    g_debug ("account %s: SYNCINGCONTENTTYPES bits 0x%x have no desktop counterpart",
             guid, email2_dav_plan_get_ignored_types (plan));

  if (plan == NULL || email2_dav_plan_is_empty (plan))
    {
      GList *children;

      if (source == NULL)
        return TRUE;
      /* The children go with the collection; EDS keeps them as orphans,
       * which a collection of the same UID would adopt, stale. */
      children = e_source_registry_server_list_sources (self->server, NULL);
      /* Their files go (EDS deletes them): the transaction syncs their
       * directories. */
      for (GList *l = children; l != NULL; l = l->next)
        if (l->data == source || g_strcmp0 (e_source_get_parent (l->data), uid) == 0)
          {
            GFile *file = e_server_side_source_get_file (E_SERVER_SIDE_SOURCE (l->data));
            g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

            if (path != NULL)
              email2_evolution_sources_changed (path);
          }
      if (!e_source_remove_sync (source, NULL, error))
        {
          g_list_free_full (children, g_object_unref);
          return FALSE;
        }
      for (GList *l = children; l != NULL; l = l->next)
        if (g_strcmp0 (e_source_get_parent (l->data), uid) == 0)
          e_source_registry_server_remove_source (self->server, l->data);
      g_list_free_full (children, g_object_unref);
      return TRUE;
    }

  if (!is_new)
    {
      old_data = e_source_to_string (source, NULL);
      keep_unresolved (source, plan);
    }

  /* The file replaced whole, as every source email2 writes; a new
   * collection is added once its file is there. */
  {
    CollectionArgs args = { account, plan };

    g_clear_object (&source);
    source = email2_evolution_source_edit (self->server, uid, configure_edit, &args, error);
    if (source == NULL)
      return FALSE;
  }

  if (!is_new)
    {
      new_data = e_source_to_string (source, NULL);
      *changed = g_strcmp0 (old_data, new_data) != 0;
      configure_children (self, uid, plan, CONFIGURE_ENABLED | CONFIGURE_REFRESH);
    }

  /* HTTPS first, at every write: plain only after a probe. */
  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    if (email2_dav_plan_get_plain_url (plan, s) != NULL)
      email2_evolution_collection_probe_https (self->server, uid, s, email2_dav_plan_get_url (plan, s),
                                               email2_dav_plan_get_plain_url (plan, s), FALSE,
                                               self->cancellable);
  return TRUE;
}

/**
 * email2_evolution_collection_authenticate:
 * @self: the collections
 * @guid: the account's canonical GUID
 *
 * Has EDS discover the collection's servers again, with the password in
 * the keyring (the registry looks it up itself; no window). Call it on the
 * main context.
 */
void
email2_evolution_collection_authenticate (Email2EvolutionCollection *self,
                                          const char                *guid)
{
  g_autofree char *uid = email2_evolution_collection_uid (guid);
  g_autoptr(ESource) source = e_source_registry_server_ref_source (self->server, uid);
  g_autoptr(ECollectionBackend) backend = NULL;

  if (source == NULL)
    return;
  backend = e_source_registry_server_ref_backend (self->server, source);
  if (backend == NULL)
    {
      g_debug ("collection %s has no backend: EDS's WebDAV module is not loaded", uid);
      return;
    }
  e_backend_schedule_credentials_required (E_BACKEND (backend), E_SOURCE_CREDENTIALS_REASON_REQUIRED,
                                           NULL, 0, NULL, NULL, G_STRFUNC);
}

/**
 * email2_evolution_collection_stop:
 * @self: the collections
 *
 * Cancels every HTTPS check still running: from now on none of them
 * writes a collection. Call it on the main context.
 */
void
email2_evolution_collection_stop (Email2EvolutionCollection *self)
{
  g_return_if_fail (EMAIL2_IS_EVOLUTION_COLLECTION (self));

  g_cancellable_cancel (self->cancellable);
}

static void
email2_evolution_collection_dispose (GObject *object)
{
  Email2EvolutionCollection *self = EMAIL2_EVOLUTION_COLLECTION (object);

  email2_evolution_collection_stop (self);
  if (self->added_id != 0)
    g_clear_signal_handler (&self->added_id, self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->main_context, g_main_context_unref);

  G_OBJECT_CLASS (email2_evolution_collection_parent_class)->dispose (object);
}

static void
email2_evolution_collection_finalize (GObject *object)
{
  Email2EvolutionCollection *self = EMAIL2_EVOLUTION_COLLECTION (object);

  g_object_unref (self->cancellable);

  G_OBJECT_CLASS (email2_evolution_collection_parent_class)->finalize (object);
}

static void
email2_evolution_collection_class_init (Email2EvolutionCollectionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = email2_evolution_collection_dispose;
  G_OBJECT_CLASS (klass)->finalize = email2_evolution_collection_finalize;
}

static void
email2_evolution_collection_init (Email2EvolutionCollection *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * email2_evolution_collection_new:
 * @server: the registry
 *
 * Must be called on the registry's main context. Children that discovery
 * adds from then on are configured as they appear, and again whenever EDS
 * sets them from their collection. A collection left on plain HTTP is
 * checked for HTTPS again, asynchronously.
 *
 * Returns: (transfer full): the provisioned collections
 */
Email2EvolutionCollection *
email2_evolution_collection_new (ESourceRegistryServer *server)
{
  Email2EvolutionCollection *self = g_object_new (EMAIL2_TYPE_EVOLUTION_COLLECTION, NULL);
  GList *sources;

  self->server = g_object_ref (server);
  self->main_context = g_main_context_ref_thread_default ();
  self->added_id = g_signal_connect_after (server, "source-added", G_CALLBACK (source_added_cb), self);

  /* The collections already loaded (the module starts at files-loaded). */
  sources = e_source_registry_server_list_sources (server, E_SOURCE_EXTENSION_COLLECTION);
  for (GList *l = sources; l != NULL; l = l->next)
    if (is_collection_uid (e_source_get_uid (l->data)))
      {
        watch_collection (self, l->data);
        recheck_plain (self, l->data);
      }
  g_list_free_full (sources, g_object_unref);

  return self;
}
