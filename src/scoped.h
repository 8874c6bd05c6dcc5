/* SPDX-License-Identifier: Apache-2.0 */
/* scoped: __attribute__((cleanup)) helpers for every kind of resource the
 * library holds (memory, fds, DIR *, FILE *, json-c objects, the seccomp
 * context), and the explicit hand-over of ownership out of a
 * scope (TAKE_PTR, TAKE_FD). Each helper accepts the "nothing held" value. */
#ifndef RUSTBOX_SCOPED_H
#define RUSTBOX_SCOPED_H

#include <dirent.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Closes fd if it is open and returns -1 for `fd = safe_close(fd);`. The
 * result of close(2) is dropped on purpose: the descriptor is gone either
 * way (Linux frees it even on EINTR), and every caller is done with it —
 * data that had to reach the disk was checked with fsync before. */
static inline int safe_close(int fd)
{
    if (fd >= 0)
        (void)close(fd);
    return -1;
}

static inline void freep(void *p)
{
    free(*(void **)p);
}
/* The fd is the scope's own: nothing can be done about a close error here. */
static inline void closep(const int *fd)
{
    (void)safe_close(*fd);
}
static inline void closedirp(DIR **d)
{
    if (*d)
        (void)closedir(*d);
}
static inline void fclosep(FILE **f)
{
    if (*f)
        (void)fclose(*f);
}
static inline void json_putp(json_object **o)
{
    if (*o)
        (void)json_object_put(*o);
}
static inline void seccompp(scmp_filter_ctx *c)
{
    if (*c)
        seccomp_release(*c);
}

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_dir_ __attribute__((cleanup(closedirp)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))
#define _cleanup_json_ __attribute__((cleanup(json_putp)))
#define _cleanup_seccomp_ __attribute__((cleanup(seccompp)))

/* Hands a pointer out of a scope whose cleanup would free it. */
#define TAKE_PTR(p)                     \
    ({                                  \
        __typeof__(p) taken_ptr_ = (p); \
        (p) = NULL;                     \
        taken_ptr_;                     \
    })
/* Hands an fd out of a scope whose cleanup would close it. */
#define TAKE_FD(fd)           \
    ({                        \
        int taken_fd_ = (fd); \
        (fd) = -1;            \
        taken_fd_;            \
    })

#endif
