// `agr explain AGREEMENT HISTORIES EVENT_ID [--course ID]`: why one event got its verdict, for
// people: for each rule it broke and each warning it got, the clause that decided and the values
// it compared (runtime/explain.h; `agr run --explain` gives the same as JSON). The first history
// in HISTORIES (JSON Lines, - for stdin) with an event of that id (and, with --course, that id
// itself) is the one explained.
#include <fmt/core.h>

#include <cstdio>
#include <optional>

#include "cli.h"
#include "explain.h"
#include "history_reader.h"
#include "line_reader.h"
#include "scratch.h"

namespace agr::cli {
namespace {

constexpr int kOk = 0, kNotFound = 1, kUsage = 2;

void print_explained(const Agreement& agreement, const PreparedHistory& h, const CourseVerdict& v,
                     const Explained& explained, size_t event) {
  const Program& p = agreement.program();
  const PreparedEvent& e = h.events[event];
  const EventVerdict& ev = v.events[event];
  std::string headline = fmt::format("{}: event {}, {} on {}: ", h.id, e.id, e.code, format_date(e.date));
  auto rule = [&](uint32_t r, const FunctionRun& run) {
    fmt::print("  {}{}: {}\n    source: {}\n", p.rules[r].warning ? "warning " : "", p.rules[r].id, p.rules[r].message,
               p.rules[r].source);
    fmt::print("{}", explanation_text(p, h, run, "    "));
  };
  switch (ev.status) {
    case EventStatus::NotGoverned:
      fmt::print("{}not governed: the agreement declares no service {}\n", headline, e.code);
      return;
    case EventStatus::Rejected:
      fmt::print("{}rejected, by {} rule{}\n", headline, ev.violation_count, ev.violation_count == 1 ? "" : "s");
      for (uint32_t j = 0; j < ev.violation_count; ++j)
        rule(v.violations[ev.first_violation + j], explained.violations[ev.first_violation + j]);
      return;
    case EventStatus::Accepted: {
      const Service& service = p.services[static_cast<size_t>(e.service)];
      fmt::print("{}accepted{}\n", headline,
                 ev.has_fee ? fmt::format(", fee {} (subsidy {}, patient {})", format_money(service.fee.total),
                                          format_money(service.fee.subsidy), format_money(service.fee.patient))
                            : "");
      for (size_t i = 0; i < v.warnings.size(); ++i)
        if (v.warnings[i].event == event) rule(v.warnings[i].rule, explained.warnings[i]);
      return;
    }
  }
}

}  // namespace

int cmd_explain(const std::vector<std::string>& arguments) {
  std::vector<std::string> args;
  std::optional<std::string> course;
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i] == "--course" && i + 1 < arguments.size())
      course = arguments[++i];
    else if (arguments[i].rfind("--course=", 0) == 0)
      course = arguments[i].substr(9);
    else
      args.push_back(arguments[i]);
  }
  if (args.size() != 3) {
    fmt::print(stderr, "agr: explain needs an agreement, a histories file (- for stdin) and an event id\n"
                       "usage: agr explain AGREEMENT HISTORIES EVENT_ID [--course ID]\n");
    return kUsage;
  }
  const std::string& histories = args[1];
  const std::string& event_id = args[2];
  std::string error;
  auto agreement = load_agreement(args[0], &error);
  if (!agreement) {
    fmt::print(stderr, "{}", error);
    return kUsage;
  }
  std::FILE* in = histories == "-" ? stdin : std::fopen(histories.c_str(), "rb");
  if (!in) {
    fmt::print(stderr, "agr: cannot read {}\n", histories);
    return kUsage;
  }
  Evaluator::Scratch s;
  LineReader reader(in);
  std::string_view line;
  int status = kNotFound;
  bool found = false;
  while (!found && reader.next(&line)) {
    std::string unreadable;  // a line that is not a history cannot hold the event
    if (!read_history_json(s, agreement->program(), agreement->index(), line, &unreadable)) continue;
    if (course && s.history.id != *course) continue;
    size_t event = 0;
    while (event < s.history.events.size() && s.history.events[event].id != event_id) ++event;
    if (event == s.history.events.size()) continue;
    found = true;
    Explained explained;
    if (!evaluate_explained(*agreement, s.history, std::nullopt, s.state, &s.verdict, &explained)) {
      fmt::print(stderr, "agr: history {}: {}\n", s.history.id, s.verdict.error);
      break;
    }
    print_explained(*agreement, s.history, s.verdict, explained, event);
    status = kOk;
  }
  if (in != stdin) std::fclose(in);
  if (!found)
    fmt::print(stderr, "agr: no history in {}{} has an event '{}'\n", histories == "-" ? "standard input" : histories,
               course ? " with the id '" + *course + "'" : "", event_id);
  return status;
}

}  // namespace agr::cli
