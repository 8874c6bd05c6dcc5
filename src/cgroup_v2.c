/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v2 backend: one group per run in the unified hierarchy, with the
 * memory, pids and cpu controllers.
 *
 * Where the groups go (docs/cgroups.md): under `cgroup_parent` when the
 * config sets one (a delegated subtree on a systemd host), else under a
 * parent named after the box prefix directly below the root
 * (/sys/fs/cgroup/<prefix>/<prefix>-<id>). The parent holds no process (the
 * no-internal-processes rule lets a group hand controllers to its children
 * only then), is created on first use with +memory +pids +cpu in its
 * subtree_control, and stays: removing it when the last box goes would race
 * the next box's creation, and an empty group costs nothing. A parent or
 * controller this backend enabled is undone when the run's group cannot be
 * set up. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

/* The controllers a box needs, as subtree_control spells them. */
static const char *const v2_need[] = { "memory", "pids", "cpu" };
#define V2_NEED_COUNT ARRAY_SIZE(v2_need)
#define V2_DEFAULT_PREFIX "rustbox"
#define V2_MAX_DEPTH 16

static bool word_in(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += wl)
        if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[wl] == ' ' || p[wl] == '\n' || p[wl] == '\0'))
            return true;
    return false;
}

static int join_path(char *buf, size_t len, const char *a, const char *b)
{
    return path_printf(buf, len, "%s%s%s", a, *b ? "/" : "", b);
}

/* The parent below the root: the configured one, else the box prefix. */
static const char *v2_parent(const char *parent, const char *prefix)
{
    return *parent ? parent : prefix && *prefix ? prefix : V2_DEFAULT_PREFIX;
}

static int v2_file(char *buf, size_t len, const char *dir, const char *file)
{
    return path_printf(buf, len, "%s/%s", dir, file);
}

