// agr_compare: one run, one core, one synthetic LBP corpus, every way of evaluating it.
//
//   agr_compare [--courses N (40000)] [--rounds R (5)] [--seed S (42)] [--min-events A (20)]
//               [--max-events B (40)] [--set-sql-courses K (4000; 0: all)] [--sqlite-courses K (2000)]
//               [--reference-courses K (0: all)] [--scaling-events E (300000)] [--no-scaling]
//               [--cpu C | --no-pin] [--agreement FILE]
//   agr_compare --check-suites [DIR (tests/suites/lbp)]
//
// The corpus is bench/history_generator.h's (seed 42: the same corpus as agr_bench and
// agr_gen_histories). It is evaluated by
//   - a hand-written C++ implementation of LBP-1 .. LBP-15 (handwritten_lbp.cpp): the baseline;
//   - the VM, dispatching by computed goto and by switch (evaluate_prepared over pre-parsed
//     histories, as agr_bench's row (a));
//   - the JIT at -O0 and at -O2 over the same pre-parsed histories (compile time apart);
//   - the reference evaluator (reference/), JSON in and JSON out (all courses by default);
//   - the LBP rules as set-based SQL on SQLite (sqlite_set_lbp.cpp: window functions, in passes
//     until every course is settled), on the first K courses, and the VM timed on the same ones;
//   - the LBP rules in SQL on SQLite, one query per event (sqlite_lbp.cpp), on the first K courses;
//   - the `agr run` path: read_history_json, evaluate_prepared and append_verdict_json timed
//     apart, and Evaluator::evaluate_json_line in total (no file I/O: see run_e2e.sh for that).
// Before anything is timed, every engine's verdicts are compared with the VM's through one
// normalised form (normal_form.h); any difference fails the run (exit 1). The timed rounds are
// interleaved (round 1 of every row, then round 2, ...) so that a busy machine slows all rows
// alike; the table gives the median of the rounds by wall clock, and by the thread's CPU time.
// Ratios and goals use the CPU time: on a shared machine the wall clock also counts the time the
// thread waited for its core (compare the two columns, and the load average printed).
//
// --check-suites evaluates every case of the LBP regression suites with the VM, the hand-written
// C++, both SQL baselines, the reference and the JIT (when built) and requires the same verdicts.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agr/agr.h"
#include "driver.h"
#include "evaluate.h"
#include "handwritten_lbp.h"
#include "history_reader.h"
#include "measure.h"
#include "normal_form.h"
#include "prepared_corpus.h"
#include "reference.h"
#include "scaling.h"
#include "scratch.h"
#include "sqlite_lbp.h"
#include "sqlite_set_lbp.h"
#include "verdict_writer.h"
#ifdef AGR_HAVE_JIT
#include "jit.h"
#endif

#ifndef AGR_SOURCE_DIR
#define AGR_SOURCE_DIR "."
#endif
#ifndef AGR_BENCH_BUILD_TYPE
#define AGR_BENCH_BUILD_TYPE "unknown"
#endif

