#include "normal_form.h"

#include <algorithm>
#include <limits>

#include "calendar.h"
#include "program.h"

namespace agr::bench {
namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

bool parse_money(std::string_view text, int64_t* ore) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  const size_t point = text.find('.');
  if (point == std::string_view::npos || point == 0 || text.size() != point + 3) return false;
  int64_t v = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == point) continue;
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *ore = negative ? -v : v;
  return true;
}

}  // namespace

Normaliser::Normaliser(const Program& p) : program_(p) {
  canonical_rule_.resize(p.rules.size());
  for (uint32_t r = 0; r < p.rules.size(); ++r) {
    auto [it, fresh] = rule_by_id_.emplace(p.rules[r].id, r);
    canonical_rule_[r] = it->second;
  }
  for (uint32_t d = 0; d < p.dues.size(); ++d)
    due_by_key_.emplace(p.dues[d].rule + ' ' + p.services[p.dues[d].service].code, d);
}

void Normaliser::append(const CourseVerdict& v, bool ok, std::vector<int64_t>* out, const std::vector<uint8_t>* exact,
                        bool whole) const {
  if (!ok) {
    out->push_back(-1);
    return;
  }
  auto compared = [exact](size_t event) { return !exact || (*exact)[event]; };
  out->push_back(static_cast<int64_t>(v.events.size()));
  for (size_t i = 0; i < v.events.size(); ++i) {
    if (!compared(i)) {
      out->push_back(kUnknown);
      continue;
    }
    const EventVerdict& e = v.events[i];
    const uint32_t broken = e.status == EventStatus::Rejected ? e.violation_count : 0;
    out->push_back(static_cast<int64_t>(static_cast<uint64_t>(e.status) | uint64_t(e.has_fee) << 2 | uint64_t(broken) << 3));
    const size_t rules_at = out->size();
    for (uint32_t j = 0; j < broken; ++j) out->push_back(canonical_rule_[v.violations[e.first_violation + j]]);
    std::sort(out->begin() + rules_at, out->end());
  }
  const size_t count_at = out->size();
  out->push_back(0);
  for (const WarningVerdict& w : v.warnings)
    if (compared(w.event)) out->push_back(int64_t(canonical_rule_[w.rule]) << 32 | w.event);
  (*out)[count_at] = static_cast<int64_t>(out->size() - count_at - 1);
  std::sort(out->begin() + count_at + 1, out->end());
  if (!whole) {
    out->push_back(kUnknown);  // totals
    out->push_back(kUnknown);  // due items
    return;
  }
  out->push_back(v.totals.total);
  out->push_back(v.totals.subsidy);
  out->push_back(v.totals.patient);
  out->push_back(static_cast<int64_t>(v.due.size()));
  for (const DueVerdict& d : v.due) {
    out->push_back(d.due);
    out->push_back(d.earliest);
    out->push_back(d.target);
    out->push_back(d.has_latest ? d.latest : kNone);
    out->push_back(d.overdue);
  }
}

bool Normaliser::append_json(std::string_view line, std::vector<int64_t>* out, std::string* error) {
  using simdjson::dom::element;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  padded_.assign(line);
  padded_.append(simdjson::SIMDJSON_PADDING, ' ');
  element doc;
  if (parser_.parse(padded_.data(), line.size(), false).get(doc)) {
    *error = "not JSON";
    return false;
  }
  if (doc["error"].error() == simdjson::SUCCESS) {
    out->push_back(-1);
    return true;
  }
  simdjson::dom::array events, warnings, due;
  simdjson::dom::object totals;
  if (doc["events"].get(events) || doc["warnings"].get(warnings) || doc["totals"].get(totals) || doc["due"].get(due)) {
    *error = "a verdict line without events, warnings, totals or due";
    return false;
  }
  event_index_.clear();
  out->push_back(static_cast<int64_t>(events.size()));
  uint32_t index = 0;
  for (element e : events) {
    std::string_view id, status;
    if (e["id"].get(id) || e["status"].get(status)) {
      *error = "an event without id or status";
      return false;
    }
    event_index_.emplace(id, index++);
    uint64_t word = status == "accepted" ? uint64_t(EventStatus::Accepted)
                    : status == "rejected" ? uint64_t(EventStatus::Rejected)
                                           : uint64_t(EventStatus::NotGoverned);
    if (e["fee"].error() == simdjson::SUCCESS) word |= 4;
    const size_t word_at = out->size();
    out->push_back(0);
    simdjson::dom::array violations;
    if (!e["violations"].get(violations)) {
      word |= uint64_t(violations.size()) << 3;
      for (element x : violations) {
        std::string_view rule;
        if (x["rule"].get(rule)) {
          *error = "a violation without a rule";
          return false;
        }
        auto it = rule_by_id_.find(std::string(rule));
        if (it == rule_by_id_.end()) {
          *error = "unknown rule " + std::string(rule);
          return false;
        }
        out->push_back(it->second);
      }
      std::sort(out->begin() + word_at + 1, out->end());
    }
    (*out)[word_at] = static_cast<int64_t>(word);
  }
  out->push_back(static_cast<int64_t>(warnings.size()));
  const size_t warnings_at = out->size();
  for (element w : warnings) {
    std::string_view rule, event;
    if (w["rule"].get(rule) || w["event"].get(event)) {
      *error = "a warning without rule or event";
      return false;
    }
    auto r = rule_by_id_.find(std::string(rule));
    auto e = event_index_.find(event);
    if (r == rule_by_id_.end() || e == event_index_.end()) {
      *error = "a warning naming an unknown rule or event";
      return false;
    }
    out->push_back(int64_t(r->second) << 32 | e->second);
  }
  std::sort(out->begin() + warnings_at, out->end());
  for (const char* key : {"total", "subsidy", "patient"}) {
    std::string_view text;
    int64_t ore = 0;
    if (totals[key].get(text) || !parse_money(text, &ore)) {
      *error = std::string("bad totals.") + key;
      return false;
    }
    out->push_back(ore);
  }
  out->push_back(static_cast<int64_t>(due.size()));
  for (element d : due) {
    std::string_view code, rule, earliest, target, latest;
    bool overdue = false;
    if (d["code"].get(code) || d["rule"].get(rule) || d["earliest"].get(earliest) || d["target"].get(target) ||
        d["overdue"].get(overdue)) {
      *error = "a due item without code, rule, earliest, target or overdue";
      return false;
    }
    auto it = due_by_key_.find(std::string(rule) + ' ' + std::string(code));
    Day e = 0, t = 0, l = 0;
    const bool has_latest = !d["latest"].get(latest);
    if (it == due_by_key_.end() || !parse_iso_date(earliest, &e) || !parse_iso_date(target, &t) ||
        (has_latest && !parse_iso_date(latest, &l))) {
      *error = "a due item with an unknown code or a bad date";
      return false;
    }
    out->push_back(it->second);
    out->push_back(e);
    out->push_back(t);
    out->push_back(has_latest ? l : kNone);
    out->push_back(overdue);
  }
  return true;
}

}  // namespace agr::bench
