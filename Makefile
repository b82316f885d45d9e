# nfg — network functions as dataflow graphs on DPDK.
#
#   make            build build/nfg, build/libnfg.a and the example plugins
#   make run        install what is missing, build, run the default graph
#   make test       install what is missing, build, run every test
#   make check      the static checks alone (layers, the API reference), in seconds
#   make bench      run the benchmarks (each next to a baseline of the same run)
#   make bench-quick  the packet benchmarks only, one short run (under a minute)
#   make deps       install missing Debian packages (as root)
#   make install PREFIX=/usr/local
#   SANITIZE=1      build with ASan + UBSan (into build-san/)
#   make fuzz       libFuzzer harnesses (test/fuzz/), FUZZ_SECONDS each (into build-fuzz/)

PREFIX   ?= /usr/local
VERSION  := 0.1.0
SANITIZE ?= 0

ifeq ($(SANITIZE),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),fuzz)
# libFuzzer (clang): everything instrumented for coverage, ASan + UBSan on.
# clang, unlike gcc, warns about tables that leave trailing fields of their
# rows to zero ({ "sent", NFG_CTR_OUT } without a doc): that is on purpose.
BUILD    ?= build-fuzz
CC       := clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined -Wno-unknown-warning-option \
            -Wno-missing-field-initializers -DNFG_FUZZ
else
BUILD    ?= build
SANFLAGS :=
endif

CC       ?= gcc
PKGS     := libdpdk jansson
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wno-format-truncation -fPIC \
            -D_GNU_SOURCE -DALLOW_EXPERIMENTAL_API -DNFG_VERSION='"$(VERSION)"' -Iinclude \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SANFLAGS)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lrte_net_ring -ldl -lpthread -lm
LDFLAGS  += $(SANFLAGS)

LIB_SRCS := $(wildcard graph/*.c) $(filter-out runtime/main.c,$(wildcard runtime/*.c)) \
            $(wildcard operators/*.c) $(wildcard nf/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
PLUGINS  := $(patsubst plugins/%/,$(BUILD)/plugins/libnfg_%.so,$(wildcard plugins/*/))
UNIT_SRCS := $(wildcard test/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)

# Built-in operators register from constructors, so the whole archive links.
WHOLE    = -Wl,--whole-archive $(BUILD)/libnfg.a -Wl,--no-whole-archive

# prometheus is there for promtool (the metrics test checks the endpoint's
# format with it; nfg needs no Prometheus server), tmux for the nfg top test.
DEB_PACKAGES := gcc make pkg-config libdpdk-dev dpdk dpdk-dev libjansson-dev check \
                iproute2 ethtool iputils-ping curl nginx-light wrk iperf3 tshark \
                haproxy socat graphviz python3 procps gnuplot-nox clang libclang-rt-14-dev \
                valgrind prometheus tmux redis-tools redis-server

.PHONY: all deps run test check unit integration bench bench-quick install clean fuzz fuzzers \
        valgrind