static bool v2_exists(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The hierarchy's root has no cgroup.type; only it may hold processes and
 * still give its children controllers. */
static bool v2_is_root(const char *dir)
{
    char path[400];
    return v2_file(path, sizeof(path), dir, "cgroup.type") == 0 && access(path, F_OK) < 0 && errno == ENOENT;
}

static bool v2_has_procs(const char *dir)
{
    char path[400];
    _cleanup_free_ char *text = NULL;
    if (v2_file(path, sizeof(path), dir, "cgroup.procs") < 0 || read_file(path, &text, NULL) < 0)
        return false;
    return text[strspn(text, " \n")] != '\0';
}

/* Adds to dir's subtree_control those of v2_need it lacks, in one write.
 * *added (when given) gets a bit per controller this call enabled. */
static int v2_enable(const char *dir, unsigned *added)
{
    char path[400];
    _cleanup_free_ char *have = NULL;
    int r = v2_file(path, sizeof(path), dir, "cgroup.subtree_control");
    if (r < 0 || (r = read_file(path, &have, NULL)) < 0)
        return r;
    char op[64] = "";
    unsigned bits = 0;
    for (size_t i = 0; i < V2_NEED_COUNT; i++) {
        if (word_in(have, v2_need[i]))
            continue;
        size_t used = strlen(op);
        snprintf(op + used, sizeof(op) - used, "%s+%s", used ? " " : "", v2_need[i]);
        bits |= 1u << i;
    }
    if (!bits)
        return 0;
    r = write_file(path, op, 0);
    if (r == 0 && added)
        *added = bits;
    return r;
}

/* Takes back what v2_enable added; best effort (another box's group may
 * already rely on it, and the kernel then says EBUSY). */
static void v2_disable(const char *dir, unsigned bits)
{
    char path[400], op[64] = "";
    if (!bits || v2_file(path, sizeof(path), dir, "cgroup.subtree_control") < 0)
        return;
    for (size_t i = 0; i < V2_NEED_COUNT; i++) {
        size_t used = strlen(op);
        if (bits & (1u << i))
            snprintf(op + used, sizeof(op) - used, "%s-%s", used ? " " : "", v2_need[i]);
    }
    (void)write_file(path, op, 0);
}

/* What one setup of the parent chain changed, so a failure can undo it. */
struct v2_undo {
    int n_made;
    char made[V2_MAX_DEPTH][RB_CG_DIR_MAX]; /* dirs created, outermost first */
    int n_enabled;
    char enabled_dir[V2_MAX_DEPTH + 1][RB_CG_DIR_MAX];
    unsigned enabled_bits[V2_MAX_DEPTH + 1];
};

static void v2_undo(struct v2_undo *u)
{
    for (int i = u->n_made - 1; i >= 0; i--)
        (void)rmdir(u->made[i]);
    for (int i = u->n_enabled - 1; i >= 0; i--)
        if (v2_exists(u->enabled_dir[i]))
            v2_disable(u->enabled_dir[i], u->enabled_bits[i]);
    u->n_made = u->n_enabled = 0;
}

static int v2_enable_logged(const char *dir, struct v2_undo *u)
{
    unsigned bits = 0;
    int r = v2_enable(dir, &bits);
    /* dir is an ancestor of a group dir, so it fits the record. */
    if (r == 0 && bits && u->n_enabled <= V2_MAX_DEPTH &&
        path_printf(u->enabled_dir[u->n_enabled], sizeof(u->enabled_dir[0]), "%s", dir) == 0)
        u->enabled_bits[u->n_enabled++] = bits;
    return r;
}

/* Length of the part of dir that is the hierarchy's root: the topmost
 * ancestor still on the cgroup2 mount. */
static size_t v2_root_len(const char *dir)
{
    char buf[RB_CG_DIR_MAX];
    size_t len = strlen(dir);
    if (path_printf(buf, sizeof(buf), "%s", dir) < 0)
        return len; /* not a group dir of ours: no level of it is taken for the root's */
    for (;;) {
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf)
            return len;
        *slash = '\0';
        struct statfs sf;
        if (statfs(buf, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
            return len;
        len = strlen(buf);
    }
}

/* Makes the group dir (the box's) obtainable: every level from the root down
 * to its parent exists and passes memory, pids and cpu on to its children. */
static int v2_prepare_parent(const char *dir, struct v2_undo *u)
{
    char parent[RB_CG_DIR_MAX];
    int r = path_printf(parent, sizeof(parent), "%s", dir);
    if (r < 0)
        return r;
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent)
        return -EINVAL;
    *slash = '\0';
    size_t end = v2_root_len(parent);
    for (;;) {
        char saved = parent[end];
        parent[end] = '\0';
        r = 0;
        if (mkdir(parent, 0755) == 0) {
            /* Both are RB_CG_DIR_MAX long: it fits the record. */
            if (u->n_made < V2_MAX_DEPTH && path_printf(u->made[u->n_made], sizeof(u->made[0]), "%s", parent) == 0)
                u->n_made++;
        } else if (errno != EEXIST) {
            r = -errno;
        }
        if (r == 0)
            r = v2_enable_logged(parent, u);
        parent[end] = saved;
        if (r < 0 || !saved)
            return r;
        end += 1 + strcspn(parent + end + 1, "/");
    }
}

/* Whether dir can give its children all of v2_need: it passes them on
 * already, or may start to (the root always may; another group only while
 * it holds no process, the no-internal-processes rule). */
static bool v2_can_pass(const char *dir)
{
    char path[400];
    _cleanup_free_ char *subtree = NULL;
    if (v2_file(path, sizeof(path), dir, "cgroup.subtree_control") < 0 || read_file(path, &subtree, NULL) < 0)
        return false;
    bool passes = true;
    for (size_t i = 0; i < V2_NEED_COUNT; i++)
        passes = passes && word_in(subtree, v2_need[i]);
    return passes || v2_is_root(dir) || !v2_has_procs(dir);
}

static void v2_probe(const char *root, const char *parent, struct rb_cg_caps *caps)
{
    memset(caps, 0, sizeof(*caps));
    struct statfs sf;
    if (statfs(root, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
        snprintf(caps->why, sizeof(caps->why), "%s is not a cgroup2 hierarchy (cgroup v1 or hybrid host)", root);
        return;
    }
    /* What the hierarchy offers at all: the root's controllers. */
    char file[RB_CG_DIR_MAX];
    _cleanup_free_ char *ctrls = NULL;
    int r = v2_file(file, sizeof(file), root, "cgroup.controllers");
    if (r < 0 || (r = read_file(file, &ctrls, NULL)) < 0) {
        snprintf(caps->why, sizeof(caps->why), "cannot read %s: %s", file, strerror(-r));
        return;
    }
    caps->usable = true;
    caps->memory = word_in(ctrls, "memory");
    caps->pids = word_in(ctrls, "pids");
    caps->cpu = word_in(ctrls, "cpu");
    if (!caps->memory || !caps->pids || !caps->cpu) {
        snprintf(caps->why, sizeof(caps->why), "cgroup v2 controllers missing in %s:%s%s%s", file,
                 caps->memory ? "" : " memory", caps->pids ? "" : " pids", caps->cpu ? "" : " cpu");
        return;
    }
    /* Every existing level from the root down to the parent (the default
     * parent sits right below the root) must be able to hand them down;
     * create() enables them level by level and makes what is missing. */
    char dir[RB_CG_DIR_MAX];
    if (join_path(dir, sizeof(dir), root, parent) < 0) {
        snprintf(caps->why, sizeof(caps->why), "cgroup_parent is too long: %s...", dir);
        caps->memory = caps->pids = caps->cpu = false;
        return;
    }
    size_t end = strlen(root);
    for (;;) {
        char saved = dir[end];
        dir[end] = '\0';
        bool exists = v2_exists(dir);
        if (exists && !v2_can_pass(dir)) {
            caps->memory = caps->pids = caps->cpu = false;
            snprintf(caps->why, sizeof(caps->why),
                     "%s holds processes, so it cannot enable controllers for its children: set cgroup_parent "
                     "to an empty delegated group",
                     dir);
        }
        dir[end] = saved;
        if (!exists || !caps->memory || !saved)
            return;
        end += 1 + strcspn(dir + end + 1, "/");
    }
}

static int v2_parents(struct rb_cgroup *cg, const struct rb_cg_caps *caps, const char *root, const char *parent,
                      const char *prefix)
{
    int r = join_path(cg->dirs[0], sizeof(cg->dirs[0]), root, v2_parent(parent, prefix));
    cg->n_dirs = r == 0;
    return r;
}

static int v2_write(const char *dir, const char *file, const char *value)
{
    char path[400];
    int r = v2_file(path, sizeof(path), dir, file);
    return r < 0 ? r : write_file(path, value, 0);
}

static int v2_write_u64(const char *dir, const char *file, uint64_t value)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, value);
    return v2_write(dir, file, buf);
}

