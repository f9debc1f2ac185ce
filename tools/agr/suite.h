// The regression course suites' runner (docs/suites.md), behind `agr test` (test.cpp).
#pragma once

#include <filesystem>
#include <vector>

#include "cli.h"

namespace agr::cli {

// What `agr test` asks of the runner; test.cpp fills it from the command line.
struct SuiteOptions {
  bool verbose = false;  // a PASS line per case, not only the failures
};

// Runs every case of every suite file, printing a FAIL line per failing case (and a PASS line per
// passing one with `verbose`) and the tally to `out`. Returns 0 when every case passed, 1 when one
// failed, 2 when a suite file could not be read.
int run_suites(const std::vector<std::filesystem::path>& files, const SuiteOptions& options, Output& out);

}  // namespace agr::cli
