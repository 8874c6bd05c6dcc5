/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the configuration loader (SPEC §8). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "privpath.h"
#include "util.h"

#define ORIGIN "/etc/test/test.json"

static const char spec_json[] =
    "{\n"
    "  \"state_dir\": \"/var/lib/rustbox\",\n"
    "  \"work_root\": \"/var/lib/rustbox/boxes\",\n"
    "  \"box_root\": \"\",\n"
    "  \"name_prefix\": \"rustbox\",\n"
    "  \"cgroup_backend\": \"auto\",\n"
    "  \"cgroup_parent\": \"\",\n"
    "  \"strict\": true,\n"
    "  \"first_uid\": 1900000000, \"first_gid\": 1900000000, \"num_boxes\": 1000,\n"
    "  \"cleanup_timeout_s\": 5, \"max_cleanup_failures\": 3,\n"
    "  \"capture_limit\": \"1M\",\n"
    "  \"limits\": {\"cpu_time_s\": 1, \"wall_time_s\": 3, \"extra_time_s\": 0.5,\n"
    "             \"memory\": \"256M\", \"processes\": 64, \"file_size\": \"64M\",\n"
    "             \"open_files\": 64, \"stack\": \"64M\", \"output_limit\": \"64M\",\n"
    "             \"box_size\": \"256M\", \"box_inodes\": 16384},\n"
    "  \"floors\": {\"disk_free\": \"1G\", \"inodes_free\": 10000,\n"
    "             \"fds_free_ratio\": 0.2, \"mem_available\": \"512M\"},\n"
    "  \"metrics\": {\"listen\": \"127.0.0.1:9090\", \"textfile_dir\": \"\"}\n"
    "}\n";

static void assert_spec_defaults(const struct rb_config *c)
{
    assert_string_equal(c->state_dir, "/var/lib/rustbox");
    assert_string_equal(c->work_root, "/var/lib/rustbox/boxes");
    assert_string_equal(c->box_root, "");
    assert_string_equal(c->name_prefix, "rustbox");
    assert_int_equal(c->cgroup_backend, RB_CG_AUTO);
    assert_string_equal(c->cgroup_parent, "");
    assert_true(c->strict);
    assert_int_equal(c->first_uid, 1900000000);
    assert_int_equal(c->first_gid, 1900000000);
    assert_int_equal(c->num_boxes, 1000);
    assert_true(c->cleanup_timeout_s == 5.0);
    assert_int_equal(c->max_cleanup_failures, 3);
    assert_int_equal(c->capture_limit, 1ULL << 20);
    assert_true(c->limits.cpu_time_s == 1.0);
    assert_true(c->limits.wall_time_s == 3.0);
    assert_true(c->limits.extra_time_s == 0.5);
    assert_int_equal(c->limits.memory, 256ULL << 20);
    assert_int_equal(c->limits.processes, 64);
    assert_int_equal(c->limits.file_size, 64ULL << 20);
    assert_int_equal(c->limits.open_files, 64);
    assert_int_equal(c->limits.stack, 64ULL << 20);
    assert_int_equal(c->limits.output_limit, 64ULL << 20);
    assert_int_equal(c->limits.box_size, 256ULL << 20);
    assert_int_equal(c->limits.box_inodes, 16384);
    assert_int_equal(c->floors.disk_free, 1ULL << 30);
    assert_int_equal(c->floors.inodes_free, 10000);
    assert_true(c->floors.fds_free_ratio == 0.2);
    assert_int_equal(c->floors.mem_available, 512ULL << 20);
    assert_string_equal(c->metrics_listen, "127.0.0.1:9090");
    assert_string_equal(c->metrics_textfile_dir, "");
    assert_false(c->metrics_allow_remote);
}

static void test_defaults_match_spec(void **state)
{
    struct rb_config c;
    memset(&c, 0xa5, sizeof(c)); /* every field must be written */
    assert_int_equal(config_defaults(&c), 0);
    assert_spec_defaults(&c);
    config_free(&c);
    assert_null(c.state_dir);
    config_free(&c); /* idempotent */
}

