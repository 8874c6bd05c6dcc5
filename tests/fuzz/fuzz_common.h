/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the libFuzzer harnesses: a byte consumer that turns the
 * fuzz input into typed values, and the contract checks the harnesses share.
 * A violated check aborts, which libFuzzer reports as a crash with the input
 * saved: every such input becomes a regression test in
 * tests/unit/test_fuzz_regressions.c. */
#ifndef RUSTBOX_FUZZ_COMMON_H
#define RUSTBOX_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                          \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                               \
            fputc('\n', stderr);                                                        \
            abort();                                                                    \
        }                                                                               \
    } while (0)

struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint64_t fuzz_u64(struct fuzz_in *in, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes && in->n; i++, in->p++, in->n--)
        v |= (uint64_t)in->p[0] << (8 * i);
    return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in) { return (uint8_t)fuzz_u64(in, 1); }
static inline bool fuzz_bool(struct fuzz_in *in) { return fuzz_u8(in) & 1; }

static inline double fuzz_double(struct fuzz_in *in)
{
    uint64_t bits = fuzz_u64(in, 8);
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

/* Up to max bytes (a length byte first), as a malloc'd buffer with a NUL
 * after them; *len gets the length (the bytes may contain NULs). */
static inline char *fuzz_bytes(struct fuzz_in *in, size_t max, size_t *len)
{
    size_t want = fuzz_u64(in, 2);
    if (want > max)
        want %= max + 1;
    if (want > in->n)
        want = in->n;
    char *b = malloc(want + 1);
    if (!b)
        abort();
    memcpy(b, in->p, want);
    b[want] = '\0';
    in->p += want;
    in->n -= want;
    if (len)
        *len = want;
    return b;
}

/* SPEC §1: "Every error names what failed and why on stderr, one line". */
static inline bool fuzz_one_line(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '\n' || *p == '\r')
            return false;
    return true;
}

/* RB_FUZZ_LENIENT=1 turns the one-line check off, so that a long campaign
 * can go past a known, reported violation. */
static inline bool fuzz_strict(void)
{
    const char *e = getenv("RB_FUZZ_LENIENT");
    return !(e && *e == '1');
}

#endif
