// `agr test`: regression course suites (docs/suites.md). A suite file names its agreement and
// holds cases: a history, an optional evaluation date, and the output expected for it.
//
// Comparison: objects must have the same keys, except that "message" and "source" may be left
// out of an expectation (then they are not compared); arrays must match element by element.
// Every difference is listed, status differences first.
#include "suite.h"

#include <simdjson.h>
#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "batch_run.h"  // worker_threads
#include "cli.h"
#include "coverage.h"
#include "diagnostics.h"     // closest_match
#include "scratch.h"
#include "trace.h"
#include "verdict_writer.h"  // append_json_string

namespace agr::cli {
namespace {

namespace fs = std::filesystem;
using simdjson::dom::element;
using simdjson::dom::element_type;

// ---- where a suite file's JSON breaks --------------------------------------------------------

// simdjson says that a document is malformed, not where. This scanner follows RFC 8259 to the first
// byte that cannot continue a JSON text, for the message only.
class JsonSyntax {
 public:
  explicit JsonSyntax(std::string_view text) : s_(text) {}

  // The offset of the first error and what was expected there; false when none is found.
  bool find_error(size_t* offset, std::string* what) {
    space();
    if (value(0)) {
      space();
      if (i_ >= s_.size()) return false;
      fail("the end of the file after the document");
    }
    *offset = error_at_;
    *what = error_;
    return true;
  }

 private:
  bool fail(const char* expected) {
    if (error_.empty()) {
      error_at_ = std::min(i_, s_.size());
      error_ = i_ >= s_.size() ? std::string("unexpected end of file; expected ") + expected
                               : std::string("expected ") + expected;
    }
    return false;
  }

  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return fail("a value");
    i_ += word.size();
    return true;
  }

  bool string() {
    ++i_;  // the opening quote
    while (i_ < s_.size()) {
      const unsigned char ch = static_cast<unsigned char>(s_[i_]);
      if (ch == '"') {
        ++i_;
        return true;
      }
      if (ch < 0x20) return fail("'\"' to close the string (a line break must be written \\n)");
      if (ch == '\\') {
        ++i_;
        if (i_ >= s_.size()) break;
        const char escaped = s_[i_];
        if (escaped == 'u') {
          for (int k = 1; k <= 4; ++k)
            if (i_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_ + k]))) {
              i_ += k;
              return fail("four hex digits after \\u");
            }
          i_ += 4;
        } else if (std::string_view("\"\\/bfnrt").find(escaped) == std::string_view::npos) {
          return fail("an escape (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u)");
        }
      }
      ++i_;
    }
    return fail("'\"' to close the string");
  }

  bool digits() {
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start || fail("a digit");
  }

  bool number() {
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.' && !(++i_, digits())) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }

  bool value(int depth) {
    if (depth > 1000) return fail("less nesting");
    if (i_ >= s_.size()) return fail("a value");
    switch (s_[i_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) return number();
        return fail("a value (an object, array, string, number, true, false or null)");
    }
  }

  // The elements of an object or an array, separated by commas, up to `close`.
  template <class Element>
  bool sequence(char close, const char* expected, Element element) {
    ++i_;  // the opening bracket
    space();
    if (i_ < s_.size() && s_[i_] == close) {
      ++i_;
      return true;
    }
    for (;;) {
      if (!element()) return false;
      space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        space();
      } else if (i_ < s_.size() && s_[i_] == close) {
        ++i_;
        return true;
      } else {
        return fail(expected);
      }
    }
  }

  bool object(int depth) {
    return sequence('}', "',' or '}'", [&] {
      if (i_ >= s_.size() || s_[i_] != '"') return fail("'\"' to begin a key");
      if (!string()) return false;
      space();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("':' after the key");
      ++i_;
      space();
      return value(depth + 1);
    });
  }

  bool array(int depth) {
    return sequence(']', "',' or ']'", [&] { return value(depth + 1); });
  }

  std::string_view s_;
  size_t i_ = 0;
  size_t error_at_ = 0;
  std::string error_;
};

