// fuzz_evaluate: structured. The fuzzer's bytes drive a generator of VALID course histories
// (dates in 2024-2027, codes drawn from each agreement's services plus a few it does not govern,
// declared flags only, clinics, a referral where the agreement requires one, the facts it
// declares, unique event ids), evaluated against every bundled and example agreement. Invariants checked on every verdict:
//   - evaluation succeeds (the history is valid), and every event gets exactly one verdict;
//   - not_governed exactly for unknown codes; a rejected event names >= 1 violation, each a
//     rejection rule that judges the event's code; accepted and not_governed events name none;
//   - a fee exactly on accepted events with a fee in force on their date (their service's line in
//     the price level of that date, the variant for their flags), and those fees sum to the totals;
//     totals.total == subsidy + patient;
//   - warnings only on accepted events, each from a warning rule that judges the event's code;
//   - due items: earliest <= latest where latest is present; overdue == latest < evaluation date;
//     the evaluation date is --as-of, else the latest event date; no due items without events;
//   - the same history through the JSON Lines path gives one line of valid JSON with the same
//     statuses and totals; evaluating again gives the same verdict (no state leaks between runs);
//   - the spec's evaluation order (by date, input order within a date) makes the verdict
//     independent of how events of different dates are arranged in the input.
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <string>

#include "evaluate.h"
#include "fuzz_common.h"
#include "program.h"

