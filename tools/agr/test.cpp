// `agr test PATH...`: run the regression course suites in the files and folders given (a folder:
// every *.suite.json under it, in name order). The options are declared here and handed to the
// runner (suite.cpp) in SuiteOptions.
#include <algorithm>

#include "suite.h"

namespace agr::cli {
namespace {

namespace fs = std::filesystem;

struct TestOptions {
  std::vector<std::string> paths;
  SuiteOptions suite;
};

int test(const TestOptions& options) {
  std::vector<fs::path> files;
  for (const std::string& path : options.paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::recursive_directory_iterator(path, ec))
        if (entry.is_regular_file() && entry.path().string().ends_with(".suite.json")) found.push_back(entry.path());
      if (ec) {
        eprint("agr: cannot read {}: {}\n", printable(path), ec.message());
        return kFailure;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.emplace_back(path);
    } else {
      eprint("agr: no such file or folder: {}\n", printable(path));
      return kFailure;
    }
  }
  if (files.empty()) {
    eprint("agr: no *.suite.json files in {}\n", printable(options.paths.front()));
    return kFailure;
  }
  Output out = Output::standard();
  return out.finish(run_suites(files, options.suite, out));
}

}  // namespace

Command add_test_command(CLI::App& agr) {
  auto options = std::make_shared<TestOptions>();
  CLI::App* command = agr.add_subcommand("test", "run regression course suites (docs/suites.md)");
  command->footer(
      "Exit status: 0 every case passed; 1 a case failed; 2 a usage error, a suite file that cannot be read, or "
      "output that failed.");
  command->add_option("PATH", options->paths, "a suite file (*.suite.json), or a folder of them")->required();
  command->add_flag("-v,--verbose", options->suite.verbose, "a line for every passing case too");
  return {command, [options] { return test(*options); }};
}

}  // namespace agr::cli
