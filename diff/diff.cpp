// The engine of `agr diff`; diff.h says what it compares and docs/diff.md shows the reports.
#include "diff.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>
#include <vector>

#include "batch_run.h"
#include "diagnostics.h"     // printable
#include "program.h"
#include "verdict_writer.h"  // append_json_string

namespace agr::diff {
namespace {

// ---- one version's verdict, in the terms both versions share ------------------------------------

// An amount split as a fee is (øre): an event's fee, a course's totals, or a change in them.
struct Money {
  int64_t total = 0, subsidy = 0, patient = 0;
  bool operator==(const Money&) const = default;
  Money operator-(const Money& b) const { return {total - b.total, subsidy - b.subsidy, patient - b.patient}; }
  Money& operator+=(const Money& b) {
    total += b.total;
    subsidy += b.subsidy;
    patient += b.patient;
    return *this;
  }
};

// The fee an accepted event was billed under one version, or none: the verdict's, which is the
// price level in force on the event's date and the variant for its flags. Every fee the diff
// compares is read here.
std::optional<Money> fee_of(const EventVerdict& event) {
  if (event.status != EventStatus::Accepted || !event.has_fee) return std::nullopt;
  return Money{event.fee.total, event.fee.subsidy, event.fee.patient};
}

Money totals_of(const CourseVerdict& verdict) {
  return {verdict.totals.total, verdict.totals.subsidy, verdict.totals.patient};
}

// One version's judgement of one course.
struct Side {
  const Program& program;
  const CourseVerdict& verdict;

  std::optional<Money> fee(size_t event) const { return fee_of(verdict.events[event]); }

