// LBP-1 .. LBP-15 by hand. See handwritten_lbp.h; the spec is shared/spec/agreements.md.
//
// Where the spec leaves a case open, this follows the readings written in agreements/lbp.agr's
// comments ("before" = earlier in the evaluation order, accepted events only; a check measured
// from the course start S is skipped while there is no course; LBP-2's takeover keeps S and
// every count). Date arithmetic that leaves the calendar (0001-01-01 .. 9999-12-31) makes the
// history an error, as in the runtime: the dates S + 3 months etc. are worked out once, when S
// (or F) becomes known, and it is an error only when a check actually uses one that failed.
#include "handwritten_lbp.h"

#include <algorithm>
#include <bit>

#include "calendar.h"
#include "program.h"

namespace agr::bench {
namespace {

using Code = HandwrittenLbp::Code;

constexpr const char* kCodeText[HandwrittenLbp::kCodes] = {
    "0110", "0111", "8050", "0113", "0133", "0261", "0262", "0263", "0264",
    "0265", "0266", "0267", "0268", "0269", "2001", "2101", "3301", "3201"};

constexpr const char* kRuleText[HandwrittenLbp::kRules] = {"LBP-1", "LBP-2", "LBP-3",  "LBP-4",  "LBP-5",
                                                           "LBP-6", "LBP-7", "LBP-8",  "LBP-9",  "LBP-10",
                                                           "LBP-11", "LBP-15", "LBP-12", "LBP-13"};

constexpr uint32_t bit(Code c) { return uint32_t(1) << c; }

constexpr uint32_t kSupplements = bit(Code::k2001) | bit(Code::k2101) | bit(Code::k3301) | bit(Code::k3201);
constexpr uint32_t kInitial = bit(Code::k0261) | bit(Code::k0262);
constexpr uint32_t kEducation = bit(Code::k0263) | bit(Code::k0265);
constexpr uint32_t kCourseServices = bit(Code::k0261) | bit(Code::k0262) | bit(Code::k0263) | bit(Code::k0264) |
                                     bit(Code::k0265) | bit(Code::k0266) | bit(Code::k0267) | bit(Code::k0268) |
                                     bit(Code::k0269);
constexpr uint32_t kOrdinary = bit(Code::k0111) | bit(Code::k8050);
constexpr uint32_t kVideoAllowed =
    bit(Code::k0263) | bit(Code::k0264) | bit(Code::k0265) | bit(Code::k0266) | bit(Code::k0268);

// Fees in øre (Bilag 1, 1 October 2024 level): total, subsidy, patient. Zero total: no fee here.
struct Fee {
  int64_t total, subsidy, patient;
};
constexpr Fee kFee[HandwrittenLbp::kCodes] = {
    {0, 0, 0},                 // 0110
    {0, 0, 0},                 // 0111
    {0, 0, 0},                 // 8050
    {0, 0, 0},                 // 0113
    {0, 0, 0},                 // 0133
    {32712, 12856, 19856},     // 0261
    {16356, 6428, 9928},       // 0262
    {21810, 8571, 13239},      // 0263
    {21810, 8571, 13239},      // 0264
    {32712, 12856, 19856},     // 0265
    {32712, 12856, 19856},     // 0266
    {49068, 19284, 29784},     // 0267
    {32712, 12856, 19856},     // 0268
    {32712, 12856, 19856},     // 0269
    {0, 0, 0},                 // 2001
    {0, 0, 0},                 // 2101
    {0, 0, 0},                 // 3301
    {0, 0, 0},                 // 3201
};

// LBP-3: the pairs allowed on one day (either order), as one bitmask of partners per code.
struct SameDayTable {
  uint32_t allowed[HandwrittenLbp::kCodes] = {};
  constexpr void allow(Code a, Code b) {
    allowed[a] |= bit(b);
    allowed[b] |= bit(a);
  }
  constexpr SameDayTable() {
    allow(Code::k0110, Code::k0262);
    allow(Code::k0261, Code::k0263);
    allow(Code::k0261, Code::k0264);
    allow(Code::k0262, Code::k0263);
    allow(Code::k0262, Code::k0264);
    allow(Code::k0263, Code::k0264);
    allow(Code::k0263, Code::k0266);
    allow(Code::k0263, Code::k0113);
    allow(Code::k0264, Code::k0133);
    allow(Code::k0265, Code::k0266);
    allow(Code::k0265, Code::k0113);
    allow(Code::k0269, Code::k0265);
    allow(Code::k0269, Code::k0263);
    allow(Code::k0267, Code::k0264);
  }
};
constexpr SameDayTable kSameDay;

constexpr Day kInForce = days_from_civil(2025, 9, 1);  // LBP-15

const char* const kOutOfCalendar =
    "a date in this history is so far out that the agreement's date arithmetic leaves the calendar "
    "(0001-01-01 .. 9999-12-31)";

// A date N months from S, F or R, worked out the first time a check needs it (most histories
// never need most of them); `ok` false when it leaves the calendar.
struct Later {
  Day from = 0;
  int months = 0;
  bool known = false, ok = false;
  Day day = 0;
  void reset(Day f, int n) {
    from = f;
    months = n;
    known = false;
  }
  bool get(Day* out) {
    if (!known) {
      ok = add_months(from, months, &day);
      known = true;
    }
    *out = day;
    return ok;
  }
};

}  // namespace

std::unique_ptr<HandwrittenLbp> HandwrittenLbp::create(const Program& p, std::string* error) {
  std::unique_ptr<HandwrittenLbp> h(new HandwrittenLbp());
  h->code_of_service_.assign(p.services.size(), kNotGoverned);
  for (size_t s = 0; s < p.services.size(); ++s)
    for (int c = 0; c < kCodes; ++c)
      if (p.services[s].code == kCodeText[c]) h->code_of_service_[s] = static_cast<uint8_t>(c);
  for (int c = 0; c < kCodes; ++c)
    if (std::find(h->code_of_service_.begin(), h->code_of_service_.end(), c) == h->code_of_service_.end()) {
      *error = std::string("agreement ") + p.name + " does not declare LBP code " + kCodeText[c];
      return nullptr;
    }
  if (p.services.size() != kCodes) {
    *error = "agreement " + p.name + " declares codes LBP does not have";
    return nullptr;
  }
  if (p.rules.size() > 32) {
    *error = "agreement " + p.name + " has more than 32 rules";
    return nullptr;
  }
  for (int r = 0; r < kRules; ++r) {
    auto it = std::find_if(p.rules.begin(), p.rules.end(), [&](const Rule& x) { return x.id == kRuleText[r]; });
    if (it == p.rules.end()) {
      *error = "agreement " + p.name + " has no rule " + kRuleText[r];
      return nullptr;
    }
    h->rule_index_[r] = static_cast<uint32_t>(it - p.rules.begin());
    h->rule_bit_[r] = uint32_t(1) << h->rule_index_[r];
  }
  bool have_0267 = false, have_0268 = false;
  for (size_t d = 0; d < p.dues.size(); ++d) {
    const std::string& code = p.services[p.dues[d].service].code;
    if (code == "0267") h->due_0267_ = static_cast<uint32_t>(d), have_0267 = true;
    if (code == "0268") h->due_0268_ = static_cast<uint32_t>(d), have_0268 = true;
  }
  if (!have_0267 || !have_0268 || p.dues.size() != 2) {
    *error = "agreement " + p.name + " does not have LBP-14's two due items";
    return nullptr;
  }
  bool have_video = false, have_other = false;
  for (size_t f = 0; f < p.flags.size(); ++f) {
    if (p.flags[f] == "video") h->flag_video_ = static_cast<uint32_t>(f), have_video = true;
    if (p.flags[f] == "other_problem") h->flag_other_problem_ = static_cast<uint32_t>(f), have_other = true;
  }
  if (!have_video || !have_other) {
    *error = "agreement " + p.name + " does not declare the flags video and other_problem";
    return nullptr;
  }
  return h;
}

bool HandwrittenLbp::evaluate(const PreparedHistory& h, std::optional<Day> as_of, CourseVerdict* out) {
  const size_t n = h.events.size();
  out->reset(n);
  auto out_of_calendar = [out] {
    out->error = kOutOfCalendar;
    return false;
  };

  // Evaluation order: by date, on one date in input order (histories mostly arrive sorted).
  order_.resize(n);
  for (uint32_t i = 0; i < n; ++i) order_[i] = i;
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; ++i) sorted = h.events[i - 1].date <= h.events[i].date;
  if (!sorted)
    std::stable_sort(order_.begin(), order_.end(),
                     [&](uint32_t a, uint32_t b) { return h.events[a].date < h.events[b].date; });

