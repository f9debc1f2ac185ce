// The regression course suites' runner (docs/suites.md), behind `agr test` (test.cpp): suite.cpp
// runs the cases and compares; the reports (text for people, JUnit XML and JSON for CI) are in
// suite_report.cpp, coverage in coverage.h.
#pragma once

#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "cli.h"

namespace agr::cli {

// One place where the output differs from the expectation.
struct Difference {
  enum class Kind { Value, Missing, Unexpected, Length };
  Kind kind = Kind::Value;
  std::string path;      // into the verdict: `events[3].status`; "" for the whole line
  std::string expected;  // minified JSON (Value, Missing; Length: the expected count)
  std::string actual;    // minified JSON (Value, Unexpected; Length: the actual count)

  // `events[3].status: expected "rejected", got "accepted"`, on one line.
  std::string text() const;
  // The same with every array index written `[*]`: failures alike in kind read as one group.
  std::string pattern() const;
};

struct CaseResult {
  std::string name;                     // "(unnamed)" when the case has none
  size_t index = 0;                     // 1-based, in its suite
  std::vector<Difference> differences;  // empty when it passed (and ran)
  std::string problem;                  // why the case could not run (a malformed case); "" if it ran
  std::string actual;                   // the output line, when it ran
  double seconds = 0;

  bool passed() const { return problem.empty() && differences.empty(); }
};

struct SuiteResult {
  std::filesystem::path file;
  std::string agreement;  // the agreement's path as resolved
  std::string problem;    // why no case ran (bad JSON, unknown keys, agreement does not load)
  bool unreadable = false;  // the file itself could not be read: exit 2, as for any failed input
  std::vector<CaseResult> cases;
  size_t filtered_out = 0;  // cases --filter left out
  double seconds = 0;

  size_t failed() const;
};

// What `agr test` asks of the runner; test.cpp fills it from the command line.
struct SuiteOptions {
  std::optional<std::regex> filter;  // on case names (std::regex_search)
  bool coverage = false;             // run on the traced VM and add up what each clause did
  unsigned jobs = 0;                 // threads running the cases; 0: one per core
};

struct CoverageReport;

// Runs every suite file. The files are read, and their agreements loaded, in order on this
// thread; the cases then run on options.jobs threads, each result in its place: the results,
// and so the reports, are the same whatever the number of threads (but for the seconds taken).
// Every problem is in the results. With options.coverage, *coverage gets a report per agreement
// that loaded, in the order first loaded, adding up what every thread's runs did.
std::vector<SuiteResult> run_suites(const std::vector<std::filesystem::path>& files, const SuiteOptions& options,
                                    std::vector<CoverageReport>* coverage = nullptr);

// The reports. Text: a FAIL block per failing case with every difference, a summary of failures
// grouped by their first difference, and `N passed, M failed`. JUnit: one <testsuite> per suite
// file, one <testcase> per case (classname: the suite file). JSON: one document with everything.
std::string text_report(const std::vector<SuiteResult>& results, bool verbose);
std::string junit_report(const std::vector<SuiteResult>& results);
// `coverage`, when not empty, is a JSON value added as the member "coverage".
std::string json_report(const std::vector<SuiteResult>& results, const std::string& coverage = {});

}  // namespace agr::cli
