/*
 * fixture.h - the segment set-up the unit tests share: a config written
 * as YAML in the test, parsed by the real parser, and the segment it
 * describes laid out by the real code, in ordinary memory or in /dev/shm.
 * Linked into every tests/unit/test_* program and tests/tools/crash_steps.
 */
#ifndef TDP_TEST_FIXTURE_H
#define TDP_TEST_FIXTURE_H

#include "common/config.h"
#include "common/shm.h"

enum seg_where {
	SEG_MEMORY,   /* page-aligned heap memory, tdp_shm_format: no file, no lock */
	SEG_SHM,      /* /dev/shm/tdapipe-NAME-PID, tdp_shm_create: attachable by children */
};

struct seg_fixture {
	char text[4096];          /* the whole config, "instance: ..." first */
	struct tdp_config cfg;
	struct tdp_shm seg;       /* seg.hdr the segment; seg.fd -1 in memory */
	enum seg_where where;
};

/*
 * Parse YAML, a config without its instance key, as the config of
 * instance NAME (SEG_MEMORY) or NAME-PID (SEG_SHM: unique among test
 * programs running at once; a leftover of the same name is removed
 * first), and lay out its segment, the config text copied in as the
 * supervisor does.  Returns 0, or -1 after printing on stderr what failed
 * (the parser's FILE:LINE:COL message, or the creation's).
 */
int seg_from_yaml(struct seg_fixture *f, enum seg_where where, const char *name, const char *yaml);

/* seg_from_yaml in memory, then what a reader of the segment checks
 * (tdp_shm_check, tdp_shm_check_config): the segments the admin tools'
 * readers are given.  0, or -1 after printing why. */
int seg_from_yaml_checked(struct seg_fixture *f, const char *name, const char *yaml);

/* Undo seg_from_yaml: free the memory, or unmap and remove the segment. */
void seg_fixture_fini(struct seg_fixture *f);

#endif