  // The ids of the rules the event broke, sorted.
  std::vector<std::string_view> rules(size_t event) const {
    const EventVerdict& e = verdict.events[event];
    std::vector<std::string_view> ids;
    for (uint32_t k = 0; k < e.violation_count; ++k)
      ids.push_back(program.rules[verdict.violations[e.first_violation + k]].id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // Warnings as (rule id, event index), sorted.
  std::vector<std::pair<std::string_view, uint32_t>> warnings() const {
    std::vector<std::pair<std::string_view, uint32_t>> list;
    for (const WarningVerdict& w : verdict.warnings) list.emplace_back(program.rules[w.rule].id, w.event);
    std::sort(list.begin(), list.end());
    return list;
  }

  // Due items, sorted by (rule id, service code, dates).
  struct Due {
    std::string_view rule, code;
    const DueVerdict* item;
    auto group() const { return std::tie(rule, code); }
    auto identity() const {
      const DueVerdict& d = *item;
      return std::make_tuple(rule, code, d.earliest, d.target, d.has_latest, d.has_latest ? d.latest : 0, d.overdue);
    }
  };
  std::vector<Due> due() const {
    std::vector<Due> list;
    for (const DueVerdict& d : verdict.due) {
      const DueItem& item = program.dues[d.due];
      list.push_back({item.rule, program.services[item.service].code, &d});
    }
    std::sort(list.begin(), list.end(), [](const Due& a, const Due& b) { return a.identity() < b.identity(); });
    return list;
  }
};

// ---- what changed in one course -----------------------------------------------------------------

struct WarningChange {
  std::string_view rule;
  std::optional<uint32_t> old_event, new_event;  // went: new absent; appeared: old absent; moved: both
};

struct DueChange {
  std::string_view rule, code;
  const DueVerdict *old_item, *new_item;  // went: new null; appeared: old null; moved: both
};

struct CourseChange {
  std::vector<uint32_t> events;  // input indexes of the events whose verdict changed
  std::vector<WarningChange> warnings;
  std::vector<DueChange> due;
  bool totals = false;
  bool any() const { return !events.empty() || !warnings.empty() || !due.empty() || totals; }
};

// Matches `olds` against `news`, each sorted by `identity`: an item on both sides is unchanged;
// the rest went (old only) or appeared (new only), except that within one `group` (a prefix of
// the identity) the k-th item that went and the k-th that appeared are one item that moved.
// `on_change(old, new)` gets null for a missing side.
template <typename T, typename Identity, typename Group, typename OnChange>
void match(const std::vector<T>& olds, const std::vector<T>& news, Identity identity, Group group, OnChange on_change) {
  std::vector<const T*> went, appeared;
  size_t i = 0, j = 0;
  while (i < olds.size() || j < news.size()) {
    if (j == news.size() || (i < olds.size() && identity(olds[i]) < identity(news[j]))) went.push_back(&olds[i++]);
    else if (i == olds.size() || identity(news[j]) < identity(olds[i])) appeared.push_back(&news[j++]);
    else ++i, ++j;
  }
  size_t a = 0, b = 0;
  while (a < went.size() || b < appeared.size()) {
    if (b == appeared.size() || (a < went.size() && group(*went[a]) < group(*appeared[b]))) on_change(went[a++], nullptr);
    else if (a == went.size() || group(*appeared[b]) < group(*went[a])) on_change(nullptr, appeared[b++]);
    else on_change(went[a++], appeared[b++]);
  }
}

CourseChange compare(const Side& old_side, const Side& new_side) {
  CourseChange change;
  const size_t events = std::min(old_side.verdict.events.size(), new_side.verdict.events.size());
  for (uint32_t e = 0; e < events; ++e) {
    if (old_side.verdict.events[e].status != new_side.verdict.events[e].status ||
        old_side.rules(e) != new_side.rules(e) || old_side.fee(e) != new_side.fee(e))
      change.events.push_back(e);
  }
  using Warning = std::pair<std::string_view, uint32_t>;  // (rule id, event)
  match(
      old_side.warnings(), new_side.warnings(), [](const Warning& w) { return w; },
      [](const Warning& w) { return w.first; },
      [&](const Warning* o, const Warning* n) {
        change.warnings.push_back({o ? o->first : n->first, o ? std::optional(o->second) : std::nullopt,
                                   n ? std::optional(n->second) : std::nullopt});
      });
  using Due = Side::Due;
  match(
      old_side.due(), new_side.due(), [](const Due& d) { return d.identity(); }, [](const Due& d) { return d.group(); },
      [&](const Due* o, const Due* n) {
        const Due& any = o ? *o : *n;
        change.due.push_back({any.rule, any.code, o ? o->item : nullptr, n ? n->item : nullptr});
      });
  change.totals = !(totals_of(old_side.verdict) == totals_of(new_side.verdict));
  return change;
}

// ---- the course's ids and codes, read from its line only when something changed -----------------

struct Course {
  std::vector<std::string> event_ids, codes;  // in input order
};

Course read_course(simdjson::dom::parser& parser, std::string_view line) {
  Course course;
  simdjson::dom::array events;
  if (parser.parse(line.data(), line.size()).get_object()["events"].get_array().get(events) != simdjson::SUCCESS)
    return course;
  for (simdjson::dom::element event : events) {
    std::string_view id, code;
    if (event["id"].get_string().get(id) != simdjson::SUCCESS) id = "";
    if (event["code"].get_string().get(code) != simdjson::SUCCESS) code = "";
    course.event_ids.emplace_back(id);
    course.codes.emplace_back(code);
  }
  return course;
}

// ---- the summary by rule and by service code ---------------------------------------------------

struct RuleTally {
  uint64_t now_rejects = 0, no_longer_rejects = 0, warnings_appeared = 0, warnings_went = 0, due_changed = 0;
  Money money;  // the fee change of the events whose rejection by this rule changed
};

struct CodeTally {
  uint64_t events = 0;
  Money money;
};

// The summary's rows for a part of the input; the parts' summaries add up to the whole's, in any
// order (every row is a sum), which is what lets the workers of compare_json_lines keep their own.
struct Summary {
  std::map<std::string, RuleTally, std::less<>> rules;
  std::map<std::string, CodeTally, std::less<>> codes;
  uint64_t one_sided_errors = 0;
  Money money;

  void add(const Summary& part) {
    for (const auto& [rule, t] : part.rules) {
      RuleTally& sum = rules[rule];
      sum.now_rejects += t.now_rejects;
      sum.no_longer_rejects += t.no_longer_rejects;
      sum.warnings_appeared += t.warnings_appeared;
      sum.warnings_went += t.warnings_went;
      sum.due_changed += t.due_changed;
      sum.money += t.money;
    }
    for (const auto& [code, t] : part.codes) {
      CodeTally& sum = codes[code];
      sum.events += t.events;
      sum.money += t.money;
    }
    one_sided_errors += part.one_sided_errors;
    money += part.money;
  }
};

// ---- the report ---------------------------------------------------------------------------------

const char* status_word(EventStatus status) {
  switch (status) {
    case EventStatus::Accepted: return "accepted";
    case EventStatus::Rejected: return "rejected";
    case EventStatus::NotGoverned: return "not_governed";
  }
  return "?";
}

std::string signed_money(int64_t ore) { return (ore > 0 ? "+" : "") + format_money(ore); }

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view item : items) out += (out.empty() ? "" : ", ") + printable(item);
  return out;
}

// Writes courses' reports to `out`, adding their rows to `summary`, and at the end the summary.
class Report {
 public:
  Report(std::string& out, Summary& summary, bool jsonl) : out_(out), summary_(summary), jsonl_(jsonl) {}

