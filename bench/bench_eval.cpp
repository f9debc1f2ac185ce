// agr_bench: single-thread throughput of the runtime on a synthetic LBP corpus.
//
//   agr_bench AGREEMENT(.agr|.agrc) [--courses N (50000)] [--rounds R (7)] [--seed S (42)]
//             [--min-events A (20)] [--max-events B (40)]
//
// (a) evaluation alone: every JSON line is parsed once, up front, into a PreparedHistory that
//     owns copies of its strings; then evaluate_prepared runs over the whole corpus, R times
//     (with run_function, the goal's row, and with each VM dispatch, interleaved per round).
// (b) end to end as `agr run` does it: Evaluator::evaluate_json_line over every line into one
//     output string (cleared per round, never written out), R times after one warm-up round.
// Both report the median and the min/max of events per second over the rounds. Before timing,
// the verdicts of (a), rendered with the same writer, must be byte-identical to the output of
// (b), and their accepted/rejected/not-governed counts equal; otherwise the run fails (exit 1).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agr/agr.h"
#include "driver.h"
#include "evaluate.h"
#include "history_generator.h"
#include "measure.h"
#include "prepared_corpus.h"
#include "verdict_writer.h"

#ifndef AGR_BENCH_BUILD_TYPE
#define AGR_BENCH_BUILD_TYPE "unknown"
#endif

using namespace agr::bench;

namespace {

constexpr double kGoalPrepared = 10e6;  // events/s, evaluation alone
constexpr double kGoalEndToEnd = 1e6;   // events/s, JSON in -> JSON out

int usage(const char* problem) {
  if (problem) std::fprintf(stderr, "agr_bench: %s\n", problem);
  std::fprintf(stderr,
               "usage: agr_bench AGREEMENT [--courses N (50000)] [--rounds R (7)] [--seed S (42)]\n"
               "                 [--min-events A (20)] [--max-events B (40)]\n");
  return 2;
}

std::shared_ptr<const agr::Agreement> load(const std::string& path, std::string* error) {
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".agrc") == 0) return agr::Agreement::load_file(path, error);
  agr::SourceFile file;
  if (!agr::read_source_file(path, &file, error)) return nullptr;
  agr::Diagnostics diags;
  agr::Compilation c = agr::compile(file, diags);
  if (diags.has_errors()) {
    *error = diags.render(file) + path + " does not compile";
    return nullptr;
  }
  return agr::Agreement::from_program(std::move(*c.program), error);
}

struct Counts {
  uint64_t accepted = 0, rejected = 0, not_governed = 0, error_lines = 0;
  bool operator==(const Counts&) const = default;
};

