// `agr test PATH...`: run the regression course suites in the files and folders given (a folder:
// every *.suite.json under it, in name order). The options are declared here and handed to the
// runner (suite.cpp) in SuiteOptions; the reports are written here (suite_report.cpp,
// coverage.cpp).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "coverage.h"
#include "suite.h"

namespace agr::cli {
namespace {

namespace fs = std::filesystem;

struct TestOptions {
  std::vector<std::string> paths;
  bool verbose = false;
  std::string filter, junit, format = "text", coverage_json;
  bool coverage = false;
  std::optional<double> min_coverage;  // a percentage
  unsigned jobs = 0;                   // --jobs: threads running the cases; 0: one per core
};

// The suite files the paths name, or nullopt (said on stderr) when one does not exist.
std::optional<std::vector<fs::path>> suite_files(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::recursive_directory_iterator(path, ec))
        if (entry.is_regular_file() && entry.path().string().ends_with(".suite.json")) found.push_back(entry.path());
      if (ec) {
        eprint("agr: cannot read {}: {}\n", printable(path), ec.message());
        return std::nullopt;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.emplace_back(path);
    } else {
      eprint("agr: no such file or folder: {}\n", printable(path));
      return std::nullopt;
    }
  }
  if (files.empty()) {
    eprint("agr: no *.suite.json files in {}\n", printable(paths.front()));
    return std::nullopt;
  }
  return files;
}

bool write_report(const std::string& path, const std::string& text) {
  std::string error;
  if (write_file_atomically(path, text, &error)) return true;
  eprint("agr: {}\n", error);
  return false;
}

int test(const TestOptions& options, const CLI::App* command) {
  SuiteOptions suite;
  if (!options.filter.empty()) {
    try {
      suite.filter.emplace(options.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return usage_error(command, "--filter: not a regular expression: " + printable(options.filter) + " (" +
                                      e.what() + ")");
    }
  }
  suite.coverage = options.coverage || options.min_coverage || !options.coverage_json.empty();
  suite.jobs = options.jobs;
  const auto files = suite_files(options.paths);
  if (!files) return kFailure;

  std::vector<CoverageReport> coverage;
  const std::vector<SuiteResult> results = run_suites(*files, suite, &coverage);
  Output out = Output::standard();
  if (options.format == "json")
    out.write(json_report(results, suite.coverage ? coverage_json(coverage) : std::string()));
  else
    out.write(text_report(results, options.verbose) + (suite.coverage ? coverage_text(coverage) : std::string()));

  int status = kOk;
  for (const SuiteResult& s : results) {
    if (s.unreadable) {
      eprint("agr: cannot read {}\n", printable(s.file.string()));
      status = kFailure;
    } else if (s.failed()) {
      status = std::max(status, kInputErrors);
    }
  }
  // Below the threshold is a failure, named on stderr.
  for (const CoverageReport& r : coverage) {
    if (!options.min_coverage || r.percent() >= *options.min_coverage) continue;
    eprint("agr test: {} covers {:.1f} % of its sides, below --min-coverage {}\n", printable(r.agreement),
           r.percent(), *options.min_coverage);
    status = std::max(status, kInputErrors);
  }
  if (!options.junit.empty() && !write_report(options.junit, junit_report(results))) status = kFailure;
  if (!options.coverage_json.empty() && !write_report(options.coverage_json, coverage_json(coverage) + "\n"))
    status = kFailure;
  return out.finish(status);
}

}  // namespace

Command add_test_command(CLI::App& agr) {
  auto options = std::make_shared<TestOptions>();
  CLI::App* command = agr.add_subcommand("test", "run regression course suites (docs/suites.md)");
  command->footer(
      "Exit status: 0 every case passed (and coverage reached --min-coverage); 1 a case failed, a suite could not be "
      "used, or coverage fell below --min-coverage; 2 a usage error, a suite file that cannot be read, or a report "
      "that cannot be written.");
  command->add_option("PATH", options->paths, "a suite file (*.suite.json), or a folder of them")->required();
  command->add_flag("-v,--verbose", options->verbose, "a line for every passing case too, and failing cases' output");
  command->add_option("--filter", options->filter, "only the cases whose name this regular expression finds")
      ->type_name("REGEX");
  command->add_option("--junit", options->junit, "also write a JUnit XML report (one testcase per case) to FILE")
      ->type_name("FILE");
  command->add_option("--format", options->format, "the report on stdout: text for people, or one JSON document")
      ->type_name("text|json")
      ->check(one_of({"text", "json"}));
  command->add_flag("--coverage", options->coverage,
                    "also report, per clause of each rule, warning and due item, whether the suites made it hold "
                    "and fail");
  command->add_option("--coverage-json", options->coverage_json, "write the coverage report as JSON to FILE")
      ->type_name("FILE");
  command->add_option("--min-coverage", options->min_coverage,
                      "exit 1 when an agreement's coverage is below this percentage (implies --coverage)")
      ->type_name("PERCENT")
      ->check(CLI::Range(0.0, 100.0));
  add_jobs_option(command, &options->jobs,
                  "threads running the cases (default: one per core); the same reports, in the suites' order");
  return {command, [options, command] { return test(*options, command); }};
}

}  // namespace agr::cli
