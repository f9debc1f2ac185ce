// The differential test: every execution tier must give byte-for-byte the same output as the
// reference evaluator, on every bundled suite's histories and on thousands of generated histories
// per agreement (fixed seeds).
//
//   agr_differential [--histories N] [--seed S] AGREEMENTS_DIR... SUITES_DIR
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "calendar.h"
#include "driver.h"
#include "evaluate.h"
#include "history_reader.h"
#include "reference.h"
#include "scratch.h"
#include "trace.h"
#include "verdict_writer.h"
#ifdef AGR_HAVE_JIT
#include "jit.h"
#endif

namespace fs = std::filesystem;
using namespace agr;

namespace {

struct Input {
  std::string line;
  std::optional<Day> as_of;
};

// A deterministic generator of valid-looking histories over an agreement's own codes, flags and
// facts (dates near the ages its rules test, codes from its code lists and beside them), with some
// unknown codes, same-day events, shuffled input order, events on both sides of its price levels,
// a few bad facts and a few dates at the end of the calendar mixed in.
class HistoryGenerator {
 public:
  HistoryGenerator(const Program& p, uint64_t seed) : p_(p), rng_(seed) {}

  Input next(size_t n) {
    std::string line = "{\"id\":\"g-" + std::to_string(n) + "\"";
    Day date = (chance(2) ? kFarBase : kFirstBase) + static_cast<Day>(pick(400));
    if (chance(90)) line += ",\"referral_date\":\"" + format_date(date - static_cast<Day>(pick(20))) + "\"";
    if (chance(30)) line += ",\"clinic\":\"K1\"";
    if (!p_.facts.empty() || chance(2)) line += ",\"facts\":{" + facts(date) + "}";
    line += ",\"events\":[";
    const size_t count = pick(41);
    const int flag_percent = chance(50) ? 8 : 30;  // some histories given largely by video
    std::vector<std::string> events;
    for (size_t i = 0; i < count; ++i) {
      if (!chance(30)) date += static_cast<Day>(pick(12));
      std::string code = chance(5) ? "9999" : p_.services[pick(p_.services.size())].code;
      std::string e = "{\"id\":\"e" + std::to_string(i + 1) + "\",\"date\":\"" + format_date(date) +
                      "\",\"code\":\"" + code + "\"";
      if (chance(10)) e += std::string(",\"clinic\":\"") + (chance(50) ? "K1" : "K2") + "\"";
      std::string flags;
      for (const std::string& flag : p_.flags)
        if (chance(flag_percent)) flags += (flags.empty() ? "\"" : ",\"") + flag + "\"";
      if (!flags.empty()) e += ",\"flags\":[" + flags + "]";
      events.push_back(e + "}");
    }
    for (size_t i = 1; i < events.size(); ++i)
      if (chance(10)) std::swap(events[i - 1], events[i]);
    for (size_t i = 0; i < events.size(); ++i) line += (i ? "," : "") + events[i];
    line += "]}";
    Input input{line, std::nullopt};
    if (chance(20)) input.as_of = date + static_cast<Day>(pick(400));
    return input;
  }

 private:
  static constexpr Day kFirstBase = days_from_civil(2025, 6, 1);
  static constexpr Day kFarBase = days_from_civil(9998, 11, 1);
  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  // The agreement's facts: each required one, and most optional ones, of its type; now and then a
  // value of the wrong type, a fact left out, or one the agreement does not declare.
  std::string facts(Day first_event) {
    std::string out;
    auto add = [&](const std::string& name, const std::string& value) {
      out += (out.empty() ? "\"" : ",\"") + name + "\":" + value;
    };
    for (const Fact& fact : p_.facts) {
      if (chance(fact.required ? 1 : 30)) continue;
      if (chance(1)) {
        add(fact.name, chance(50) ? "12" : "\"x y\"");
        continue;
      }
      switch (fact.type) {
        case FactType::Date: {
          // Around the ages 16, 18 and 65 on the history's dates, and a 29 February now and then.
          const int years = chance(50) ? 16 + 2 * static_cast<int>(pick(2)) : static_cast<int>(pick(90));
          Day born = first_event - static_cast<Day>(years * 365 + pick(500)) + 250;
          if (chance(10)) born = days_from_civil(2008, 2, 29);
          add(fact.name, "\"" + format_date(born) + "\"");
          break;
        }
        case FactType::Integer: add(fact.name, std::to_string(static_cast<int64_t>(pick(8)) - 2)); break;
        case FactType::Boolean: add(fact.name, chance(50) ? "true" : "false"); break;
        case FactType::Code:
        case FactType::String: add(fact.name, "\"" + code() + "\""); break;
      }
    }
    if (chance(2)) add("undeclared", "\"1\"");
    return out;
  }