  void one_sided_error(std::string_view id, uint64_t line, bool old_failed, const std::string& message) {
    ++summary_.one_sided_errors;
    if (jsonl_) {
      std::string& o = out_;
      begin_course(id, line);
      o += ",\"error\":{\"version\":\"";
      o += old_failed ? "old" : "new";
      o += "\",\"message\":";
      append_json_string(&o, message);
      o += "}}\n";
      return;
    }
    print("{} (line {})\n  an error under the {} agreement only: {}\n\n", course_name(id), line,
               old_failed ? "old" : "new", printable(message));
  }

  void course(std::string_view id, uint64_t line, const Course& course, const Side& o, const Side& n,
              const CourseChange& change) {
    tally(course, o, n, change);
    if (jsonl_) write_json(id, line, course, o, n, change);
    else write_text(id, line, course, o, n, change);
  }

  // The summary (text only) and the closing line.
  void finish(uint64_t compared, uint64_t changed) {
    if (!jsonl_ && changed > 0) write_summary();
    print("compared {} courses: {} changed\n", compared, changed);
  }

 private:
  template <typename... T>
  void print(fmt::format_string<T...> format, T&&... args) {
    fmt::format_to(std::back_inserter(out_), format, std::forward<T>(args)...);
  }

  static std::string course_name(std::string_view id) { return id.empty() ? "(no id)" : printable(id); }

  std::string event_name(const Course& course, uint32_t e) const {
    if (e < course.event_ids.size()) return printable(course.event_ids[e]);
    return "#" + std::to_string(e + 1);
  }

  std::string_view code(const Course& course, const Side& side, uint32_t e) const {
    const int32_t service = side.verdict.events[e].service;
    if (service >= 0) return side.program.services[static_cast<size_t>(service)].code;
    return e < course.codes.size() ? std::string_view(course.codes[e]) : std::string_view();
  }

  void tally(const Course& course, const Side& o, const Side& n, const CourseChange& change) {
    for (const uint32_t e : change.events) {
      const Money moved = n.fee(e).value_or(Money{}) - o.fee(e).value_or(Money{});
      summary_.money += moved;
      CodeTally& by_code = summary_.codes[std::string(code(course, n, e))];
      ++by_code.events;
      by_code.money += moved;
      const auto old_rules = o.rules(e), new_rules = n.rules(e);
      for (std::string_view rule : old_rules)
        if (!std::binary_search(new_rules.begin(), new_rules.end(), rule)) {
          RuleTally& t = summary_.rules[std::string(rule)];
          ++t.no_longer_rejects;
          t.money += moved;
        }
      for (std::string_view rule : new_rules)
        if (!std::binary_search(old_rules.begin(), old_rules.end(), rule)) {
          RuleTally& t = summary_.rules[std::string(rule)];
          ++t.now_rejects;
          t.money += moved;
        }
    }
    for (const WarningChange& w : change.warnings) {
      RuleTally& t = summary_.rules[std::string(w.rule)];
      if (!w.old_event) ++t.warnings_appeared;
      if (!w.new_event) ++t.warnings_went;
    }
    for (const DueChange& d : change.due) ++summary_.rules[std::string(d.rule)].due_changed;
  }