  // The course as accepted so far.
  uint16_t count[kCodes] = {};
  bool started = false, ended = false;
  Day S = 0, F = 0;
  Later S3, F3, F9, R12;  // S + 3 months, F + 3 and + 9 months, R + 12 months
  if (h.has_referral) R12.reset(h.referral, 12);
  uint32_t last_initial_clinic = 0;  // valid once an initial is accepted
  uint32_t count_0266_window = 0;    // accepted 0266 in S .. S + 3 months (LBP-6)
  Day today = 0;
  uint32_t today_all = 0, today_consultations = 0;  // codes accepted on `today`
  bool first = true;
  const uint64_t video = uint64_t(1) << flag_video_, other_problem = uint64_t(1) << flag_other_problem_;
  Day limit;

  for (uint32_t i : order_) {
    const PreparedEvent& e = h.events[i];
    EventVerdict& v = out->events[i];
    v.service = e.service;
    if (e.service < 0) {
      v.status = EventStatus::NotGoverned;
      continue;
    }
    const Code c = static_cast<Code>(code_of_service_[e.service]);
    const uint32_t cb = bit(c);
    const Day d = e.date;
    if (first || d != today) {
      today = d;
      today_all = today_consultations = 0;
      first = false;
    }
    const unsigned education = count[k0263] + count[k0265], training = count[k0264] + count[k0266];
    uint32_t broken = 0;

    // LBP-3: one consultation per day, except the allowed pairs; beside a 0262 accepted today,
    // the day's 0110 counts as that 0262 (for the other codes: a second 0110 is refused).
    // Supplements stand beside anything.
    if (today_consultations && !(cb & kSupplements)) {
      uint32_t clash = today_consultations & ~kSameDay.allowed[c];
      if (c != k0110 && (clash & bit(k0110)) && (today_all & bit(k0262)) && (kSameDay.allowed[c] & bit(k0262)))
        clash &= ~bit(k0110);
      if (clash) broken |= rule_bit_[R3];
    }
    // LBP-11: only 0263-0266 and 0268 may be given by video.
    if ((e.flags & video) && !(cb & kVideoAllowed)) broken |= rule_bit_[R11];

    if (cb & kCourseServices) {
      // LBP-4: course services other than the initial need a course.
      if (!(cb & kInitial) && !started) broken |= rule_bit_[R4];
      // LBP-10: after the course has ended, course services other than 0268 are rejected.
      if (c != k0268 && ended && d > F) broken |= rule_bit_[R10];
      // LBP-15: in force from 2025-09-01.
      if (d < kInForce) broken |= rule_bit_[R15];
    }
    switch (c) {
      case k0262:
        // LBP-1: only on a day that already has an accepted 0110.
        if (!(today_all & bit(k0110))) broken |= rule_bit_[R1];
        [[fallthrough]];
      case k0261:
        // LBP-2: one initial per course; another only at another clinic than the latest initial's.
        if ((count[k0261] | count[k0262]) && e.clinic == last_initial_clinic) broken |= rule_bit_[R2];
        break;
      case k0263:
      case k0265:
        // LBP-5: education at most twice.
        if (education >= 2) broken |= rule_bit_[R5];
        break;
      case k0266:
        // LBP-6: within S .. S + 3 months, at most 6 there (not judged without a course).
        if (started) {
          if (!S3.get(&limit)) return out_of_calendar();
          if (d < S || d > limit || count_0266_window >= 6) broken |= rule_bit_[R6];
        }
        break;
      case k0267:
        // LBP-7: once, after an initial, an education and a training.
        if (count[k0267] || !started || !education || !training) broken |= rule_bit_[R7];
        break;
      case k0268:
        // LBP-8: after F, from F + 3 months, until R + 12 months, at most twice.
        if (!ended) {
          broken |= rule_bit_[R8];
        } else {
          if (!F3.get(&limit)) return out_of_calendar();
          if (d < limit) {
            broken |= rule_bit_[R8];
          } else if (count[k0268] >= 2) {
            if (h.has_referral && !R12.get(&limit)) return out_of_calendar();
            broken |= rule_bit_[R8];
          } else if (h.has_referral) {
            if (!R12.get(&limit)) return out_of_calendar();
            if (d > limit) broken |= rule_bit_[R8];
          }
        }
        break;
      case k0111:
      case k8050:
        // LBP-9: not while the course is active (S .. F, or S .. S + 3 months while not ended),
        // unless it treats another problem.
        if (started && !(e.flags & other_problem)) {
          if (ended)
            limit = F;
          else if (!S3.get(&limit))
            return out_of_calendar();
          if (d >= S && d <= limit) broken |= rule_bit_[R9];
        }
        break;
      default:
        break;
    }

    if (broken) {
      v.status = EventStatus::Rejected;
      v.first_violation = broken;  // the set of rules, until the violations are listed below
      continue;
    }

    // Accepted: warnings, fee, and the course moves on.
    v.status = EventStatus::Accepted;
    const Fee& fee = kFee[c];
    if (fee.total) {
      v.has_fee = true;
      out->totals.total += fee.total;
      out->totals.subsidy += fee.subsidy;
      out->totals.patient += fee.patient;
    }
    ++count[c];
    today_all |= cb;
    if (!(cb & kSupplements)) today_consultations |= cb;
    switch (c) {
      case k0261:
      case k0262:
        last_initial_clinic = e.clinic;
        if (!started) {
          started = true;
          S = d;
          S3.reset(S, 3);
        }
        break;
      case k0266:
        if (started && S3.get(&limit) && d >= S && d <= limit) ++count_0266_window;
        break;
      case k0267:
        // LBP-12: with group training, 12-16 sessions recommended. LBP-13: manual therapy must
        // not outnumber training. (Counts before this 0267, which is counted above.)
        if (count[k0264] >= 1 && (count[k0264] < 12 || count[k0264] > 16)) out->warnings.push_back({rule_index_[W12], i});
        if (count[k0269] > training) out->warnings.push_back({rule_index_[W13], i});
        if (!ended) {
          ended = true;
          F = d;
          F3.reset(F, 3);
          F9.reset(F, 9);
        }
        break;
      default:
        break;
    }
  }