all: $(BUILD)/nfg $(PLUGINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libnfg.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The binary exports the plugin API and nothing else: the symbols the public
# headers declare (tools/exports.py), so a plugin cannot reach an internal
# function and fails to load, naming it, if it tries.
$(BUILD)/nfg.dynlist: include/nfg/*.h tools/exports.py
	@mkdir -p $(dir $@)
	python3 tools/exports.py include/nfg/*.h >$@

$(BUILD)/nfg: $(BUILD)/obj/runtime/main.o $(BUILD)/libnfg.a $(BUILD)/nfg.dynlist
	$(CC) $(LDFLAGS) -Wl,--dynamic-list=$(BUILD)/nfg.dynlist -o $@ $< $(WHOLE) $(LDLIBS)

$(BUILD)/plugins/libnfg_%.so: plugins/%/*.c include/nfg/*.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $(filter %.c,$^)

# The baseline takes the bench graphs' filters from nfg's own loader.
$(BUILD)/bench/bare_loop: bench/bare_loop.c $(BUILD)/libnfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(WHOLE) $(LDLIBS)

# How far apart two CPUs are, printed beside the rows that cross between them.
$(BUILD)/bench/core_pingpong: bench/core_pingpong.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $< -lpthread

FUZZERS := $(patsubst test/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/%: $(BUILD)/obj/test/fuzz/%.o $(BUILD)/obj/test/unit/harness.o $(BUILD)/libnfg.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -rdynamic -o $@ $< $(BUILD)/obj/test/unit/harness.o \
	      $(WHOLE) $(LDLIBS) $(shell pkg-config --libs check)

fuzzers: $(FUZZERS)

# Each fuzzer for FUZZ_SECONDS from its seeds (and the shipped graphs for the
# loader); a crash stops with the input saved in $(BUILD)/fuzz/.
fuzz:
	$(MAKE) SANITIZE=fuzz -j$$(nproc) fuzzers
	BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) test/fuzz/run.sh

$(BUILD)/unit_tests: $(UNIT_OBJS) $(BUILD)/libnfg.a
	$(CC) $(LDFLAGS) -rdynamic -o $@ $(UNIT_OBJS) $(WHOLE) $(LDLIBS) \
	      $(shell pkg-config --libs check)

# Debian starts the daemons it installs (nginx on port 80, haproxy, a
# Prometheus server on 9090); the tests need only their programs, so while
# make deps installs, policy-rc.d (Debian's switch for this) says no.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make deps: missing Debian packages:" $$missing "(run make deps as root)"; exit 1; \
	  fi; \
	  echo "make deps: installing" $$missing "(services they bring are not started)"; \
	  own_policy=; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && \
	    own_policy=1; \
	  fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $$missing; rc=$$?; \
	  if [ -n "$$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	  exit $$rc; \
	fi

run: deps
	$(MAKE) all
	$(BUILD)/nfg run nftraffic

unit: $(BUILD)/unit_tests all
	CK_DEFAULT_TIMEOUT=60 $(BUILD)/unit_tests

# The unit tests under memcheck: no invalid access, no use of undefined
# values, no definite leak (DPDK's never-joined control threads are only
# "possibly lost"). Over 15 minutes: the TCP suites are slow under memcheck.
valgrind: deps
	$(MAKE) -j$$(nproc) all $(BUILD)/unit_tests
	NFG_TEST_SLOW=1 CK_DEFAULT_TIMEOUT=600 valgrind -q --error-exitcode=9 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --suppressions=test/unit/valgrind.supp $(BUILD)/unit_tests

integration: all
	BUILD=$(BUILD) test/integration/run_all.sh

# Facts about the source that no test run would notice going wrong: no file
# includes another layer's private header (tools/check_layers.py), and the
# README's plugin API reference lists exactly what the binary exports
# (tools/check_api_doc.sh).
check: $(BUILD)/nfg
	python3 tools/check_layers.py
	tools/check_api_doc.sh $(BUILD)/nfg README.md

test: deps
	$(MAKE) -j$$(nproc) all $(BUILD)/unit_tests
	$(MAKE) check unit integration

bench: deps
	$(MAKE) -j$$(nproc) all $(BUILD)/bench/bare_loop $(BUILD)/bench/core_pingpong
	BUILD=$(BUILD) bench/run_all.sh

bench-quick: deps
	$(MAKE) -j$$(nproc) all $(BUILD)/bench/bare_loop $(BUILD)/bench/core_pingpong
	QUICK=1 BUILD=$(BUILD) bench/run_all.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/nfg \
	           $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/nfg/plugins \
	           $(DESTDIR)$(PREFIX)/share/nfg/configs
	install -m 755 $(BUILD)/nfg $(DESTDIR)$(PREFIX)/bin/nfg
	install -m 644 include/nfg/*.h $(DESTDIR)$(PREFIX)/include/nfg/
	install -m 644 configs/*.json $(DESTDIR)$(PREFIX)/share/nfg/configs/
	for p in $(PLUGINS); do install -m 755 $$p $(DESTDIR)$(PREFIX)/lib/nfg/plugins/; done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' nfg.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/nfg.pc

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(BUILD)/obj/runtime/main.d
