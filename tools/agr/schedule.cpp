// `agr schedule AGREEMENT HISTORIES [--as-of DATE]`: what is due per course, for people: a table
// per course, overdue items first, then by target date. Everything read from the input (ids,
// codes, messages quoting it) is printed through `printable`: no escape sequence reaches the
// terminal.
#include <algorithm>

#include "cli.h"
#include "program.h"

namespace agr::cli {
namespace {

// Characters, not bytes, so Danish letters keep the columns straight.
size_t chars(std::string_view text) {
  size_t n = 0;
  for (unsigned char ch : text) n += (ch & 0xC0) != 0x80;
  return n;
}

struct Row {
  bool overdue;
  Day target;
  std::string cells[6];  // state, code, service, earliest, target, latest
  std::string rule;
};

void print_course(Output& out, const Program& p, const std::string& id, const CourseVerdict& v) {
  std::vector<Row> rows;
  for (const DueVerdict& d : v.due) {
    const DueItem& item = p.dues[d.due];
    const Service& service = p.services[item.service];
    rows.push_back({d.overdue, d.target,
                    {d.overdue ? "OVERDUE" : "due", printable(service.code), printable(service.title),
                     format_date(d.earliest), format_date(d.target), d.has_latest ? format_date(d.latest) : "-"},
                    printable(item.rule)});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.overdue != b.overdue) return a.overdue;
    return a.target < b.target;
  });
  if (v.evaluation_date)
    out.print("{}  (as of {})\n", printable(id), format_date(*v.evaluation_date));
  else
    out.print("{}  (no events)\n", printable(id));
  if (rows.empty()) {
    out.print("  nothing due\n\n");
    return;
  }
  const char* headers[6] = {"", "code", "service", "earliest", "target", "latest"};
  size_t width[6];
  for (int c = 0; c < 6; ++c) {
    width[c] = chars(headers[c]);
    for (const Row& r : rows) width[c] = std::max(width[c], chars(r.cells[c]));
  }
  width[2] = std::min<size_t>(width[2], 48);
  auto cell = [&](const std::string& text, int c) {
    std::string t = text;
    if (chars(t) > width[c]) {  // cut at a character boundary
      size_t keep = 0, seen = 0;
      while (keep < t.size() && seen < width[c] - 3) {
        ++keep;
        while (keep < t.size() && (static_cast<unsigned char>(t[keep]) & 0xC0) == 0x80) ++keep;
        ++seen;
      }
      t = t.substr(0, keep) + "...";
    }
    return t + std::string(width[c] - std::min(width[c], chars(t)), ' ');
  };
  std::string line = "  ";
  for (int c = 0; c < 6; ++c) line += cell(headers[c], c) + "  ";
  out.print("{}rule\n", line);
  for (const Row& r : rows) {
    line = "  ";
    for (int c = 0; c < 6; ++c) line += cell(r.cells[c], c) + "  ";
    out.print("{}{}\n", line, r.rule);
  }
  out.write("\n");
}

struct ScheduleOptions {
  std::string agreement, histories;
  std::optional<Day> as_of;
};

int schedule(const ScheduleOptions& options) {
  auto agreement = load_agreement(options.agreement);
  if (!agreement) return kFailure;
  Input input;
  if (!input.open(options.histories)) return kFailure;
  Evaluator evaluator(agreement);
  Output out = Output::standard();
  CourseVerdict verdict;
  std::string id;
  const int status = for_each_line({"schedule"}, input, out, [&](std::string_view line, uint64_t number) {
    if (!evaluator.evaluate_json(line, options.as_of, &verdict, &id)) {
      out.print("{}  line {}: {}\n\n", id.empty() ? "(no id)" : printable(id), number, printable(verdict.error));
      return false;
    }
    print_course(out, agreement->program(), id, verdict);
    return true;
  });
  return out.finish(status);
}

}  // namespace

Command add_schedule_command(CLI::App& agr) {
  auto options = std::make_shared<ScheduleOptions>();
  CLI::App* command =
      agr.add_subcommand("schedule", "what is due per course, as a table for people: overdue items first");
  command->add_option("AGREEMENT", options->agreement, "the agreement: .agr or .agrc")->required();
  command->add_option("HISTORIES", options->histories, "a JSON Lines file of course histories, or - for standard input")
      ->required();
  add_as_of_option(command, &options->as_of);
  return {command, [options] { return schedule(*options); }};
}

}  // namespace agr::cli
