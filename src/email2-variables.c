/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Variables: the per-user values a system payload may use
 * (docs/DESIGN.md §3.2). One payload in the system inbox serves every
 * user; where a value differs per user, it names a variable:
 *
 *   ${USER}      the login name
 *   ${REALNAME}  the full name: the first field of the passwd GECOS entry
 *                (`&` stands for the login name, capitalised), else the
 *                login name
 *   ${EMAIL}     an address built from the pattern the administrator sets
 *                (`EmailPattern`, for example `${USER}@example.com`)
 *
 * `$${` stands for a literal `${`; any other `$` is itself. The names are
 * Evolution's own (its autoconfig sources use ${USER} and ${REALNAME}).
 * Values are substituted into the parsed values of the payload, after
 * the reader has undone the XML or WBXML escaping and before the engine
 * checks them, so a name holding `<`, `&` or quotes needs no escaping in
 * any encoding, and the result obeys the node's value rule like any other
 * value. An unknown variable is an error, never an empty string.
 */

#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-variables.h"

struct _Email2Variables {
  GObject parent_instance;

  char *user;
  char *real_name;
  char *email;                 /* NULL: no pattern set */
};

G_DEFINE_FINAL_TYPE (Email2Variables, email2_variables, G_TYPE_OBJECT)

typedef const char *(*LookupFunc) (Email2Variables *self,
                                   const char      *name);

/* Substitutes ${NAME} in @value with what @lookup says. */
static char *
expand_with (Email2Variables  *self,
             LookupFunc        lookup,
             const char       *value,
             GError          **error)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (value));
  const char *p = value;

  while (*p != '\0')
    {
      const char *close, *found;
      g_autofree char *name = NULL;

      if (g_str_has_prefix (p, "$${"))
        {
          g_string_append (out, "${");
          p += 3;
          continue;
        }
      if (!g_str_has_prefix (p, "${"))
        {
          g_string_append_c (out, *p++);
          continue;
        }

      close = strchr (p + 2, '}');
      if (close == NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                       _("“${” without its closing “}” (write “$${” for a literal “${”)"));
          return NULL;
        }
      name = g_strndup (p + 2, close - p - 2);
      found = lookup (self, name);
      if (found == NULL)
        {
          if (g_strcmp0 (name, "EMAIL") == 0)
            g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                         _("${EMAIL} has no value: the administrator has set no EmailPattern"));
          else
            g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                         _("Unknown variable ${%s} (known: ${USER}, ${REALNAME}, ${EMAIL})"),
                         g_utf8_validate (name, -1, NULL) ? name : "?");
          return NULL;
        }
      g_string_append (out, found);
      p = close + 1;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const char *
lookup_all (Email2Variables *self,
            const char      *name)
{
  return email2_variables_get (self, name);
}

/* An address pattern may only use the login name. */
static const char *
lookup_user (Email2Variables *self,
             const char      *name)
{
  return strcmp (name, "USER") == 0 ? self->user : NULL;
}

/**
 * email2_variables_new:
 * @user: the login name
 * @real_name: (nullable): the full name; %NULL or empty: the login name
 * @email_pattern: (nullable): the administrator's address pattern, which
 *   may use ${USER}; %NULL leaves ${EMAIL} without a value
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the variables, or %NULL when the
 *   pattern cannot be expanded
 */
Email2Variables *
email2_variables_new (const char  *user,
                      const char  *real_name,
                      const char  *email_pattern,
                      GError     **error)
{
  g_autoptr(Email2Variables) self = g_object_new (EMAIL2_TYPE_VARIABLES, NULL);

  g_return_val_if_fail (user != NULL && *user != '\0', NULL);

  self->user = g_strdup (user);
  self->real_name = g_strdup (real_name != NULL && *real_name != '\0' ? real_name : user);
  if (email_pattern != NULL)
    {
      self->email = expand_with (self, lookup_user, email_pattern, error);
      if (self->email == NULL)
        {
          g_prefix_error (error, _("EmailPattern “%s”: "), email_pattern);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/* The GECOS full name: its first comma-separated field, `&` standing for
 * the login name with its first letter capitalised (BSD's convention). */
static char *
real_name_from_gecos (const char *gecos,
                      const char *user)
{
  g_autofree char *field = g_strndup (gecos, strcspn (gecos, ","));
  g_autofree char *capitalised = g_strdup (user);
  g_auto(GStrv) parts = NULL;

  capitalised[0] = g_ascii_toupper (capitalised[0]);
  parts = g_strsplit (field, "&", -1);
  return g_strjoinv (capitalised, parts);
}

/**
 * email2_variables_new_for_user:
 * @user: a login name
 * @email_pattern: (nullable): the administrator's address pattern
 * @error: return location for a #GError
 *
 * The variables of the user @user, from the passwd database.
 *
 * Returns: (transfer full) (nullable): the variables, or %NULL when there
 *   is no such user
 */
Email2Variables *
email2_variables_new_for_user (const char  *user,
                               const char  *email_pattern,
                               GError     **error)
{
  struct passwd entry, *found = NULL;
  long size = sysconf (_SC_GETPW_R_SIZE_MAX);
  g_autofree char *buffer = NULL;
  g_autofree char *real_name = NULL;
  int ret;

  if (size <= 0)
    size = 16384;
  buffer = g_malloc (size);
  ret = getpwnam_r (user, &entry, buffer, size, &found);
  if (found == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_FOUND, _("No user “%s”: %s"), user,
                   ret != 0 ? g_strerror (ret) : _("not in the user database"));
      return NULL;
    }
  if (entry.pw_gecos != NULL)
    real_name = real_name_from_gecos (entry.pw_gecos, entry.pw_name);

  return email2_variables_new (entry.pw_name, real_name, email_pattern, error);
}

/**
 * email2_variables_get:
 * @self: variables
 * @name: `USER`, `REALNAME` or `EMAIL`
 *
 * Returns: (nullable): the value, or %NULL when @name is unknown or has
 *   no value
 */
const char *
email2_variables_get (Email2Variables *self,
                      const char      *name)
{
  g_return_val_if_fail (EMAIL2_IS_VARIABLES (self), NULL);

  if (strcmp (name, "USER") == 0)
    return self->user;
  if (strcmp (name, "REALNAME") == 0)
    return self->real_name;
  if (strcmp (name, "EMAIL") == 0)
    return self->email;
  return NULL;
}

/**
 * email2_variables_expand:
 * @self: variables
 * @value: a parsed payload value
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): @value with its variables
 *   substituted, or %NULL when it names an unknown variable or one
 *   without a value
 */
char *
email2_variables_expand (Email2Variables  *self,
                         const char       *value,
                         GError          **error)
{
  g_return_val_if_fail (EMAIL2_IS_VARIABLES (self), NULL);

  return expand_with (self, lookup_all, value, error);
}

static void
email2_variables_finalize (GObject *object)
{
  Email2Variables *self = EMAIL2_VARIABLES (object);

  g_free (self->user);
  g_free (self->real_name);
  g_free (self->email);

  G_OBJECT_CLASS (email2_variables_parent_class)->finalize (object);
}

static void
email2_variables_class_init (Email2VariablesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_variables_finalize;
}

static void
email2_variables_init (Email2Variables *self)
{
}