static int v2_create(struct rb_cgroup *cg, uint64_t memory, uint64_t pids)
{
    const char *dir = cg->dirs[0];
    struct v2_undo undo = { 0 };
    int r = v2_prepare_parent(dir, &undo);
    /* The parent may vanish between the two steps (an operator's rmdir of
     * an empty one): prepare it once more. */
    if (r == 0 && mkdir(dir, 0755) < 0 && (r = -errno) == -ENOENT && (r = v2_prepare_parent(dir, &undo)) == 0)
        r = mkdir(dir, 0755) < 0 ? -errno : 0;
    if (r < 0) {
        v2_undo(&undo);
        return r;
    }
    if (memory) {
        r = v2_write_u64(dir, "memory.max", memory);
        char swap[400];
        /* Without swap accounting (or swap) the file is absent: nothing to limit. */
        if (r == 0 && v2_file(swap, sizeof(swap), dir, "memory.swap.max") == 0 && access(swap, F_OK) == 0)
            r = v2_write(dir, "memory.swap.max", "0");
    }
    if (r == 0 && pids)
        r = v2_write_u64(dir, "pids.max", pids);
    if (r < 0) {
        (void)rmdir(dir);
        v2_undo(&undo);
    }
    return r;
}

static int v2_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out)
{
    char path[400];
    _cleanup_free_ char *text = NULL;
    int r = v2_file(path, sizeof(path), dir, file);
    if (r < 0 || (r = read_file(path, &text, NULL)) < 0)
        return r;
    return cgroup_keyed_value(text, key, out) ? 0 : -ENODATA;
}

