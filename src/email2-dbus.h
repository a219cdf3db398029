/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Where io.github.email2.Provisioning1 is served (data/
 * io.github.email2.Provisioning1.xml); its error names are those of
 * EMAIL2_ERROR (email2-error.c).
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

/* The registry module serves the interface on the registry's connection,
 * under the registry's own name. */
#define EMAIL2_DBUS_BUS_NAME "org.gnome.evolution.dataserver.Sources5"
#define EMAIL2_DBUS_OBJECT_PATH "/io/github/email2/Provisioning"
