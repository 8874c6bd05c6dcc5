/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of dirrules: isolate's default directory rules, one rule parsed
 * from BOX[=HOST][:OPTIONS], rule lists and their merge with the defaults.
 * Where isolate 1.10.1's recorded behaviour (../shared/isolate-1.10.1/cases)
 * covers a spec, the case is named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dirrules.h"

#define ERRLEN 256
#define TMP_DEFAULT (RB_DIR_TMP | RB_DIR_RW | RB_DIR_NOEXEC)

struct list {
    struct rb_dir_rule *rules;
    size_t n;
};

static void add_ok(struct list *l, const char *spec)
{
    char err[ERRLEN] = "";
    int r = dirrules_add(&l->rules, &l->n, spec, err, ERRLEN);
    if (r != 0)
        fail_msg("'%s' refused (%d): %s", spec, r, err);
}

static void add_fails(struct list *l, const char *spec, const char *msg)
{
    char err[ERRLEN] = "";
    size_t before = l->n;
    assert_int_equal(dirrules_add(&l->rules, &l->n, spec, err, ERRLEN), -EINVAL);
    assert_string_equal(err, msg);
    assert_int_equal(l->n, before);
}

static size_t merge(const struct list *l, struct rb_dir_rule *out)
{
    size_t n = dirrules_merge(l->rules, l->n, out, RB_DIR_RULES_MERGED_MAX);
    assert_true(n != SIZE_MAX);
    return n;
}

/* The box paths of a merged list, space-separated, in order. */
static const char *paths(const struct rb_dir_rule *rules, size_t n)
{
    static char buf[4096];
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " " : "", rules[i].inside);
    return buf;
}

static const struct rb_dir_rule *find(const struct rb_dir_rule *rules, size_t n, const char *inside)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rules[i].inside, inside))
            return &rules[i];
    return NULL;
}

static void test_defaults(void **state)
{
    struct list l = { 0 };
    struct rb_dir_rule out[RB_DIR_RULES_MERGED_MAX];
    size_t n = merge(&l, out);
    assert_int_equal(n, RB_DEFAULT_DIR_RULES);
    assert_string_equal(paths(out, n), "/bin /lib /lib64 /usr /tmp /dev/shm");
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(out[i].outside, out[i].inside); /* binds of the host's own */
    assert_int_equal(out[0].flags, 0);                      /* read-only, nodev */
    assert_int_equal(out[2].flags, RB_DIR_MAYBE);           /* /lib64 may be missing */
    assert_null(out[4].outside);
    assert_int_equal(out[4].flags, TMP_DEFAULT);
    assert_null(out[5].outside);
    assert_int_equal(out[5].flags, TMP_DEFAULT);

    /* The merge reads the one default list. */
    for (size_t i = 0; i < RB_DEFAULT_DIR_RULES; i++)
        assert_ptr_equal(out[i].inside, dirrules_defaults[i].inside);
}

static void test_replace_default(void **state)
{
    struct list l = { 0 };
    struct rb_dir_rule out[RB_DIR_RULES_MERGED_MAX];
    /* CMS: its own writable /tmp, and a fresh /dev/shm. */
    add_ok(&l, "/tmp=/var/tmp/cms:rw");
    add_ok(&l, "/dev/shm:tmp");
    add_ok(&l, "/lib64"); /* no longer optional */
    size_t n = merge(&l, out);
    assert_int_equal(n, RB_DEFAULT_DIR_RULES);
    assert_string_equal(paths(out, n), "/bin /lib /lib64 /usr /tmp /dev/shm");
    assert_string_equal(out[4].outside, "/var/tmp/cms");
    assert_int_equal(out[4].flags, RB_DIR_RW);
    assert_null(out[5].outside);
    assert_int_equal(out[5].flags, RB_DIR_TMP | RB_DIR_RW);
    assert_string_equal(out[2].outside, "/lib64");
    assert_int_equal(out[2].flags, 0);
    /* The merged rules borrow the list's strings. */
    assert_ptr_equal(out[4].inside, l.rules[0].inside);
    dirrules_free(&l.rules, &l.n);
    assert_null(l.rules);
    assert_int_equal(l.n, 0);
}

