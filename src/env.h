/* SPDX-License-Identifier: Apache-2.0 */
/* env: the program's environment (SPEC §3), built before the box starts so
 * that nothing of the caller's environment reaches the program unless the
 * request names it, and so that an allocation failure is an error of the run
 * rather than a half-built environment. */
#ifndef RUSTBOX_ENV_H
#define RUSTBOX_ENV_H

#include "request.h"

/* The fixed part of every box's environment. */
#define RB_SANDBOX_PATH "/usr/local/bin:/usr/bin:/bin"
#define RB_SANDBOX_HOME "/box"

/* Fixed PATH/HOME plus what --env passes ("VAR=VAL" sets, a bare "VAR"
 * passes the caller's value if it has one), on top of the caller's whole
 * environment with --full-env; later entries override earlier ones of the
 * same name. NULL on allocation failure, with nothing left allocated.
 * caller_env may be NULL (an empty environment). Free with env_free.
 * With RB_RULES_ISOLATE, isolate 1.10's rules instead: LIBC_FATAL_STDERR_=1
 * and the -E rules only ("VAR=" unsets), on the caller's with -e. */
char **env_build(const struct rb_run_request *req, char *const *caller_env);
void env_free(char **envp);

/* The value of name in envp, or NULL. */
const char *env_lookup(char *const *envp, const char *name);

#endif
