// `agr test`: regression course suites (docs/suites.md). A suite file names its agreement and
// holds cases: a history, an optional evaluation date, and the output expected for it.
//
// Comparison: objects must have the same keys, except that "message" and "source" may be left
// out of an expectation (then they are not compared); arrays must match element by element.
// Text from a suite file (names, values) is printed through `printable`.
#include "suite.h"

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace agr::cli {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;
using simdjson::dom::element_type;

std::string show(const element& e) {
  std::string text = simdjson::minify(e);
  if (text.size() > 200) text = text.substr(0, 197) + "...";
  return printable(text);
}

// Returns "" when `actual` matches `expected`, else where and how they differ.
std::string difference(const element& expected, const element& actual, const std::string& path) {
  const std::string where = path.empty() ? "the result" : path;
  if (expected.type() != actual.type())
    return fmt::format("at {}: expected {}, got {}", where, show(expected), show(actual));
  switch (expected.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object want = expected.get_object().value_unsafe(), got = actual.get_object().value_unsafe();
      for (auto [key, value] : got) {
        element unused;
        if (want.at_key(key).get(unused) != simdjson::SUCCESS && key != "message" && key != "source")
          return fmt::format("at {}: unexpected \"{}\": {}", where, printable(key), show(value));
      }
      for (auto [key, value] : want) {
        element other;
        if (got.at_key(key).get(other) != simdjson::SUCCESS)
          return fmt::format("at {}: missing \"{}\" (expected {})", where, printable(key), show(value));
        std::string d = difference(value, other, path.empty() ? std::string(key) : path + "." + std::string(key));
        if (!d.empty()) return d;
      }
      return {};
    }
    case element_type::ARRAY: {
      simdjson::dom::array want = expected.get_array().value_unsafe(), got = actual.get_array().value_unsafe();
      if (want.size() != got.size())
        return fmt::format("at {}: expected {} elements, got {}: {}", where, want.size(), got.size(), show(actual));
      for (size_t i = 0; i < want.size(); ++i) {
        std::string d = difference(want.at(i).value_unsafe(), got.at(i).value_unsafe(), fmt::format("{}[{}]", path, i));
        if (!d.empty()) return d;
      }
      return {};
    }
    default:
      if (simdjson::minify(expected) != simdjson::minify(actual))
        return fmt::format("at {}: expected {}, got {}", where, show(expected), show(actual));
      return {};
  }
}

struct Tally {
  size_t passed = 0, failed = 0;
  bool unreadable = false;  // a suite file could not be read: exit 2, as for any failed input
};

class SuiteRunner {
 public:
  SuiteRunner(const SuiteOptions& options, Output& out) : options_(options), out_(out) {}

  void run_file(const fs::path& path, Tally& tally) {
    simdjson::padded_string text;
    if (simdjson::padded_string::load(path.string()).get(text) != simdjson::SUCCESS) {
      eprint("agr: cannot read {}: {}\n", printable(path.string()), std::strerror(errno));
      tally.unreadable = true;
      return;
    }
    simdjson::dom::parser parser;
    element doc;
    if (auto error = parser.parse(text).get(doc); error != simdjson::SUCCESS) {
      problem(tally, path, std::string("not valid JSON: ") + simdjson::error_message(error));
      return;
    }
    std::string_view agreement_ref;
    simdjson::dom::array cases;
    if (doc["agreement"].get(agreement_ref) != simdjson::SUCCESS || doc["cases"].get(cases) != simdjson::SUCCESS) {
      problem(tally, path, "a suite needs \"agreement\" (a path) and \"cases\" (an array)");
      return;
    }
    const fs::path agreement_path = (path.parent_path() / std::string(agreement_ref)).lexically_normal();
    Evaluator* evaluator = evaluator_for(agreement_path, tally, path);
    if (!evaluator) return;

    simdjson::dom::parser output_parser;
    size_t index = 0;
    for (element c : cases) {
      ++index;
      std::string_view name = "(unnamed)";
      if (c["name"].get(name) != simdjson::SUCCESS) name = "(unnamed)";
      element history, expect;
      if (c["history"].get(history) != simdjson::SUCCESS || c["expect"].get(expect) != simdjson::SUCCESS) {
        fail(tally, path, name, fmt::format("case {} needs \"history\" and \"expect\"", index), "");
        continue;
      }
      std::optional<Day> as_of;
      std::string_view as_of_text;
      if (c["as_of"].get(as_of_text) == simdjson::SUCCESS) {
        Day day;
        if (!parse_date(as_of_text, &day)) {
          fail(tally, path, name, fmt::format("\"as_of\" is not a date: {}", printable(as_of_text)), "");
          continue;
        }
        as_of = day;
      }
      std::string out;
      evaluator->evaluate_json_line(simdjson::minify(history), 1, as_of, &out);
      element actual;
      if (output_parser.parse(out).get(actual) != simdjson::SUCCESS) {
        fail(tally, path, name, "the runtime wrote invalid JSON", out);
        continue;
      }
      std::string d = difference(expect, actual, "");
      if (d.empty()) {
        ++tally.passed;
        if (options_.verbose) out_.print("PASS {}: {}\n", printable(path.string()), printable(name));
      } else {
        fail(tally, path, name, d, out);
      }
    }
  }

 private:
  Evaluator* evaluator_for(const fs::path& agreement_path, Tally& tally, const fs::path& suite) {
    const std::string key = agreement_path.string();
    if (auto it = evaluators_.find(key); it != evaluators_.end()) return it->second.get();
    std::string error;
    auto agreement = load_agreement(key, &error);  // printed to stdout: never coloured
    if (!agreement) {
      problem(tally, suite, "its agreement " + printable(key) + " does not load:\n" + error);
      evaluators_[key] = nullptr;
      return nullptr;
    }
    auto& slot = evaluators_[key];
    slot = std::make_unique<Evaluator>(agreement);
    return slot.get();
  }

  void problem(Tally& tally, const fs::path& path, const std::string& why) {
    ++tally.failed;
    out_.print("FAIL {}: {}\n", printable(path.string()), why);
  }

  void fail(Tally& tally, const fs::path& path, std::string_view name, const std::string& why, const std::string& out) {
    ++tally.failed;
    out_.print("FAIL {}: {}\n    {}\n", printable(path.string()), printable(name), why);
    if (!out.empty()) out_.print("    actual: {}\n", printable(std::string_view(out).substr(0, out.find_last_not_of('\n') + 1)));
  }

  const SuiteOptions& options_;
  Output& out_;
  std::map<std::string, std::unique_ptr<Evaluator>> evaluators_;
};

}  // namespace

int run_suites(const std::vector<fs::path>& files, const SuiteOptions& options, Output& out) {
  SuiteRunner runner(options, out);
  Tally tally;
  for (const auto& file : files) {
    runner.run_file(file, tally);
    out.flush_if_full();
    if (out.failed()) break;
  }
  out.print("{} passed, {} failed\n", tally.passed, tally.failed);
  return tally.unreadable ? kFailure : tally.failed ? kInputErrors : kOk;
}

}  // namespace agr::cli
