/* SPDX-License-Identifier: Apache-2.0 */
/* config.h uses size_t without including <stddef.h>. */
#include <stddef.h>

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <time.h>

#include "idrange.h"
#include "privpath.h"
#include "error.h"
#include "util.h"

/* uid_t/gid_t (uint32_t)-1 means "no change" to the kernel, so the last box
 * must stay strictly below it. */
#define RB_MAX_ID 4294967294ULL
/* Limits past this many seconds overflow the timers they end up in. */
#define RB_MAX_SECONDS 1e9

_Static_assert(sizeof(RB_DEFAULT_STATE_DIR) - 1 <= RB_STATE_DIR_MAX &&
                   sizeof(RB_DEFAULT_WORK_ROOT) - 1 <= RB_WORK_ROOT_MAX &&
                   sizeof(RB_DEFAULT_NAME_PREFIX) - 1 <= RB_NAME_PREFIX_MAX,
               "the defaults are within the bounds config_load holds a file to");

enum key_kind {
    K_OBJECT,
    K_STRING,        /* any string */
    K_ABS_PATH,      /* absolute path */
    K_OPT_ABS_PATH,  /* absolute path, or "" for unset */
    K_CGROUP_PARENT, /* relative path without ".." */
    K_PREFIX,        /* name_prefix */
    K_BACKEND,
    K_BOOL,
    K_U32_POSITIVE, /* 1 .. RB_MAX_ID */
    K_U64,
    K_SECONDS,
    K_RATIO,        /* number in [0, 1] */
    K_SIZE,         /* "256M" or bytes */
    K_CAPTURE_SIZE, /* a K_SIZE of at most RB_CAPTURE_LIMIT_MAX */
};

struct key {
    const char *name;
    enum key_kind kind;
    size_t off;
    const struct key *sub; /* K_OBJECT: its keys, NULL-name terminated */
    size_t max_len;        /* strings: longest value in bytes (config.h); 0: any */
};

#define F(field) offsetof(struct rb_config, field)

static const struct key limits_keys[] = {
    { "cpu_time_s", K_SECONDS, F(limits.cpu_time_s), NULL, 0 },
    { "wall_time_s", K_SECONDS, F(limits.wall_time_s), NULL, 0 },
    { "extra_time_s", K_SECONDS, F(limits.extra_time_s), NULL, 0 },
    { "memory", K_SIZE, F(limits.memory), NULL, 0 },
    { "processes", K_U64, F(limits.processes), NULL, 0 },
    { "file_size", K_SIZE, F(limits.file_size), NULL, 0 },
    { "open_files", K_U64, F(limits.open_files), NULL, 0 },
    { "stack", K_SIZE, F(limits.stack), NULL, 0 },
    { "output_limit", K_SIZE, F(limits.output_limit), NULL, 0 },
    { "box_size", K_SIZE, F(limits.box_size), NULL, 0 },
    { "box_inodes", K_U64, F(limits.box_inodes), NULL, 0 },
    { NULL, K_OBJECT, 0, NULL, 0 },
};

static const struct key floors_keys[] = {
    { "disk_free", K_SIZE, F(floors.disk_free), NULL, 0 },
    { "inodes_free", K_U64, F(floors.inodes_free), NULL, 0 },
    { "fds_free_ratio", K_RATIO, F(floors.fds_free_ratio), NULL, 0 },
    { "mem_available", K_SIZE, F(floors.mem_available), NULL, 0 },
    { NULL, K_OBJECT, 0, NULL, 0 },
};

static const struct key metrics_keys[] = {
    { "listen", K_STRING, F(metrics_listen), NULL, 0 },
    { "textfile_dir", K_STRING, F(metrics_textfile_dir), NULL, 0 },
    { "allow_remote", K_BOOL, F(metrics_allow_remote), NULL, 0 },
    { NULL, K_OBJECT, 0, NULL, 0 },
};

