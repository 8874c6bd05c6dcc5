/* SPDX-License-Identifier: Apache-2.0 */
/* config: the JSON configuration of SPEC §8, with named defaults for every key. */
#ifndef RUSTBOX_CONFIG_H
#define RUSTBOX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where a set-uid rustbox reads its only configuration: a test copy is
 * built with its own (Makefile: setuid-bin). */
#ifndef RB_DEFAULT_CONFIG_PATH
#define RB_DEFAULT_CONFIG_PATH "/etc/rustbox/config.json"
#endif
/* The environment variable naming the config file (ignored under set-uid). */
#define RB_CONFIG_ENV "RUSTBOX_CONFIG"
#define RB_DEFAULT_STATE_DIR "/var/lib/rustbox"
#define RB_DEFAULT_WORK_ROOT "/var/lib/rustbox/boxes"
#define RB_DEFAULT_NAME_PREFIX "rustbox"
/* Box ids 0..65535 (CMS's shards reach about 66000) from here stay clear of
 * 65534/65535, of systemd's dynamic (61184-65519) and container
 * (524288-1879048191) ranges and of its foreign range (from 2147352576), and
 * far above any ordinary account or subordinate-id range. */
#define RB_DEFAULT_FIRST_UID 1900000000
#define RB_DEFAULT_FIRST_GID 1900000000
#define RB_DEFAULT_NUM_BOXES 1000
#define RB_DEFAULT_CLEANUP_TIMEOUT_S 5.0
#define RB_DEFAULT_MAX_CLEANUP_FAILURES 3
#define RB_DEFAULT_CPU_TIME_S 1.0
#define RB_DEFAULT_WALL_TIME_S 3.0
#define RB_DEFAULT_EXTRA_TIME_S 0.5
#define RB_DEFAULT_MEMORY (256ULL << 20)
#define RB_DEFAULT_PROCESSES 64
#define RB_DEFAULT_FILE_SIZE (64ULL << 20)
#define RB_DEFAULT_OPEN_FILES 64
#define RB_DEFAULT_STACK (64ULL << 20)
#define RB_DEFAULT_OUTPUT_LIMIT (64ULL << 20)
/* Bytes of each of stdout and stderr a result carries. The supervisor runs
 * outside every cgroup, so what it keeps of the output and the JSON it
 * escapes that into (up to six bytes per byte kept) are bounded by this, not
 * by output_limit. */
#define RB_DEFAULT_CAPTURE_LIMIT (1ULL << 20)
#define RB_CAPTURE_LIMIT_MAX (64ULL << 20)
#define RB_DEFAULT_BOX_SIZE (256ULL << 20)
#define RB_DEFAULT_BOX_INODES 16384
#define RB_DEFAULT_DISK_FREE (1ULL << 30)
#define RB_DEFAULT_INODES_FREE 10000
#define RB_DEFAULT_FDS_FREE_RATIO 0.2
#define RB_DEFAULT_MEM_AVAILABLE (512ULL << 20)
#define RB_DEFAULT_LISTEN "127.0.0.1:9090"

/* Longest values of the keys paths are derived from. A derived path that
 * does not fit its buffer would be cut, and a cut path names another file
 * (a state dir of 510 bytes once gave the health and the metrics stores one
 * lock file, and `health --quarantine` waited on itself), so config_load
 * refuses a longer value, naming the key. Each bound is what the longest path
 * derived from the key leaves of the buffer that holds it; the buffers'
 * owners check that at compile time (box.c, cgroup_v1.c, health.c,
 * metrics.c). */
#define RB_NAME_PREFIX_MAX 64
/* Box ids stay below 2^32 (uids): at most 10 digits. */
#define RB_BOX_ID_DIGITS_MAX 10
/* <prefix>-<id>: box, cgroup and work dir name. */
#define RB_BOX_NAME_LEN_MAX (RB_NAME_PREFIX_MAX + 1 + RB_BOX_ID_DIGITS_MAX)
/* Longest errno text (glibc's strerror(EILSEQ)): room for it is kept in a
 * message that names a path and why it failed. */
