/* SPDX-License-Identifier: Apache-2.0 */
/* baseline: a snapshot of rustbox's footprint on the host (mounts, cgroups,
 * processes, temp dirs) and the comparison of two snapshots. */
#ifndef RUSTBOX_BASELINE_H
#define RUSTBOX_BASELINE_H

#include <json-c/json.h>

#include "scan.h"

/* JSON snapshot of a scan (caller puts the reference). */
json_object *baseline_from_scan(const struct rb_scan *s);
/* {"equal", "added": {...}, "removed": {...}} between two snapshots. */
json_object *baseline_diff(json_object *before, json_object *after, bool *equal);

/* Whether o is a snapshot baseline_from_scan made (schema and categories). */
bool baseline_is_snapshot(json_object *o);

#endif
