/*
 * decode_fields.c - configured field paths of jsonl and msgpack records
 * (decode_fields.h).
 */
#include "ingest/decode_fields.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

bool decode_fields_set(const struct tdp_source_cfg *src)
{
	const struct tdp_source_fields *fs = &src->fields;
	return fs->has_stream || fs->has_time || fs->nvalues;
}

/* Whether PATH (N bytes) is FULL, or (*PREFIX) an object on the way to it. */
static bool path_is(const char *full, const char *path, size_t n, bool *prefix)
{
	if (strncmp(full, path, n))
		return false;
	if (full[n] == '\0')
		return true;
	if (full[n] == '.')
		*prefix = true;
	return false;
}

enum field_role field_role(const struct tdp_source_cfg *src, const char *path, size_t n, int *slot)
{
	const struct tdp_source_fields *fs = &src->fields;
	bool prefix = false;
	if (n >= TDP_FIELD_NAME_MAX || memchr(path, '\0', n))
		return F_NONE;
	if (path_is(fs->has_stream ? fs->stream.name : "stream", path, n, &prefix))
		return F_STREAM;
	if (path_is(fs->has_time ? fs->time.name : "t", path, n, &prefix))
		return F_TIME;
	if (fs->nvalues == 0) {
		if (path_is("v", path, n, &prefix))
			return F_V;
	}
	for (uint32_t i = 0; i < fs->nvalues; i++) {
		if (path_is(fs->values[i].name, path, n, &prefix)) {
			*slot = (int)i;
			return F_VALUE;
		}
	}
	return prefix ? F_PREFIX : F_NONE;
}

uint32_t field_seen_bit(enum field_role r, int slot)
{
	switch (r) {
	case F_STREAM: return F_SEEN_STREAM;
	case F_TIME: return F_SEEN_TIME;
	case F_V: return F_SEEN_V;
	case F_VALUE: return 1u << slot;
	default: return 0;
	}
}

void field_absent(struct tdp_decoded *out, int slot)
{
	out->v[slot] = NAN;
	out->absent |= 1u << slot;
}

int field_finish(const struct tdp_source_cfg *src, uint32_t seen, struct tdp_decoded *out, char *reason,
		 size_t rlen)
{
	const struct tdp_source_fields *fs = &src->fields;
	if (fs->has_stream && !(seen & F_SEEN_STREAM)) {
		snprintf(reason, rlen, "missing field \"%s\" (the stream)", fs->stream.name);
		return -1;
	}
	if (fs->has_time && !(seen & F_SEEN_TIME)) {
		snprintf(reason, rlen, "missing field \"%s\" (the time)", fs->time.name);
		return -1;
	}
	if (fs->nvalues == 0) {
		if (!(seen & F_SEEN_V)) {
			snprintf(reason, rlen, "missing key \"v\"");
			return -1;
		}
		return 0;   /* dim set by the "v" reader */
	}
	for (uint32_t i = 0; i < fs->nvalues; i++)
		if (!(seen >> i & 1))
			field_absent(out, (int)i);
	out->dim = (uint16_t)fs->nvalues;
	return 0;
}
