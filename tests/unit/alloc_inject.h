/* SPDX-License-Identifier: Apache-2.0 */
/* alloc_inject: allocation failure injection for the unit tests that prove a
 * function fails whole when any of its allocations fails. Included by one
 * test file per executable: it defines the malloc family of the process.
 *
 * Every call to malloc, calloc, realloc, free and strdup in the process (the
 * code under test's, and libc's own from asprintf or stdio) lands here and is
 * forwarded to the real allocator: glibc's under a normal build, ASan's
 * interceptors under ASan, so that ASan still sees every block and the
 * injection runs in both builds. While armed, the fail_at-th allocation
 * (1-based; 0: none) fails with ENOMEM and every block handed out is tracked
 * until freed: what is still tracked at disarm time leaked. */
#ifndef RUSTBOX_TEST_ALLOC_INJECT_H
#define RUSTBOX_TEST_ALLOC_INJECT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#ifdef __SANITIZE_ADDRESS__
#define REAL(f) __interceptor_##f
#else
#define REAL(f) __libc_##f
#endif
void *REAL(malloc)(size_t size);
void *REAL(calloc)(size_t n, size_t size);
void *REAL(realloc)(void *p, size_t size);
void REAL(free)(void *p);

#define MAX_TRACKED 4096

static struct {
    bool armed;
    long fail_at; /* 1-based; 0: never */
    long count;   /* allocations while armed */
    void *live[MAX_TRACKED];
    size_t n_live;
    bool overflow;
} inj;

static void arm(long fail_at)
{
    memset(&inj, 0, sizeof(inj));
    inj.fail_at = fail_at;
    inj.armed = true;
}

static void disarm(void)
{
    inj.armed = false;
}

/* Whether the armed failure happened. */
__attribute__((unused)) static bool fired(void)
{
    return inj.fail_at > 0 && inj.count >= inj.fail_at;
}

/* Whether this allocation is the one to fail. */
static bool inject(void)
{
    if (!inj.armed)
        return false;
    return ++inj.count == inj.fail_at;
}

static void track(void *p)
{
    if (!inj.armed || !p)
        return;
    if (inj.n_live == MAX_TRACKED) {
        inj.overflow = true;
        return;
    }
    inj.live[inj.n_live++] = p;
}

static void untrack(void *p)
{
    for (size_t i = 0; p && i < inj.n_live; i++)
        if (inj.live[i] == p) {
            inj.live[i] = inj.live[--inj.n_live];
            return;
        }
}

void *malloc(size_t size)
{
    if (inject()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = REAL(malloc)(size);
    track(p);
    return p;
}

void *calloc(size_t n, size_t size)
{
    if (inject()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = REAL(calloc)(n, size);
    track(p);
    return p;
}

void *realloc(void *old, size_t size)
{
    if (inject()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = REAL(realloc)(old, size);
    if (p || !size) {
        untrack(old);
        track(p);
    }
    return p;
}

void free(void *p)
{
    untrack(p);
    REAL(free)(p);
}

/* ASan's own strdup would allocate behind malloc's back. */
char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

#endif