  // A code from the agreement's code lists, one of their prefixes with something after it, one
  // beside them, or a code of its own.
  std::string code() {
    std::vector<std::string> known;
    for (const TextPatterns& list : p_.text_patterns) {
      known.insert(known.end(), list.exact.begin(), list.exact.end());
      for (const std::string& prefix : list.prefixes) {
        known.push_back(prefix + std::to_string(pick(10)));
        known.push_back(prefix);
        if (!prefix.empty()) known.push_back(prefix.substr(0, prefix.size() - 1));
      }
    }
    if (known.empty() || chance(15)) return "DX" + std::to_string(pick(100));
    return known[pick(known.size())];
  }

  const Program& p_;
  std::mt19937_64 rng_;
};

std::vector<Input> suite_inputs(const fs::path& dir) {
  std::vector<Input> inputs;
  if (!fs::is_directory(dir)) return inputs;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.path().string().ends_with(".suite.json")) continue;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    simdjson::padded_string text;
    if (simdjson::padded_string::load(entry.path().string()).get(text) || parser.parse(text).get(doc)) continue;
    simdjson::dom::array cases;
    if (doc["cases"].get(cases)) continue;
    for (simdjson::dom::element c : cases) {
      simdjson::dom::element history;
      if (c["history"].get(history)) continue;
      Input input{simdjson::minify(history), std::nullopt};
      std::string_view as_of;
      Day day;
      if (!c["as_of"].get(as_of) && parse_date(as_of, &day)) input.as_of = day;
      inputs.push_back(input);
    }
  }
  return inputs;
}

// Watches the traced VM (trace.h): every step inside the function entered, in order, each
// `after` for the instruction just `before` it, and every run left.
class StepChecker : public TraceSink {
 public:
  explicit StepChecker(const Program& program) : program_(program) {}
  void enter(uint32_t function, const CourseState&) override {
    check(!inside_, "enter inside a run");
    inside_ = true;
    fn_ = &program_.functions[function];
    last_ = UINT32_MAX;
  }
  void before(uint32_t pc) override {
    check(inside_ && pc >= fn_->code_begin && pc < fn_->code_end, "a step outside its function");
    last_ = pc;
  }
  void after(uint32_t pc, int64_t) override { check(pc == last_, "`after` for another instruction"); }
  void leave(RunResult) override {
    check(inside_ && last_ != UINT32_MAX, "leave without a step");
    inside_ = false;
  }

 private:
  static void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "agr_differential: the traced VM broke its contract: %s\n", what);
    std::exit(1);
  }
  const Program& program_;
  const Function* fn_ = nullptr;
  bool inside_ = false;
  uint32_t last_ = UINT32_MAX;
};

