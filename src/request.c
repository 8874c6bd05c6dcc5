/* SPDX-License-Identifier: Apache-2.0 */
#include "request.h"

void request_apply_limits(struct rb_run_request *req, const struct rb_limits *def)
{
    struct rb_limits *l = &req->limits;
    unsigned set = req->limits_set;
    if (!(set & RB_LIM_CPU))
        l->cpu_time_s = def->cpu_time_s;
    if (!(set & RB_LIM_WALL))
        l->wall_time_s = def->wall_time_s;
    if (!(set & RB_LIM_EXTRA))
        l->extra_time_s = def->extra_time_s;
    if (!(set & RB_LIM_MEMORY))
        l->memory = def->memory;
    if (!(set & RB_LIM_PROCESSES))
        l->processes = def->processes;
    if (!(set & RB_LIM_FILE_SIZE))
        l->file_size = def->file_size;
    if (!(set & RB_LIM_OPEN_FILES))
        l->open_files = def->open_files;
    if (!(set & RB_LIM_STACK))
        l->stack = def->stack;
    if (!(set & RB_LIM_OUTPUT))
        l->output_limit = def->output_limit;
    /* Not settable on the command line: always the config's. */
    l->box_size = def->box_size;
    l->box_inodes = def->box_inodes;
}

struct rb_cpu_rule request_cpu_rule(const struct rb_run_request *req)
{
    const struct rb_limits *l = &req->limits;
    struct rb_cpu_rule rule = { .per_process = false, .kill_at_s = 0 };
    if (req->rules == RB_RULES_ISOLATE) {
        rule.per_process = !req->cg_meta_keys || req->process_timing;
        if (l->cpu_time_s > 0)
            rule.kill_at_s = l->extra_time_s > l->cpu_time_s ? l->extra_time_s : l->cpu_time_s;
    } else if (l->cpu_time_s > 0) {
        rule.kill_at_s = l->cpu_time_s + l->extra_time_s;
    }
    return rule;
}