static const struct key top_keys[] = {
    { "state_dir", K_ABS_PATH, F(state_dir), NULL, RB_STATE_DIR_MAX },
    { "work_root", K_ABS_PATH, F(work_root), NULL, RB_WORK_ROOT_MAX },
    { "box_root", K_OPT_ABS_PATH, F(box_root), NULL, RB_WORK_ROOT_MAX },
    { "name_prefix", K_PREFIX, F(name_prefix), NULL, RB_NAME_PREFIX_MAX },
    { "cgroup_backend", K_BACKEND, F(cgroup_backend), NULL, 0 },
    { "cgroup_parent", K_CGROUP_PARENT, F(cgroup_parent), NULL, RB_CGROUP_PARENT_MAX },
    { "strict", K_BOOL, F(strict), NULL, 0 },
    { "allow_share_net", K_BOOL, F(allow_share_net), NULL, 0 },
    { "first_uid", K_U32_POSITIVE, F(first_uid), NULL, 0 },
    { "first_gid", K_U32_POSITIVE, F(first_gid), NULL, 0 },
    { "num_boxes", K_U32_POSITIVE, F(num_boxes), NULL, 0 },
    { "cleanup_timeout_s", K_SECONDS, F(cleanup_timeout_s), NULL, 0 },
    { "max_cleanup_failures", K_U32_POSITIVE, F(max_cleanup_failures), NULL, 0 },
    { "capture_limit", K_CAPTURE_SIZE, F(capture_limit), NULL, 0 },
    { "limits", K_OBJECT, 0, limits_keys, 0 },
    { "floors", K_OBJECT, 0, floors_keys, 0 },
    { "metrics", K_OBJECT, 0, metrics_keys, 0 },
    { NULL, K_OBJECT, 0, NULL, 0 },
};

#undef F

static const char *const expectations[] = {
    [K_OBJECT] = "expected an object",
    [K_STRING] = "expected a string",
    [K_ABS_PATH] = "expected an absolute path string",
    [K_OPT_ABS_PATH] = "expected an absolute path string, or \"\" (unset)",
    [K_CGROUP_PARENT] = "expected a relative cgroup path without \"..\" (may be empty)",
    [K_PREFIX] = "expected a non-empty name of letters, digits, '_', '.', '-' starting with a letter",
    [K_BACKEND] = "expected one of \"auto\", \"v1\", \"v2\"",
    [K_BOOL] = "expected true or false",
    [K_U32_POSITIVE] = "expected a positive integer below 4294967295",
    [K_U64] = "expected a non-negative integer",
    [K_SECONDS] = "expected a non-negative number of seconds (at most 1e9)",
    [K_RATIO] = "expected a number between 0 and 1",
    [K_SIZE] = "expected a size string such as \"256M\" or a non-negative integer",
    [K_CAPTURE_SIZE] = "expected a size string such as \"1M\" or a non-negative integer, at most 64M",
};
_Static_assert(RB_CAPTURE_LIMIT_MAX == 64ULL << 20, "the capture_limit message names the most it takes");

static int set_string(char **slot, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return -ENOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

int config_defaults(struct rb_config *cfg)
{
    *cfg = (struct rb_config){
        .cgroup_backend = RB_CG_AUTO,
        .strict = true,
        .first_uid = RB_DEFAULT_FIRST_UID,
        .first_gid = RB_DEFAULT_FIRST_GID,
        .num_boxes = RB_DEFAULT_NUM_BOXES,
        .cleanup_timeout_s = RB_DEFAULT_CLEANUP_TIMEOUT_S,
        .max_cleanup_failures = RB_DEFAULT_MAX_CLEANUP_FAILURES,
        .capture_limit = RB_DEFAULT_CAPTURE_LIMIT,
        .limits = {
            .cpu_time_s = RB_DEFAULT_CPU_TIME_S,
            .wall_time_s = RB_DEFAULT_WALL_TIME_S,
            .extra_time_s = RB_DEFAULT_EXTRA_TIME_S,
            .memory = RB_DEFAULT_MEMORY,
            .processes = RB_DEFAULT_PROCESSES,
            .file_size = RB_DEFAULT_FILE_SIZE,
            .open_files = RB_DEFAULT_OPEN_FILES,
            .stack = RB_DEFAULT_STACK,
            .output_limit = RB_DEFAULT_OUTPUT_LIMIT,
            .box_size = RB_DEFAULT_BOX_SIZE,
            .box_inodes = RB_DEFAULT_BOX_INODES,
        },
        .floors = {
            .disk_free = RB_DEFAULT_DISK_FREE,
            .inodes_free = RB_DEFAULT_INODES_FREE,
            .fds_free_ratio = RB_DEFAULT_FDS_FREE_RATIO,
            .mem_available = RB_DEFAULT_MEM_AVAILABLE,
        },
        .metrics_allow_remote = false,
        /* isolate's --share-net works unless the operator says otherwise. */
        .allow_share_net = true,
    };
    cfg->state_dir = strdup(RB_DEFAULT_STATE_DIR);
    cfg->work_root = strdup(RB_DEFAULT_WORK_ROOT);
    cfg->box_root = strdup(""); /* unset: isolate-mode boxes live under work_root */
    cfg->name_prefix = strdup(RB_DEFAULT_NAME_PREFIX);
    cfg->cgroup_parent = strdup("");
    cfg->metrics_listen = strdup(RB_DEFAULT_LISTEN);
    cfg->metrics_textfile_dir = strdup("");
    if (!cfg->state_dir || !cfg->work_root || !cfg->box_root || !cfg->name_prefix || !cfg->cgroup_parent ||
        !cfg->metrics_listen || !cfg->metrics_textfile_dir) {
        config_free(cfg);
        return -ENOMEM;
    }
    return 0;
}

void config_free(struct rb_config *cfg)
{
    if (!cfg)
        return;
    char **strings[] = { &cfg->state_dir,           &cfg->work_root,     &cfg->box_root,
                         &cfg->name_prefix,         &cfg->cgroup_parent, &cfg->metrics_listen,
                         &cfg->metrics_textfile_dir };
    for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
}

const char *cgroup_backend_name(enum rb_cg_choice b)
{
    switch (b) {
    case RB_CG_AUTO: return "auto";
    case RB_CG_V1: return "v1";
    case RB_CG_V2: return "v2";
    }
    return "unknown";
}

static bool valid_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > RB_NAME_PREFIX_MAX)
        return false;
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return false;
    }
    return true;
}