uint64_t occurrences(std::string_view text, std::string_view needle) {
  uint64_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

struct Stats {
  double median, min, max;  // events per second
  double median_seconds;
};

Stats summarize(const std::vector<double>& seconds, uint64_t events) {
  const double m = median(seconds);
  const auto [fastest, slowest] = std::minmax_element(seconds.begin(), seconds.end());
  return {events / m, events / *slowest, events / *fastest, m};
}

std::string millions(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f M", v / 1e6);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::string agreement_path;
  uint64_t courses = 50000, rounds = 7;
  GeneratorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      if (!agreement_path.empty()) return usage("more than one agreement");
      agreement_path = arg;
      continue;
    }
    uint64_t value = 0;
    if (i + 1 >= argc || !parse_u64(argv[++i], &value)) return usage("options take a non-negative integer");
    if (arg == "--courses") courses = value;
    else if (arg == "--rounds") rounds = value;
    else if (arg == "--seed") options.seed = value;
    else if (arg == "--min-events") options.min_events = static_cast<int>(value);
    else if (arg == "--max-events") options.max_events = static_cast<int>(value);
    else return usage("unknown option");
  }
  if (agreement_path.empty()) return usage("needs an agreement");
  if (courses == 0 || rounds == 0) return usage("--courses and --rounds must be positive");
  if (options.min_events < 1 || options.max_events < options.min_events || options.max_events > 10000)
    return usage("need 1 <= --min-events <= --max-events <= 10000");

  std::string error;
  const auto agreement = load(agreement_path, &error);
  if (!agreement) {
    std::fprintf(stderr, "agr_bench: %s\n", error.c_str());
    return 2;
  }
  const agr::Program& program = agreement->program();

  // ---- The corpus -------------------------------------------------------------------------------
  const Corpus corpus = make_corpus(options, courses);

  // ---- (a)'s input: every line parsed once, into histories that own their strings --------------
  const PreparedCorpus prepared_corpus = prepare_corpus(*agreement, corpus);
  const std::vector<OwnedHistory>& prepared = prepared_corpus.histories;
  const std::vector<uint8_t>& good = prepared_corpus.good;
  const uint64_t prepared_events = prepared_corpus.events;

  // ---- Agreement of (a) and (b), untimed (it is also the warm-up of both) -----------------------
  Counts counts_a, counts_b;
  std::string expected;  // (a)'s verdicts through the same writer, error lines where (b) has them
  {
    agr::CourseState state;
    agr::CourseVerdict verdict;
    size_t next = 0;
    for (size_t i = 0; i < corpus.lines.size(); ++i) {
      if (!good[i]) {
        ++counts_a.error_lines;
        expected.append("<error line>\n");
        continue;
      }
      const agr::PreparedHistory& h = prepared[next++].history;
      if (!agr::evaluate_prepared(*agreement, h, std::nullopt, state, &verdict)) {
        ++counts_a.error_lines;
        expected.append("<error line>\n");
        continue;
      }
      for (const agr::EventVerdict& v : verdict.events) {
        counts_a.accepted += v.status == agr::EventStatus::Accepted;
        counts_a.rejected += v.status == agr::EventStatus::Rejected;
        counts_a.not_governed += v.status == agr::EventStatus::NotGoverned;
      }
      agr::append_verdict_json(&expected, *agreement, h, verdict);
    }
  }
  agr::Evaluator evaluator(agreement);
  std::string out;
  auto run_end_to_end = [&] {
    out.clear();
    uint64_t line_number = 0;
    for (std::string_view line : corpus.lines) evaluator.evaluate_json_line(line, ++line_number, std::nullopt, &out);
  };
  run_end_to_end();
  {
    counts_b.accepted = occurrences(out, "\"status\":\"accepted\"");
    counts_b.rejected = occurrences(out, "\"status\":\"rejected\"");
    counts_b.not_governed = occurrences(out, "\"status\":\"not_governed\"");
    counts_b.error_lines = occurrences(out, ",\"error\":{\"line\":");
  }
  bool identical = true;
  {
    std::string_view a(expected), b(out);
    while (identical && !a.empty() && !b.empty()) {
      const size_t ea = a.find('\n'), eb = b.find('\n');
      const std::string_view la = a.substr(0, ea), lb = b.substr(0, eb);
      identical = la == "<error line>" ? lb.find(",\"error\":{\"line\":") != std::string_view::npos : la == lb;
      a.remove_prefix(ea + 1);
      b.remove_prefix(eb + 1);
    }
    identical = identical && a.empty() && b.empty();
  }

  // ---- (a) evaluation alone: with run_function (the VM's default dispatch), and with each
  // dispatch of the VM explicitly; the three interleave round by round so that a busy machine
  // slows them alike.
  struct VmVariant {
    const char* name;
    agr::VmFunction vm;
    Timing timing;
  };
  VmVariant variants[] = {{"(a) evaluate_prepared (pre-parsed)", agr::run_function, {}},
                          {"    the same, computed-goto VM", agr::run_function_goto, {}},
                          {"    the same, switch VM", agr::run_function_switch, {}}};
  {
    agr::CourseState state;
    agr::CourseVerdict verdict;
    for (uint64_t r = 0; r < rounds; ++r) {
      for (VmVariant& variant : variants) {
        uint64_t ok = 0;
        variant.timing.run([&] {
          for (const OwnedHistory& h : prepared)
            ok += agr::evaluate_prepared(*agreement, h.history, std::nullopt, state, &verdict, variant.vm);
        });
        if (ok + counts_a.error_lines != corpus.lines.size()) {
          std::fprintf(stderr, "agr_bench: round %llu of %s disagrees with the check pass\n",
                       static_cast<unsigned long long>(r + 1), variant.name);
          return 1;
        }
      }
    }
  }

  // ---- (b) end to end --------------------------------------------------------------------------
  Timing timing_b;
  for (uint64_t r = 0; r < rounds; ++r) timing_b.run(run_end_to_end);

  // ---- Report ----------------------------------------------------------------------------------
  // Wall-clock rates decide the goals; the CPU column (the thread's CPU time) shows what the code
  // does when the machine is busy with other work (see the load average).
  const Stats b = summarize(timing_b.wall, corpus.events);
  const double bytes_per_s = corpus.text.size() / b.median_seconds;
  std::printf("agr_bench: agreement %s (%s), build %s, 1 thread, median of %llu rounds, load average %s\n",
              program.name.c_str(), agreement_path.c_str(), AGR_BENCH_BUILD_TYPE,
              static_cast<unsigned long long>(rounds), load_average().c_str());
  std::printf("corpus:   %s courses, %s events, %.1f MB of JSON in, %.1f MB out (seed %llu, %d-%d events/course)\n",
              with_commas(courses).c_str(), with_commas(corpus.events).c_str(), corpus.text.size() / 1e6,
              out.size() / 1e6, static_cast<unsigned long long>(options.seed), options.min_events, options.max_events);
  std::printf("verdicts: %s accepted, %s rejected, %s not governed, %s error lines\n",
              with_commas(counts_a.accepted).c_str(), with_commas(counts_a.rejected).c_str(),
              with_commas(counts_a.not_governed).c_str(), with_commas(counts_a.error_lines).c_str());
  std::printf("\n%-35s %11s %10s %10s %9s %11s %9s  %s\n", "events/s (M = million)", "median", "min", "max",
              "ns/event", "median CPU", "goal", "");
  auto row = [&](const char* name, const Timing& t, uint64_t events, const char* goal, double goal_rate) {
    const Stats w = summarize(t.wall, events), c = summarize(t.cpu, events);
    std::printf("%-35s %11s %10s %10s %9.1f %11s %9s  %s\n", name, millions(w.median).c_str(), millions(w.min).c_str(),
                millions(w.max).c_str(), 1e9 / w.median, millions(c.median).c_str(), goal,
                !*goal ? "" : w.median >= goal_rate ? "met" : "NOT MET");
  };
  row(variants[0].name, variants[0].timing, prepared_events, ">= 10 M", kGoalPrepared);
  for (size_t i = 1; i < std::size(variants); ++i) row(variants[i].name, variants[i].timing, prepared_events, "", 0);
  row("(b) evaluate_json_line (JSON->JSON)", timing_b, corpus.events, ">= 1 M", kGoalEndToEnd);
  std::printf("%-35s %11.1f MB/s of input JSON (median round %.3f s)\n", "(b) input bytes", bytes_per_s / 1e6,
              b.median_seconds);

  const bool agree = counts_a == counts_b && identical;
  std::printf("\ncheck: (a) and (b) %s: counts %s, verdict lines %s\n", agree ? "agree" : "DISAGREE",
              counts_a == counts_b ? "equal" : "differ", identical ? "byte-identical" : "differ");
  if (!(counts_a == counts_b))
    std::printf("       (b) counts: %s accepted, %s rejected, %s not governed, %s error lines\n",
                with_commas(counts_b.accepted).c_str(), with_commas(counts_b.rejected).c_str(),
                with_commas(counts_b.not_governed).c_str(), with_commas(counts_b.error_lines).c_str());
  return agree ? 0 : 1;
}
