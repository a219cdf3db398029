/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#define EMAIL2_INSIDE

#include "email2-account.h"
#include "email2-command.h"
#include "email2-dav-plan.h"
#include "email2-dbus.h"
#include "email2-desktop-host.h"
#include "email2-digest.h"
#include "email2-error.h"
#include "email2-host.h"
#include "email2-launcher.h"
#include "email2-locuri.h"
#include "email2-log.h"
#include "email2-memory-host.h"
#include "email2-payload.h"
#include "email2-policy.h"
#include "email2-probe.h"
#include "email2-rollout.h"
#include "email2-schema.h"
#include "email2-service.h"
#include "email2-session.h"
#include "email2-spool.h"
#include "email2-syncml.h"
#include "email2-trust.h"
#include "email2-variables.h"
#include "email2-wapprov.h"
#include "email2-wbxml.h"

#undef EMAIL2_INSIDE
