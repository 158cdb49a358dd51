# The README's two commands: "make setup demo" and "make test".
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 15

.PHONY: all setup build tools demo test suite sanitize fuzz bench clean

all: build

setup:
	./scripts/setup-debian.sh

# The project's own builds treat warnings as errors (KILN_WERROR); a
# plain "cmake -S . -B build" does not.
CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DKILN_WERROR=ON >/dev/null

build:
	$(CONFIGURE)
	cmake --build $(BUILD) -j$(JOBS)

# The two programs only: the demo needs no test binaries, and "make test"
# builds the rest.
tools:
	$(CONFIGURE)
	cmake --build $(BUILD) -j$(JOBS) --target kiln_cli kiln_certinfo

demo: tools
	./scripts/demo.sh

# The suite, then the suite again under ASan and UBSan, then every fuzz
# target for FUZZ_SECONDS: all three are what CI runs.
test: suite sanitize fuzz

suite: setup build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

sanitize: setup
	./scripts/sanitize.sh

fuzz: setup
	./scripts/fuzz.sh $(FUZZ_SECONDS)

# kiln against cfssl, openssl and easy-rsa (BENCHMARKS.md); the tables go
# to the standard output.  RUNS, SCENARIOS, MEMBERS, FILES and CHECK_FILES
# pass through the environment.
bench: setup build
	BIN=$(BUILD) ./bench/run.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-matrix out