  // "rejected (LBP-2, LBP-6)", "accepted"
  static std::string verdict_text(const Side& side, uint32_t e) {
    const EventStatus status = side.verdict.events[e].status;
    std::string text = status_word(status);
    if (status == EventStatus::Rejected) text += " (" + join(side.rules(e)) + ")";
    return text;
  }

  static std::string fee_text(const std::optional<Money>& fee) {
    if (!fee) return "none";
    return fmt::format("{} (subsidy {}, patient {})", format_money(fee->total), format_money(fee->subsidy),
                       format_money(fee->patient));
  }

  static std::string due_text(const DueVerdict& d) {
    std::string text = "earliest " + format_date(d.earliest) + ", target " + format_date(d.target);
    if (d.has_latest) text += ", latest " + format_date(d.latest);
    if (d.overdue) text += ", overdue";
    return text;
  }

  // What moved, field by field: "target 2026-03-02 → 2026-03-16".
  static std::string due_moves(const DueVerdict& a, const DueVerdict& b) {
    std::vector<std::string> moves;
    auto date = [](bool has, Day day) { return has ? format_date(day) : std::string("none"); };
    if (a.earliest != b.earliest) moves.push_back("earliest " + format_date(a.earliest) + " → " + format_date(b.earliest));
    if (a.target != b.target) moves.push_back("target " + format_date(a.target) + " → " + format_date(b.target));
    if (date(a.has_latest, a.latest) != date(b.has_latest, b.latest))
      moves.push_back("latest " + date(a.has_latest, a.latest) + " → " + date(b.has_latest, b.latest));
    if (a.overdue != b.overdue) moves.push_back(a.overdue ? "no longer overdue" : "now overdue");
    std::string text;
    for (const std::string& move : moves) text += (text.empty() ? "" : ", ") + move;
    return text;
  }

  void write_text(std::string_view id, uint64_t line, const Course& course, const Side& o, const Side& n,
                  const CourseChange& change) {
    print("{} (line {})\n", course_name(id), line);
    for (const uint32_t e : change.events) {
      std::string what;
      const std::string before = verdict_text(o, e), after = verdict_text(n, e);
      if (before != after) what = before + " → " + after;
      const auto old_fee = o.fee(e), new_fee = n.fee(e);
      if (old_fee != new_fee) what += (what.empty() ? "fee " : "; fee ") + fee_text(old_fee) + " → " + fee_text(new_fee);
      print("  {}  {}  {}\n", event_name(course, e), printable(code(course, n, e)), what);
    }
    for (const WarningChange& w : change.warnings) {
      if (w.old_event && w.new_event)
        print("  warning {}: moved from {} to {}\n", printable(w.rule), event_name(course, *w.old_event),
                   event_name(course, *w.new_event));
      else if (w.new_event)
        print("  warning {}: appeared on {}\n", printable(w.rule), event_name(course, *w.new_event));
      else
        print("  warning {}: went from {}\n", printable(w.rule), event_name(course, *w.old_event));
    }
    for (const DueChange& d : change.due) {
      const std::string what = d.old_item && d.new_item ? "moved: " + due_moves(*d.old_item, *d.new_item)
                               : d.new_item             ? "appeared: " + due_text(*d.new_item)
                                                        : "went: " + due_text(*d.old_item);
      print("  due {} ({}): {}\n", printable(d.code), printable(d.rule), what);
    }
    if (change.totals) {
      const Money before = totals_of(o.verdict), after = totals_of(n.verdict), moved = after - before;
      print("  totals {} → {}: total {}, subsidy {}, patient {}\n", format_money(before.total),
                 format_money(after.total), signed_money(moved.total), signed_money(moved.subsidy),
                 signed_money(moved.patient));
    }
    out_ += '\n';
  }