namespace agr::fuzz {
namespace {

constexpr const char* kTarget = "fuzz_evaluate";

Day day_of(const char* text) {
  Day d = 0;
  if (!parse_date(text, &d)) fail(kTarget, std::string("bad constant date ") + text);
  return d;
}

const Day kFirst = day_of("2024-01-01");
const Day kLast = day_of("2027-12-31");

Day clamp_day(int64_t d) { return static_cast<Day>(std::clamp<int64_t>(d, kFirst, kLast)); }

struct Generated {
  HistoryInput history;
  std::optional<Day> as_of;
};

Generated generate(ByteSource& in, const Program& p) {
  static const char* const kUnknownCodes[] = {"9999", "0000", "X1", ""};
  static const char* const kClinics[] = {"K1", "K2", "K3"};
  Generated g;
  HistoryInput& h = g.history;
  h.id = "fuzz-" + std::to_string(in.below(1000));
  Day day = clamp_day(kFirst + in.below(static_cast<uint32_t>(kLast - kFirst + 1)));
  if (p.referral_required || in.coin(2)) {
    const Day referral = in.coin(8) ? clamp_day(kFirst + in.below(static_cast<uint32_t>(kLast - kFirst + 1)))
                                    : clamp_day(int64_t(day) - in.below(60));
    h.referral_date = format_date(referral);
  }
  if (in.coin(2)) h.clinic = kClinics[in.below(3)];
  h.facts = generate_facts(in, p, day, false);
  size_t events = in.below(24);
  if (in.coin(16)) events = in.below(300);
  for (size_t i = 0; i < events && !in.empty(); ++i) {
    EventInput e;
    e.id = "e" + std::to_string(i);
    switch (in.below(8)) {
      case 0: day = clamp_day(kFirst + in.below(static_cast<uint32_t>(kLast - kFirst + 1))); break;  // anywhere
      case 1: day = clamp_day(int64_t(day) - in.below(30)); break;  // earlier: input out of date order
      case 2: case 3: break;                                       // the same day
      default: day = clamp_day(int64_t(day) + in.below(60)); break;
    }
    e.date = format_date(day);
    if (p.services.empty() || in.coin(10))
      e.code = kUnknownCodes[in.below(4)];
    else
      e.code = p.services[in.below(static_cast<uint32_t>(p.services.size()))].code;
    if (in.coin(3)) e.clinic = kClinics[in.below(3)];
    for (const std::string& flag : p.flags)
      if (in.coin(4)) e.flags.push_back(flag);
    h.events.push_back(std::move(e));
  }
  if (in.coin(4)) g.as_of = clamp_day(kFirst + in.below(static_cast<uint32_t>(kLast - kFirst + 1)));
  return g;
}

bool in_set(const Program& p, uint32_t set, int32_t service) {
  return std::binary_search(p.sets[set].begin(), p.sets[set].end(), static_cast<uint32_t>(service));
}

void check_verdict(const Agreement& agreement, const Generated& g, const CourseVerdict& v, const std::string& where) {
  const Program& p = agreement.program();
  const HistoryInput& h = g.history;
  auto broken = [&](const std::string& what) { fail(kTarget, where + ": " + what, to_json_line(h)); };
  if (!v.error.empty()) broken("a valid history was refused: " + v.error);
  if (v.events.size() != h.events.size()) broken("the verdict has " + std::to_string(v.events.size()) + " events");
  int64_t total = 0, subsidy = 0, patient = 0;
  for (size_t i = 0; i < h.events.size(); ++i) {
    const EventVerdict& e = v.events[i];
    const std::string ev = "event " + h.events[i].id + ": ";
    const int32_t service = agreement.index().find_service(h.events[i].code);
    if (e.service != service) broken(ev + "the wrong service");
    if ((e.status == EventStatus::NotGoverned) != (service < 0)) broken(ev + "not_governed exactly for unknown codes");
    if (e.status == EventStatus::Rejected) {
      if (e.violation_count == 0) broken(ev + "rejected without a violation");
      if (size_t(e.first_violation) + e.violation_count > v.violations.size()) broken(ev + "violations out of range");
      for (uint32_t k = 0; k < e.violation_count; ++k) {
        const Rule& rule = p.rules.at(v.violations[e.first_violation + k]);
        if (rule.warning) broken(ev + "rejected by warning " + rule.id);
        if (!in_set(p, rule.applies_to, service)) broken(ev + "rejected by " + rule.id + ", which does not judge it");
      }
    } else if (e.violation_count != 0) {
      broken(ev + "violations on an event that is not rejected");
    }
    // The fee in force on the event's date: its price level's line for the event's flags.
    uint32_t entry = kNoFeeEntry;
    if (e.status == EventStatus::Accepted) {
      Day day = 0;
      parse_date(h.events[i].date, &day);
      uint64_t flags = 0;
      for (const std::string& flag : h.events[i].flags) flags |= uint64_t(1) << agreement.index().find_flag(flag);
      const int32_t level = agreement.index().level_on(day);
      if (level >= 0) entry = agreement.index().fee_entry(p, level, static_cast<uint32_t>(service), flags);
    }
    if (e.has_fee != (entry != kNoFeeEntry)) broken(ev + "a fee where none is in force, or none where one is");
    if (e.has_fee) {
      const FeeSplit& f = p.fees[entry].split;
      if (e.fee.total != f.total || e.fee.subsidy != f.subsidy || e.fee.patient != f.patient)
        broken(ev + "a fee other than the one in force on its date");
      total += e.fee.total;
      subsidy += e.fee.subsidy;
      patient += e.fee.patient;
    }
  }
  if (v.totals.total != total || v.totals.subsidy != subsidy || v.totals.patient != patient)
    broken("the totals are not the sum of the accepted events' fees");
  if (v.totals.total != v.totals.subsidy + v.totals.patient) broken("totals.total != subsidy + patient");
  for (const WarningVerdict& w : v.warnings) {
    if (w.event >= h.events.size()) broken("a warning on no event");
    if (v.events[w.event].status != EventStatus::Accepted) broken("a warning on an event that is not accepted");
    const Rule& rule = p.rules.at(w.rule);
    if (!rule.warning) broken("a warning from rule " + rule.id);
    if (!in_set(p, rule.applies_to, v.events[w.event].service)) broken("warning " + rule.id + " does not judge its event");
  }
  if (h.events.empty()) {
    if (v.evaluation_date || !v.due.empty()) broken("due items or an evaluation date without events");
    return;
  }
  Day latest_event = 0;
  for (size_t i = 0; i < h.events.size(); ++i) {
    Day d = 0;
    parse_date(h.events[i].date, &d);
    latest_event = i == 0 ? d : std::max(latest_event, d);
  }
  const Day evaluation_date = g.as_of ? *g.as_of : latest_event;
  if (v.evaluation_date != evaluation_date) broken("the wrong evaluation date");
  for (const DueVerdict& d : v.due) {
    if (d.due >= p.dues.size()) broken("a due item out of range");
    if (d.has_latest && d.latest < d.earliest) broken("a due item with latest before earliest");
    if (d.overdue != (d.has_latest && d.latest < evaluation_date)) broken("overdue is not latest < evaluation date");
  }
}

// The JSON Lines path agrees with the structured one.
void check_json(Evaluator& evaluator, const Generated& g, const CourseVerdict& v, const std::string& where) {
  const std::string line = to_json_line(g.history);
  std::string out;
  if (!evaluator.evaluate_json_line(line, 1, g.as_of, &out)) fail(kTarget, where + ": the JSON path refused: " + out, line);
  if (const std::string why = check_json_line(out); !why.empty()) fail(kTarget, where + ": " + why, line);
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array events;
  if (parser.parse(out.data(), out.size() - 1).get(doc) != simdjson::SUCCESS || doc["events"].get(events) != simdjson::SUCCESS ||
      events.size() != v.events.size())
    fail(kTarget, where + ": the JSON verdict has other events: " + out, line);
  static const char* const kStatus[] = {"accepted", "rejected", "not_governed"};
  size_t i = 0;
  for (simdjson::dom::element e : events) {
    std::string_view status;
    if (e["status"].get(status) != simdjson::SUCCESS || status != kStatus[static_cast<int>(v.events[i].status)])
      fail(kTarget, where + ": the JSON verdict has another status for event " + std::to_string(i) + ": " + out, line);
    ++i;
  }
  std::string_view total;
  if (doc["totals"]["total"].get(total) != simdjson::SUCCESS || total != format_money(v.totals.total))
    fail(kTarget, where + ": the JSON totals differ: " + out, line);
}

bool same_verdict(const CourseVerdict& a, const CourseVerdict& b) {
  if (a.events.size() != b.events.size() || a.warnings.size() != b.warnings.size() || a.due.size() != b.due.size())
    return false;
  for (size_t i = 0; i < a.events.size(); ++i) {
    const EventVerdict &x = a.events[i], &y = b.events[i];
    if (x.status != y.status || x.service != y.service || x.has_fee != y.has_fee || x.fee_entry != y.fee_entry ||
        x.violation_count != y.violation_count ||
        !std::equal(a.violations.begin() + x.first_violation, a.violations.begin() + x.first_violation + x.violation_count,
                    b.violations.begin() + y.first_violation))
      return false;
  }
  for (size_t i = 0; i < a.warnings.size(); ++i)
    if (a.warnings[i].rule != b.warnings[i].rule || a.warnings[i].event != b.warnings[i].event) return false;
  for (size_t i = 0; i < a.due.size(); ++i) {
    const DueVerdict &x = a.due[i], &y = b.due[i];
    if (x.due != y.due || x.earliest != y.earliest || x.target != y.target || x.has_latest != y.has_latest ||
        (x.has_latest && x.latest != y.latest) || x.overdue != y.overdue)
      return false;
  }
  return a.totals.total == b.totals.total && a.totals.subsidy == b.totals.subsidy && a.totals.patient == b.totals.patient &&
         a.evaluation_date == b.evaluation_date && a.error == b.error;
}

// The events regrouped: each date's events keep their input order, the dates come in an order the
// fuzzer picks. `from[k]` is the original position of the k-th event of the result.
Generated rearranged(const Generated& g, ByteSource& in, std::vector<uint32_t>* from) {
  std::map<std::string, std::vector<uint32_t>> by_date;
  for (uint32_t i = 0; i < g.history.events.size(); ++i) by_date[g.history.events[i].date].push_back(i);
  std::vector<std::vector<uint32_t>> groups;
  for (auto& [date, positions] : by_date) groups.push_back(positions);
  for (size_t i = groups.size(); i > 1; --i) std::swap(groups[i - 1], groups[in.below(static_cast<uint32_t>(i))]);
  Generated out = g;
  out.history.events.clear();
  from->clear();
  for (const auto& group : groups)
    for (uint32_t i : group) {
      out.history.events.push_back(g.history.events[i]);
      from->push_back(i);
    }
  return out;
}

void check_rearranged(const CourseVerdict& a, const CourseVerdict& b, const std::vector<uint32_t>& from,
                      const Generated& g, const std::string& where) {
  // b is the verdict of the rearranged history: b.events[k] belongs to a.events[from[k]].
  std::vector<uint32_t> to(from.size());
  for (uint32_t k = 0; k < from.size(); ++k) to[from[k]] = k;
  bool same = a.events.size() == b.events.size() && a.warnings.size() == b.warnings.size() &&
              a.due.size() == b.due.size() && a.totals.total == b.totals.total && a.evaluation_date == b.evaluation_date;
  for (size_t k = 0; same && k < from.size(); ++k) {
    const EventVerdict &x = a.events[from[k]], &y = b.events[k];
    same = x.status == y.status && x.has_fee == y.has_fee && x.fee_entry == y.fee_entry &&
           x.violation_count == y.violation_count &&
           std::equal(a.violations.begin() + x.first_violation,
                      a.violations.begin() + x.first_violation + x.violation_count,
                      b.violations.begin() + y.first_violation);
  }
  for (size_t i = 0; same && i < a.warnings.size(); ++i)
    same = a.warnings[i].rule == b.warnings[i].rule && to[a.warnings[i].event] == b.warnings[i].event;
  for (size_t i = 0; same && i < a.due.size(); ++i)
    same = a.due[i].due == b.due[i].due && a.due[i].earliest == b.due[i].earliest && a.due[i].target == b.due[i].target &&
           a.due[i].has_latest == b.due[i].has_latest && a.due[i].latest == b.due[i].latest;
  if (!same) fail(kTarget, where + ": arranging the dates differently in the input changed the verdict", to_json_line(g.history));
}

}  // namespace

int evaluate_one(const uint8_t* data, size_t size) {
  static std::vector<std::unique_ptr<Evaluator>> evaluators = [] {
    std::vector<std::unique_ptr<Evaluator>> out;
    for (const Bundled& b : bundled_agreements()) out.push_back(std::make_unique<Evaluator>(b.agreement));
    return out;
  }();
  const auto& bundled = bundled_agreements();
  for (size_t a = 0; a < bundled.size(); ++a) {
    const Agreement& agreement = *bundled[a].agreement;
    Evaluator& evaluator = *evaluators[a];
    ByteSource in(data, size);
    const Generated g = generate(in, agreement.program());
    const std::string where = bundled[a].name;

    CourseVerdict first;
    if (!evaluator.evaluate(g.history, g.as_of, &first))
      fail(kTarget, where + ": a valid history was refused: " + first.error, to_json_line(g.history));
    check_verdict(agreement, g, first, where);
    check_json(evaluator, g, first, where);

    CourseVerdict again;
    evaluator.evaluate(g.history, g.as_of, &again);
    if (!same_verdict(first, again)) fail(kTarget, where + ": evaluating again gave another verdict", to_json_line(g.history));

    std::vector<uint32_t> from;
    const Generated other = rearranged(g, in, &from);
    CourseVerdict moved;
    if (!evaluator.evaluate(other.history, other.as_of, &moved))
      fail(kTarget, where + ": the rearranged history was refused: " + moved.error, to_json_line(other.history));
    check_verdict(agreement, other, moved, where + " (rearranged)");
    check_rearranged(first, moved, from, other, where);
  }
  return 0;
}

}  // namespace agr::fuzz

#ifndef AGR_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return agr::fuzz::evaluate_one(data, size);
}
#endif