static int v2_open_stats(const struct rb_cgroup *cg, struct rb_cg_stats *st)
{
    cgroup_stats_init(st);
    const char *dir = cg->dirs[0];
    /* Kernels before 5.19 have no memory.peak: the usage at the time of the
     * read is then the best figure there is (docs/cgroups.md). */
    const char *files[RB_CG_STATS][2] = {
        [RB_CG_STAT_CPU] = { "cpu.stat", NULL },
        [RB_CG_STAT_MEMORY] = { "memory.peak", "memory.current" },
        [RB_CG_STAT_OOM] = { "memory.events", NULL },
    };
    for (int i = 0; i < RB_CG_STATS; i++) {
        int r = -ENOENT;
        for (int k = 0; k < 2 && files[i][k] && r == -ENOENT; k++) {
            char path[400];
            if ((r = v2_file(path, sizeof(path), dir, files[i][k])) == 0)
                r = (st->fd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0 ? negative_errno() : 0;
        }
        if (r < 0) {
            cgroup_stats_close(st);
            return r;
        }
    }
    return 0;
}

static int v2_usage(const struct rb_cg_stats *st, bool cpu_only, struct rb_cg_usage *u)
{
    memset(u, 0, sizeof(*u));
    uint64_t usec = 0;
    int r = cgroup_stat_keyed(st->fd[RB_CG_STAT_CPU], "usage_usec", &usec);
    if (r < 0)
        return r;
    u->cpu_ns = usec * 1000;
    if (cpu_only)
        return 0;
    if ((r = read_u64_fd(st->fd[RB_CG_STAT_MEMORY], &u->memory_peak)) < 0)
        return r;
    r = cgroup_stat_keyed(st->fd[RB_CG_STAT_OOM], "oom_kill", &u->oom_kills);
    return r == -ENODATA ? 0 : r;
}

static int v2_populated(const struct rb_cgroup *cg)
{
    uint64_t populated = 0;
    int r = v2_read_keyed(cg->dirs[0], "cgroup.events", "populated", &populated);
    return r == -ENOENT ? 0 : r < 0 ? r : populated > 0;
}

static int v2_list_pids(const struct rb_cgroup *cg, pid_t *pids, int max)
{
    char path[400];
    _cleanup_free_ char *text = NULL;
    int r = v2_file(path, sizeof(path), cg->dirs[0], "cgroup.procs");
    if (r < 0 || (r = read_file(path, &text, NULL)) < 0)
        return r;
    int n = 0;
    for (char *p = text; *p && n < max;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        pids[n++] = (pid_t)v;
        p = end + (*end == '\n');
    }
    return n;
}

/* cgroup.kill (5.14+) SIGKILLs every process of the group and of the groups
 * below it, and whatever they fork meanwhile, in one step that no double
 * fork escapes. Returns how many processes the group itself listed (at least
 * 1 when only groups below it held some), 0 if the subtree was empty. */
static int v2_kill(const struct rb_cgroup *cg)
{
    const char *dir = cg->dirs[0];
    uint64_t populated = 0;
    int r = v2_read_keyed(dir, "cgroup.events", "populated", &populated);
    if (r < 0)
        return r == -ENODATA ? -EOPNOTSUPP : r;
    if (!populated)
        return 0;
    char path[400];
    _cleanup_free_ char *text = NULL;
    int n = 0;
    if (v2_file(path, sizeof(path), dir, "cgroup.procs") == 0 && read_file(path, &text, NULL) == 0)
        for (const char *p = text; (p = strchr(p, '\n')); p++)
            n++;
    r = v2_write(dir, "cgroup.kill", "1");
    if (r == -ENOENT && v2_exists(dir))
        return -EOPNOTSUPP;
    return r < 0 ? r : n > 0 ? n : 1;
}

const struct rb_cgroup_backend rb_cgroup_v2 = {
    .name = "v2",
    .join_file = "cgroup.procs",
    .probe = v2_probe,
    .parents = v2_parents,
    .create = v2_create,
    .open_stats = v2_open_stats,
    .usage = v2_usage,
    .populated = v2_populated,
    .list_pids = v2_list_pids,
    .kill = v2_kill,
};