  // A table for people: the first column left-aligned, the others right-aligned, each as wide
  // as its widest cell.
  void write_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width(rows.front().size(), 0);
    for (const auto& row : rows)
      for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    for (const auto& row : rows) {
      std::string line = "  " + row[0] + std::string(width[0] - row[0].size(), ' ');
      for (size_t c = 1; c < row.size(); ++c) line += "  " + std::string(width[c] - row[c].size(), ' ') + row[c];
      print("{}\n", line);
    }
  }

  void write_summary() {
    auto money = [](const Money& m) {
      return std::vector<std::string>{signed_money(m.total), signed_money(m.subsidy), signed_money(m.patient)};
    };
    if (!summary_.rules.empty()) {
      std::vector<std::vector<std::string>> rows = {{"rule", "now rejects", "no longer", "warnings +", "warnings -",
                                                     "due changed", "total", "subsidy", "patient"}};
      for (const auto& [rule, t] : summary_.rules) {
        rows.push_back({printable(rule), std::to_string(t.now_rejects), std::to_string(t.no_longer_rejects),
                        std::to_string(t.warnings_appeared), std::to_string(t.warnings_went),
                        std::to_string(t.due_changed)});
        for (std::string& amount : money(t.money)) rows.back().push_back(std::move(amount));
      }
      out_ += "by rule:\n";
      write_table(rows);
    }
    if (!summary_.codes.empty()) {
      std::vector<std::vector<std::string>> rows = {{"code", "events", "total", "subsidy", "patient"}};
      for (const auto& [code, t] : summary_.codes) {
        rows.push_back({printable(code), std::to_string(t.events)});
        for (std::string& amount : money(t.money)) rows.back().push_back(std::move(amount));
      }
      out_ += "by service code:\n";
      write_table(rows);
      print("money moved: total {}, subsidy {}, patient {}\n", signed_money(summary_.money.total),
                 signed_money(summary_.money.subsidy), signed_money(summary_.money.patient));
    }
    if (summary_.one_sided_errors > 0)
      print("{} line{} an error under one version only\n", summary_.one_sided_errors,
                 summary_.one_sided_errors == 1 ? " is" : "s are");
  }

  // ---- jsonl

  void begin_course(std::string_view id, uint64_t line) {
    std::string& o = out_;
    o += "{\"id\":";
    if (id.empty()) o += "null";
    else append_json_string(&o, id);
    o += ",\"line\":" + std::to_string(line);
  }

  // {"total":"327.12","subsidy":"128.56","patient":"198.56"}
  static void append_split(std::string& o, const Money& fee) {
    o += fmt::format(R"({{"total":"{}","subsidy":"{}","patient":"{}"}})", format_money(fee.total),
                     format_money(fee.subsidy), format_money(fee.patient));
  }

  // {"status":"rejected","rules":["LBP-6"]} or {"status":"accepted","fee":{...}}
  static void append_event_verdict(std::string& o, const Side& side, uint32_t e) {
    const EventStatus status = side.verdict.events[e].status;
    o += "{\"status\":\"";
    o += status_word(status);
    o += "\"";
    if (status == EventStatus::Rejected) {
      o += ",\"rules\":[";
      bool first = true;
      for (std::string_view rule : side.rules(e)) {
        if (!first) o += ",";
        first = false;
        append_json_string(&o, rule);
      }
      o += "]";
    }
    if (const auto fee = side.fee(e)) {
      o += ",\"fee\":";
      append_split(o, *fee);
    }
    o += "}";
  }

  static void append_due(std::string& o, const char* key, const DueVerdict& d) {
    o += fmt::format(",\"{}\":{{\"earliest\":\"{}\",\"target\":\"{}\"", key, format_date(d.earliest), format_date(d.target));
    if (d.has_latest) o += ",\"latest\":\"" + format_date(d.latest) + "\"";
    o += d.overdue ? ",\"overdue\":true}" : ",\"overdue\":false}";
  }

