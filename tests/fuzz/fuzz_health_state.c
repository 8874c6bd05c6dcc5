/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: health_parse (src/health.h), the reader of
 * <state_dir>/health/state.json (SPEC §5). The input is the file's text.
 * Checks, beyond no crash, leak or UB: a refusal is -EBADMSG (the caller then
 * treats the worker as quarantined, never healthy); an accepted state has a
 * known status, a quarantine with a reason, terminated strings and known
 * unhealthy flags; and `rustbox health`'s JSON of it parses. */
#include <errno.h>
#include <json-c/json.h>

#include "context.h"
#include "fuzz_common.h"
#include "health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct rb_health_state st;
    memset(&st, 0xA5, sizeof(st));
    int r = health_parse(text, &st);
    if (r < 0) {
        FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM, "unexpected error code %d", r);
    } else {
        FUZZ_CHECK(st.status == RB_HEALTHY || st.status == RB_UNHEALTHY || st.status == RB_QUARANTINED,
                   "status %d", (int)st.status);
        FUZZ_CHECK(memchr(st.quarantine_reason, '\0', sizeof(st.quarantine_reason)), "reason unterminated");
        FUZZ_CHECK(memchr(st.quarantine_timestamp, '\0', sizeof(st.quarantine_timestamp)), "timestamp unterminated");
        FUZZ_CHECK(memchr(st.last_cleanup_error, '\0', sizeof(st.last_cleanup_error)), "error unterminated");
        FUZZ_CHECK(st.status != RB_QUARANTINED || st.quarantine_reason[0], "quarantined without a reason");
        FUZZ_CHECK((st.unhealthy & ~RB_UNHEALTHY_ALL) == 0, "unhealthy flags %#x", st.unhealthy);
        struct rb_ctx ctx;
        memset(&ctx, 0, sizeof(ctx));
        char *json = health_to_json(&st, &ctx);
        FUZZ_CHECK(json != NULL, "health_to_json returned NULL");
        struct json_object *o = json_tokener_parse(json);
        FUZZ_CHECK(o && json_object_is_type(o, json_type_object), "health JSON does not parse: %s", json);
        json_object_put(o);
        free(json);
        (void)health_status_name(st.status);
    }
    free(text);
    return 0;
}