// The VM with a chosen dispatch, through the same reader and writer as the command line.
std::string run_vm(const Agreement& agreement, Evaluator::Scratch& scratch, const Input& input, VmFunction vm) {
  std::string out, error;
  if (read_history_json(scratch, agreement.program(), agreement.index(), input.line, &error) &&
      evaluate_prepared(agreement, scratch.history, input.as_of, scratch.state, &scratch.verdict, vm)) {
    append_verdict_json(&out, agreement, scratch.history, scratch.verdict);
    return out;
  }
  if (error.empty()) error = scratch.verdict.error;
  std::string id;
  const bool has_id = read_history_id(scratch, input.line, &id);
  append_error_json(&out, has_id ? &id : nullptr, 1, error);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t generated = 3000;
  uint64_t seed = 20251122;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--histories" && i + 1 < argc)
      generated = std::stoul(argv[++i]);
    else if (arg == "--seed" && i + 1 < argc)
      seed = std::stoull(argv[++i]);
    else
      paths.push_back(arg);
  }
  if (paths.size() < 2) {
    std::fprintf(stderr, "usage: agr_differential [--histories N] [--seed S] AGREEMENTS_DIR... SUITES_DIR\n");
    return 2;
  }
  const fs::path suites = paths.back();
  paths.pop_back();
  std::vector<fs::path> agreements;
  for (const std::string& dir : paths)
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".agr") agreements.push_back(entry.path());
  std::sort(agreements.begin(), agreements.end());

  size_t compared = 0, failures = 0;
  for (const fs::path& path : agreements) {
    std::string error;
    auto reference = reference::load_reference(path.string(), &error);
    SourceFile file;
    Diagnostics diags;
    if (!reference || !read_source_file(path.string(), &file, &error)) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
      return 2;
    }
    Compilation c = compile(file, diags);
    auto agreement = Agreement::from_program(std::move(*c.program), &error);

    struct Tier {
      std::string name;
      std::function<std::string(const Input&)> run;
    };
    auto scratch = std::make_shared<Evaluator::Scratch>();
    StepChecker checker(agreement->program());
    std::vector<Tier> tiers = {
        {"vm (computed goto)", [&](const Input& in) { return run_vm(*agreement, *scratch, in, run_function_goto); }},
        {"vm (switch)", [&](const Input& in) { return run_vm(*agreement, *scratch, in, run_function_switch); }},
        {"vm (traced)", [&](const Input& in) {
           TraceScope scope(&checker);
           return run_vm(*agreement, *scratch, in, run_function_traced);
         }},
    };
#ifdef AGR_HAVE_JIT
    std::vector<std::shared_ptr<const Agreement>> jitted;
    for (int level : {0, 2}) {
      jit::Options options;
      options.opt_level = level;
      jit::Stats stats;
      auto native = jit::compile(*agreement, options, &stats, &error);
      if (!native) {
        std::fprintf(stderr, "%s: the JIT failed: %s\n", path.c_str(), error.c_str());
        return 1;
      }
      jitted.push_back(native);
      tiers.push_back({"jit -O" + std::to_string(level), [&, native](const Input& in) {
                         return run_vm(*native, *scratch, in, run_function);
                       }});
    }
#endif

    std::vector<Input> inputs = suite_inputs(suites / path.stem());
    const size_t from_suites = inputs.size();
    HistoryGenerator generator(agreement->program(), seed);
    for (size_t i = 0; i < generated; ++i) inputs.push_back(generator.next(i));

    size_t local_failures = 0;
    for (const Input& input : inputs) {
      std::string expected;
      reference->evaluate_json_line(input.line, 1, input.as_of, &expected);
      for (const Tier& tier : tiers) {
        const std::string got = tier.run(input);
        ++compared;
        if (got == expected) continue;
        if (++local_failures <= 3)
          std::printf("DIFFERENCE %s, %s vs reference\n  input:     %s\n  reference: %s  %s: %s", path.filename().c_str(),
                      tier.name.c_str(), input.line.c_str(), expected.c_str(), tier.name.c_str(), got.c_str());
      }
    }
    failures += local_failures;
    std::printf("%s: %zu histories (%zu from suites, %zu generated), %zu tiers against the reference: %s\n",
                path.filename().c_str(), inputs.size(), from_suites, generated, tiers.size(),
                local_failures ? "DIFFERENCES" : "identical");
  }
  std::printf("%zu passed, %zu failed\n", compared - failures, failures);
  return failures ? 1 : 0;
}