  void write_json(std::string_view id, uint64_t line, const Course& course, const Side& os, const Side& ns,
                  const CourseChange& change) {
    std::string& o = out_;
    begin_course(id, line);
    o += ",\"events\":[";
    for (size_t k = 0; k < change.events.size(); ++k) {
      const uint32_t e = change.events[k];
      o += k ? ",{\"id\":" : "{\"id\":";
      append_json_string(&o, e < course.event_ids.size() ? std::string_view(course.event_ids[e]) : std::string_view());
      o += ",\"code\":";
      append_json_string(&o, code(course, ns, e));
      o += ",\"old\":";
      append_event_verdict(o, os, e);
      o += ",\"new\":";
      append_event_verdict(o, ns, e);
      o += "}";
    }
    o += "],\"warnings\":[";
    for (size_t k = 0; k < change.warnings.size(); ++k) {
      const WarningChange& w = change.warnings[k];
      o += k ? ",{\"rule\":" : "{\"rule\":";
      append_json_string(&o, w.rule);
      o += w.old_event && w.new_event ? ",\"change\":\"moved\"" : w.new_event ? ",\"change\":\"appeared\"" : ",\"change\":\"went\"";
      if (w.old_event) {
        o += ",\"old_event\":";
        append_json_string(&o, *w.old_event < course.event_ids.size() ? course.event_ids[*w.old_event] : "");
      }
      if (w.new_event) {
        o += ",\"new_event\":";
        append_json_string(&o, *w.new_event < course.event_ids.size() ? course.event_ids[*w.new_event] : "");
      }
      o += "}";
    }
    o += "],\"due\":[";
    for (size_t k = 0; k < change.due.size(); ++k) {
      const DueChange& d = change.due[k];
      o += k ? ",{\"code\":" : "{\"code\":";
      append_json_string(&o, d.code);
      o += ",\"rule\":";
      append_json_string(&o, d.rule);
      o += d.old_item && d.new_item ? ",\"change\":\"moved\"" : d.new_item ? ",\"change\":\"appeared\"" : ",\"change\":\"went\"";
      if (d.old_item) append_due(o, "old", *d.old_item);
      if (d.new_item) append_due(o, "new", *d.new_item);
      o += "}";
    }
    const Money before = totals_of(os.verdict), after = totals_of(ns.verdict);
    o += "],\"totals\":{\"old\":";
    append_split(o, before);
    o += ",\"new\":";
    append_split(o, after);
    o += ",\"change\":";
    append_split(o, after - before);
    o += "}}\n";
  }

  std::string& out_;
  Summary& summary_;
  bool jsonl_;
};

// Judges lines under both versions and reports the courses that changed: one per thread.
class Judge {
 public:
  enum class Outcome { Same, Changed, ErrorUnderBoth };

  Judge(std::shared_ptr<const Agreement> old_agreement, std::shared_ptr<const Agreement> new_agreement,
        std::optional<Day> as_of, bool jsonl)
      : old_agreement_(std::move(old_agreement)),
        new_agreement_(std::move(new_agreement)),
        as_of_(as_of),
        jsonl_(jsonl),
        old_evaluator_(old_agreement_),
        new_evaluator_(new_agreement_) {}

  // Judges line `line_number` under both versions; a course that changed is reported to *out and
  // its rows added to *summary.
  Outcome judge(std::string_view line, uint64_t line_number, std::string* out, Summary* summary) {
    const bool old_ok = old_evaluator_.evaluate_json(line, as_of_, &old_verdict_, &old_id_);
    const bool new_ok = new_evaluator_.evaluate_json(line, as_of_, &new_verdict_, &new_id_);
    if (!old_ok && !new_ok) return Outcome::ErrorUnderBoth;  // no change
    Report report(*out, *summary, jsonl_);
    if (old_ok != new_ok) {
      report.one_sided_error(old_ok ? old_id_ : new_id_, line_number, !old_ok,
                             old_ok ? new_verdict_.error : old_verdict_.error);
      return Outcome::Changed;
    }
    const Side old_side{old_agreement_->program(), old_verdict_}, new_side{new_agreement_->program(), new_verdict_};
    const CourseChange change = compare(old_side, new_side);
    if (!change.any()) return Outcome::Same;
    report.course(new_id_, line_number, read_course(parser_, line), old_side, new_side, change);
    return Outcome::Changed;
  }

