/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: config_parse (src/config.h), the JSON configuration of
 * SPEC §8. The input is the file's text. Checks, beyond no crash, leak or
 * UB: a rejected config gives a non-empty one-line error (SPEC §8: a usage
 * error naming the key) and leaves cfg freeable; an accepted one satisfies
 * every documented constraint. */
#include <errno.h>
#include <math.h>

#include "config.h"
#include "fuzz_common.h"

static bool valid_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

static void check_seconds(double d, const char *what)
{
    FUZZ_CHECK(isfinite(d) && d >= 0 && d <= 1e9, "%s = %g", what, d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct rb_config cfg;
    char err[512];
    memset(err, 'X', sizeof(err));
    err[sizeof(err) - 1] = '\0';
    int r = config_parse(&cfg, text, "fuzz.json", err, sizeof(err));
    if (r < 0) {
        FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "unexpected error code %d", r);
        FUZZ_CHECK(err[0] != '\0' && strncmp(err, "XXXX", 4) != 0, "no error message");
        FUZZ_CHECK(fuzz_one_line(err), "error is not one line: %s", err);
        FUZZ_CHECK(strstr(err, "fuzz.json") != NULL, "error does not name the file: %s", err);
    } else {
        FUZZ_CHECK(cfg.state_dir && cfg.state_dir[0] == '/', "state_dir %s", cfg.state_dir);
        FUZZ_CHECK(cfg.work_root && cfg.work_root[0] == '/', "work_root %s", cfg.work_root);
        FUZZ_CHECK(cfg.name_prefix && valid_prefix(cfg.name_prefix), "name_prefix %s", cfg.name_prefix);
        FUZZ_CHECK(cfg.cgroup_parent && cfg.cgroup_parent[0] != '/', "cgroup_parent %s", cfg.cgroup_parent);
        FUZZ_CHECK(cfg.first_uid > 0 && cfg.num_boxes > 0, "ids");
        FUZZ_CHECK((uint64_t)cfg.first_uid + cfg.num_boxes <= 4294967294ULL, "uid range");
        FUZZ_CHECK((uint64_t)cfg.first_gid + cfg.num_boxes <= 4294967294ULL, "gid range");
        FUZZ_CHECK(cfg.cgroup_backend == RB_CG_AUTO || cfg.cgroup_backend == RB_CG_V1 ||
                       cfg.cgroup_backend == RB_CG_V2, "backend %d", (int)cfg.cgroup_backend);
        check_seconds(cfg.cleanup_timeout_s, "cleanup_timeout_s");
        check_seconds(cfg.limits.cpu_time_s, "cpu_time_s");
        check_seconds(cfg.limits.wall_time_s, "wall_time_s");
        check_seconds(cfg.limits.extra_time_s, "extra_time_s");
        FUZZ_CHECK(cfg.floors.fds_free_ratio >= 0 && cfg.floors.fds_free_ratio <= 1, "ratio");
        FUZZ_CHECK(cfg.metrics_listen && cfg.metrics_textfile_dir, "metrics strings");
        (void)cgroup_backend_name(cfg.cgroup_backend);
    }
    config_free(&cfg);
    free(text);
    return 0;
}
