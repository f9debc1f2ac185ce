#!/usr/bin/env bash
# Builds agr (after ./setup.sh has installed its packages) and runs every test: the Catch2 unit
# tests, `agr check` of every bundled agreement and `agr test` of every regression suite (with
# JUnit and coverage reports under build/tests/junit and build/tests/coverage, and
# --min-coverage 100), all registered with CTest.
set -euo pipefail
cd "$(dirname "$0")"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)"