/* A parent that climbs out of the hierarchy or starts at its root would let
 * rustbox create and remove groups it does not own. */
static bool valid_cgroup_parent(const char *s)
{
    if (s[0] == '/')
        return false;
    for (const char *p = s; *p;) {
        const char *end = strchrnul(p, '/');
        if (end - p == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p = *end ? end + 1 : end;
    }
    return true;
}

/* json-c clamps integers that overflow 64 bits instead of failing, so the
 * clamped extremes are treated as out of range. */
static bool json_uint(struct json_object *v, uint64_t max, uint64_t *out)
{
    if (json_object_get_type(v) != json_type_int)
        return false;
    if (json_object_get_int64(v) < 0)
        return false;
    uint64_t u = json_object_get_uint64(v);
    if (u == UINT64_MAX || u > max)
        return false;
    *out = u;
    return true;
}

static bool json_number(struct json_object *v, double *out)
{
    enum json_type t = json_object_get_type(v);
    if (t != json_type_int && t != json_type_double)
        return false;
    double d = json_object_get_double(v);
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}

/* Returns 1 if v does not fit k (the caller names the key), 0 once stored. */
static int apply_value(struct rb_config *cfg, const struct key *k, struct json_object *v)
{
    void *slot = (char *)cfg + k->off;
    enum json_type t = json_object_get_type(v);
    const char *s = t == json_type_string ? json_object_get_string(v) : NULL;
    uint64_t u;
    double d;

    switch (k->kind) {
    case K_OBJECT: return 1; /* objects are walked by the caller */
    case K_STRING: return s ? set_string(slot, s) : 1;
    case K_ABS_PATH: return s && s[0] == '/' ? set_string(slot, s) : 1;
    case K_OPT_ABS_PATH: return s && (s[0] == '/' || !s[0]) ? set_string(slot, s) : 1;
    case K_CGROUP_PARENT: return s && valid_cgroup_parent(s) ? set_string(slot, s) : 1;
    case K_PREFIX: return s && valid_prefix(s) ? set_string(slot, s) : 1;
    case K_BACKEND: {
        enum rb_cg_choice b;
        if (!s)
            return 1;
        if (strcmp(s, "auto") == 0)
            b = RB_CG_AUTO;
        else if (strcmp(s, "v1") == 0)
            b = RB_CG_V1;
        else if (strcmp(s, "v2") == 0)
            b = RB_CG_V2;
        else
            return 1;
        *(enum rb_cg_choice *)slot = b;
        return 0;
    }
    case K_BOOL:
        if (t != json_type_boolean)
            return 1;
        *(bool *)slot = json_object_get_boolean(v);
        return 0;
    case K_U32_POSITIVE:
        if (!json_uint(v, RB_MAX_ID, &u) || u == 0)
            return 1;
        *(uint32_t *)slot = (uint32_t)u;
        return 0;
    case K_U64:
        if (!json_uint(v, UINT64_MAX, &u))
            return 1;
        *(uint64_t *)slot = u;
        return 0;
    case K_SECONDS:
        if (!json_number(v, &d) || d < 0 || d > RB_MAX_SECONDS)
            return 1;
        *(double *)slot = d;
        return 0;
    case K_RATIO:
        if (!json_number(v, &d) || d < 0 || d > 1)
            return 1;
        *(double *)slot = d;
        return 0;
    case K_SIZE:
    case K_CAPTURE_SIZE:
        if (s) {
            if (parse_size(s, &u) < 0)
                return 1;
        } else if (!json_uint(v, UINT64_MAX, &u)) {
            return 1;
        }
        if (k->kind == K_CAPTURE_SIZE && u > RB_CAPTURE_LIMIT_MAX)
            return 1;
        *(uint64_t *)slot = u;
        return 0;
    }
    return 1;
}

/* Keys are copied into messages; a hostile key must not swamp the line. */
static void printable_key(char *buf, size_t len, const char *parent, const char *name)
{
    snprintf(buf, len, "%s%s%.64s%s", parent ? parent : "", parent ? "." : "", name, strlen(name) > 64 ? "..." : "");
}

static int apply_object(struct rb_config *cfg, const struct key *keys, const char *parent, struct json_object *obj,
                        unsigned *seen, const char *origin, char *err, size_t errlen)
{
    json_object_object_foreach(obj, name, v) {
        char dotted[160];
        printable_key(dotted, sizeof(dotted), parent, name);
        const struct key *k = keys;
        while (k->name && strcmp(k->name, name) != 0)
            k++;
        if (!k->name)
            return rb_error_refuse(err, errlen, "config %s: unknown key \"%s\"", origin, dotted);
        if (!parent)
            *seen |= 1u << (k - keys);
        if (k->kind == K_OBJECT) {
            if (json_object_get_type(v) != json_type_object)
                return rb_error_refuse(err, errlen, "config %s: key \"%s\": %s", origin, dotted,
                                       expectations[K_OBJECT]);
            int r = apply_object(cfg, k->sub, k->name, v, seen, origin, err, errlen);
            if (r < 0)
                return r;
            continue;
        }
        /* Measured before anything else is said of the value: whatever else
         * is wrong with it, a path that would not fit is refused as such. */
        if (k->max_len && json_object_get_type(v) == json_type_string &&
            (size_t)json_object_get_string_len(v) > k->max_len)
            return rb_error_refuse(err, errlen, "config %s: key \"%s\": too long (%zu bytes, at most %zu)", origin,
                                   dotted, (size_t)json_object_get_string_len(v), k->max_len);
        int r = apply_value(cfg, k, v);
        if (r < 0) {
            (void)rb_error_refuse(err, errlen, "config %s: key \"%s\": %s", origin, dotted,
                                  strerror(-r)); /* the line alone: the cause is r */
            return r;
        }
        if (r > 0)
            return rb_error_refuse(err, errlen, "config %s: key \"%s\": %s", origin, dotted, expectations[k->kind]);
    }
    return 0;
}

static unsigned top_bit(const char *name)
{
    for (size_t i = 0; top_keys[i].name; i++)
        if (strcmp(top_keys[i].name, name) == 0)
            return 1u << i;
    return 0;
}

/* Boxes take ids first_id .. first_id + num_boxes - 1; the last one must stay
 * a valid id. The message blames the key the file set, so it can be fixed. */
static int check_id_range(const struct rb_config *cfg, unsigned seen, const char *first_key, uint32_t first,
                          const char *origin, char *err, size_t errlen)
{
    if ((uint64_t)first + cfg->num_boxes <= RB_MAX_ID)
        return 0;
    const char *blame = (seen & top_bit("num_boxes")) ? "num_boxes" : first_key;
    return rb_error_refuse(err, errlen,
                           "config %s: key \"%s\": %s %" PRIu32 " + num_boxes %" PRIu32
                           " exceeds the id range (at most %llu)",
                           origin, blame, first_key, first, cfg->num_boxes, RB_MAX_ID);
}

static void describe_json_error(char *err, size_t errlen, const char *origin, const char *json, size_t offset,
                                const char *what)
{
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < offset && json[i]; i++) {
        if (json[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    (void)rb_error_refuse(err, errlen, "config %s: invalid JSON at line %u, column %u: %s", origin, line, col,
                          what); /* the line alone: the caller returns its error */
}

int config_parse(struct rb_config *cfg, const char *json, const char *origin, char *err, size_t errlen)
{
    if (!origin)
        origin = "(string)";
    if (!json)
        json = "";
    struct rb_config tmp;
    int r = config_defaults(&tmp);
    if (r < 0) {
        *cfg = (struct rb_config){ 0 };
        return r;
    }

    struct json_tokener *tok = json_tokener_new();
    if (!tok) {
        *cfg = tmp;
        return -ENOMEM;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    size_t len = strlen(json);
    /* Handing json-c the terminating NUL makes it finish a top-level value
     * instead of waiting for more input. */
    struct json_object *root = len < INT32_MAX ? json_tokener_parse_ex(tok, json, (int)len + 1) : NULL;
    if (!root) {
        enum json_tokener_error je = json_tokener_get_error(tok);
        describe_json_error(err, errlen, origin, json, json_tokener_get_parse_end(tok),
                            len >= INT32_MAX ? "file too large" : json_tokener_error_desc(je));
        json_tokener_free(tok);
        *cfg = tmp;
        return -EINVAL;
    }
    json_tokener_free(tok);

    unsigned seen = 0;
    if (json_object_get_type(root) != json_type_object)
        r = rb_error_refuse(err, errlen, "config %s: expected a JSON object at the top level", origin);
    else
        r = apply_object(&tmp, top_keys, NULL, root, &seen, origin, err, errlen);
    json_object_put(root);
    if (r == 0)
        r = check_id_range(&tmp, seen, "first_uid", tmp.first_uid, origin, err, errlen);
    if (r == 0)
        r = check_id_range(&tmp, seen, "first_gid", tmp.first_gid, origin, err, errlen);
    if (r == 0)
        r = idrange_check_reserved(tmp.first_uid, tmp.first_gid, tmp.num_boxes, origin, err, errlen);
    if (r < 0) {
        /* Leave cfg usable (and freeable) with the defaults only. */
        config_free(&tmp);
        int d = config_defaults(cfg);
        return d < 0 ? d : r;
    }
    *cfg = tmp;
    return 0;
}

/* work_root holds the boxes root builds and mounts on, state_dir their
 * locks and the worker's books: both root's alone. */
static int check_private_dirs(const struct rb_config *cfg, const char *origin, char *err, size_t errlen)
{
    int r = privpath_check(origin, "state_dir", cfg->state_dir, err, errlen);
    if (r == 0)
        r = privpath_check(origin, "work_root", cfg->work_root, err, errlen);
    /* box_root: isolate-mode box dirs, <box_root>/<id>, when set. */
    return r < 0 || !cfg->box_root[0] ? r : privpath_check(origin, "box_root", cfg->box_root, err, errlen);
}

static int load_file(struct rb_config *cfg, const char *path, char *err, size_t errlen)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = read_file(path, &text, &len);
    if (r < 0) {
        (void)rb_error_refuse(err, errlen, "config %s: cannot read: %s", path,
                              strerror(-r)); /* the line alone: the cause is r */
        int d = config_defaults(cfg);
        return d < 0 ? d : r;
    }
    if (strlen(text) != len) {
        (void)rb_error_refuse(err, errlen, "config %s: contains a NUL byte", path); /* -EINVAL below */
        int d = config_defaults(cfg);
        return d < 0 ? d : -EINVAL;
    }
    r = config_parse(cfg, text, path, err, errlen);
    /* The private dirs first: the range's stamp lives in the state dir. */
    if (r == 0)
        r = check_private_dirs(cfg, path, err, errlen);
    if (r == 0)
        r = idrange_check_host_stamped(cfg->first_uid, cfg->first_gid, cfg->num_boxes, path, cfg->state_dir, err,
                                       errlen);
    if (r < 0) {
        config_free(cfg);
        int d = config_defaults(cfg);
        return d < 0 ? d : r;
    }
    return 0;
}

int config_load(struct rb_config *cfg, const char *explicit_path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (explicit_path)
        return load_file(cfg, explicit_path, err, errlen);

    /* secure_getenv: should rustbox ever run set-uid, the caller's
     * environment must not pick the configuration of a root process. */
    const char *env = secure_getenv(RB_CONFIG_ENV);
    if (env && *env)
        return load_file(cfg, env, err, errlen);

    int r = load_file(cfg, RB_DEFAULT_CONFIG_PATH, err, errlen);
    if (r == -ENOENT) {
        if (err && errlen)
            err[0] = '\0';
        /* load_file left cfg at the defaults, whose range is checked too. */
        r = check_private_dirs(cfg, "(built-in defaults)", err, errlen);
        if (r == 0)
            r = idrange_check_host_stamped(cfg->first_uid, cfg->first_gid, cfg->num_boxes, "(built-in defaults)",
                                           cfg->state_dir, err, errlen);
    }
    return r;
}
