# tierbench: one non-recursive GNU Makefile. Each folder is a part; a part's objects link with the
# parts it may depend on (DEPS_x) and its libraries only, so a forbidden include is a link error
# in that part's test binary. Build output goes to $(BUILD) (default build/).

CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
# clang builds in its own directories (build-clang, build-asan-clang, ...): make rebuilds nothing
# when only CC changes, so a shared tree would mix the compilers and hide one's warnings.
CC_SUFFIX := $(if $(findstring clang,$(notdir $(CC))),-clang)
BUILD ?= build$(CC_SUFFIX)
VERSION := 0.1.0

TB_CFLAGS := -std=c11 -D_GNU_SOURCE -I. -MMD -MP -Wall -Wextra -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -DTB_VERSION='"$(VERSION)"' \
	-DTB_DATADIR='"$(PREFIX)/share/tierbench"'
ifeq ($(WERROR),1)
TB_CFLAGS += -Werror
endif
ifneq ($(SAN),)
TB_CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

PARTS := common db reports server loadgen console cli
# Transitive dependencies of each part (what its code may call).
DEPS_common :=
DEPS_db := common
DEPS_reports := common
DEPS_server := common
DEPS_loadgen := common
DEPS_console := common server loadgen
DEPS_cli := common db reports server loadgen console
# Libraries of each part: pkg-config names and plain -l flags.
PKG_db := sqlite3
PKG_reports := libcjson
PKG_loadgen := libcurl libcjson
PKG_console := ncursesw libcurl libcjson
LIBS_server := -lcivetweb -lz
LIBS_loadgen := -lhttp_parser
LIBS_common := -lm -lpthread

pkg_cflags = $(if $(1),$(shell pkg-config --cflags $(1)))
pkg_libs = $(if $(1),$(shell pkg-config --libs $(1)))

