# dyson — build, run, test, benchmark.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   make run     install what is missing, build (release) and start dyson
#   make test    install what is missing, then build and run the test suite
#   make bench          both benchmarks below (needs python3 + numpy)
#   make bench-linalg   Linalg against numpy, side by side
#   make bench-learning the trainer against a vectorised numpy implementation
#   make bench-scaling  every analysis and export at two sizes (ratio ≈ 2: linear), CSV vs numpy savetxt
#   make bench-notes    replay every note in sessions/, time now beside time recorded

SWIFT      ?= swift
DEB_PKGS   := libopenblas-dev libreadline-dev zlib1g-dev
# The tests also drive the real REPL in a terminal multiplexer, and validate
# converted notebooks with Jupyter's nbformat.
TEST_PKGS  := $(DEB_PKGS) tmux python3-nbformat
# Tests run optimised: the physics checks train real ensembles.
TEST_FLAGS := -c release -Xswiftc -enable-testing

.PHONY: run test deps build bench bench-linalg bench-learning bench-scaling bench-notes clean

deps:
	@./scripts/install-deps $(DEB_PKGS)

build: deps
	$(SWIFT) build -c release --product dyson

run: build
	./.build/release/dyson

# The live Slurm tests run on a one-node Slurm that scripts/with-slurm installs
# and starts around the suite (and stops after); where it cannot, they skip.
test:
	@./scripts/install-deps $(TEST_PKGS)
	./scripts/with-slurm $(SWIFT) test $(TEST_FLAGS)

bench-linalg: deps
	$(SWIFT) build -c release --product LinalgBench
	python3 bench/run-linalg.py

bench-learning: deps
	$(SWIFT) build -c release --product LearningBench
	python3 bench/run-learning.py

bench-scaling: deps
	$(SWIFT) build -c release --product ScalingBench
	python3 bench/run-scaling.py

bench-notes: build
	./scripts/bench-notes

bench: bench-linalg bench-learning bench-scaling

clean:
	rm -rf .build