static void test_remove_default(void **state)
{
    struct list l = { 0 };
    struct rb_dir_rule out[RB_DIR_RULES_MERGED_MAX];
    /* isolate case 084-dir-remove-default: --dir=/usr= drops /usr only. */
    add_ok(&l, "/usr=");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.rules[0].inside, "/usr");
    assert_null(l.rules[0].outside);
    assert_int_equal(l.rules[0].flags, RB_DIR_REMOVE);
    size_t n = merge(&l, out);
    assert_string_equal(paths(out, n), "/bin /lib /lib64 /tmp /dev/shm");
    assert_null(find(out, n, "/usr"));

    /* Removing what no rule names changes nothing. */
    add_ok(&l, "/opt=");
    n = merge(&l, out);
    assert_string_equal(paths(out, n), "/bin /lib /lib64 /tmp /dev/shm");

    /* A later rule for the path brings it back, as a replacement. */
    add_ok(&l, "/usr=/srv/usr");
    assert_int_equal(l.n, 2);
    n = merge(&l, out);
    assert_string_equal(paths(out, n), "/bin /lib /lib64 /usr /tmp /dev/shm");
    assert_string_equal(find(out, n, "/usr")->outside, "/srv/usr");
    dirrules_free(&l.rules, &l.n);
}

static void test_add(void **state)
{
    struct list l = { 0 };
    struct rb_dir_rule out[RB_DIR_RULES_MERGED_MAX];
    add_ok(&l, "/opt");
    add_ok(&l, "/data=/srv/data:noexec");
    add_ok(&l, "/etc/alternatives"); /* a file or a directory: sandbox.c decides */
    size_t n = merge(&l, out);
    assert_int_equal(n, RB_DEFAULT_DIR_RULES + 3);
    assert_string_equal(paths(out, n), "/bin /lib /lib64 /usr /tmp /opt /data /dev/shm /etc/alternatives");
    assert_string_equal(find(out, n, "/opt")->outside, "/opt");
    assert_int_equal(find(out, n, "/opt")->flags, 0);
    assert_string_equal(find(out, n, "/data")->outside, "/srv/data");
    assert_int_equal(find(out, n, "/data")->flags, RB_DIR_NOEXEC);

    /* A later rule for the same box path replaces the earlier one in place. */
    add_ok(&l, "/opt/=/srv/opt:rw");
    assert_int_equal(l.n, 3);
    assert_string_equal(l.rules[0].outside, "/srv/opt");
    assert_int_equal(l.rules[0].flags, RB_DIR_RW);
    dirrules_free(&l.rules, &l.n);
}

/* spec is accepted and parses into inside (NULL: not checked), outside
 * (NULL: none) and flags; freeing the rule empties it. */
static void expect_parsed(const char *spec, const char *inside, const char *outside, unsigned flags)
{
    struct rb_dir_rule rule;
    char err[ERRLEN] = "";
    if (dirrules_parse(spec, &rule, err, ERRLEN) != 0)
        fail_msg("'%s' refused: %s", spec, err);
    if (rule.flags != flags)
        fail_msg("'%s': flags %#x, expected %#x", spec, rule.flags, flags);
    if (inside)
        assert_string_equal(rule.inside, inside);
    if (outside)
        assert_string_equal(rule.outside, outside);
    else
        assert_null(rule.outside);
    dirrules_rule_free(&rule);
    assert_null(rule.inside);
    assert_null(rule.outside);
    assert_int_equal(rule.flags, 0);
}