 private:
  std::shared_ptr<const Agreement> old_agreement_, new_agreement_;
  std::optional<Day> as_of_;
  bool jsonl_;
  Evaluator old_evaluator_, new_evaluator_;
  CourseVerdict old_verdict_, new_verdict_;
  std::string old_id_, new_id_;
  simdjson::dom::parser parser_;
};

// The closing part of a report: the summary (text only, when something changed) and the line
// "compared N courses: M changed".
void finish_report(std::string& out, Summary& summary, bool jsonl, uint64_t compared, uint64_t changed) {
  Report(out, summary, jsonl).finish(compared, changed);
}

}  // namespace

struct Comparison::State {
  Judge judge;
  Summary summary;
  std::string* out;
  bool jsonl;
  uint64_t compared = 0, changed = 0;
};

Comparison::Comparison(std::shared_ptr<const Agreement> old_agreement, std::shared_ptr<const Agreement> new_agreement,
                       std::optional<Day> as_of, Format format, std::string* out)
    : state_(new State{Judge(std::move(old_agreement), std::move(new_agreement), as_of, format == Format::Jsonl), {},
                       out, format == Format::Jsonl}) {}

Comparison::~Comparison() = default;

bool Comparison::add_line(std::string_view line, uint64_t line_number) {
  State& s = *state_;
  s.compared = line_number;
  const Judge::Outcome outcome = s.judge.judge(line, line_number, s.out, &s.summary);
  s.changed += outcome == Judge::Outcome::Changed;
  return outcome != Judge::Outcome::ErrorUnderBoth;
}

void Comparison::finish() { finish_report(*state_->out, state_->summary, state_->jsonl, state_->compared, state_->changed); }

uint64_t Comparison::compared() const { return state_->compared; }
uint64_t Comparison::changed() const { return state_->changed; }

bool compare_json_lines(std::shared_ptr<const Agreement> old_agreement, std::shared_ptr<const Agreement> new_agreement,
                        Format format, const ReadInput& read, const WriteOutput& write, const RunOptions& options,
                        Counts* counts, std::string* error) {
  *counts = {};
  const bool jsonl = format == Format::Jsonl;
  struct Part {  // what a worker made of a block
    std::string out;  // its changed courses' reports
    Summary summary;  // and their rows
    Counts counts;
  };
  BlockRun run = block_run(options);
  std::vector<Part> parts(block_slots(run.threads));
  run.make_worker = [&]() -> BlockWorker {
    auto judge = std::make_shared<Judge>(old_agreement, new_agreement, options.as_of, jsonl);
    return [&parts, judge](const LineBlock& block) {
      Part& part = parts[block.slot];
      part.out.clear();
      part.summary = {};
      part.counts = {};
      block.each_line([&](PaddedLine line, uint64_t number) {
        const Judge::Outcome outcome = judge->judge(line.text, number, &part.out, &part.summary);
        ++part.counts.lines;
        part.counts.error_lines += outcome == Judge::Outcome::ErrorUnderBoth;
        part.counts.changed += outcome == Judge::Outcome::Changed;
      });
    };
  };
  Summary summary;
  RunSummary read_so_far;  // for on_written
  run.write = [&](const LineBlock& block, std::string* problem) {
    const Part& part = parts[block.slot];
    summary.add(part.summary);
    counts->lines += part.counts.lines;
    counts->error_lines += part.counts.error_lines;
    counts->changed += part.counts.changed;
    if (!write_out(write, part.out, problem)) return false;
    if (options.on_written) {
      read_so_far = {counts->lines, counts->error_lines, read_so_far.bytes + block.lines.size()};
      options.on_written(read_so_far);
    }
    return true;
  };
  if (!run_blocks(read, run, error)) return false;
  std::string tail;
  finish_report(tail, summary, jsonl, options.first_line - 1 + counts->lines, counts->changed);
  return write_out(write, tail, error);
}

}  // namespace agr::diff