static void test_spec_file_parses_to_defaults(void **state)
{
    struct rb_config c;
    char err[512] = "";
    assert_int_equal(config_parse(&c, spec_json, ORIGIN, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_spec_defaults(&c);
    config_free(&c);
}

static void test_empty_object_is_defaults(void **state)
{
    struct rb_config c;
    char err[256];
    assert_int_equal(config_parse(&c, "  {}  \n", ORIGIN, err, sizeof(err)), 0);
    assert_spec_defaults(&c);
    config_free(&c);
}

static void test_every_key_applies(void **state)
{
    static const char json[] =
        "{\"state_dir\": \"/srv/rb/state\", \"work_root\": \"/srv/rb/work\", \"box_root\": \"/srv/isolate\",\n"
        " \"name_prefix\": \"rbtest_1.x-y\", \"cgroup_backend\": \"v1\",\n"
        " \"cgroup_parent\": \"judge.slice/rb\", \"strict\": false,\n"
        " \"first_uid\": 70000, \"first_gid\": 71000, \"num_boxes\": 65000,\n"
        " \"cleanup_timeout_s\": 2.5, \"max_cleanup_failures\": 7, \"capture_limit\": \"64M\",\n"
        " \"limits\": {\"cpu_time_s\": 0.25, \"wall_time_s\": 10, \"extra_time_s\": 0,\n"
        "   \"memory\": 1048576, \"processes\": 0, \"file_size\": \"1k\", \"open_files\": 5,\n"
        "   \"stack\": \"0\", \"output_limit\": \"2G\", \"box_size\": \"1G\", \"box_inodes\": 99},\n"
        " \"floors\": {\"disk_free\": 12345, \"inodes_free\": 1, \"fds_free_ratio\": 1,\n"
        "   \"mem_available\": \"3M\"},\n"
        " \"metrics\": {\"listen\": \"0.0.0.0:9100\", \"textfile_dir\": \"/var/lib/node\",\n"
        "   \"allow_remote\": true}}";
    struct rb_config c;
    char err[512] = "";
    assert_int_equal(config_parse(&c, json, ORIGIN, err, sizeof(err)), 0);
    assert_string_equal(c.state_dir, "/srv/rb/state");
    assert_string_equal(c.work_root, "/srv/rb/work");
    assert_string_equal(c.box_root, "/srv/isolate");
    assert_string_equal(c.name_prefix, "rbtest_1.x-y");
    assert_int_equal(c.cgroup_backend, RB_CG_V1);
    assert_string_equal(c.cgroup_parent, "judge.slice/rb");
    assert_false(c.strict);
    assert_int_equal(c.first_uid, 70000);
    assert_int_equal(c.first_gid, 71000);
    assert_int_equal(c.num_boxes, 65000);
    assert_true(c.cleanup_timeout_s == 2.5);
    assert_int_equal(c.max_cleanup_failures, 7);
    assert_int_equal(c.capture_limit, 64ULL << 20);
    assert_true(c.limits.cpu_time_s == 0.25);
    assert_true(c.limits.wall_time_s == 10.0);
    assert_true(c.limits.extra_time_s == 0.0);
    assert_int_equal(c.limits.memory, 1048576);
    assert_int_equal(c.limits.processes, 0);
    assert_int_equal(c.limits.file_size, 1024);
    assert_int_equal(c.limits.open_files, 5);
    assert_int_equal(c.limits.stack, 0);
    assert_int_equal(c.limits.output_limit, 2ULL << 30);
    assert_int_equal(c.limits.box_size, 1ULL << 30);
    assert_int_equal(c.limits.box_inodes, 99);
    assert_int_equal(c.floors.disk_free, 12345);
    assert_int_equal(c.floors.inodes_free, 1);
    assert_true(c.floors.fds_free_ratio == 1.0);
    assert_int_equal(c.floors.mem_available, 3ULL << 20);
    assert_string_equal(c.metrics_listen, "0.0.0.0:9100");
    assert_string_equal(c.metrics_textfile_dir, "/var/lib/node");
    assert_true(c.metrics_allow_remote);
    config_free(&c);
}

static void test_partial_file_keeps_other_defaults(void **state)
{
    struct rb_config c;
    char err[256];
    assert_int_equal(
        config_parse(&c, "{\"limits\": {\"memory\": \"512M\"}, \"cgroup_backend\": \"v2\"}", ORIGIN, err, sizeof(err)),
        0);
    assert_int_equal(c.limits.memory, 512ULL << 20);
    assert_int_equal(c.cgroup_backend, RB_CG_V2);
    assert_int_equal(c.limits.stack, 64ULL << 20);
    assert_string_equal(c.state_dir, "/var/lib/rustbox");
    config_free(&c);
}

static void test_sizes_as_strings_and_integers(void **state)
{
    static const struct {
        const char *v;
        uint64_t bytes;
    } cases[] = {
        { "\"256M\"", 256ULL << 20 },
        { "\"256m\"", 256ULL << 20 },
        { "\"2G\"", 2ULL << 30 },
        { "\"512K\"", 512ULL << 10 },
        { "\"64MB\"", 64ULL << 20 },
        { "\"1048576\"", 1048576 },
        { "0", 0 },
        { "4096", 4096 },
        { "17179869184", 16ULL << 30 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char json[128];
        snprintf(json, sizeof(json), "{\"limits\": {\"memory\": %s}}", cases[i].v);
        struct rb_config c;
        char err[256] = "";
        int r = config_parse(&c, json, ORIGIN, err, sizeof(err));
        if (r != 0)
            fail_msg("%s: %s", json, err);
        assert_int_equal(c.limits.memory, cases[i].bytes);
        config_free(&c);
    }
}

static void test_seconds_accept_int_and_double(void **state)
{
    struct rb_config c;
    char err[256];
    assert_int_equal(
        config_parse(&c, "{\"limits\": {\"cpu_time_s\": 2, \"wall_time_s\": 0.125}}", ORIGIN, err, sizeof(err)), 0);
    assert_true(c.limits.cpu_time_s == 2.0);
    assert_true(c.limits.wall_time_s == 0.125);
    config_free(&c);
}

/* Parses json, expects -EINVAL and a single-line error naming the origin,
 * the dotted key (if any) and the given phrase. */
static void expect_error(const char *json, const char *key, const char *phrase)
{
    struct rb_config c;
    char err[512] = "";
    int r = config_parse(&c, json, ORIGIN, err, sizeof(err));
    if (r != -EINVAL)
        fail_msg("%s: expected -EINVAL, got %d (%s)", json, r, err);
    if (strncmp(err, "config " ORIGIN ": ", strlen("config " ORIGIN ": ")) != 0)
        fail_msg("%s: error does not name the file: %s", json, err);
    if (key) {
        char quoted[128];
        snprintf(quoted, sizeof(quoted), "key \"%s\"", key);
        if (!strstr(err, quoted))
            fail_msg("%s: error does not name %s: %s", json, quoted, err);
    }
    if (phrase && !strstr(err, phrase))
        fail_msg("%s: error lacks \"%s\": %s", json, phrase, err);
    assert_null(strchr(err, '\n'));
    /* On failure cfg holds the defaults and is safe to free. */
    assert_spec_defaults(&c);
    config_free(&c);
}

static void test_unknown_keys_at_each_level(void **state)
{
    expect_error("{\"bogus\": 1}", "bogus", "unknown key");
    expect_error("{\"limits\": {\"memroy\": \"1M\"}}", "limits.memroy", "unknown key");
    expect_error("{\"floors\": {\"disk\": \"1G\"}}", "floors.disk", "unknown key");
    expect_error("{\"metrics\": {\"port\": 9090}}", "metrics.port", "unknown key");
    /* a key valid in one object is unknown in another */
    expect_error("{\"memory\": \"1M\"}", "memory", "unknown key");
    expect_error("{\"limits\": {\"strict\": true}}", "limits.strict", "unknown key");
}

static void test_wrong_types_name_the_key(void **state)
{
    const char *size_msg = "expected a size string such as \"256M\" or a non-negative integer";
    expect_error("{\"limits\": {\"memory\": true}}", "limits.memory", size_msg);
    expect_error("{\"limits\": {\"memory\": -1}}", "limits.memory", size_msg);
    expect_error("{\"limits\": {\"memory\": 1.5}}", "limits.memory", size_msg);
    expect_error("{\"limits\": {\"memory\": \"12X\"}}", "limits.memory", size_msg);
    expect_error("{\"limits\": {\"memory\": \"\"}}", "limits.memory", size_msg);
    expect_error("{\"limits\": {\"memory\": \"-5M\"}}", "limits.memory", size_msg);
    expect_error("{\"limits\": {\"memory\": null}}", "limits.memory", size_msg);
    expect_error("{\"limits\": {\"memory\": 99999999999999999999999}}", "limits.memory", size_msg);
    expect_error("{\"floors\": {\"disk_free\": [1]}}", "floors.disk_free", size_msg);
    expect_error("{\"limits\": {\"cpu_time_s\": \"1\"}}", "limits.cpu_time_s", "seconds");
    expect_error("{\"limits\": {\"wall_time_s\": -0.5}}", "limits.wall_time_s", "seconds");
    expect_error("{\"limits\": {\"extra_time_s\": 1e300}}", "limits.extra_time_s", "seconds");
    expect_error("{\"cleanup_timeout_s\": NaN}", "cleanup_timeout_s", "seconds");
    expect_error("{\"limits\": {\"processes\": 1.5}}", "limits.processes", "integer");
    expect_error("{\"limits\": {\"open_files\": -1}}", "limits.open_files", "integer");
    expect_error("{\"limits\": {\"box_inodes\": \"10\"}}", "limits.box_inodes", "integer");
    expect_error("{\"floors\": {\"inodes_free\": false}}", "floors.inodes_free", "integer");
    expect_error("{\"floors\": {\"fds_free_ratio\": 1.5}}", "floors.fds_free_ratio", "between 0 and 1");
    expect_error("{\"floors\": {\"fds_free_ratio\": \"0.2\"}}", "floors.fds_free_ratio", NULL);
    expect_error("{\"strict\": \"yes\"}", "strict", "true or false");
    expect_error("{\"strict\": 1}", "strict", "true or false");
    expect_error("{\"metrics\": {\"allow_remote\": \"true\"}}", "metrics.allow_remote", "true or false");
    expect_error("{\"metrics\": {\"listen\": 9090}}", "metrics.listen", "string");
    expect_error("{\"metrics\": {\"textfile_dir\": null}}", "metrics.textfile_dir", "string");
    expect_error("{\"cgroup_backend\": \"v3\"}", "cgroup_backend", "\"auto\", \"v1\", \"v2\"");
    expect_error("{\"cgroup_backend\": 2}", "cgroup_backend", "\"auto\"");
    expect_error("{\"limits\": 5}", "limits", "expected an object");
    expect_error("{\"floors\": []}", "floors", "expected an object");
    expect_error("{\"metrics\": \"x\"}", "metrics", "expected an object");
    expect_error("{\"first_uid\": \"60000\"}", "first_uid", "integer");
    expect_error("{\"max_cleanup_failures\": 0}", "max_cleanup_failures", "positive integer");
    expect_error("{\"capture_limit\": \"1Z\"}", "capture_limit", "at most 64M");
    expect_error("{\"capture_limit\": -1}", "capture_limit", "at most 64M");
}

/* The supervisor keeps capture_limit bytes of each stream outside every
 * cgroup: the key is bounded, and 0 (keep nothing) is allowed. */
static void test_capture_limit_is_bounded(void **state)
{
    struct rb_config c;
    char err[256];
    assert_int_equal(config_parse(&c, "{\"capture_limit\": 0}", ORIGIN, err, sizeof(err)), 0);
    assert_int_equal(c.capture_limit, 0);
    config_free(&c);
    assert_int_equal(config_parse(&c, "{\"capture_limit\": 67108864}", ORIGIN, err, sizeof(err)), 0);
    assert_int_equal(c.capture_limit, 64ULL << 20);
    config_free(&c);
    expect_error("{\"capture_limit\": 67108865}", "capture_limit", "at most 64M");
    expect_error("{\"capture_limit\": \"1G\"}", "capture_limit", "at most 64M");
}

static void test_paths_and_names(void **state)
{
    expect_error("{\"state_dir\": \"var/lib/rustbox\"}", "state_dir", "absolute path");
    expect_error("{\"state_dir\": \"\"}", "state_dir", "absolute path");
    expect_error("{\"work_root\": \"tmp\"}", "work_root", "absolute path");
    expect_error("{\"work_root\": 1}", "work_root", "absolute path");
    expect_error("{\"box_root\": \"var/local/lib/isolate\"}", "box_root", "absolute path string, or \"\" (unset)");
    expect_error("{\"box_root\": null}", "box_root", "absolute path");
    expect_error("{\"cgroup_parent\": \"/judge\"}", "cgroup_parent", "relative");
    expect_error("{\"cgroup_parent\": \"..\"}", "cgroup_parent", "\"..\"");
    expect_error("{\"cgroup_parent\": \"a/../../b\"}", "cgroup_parent", NULL);
    expect_error("{\"cgroup_parent\": \"a/..\"}", "cgroup_parent", NULL);
    expect_error("{\"name_prefix\": \"\"}", "name_prefix", "non-empty");
    expect_error("{\"name_prefix\": \"1box\"}", "name_prefix", "starting with a letter");
    expect_error("{\"name_prefix\": \"-box\"}", "name_prefix", NULL);
    expect_error("{\"name_prefix\": \"rb/x\"}", "name_prefix", NULL);
    expect_error("{\"name_prefix\": \"rb x\"}", "name_prefix", NULL);
    expect_error("{\"name_prefix\": \"rb*\"}", "name_prefix", NULL);

    struct rb_config c;
    char err[256];
    assert_int_equal(config_parse(&c, "{\"cgroup_parent\": \"a..b/..c/d..\"}", ORIGIN, err, sizeof(err)), 0);
    assert_string_equal(c.cgroup_parent, "a..b/..c/d..");
    config_free(&c);
    assert_int_equal(config_parse(&c, "{\"name_prefix\": \"Z\"}", ORIGIN, err, sizeof(err)), 0);
    assert_string_equal(c.name_prefix, "Z");
    config_free(&c);
}

/* {"<key>": "<value>"} where value is `len` bytes: for a path, a '/' and
 * then 'p's (an absolute path of one long component: the config looks at
 * the text only); for anything else, 'p's. Caller frees. */
static char *json_with_len(const char *key, size_t len, bool absolute)
{
    char *value = malloc(len + 1);
    assert_non_null(value);
    memset(value, 'p', len);
    if (absolute && len)
        value[0] = '/';
    value[len] = '\0';
    char *json = strdup_printf("{\"%s\": \"%s\"}", key, value);
    free(value);
    assert_non_null(json);
    return json;
}

/* A value `max` bytes long is taken; one more is refused with one line that
 * names the key, the length and the maximum. */
static void expect_bound(const char *key, size_t max, bool absolute)
{
    struct rb_config c;
    char err[512] = "";
    char *at = json_with_len(key, max, absolute);
    if (config_parse(&c, at, ORIGIN, err, sizeof(err)) != 0)
        fail_msg("%s of %zu bytes refused: %s", key, max, err);
    config_free(&c);
    free(at);

    char *past = json_with_len(key, max + 1, absolute);
    char phrase[96];
    snprintf(phrase, sizeof(phrase), "too long (%zu bytes, at most %zu)", max + 1, max);
    expect_error(past, key, phrase);
    free(past);
}

static void test_path_keys_are_bounded(void **state)
{
    expect_bound("state_dir", RB_STATE_DIR_MAX, true);
    expect_bound("work_root", RB_WORK_ROOT_MAX, true);
    expect_bound("box_root", RB_WORK_ROOT_MAX, true);
    expect_bound("cgroup_parent", RB_CGROUP_PARENT_MAX, false);
    expect_bound("name_prefix", RB_NAME_PREFIX_MAX, false);
    /* the bounds follow from the buffers (config.h): pinned here so that a
     * change to them is a deliberate one */
    assert_int_equal(RB_STATE_DIR_MAX, 250);
    assert_int_equal(RB_WORK_ROOT_MAX, 426);
    assert_int_equal(RB_CGROUP_PARENT_MAX, 156);
    assert_int_equal(RB_NAME_PREFIX_MAX, 64);
}

static void test_long_state_dir_of_the_quarantine_hang_is_refused(void **state)
{
    /* 508 bytes put the health store under <state_dir>/he/; 510 gave the
     * health and the metrics stores one lock file, and `health
     * --quarantine` waited on itself. Both are refused at load now. */
    char *json = json_with_len("state_dir", 508, true);
    expect_error(json, "state_dir", "too long (508 bytes, at most 250)");
    free(json);
    json = json_with_len("state_dir", 510, true);
    expect_error(json, "state_dir", "510 bytes");
    free(json);
    /* the length is what is wrong, even when the value is wrong otherwise */
    json = json_with_len("work_root", 4000, false);
    expect_error(json, "work_root", "too long (4000 bytes, at most 426)");
    free(json);
}

static void test_uid_ranges(void **state)
{
    expect_error("{\"num_boxes\": 0}", "num_boxes", "positive integer");
    expect_error("{\"first_uid\": 0}", "first_uid", "positive integer");
    expect_error("{\"first_gid\": 0}", "first_gid", "positive integer");
    expect_error("{\"first_uid\": 4294967295}", "first_uid", NULL);
    expect_error("{\"num_boxes\": -3}", "num_boxes", NULL);
    /* the default num_boxes pushes this first_uid past the range */
    expect_error("{\"first_uid\": 4294967000}", "first_uid", "exceeds");
    expect_error("{\"first_gid\": 4294967000}", "first_gid", "exceeds");
    expect_error("{\"first_uid\": 4000000000, \"num_boxes\": 294967295}", "num_boxes", "exceeds");

    /* CMS-style large box ids: num_boxes must be raisable */
    struct rb_config c;
    char err[256] = "";
    assert_int_equal(config_parse(&c, "{\"first_uid\": 100000, \"first_gid\": 100000, \"num_boxes\": 66000}", ORIGIN,
                                  err, sizeof(err)),
                     0);
    assert_int_equal(c.num_boxes, 66000);
    config_free(&c);
    /* the very last valid id */
    assert_int_equal(config_parse(&c, "{\"first_uid\": 4294966294, \"first_gid\": 1, \"num_boxes\": 1000}", ORIGIN, err,
                                  sizeof(err)),
                     0);
    assert_int_equal(c.first_uid, 4294966294u);
    config_free(&c);
}

/* err names both keys of the range and holds phrase. */
static void assert_range_error(const char *err, const char *kind, const char *phrase)
{
    char keys[64];
    snprintf(keys, sizeof(keys), "keys \"first_%s\" and \"num_boxes\"", kind);
    if (!strstr(err, keys))
        fail_msg("error does not name %s: %s", keys, err);
    if (phrase && !strstr(err, phrase))
        fail_msg("error lacks \"%s\": %s", phrase, err);
    assert_null(strchr(err, '\n'));
}

static void expect_range_error(const char *json, const char *kind, const char *phrase)
{
    struct rb_config c;
    char err[512] = "";
    int r = config_parse(&c, json, ORIGIN, err, sizeof(err));
    if (r != -EINVAL)
        fail_msg("%s: expected -EINVAL, got %d (%s)", json, r, err);
    assert_range_error(err, kind, phrase);
    assert_spec_defaults(&c);
    config_free(&c);
}

/* Box 5534 of a range at 60000 ran as nobody, and cleanup killed a sleep of
 * nobody's as the box's orphan: no box may take 65534, 65535 or an id of
 * systemd's dynamic range, whatever the databases say. */
static void test_ranges_over_reserved_ids_are_refused(void **state)
{
    /* the CMS-sized range of the report */
    expect_range_error("{\"first_uid\": 60000, \"first_gid\": 1000000, \"num_boxes\": 66000}", "uid", "65534");
    expect_range_error("{\"first_uid\": 1000000, \"first_gid\": 60000, \"num_boxes\": 66000}", "gid", "65534");
    /* the very ids, at either end of a range */
    expect_range_error("{\"first_uid\": 65534, \"num_boxes\": 1}", "uid", "65534");
    expect_range_error("{\"first_uid\": 65535, \"num_boxes\": 1}", "uid", "65535");
    expect_range_error("{\"first_uid\": 65000, \"num_boxes\": 535}", "uid", "65534");
    expect_range_error("{\"first_uid\": 61000, \"num_boxes\": 185}", "uid", "DynamicUser");
    expect_range_error("{\"first_uid\": 65519, \"num_boxes\": 1}", "uid", "DynamicUser");

    /* next to them is fine: the old default range, and right past 65535 */
    struct rb_config c;
    char err[512] = "";
    assert_int_equal(
        config_parse(&c, "{\"first_uid\": 60000, \"first_gid\": 60000, \"num_boxes\": 1184}", ORIGIN, err, sizeof(err)),
        0);
    config_free(&c);
    assert_int_equal(config_parse(&c, "{\"first_uid\": 65536, \"first_gid\": 65536, \"num_boxes\": 66000}", ORIGIN, err,
                                  sizeof(err)),
                     0);
    config_free(&c);
}

/* The default range holds every box id CMS uses (up to 65535) without
 * meeting any id refused above. */
static void test_default_range_holds_cms_ids(void **state)
{
    char json[128], err[512] = "";
    snprintf(json, sizeof(json), "{\"num_boxes\": 65536}");
    struct rb_config c;
    assert_int_equal(config_parse(&c, json, ORIGIN, err, sizeof(err)), 0);
    assert_true((uint64_t)c.first_uid + c.num_boxes < 2147352576ULL); /* systemd's foreign range starts there */
    assert_true(c.first_uid > 1879048191U);                           /* its container range ends here */
    config_free(&c);
}

static void test_invalid_json_names_file_and_reason(void **state)
{
    expect_error("{\"strict\": true,", NULL, "invalid JSON");
    expect_error("{\"strict\": true,}", NULL, "unexpected character");
    expect_error("{\"strict\": true} trailing", NULL, "invalid JSON");
    expect_error("", NULL, "unexpected end of data");
    expect_error("{\n\"a\": tru }", NULL, "line 2");
    expect_error("[1, 2]", NULL, "JSON object");
    expect_error("\"just a string\"", NULL, "JSON object");
    expect_error("{\"name_prefix\": \"\xff\"}", NULL, "invalid JSON");
}

static void test_error_is_one_line(void **state)
{
    /* a key carrying newlines must not split the message */
    expect_error("{\"evil\\nkey\": 1}", NULL, "unknown key");
    struct rb_config c;
    char err[512];
    char json[1024];
    char longkey[600];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    snprintf(json, sizeof(json), "{\"%s\": 1}", longkey);
    assert_int_equal(config_parse(&c, json, ORIGIN, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "unknown key"));
    assert_true(strlen(err) < 200);
    config_free(&c);

    /* a tiny or absent err buffer is fine */
    char small[8];
    assert_int_equal(config_parse(&c, "{\"x\": 1}", ORIGIN, small, sizeof(small)), -EINVAL);
    assert_int_equal(strlen(small), 7);
    config_free(&c);
    assert_int_equal(config_parse(&c, "{\"x\": 1}", ORIGIN, NULL, 0), -EINVAL);
    config_free(&c);
}

static void test_backend_names(void **state)
{
    assert_string_equal(cgroup_backend_name(RB_CG_AUTO), "auto");
    assert_string_equal(cgroup_backend_name(RB_CG_V1), "v1");
    assert_string_equal(cgroup_backend_name(RB_CG_V2), "v2");
}

/* ---- file selection ---- */

struct tmpdir {
    char path[64];
};

static int setup_tmpdir(void **state)
{
    struct tmpdir *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    snprintf(t->path, sizeof(t->path), "/tmp/rbunit-config.XXXXXX");
    if (!mkdtemp(t->path)) {
        free(t);
        return -1;
    }
    unsetenv("RUSTBOX_CONFIG");
    *state = t;
    return 0;
}

static int teardown_tmpdir(void **state)
{
    struct tmpdir *t = *state;
    char p[128];
    static const char *const names[] = { "a.json", "b.json", "nul.json", "idrange.stamp" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        snprintf(p, sizeof(p), "%s/%s", t->path, names[i]);
        unlink(p);
    }
    rmdir(t->path);
    unsetenv("RUSTBOX_CONFIG");
    free(t);
    return 0;
}

static void write_in(const struct tmpdir *t, const char *name, const char *text, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", t->path, name);
    assert_int_equal(write_file_atomic(out, text, 0644), 0);
}

static void test_load_explicit_path(void **state)
{
    struct tmpdir *t = *state;
    char a[128], b[128], err[512] = "";
    write_in(t, "a.json", "{\"name_prefix\": \"fromexplicit\"}", a, sizeof(a));
    write_in(t, "b.json", "{\"name_prefix\": \"fromenv\"}", b, sizeof(b));
    setenv("RUSTBOX_CONFIG", b, 1);

    struct rb_config c;
    assert_int_equal(config_load(&c, a, err, sizeof(err)), 0);
    assert_string_equal(c.name_prefix, "fromexplicit");
    config_free(&c);
}

static void test_load_env(void **state)
{
    struct tmpdir *t = *state;
    char b[128], err[512] = "";
    write_in(t, "b.json", "{\"name_prefix\": \"fromenv\", \"num_boxes\": 5}", b, sizeof(b));
    setenv("RUSTBOX_CONFIG", b, 1);

    struct rb_config c;
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_string_equal(c.name_prefix, "fromenv");
    assert_int_equal(c.num_boxes, 5);
    config_free(&c);
}

static void test_load_missing_files_are_errors(void **state)
{
    struct tmpdir *t = *state;
    char missing[128], err[512] = "";
    snprintf(missing, sizeof(missing), "%s/none.json", t->path);
    struct rb_config c;

    assert_int_equal(config_load(&c, missing, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, missing));
    config_free(&c);

    setenv("RUSTBOX_CONFIG", missing, 1);
    err[0] = '\0';
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, missing));
    assert_spec_defaults(&c);
    config_free(&c);
}

static void test_load_env_empty_falls_back(void **state)
{
    char err[512] = "";
    setenv("RUSTBOX_CONFIG", "", 1);
    struct rb_config c;
    int r = config_load(&c, NULL, err, sizeof(err));
    if (access(RB_DEFAULT_CONFIG_PATH, F_OK) != 0) {
        /* no installed file: pure defaults, no error */
        assert_int_equal(r, 0);
        assert_string_equal(err, "");
        assert_spec_defaults(&c);
    } else if (r < 0) {
        /* an installed file was consulted, so its name is in the error */
        assert_non_null(strstr(err, RB_DEFAULT_CONFIG_PATH));
    }
    config_free(&c);
}

static void test_load_bad_file_names_file(void **state)
{
    struct tmpdir *t = *state;
    char a[128], err[512] = "";
    write_in(t, "a.json", "{\n  \"limits\": {\"stack\": \"lots\"}\n}\n", a, sizeof(a));
    struct rb_config c;
    assert_int_equal(config_load(&c, a, err, sizeof(err)), -EINVAL);
    char want[256];
    snprintf(want, sizeof(want), "config %s: key \"limits.stack\": expected a size string", a);
    assert_non_null(strstr(err, want));
    config_free(&c);
}

static void test_load_file_with_nul(void **state)
{
    struct tmpdir *t = *state;
    char p[128], err[512] = "";
    snprintf(p, sizeof(p), "%s/nul.json", t->path);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fwrite("{}\0{\"x\":1}", 1, 10, f);
    fclose(f);
    struct rb_config c;
    assert_int_equal(config_load(&c, p, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, "NUL"));
    config_free(&c);
}

/* ---- the host's databases (config_load only) ---- */

/* An id of a passwd entry that no rule of config_parse refuses, and its
 * name; false if the host has none. */
static bool some_passwd_uid(uid_t *uid, char *name, size_t len)
{
    bool found = false;
    struct passwd *pw;
    setpwent();
    while (!found && (pw = getpwent())) {
        if (pw->pw_uid == 0 || (pw->pw_uid >= 61184 && pw->pw_uid <= 65535))
            continue;
        *uid = pw->pw_uid;
        snprintf(name, len, "%s", pw->pw_name);
        found = true;
    }
    endpwent();
    return found;
}

static bool some_group_gid(gid_t *gid, char *name, size_t len)
{
    bool found = false;
    struct group *gr;
    setgrent();
    while (!found && (gr = getgrent())) {
        if (gr->gr_gid == 0 || (gr->gr_gid >= 61184 && gr->gr_gid <= 65535))
            continue;
        *gid = gr->gr_gid;
        snprintf(name, len, "%s", gr->gr_name);
        found = true;
    }
    endgrent();
    return found;
}

/* Whether any passwd or group entry has an id in [first, first + n). */
static bool host_ids_in(uint64_t first, uint64_t n)
{
    bool hit = false;
    struct passwd *pw;
    setpwent();
    while ((pw = getpwent()))
        hit = hit || (pw->pw_uid >= first && pw->pw_uid < first + n) || (pw->pw_gid >= first && pw->pw_gid < first + n);
    endpwent();
    struct group *gr;
    setgrent();
    while ((gr = getgrent()))
        hit = hit || (gr->gr_gid >= first && gr->gr_gid < first + n);
    endgrent();
    return hit;
}

static void test_load_refuses_a_range_over_a_passwd_uid(void **state)
{
    struct tmpdir *t = *state;
    uid_t uid = 0;
    char name[256], a[128], json[512], err[512] = "";
    if (!some_passwd_uid(&uid, name, sizeof(name)))
        skip();
    /* the uid at the end of a range of 10 (or as far as it goes) */
    unsigned first = uid >= 10 ? (unsigned)uid - 9 : 1;
    snprintf(json, sizeof(json), "{\"state_dir\": \"%s/none\", \"first_uid\": %u, \"num_boxes\": 10}", t->path, first);
    write_in(t, "a.json", json, a, sizeof(a));
    struct rb_config c;
    assert_int_equal(config_load(&c, a, err, sizeof(err)), -EINVAL);
    assert_range_error(err, "uid", name);
    assert_non_null(strstr(err, a));
    assert_spec_defaults(&c);
    config_free(&c);
}

static void test_load_refuses_a_range_over_a_group_gid(void **state)
{
    struct tmpdir *t = *state;
    gid_t gid = 0;
    char name[256], a[128], json[512], err[512] = "";
    if (!some_group_gid(&gid, name, sizeof(name)))
        skip();
    snprintf(json, sizeof(json), "{\"state_dir\": \"%s/none\", \"first_gid\": %u, \"num_boxes\": 1}", t->path,
             (unsigned)gid);
    write_in(t, "a.json", json, a, sizeof(a));
    struct rb_config c;
    assert_int_equal(config_load(&c, a, err, sizeof(err)), -EINVAL);
    /* a group, or a user whose primary group it is: either names the gid */
    char id[32];
    snprintf(id, sizeof(id), "gid %u", (unsigned)gid);
    assert_range_error(err, "gid", id);
    config_free(&c);
}

/* A range no entry holds loads and leaves a stamp of the pass in the state
 * dir; a range that holds one is refused on the next load all the same. */
static void test_load_accepts_a_clean_range_and_stamps_it(void **state)
{
    struct tmpdir *t = *state;
    const unsigned first = 3990000;
    if (host_ids_in(first, 100))
        skip();
    char a[128], json[512], cache[160], err[512] = "";
    snprintf(json, sizeof(json), "{\"state_dir\": \"%s\", \"first_uid\": %u, \"first_gid\": %u, \"num_boxes\": 100}",
             t->path, first, first);
    write_in(t, "a.json", json, a, sizeof(a));
    struct rb_config c;
    int r = config_load(&c, a, err, sizeof(err));
    if (r != 0)
        fail_msg("%s", err);
    assert_int_equal(c.first_uid, first);
    config_free(&c);
    snprintf(cache, sizeof(cache), "%s/idrange.stamp", t->path);
    char stamp[512] = "", prefix[64];
    FILE *f = fopen(cache, "r");
    assert_non_null(f);
    assert_non_null(fgets(stamp, sizeof(stamp), f));
    fclose(f);
    snprintf(prefix, sizeof(prefix), "idrange/1 %u %u 100 ", first, first);
    assert_true(!strncmp(stamp, prefix, strlen(prefix)));
    /* loaded again: the same result, through the stamp */
    assert_int_equal(config_load(&c, a, err, sizeof(err)), 0);
    config_free(&c);
    /* a stamp of another range proves nothing for this one (below) */

    uid_t uid = 0;
    char name[256];
    if (!some_passwd_uid(&uid, name, sizeof(name)))
        return;
    snprintf(json, sizeof(json), "{\"state_dir\": \"%s\", \"first_uid\": %u, \"first_gid\": %u, \"num_boxes\": 1}",
             t->path, (unsigned)uid, first);
    write_in(t, "b.json", json, a, sizeof(a));
    assert_int_equal(config_load(&c, a, err, sizeof(err)), -EINVAL);
    assert_range_error(err, "uid", name);
    config_free(&c);
}

/* Who may change what lies below an entry on the way to work_root or
 * state_dir: root alone, or the path is refused. */
static void test_entry_unsafe(void **state)
{
    (void)state;
    assert_null(privpath_entry_unsafe(0, S_IFDIR | 0755, false));
    assert_null(privpath_entry_unsafe(0, S_IFDIR | 0700, true));
    assert_null(privpath_entry_unsafe(0, S_IFDIR | 0711, true));
    assert_non_null(privpath_entry_unsafe(1000, S_IFDIR | 0700, true)); /* a user's own dir */
    assert_non_null(privpath_entry_unsafe(1000, S_IFDIR | 0755, false));
    assert_non_null(privpath_entry_unsafe(0, S_IFDIR | 0777, false));
    assert_non_null(privpath_entry_unsafe(0, S_IFDIR | 0775, false)); /* group-writable */
    assert_non_null(privpath_entry_unsafe(0, S_IFDIR | 0757, true));
    /* /tmp: fine on the way to root's own dir, not as the place itself */
    assert_null(privpath_entry_unsafe(0, S_IFDIR | 01777, false));
    assert_non_null(privpath_entry_unsafe(0, S_IFDIR | 01777, true));
    /* a link is root's to point when root owns it; its target is checked too */
    assert_null(privpath_entry_unsafe(0, S_IFLNK | 0777, false));
    assert_non_null(privpath_entry_unsafe(1000, S_IFLNK | 0777, false));
    assert_null(privpath_entry_unsafe(0, S_IFREG | 0644, true));
}

static void test_load_refuses_a_work_root_others_can_write(void **state)
{
    struct tmpdir *t = *state;
    char a[128], open_dir[128], json[512], err[512] = "";
    snprintf(open_dir, sizeof(open_dir), "%s/open", t->path);
    assert_int_equal(mkdir(open_dir, 0755), 0);
    assert_int_equal(chmod(open_dir, 0777), 0);
    snprintf(json, sizeof(json), "{\"state_dir\": \"%s\", \"work_root\": \"%s/work\"}", t->path, open_dir);
    write_in(t, "a.json", json, a, sizeof(a));
    struct rb_config c;
    int r = config_load(&c, a, err, sizeof(err));
    (void)rmdir(open_dir);
    assert_int_equal(r, -EINVAL);
    assert_non_null(strstr(err, "key \"work_root\""));
    assert_non_null(strstr(err, open_dir));
    assert_null(strchr(err, '\n'));
    config_free(&c);

    /* root's own 0700 dir below it is fine */
    snprintf(json, sizeof(json), "{\"state_dir\": \"%s\", \"work_root\": \"%s/work\"}", t->path, t->path);
    write_in(t, "a.json", json, a, sizeof(a));
    r = config_load(&c, a, err, sizeof(err));
    if (r != 0)
        fail_msg("%s", err);
    config_free(&c);

    /* box_root is held to the same */
    assert_int_equal(mkdir(open_dir, 0755), 0);
    assert_int_equal(chmod(open_dir, 0777), 0);
    snprintf(json, sizeof(json), "{\"state_dir\": \"%s\", \"work_root\": \"%s/work\", \"box_root\": \"%s/iso\"}",
             t->path, t->path, open_dir);
    write_in(t, "a.json", json, a, sizeof(a));
    r = config_load(&c, a, err, sizeof(err));
    (void)rmdir(open_dir);
    assert_int_equal(r, -EINVAL);
    assert_non_null(strstr(err, "key \"box_root\""));
    config_free(&c);
}

static void test_installed_config_is_spec(void **state)
{
    /* etc/config.json ships as /etc/rustbox/config.json; run from the tree */
    const char *p = "etc/config.json";
    if (access(p, R_OK) != 0)
        skip();
    struct rb_config c;
    char err[512] = "";
    int r = config_load(&c, p, err, sizeof(err));
    if (r != 0)
        fail_msg("%s", err);
    assert_spec_defaults(&c);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_match_spec),
        cmocka_unit_test(test_entry_unsafe),
        cmocka_unit_test_setup_teardown(test_load_refuses_a_work_root_others_can_write, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test(test_spec_file_parses_to_defaults),
        cmocka_unit_test(test_empty_object_is_defaults),
        cmocka_unit_test(test_every_key_applies),
        cmocka_unit_test(test_partial_file_keeps_other_defaults),
        cmocka_unit_test(test_sizes_as_strings_and_integers),
        cmocka_unit_test(test_seconds_accept_int_and_double),
        cmocka_unit_test(test_unknown_keys_at_each_level),
        cmocka_unit_test(test_wrong_types_name_the_key),
        cmocka_unit_test(test_capture_limit_is_bounded),
        cmocka_unit_test(test_paths_and_names),
        cmocka_unit_test(test_path_keys_are_bounded),
        cmocka_unit_test(test_long_state_dir_of_the_quarantine_hang_is_refused),
        cmocka_unit_test(test_uid_ranges),
        cmocka_unit_test(test_ranges_over_reserved_ids_are_refused),
        cmocka_unit_test(test_default_range_holds_cms_ids),
        cmocka_unit_test(test_invalid_json_names_file_and_reason),
        cmocka_unit_test(test_error_is_one_line),
        cmocka_unit_test(test_backend_names),
        cmocka_unit_test_setup_teardown(test_load_explicit_path, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_env, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_missing_files_are_errors, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_env_empty_falls_back, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_bad_file_names_file, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_file_with_nul, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_refuses_a_range_over_a_passwd_uid, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_refuses_a_range_over_a_group_gid, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test_setup_teardown(test_load_accepts_a_clean_range_and_stamps_it, setup_tmpdir, teardown_tmpdir),
        cmocka_unit_test(test_installed_config_is_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
