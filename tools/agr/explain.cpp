// `agr explain AGREEMENT HISTORIES EVENT_ID [--course ID]`: why one event got its verdict, for
// people: for each rule it broke and each warning it got, the clause that decided and the values
// it compared (runtime/explain.h; `agr run --explain` gives the same as JSON). The first history
// in HISTORIES (JSON Lines, - for stdin) with an event of that id (and, with --course, that id
// itself) is the one explained.
#include <cstring>
#include <optional>

#include "cli.h"
#include "explain.h"
#include "history_reader.h"
#include "line_reader.h"
#include "scratch.h"

namespace agr::cli {
namespace {

void print_explained(Output& out, const Agreement& agreement, const PreparedHistory& h, const CourseVerdict& v,
                     const Explained& explained, size_t event) {
  const Program& p = agreement.program();
  const PreparedEvent& e = h.events[event];
  const EventVerdict& ev = v.events[event];
  const std::string headline =
      fmt::format("{}: event {}, {} on {}: ", printable(h.id), printable(e.id), printable(e.code), format_date(e.date));
  auto rule = [&](uint32_t r, const FunctionRun& run) {
    out.print("  {}{}: {}\n    source: {}\n", p.rules[r].warning ? "warning " : "", p.rules[r].id, p.rules[r].message,
              p.rules[r].source);
    const std::string text = explanation_text(p, h, run, "    ");  // quotes clinics from the history
    for (size_t begin = 0, end; begin < text.size(); begin = end + 1) {
      end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      out.print("{}\n", printable(std::string_view(text).substr(begin, end - begin)));
    }
  };
  switch (ev.status) {
    case EventStatus::NotGoverned:
      out.print("{}not governed: the agreement declares no service {}\n", headline, printable(e.code));
      return;
    case EventStatus::Rejected:
      out.print("{}rejected, by {} rule{}\n", headline, ev.violation_count, ev.violation_count == 1 ? "" : "s");
      for (uint32_t j = 0; j < ev.violation_count; ++j)
        rule(v.violations[ev.first_violation + j], explained.violations[ev.first_violation + j]);
      return;
    case EventStatus::Accepted: {
      // The fee billed: the price level in force on the event's date, the variant for its flags.
      out.print("{}accepted{}\n", headline,
                ev.has_fee ? fmt::format(", fee {} (subsidy {}, patient {})", format_money(ev.fee.total),
                                         format_money(ev.fee.subsidy), format_money(ev.fee.patient))
                           : "");
      for (size_t i = 0; i < v.warnings.size(); ++i)
        if (v.warnings[i].event == event) rule(v.warnings[i].rule, explained.warnings[i]);
      return;
    }
  }
}

struct ExplainOptions {
  std::string agreement, histories, event;
  std::optional<std::string> course;
};

int explain(const ExplainOptions& options) {
  auto agreement = load_agreement(options.agreement);
  if (!agreement) return kFailure;
  Input input;
  if (!input.open(options.histories)) return kFailure;
  Output out = Output::standard();
  Evaluator::Scratch s;
  LineReader reader(input.fd());
  std::string_view line;
  while (reader.next(&line)) {
    std::string unreadable;  // a line that is not a history cannot hold the event
    if (!read_history_json(s, agreement->program(), agreement->index(), line, &unreadable)) continue;
    if (options.course && s.history.id != *options.course) continue;
    size_t event = 0;
    while (event < s.history.events.size() && s.history.events[event].id != options.event) ++event;
    if (event == s.history.events.size()) continue;
    Explained explained;
    if (!evaluate_explained(*agreement, s.history, std::nullopt, s.state, &s.verdict, &explained)) {
      eprint("agr: history {}: {}\n", printable(s.history.id), printable(s.verdict.error));
      return out.finish(kInputErrors);
    }
    print_explained(out, *agreement, s.history, s.verdict, explained, event);
    return out.finish(kOk);
  }
  if (reader.error()) {
    eprint("agr: cannot read {}: {}\n", printable(input.name()), std::strerror(reader.error()));
    return out.finish(kFailure);
  }
  eprint("agr: no history in {}{} has an event '{}'\n", printable(input.name()),
         options.course ? " with the id '" + printable(*options.course) + "'" : "", printable(options.event));
  return out.finish(kInputErrors);
}

}  // namespace

Command add_explain_command(CLI::App& agr) {
  auto options = std::make_shared<ExplainOptions>();
  CLI::App* command = agr.add_subcommand(
      "explain", "why one event got its verdict, for people: the clause that decided and the values it compared");
  command->footer(
      "Exit status: 0 the event was explained; 1 no history has the event, or its history is not valid; 2 a usage "
      "error, an agreement that does not load, or input or output that failed.");
  command->add_option("AGREEMENT", options->agreement, "the agreement: .agr (compiled in memory) or .agrc")
      ->required();
  command->add_option("HISTORIES", options->histories, "a JSON Lines file of course histories, or - for standard input")
      ->required();
  command->add_option("EVENT_ID", options->event, "the id of the event to explain")->required();
  command->add_option("--course", options->course, "the history with this id (default: the first with the event)")
      ->type_name("ID");
  return {command, [options] { return explain(*options); }};
}

}  // namespace agr::cli
