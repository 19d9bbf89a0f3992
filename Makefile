# tdapipe - real-time multi-scale topological data analysis of streams.
#
#   make              build bin/tdapipe{,-cmd,-ingest,-scaled,-publish,-exporter}
#   make test         unit, oracle, man-page and whole-pipeline tests
#   make asan         the same tests on an ASan+UBSan build (build-asan/)
#   make bench        benchmarks (tables: ours vs the reference, same run)
#   make fuzz         libFuzzer harnesses (tests/fuzz/, clang, build-fuzz/),
#                     FUZZ_SECONDS (600) each; make fuzz-build only builds
#   make soak         long validation runs, then make fuzz
#   make deps         apt-get install every Debian package we use
#   make demo         run config/demo.yaml on samples/ecg.csv, summarise
#   make ci           deps, test, asan (what .ci/run does)
#   make install      PREFIX=/usr/local DESTDIR=
#   V=1               print full commands

PREFIX  ?= /usr/local
BUILD   ?= build
BIN     ?= bin
# One name per object: a BUILD or BIN given as an absolute path inside the
# tree (the tests pass one) becomes relative, or the dependency files
# would name the objects differently from the rules and a changed header
# would rebuild nothing.
override BUILD := $(patsubst $(CURDIR)/%,%,$(BUILD))
override BIN := $(patsubst $(CURDIR)/%,%,$(BIN))
PKGS    := liburing ck rdkafka msgpack yaml-0.1 libmicrohttpd libsystemd zlib cairo fontconfig

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -fno-strict-aliasing -MMD -MP -I. $(shell pkg-config --cflags $(PKGS))
LDFLAGS += -Wl,--as-needed
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lm -lpthread
ifdef SANITIZE
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# glibc's printf/strtod for numbers instead of common/shortest.c and
# common/parse_double.c
ifdef TDP_GLIBC_NUMBERS
CFLAGS  += -DTDP_GLIBC_NUMBERS
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

DEBIAN_PKGS := build-essential pkg-config liburing-dev libck-dev librdkafka-dev \
               libmsgpack-dev libyaml-dev libcmocka-dev ripser python3-gudhi \
               python3-numpy python3-scipy python3-sklearn python3-pot python3-msgpack python3-confluent-kafka kcat hyperfine time mandoc man-db \
               clang libclang-rt-dev jq libmicrohttpd-dev prometheus curl tmux \
               libsystemd-dev systemd zlib1g-dev libcairo2-dev libfontconfig-dev libxml2-utils chromium

