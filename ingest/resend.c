/*
 * resend.c - the resume marks of ingest/resend.h.
 */
#include "ingest/resend.h"

#include <errno.h>
#include <stdlib.h>

#include "common/atomics.h"

/* Sources a restarted ingest cannot re-read from its committed offset. */
static bool sent_again(const struct tdp_source_cfg *src)
{
	return src->type == TDP_SRC_TCP || src->type == TDP_SRC_UDP || src->type == TDP_SRC_STDIN;
}

int resend_init(struct resend *r, const struct tdp_shm *seg, const struct tdp_source_cfg *src)
{
	r->mark = NULL;
	r->n = 0;
	if (!sent_again(src) || src->resend != TDP_RESEND_SKIP)
		return 0;
	uint32_t n = tdp_load_acquire_u32(&seg->hdr->nstreams);
	if (n > seg->hdr->max_streams)
		n = seg->hdr->max_streams;
	if (!n)
		return 0;
	if (!(r->mark = malloc(sizeof(*r->mark) * n)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		r->mark[i] = tdp_load_i64(&tdp_shm_stream(seg, i)->newest_t);
	r->n = n;
	return 0;
}

void resend_fini(struct resend *r)
{
	free(r->mark);
	r->mark = NULL;
	r->n = 0;
}