  // Violations, grouped per event in input order, each event's in the order of the file.
  for (EventVerdict& v : out->events) {
    if (v.status != EventStatus::Rejected) continue;
    uint32_t broken = v.first_violation;
    v.first_violation = static_cast<uint32_t>(out->violations.size());
    v.violation_count = static_cast<uint32_t>(std::popcount(broken));
    for (; broken; broken &= broken - 1) out->violations.push_back(static_cast<uint32_t>(std::countr_zero(broken)));
  }

  // LBP-14, as of the evaluation date (default: the latest event date).
  if (n == 0) return true;
  const Day evaluation_date = as_of ? *as_of : h.events[order_.back()].date;
  out->evaluation_date = evaluation_date;
  if (started && !ended) {
    Day target;
    if (!add_days(S, 7 * 12, &target)) return out_of_calendar();
    out->due.push_back({due_0267_, S, target, false, 0, false});
  }
  if (ended && count[k0268] < 2) {
    Day earliest, target, latest;
    if (!F3.get(&earliest) || !(count[k0268] == 0 ? F3 : F9).get(&target)) return out_of_calendar();
    if (h.has_referral) {
      if (!R12.get(&latest)) return out_of_calendar();
      if (latest >= earliest) out->due.push_back({due_0268_, earliest, target, true, latest, latest < evaluation_date});
    }
  }
  // The file declares the 0267 item first; keep the agreement's order whatever it is.
  if (out->due.size() == 2 && due_0268_ < due_0267_) std::swap(out->due[0], out->due[1]);
  return true;
}

}  // namespace agr::bench
