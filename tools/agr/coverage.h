// `agr test --coverage`: what the suites made each clause of each rule, warning and due item do
// (docs/suites.md). The suites run on the traced VM (runtime/trace.h); a RunWatcher per agreement
// turns each run into clause outcomes (runtime/explain.h), added up here.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "agr/agr.h"
#include "explain.h"

namespace agr::cli {

// One side of a clause, or of a due item: something the suites should make happen at least once.
struct CoverageSide {
  std::string name;  // "holds", "fails", "applies", "does not apply", "computed", "listed", "not listed"
  size_t times = 0;  // how many runs made it happen
};

struct CoverageLine {
  std::string text;  // the clause as written; for a due item's own sides, "(the item)"
  uint32_t line = 0;
  std::vector<CoverageSide> sides;
  bool limit = false;  // a limit inside the clause above it (`count(0264) < 12` of an `or`)
};

struct CoverageEntry {
  std::string title;  // "LBP-6", "warning LBP-12", "due LBP-14 0268"
  uint32_t line = 0;
  size_t runs = 0;  // how many times the suites ran it: 0 when no case had an event it judges
  std::vector<CoverageLine> lines;
};

// The clause outcomes of every run of one agreement's functions, added up.
class CoverageTally {
 public:
  explicit CoverageTally(std::shared_ptr<const Agreement> agreement);
  TraceSink* sink() { return &watcher_; }
  // Adds what another tally of the same agreement counted (another thread's runs).
  void add(const CoverageTally& other);

  // The rules, warnings and due items in file order, each clause with its sides.
  std::vector<CoverageEntry> entries() const;
  const Agreement& agreement() const { return *agreement_; }

 private:
  struct FunctionCounts {
    std::vector<std::array<size_t, 5>> clauses;  // per clause, per ClauseOutcome
    std::vector<std::array<size_t, 2>> values;   // per noted value that is a limit: false, true
    size_t runs = 0, due = 0;
  };
  void count(const FunctionRun& run);

  std::shared_ptr<const Agreement> agreement_;
  RunWatcher watcher_;
  std::vector<FunctionCounts> functions_;
};

struct CoverageReport {
  std::string agreement;  // its path
  std::vector<CoverageEntry> entries;
  size_t sides = 0, covered = 0;
  double percent() const { return sides ? 100.0 * static_cast<double>(covered) / static_cast<double>(sides) : 100.0; }
};

CoverageReport coverage_report(const std::string& path, const CoverageTally& tally);
// For people: per agreement the share of sides covered, and a line per clause (✓ / ✗ per side).
std::string coverage_text(const std::vector<CoverageReport>& reports);
// For CI: {"agreements":[{"agreement":..,"sides":N,"covered":M,"percent":P,"entries":[{"title":..,
// "line":L,"clauses":[{"text":..,"line":L,"sides":[{"side":"holds","times":T},...]}]}]}]}
std::string coverage_json(const std::vector<CoverageReport>& reports);

}  // namespace agr::cli