PROGS    := tdapipe tdapipe-cmd tdapipe-ingest tdapipe-scaled tdapipe-publish tdapipe-exporter
MAINS    := cli/main.c cli/cmd_main.c ingest/main.c scaled/main.c publish/main.c exporter/main.c
LIB_SRC  := $(filter-out $(MAINS),$(wildcard common/*.c ingest/*.c scaled/*.c publish/*.c cli/*.c exporter/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libtdp.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c bench/*.c)
TOOLS    := $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(TOOL_SRC)))
MANS     := $(wildcard man/*.[0-9])

all: $(addprefix $(BIN)/,$(PROGS)) $(UNITS) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN)/tdapipe: $(BUILD)/cli/main.o $(LIB)
$(BIN)/tdapipe-cmd: $(BUILD)/cli/cmd_main.o $(LIB)
$(BIN)/tdapipe-ingest: $(BUILD)/ingest/main.o $(LIB)
$(BIN)/tdapipe-scaled: $(BUILD)/scaled/main.o $(LIB)
$(BIN)/tdapipe-publish: $(BUILD)/publish/main.o $(LIB)
$(BIN)/tdapipe-exporter: $(BUILD)/exporter/main.o $(LIB)
$(addprefix $(BIN)/,$(PROGS)):
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/fixture.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(BUILD)/tests/unit/fixture.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)
$(BUILD)/tools/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer harnesses: each tests/fuzz/fuzz_*.c is one program, linked
# with the other tests/fuzz/*.c and the library, all built by clang with
# ASan + UBSan into build-fuzz/ (its own tree: the gcc builds are not
# touched).  tests/fuzz/run.sh replays the seeds of tests/fuzz/corpus/
# and fuzzes from a copy of them; crashes land in build-fuzz/crashes/.
FUZZ         := build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -fno-strict-aliasing -MMD -MP -I. $(shell pkg-config --cflags $(PKGS)) \
                $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_HELP    := $(filter-out $(FUZZ_SRC),$(wildcard tests/fuzz/*.c))
FUZZERS      := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/%)

$(FUZZ)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ)/libtdp.a: $(LIB_SRC:%.c=$(FUZZ)/%.o)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ)/fuzz_%: $(FUZZ)/tests/fuzz/fuzz_%.o $(FUZZ_HELP:%.c=$(FUZZ)/%.o) $(FUZZ)/libtdp.a
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZERS)

fuzz: fuzz-build
	$(Q)FUZZ=$(FUZZ) tests/fuzz/run.sh $(FUZZ_SECONDS) $(notdir $(FUZZERS))

demo: all
	$(BIN)/tdapipe run --fresh -c config/demo.yaml > demo-results.jsonl
	$(Q)scripts/demo-summary demo-results.jsonl

ci: deps
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory asan

test: all
	$(Q)BUILD=$(BUILD) BIN=$(BIN) tests/run.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin SANITIZE=1 test

# The long validation runs of the sliding sublevel structure: every one of
# tens of millions of random operations checked against a from-scratch
# computation, in this build and in the ASan + UBSan one (the suite runs
# 1,000,000); and tdp_parse_double against strtod on 10^8 random bit
# patterns, each in four spellings (the suite: 10^6; ~5 minutes).
# Minutes, not hours.  Then every fuzz harness for
# FUZZ_SECONDS (600) each: that part is about ten minutes a harness.
soak: all
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin SANITIZE=1 all
	TDP_SOAK_OPS=50000000 TDP_SOAK_CAP=64 TDP_SOAK_SEED=1 $(BUILD)/tests/test_sublevel_slide
	TDP_SOAK_OPS=1000000 TDP_SOAK_CAP=2000 TDP_SOAK_SEED=2 $(BUILD)/tests/test_sublevel_slide
	TDP_SOAK_OPS=10000000 TDP_SOAK_CAP=64 TDP_SOAK_SEED=3 build-asan/tests/test_sublevel_slide
	TDP_PARSE_N=100000000 TDP_PARSE_SEED=2 $(BUILD)/tests/test_parse_double
	$(Q)$(MAKE) --no-print-directory fuzz

# The long chaos runs: 3 M points per round, random window sizes, signals
# (SIGKILL, SIGSEGV and SIGSTOP) at 40 per second, four rounds; each
# round's output must equal a clean run's.  Minutes; the suite runs one
# short round (tests/integration/chaos_exactly_once.sh).
chaos: all
	CHAOS_POINTS=3000000 CHAOS_RATE=40 CHAOS_MIN_RATE=30 CHAOS_ROUNDS=4 CHAOS_RANDOM=1 \
	CHAOS_SIGNALS=KILL=8,SEGV=1,STOP=1 BUILD=$(BUILD) BIN=$(BIN) tests/integration/chaos_exactly_once.sh
	STATE_STOPS=40 BUILD=$(BUILD) BIN=$(BIN) tests/integration/state_restart.sh

bench: all
	$(Q)BUILD=$(BUILD) BIN=$(BIN) bench/run.sh

deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PKGS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	        $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
	        $(DESTDIR)$(PREFIX)/share/tdapipe $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 755 $(addprefix $(BIN)/,$(PROGS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 755 scripts/chaos $(DESTDIR)$(PREFIX)/bin/tdapipe-chaos
	install -m 644 $(filter %.1,$(MANS)) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(filter %.5,$(MANS)) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 $(filter %.7,$(MANS)) $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 644 config/*.yaml $(DESTDIR)$(PREFIX)/share/tdapipe/
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|' contrib/systemd/tdapipe@.service \
	        >$(DESTDIR)$(PREFIX)/lib/systemd/system/tdapipe@.service

clean:
	rm -rf build build-asan bin build-glibc bin-glibc $(FUZZ)

.PHONY: chaos all demo ci test asan soak fuzz fuzz-build bench deps install clean
.SECONDARY:
-include $(shell find $(BUILD) $(FUZZ) -name '*.d' 2>/dev/null)
