/* SPDX-License-Identifier: Apache-2.0 */
/* request: what one run asks for — limits, directory rules, environment,
 * stdio redirections and how the program's output reaches the caller — as
 * the library sees it, whichever command-line syntax produced it. */
#ifndef RUSTBOX_REQUEST_H
#define RUSTBOX_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Where the program's stdout and stderr go when no file is named for them. */
enum rb_output_mode {
    RB_OUTPUT_CAPTURE, /* into the result (rustbox's JSON carries them) */
    RB_OUTPUT_INHERIT, /* the caller's own stdio (isolate's behaviour) */
};

/* How the program's environment and exec are set up: rustbox's own rules
 * (SPEC §3: PATH and HOME given, the program looked up in the box's PATH, a
 * failed exec is IE) or isolate 1.10's (only LIBC_FATAL_STDERR_=1 and the
 * -E rules, argv[0] executed as given, a failed exec is the program's exit
 * 127 with execve's error on its stderr). */
enum rb_program_rules {
    RB_RULES_NATIVE,
    RB_RULES_ISOLATE,
};

/* Which fields of rb_run_request.limits were given on the command line. */
enum rb_limit_bit {
    RB_LIM_CPU = 1 << 0,
    RB_LIM_WALL = 1 << 1,
    RB_LIM_EXTRA = 1 << 2,
    RB_LIM_MEMORY = 1 << 3,
    RB_LIM_PROCESSES = 1 << 4,
    RB_LIM_FILE_SIZE = 1 << 5,
    RB_LIM_OPEN_FILES = 1 << 6,
    RB_LIM_STACK = 1 << 7,
    RB_LIM_OUTPUT = 1 << 8,
};

/* --dir BOX[=HOST][:opts], isolate's order and options. */
enum rb_dir_flag {
    RB_DIR_RW = 1 << 0,
    RB_DIR_NOEXEC = 1 << 1,
    RB_DIR_TMP = 1 << 2,    /* a fresh tmpfs instead of a bind */
    RB_DIR_MAYBE = 1 << 3,  /* skip silently if HOST does not exist */
    RB_DIR_DEV = 1 << 4,    /* allow device nodes */
    RB_DIR_REMOVE = 1 << 5, /* "BOX=" : drop a default rule */
    RB_DIR_FS = 1 << 6,     /* mount a filesystem of type HOST (tmpfs or proc) */
    RB_DIR_NOREC = 1 << 7,  /* bind without the submounts below HOST */
    /* BOX was written without its leading '/': isolate names a ':tmp'
     * rule's host dir after the text as written ("scratch", not ":scratch"). */
    RB_DIR_NO_SLASH = 1 << 8,
};

/* --dir rules a run may add; with the defaults they must fit the box's
 * mount table (sandbox.c). */
#define RB_MAX_DIR_RULES 48
#define RB_DEFAULT_DIR_RULES 6
/* The most caller descriptors --inherit-fds passes on. */
#define RB_MAX_INHERIT_FDS 64

struct rb_dir_rule {
    char *inside;  /* absolute path in the box */
    char *outside; /* host path (relative: to the box's directory, as
                    * --init prints it); the filesystem type for fs;
                    * NULL for tmp */
    unsigned flags;
};

struct rb_run_request {
    long box_id; /* -1: one-shot box */
    struct rb_limits limits;
    unsigned limits_set; /* rb_limit_bit */
    char *stdin_path;
    char *stdout_path;
    char *stderr_path;
    bool stderr_to_stdout;
    char *chdir;
    struct rb_dir_rule *dirs;
    size_t n_dirs;
    char **env; /* "VAR=VAL" or "VAR" (inherit from the caller) */
    size_t n_env;
    bool full_env;
    char **argv; /* NULL-terminated; points into the process argv */
    char *code;  /* --code 'SH' */
    char *meta_path;
    enum rb_output_mode output;
    enum rb_program_rules rules;
    uint64_t address_space; /* bytes, RLIMIT_AS of every process (isolate's -m); 0: none */
    /* --special-files: symlinks, FIFOs, sockets and device nodes in a
     * persistent box's work dir are kept before and after the run (by
     * default they are removed, as isolate does; handback.h). */
    bool special_files;
    /* --share-net: the host's network namespace instead of a private one
     * with loopback only (allowed by the config's allow_share_net). */
    bool share_net;
    /* isolate's --cg: the meta file carries cg-mem and cg-oom-killed (as
     * isolate writes them only with --cg); cgroups are used either way. */
    bool cg_meta_keys;
    /* isolate's --no-cg-timing: the CPU limit counts the program's own
     * time, not the box's (request_cpu_rule). */
    bool process_timing;
    /* isolate's --core: RLIMIT_CORE in bytes (0: no core dumps). */
    uint64_t core_size;
    /* isolate's --inherit-fds: the caller's descriptors above 2 stay open
     * in the program. The command lists them (caller_fds) before anything
     * of rustbox's own is open without O_CLOEXEC. */
    bool inherit_fds;
    /* isolate's -D: no default dirs at all, /box, /proc and /dev included
     * (each still comes from a --dir rule naming it). */
    bool no_default_dirs;
    int *caller_fds;
    size_t n_caller_fds;
};

/* How the CPU limit is measured and where the supervisor kills: the one
 * place where rustbox's syntax and isolate's differ on it. Over
 * limits.cpu_time_s the verdict is TLE in both. */
struct rb_cpu_rule {
    /* The program's own CPU time (its main process while it runs, with the
     * children it reaped once it ended) instead of the box's cgroup. */
    bool per_process;
    /* The supervisor kills once the measured time is past it; 0: never. */
    double kill_at_s;
};

/* rustbox: the cgroup's time, killed past cpu_time_s + extra_time_s.
 * isolate 1.10: killed once the time is past both -t and -x (so -x below
 * -t adds nothing, as isolate checks it), and the cgroup's time only with
 * --cg and without --no-cg-timing. */
struct rb_cpu_rule request_cpu_rule(const struct rb_run_request *req);

/* Applies the config's defaults to every limit the request left unset. */
void request_apply_limits(struct rb_run_request *req, const struct rb_limits *defaults);

#endif
