/* SPDX-License-Identifier: Apache-2.0 */
/* dirrules: the directory rules of a box — isolate's default list, one rule
 * parsed from a spec BOX[=HOST][:OPTIONS] (isolate's order and options), a
 * rule list where a later rule for a box path replaces the earlier one, and
 * the merge of the defaults with such a list into mount order. Pure: no I/O
 * and nothing of the command line; a refusal is one line in err that quotes
 * the spec (the caller names the option it came from). */
#ifndef RUSTBOX_DIRRULES_H
#define RUSTBOX_DIRRULES_H

#include <stddef.h>

#include "request.h"

/* The most rules dirrules_merge can return: every default plus a full list. */
#define RB_DIR_RULES_MERGED_MAX (RB_MAX_DIR_RULES + RB_DEFAULT_DIR_RULES)

/* isolate's default rules (/box, /proc and the minimal /dev are not rules:
 * the sandbox always makes them). Read-only; strings are static. */
extern const struct rb_dir_rule dirrules_defaults[RB_DEFAULT_DIR_RULES];

/* Parses spec into *rule, whose strings it allocates. 0; -EINVAL with err
 * (*rule then holds nothing); -ENOMEM. */
int dirrules_parse(const char *spec, struct rb_dir_rule *rule, char *err, size_t errlen);
/* The first option of spec (after its first ':') that is not one of
 * isolate's: its length, *tok pointing at it; 0 if there is none. */
size_t dirrules_unknown_option(const char *spec, const char **tok);
/* Frees what dirrules_parse allocated; the rule is left empty. */
void dirrules_rule_free(struct rb_dir_rule *rule);

/* Parses spec and puts it into the list (*rules, *n): it replaces a rule for
 * the same box path, or is appended if the list holds fewer than
 * RB_MAX_DIR_RULES. On failure the list is unchanged. */
int dirrules_add(struct rb_dir_rule **rules, size_t *n, const char *spec, char *err, size_t errlen);
/* isolate's -D: a removal rule for every default the list has no rule for. */
int dirrules_drop_defaults(struct rb_dir_rule **rules, size_t *n, char *err, size_t errlen);
void dirrules_free(struct rb_dir_rule **rules, size_t *n);

/* The defaults overlaid with the list (a rule replaces the default for its
 * box path, a removal rule drops it) in mount order: parents before their
 * children, otherwise defaults first and rules in list order. Writes at most
 * cap entries, which borrow their strings from the list and the defaults.
 * Returns the count, or SIZE_MAX if they do not fit in cap. */
size_t dirrules_merge(const struct rb_dir_rule *rules, size_t n_rules, struct rb_dir_rule *out, size_t cap);

#endif