namespace {

using namespace agr;
using namespace agr::bench;

// ---- Measuring ----------------------------------------------------------------------------------

std::string read_small_file(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string cpu_model() {
  std::istringstream in(read_small_file("/proc/cpuinfo"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

std::string millions(double v) {
  char text[32];
  if (v >= 1e5)
    std::snprintf(text, sizeof text, "%.2f M", v / 1e6);
  else
    std::snprintf(text, sizeof text, "%.1f k", v / 1e3);
  return text;
}

// ---- Loading ------------------------------------------------------------------------------------

std::shared_ptr<const Agreement> compile_text(const std::string& path, const std::string& text, std::string* error) {
  SourceFile file;
  file.path = path;
  file.text = text;
  Diagnostics diags;
  Compilation c = compile(file, diags);
  if (diags.has_errors()) {
    *error = diags.render(file) + path + " does not compile";
    return nullptr;
  }
  return Agreement::from_program(std::move(*c.program), error);
}

std::shared_ptr<const Agreement> compile_file(const std::string& path, std::string* error) {
  SourceFile file;
  if (!read_source_file(path, &file, error)) return nullptr;
  return compile_text(path, file.text, error);
}

// The agreement and the engines that are compared with its VM.
struct Engines {
  std::shared_ptr<const Agreement> agreement;
  std::unique_ptr<HandwrittenLbp> handwritten;
  std::unique_ptr<SqliteLbp> sqlite;
  std::unique_ptr<SqliteSetLbp> set_sql;
  std::unique_ptr<reference::ReferenceEvaluator> reference;
};

// False, with the problem on stderr, when the agreement does not compile or an engine refuses it.
bool load_engines(const std::string& agreement_path, Engines* engines) {
  std::string error;
  engines->agreement = compile_file(agreement_path, &error);
  if (!engines->agreement) {
    std::fprintf(stderr, "agr_compare: %s\n", error.c_str());
    return false;
  }
  const Program& program = engines->agreement->program();
  engines->handwritten = HandwrittenLbp::create(program, &error);
  if (engines->handwritten) engines->sqlite = SqliteLbp::create(program, &error);
  if (engines->sqlite) engines->set_sql = SqliteSetLbp::create(program, &error);
  if (engines->set_sql) engines->reference = reference::load_reference(agreement_path, &error);
  if (!engines->reference) {
    std::fprintf(stderr, "agr_compare: %s\n", error.c_str());
    return false;
  }
  return true;
}

struct JitTier {
  std::shared_ptr<const Agreement> agreement;  // null when not available
  double compile_ms = 0;
  bool from_cache = false;
  size_t functions = 0;
  std::string problem;
};

JitTier jit_compile(const Agreement& agreement, int opt_level) {
  JitTier tier;
#ifdef AGR_HAVE_JIT
  jit::Options options;
  options.opt_level = opt_level;
  jit::Stats stats;
  tier.agreement = jit::compile(agreement, options, &stats, &tier.problem);
  tier.compile_ms = stats.compile_ms;
  tier.from_cache = stats.from_cache;
  tier.functions = stats.functions;
  if (!tier.agreement && tier.problem.empty()) tier.problem = "jit::compile failed";
#else
  (void)agreement;
  (void)opt_level;
  tier.problem = "this build has no JIT (LLVM 14 not found, or -DAGR_JIT=OFF)";
#endif
  return tier;
}

// ---- Normal forms -------------------------------------------------------------------------------

// The normal forms of a run of courses, one slice per course.
struct Forms {
  std::vector<int64_t> words;
  std::vector<size_t> begin{0};
  void close() { begin.push_back(words.size()); }
  size_t size() const { return begin.size() - 1; }
  bool same(size_t k, const Forms& other, size_t j) const {
    return std::equal(words.begin() + begin[k], words.begin() + begin[k + 1], other.words.begin() + other.begin[j],
                      other.words.begin() + other.begin[j + 1]);
  }
};

// Compares `got` with the baseline, course by course; prints the first difference.
struct Check {
  std::string name;
  size_t courses = 0, differ = 0;
  std::string scope;    // for a baseline exact on part of each course: which part
  std::string problem;  // a failure other than a difference
};

Check compare_forms(const std::string& name, const Forms& baseline, const Forms& got,
                    const std::vector<std::string_view>& lines) {
  Check c{name, got.size(), 0, {}, {}};
  for (size_t k = 0; k < got.size(); ++k) {
    if (baseline.same(k, got, k)) continue;
    if (c.differ++ == 0) {
      std::printf("  %s differs from the VM on course %zu: %.*s\n", name.c_str(), k + 1,
                  static_cast<int>(std::min<size_t>(lines[k].size(), 400)), lines[k].data());
      auto dump = [](const char* who, const Forms& f, size_t at) {
        std::printf("    %-12s", who);
        for (size_t i = f.begin[at]; i < f.begin[at + 1]; ++i) std::printf(" %lld", static_cast<long long>(f.words[i]));
        std::printf("\n");
      };
      dump("VM:", baseline, k);
      dump((name + ":").c_str(), got, k);
    }
  }
  return c;
}

// ---- --check-suites -----------------------------------------------------------------------------

int check_suites(const std::string& dir, const std::string& agreement_path) {
  namespace fs = std::filesystem;
  Engines engines;
  if (!load_engines(agreement_path, &engines)) return 2;
  const auto& agreement = engines.agreement;
  const auto& handwritten = engines.handwritten;
  const auto& sqlite = engines.sqlite;
  const auto& set_sql = engines.set_sql;
  const auto& reference = engines.reference;
  const Program& program = agreement->program();
  std::string error;
  JitTier jit = jit_compile(*agreement, 2);
  Normaliser normaliser(program);

  std::vector<fs::path> suites;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (name.size() > 11 && name.compare(name.size() - 11, 11, ".suite.json") == 0) suites.push_back(it->path());
  }
  std::sort(suites.begin(), suites.end());
  if (suites.empty()) {
    std::fprintf(stderr, "agr_compare: no *.suite.json under %s\n", dir.c_str());
    return 2;
  }

  const fs::path wanted = fs::weakly_canonical(agreement_path);
  size_t cases = 0, compared = 0, input_errors = 0, failures = 0, one_pass_exact = 0;
  Evaluator::Scratch scratch;
  CourseState state;
  simdjson::dom::parser parser;
  for (const fs::path& suite : suites) {
    simdjson::dom::element doc;
    if (parser.load(suite.string()).get(doc)) {
      std::printf("FAIL %s: not JSON\n", suite.c_str());
      ++failures;
      continue;
    }
    std::string_view suite_agreement;
    simdjson::dom::array array;
    if (doc["agreement"].get(suite_agreement) || doc["cases"].get(array)) {
      std::printf("FAIL %s: needs \"agreement\" and \"cases\"\n", suite.c_str());
      ++failures;
      continue;
    }
    if (fs::weakly_canonical(suite.parent_path() / std::string(suite_agreement)) != wanted) {
      std::printf("FAIL %s: its agreement is %.*s, not %s\n", suite.c_str(), static_cast<int>(suite_agreement.size()),
                  suite_agreement.data(), agreement_path.c_str());
      ++failures;
      continue;
    }
    size_t index = 0;
    for (simdjson::dom::element c : array) {
      ++index;
      ++cases;
      std::string_view name = "(unnamed)";
      if (c["name"].get(name)) name = "(unnamed)";
      simdjson::dom::element history;
      if (c["history"].get(history)) continue;
      std::optional<Day> as_of;
      std::string_view as_of_text;
      if (!c["as_of"].get(as_of_text)) {
        Day d;
        if (!parse_iso_date(as_of_text, &d)) continue;
        as_of = d;
      }
      const std::string line = simdjson::minify(history);
      error.clear();
      if (!read_history_json(scratch, program, agreement->index(), line, &error)) {
        ++input_errors;  // an error line: no rule is judged, nothing to compare
        continue;
      }
      const OwnedHistory owned = own(scratch.history);
      const PreparedHistory& h = owned.history;

      Forms vm, hand, sql, set, vm_part, one_pass, ref, native;
      CourseVerdict vm_verdict, verdict;
      const bool vm_ok = evaluate_prepared(*agreement, h, as_of, state, &vm_verdict, run_function_goto);
      normaliser.append(vm_verdict, vm_ok, &vm.words);
      vm.close();
      normaliser.append(verdict, handwritten->evaluate(h, as_of, &verdict), &hand.words);
      hand.close();
      std::vector<CourseVerdict> verdicts;
      if (!sqlite->load({&h}, {as_of}, &error) || !sqlite->evaluate_all(&verdicts, &error)) {
        std::fprintf(stderr, "agr_compare: %s\n", error.c_str());
        return 2;
      }
      normaliser.append(verdicts[0], true, &sql.words);
      sql.close();
      if (!set_sql->load({&h}, {as_of}, &error) || !set_sql->evaluate_all(&verdicts, &error)) {
        std::fprintf(stderr, "agr_compare: %s\n", error.c_str());
        return 2;
      }
      normaliser.append(verdicts[0], true, &set.words);
      set.close();
      // One set-based pass alone, where it is exact (see compare_main).
      SqliteSetLbp::Coverage coverage;
      if (!set_sql->evaluate_all(&verdicts, &error, 1, &coverage)) {
        std::fprintf(stderr, "agr_compare: %s\n", error.c_str());
        return 2;
      }
      normaliser.append(vm_verdict, vm_ok, &vm_part.words, &coverage.events[0], coverage.settled[0]);
      vm_part.close();
      normaliser.append(verdicts[0], true, &one_pass.words, &coverage.events[0], coverage.settled[0]);
      one_pass.close();
      one_pass_exact += std::count(coverage.events[0].begin(), coverage.events[0].end(), 1);
      std::string out;
      reference->evaluate_json_line(line, 1, as_of, &out);
      if (!normaliser.append_json(out, &ref.words, &error)) {
        std::fprintf(stderr, "agr_compare: reference output: %s\n", error.c_str());
        return 2;
      }
      ref.close();
      if (jit.agreement) {
        normaliser.append(verdict, evaluate_prepared(*jit.agreement, h, as_of, state, &verdict), &native.words);
        native.close();
      }
      ++compared;
      std::vector<std::string> wrong;
      if (!vm.same(0, hand, 0)) wrong.push_back("hand-written C++");
      if (!vm.same(0, sql, 0)) wrong.push_back("SQL per event");
      if (!vm.same(0, set, 0)) wrong.push_back("set-based SQL");
      if (!vm_part.same(0, one_pass, 0)) wrong.push_back("set-based SQL's first pass where it is exact");
      if (!vm.same(0, ref, 0)) wrong.push_back("reference");
      if (jit.agreement && !vm.same(0, native, 0)) wrong.push_back("JIT -O2");
      if (!wrong.empty()) {
        ++failures;
        std::string who;
        for (const std::string& w : wrong) who += (who.empty() ? "" : ", ") + w;
        std::printf("FAIL %s case %zu (%.*s): %s differ from the VM\n", suite.filename().c_str(), index,
                    static_cast<int>(name.size()), name.data(), who.c_str());
        std::printf("  history: %s\n", line.c_str());
      }
    }
  }
  std::printf("agr_compare --check-suites: %zu suites, %zu cases: %zu compared (VM, hand-written C++, SQL per "
              "event, set-based SQL and its first pass on the %zu events where that is exact, reference%s), %zu "
              "input-error cases skipped, %zu failed\n",
              suites.size(), cases, compared, one_pass_exact, jit.agreement ? ", JIT -O2" : "; no JIT in this build",
              input_errors, failures);
  if (compared && !one_pass_exact) std::printf("FAIL the set-based SQL's first pass is exact on no event\n");
  return failures || (compared && !one_pass_exact) ? 1 : 0;
}

// ---- The comparison -----------------------------------------------------------------------------

struct Row {
  Row(std::string name_, std::string note_, uint64_t events_ = 0, std::function<void()> pass_ = {})
      : name(std::move(name_)), note(std::move(note_)), events(events_), pass(std::move(pass_)) {}
  std::string name;
  std::string note;
  uint64_t events = 0;  // per pass
  std::function<void()> pass;
  Timing timing;
  bool measured = true;  // false: a derived or unavailable row
  double derived_ns = 0;  // for derived rows
  std::string unavailable;

  double wall_ns() const { return measured ? median(timing.wall) * 1e9 / events : derived_ns; }
  double cpu_ns() const { return measured ? median(timing.cpu) * 1e9 / events : derived_ns; }
};

void print_table(const std::vector<Row*>& rows, const Row* baseline) {
  std::printf("%-42s %9s %11s %9s %11s %9s %8s  %s\n", "row", "events", "events/s", "ns/event", "CPU ev/s",
              "CPU ns/ev", "x hand", "notes");
  for (const Row* r : rows) {
    if (!r->unavailable.empty()) {
      std::printf("%-42s %9s %11s %9s %11s %9s %8s  %s\n", r->name.c_str(), "-", "-", "-", "-", "-", "-",
                  r->unavailable.c_str());
      continue;
    }
    const double w = r->wall_ns(), c = r->cpu_ns();
    char ratio[32] = "-";
    if (baseline && baseline->unavailable.empty()) std::snprintf(ratio, sizeof ratio, "%.2f", c / baseline->cpu_ns());
    std::printf("%-42s %9s %11s %9.1f %11s %9.1f %8s  %s\n", r->name.c_str(),
                r->measured ? with_commas(r->events).c_str() : "derived", millions(1e9 / w).c_str(), w,
                millions(1e9 / c).c_str(), c, ratio, r->note.c_str());
  }
}

struct Options {
  uint64_t courses = 40000, rounds = 5, sqlite_courses = 2000, set_sql_courses = 4000, reference_courses = 0,
           scaling_events = 300000;
  GeneratorOptions gen;
  bool scaling = true;
  int cpu = -1;
  bool pin = true;
  std::string agreement_path = AGR_SOURCE_DIR "/agreements/lbp.agr";
};

int usage(const char* problem) {
  if (problem) std::fprintf(stderr, "agr_compare: %s\n", problem);
  std::fprintf(stderr,
               "usage: agr_compare [--courses N (40000)] [--rounds R (5)] [--seed S (42)] [--min-events A (20)]\n"
               "                   [--max-events B (40)] [--set-sql-courses K (4000; 0: all)] [--sqlite-courses K (2000)]\n"
               "                   [--reference-courses K (0: all)] [--scaling-events E (300000)] [--no-scaling]\n"
               "                   [--cpu C | --no-pin] [--agreement FILE]\n"
               "       agr_compare --check-suites [DIR (tests/suites/lbp)] [--agreement FILE]\n");
  return 2;
}

// Evaluates the prepared histories of one agreement, for the scaling rows.
std::function<void()> vm_pass(const Agreement& a, const std::vector<OwnedHistory>& hs, VmFunction vm) {
  return [&a, &hs, vm] {
    static thread_local CourseState state;
    static thread_local CourseVerdict verdict;
    for (const OwnedHistory& h : hs) evaluate_prepared(a, h.history, std::nullopt, state, &verdict, vm);
  };
}

int compare_main(const Options& o, const std::string& command) {
  // ---- One core -------------------------------------------------------------------------------
  const int cpu = o.cpu >= 0 ? o.cpu : sched_getcpu();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const bool pinned = o.pin && sched_setaffinity(0, sizeof set, &set) == 0;

  std::printf("agr_compare: every way of evaluating one LBP corpus, 1 thread, %s\n",
              pinned ? ("pinned to CPU " + std::to_string(cpu)).c_str()
                     : o.pin ? "not pinned (sched_setaffinity failed)" : "not pinned (--no-pin)");
  std::printf("machine:  %s, %ld cores online, load average %s (at start)\n", cpu_model().c_str(),
              sysconf(_SC_NPROCESSORS_ONLN), load_average().c_str());
  std::printf("build:    %s; command: %s\n", AGR_BENCH_BUILD_TYPE, command.c_str());

  Engines engines;
  if (!load_engines(o.agreement_path, &engines)) return 2;
  const auto& agreement = engines.agreement;
  const auto& handwritten = engines.handwritten;
  const auto& sqlite = engines.sqlite;
  const auto& set_sql = engines.set_sql;
  const auto& reference = engines.reference;
  const Program& program = agreement->program();
  std::string error;
  // Each level is compiled once in this process, so neither comes from the in-process cache.
  JitTier jit0 = jit_compile(*agreement, 0), jit2 = jit_compile(*agreement, 2);
  for (const JitTier* t : {&jit0, &jit2}) {
    const char* level = t == &jit0 ? "-O0" : "-O2";
    if (t->agreement)
      std::printf("JIT %s:  %zu functions compiled in %.2f ms (from cache: %s; no disk cache)\n", level, t->functions,
                  t->compile_ms, t->from_cache ? "yes" : "no");
    else
      std::printf("JIT %s:  not available: %s\n", level, t->problem.c_str());
  }

  // ---- The corpus -----------------------------------------------------------------------------
  const Corpus corpus = make_corpus(o.gen, o.courses);
  const PreparedCorpus prepared = prepare_corpus(*agreement, corpus);
  const size_t sqlite_courses = std::min<size_t>(o.sqlite_courses, prepared.histories.size());
  const size_t set_sql_courses =
      o.set_sql_courses ? std::min<size_t>(o.set_sql_courses, prepared.histories.size()) : prepared.histories.size();
  const size_t reference_courses =
      o.reference_courses ? std::min<size_t>(o.reference_courses, corpus.lines.size()) : corpus.lines.size();
  uint64_t sqlite_events = 0, set_sql_events = 0, reference_events = 0;
  for (size_t k = 0; k < sqlite_courses; ++k) sqlite_events += prepared.histories[k].history.events.size();
  for (size_t k = 0; k < set_sql_courses; ++k) set_sql_events += prepared.histories[k].history.events.size();
  for (size_t k = 0; k < reference_courses; ++k)
    reference_events += prepared.good[k] ? prepared.histories[k].history.events.size() : 0;
  std::printf("corpus:   %s courses, %s events (%s pre-parsed), %.1f MB of JSON (seed %llu, %d-%d events/course)\n",
              with_commas(o.courses).c_str(), with_commas(corpus.events).c_str(), with_commas(prepared.events).c_str(),
              corpus.text.size() / 1e6, static_cast<unsigned long long>(o.gen.seed), o.gen.min_events,
              o.gen.max_events);
  if (prepared.histories.size() != corpus.lines.size()) {
    std::fprintf(stderr, "agr_compare: %zu generated lines break the input contract\n",
                 corpus.lines.size() - prepared.histories.size());
    return 1;
  }

  // ---- Agreement of every engine with the VM (untimed; also the warm-up) ------------------------
  Normaliser normaliser(program);
  CourseState state;
  CourseVerdict verdict;
  Forms baseline;
  std::vector<CourseVerdict> vm_verdicts(prepared.histories.size());
  std::vector<uint8_t> vm_ok(prepared.histories.size());
  uint64_t accepted = 0, rejected = 0, not_governed = 0, warnings = 0, dues = 0;
  for (size_t k = 0; k < prepared.histories.size(); ++k) {
    const bool ok = evaluate_prepared(*agreement, prepared.histories[k].history, std::nullopt, state, &vm_verdicts[k],
                                      run_function_goto);
    vm_ok[k] = ok;
    normaliser.append(vm_verdicts[k], ok, &baseline.words);
    baseline.close();
    for (const EventVerdict& v : vm_verdicts[k].events) {
      accepted += v.status == EventStatus::Accepted;
      rejected += v.status == EventStatus::Rejected;
      not_governed += v.status == EventStatus::NotGoverned;
    }
    warnings += vm_verdicts[k].warnings.size();
    dues += vm_verdicts[k].due.size();
  }
  std::printf("verdicts: %s accepted, %s rejected, %s not governed events; %s warnings, %s due items\n",
              with_commas(accepted).c_str(), with_commas(rejected).c_str(), with_commas(not_governed).c_str(),
              with_commas(warnings).c_str(), with_commas(dues).c_str());

  std::vector<Check> checks;
  auto check_prepared = [&](const std::string& name, size_t courses, auto&& evaluate) {
    Forms forms;
    for (size_t k = 0; k < courses; ++k) {
      const bool ok = evaluate(prepared.histories[k].history, &verdict);
      normaliser.append(verdict, ok, &forms.words);
      forms.close();
    }
    checks.push_back(compare_forms(name, baseline, forms, corpus.lines));
  };
  auto check_json = [&](const std::string& name, std::string_view out) {
    Forms forms;
    while (!out.empty()) {
      const size_t end = out.find('\n');
      if (!normaliser.append_json(out.substr(0, end), &forms.words, &error)) {
        std::printf("  %s: unreadable output line (%s)\n", name.c_str(), error.c_str());
        forms.words.push_back(-2);
      }
      forms.close();
      out.remove_prefix(end == std::string_view::npos ? out.size() : end + 1);
    }
    checks.push_back(compare_forms(name, baseline, forms, corpus.lines));
  };
  std::printf("\nchecking every engine against the VM (computed goto), course by course:\n");
  check_prepared("VM switch", prepared.histories.size(), [&](const PreparedHistory& h, CourseVerdict* v) {
    return evaluate_prepared(*agreement, h, std::nullopt, state, v, run_function_switch);
  });
  for (const JitTier* t : {&jit0, &jit2})
    if (t->agreement)
      check_prepared(t == &jit0 ? "JIT -O0" : "JIT -O2", prepared.histories.size(),
                     [&](const PreparedHistory& h, CourseVerdict* v) {
                       return evaluate_prepared(*t->agreement, h, std::nullopt, state, v);
                     });
  check_prepared("hand-written C++", prepared.histories.size(), [&](const PreparedHistory& h, CourseVerdict* v) {
    return handwritten->evaluate(h, std::nullopt, v);
  });
  // The SQL baselines, each on the first courses of the corpus (loading the tables is not timed).
  auto load_sql = [&](SqliteCorpus& db, size_t courses, double* seconds) {
    std::vector<const PreparedHistory*> input;
    for (size_t k = 0; k < courses; ++k) input.push_back(&prepared.histories[k].history);
    const auto start = Clock::now();
    const bool ok = db.load(input, std::vector<std::optional<Day>>(courses), &error);
    *seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return ok;
  };
  auto sql_failed = [&] {
    std::fprintf(stderr, "agr_compare: %s\n", error.c_str());
    return 2;
  };
  std::vector<CourseVerdict> sql_verdicts;
  auto check_sql = [&](const std::string& name, size_t courses) {
    size_t k = 0;
    check_prepared(name, courses, [&](const PreparedHistory&, CourseVerdict* v) {
      *v = sql_verdicts[k++];
      return true;
    });
  };
  double sqlite_load_s = 0, set_sql_load_s = 0;
  if (!load_sql(*sqlite, sqlite_courses, &sqlite_load_s) || !load_sql(*set_sql, set_sql_courses, &set_sql_load_s))
    return sql_failed();
  if (!sqlite->evaluate_all(&sql_verdicts, &error)) return sql_failed();
  check_sql("SQL per event", sqlite_courses);
  if (!set_sql->evaluate_all(&sql_verdicts, &error)) return sql_failed();
  check_sql("set-based SQL", set_sql_courses);
  const std::vector<uint64_t> set_sql_passes = set_sql->pass_courses();
  // One set-based pass alone (no passes after it) is exact up to and including each course's
  // first rejection, and on the whole of a course where it finds none: compared there, with
  // both sides masked alike. It must be exact somewhere.
  {
    SqliteSetLbp::Coverage coverage;
    if (!set_sql->evaluate_all(&sql_verdicts, &error, 1, &coverage)) return sql_failed();
    Forms vm_part, sql_part;
    uint64_t exact = 0, settled = 0;
    for (size_t k = 0; k < set_sql_courses; ++k) {
      const std::vector<uint8_t>& events = coverage.events[k];
      normaliser.append(vm_verdicts[k], vm_ok[k], &vm_part.words, &events, coverage.settled[k]);
      vm_part.close();
      normaliser.append(sql_verdicts[k], true, &sql_part.words, &events, coverage.settled[k]);
      sql_part.close();
      exact += std::count(events.begin(), events.end(), 1);
      settled += coverage.settled[k];
    }
    Check c = compare_forms("set-based SQL, 1 pass", vm_part, sql_part, corpus.lines);
    c.scope = "; exact on " + with_commas(exact) + " of " + with_commas(set_sql_events) + " events, " +
              with_commas(settled) + " whole courses";
    if (exact == 0) c.problem = "exact on no event: it covers nothing, so it shows nothing";
    checks.push_back(c);
  }
  // The reference, on its subset, through its JSON output.
  std::string out;
  for (size_t k = 0; k < reference_courses; ++k)
    reference->evaluate_json_line(corpus.lines[k], k + 1, std::nullopt, &out);
  check_json("reference", out);
  // The `agr run` path, in total, through its JSON output; and the VM with the JIT's code.
  Evaluator evaluator(agreement);
  out.clear();
  for (size_t k = 0; k < corpus.lines.size(); ++k) evaluator.evaluate_json_line(corpus.lines[k], k + 1, std::nullopt, &out);
  check_json("agr run path (VM)", out);
  std::unique_ptr<Evaluator> jit_evaluator;
  if (jit2.agreement) {
    jit_evaluator = std::make_unique<Evaluator>(jit2.agreement);
    out.clear();
    for (size_t k = 0; k < corpus.lines.size(); ++k)
      jit_evaluator->evaluate_json_line(corpus.lines[k], k + 1, std::nullopt, &out);
    check_json("agr run path (JIT -O2)", out);
  }
  bool all_agree = true;
  for (const Check& c : checks) {
    std::printf("  %-24s %7zu courses: %s%s\n", c.name.c_str(), c.courses,
                !c.problem.empty() ? ("FAILS: " + c.problem).c_str()
                : c.differ         ? ("DIFFER on " + std::to_string(c.differ)).c_str()
                                   : "same verdicts as the VM",
                c.scope.c_str());
    all_agree &= c.differ == 0 && c.problem.empty();
  }

  // ---- Timed rounds ---------------------------------------------------------------------------
  const auto& hs = prepared.histories;
  Row hand{"hand-written C++ (baseline)", "direct structs, per-code counters", prepared.events};
  hand.pass = [&] {
    for (const OwnedHistory& h : hs) handwritten->evaluate(h.history, std::nullopt, &verdict);
  };
  Row vm_goto{"VM, computed goto (evaluate_prepared)", "pre-parsed histories", prepared.events,
              vm_pass(*agreement, hs, run_function_goto)};
  Row vm_switch{"VM, switch (evaluate_prepared)", "pre-parsed histories", prepared.events,
                vm_pass(*agreement, hs, run_function_switch)};
  Row jit_rows[2] = {{"JIT -O0 (evaluate_prepared)", "", prepared.events}, {"JIT -O2 (evaluate_prepared)", "", prepared.events}};
  for (int i = 0; i < 2; ++i) {
    const JitTier& t = i ? jit2 : jit0;
    if (!t.agreement) {
      jit_rows[i].unavailable = "not available: " + t.problem;
      continue;
    }
    char note[96];
    std::snprintf(note, sizeof note, "compile %.1f ms apart, from cache: %s", t.compile_ms, t.from_cache ? "yes" : "no");
    jit_rows[i].note = note;
    jit_rows[i].pass = vm_pass(*t.agreement, hs, run_function);
  }
  Row ref{"reference evaluator (JSON in -> JSON out)", "", reference_events};
  ref.note = (reference_courses == corpus.lines.size() ? std::string("all courses")
                                                          : "first " + with_commas(reference_courses) + " courses") +
             "; includes JSON parse + write";
  ref.pass = [&] {
    out.clear();
    for (size_t k = 0; k < reference_courses; ++k) reference->evaluate_json_line(corpus.lines[k], k + 1, std::nullopt, &out);
  };
  auto first_courses = [&](size_t k) {
    return k == prepared.histories.size() ? std::string("all courses") : "first " + with_commas(k) + " courses";
  };
  auto load_note = [](double seconds) {
    char text[48];
    std::snprintf(text, sizeof text, "load %.2f s apart", seconds);
    return std::string(text);
  };
  // The set-based SQL judges every rule on its courses; when they are not the whole corpus, the VM
  // is timed on the same courses too, and the two compared.
  Row set_row{"SQLite, set-based SQL (in memory)", "", set_sql_events};
  uint64_t later_passes = 0;
  for (size_t i = 1; i < set_sql_passes.size(); ++i) later_passes += set_sql_passes[i];
  set_row.note = first_courses(set_sql_courses) + ", every rule; " + std::to_string(set_sql_passes.size()) +
                 " passes over " + with_commas(set_sql_courses) + " + " + with_commas(later_passes) + " courses; " +
                 load_note(set_sql_load_s);
  Row vm_set{"VM, computed goto, the same courses", "the set-based SQL's " + first_courses(set_sql_courses),
             set_sql_events};
  vm_set.pass = [&] {
    for (size_t k = 0; k < set_sql_courses; ++k)
      evaluate_prepared(*agreement, hs[k].history, std::nullopt, state, &verdict, run_function_goto);
  };
  const bool set_subset = set_sql_courses < hs.size();
  Row sql{"SQLite, SQL per event (in memory)", "", sqlite_events};
  sql.note = first_courses(sqlite_courses) + ", every rule; rate measured there; " + load_note(sqlite_load_s);
  std::vector<CourseVerdict> sql_out;
  auto sql_pass = [&](auto* db) {
    return [&, db] {
      if (!db->evaluate_all(&sql_out, &error)) {
        std::fprintf(stderr, "agr_compare: %s\n", error.c_str());
        std::exit(2);
      }
    };
  };
  set_row.pass = sql_pass(set_sql.get());
  sql.pass = sql_pass(sqlite.get());
  Evaluator::Scratch scratch;
  Row parse{"agr run path: parse (read_history_json)", "JSON line -> PreparedHistory", corpus.events};
  parse.pass = [&] {
    for (std::string_view line : corpus.lines) read_history_json(scratch, program, agreement->index(), line, &error);
  };
  Row write{"agr run path: write (append_verdict_json)", "CourseVerdict -> JSON line", prepared.events};
  write.pass = [&] {
    out.clear();
    for (size_t k = 0; k < hs.size(); ++k) append_verdict_json(&out, *agreement, hs[k].history, vm_verdicts[k]);
  };
  Row total{"agr run path: total (evaluate_json_line)", "VM (agr run's default engine); no file I/O", corpus.events};
  total.pass = [&] {
    out.clear();
    uint64_t n = 0;
    for (std::string_view line : corpus.lines) evaluator.evaluate_json_line(line, ++n, std::nullopt, &out);
  };
  Row total_jit{"agr run path: total, --engine jit (-O2)", "no file I/O", corpus.events};
  if (jit_evaluator)
    total_jit.pass = [&] {
      out.clear();
      uint64_t n = 0;
      for (std::string_view line : corpus.lines) jit_evaluator->evaluate_json_line(line, ++n, std::nullopt, &out);
    };
  else
    total_jit.unavailable = "not available: " + jit2.problem;

  std::vector<Row*> timed = {&hand, &vm_goto, &vm_switch, &jit_rows[0], &jit_rows[1], &ref, &set_row, &sql,
                             &parse, &write, &total, &total_jit};
  if (set_subset) timed.insert(timed.begin() + 6, &vm_set);
  std::printf("\ntiming %llu interleaved rounds of %zu rows...\n", static_cast<unsigned long long>(o.rounds), timed.size());
  std::fflush(stdout);
  for (uint64_t r = 0; r < o.rounds; ++r)
    for (Row* row : timed)
      if (row->unavailable.empty()) row->timing.run(row->pass);

  // Derived: the reference's evaluation alone, estimated as its total less the parse and write
  // of the VM path (the reference calls the same read_history_json and append_verdict_json).
  Row ref_eval{"reference evaluator, evaluation only", "DERIVED: reference total - parse - write rows"};
  ref_eval.measured = false;
  ref_eval.derived_ns = ref.wall_ns() - parse.wall_ns() - write.wall_ns();
  Row eval_row{"agr run path: evaluate (evaluate_prepared)", "= the VM, computed goto row (run_function)"};
  eval_row.measured = false;
  eval_row.derived_ns = vm_goto.wall_ns();

  std::printf("\nload average now %s; medians of %llu rounds; events/s by wall clock, CPU = the thread's CPU time\n",
              load_average().c_str(), static_cast<unsigned long long>(o.rounds));
  std::printf("(x hand = CPU ns/event / the hand-written C++'s CPU ns/event: the thread's CPU time leaves out the\n"
              " time it waited for the core on a shared machine; the wall-clock columns include it)\n\n");
  std::vector<Row*> table = {&hand, &vm_goto, &vm_switch, &jit_rows[0], &jit_rows[1], &ref, &ref_eval, &set_row,
                             &sql, &parse, &eval_row, &write, &total, &total_jit};
  if (set_subset) table.insert(table.begin() + 7, &vm_set);
  print_table(table, &hand);
  std::printf("(agr run path: parse + evaluate + write = %.1f ns/event, total measured %.1f ns/event)\n",
              parse.wall_ns() + vm_goto.wall_ns() + write.wall_ns(), total.wall_ns());
  {
    const Row& vm_same = set_subset ? vm_set : vm_goto;
    std::string passes;
    for (uint64_t n : set_sql_passes) passes += (passes.empty() ? "" : ", ") + with_commas(n);
    std::printf("(SQL against the VM, CPU ns/event: set-based %.0fx the VM on the same courses [wall %.0fx]; "
                "per event %.0fx the VM row [wall %.0fx];\n the set-based passes judged %s courses)\n",
                set_row.cpu_ns() / vm_same.cpu_ns(), set_row.wall_ns() / vm_same.wall_ns(),
                sql.cpu_ns() / vm_goto.cpu_ns(), sql.wall_ns() / vm_goto.wall_ns(), passes.c_str());
  }

  // ---- Scaling ------------------------------------------------------------------------------------
  if (o.scaling) {
    std::printf("\nscaling (i): history length; %s events per corpus, same seed; medians of %llu rounds\n",
                with_commas(o.scaling_events).c_str(), static_cast<unsigned long long>(o.rounds));
    std::printf("%-14s %-30s %11s %9s %11s %9s %8s\n", "events/course", "row", "events/s", "ns/event", "CPU ev/s",
                "CPU ns/ev", "x hand");  // x hand by CPU time, as above
    for (int size : {5, 20, 50}) {
      GeneratorOptions g = o.gen;
      g.min_events = g.max_events = size;
      const Corpus c = make_corpus(g, std::max<uint64_t>(1, o.scaling_events / size));
      const PreparedCorpus p = prepare_corpus(*agreement, c);
      // Agreement first (hand-written vs VM), then the rounds.
      Forms vmf, handf;
      for (const OwnedHistory& h : p.histories) {
        normaliser.append(verdict, evaluate_prepared(*agreement, h.history, std::nullopt, state, &verdict), &vmf.words);
        vmf.close();
        normaliser.append(verdict, handwritten->evaluate(h.history, std::nullopt, &verdict), &handf.words);
        handf.close();
      }
      std::vector<std::string_view> lines(c.lines.begin(), c.lines.end());
      const Check ch = compare_forms("hand-written C++ (" + std::to_string(size) + " events)", vmf, handf, lines);
      all_agree &= ch.differ == 0;
      Row rows[4] = {{"hand-written C++", "", p.events},
                     {"VM, computed goto", "", p.events, vm_pass(*agreement, p.histories, run_function_goto)},
                     {"JIT -O2", "", p.events},
                     {"agr run path: total (VM)", "", c.events}};
      rows[0].pass = [&] {
        for (const OwnedHistory& h : p.histories) handwritten->evaluate(h.history, std::nullopt, &verdict);
      };
      if (jit2.agreement)
        rows[2].pass = vm_pass(*jit2.agreement, p.histories, run_function);
      else
        rows[2].unavailable = "no JIT";
      rows[3].pass = [&] {
        out.clear();
        uint64_t n = 0;
        for (std::string_view line : c.lines) evaluator.evaluate_json_line(line, ++n, std::nullopt, &out);
      };
      for (uint64_t r = 0; r < o.rounds; ++r)
        for (Row& row : rows)
          if (row.unavailable.empty()) row.timing.run(row.pass);
      for (Row& row : rows) {
        if (!row.unavailable.empty()) continue;
        std::printf("%-14d %-30s %11s %9.1f %11s %9.1f %8.2f\n", size, row.name.c_str(),
                    millions(1e9 / row.wall_ns()).c_str(), row.wall_ns(), millions(1e9 / row.cpu_ns()).c_str(),
                    row.cpu_ns(), row.cpu_ns() / rows[0].cpu_ns());
      }
      if (ch.differ) std::printf("%-14d hand-written C++ DIFFERS from the VM on %zu courses\n", size, ch.differ);
    }

    std::printf("\nscaling (ii): agreement size; N services, each with one rule of its own (a count in a 30-day\n"
                "window); %s events per corpus, codes drawn at random from `codes` of them; medians of %llu rounds\n",
                with_commas(o.scaling_events).c_str(), static_cast<unsigned long long>(o.rounds));
    std::printf("%-6s %-6s %-18s %11s %9s %11s %9s %12s  %s\n", "rules", "codes", "row", "events/s", "ns/event",
                "CPU ev/s", "CPU ns/ev", "rules/event", "compile");
    // The last line keeps the 1,000-rule agreement but draws the events from 10 of its codes:
    // what is left of the growth then comes from the agreement's size, not from judging.
    for (auto [n, codes] : {std::pair{10, 10}, {100, 100}, {1000, 1000}, {1000, 10}}) {
      const auto t0 = Clock::now();
      auto a = compile_text("scale" + std::to_string(n) + ".agr", rules_agreement_text(n), &error);
      const double compile_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!a) {
        std::printf("%-6d does not compile: %s\n", n, error.c_str());
        all_agree = false;
        continue;
      }
      const Corpus c = make_rules_corpus(codes, o.gen.seed, std::max<uint64_t>(1, o.scaling_events / 30), 20, 40);
      const PreparedCorpus p = prepare_corpus(*a, c);
      // Rules run per event: the judges of the event's service (the index), averaged.
      uint64_t judged = 0;
      for (const OwnedHistory& h : p.histories)
        for (const PreparedEvent& e : h.history.events)
          if (e.service >= 0) judged += a->index().judges_begin[e.service + 1] - a->index().judges_begin[e.service];
      JitTier jt = jit_compile(*a, 2);
      Row rows[2] = {{"VM, computed goto", "", p.events, vm_pass(*a, p.histories, run_function_goto)},
                     {"JIT -O2", "", p.events}};
      if (jt.agreement) {
        rows[1].pass = vm_pass(*jt.agreement, p.histories, run_function);
        // The JIT's verdicts must be the VM's here too.
        Normaliser scaled(a->program());
        Forms vmf, jitf;
        for (const OwnedHistory& h : p.histories) {
          scaled.append(verdict, evaluate_prepared(*a, h.history, std::nullopt, state, &verdict), &vmf.words);
          vmf.close();
          scaled.append(verdict, evaluate_prepared(*jt.agreement, h.history, std::nullopt, state, &verdict), &jitf.words);
          jitf.close();
        }
        std::vector<std::string_view> lines(c.lines.begin(), c.lines.end());
        const Check ch = compare_forms("JIT -O2 (" + std::to_string(n) + " rules)", vmf, jitf, lines);
        all_agree &= ch.differ == 0;
      } else {
        rows[1].unavailable = "no JIT";
      }
      for (uint64_t r = 0; r < o.rounds; ++r)
        for (Row& row : rows)
          if (row.unavailable.empty()) row.timing.run(row.pass);
      for (Row& row : rows) {
        if (!row.unavailable.empty()) continue;
        char compile_text_buf[64];
        if (&row == &rows[0])
          std::snprintf(compile_text_buf, sizeof compile_text_buf, "agr::compile %.0f ms", compile_ms);
        else
          std::snprintf(compile_text_buf, sizeof compile_text_buf, "jit %.0f ms%s", jt.compile_ms,
                        jt.from_cache ? " (in-process cache)" : "");
        std::printf("%-6d %-6d %-18s %11s %9.1f %11s %9.1f %12.2f  %s\n", n, codes, row.name.c_str(),
                    millions(1e9 / row.wall_ns()).c_str(), row.wall_ns(), millions(1e9 / row.cpu_ns()).c_str(),
                    row.cpu_ns(), double(judged) / p.events, compile_text_buf);
      }
    }
  }

  // ---- Goals ----------------------------------------------------------------------------------
  // Judged by the thread's CPU time (see the table's note); the wall-clock figure is in brackets.
  auto verdict_text = [](bool met) { return met ? "met" : "NOT MET"; };
  const double vm_ratio = vm_goto.cpu_ns() / hand.cpu_ns(), vm_ratio_wall = vm_goto.wall_ns() / hand.wall_ns();
  std::printf("\ngoals (CPU-time medians; wall clock in brackets):\n");
  std::printf("  VM within 3x of hand-written C++ (evaluation):     %.2fx [%.2fx]  %s\n", vm_ratio, vm_ratio_wall,
              verdict_text(vm_ratio <= 3));
  if (jit_rows[1].unavailable.empty()) {
    const double r = jit_rows[1].cpu_ns() / hand.cpu_ns(), rw = jit_rows[1].wall_ns() / hand.wall_ns();
    std::printf("  JIT (-O2) within 1.5x of hand-written C++:         %.2fx [%.2fx]  %s\n", r, rw, verdict_text(r <= 1.5));
  } else {
    std::printf("  JIT (-O2) within 1.5x of hand-written C++:         NOT MEASURED (%s)\n", jit2.problem.c_str());
  }
  const double e2e = 1e9 / total.cpu_ns(), e2e_wall = 1e9 / total.wall_ns();
  std::printf("  agr run end to end >= 3 M events/s (VM):          %s [%s]  %s\n", millions(e2e).c_str(),
              millions(e2e_wall).c_str(), verdict_text(e2e >= 3e6));
  std::printf("\nverdicts: %s\n", all_agree ? "every engine agrees with the VM" : "DISAGREEMENT (see above)");
  return all_agree ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  bool suites = false;
  std::string suites_dir = AGR_SOURCE_DIR "/tests/suites/lbp";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check-suites") {
      suites = true;
      if (i + 1 < argc && argv[i + 1][0] != '-') suites_dir = argv[++i];
      continue;
    }
    if (arg == "--no-scaling") {
      o.scaling = false;
      continue;
    }
    if (arg == "--no-pin") {
      o.pin = false;
      continue;
    }
    if (arg == "--agreement") {
      if (i + 1 >= argc) return usage("--agreement needs a file");
      o.agreement_path = argv[++i];
      continue;
    }
    uint64_t value = 0;
    if (i + 1 >= argc || !parse_u64(argv[++i], &value)) return usage(("bad or missing value for " + arg).c_str());
    if (arg == "--courses") o.courses = value;
    else if (arg == "--rounds") o.rounds = value;
    else if (arg == "--seed") o.gen.seed = value;
    else if (arg == "--min-events") o.gen.min_events = static_cast<int>(value);
    else if (arg == "--max-events") o.gen.max_events = static_cast<int>(value);
    else if (arg == "--sqlite-courses") o.sqlite_courses = value;
    else if (arg == "--set-sql-courses") o.set_sql_courses = value;
    else if (arg == "--reference-courses") o.reference_courses = value;
    else if (arg == "--scaling-events") o.scaling_events = value;
    else if (arg == "--cpu") o.cpu = static_cast<int>(value);
    else return usage(("unknown option " + arg).c_str());
  }
  if (suites) return check_suites(suites_dir, o.agreement_path);
  if (o.courses == 0 || o.rounds == 0) return usage("--courses and --rounds must be positive");
  if (o.gen.min_events < 1 || o.gen.max_events < o.gen.min_events || o.gen.max_events > 10000)
    return usage("need 1 <= --min-events <= --max-events <= 10000");
  return compare_main(o, command);
}