#define RB_ERRNO_TEXT_MAX 49
/* <state_dir>/health/state.json, with ": " and an errno text, whole in the
 * state error that quarantines the worker when the file cannot be read
 * (RB_HEALTH_ERROR_MAX, 320 bytes): 320 - 1 - 49 - 2 - 18. The other paths
 * below the state dir (boxes/<id>/lock, metrics/lock, metrics/counters.damaged,
 * health/quarantine-history.json and its .tmp.XXXXXX) are at most 42 bytes
 * longer than it, far inside their 512-byte buffers. */
#define RB_STATE_DIR_MAX 250
/* <work_root>/<prefix>-<id>/root/box in box.h's 512-byte path buffers:
 * 512 - 1 - 75 - 10. */
#define RB_WORK_ROOT_MAX 426
/* /sys/fs/cgroup/cpuacct/<cgroup_parent>/<prefix>-<id>, the longest group
 * dir (v1's cpuacct), in cgroup.h's 256-byte dir buffers: 256 - 1 - 23 - 1 - 75. */
#define RB_CGROUP_PARENT_MAX 156

enum rb_cg_choice { RB_CG_AUTO, RB_CG_V1, RB_CG_V2 };

struct rb_limits {
    double cpu_time_s;
    double wall_time_s;
    double extra_time_s;
    uint64_t memory;       /* bytes, whole box (cgroup); 0 = unlimited */
    uint64_t processes;    /* 0 = unlimited */
    uint64_t file_size;    /* bytes, RLIMIT_FSIZE */
    uint64_t open_files;   /* RLIMIT_NOFILE */
    uint64_t stack;        /* bytes, RLIMIT_STACK; 0 = unlimited */
    uint64_t output_limit; /* bytes of stdout+stderr the program may write (OLE) */
    uint64_t box_size;     /* bytes of the box's root tmpfs */
    uint64_t box_inodes;   /* inodes of the box's root tmpfs */
};

struct rb_floors {
    uint64_t disk_free;
    uint64_t inodes_free;
    double fds_free_ratio;
    uint64_t mem_available;
};

struct rb_config {
    char *state_dir;
    char *work_root;
    char *box_root; /* "": unset (isolate-mode boxes under work_root, as native ones) */
    char *name_prefix;
    enum rb_cg_choice cgroup_backend;
    char *cgroup_parent;
    bool strict;
    bool allow_share_net; /* --share-net: the program may use the host's network namespace */
    uint32_t first_uid;
    uint32_t first_gid;
    uint32_t num_boxes;
    double cleanup_timeout_s;
    uint32_t max_cleanup_failures;
    uint64_t capture_limit; /* bytes of each stream kept for the result */
    struct rb_limits limits;
    struct rb_floors floors;
    char *metrics_listen;
    char *metrics_textfile_dir;
    bool metrics_allow_remote; /* serve on a non-loopback address */
};

/* Fills cfg with the built-in defaults. */
int config_defaults(struct rb_config *cfg);
/* Picks the file per SPEC §8 (explicit path, $RUSTBOX_CONFIG, the default path,
 * or none) and overlays it on the defaults. On a bad file returns -EINVAL and
 * writes one line naming the key and why into err. The box id ranges are
 * checked against the host's passwd and group databases (NSS) and
 * subordinate-id files as well: a range holding an id of theirs is refused,
 * naming the keys and the account (a clean result is kept for a while in
 * <state_dir>/id-range-check when the state dir exists). */
int config_load(struct rb_config *cfg, const char *explicit_path, char *err, size_t errlen);
/* Parses a JSON text (for tests and fuzzing); same contract as config_load,
 * but without looking at the host: the ranges are checked only against the
 * ids no box may ever take (65534, 65535, systemd's dynamic range). */
int config_parse(struct rb_config *cfg, const char *json, const char *origin, char *err, size_t errlen);
void config_free(struct rb_config *cfg);
const char *cgroup_backend_name(enum rb_cg_choice b);

#endif
