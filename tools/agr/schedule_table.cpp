// `agr schedule AGREEMENT HISTORIES [--as-of DATE]`: what is due per course, for people: a table
// per course, overdue items first, then by target date.
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>

#include "cli.h"
#include "line_reader.h"
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

void print_course(const Program& p, const std::string& id, const CourseVerdict& v) {
  std::vector<Row> rows;
  for (const DueVerdict& d : v.due) {
    const DueItem& item = p.dues[d.due];
    const Service& service = p.services[item.service];
    rows.push_back({d.overdue, d.target,
                    {d.overdue ? "OVERDUE" : "due", service.code, service.title, format_date(d.earliest),
                     format_date(d.target), d.has_latest ? format_date(d.latest) : "-"},
                    item.rule});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.overdue != b.overdue) return a.overdue;
    return a.target < b.target;
  });
  if (v.evaluation_date)
    fmt::print("{}  (as of {})\n", id, format_date(*v.evaluation_date));
  else
    fmt::print("{}  (no events)\n", id);
  if (rows.empty()) {
    fmt::print("  nothing due\n\n");
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
  fmt::print("{}rule\n", line);
  for (const Row& r : rows) {
    line = "  ";
    for (int c = 0; c < 6; ++c) line += cell(r.cells[c], c) + "  ";
    fmt::print("{}{}\n", line, r.rule);
  }
  fmt::print("\n");
}

}  // namespace

int cmd_schedule(const std::vector<std::string>& args) {
  std::string agreement_path, histories_path;
  std::optional<Day> as_of;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--as-of" && i + 1 < args.size()) {
      Day day;
      if (!parse_date(args[++i], &day)) {
        fmt::print(stderr, "agr: --as-of needs a date YYYY-MM-DD, not '{}'\n", args[i]);
        return 2;
      }
      as_of = day;
    } else if (agreement_path.empty()) {
      agreement_path = args[i];
    } else if (histories_path.empty()) {
      histories_path = args[i];
    } else {
      fmt::print(stderr, "agr: unexpected argument '{}'\n", args[i]);
      return 2;
    }
  }
  if (histories_path.empty()) {
    fmt::print(stderr, "usage: agr schedule AGREEMENT HISTORIES [--as-of YYYY-MM-DD]\n");
    return 2;
  }
  std::string error;
  auto agreement = load_agreement(agreement_path, &error);
  if (!agreement) {
    fmt::print(stderr, "{}", error);
    return 2;
  }
  std::FILE* in = histories_path == "-" ? stdin : std::fopen(histories_path.c_str(), "rb");
  if (!in) {
    fmt::print(stderr, "agr: cannot read {}\n", histories_path);
    return 2;
  }
  Evaluator evaluator(agreement);
  LineReader reader(in);
  CourseVerdict verdict;
  std::string_view line;
  std::string id;
  uint64_t line_number = 0;
  bool any_error = false;
  while (reader.next(&line)) {
    ++line_number;
    if (!evaluator.evaluate_json(line, as_of, &verdict, &id)) {
      any_error = true;
      fmt::print("{}  line {}: {}\n\n", id.empty() ? "(no id)" : id, line_number, verdict.error);
      continue;
    }
    print_course(agreement->program(), id, verdict);
  }
  if (in != stdin) std::fclose(in);
  return any_error ? 1 : 0;
}

}  // namespace agr::cli
