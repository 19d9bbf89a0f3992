/*
 * atomics.h - loads and stores of fields that another process reads or
 * writes at the same time: the segment's fields are plain integers (their
 * layout is pinned), and every concurrent access goes through one of
 * these, so the ordering each needs is named where it is used.  As in
 * Aeron's aeron_atomic64_c11.h: one place, compiler builtins, no casts.
 *
 *   relaxed  a counter or a snapshot: no other data is published with it
 *   acquire  a load after which the data it announces is read
 *   release  a store that announces data written before it
 */
#ifndef TDP_ATOMICS_H
#define TDP_ATOMICS_H

#include <stdint.h>

static inline uint32_t tdp_load_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline uint64_t tdp_load_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline int32_t tdp_load_i32(const int32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline int64_t tdp_load_i64(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline uint32_t tdp_load_acquire_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint64_t tdp_load_acquire_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

static inline void tdp_store_u32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline void tdp_store_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline void tdp_store_i32(int32_t *p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline void tdp_store_i64(int64_t *p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline void tdp_store_release_u32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void tdp_store_release_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/* An increment by one of several writers (a doorbell's sequence). */
static inline void tdp_add_release_u32(uint32_t *p, uint32_t n) { __atomic_fetch_add(p, n, __ATOMIC_RELEASE); }

#endif