// "line L, column C" of a byte offset (columns in characters, as editors count them).
std::string position(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

// ---- comparison ------------------------------------------------------------------------------

bool is_number(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

// A value as a difference shows it: minified, without the "message" and "source" that an
// expectation may leave out (what is left is what the author writes in the expectation).
std::string shown(const element& e) {
  switch (e.type()) {
    case element_type::OBJECT: {
      std::string out = "{";
      const simdjson::dom::object object = e.get_object().value_unsafe();
      for (auto [key, value] : object) {
        if (key == "message" || key == "source") continue;
        if (out.size() > 1) out += ',';
        std::string quoted;
        append_json_string(&quoted, key);
        out += quoted + ":" + shown(value);
      }
      return out + "}";
    }
    case element_type::ARRAY: {
      std::string out = "[";
      const simdjson::dom::array array = e.get_array().value_unsafe();
      for (element item : array) out += (out.size() > 1 ? "," : "") + shown(item);
      return out + "]";
    }
    default: return simdjson::minify(e);
  }
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Every difference between `expected` and `actual` under `path`, in document order.
void compare(const element& expected, const element& actual, const std::string& path, std::vector<Difference>& out) {
  using Kind = Difference::Kind;
  const element_type want_type = expected.type(), got_type = actual.type();
  const bool same_type = want_type == got_type || (is_number(want_type) && is_number(got_type));
  if (!same_type) {
    out.push_back({Kind::Value, path, shown(expected), shown(actual)});
    return;
  }
  switch (want_type) {
    case element_type::OBJECT: {
      simdjson::dom::object want = expected.get_object().value_unsafe(), got = actual.get_object().value_unsafe();
      // "status" before the other keys: it is what a reader wants to know first.
      std::vector<std::pair<std::string_view, element>> keys;
      for (auto [key, value] : want) keys.emplace_back(key, value);
      std::stable_partition(keys.begin(), keys.end(), [](const auto& k) { return k.first == "status"; });
      for (const auto& [key, value] : keys) {
        element other;
        if (got.at_key(key).get(other) != simdjson::SUCCESS) {
          out.push_back({Kind::Missing, join(path, key), shown(value), {}});
        } else {
          compare(value, other, join(path, key), out);
        }
      }
      for (auto [key, value] : got) {
        element unused;
        if (want.at_key(key).get(unused) != simdjson::SUCCESS && key != "message" && key != "source")
          out.push_back({Kind::Unexpected, join(path, key), {}, shown(value)});
      }
      return;
    }
    case element_type::ARRAY: {
      simdjson::dom::array want = expected.get_array().value_unsafe(), got = actual.get_array().value_unsafe();
      const size_t common = std::min(want.size(), got.size());
      if (want.size() != got.size())
        out.push_back({Kind::Length, path, std::to_string(want.size()), std::to_string(got.size())});
      for (size_t i = 0; i < common; ++i)
        compare(want.at(i).value_unsafe(), got.at(i).value_unsafe(), fmt::format("{}[{}]", path, i), out);
      for (size_t i = common; i < want.size(); ++i)
        out.push_back({Kind::Missing, fmt::format("{}[{}]", path, i), shown(want.at(i).value_unsafe()), {}});
      for (size_t i = common; i < got.size(); ++i)
        out.push_back({Kind::Unexpected, fmt::format("{}[{}]", path, i), {}, shown(got.at(i).value_unsafe())});
      return;
    }
    default:
      if (shown(expected) != shown(actual))
        out.push_back({Kind::Value, path, shown(expected), shown(actual)});
      return;
  }
}

std::vector<Difference> differences(const element& expected, const element& actual) {
  std::vector<Difference> out;
  compare(expected, actual, "", out);
  std::stable_partition(out.begin(), out.end(), [](const Difference& d) {
    return d.path == "status" || (d.path.size() > 7 && d.path.compare(d.path.size() - 7, 7, ".status") == 0);
  });
  return out;
}

// ---- the runner ------------------------------------------------------------------------------

// Keys that are not in `known`, each with a suggestion when one is close.
std::string unknown_keys(const simdjson::dom::object& object, const std::vector<std::string>& known,
                         const std::string& where) {
  std::string out;
  for (auto [key, value] : object) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string near = closest_match(key, known);
    out += fmt::format("{}{}: unknown key \"{}\"{}", out.empty() ? "" : "; ", where, key,
                       near.empty() ? "" : "; did you mean \"" + near + "\"?");
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- reading the suites (on the calling thread) ---------------------------------------------------

// An agreement the suites name, loaded once per run however many suites name it.
struct Loaded {
  std::string path;
  std::shared_ptr<const Agreement> agreement;
  std::shared_ptr<const AgreementSet> set;  // of the agreement alone
  std::string error;
  size_t ordinal = 0;  // its place in the order first loaded
};

// A case to run: its object in its suite's document, its agreement, and where its result goes.
struct PendingCase {
  simdjson::dom::object object;
  const Loaded* agreement;
  SuiteResult* suite;
  size_t result;  // its index in suite->cases
};

// Reads suite files one after the other: each file's problems and malformed cases go into its
// result, the cases to run into a list, and the agreements are loaded in the order first needed.
// (Agreements are compiled on this one thread: the ANTLR C++ runtime Debian ships, 4.9, has data
// races between parsers on different threads, antlr/antlr4#3332, mended in 4.10.) The documents
// are kept until the cases have run.
class SuiteReader {
 public:
  explicit SuiteReader(const SuiteOptions& options) : options_(options) {}

  void read(SuiteResult& suite, std::vector<PendingCase>* pending) {
    const auto start = std::chrono::steady_clock::now();
    read_cases(suite, pending);
    suite.seconds = seconds_since(start);  // the cases' own seconds are added once they ran
  }

  const std::vector<const Loaded*>& agreements() const { return order_; }

 private:
  struct Document {
    simdjson::padded_string text;
    simdjson::dom::parser parser;
  };

  void read_cases(SuiteResult& suite, std::vector<PendingCase>* pending) {
    Document& d = *documents_.emplace_back(std::make_unique<Document>());
    if (simdjson::padded_string::load(suite.file.string()).get(d.text) != simdjson::SUCCESS) {
      suite.problem = std::string("cannot read the file: ") + std::strerror(errno);
      suite.unreadable = true;
      return;
    }
    element doc;
    if (auto error = d.parser.parse(d.text).get(doc); error != simdjson::SUCCESS) {
      const std::string_view view(d.text.data(), d.text.size());
      size_t offset = 0;
      std::string what;
      suite.problem = JsonSyntax(view).find_error(&offset, &what)
                          ? fmt::format("not valid JSON: {}: {}", position(view, offset), what)
                          : std::string("not valid JSON: ") + simdjson::error_message(error);
      return;
    }
    simdjson::dom::object top;
    std::string_view agreement_ref;
    simdjson::dom::array cases;
    if (doc.get(top) != simdjson::SUCCESS || top["agreement"].get(agreement_ref) != simdjson::SUCCESS ||
        top["cases"].get(cases) != simdjson::SUCCESS) {
      suite.problem = "a suite needs \"agreement\" (a path) and \"cases\" (an array)";
      return;
    }
    if (std::string unknown = unknown_keys(top, {"agreement", "cases"}, "the suite"); !unknown.empty()) {
      suite.problem = unknown;
      return;
    }
    suite.agreement = (suite.file.parent_path() / std::string(agreement_ref)).lexically_normal().string();

    const Loaded* loaded = nullptr;
    size_t index = 0;
    for (element c : cases) {
      ++index;
      CaseResult result;
      result.index = index;
      result.name = "(unnamed)";
      simdjson::dom::object object;
      if (c.get(object) != simdjson::SUCCESS) {
        result.problem = fmt::format("case {} is not an object", index);
      } else if (object["name"].error() == simdjson::SUCCESS) {
        std::string_view name;
        if (object["name"].get(name) == simdjson::SUCCESS)
          result.name = std::string(name);
        else
          result.problem = fmt::format("case {}: \"name\" is not a string", index);
      }
      if (options_.filter && !std::regex_search(result.name, *options_.filter)) {
        ++suite.filtered_out;
        continue;
      }
      if (result.problem.empty() && !loaded) {
        loaded = load(suite.agreement, &suite.problem);
        if (!loaded) {
          suite.cases.clear();
          return;
        }
      }
      if (result.problem.empty()) pending->push_back({object, loaded, &suite, suite.cases.size()});
      suite.cases.push_back(std::move(result));
    }
  }

  const Loaded* load(const std::string& path, std::string* problem) {
    auto [it, inserted] = loaded_.try_emplace(path);
    Loaded& l = it->second;
    if (inserted) {
      l.path = path;
      if ((l.agreement = load_agreement(path, &l.error))) {
        l.set = AgreementSet::of(l.agreement);
        l.ordinal = order_.size();
        order_.push_back(&l);
      }
    }
    if (!l.agreement) {
      *problem = "its agreement " + path + " does not load:\n" + l.error;
      while (!problem->empty() && problem->back() == '\n') problem->pop_back();
      return nullptr;
    }
    return &l;
  }

  const SuiteOptions& options_;
  std::vector<std::unique_ptr<Document>> documents_;
  std::map<std::string, Loaded> loaded_;
  std::vector<const Loaded*> order_;  // the agreements that loaded, in the order first loaded
};

// ---- running the cases (on each worker thread) ----------------------------------------------------

// Runs cases with state of its own: one per thread. With --coverage it adds up what each clause
// did, per agreement; the runners' tallies are added together at the end.
class CaseRunner {
 public:
  CaseRunner(const SuiteOptions& options, size_t agreements) : options_(options), locals_(agreements) {}

  void run(const PendingCase& c) {
    Local& local = locals_[c.agreement->ordinal];
    if (!local.scratch) {
      local.scratch = std::make_unique<Evaluator::Scratch>();
      if (options_.coverage) local.coverage = std::make_unique<CoverageTally>(c.agreement->agreement);
    }
    CaseResult& result = c.suite->cases[c.result];
    const auto start = std::chrono::steady_clock::now();
    run_case(c.object, *c.agreement->set, local, result);
    result.seconds = seconds_since(start);
  }

  // What the cases this runner ran did to an agreement's clauses; null when it ran none of them.
  const CoverageTally* coverage(size_t ordinal) const { return locals_[ordinal].coverage.get(); }

 private:
  struct Local {  // per agreement
    std::unique_ptr<Evaluator::Scratch> scratch;
    std::unique_ptr<CoverageTally> coverage;  // with --coverage
  };

  void run_case(const simdjson::dom::object& c, const AgreementSet& set, Local& local, CaseResult& result) {
    const std::string where = fmt::format("case {}", result.index);
    if (std::string unknown = unknown_keys(c, {"name", "as_of", "history", "expect"}, where); !unknown.empty()) {
      result.problem = unknown;
      return;
    }
    element history, expect;
    if (c["history"].get(history) != simdjson::SUCCESS || c["expect"].get(expect) != simdjson::SUCCESS) {
      result.problem = where + " needs \"history\" and \"expect\"";
      return;
    }
    std::optional<Day> as_of;
    if (c["as_of"].error() == simdjson::SUCCESS) {
      std::string_view text;
      Day day;
      if (c["as_of"].get(text) != simdjson::SUCCESS || !parse_date(text, &day)) {
        result.problem = fmt::format("{}: \"as_of\" is not a date YYYY-MM-DD: {}", where, simdjson::minify(c["as_of"]));
        return;
      }
      as_of = day;
    }
    const std::string line = simdjson::minify(history);
    if (local.coverage) {
      TraceScope watched(local.coverage->sink());
      judge_json_line(set, *local.scratch, line, false, 1, as_of, &result.actual, Judging::Traced);
    } else {
      judge_json_line(set, *local.scratch, line, false, 1, as_of, &result.actual);
    }
    element actual;
    if (output_parser_.parse(result.actual).get(actual) != simdjson::SUCCESS) {
      result.problem = "the runtime wrote invalid JSON";
      return;
    }
    result.differences = differences(expect, actual);
    if (!result.actual.empty() && result.actual.back() == '\n') result.actual.pop_back();
  }

  const SuiteOptions& options_;
  std::vector<Local> locals_;  // by Loaded::ordinal
  simdjson::dom::parser output_parser_;
};

// Runs every pending case on `threads` threads, each with its runner; a case is claimed by the
// next thread free, and its result goes to its own place, so the order of the results is the
// suites' whatever the threads did. An exception on a thread is thrown again here.
std::vector<std::unique_ptr<CaseRunner>> run_cases(const std::vector<PendingCase>& pending, unsigned threads,
                                                    const SuiteOptions& options, size_t agreements) {
  std::vector<std::unique_ptr<CaseRunner>> runners;
  for (unsigned t = 0; t < threads; ++t) runners.push_back(std::make_unique<CaseRunner>(options, agreements));
  std::atomic<size_t> next{0};
  auto work = [&](CaseRunner& runner) {
    for (size_t i; (i = next.fetch_add(1)) < pending.size();) runner.run(pending[i]);
  };
  if (threads == 1) {
    work(*runners.front());
    return runners;
  }
  std::mutex mutex;
  std::exception_ptr failure;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        work(*runners[t]);
      } catch (...) {
        next = pending.size();  // the others stop at their next case
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  for (std::thread& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
  return runners;
}

}  // namespace

std::string Difference::text() const {
  const std::string where = path.empty() ? "the result" : path;
  switch (kind) {
    case Kind::Value: return fmt::format("{}: expected {}, got {}", where, expected, actual);
    case Kind::Missing: return fmt::format("{}: missing; expected {}", where, expected);
    case Kind::Unexpected: return fmt::format("{}: unexpected {}", where, actual);
    case Kind::Length:
      return fmt::format("{}: expected {} element{}, got {}", where, expected, expected == "1" ? "" : "s", actual);
  }
  return where;
}

std::string Difference::pattern() const {
  Difference general = *this;
  general.path.clear();
  for (size_t i = 0; i < path.size(); ++i) {
    general.path += path[i];
    if (path[i] != '[') continue;
    size_t j = i + 1;
    while (j < path.size() && path[j] >= '0' && path[j] <= '9') ++j;
    if (j > i + 1 && j < path.size() && path[j] == ']') {
      general.path += '*';
      i = j - 1;
    }
  }
  return general.text();
}

size_t SuiteResult::failed() const {
  if (!problem.empty()) return 1;
  return static_cast<size_t>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return !c.passed(); }));
}

std::vector<SuiteResult> run_suites(const std::vector<fs::path>& files, const SuiteOptions& options,
                                    std::vector<CoverageReport>* coverage) {
  std::vector<SuiteResult> results(files.size());
  std::vector<PendingCase> pending;
  SuiteReader reader(options);
  for (size_t i = 0; i < files.size(); ++i) {
    results[i].file = files[i];
    reader.read(results[i], &pending);
  }
  // No more threads than cases: a short run starts none it does not need.
  const unsigned threads = static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(worker_threads(options.jobs), pending.size())));
  const auto runners = run_cases(pending, threads, options, reader.agreements().size());
  for (SuiteResult& suite : results)
    for (const CaseResult& c : suite.cases) suite.seconds += c.seconds;
  if (!coverage) return results;
  coverage->clear();
  if (options.coverage) {
    for (const Loaded* l : reader.agreements()) {
      CoverageTally total(l->agreement);
      for (const auto& runner : runners)
        if (const CoverageTally* part = runner->coverage(l->ordinal)) total.add(*part);
      coverage->push_back(coverage_report(l->path, total));
    }
  }
  return results;
}

}  // namespace agr::cli