static void test_options(void **state)
{
    static const struct {
        const char *spec;
        unsigned flags;
        const char *outside;
    } cases[] = {
        { "/a", 0, "/a" },
        { "/a:rw", RB_DIR_RW, "/a" }, /* 075-dir-bind-rw */
        { "/a:noexec", RB_DIR_NOEXEC, "/a" },
        { "/a=/b:maybe", RB_DIR_MAYBE, "/b" },                             /* 077-dir-maybe-missing */
        { "/withdev=/dev:dev", RB_DIR_DEV, "/dev" },                       /* 076-dir-dev-vs-nodev */
        { "/a:tmp", RB_DIR_TMP | RB_DIR_RW, NULL },                        /* a fresh tmp dir is writable */
        { "scratch:tmp", RB_DIR_TMP | RB_DIR_RW | RB_DIR_NO_SLASH, NULL }, /* 081-dir-tmp-no-leading-slash */
        { "/a:tmp:noexec", RB_DIR_TMP | RB_DIR_RW | RB_DIR_NOEXEC, NULL },
        { "/a:rw:noexec", RB_DIR_RW | RB_DIR_NOEXEC, "/a" },
        { "/a:dev,maybe", RB_DIR_DEV | RB_DIR_MAYBE, "/a" },
        { "/a:rw,:noexec", RB_DIR_RW | RB_DIR_NOEXEC, "/a" }, /* a mixed empty pair is skipped */
        { "/a:rw:rw", RB_DIR_RW, "/a" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parsed(cases[i].spec, NULL, cases[i].outside, cases[i].flags);
}

static void test_canonical_paths(void **state)
{
    static const struct {
        const char *spec, *inside, *outside;
        unsigned flags;
    } cases[] = {
        { "usr", "/usr", "/usr", RB_DIR_NO_SLASH },
        { "//opt//lib/./x/", "/opt/lib/x", "/opt/lib/x", 0 },
        { "/a/./b=/srv/b", "/a/b", "/srv/b", 0 },
        { "/a=/b=c:rw", "/a", "/b=c", RB_DIR_RW }, /* HOST may hold '=' */
        { "/a=/srv//x/", "/a", "/srv//x/", 0 },    /* HOST is taken as given */
        { "/...", "/...", "/...", 0 },             /* only ".." itself is refused */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parsed(cases[i].spec, cases[i].inside, cases[i].outside, cases[i].flags);
}

static void test_merge_order(void **state)
{
    struct list l = { 0 };
    struct rb_dir_rule out[RB_DIR_RULES_MERGED_MAX];
    add_ok(&l, "/opt/lib/x");
    add_ok(&l, "/z");
    add_ok(&l, "/usr/share=/srv/share");
    add_ok(&l, "/a/b");
    add_ok(&l, "/tmp/sub:tmp");
    add_ok(&l, "/tmp=/srv/tmp:rw"); /* replaces the default where it stands */
    size_t n = merge(&l, out);
    /* By depth; within one depth, defaults first, then rules in list order. */
    assert_string_equal(paths(out, n), "/bin /lib /lib64 /usr /tmp /z /dev/shm /usr/share /a/b /tmp/sub /opt/lib/x");
    /* Parents before their children, which they would otherwise cover. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            size_t len = strlen(out[j].inside);
            if (!strncmp(out[i].inside, out[j].inside, len) && out[i].inside[len] == '/')
                fail_msg("%s is mounted after %s, inside it", out[j].inside, out[i].inside);
        }
    dirrules_free(&l.rules, &l.n);
}

static void test_max_count(void **state)
{
    struct list l = { 0 };
    struct rb_dir_rule out[RB_DIR_RULES_MERGED_MAX];
    char spec[32];
    for (int i = 0; i < RB_MAX_DIR_RULES; i++) {
        snprintf(spec, sizeof(spec), "/d%d", i);
        add_ok(&l, spec);
    }
    assert_int_equal(l.n, RB_MAX_DIR_RULES);
    add_fails(&l, "/one-more", "too many rules (at most 48)");
    /* Replacing a rule adds none. */
    add_ok(&l, "/d0=/srv/d0:rw");
    assert_int_equal(l.n, RB_MAX_DIR_RULES);

    /* Every default plus a full list fits the merged table... */
    assert_int_equal(merge(&l, out), RB_DIR_RULES_MERGED_MAX);
    /* ... and a smaller table is never written past. */
    struct rb_dir_rule small[RB_DIR_RULES_MERGED_MAX + 1];
    small[RB_DIR_RULES_MERGED_MAX - 1].inside = (char *)"untouched";
    assert_int_equal(dirrules_merge(l.rules, l.n, small, RB_DIR_RULES_MERGED_MAX - 1), SIZE_MAX);
    assert_string_equal(small[RB_DIR_RULES_MERGED_MAX - 1].inside, "untouched");
    assert_int_equal(dirrules_merge(NULL, 0, small, 3), SIZE_MAX);
    assert_int_equal(dirrules_merge(NULL, 0, small, RB_DEFAULT_DIR_RULES), RB_DEFAULT_DIR_RULES);

    /* -D on a full list has no room for its removal rules. */
    char err[ERRLEN] = "";
    assert_int_equal(dirrules_drop_defaults(&l.rules, &l.n, err, ERRLEN), -EINVAL);
    assert_string_equal(err, "too many rules (at most 48)");
    assert_int_equal(l.n, RB_MAX_DIR_RULES);
    dirrules_free(&l.rules, &l.n);
}

static void test_bad_specs(void **state)
{
    static const struct {
        const char *spec, *msg;
    } cases[] = {
        { "", "empty rule (use BOX[=HOST][:OPTIONS])" },
        /* fs mounts a fresh tmpfs or a proc, nothing else. */
        { "/a=sysfs:fs",
          "filesystem type 'sysfs' in '/a=sysfs:fs' is not supported (use BOX=tmpfs:fs or BOX=proc:fs)" },
        { "/a=/dev/sda1:fs",
          "filesystem type '/dev/sda1' in '/a=/dev/sda1:fs' is not supported (use BOX=tmpfs:fs or BOX=proc:fs)" },
        { "/a:fs", "filesystem type '/a' in '/a:fs' is not supported (use BOX=tmpfs:fs or BOX=proc:fs)" },
        { "/a=tmpfs:fs:tmp", "':tmp' and ':fs' exclude each other in '/a=tmpfs:fs:tmp'" },
        { "/a=:tmp", "'/a=:tmp' removes a rule and takes no tmp or fs option" },
        /* 008-dir-unknown-option: isolate refuses it too. */
        { "/data=/usr:bogus",
          "unknown option 'bogus' in '/data=/usr:bogus' (use rw, noexec, maybe, dev, tmp, fs or norec)" },
        { "/a:RW", "unknown option 'RW' in '/a:RW' (use rw, noexec, maybe, dev, tmp, fs or norec)" },
        { "/a:rw=x", "unknown option 'rw=x' in '/a:rw=x' (use rw, noexec, maybe, dev, tmp, fs or norec)" },
        { "/a=/b:tmp", "':tmp' takes no host directory in '/a=/b:tmp'" },
        { "/a/../../etc=/etc", "'..' is not allowed in the box path of '/a/../../etc=/etc'" },
        { "..", "'..' is not allowed in the box path of '..'" },
        { "/=/srv", "'/=/srv' has no box path (the box root itself cannot be bound)" },
        { "/./", "'/./' has no box path (the box root itself cannot be bound)" },
        { "=/srv", "'=/srv' has no box path (the box root itself cannot be bound)" },
        { ":tmp", "':tmp' has no box path (the box root itself cannot be bound)" },
        { "/a:", "empty option in '/a:'" },
        { "/a::rw", "empty option in '/a::rw'" },
        { "/a:rw,", "empty option in '/a:rw,'" },
        { "/a:,rw", "empty option in '/a:,rw'" },
        { "/a:rw,,dev", "empty option in '/a:rw,,dev'" },
        /* Option errors come first, then the box path, then the host. */
        { "/../x=rel:bogus",
          "unknown option 'bogus' in '/../x=rel:bogus' (use rw, noexec, maybe, dev, tmp, fs or norec)" },
        { "/=rel", "'/=rel' has no box path (the box root itself cannot be bound)" },
    };
    struct list l = { 0 };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rb_dir_rule rule = { (char *)"x", (char *)"y", 7 };
        char err[ERRLEN] = "";
        assert_int_equal(dirrules_parse(cases[i].spec, &rule, err, ERRLEN), -EINVAL);
        assert_string_equal(err, cases[i].msg);
        /* A refused rule holds nothing to free. */
        assert_null(rule.inside);
        assert_null(rule.outside);
        assert_int_equal(rule.flags, 0);
        add_fails(&l, cases[i].spec, cases[i].msg);
    }
    assert_null(l.rules);

    struct rb_dir_rule rule;
    char err[ERRLEN] = "";
    assert_int_equal(dirrules_parse(NULL, &rule, err, ERRLEN), -EINVAL);
    assert_string_equal(err, "empty rule (use BOX[=HOST][:OPTIONS])");
    /* Without an error buffer a refusal is still a refusal. */
    assert_int_equal(dirrules_parse("/a:bogus", &rule, NULL, 0), -EINVAL);
}

/* isolate 1.10.1's fs and norec options and relative host paths. */
static void test_isolate_options(void **state)
{
    static const struct {
        const char *spec, *inside, *outside;
        unsigned flags;
    } cases[] = {
        { "/ro=tmpfs:fs", "/ro", "tmpfs", RB_DIR_FS },                          /* 079-dir-fs-tmpfs */
        { "/scratch=tmpfs:fs:rw", "/scratch", "tmpfs", RB_DIR_FS | RB_DIR_RW }, /* 079-dir-fs-tmpfs */
        { "/p=proc:fs", "/p", "proc", RB_DIR_FS },
        { "/devnorec=/dev:dev:norec", "/devnorec", "/dev", RB_DIR_DEV | RB_DIR_NOREC }, /* 082-dir-norec */
        { "/data=./mydata", "/data", "./mydata", 0 },                                   /* 083-dir-dot-relative */
        { "/box=./box:rw", "/box", "./box", RB_DIR_RW },                                /* 085-dir-no-default-dirs */
        { "/a=rel/dir", "/a", "rel/dir", 0 },
        /* A rule that binds nothing whatever its options: a removal. */
        { "/a=:rw", "/a", NULL, RB_DIR_REMOVE },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parsed(cases[i].spec, cases[i].inside, cases[i].outside, cases[i].flags);
}

/* isolate's "Unknown directory option" names the first option it does not know. */
static void test_unknown_option(void **state)
{
    const char *tok = NULL;
    assert_int_equal(dirrules_unknown_option("/data=/usr:bogus", &tok), 5);
    assert_int_equal(strncmp(tok, "bogus", 5), 0);
    assert_int_equal(dirrules_unknown_option("/a:rw,x:norec:yy", &tok), 1);
    assert_int_equal(*tok, 'x');
    assert_int_equal(dirrules_unknown_option("/a=b=c:fs:rw:dev:noexec:maybe:tmp:norec", &tok), 0);
    assert_int_equal(dirrules_unknown_option("/a", &tok), 0);
    assert_int_equal(dirrules_unknown_option("/a:", &tok), 0);
    assert_int_equal(dirrules_unknown_option(NULL, &tok), 0);
}

/* The error quotes the spec: a control character in it cannot start a
 * second line. */
static void test_error_is_one_line(void **state)
{
    struct rb_dir_rule rule;
    char err[ERRLEN] = "";
    assert_int_equal(dirrules_parse("/a:rw\nlevel=error", &rule, err, ERRLEN), -EINVAL);
    assert_null(strchr(err, '\n'));
    assert_string_equal(
        err, "unknown option 'rw?level=error' in '/a:rw?level=error' (use rw, noexec, maybe, dev, tmp, fs or norec)");

    char tiny[8];
    assert_int_equal(dirrules_parse("/a:bogus", &rule, tiny, sizeof(tiny)), -EINVAL);
    assert_string_equal(tiny, "unknown");
}

/* isolate's -D: every default goes unless the caller has a rule for it. */
static void test_drop_defaults(void **state)
{
    struct list l = { 0 };
    struct rb_dir_rule out[RB_DIR_RULES_MERGED_MAX];
    char err[ERRLEN] = "";
    add_ok(&l, "/usr");
    add_ok(&l, "/lib=/srv/lib");
    add_ok(&l, "/tmp="); /* already removed: not twice */
    assert_int_equal(dirrules_drop_defaults(&l.rules, &l.n, err, ERRLEN), 0);
    assert_int_equal(l.n, 6);
    assert_string_equal(paths(l.rules, l.n), "/usr /lib /tmp /bin /lib64 /dev/shm");
    for (size_t i = 3; i < l.n; i++) {
        assert_null(l.rules[i].outside);
        assert_int_equal(l.rules[i].flags, RB_DIR_REMOVE);
    }
    size_t n = merge(&l, out);
    assert_string_equal(paths(out, n), "/lib /usr");
    assert_string_equal(out[0].outside, "/srv/lib");
    /* Twice is the same as once. */
    assert_int_equal(dirrules_drop_defaults(&l.rules, &l.n, err, ERRLEN), 0);
    assert_int_equal(l.n, 6);
    dirrules_free(&l.rules, &l.n);

    /* 085-dir-no-default-dirs: -D alone leaves no rule at all (rustbox makes
     * /box, /proc and the minimal /dev itself). */
    assert_int_equal(dirrules_drop_defaults(&l.rules, &l.n, err, ERRLEN), 0);
    assert_int_equal(l.n, RB_DEFAULT_DIR_RULES);
    assert_int_equal(merge(&l, out), 0);
    dirrules_free(&l.rules, &l.n);
    dirrules_free(&l.rules, &l.n); /* idempotent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_replace_default),
        cmocka_unit_test(test_remove_default), cmocka_unit_test(test_add),
        cmocka_unit_test(test_options),        cmocka_unit_test(test_canonical_paths),
        cmocka_unit_test(test_merge_order),    cmocka_unit_test(test_max_count),
        cmocka_unit_test(test_bad_specs),      cmocka_unit_test(test_error_is_one_line),
        cmocka_unit_test(test_drop_defaults),  cmocka_unit_test(test_isolate_options),
        cmocka_unit_test(test_unknown_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