$(foreach p,$(PARTS),$(eval SRC_$(p) := $(wildcard $(p)/*.c)))
$(foreach p,$(PARTS),$(eval OBJ_$(p) := $(SRC_$(p):%.c=$(BUILD)/%.o)))
$(foreach p,$(PARTS),$(eval LINK_$(p) := $(PKG_$(p)) $(foreach d,$(DEPS_$(p)),$(PKG_$(d)))))
$(foreach p,$(PARTS),$(eval LDLIBS_$(p) := $(call pkg_libs,$(LINK_$(p))) $(LIBS_$(p)) \
	$(foreach d,$(DEPS_$(p)),$(LIBS_$(d))) $(LIBS_common)))

ALL_PKGS := $(sort $(foreach p,$(PARTS),$(PKG_$(p))))
ALL_OBJ := $(foreach p,$(PARTS),$(OBJ_$(p)))
ALL_LIBS := $(call pkg_libs,$(ALL_PKGS)) $(foreach p,$(PARTS),$(LIBS_$(p)))
TB_CFLAGS += $(call pkg_cflags,$(ALL_PKGS) check)

BIN := $(BUILD)/tierbench
SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/support/*.c))
CHECKS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/check_*.c))
# tests/check_<part>.c and tests/check_<part>_<topic>.c belong to <part>.
$(foreach p,$(PARTS),$(eval TESTS_$(p) := $(patsubst tests/%.c,$(BUILD)/tests/%,\
	$(wildcard tests/check_$(p).c tests/check_$(p)_*.c))))
ITS_C := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/it_*.c))
ITS_SH := $(wildcard tests/it_*.sh)
CHECK_LIBS := $(call pkg_libs,check)

.PHONY: all deps run test build-tests check-unit check-it check-only asan tsan lint check-layers \
	install clean fuzz fuzz-build
# Keep test objects between runs (make would delete them as intermediates).
.SECONDARY:
all: $(BIN)

deps:
	@sh scripts/deps.sh

# V=1 shows the full compiler command lines.
Q := $(if $(V),,@)
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(TB_CFLAGS) $(CFLAGS) -c $< -o $@

$(BIN): $(BUILD)/main.o $(ALL_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LIBS_common)

# A part's test binaries link with that part and its dependencies only.
$(foreach p,$(PARTS),$(foreach t,$(TESTS_$(p)),$(eval $(t): $(t).o $(OBJ_$(p)) \
	$(foreach d,$(DEPS_$(p)),$(OBJ_$(d))) $(SUPPORT_OBJ) ; \
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $(LDLIBS_$(p)) $$(CHECK_LIBS))))
# tests/it_<flow>.c may use every part.
$(BUILD)/tests/it_%: $(BUILD)/tests/it_%.o $(ALL_OBJ) $(SUPPORT_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) $(LIBS_common) $(CHECK_LIBS)

# The server in-process with the live console on top (`tierbench serve` is the server alone).
run: deps
	@$(MAKE) --no-print-directory all
	$(BIN) console

# make -jN builds in parallel; the tests run one after the other (the integration tests measure
# time and count requests, and interleaved logs are unreadable), every one even when one fails.
test: deps
	@$(MAKE) --no-print-directory build-tests
	@status=0; $(MAKE) --no-print-directory check-unit || status=1; \
	$(MAKE) --no-print-directory check-it || status=1; exit $$status

# Everything `make test` runs, built (CI builds with -k -jN first, then tests).
build-tests: $(BIN) $(CHECKS) $(ITS_C)

# Every test runs even when one fails; the failed ones are listed at the end.
check-unit: $(CHECKS)
	@failed=""; for t in $(CHECKS); do echo "== $$t"; CK_FORK=yes $$t || failed="$$failed $$t"; \
	done; [ -z "$$failed" ] || { echo "FAILED:$$failed"; exit 1; }

check-it: $(BIN) $(ITS_C)
	@failed=""; for t in $(ITS_C); do echo "== $$t"; TIERBENCH=$(BIN) $$t || failed="$$failed $$t"; \
	done; for t in $(ITS_SH); do echo "== $$t"; TIERBENCH=$(BIN) sh $$t || failed="$$failed $$t"; \
	done; [ -z "$$failed" ] || { echo "FAILED:$$failed"; exit 1; }

# make check-only ONLY="check_server it_server": the named tests/ binaries only.
ONLY_BIN := $(addprefix $(BUILD)/tests/,$(ONLY))
check-only: $(BIN) $(ONLY_BIN)
	@failed=""; for t in $(ONLY_BIN); do echo "== $$t"; \
	CK_FORK=yes TIERBENCH=$(BIN) $$t || failed="$$failed $$t"; \
	done; [ -z "$$failed" ] || { echo "FAILED:$$failed"; exit 1; }

# clang's sanitizer runtimes are a separate Debian package.
SAN_DEPS := $(if $(CC_SUFFIX),clang libclang-rt-14-dev)
asan:
	@sh scripts/deps.sh $(SAN_DEPS)
	@$(MAKE) --no-print-directory BUILD=build-asan$(CC_SUFFIX) SAN=address,undefined build-tests
	@status=0; \
	$(MAKE) --no-print-directory BUILD=build-asan$(CC_SUFFIX) SAN=address,undefined check-unit \
		|| status=1; \
	$(MAKE) --no-print-directory BUILD=build-asan$(CC_SUFFIX) SAN=address,undefined check-it \
		|| status=1; \
	exit $$status

# ThreadSanitizer on the code that shares data between threads: the server's per-worker stats
# and their snapshots, the load generator's workers and live snapshots. scripts/tsan.sh makes
# sure TSan can start (address randomisation, see there). A report fails the test it happens in
# (TSan's exit code 66). TSAN_OPTIONS can be overridden from the environment.
TSAN_TESTS ?= check_server it_server it_hostile check_loadgen it_loadgen
export TSAN_OPTIONS ?= second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp
tsan:
	@sh scripts/deps.sh $(SAN_DEPS)
	@CC="$(CC)" sh scripts/tsan.sh build-tsan$(CC_SUFFIX) $(MAKE) --no-print-directory \
		BUILD=build-tsan$(CC_SUFFIX) SAN=thread ONLY="$(TSAN_TESTS)" check-only

# The include rules of STYLE.md (which part may include which library and which part's headers).
check-layers:
	@bash scripts/check-layers.sh

# libFuzzer targets (tests/fuzz/fuzz_<name>.c), README.md "Fuzzing": the response parser (whole
# and split at every byte), the server's query and path handling per endpoint, histogram blobs,
# scenario files, price tables (and the tier picker), points files (and capacity), run exports,
# URLs, durations and counts, thresholds. Not part of `make test`. `make -jN fuzz` runs N targets
# at a time, FUZZ_SECONDS each; each one's output goes to build-fuzz/fuzz_<name>.log and one
# line per target is printed. Undefined behaviour stops a run like a crash; so does an input
# that takes over 10 s (a hang) or an allocation over 512 MB (unbounded growth). A failing input
# is saved as build-fuzz/fuzz_<name>-crash-<sha1>; rerun it with build-fuzz/fuzz_<name> FILE.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := parse query hist scenario prices points import url units metric
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined $(call pkg_cflags,libcjson)
FUZZ_RUN = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -malloc_limit_mb=512 -print_final_stats=1 \
	-artifact_prefix=build-fuzz/fuzz_$*-
CJSON_LIBS = $(call pkg_libs,libcjson)
# What each target links besides its own source, its libFuzzer options and its seed directories
# (build-fuzz/corpus_<name> comes first: libFuzzer adds what it finds there).
FUZZ_SRC_parse := loadgen/parse.c common/text.c
FUZZ_LIBS_parse := -lhttp_parser
FUZZ_OPTS_parse := -max_len=1024
FUZZ_SEEDS_parse := tests/fuzz/seeds_parse
FUZZ_SRC_query := $(SRC_server) $(SRC_common)
FUZZ_LIBS_query = -lcivetweb -lz -lm -lpthread $(CJSON_LIBS)
FUZZ_SEEDS_query := tests/fuzz/seeds_query
FUZZ_SRC_hist := common/hist.c
FUZZ_LIBS_hist := -lm
FUZZ_OPTS_hist := -max_len=4096
FUZZ_SEEDS_hist := build-fuzz/seeds_hist
FUZZ_SRC_scenario := loadgen/scenario.c loadgen/parse.c $(SRC_common)
FUZZ_LIBS_scenario = -Wl,--wrap=file_read -lhttp_parser -lm -lpthread $(CJSON_LIBS)
FUZZ_SEEDS_scenario := examples tests/fuzz/seeds_scenario
FUZZ_SRC_prices := $(SRC_reports) $(SRC_common)
FUZZ_LIBS_prices = -lm -lpthread $(CJSON_LIBS)
FUZZ_OPTS_prices := -max_len=8192
FUZZ_SEEDS_prices := data
FUZZ_SRC_points := $(SRC_reports) $(SRC_common)
FUZZ_LIBS_points = -lm -lpthread $(CJSON_LIBS)
FUZZ_SEEDS_points := tests/fuzz/seeds_points
FUZZ_SRC_import := $(SRC_reports) $(SRC_common)
FUZZ_LIBS_import = -lm -lpthread $(CJSON_LIBS)
FUZZ_OPTS_import := -max_len=65536
FUZZ_SEEDS_import := build-fuzz/seeds_import
FUZZ_SRC_url := loadgen/parse.c common/text.c
FUZZ_LIBS_url := -lhttp_parser
FUZZ_SEEDS_url := tests/fuzz/seeds_url
FUZZ_SRC_units := common/units.c
FUZZ_SEEDS_units := tests/fuzz/seeds_units
FUZZ_SRC_metric := $(SRC_common)
FUZZ_LIBS_metric := -lm -lpthread
FUZZ_SEEDS_metric := tests/fuzz/seeds_metric
FUZZ_BINS := $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
# Seeds made by programs, so they follow the formats: histogram blobs and run exports.
FUZZ_GEN := build-fuzz/gen_hist_seeds build-fuzz/gen_import_seeds
.PHONY: fuzz-deps $(FUZZ_TARGETS:%=fuzz-run-%) FORCE

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-build: $(FUZZ_BINS) build-fuzz/seeds_hist/.done build-fuzz/seeds_import/.done

fuzz-deps:
	@sh scripts/deps.sh clang libclang-rt-14-dev
	@mkdir -p build-fuzz $(FUZZ_TARGETS:%=build-fuzz/corpus_%)

# Rebuilt every time (FORCE): a build takes seconds and this way no header change is missed.
$(FUZZ_BINS): build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c FORCE | fuzz-deps
	@echo "  FUZZCC  $@"
	$(Q)clang $(FUZZ_FLAGS) $< $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*) -o $@

build-fuzz/gen_hist_seeds: tests/fuzz/gen_hist_seeds.c FORCE | fuzz-deps
	$(Q)clang $(filter-out -fsanitize=fuzzer%,$(FUZZ_FLAGS)) -fsanitize=address,undefined \
		$< common/hist.c -lm -o $@
build-fuzz/gen_import_seeds: tests/fuzz/gen_import_seeds.c FORCE | fuzz-deps
	$(Q)clang $(filter-out -fsanitize=fuzzer%,$(FUZZ_FLAGS)) -fsanitize=address,undefined \
		$< $(SRC_reports) $(SRC_common) -lm -lpthread $(CJSON_LIBS) -o $@
build-fuzz/seeds_%/.done: build-fuzz/gen_%_seeds
	@mkdir -p $(@D)
	$(Q)$< $(@D) && touch $@

$(FUZZ_TARGETS:%=fuzz-run-%): fuzz-run-%: fuzz-build
	@echo "  FUZZ    $* for $(FUZZ_SECONDS)s (log: build-fuzz/fuzz_$*.log)"
	@build-fuzz/fuzz_$* $(FUZZ_RUN) $(FUZZ_OPTS_$*) build-fuzz/corpus_$* $(FUZZ_SEEDS_$*) \
		>build-fuzz/fuzz_$*.log 2>&1; status=$$?; \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' build-fuzz/fuzz_$*.log); \
	cov=$$(grep -o 'cov: [0-9]*' build-fuzz/fuzz_$*.log | tail -n 1); \
	if [ $$status -eq 0 ]; then echo "  fuzz_$*: ok, $${runs:-?} inputs, $$cov"; else \
	tail -n 40 build-fuzz/fuzz_$*.log; echo "  fuzz_$*: FAILED (exit $$status), input saved" \
	"as build-fuzz/fuzz_$*-*"; exit 1; fi

# Every part's sources and headers (PARTS, so cli/ and console/ too) and the tests'. Both tools
# run even when the first complains, so one run shows every finding.
LINT_SRC := main.c $(foreach p,$(PARTS),$(SRC_$(p)) $(wildcard $(p)/*.h)) \
	$(wildcard tests/*.c tests/*.h tests/support/*.c tests/support/*.h tests/fuzz/*.c)
lint:
	@sh scripts/deps.sh clang-format cppcheck
	@status=0; \
	echo "clang-format --dry-run --Werror ($(words $(LINT_SRC)) files)"; \
	clang-format --dry-run --Werror $(LINT_SRC) || status=1; \
	echo "cppcheck ($(words $(LINT_SRC)) files)"; \
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--std=c11 -I. --suppress=missingIncludeSystem --inline-suppr $(LINT_SRC) || status=1; \
	exit $$status

# reports/prices_data.c embeds data/prices-*.json as C strings between its clang-format markers.
# It is committed, so a build needs no generator: run this after editing a price file
# (check_reports_tiers fails until the two agree).
.PHONY: prices-data
prices-data:
	@{ sed '/clang-format off/q' reports/prices_data.c; \
	for n in naver aws; do printf 'static const char %s_json[] =\n' $$n; \
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' data/prices-$$n.json; \
	printf '    ;\n'; done; sed -n '/clang-format on/,$$p' reports/prices_data.c; \
	} >reports/prices_data.c.new && mv reports/prices_data.c.new reports/prices_data.c

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tierbench
	mkdir -p $(DESTDIR)$(PREFIX)/share/tierbench
	cp -R public data $(DESTDIR)$(PREFIX)/share/tierbench/

clean:
	rm -rf build build-*

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
