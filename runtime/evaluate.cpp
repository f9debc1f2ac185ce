// The evaluation order of the spec ("Common definitions"): events by date, on one date in input
// order; each judged against what was accepted before it; rejected events change nothing.
#include "evaluate.h"

#include <algorithm>
#include <numeric>

#include "bytecode_file.h"
#include "read_file.h"
#include "scratch.h"
#include "verdict_writer.h"
#include "verify.h"

namespace agr {

static_assert(kMaxFeeOre <= INT64_MAX / static_cast<int64_t>(kMaxEventsPerCourse),
              "a course's totals must not overflow");

AgreementIndex::AgreementIndex(const Program& p) {
  const size_t n = p.services.size();
  set_bits.resize(p.sets.size());
  for (size_t i = 0; i < p.sets.size(); ++i) {
    set_bits[i].assign((n + 63) / 64, 0);
    for (uint32_t s : p.sets[i]) set_bits[i][s >> 6] |= uint64_t(1) << (s & 63);
  }
  for (uint32_t s = 0; s < n; ++s) {
    judges_begin.push_back(static_cast<uint32_t>(judges.size()));
    for (int warning = 0; warning < 2; ++warning) {
      if (warning) warnings_begin.push_back(static_cast<uint32_t>(judges.size()));
      for (uint32_t r = 0; r < p.rules.size(); ++r)
        if (p.rules[r].warning == (warning == 1) && in_set(p.rules[r].applies_to, s))
          judges.push_back({r, p.rules[r].function});
    }
  }
  judges_begin.push_back(static_cast<uint32_t>(judges.size()));
  starts_course.assign(n, 0);
  ends_course.assign(n, 0);
  if (p.course_starts != kNoSet) {
    for (uint32_t s : p.sets[p.course_starts]) starts_course[s] = 1;
    for (uint32_t s : p.sets[p.course_ends]) ends_course[s] = 1;
  }
  for (uint32_t i = 0; i < n; ++i) {
    codes_.push_back(p.services[i].code);
    service_by_code_.find_or_insert(codes_.back(), i, [this](uint32_t k) { return std::string_view(codes_[k]); });
  }
  for (uint32_t i = 0; i < p.flags.size(); ++i) {
    flags_.push_back(p.flags[i]);
    flag_by_name_.find_or_insert(flags_.back(), i, [this](uint32_t k) { return std::string_view(flags_[k]); });
  }
  out = render_output_fragments(p);
}

std::string unknown_flag_message(const Program& program, std::string_view event, std::string_view flag) {
  std::string message = "event '" + std::string(event) + "': unknown flag '" + std::string(flag) + "'; agreement " +
                        program.name + " declares ";
  if (program.flags.empty()) return message + "no flags";
  for (size_t i = 0; i < program.flags.size(); ++i) message += (i ? ", " : "") + program.flags[i];
  return message;
}

std::string check_history(const Program& program, const PreparedHistory& h) {
  if (program.referral_required && !h.has_referral)
    return "missing field 'referral_date': agreement " + program.name + " requires the referral date";
  if (h.events.size() > kMaxEventsPerCourse)
    return "the course has " + std::to_string(h.events.size()) + " events, over the limit of " +
           std::to_string(kMaxEventsPerCourse);
  if (h.duplicate_id >= 0) return "duplicate event id '" + std::string(h.events[h.duplicate_id].id) + "'";
  return {};
}

void CourseState::reset(size_t services) {
  count.assign(services, 0);
  first.resize(services);
  last.resize(services);
  last_clinic.resize(services);
  last_seq.resize(services);
  accepted.clear();
  today.clear();
  today_date = 0;
  started = ended = false;
  start = end = 0;
  has_referral = false;
  referral = 0;
  date = 0;
  service = -1;
  clinic = 0;
  flags = 0;
}

namespace {

constexpr const char* kOutOfCalendar =
    "a date in this history is so far out that the agreement's date arithmetic leaves the calendar "
    "(0001-01-01 .. 9999-12-31)";

void accept(const AgreementIndex& index, const Program& p, const PreparedEvent& e, CourseState& s) {
  const uint32_t service = static_cast<uint32_t>(e.service);
  if (s.count[service]++ == 0) s.first[service] = e.date;
  s.last[service] = e.date;
  s.last_clinic[service] = e.clinic;
  s.last_seq[service] = static_cast<uint32_t>(s.accepted.size());
  s.accepted.push_back({e.date, service, e.clinic, e.flags});
  if (!p.services[service].supplement) s.today.push_back(service);
  if (!s.started && index.starts_course[service]) {
    s.started = true;
    s.start = e.date;
  }
  if (!s.ended && index.ends_course[service]) {
    s.ended = true;
    s.end = e.date;
  }
}

}  // namespace

bool evaluate_prepared(const Agreement& agreement, const PreparedHistory& h, std::optional<Day> as_of,
                       CourseState& s, CourseVerdict* out, VmFunction vm) {
  const Program& p = agreement.program();
  const AgreementIndex& index = agreement.index();
  out->events.assign(h.events.size(), EventVerdict{});
  out->violations.clear();
  out->warnings.clear();
  out->totals = {};
  out->due.clear();
  out->evaluation_date.reset();
  out->error.clear();
  s.reset(p.services.size());
  s.has_referral = h.has_referral;
  s.referral = h.referral;

  // Date order, and input order on one date (a stable sort of positions). Histories mostly come
  // in date order already, and are short: check first, then insert.
  const size_t n = h.events.size();
  std::vector<uint32_t>& order = s.order_scratch;
  order.resize(n);
  std::iota(order.begin(), order.end(), 0);
  bool in_date_order = true;
  for (size_t i = 1; i < n && in_date_order; ++i) in_date_order = h.events[i - 1].date <= h.events[i].date;
  if (!in_date_order) {
    if (n <= 64) {
      for (size_t i = 1; i < n; ++i) {
        const uint32_t x = order[i];
        size_t j = i;
        for (; j > 0 && h.events[order[j - 1]].date > h.events[x].date; --j) order[j] = order[j - 1];
        order[j] = x;
      }
    } else {
      std::stable_sort(order.begin(), order.end(),
                       [&](uint32_t a, uint32_t b) { return h.events[a].date < h.events[b].date; });
    }
  }

  // Each rejected event's violations are one slice of out->violations (in evaluation order).
  std::vector<uint32_t>& broken = out->violations;

  DueOutput unused;
  for (uint32_t i : order) {
    const PreparedEvent& e = h.events[i];
    EventVerdict& v = out->events[i];
    v.service = e.service;
    if (e.service < 0) {
      v.status = EventStatus::NotGoverned;
      continue;
    }
    if (e.date != s.today_date) {
      s.today.clear();
      s.today_date = e.date;
    }
    s.date = e.date;
    s.service = e.service;
    s.clinic = e.clinic;
    s.flags = e.flags;

    const uint32_t begin = static_cast<uint32_t>(broken.size());
    const uint32_t first_warning = index.warnings_begin[e.service], end = index.judges_begin[e.service + 1];
    for (uint32_t j = index.judges_begin[e.service]; j < first_warning; ++j) {
      switch (run_agreement_function(agreement, index.judges[j].function, s, &unused, vm)) {
        case RunResult::Fail: broken.push_back(index.judges[j].rule); break;
        case RunResult::OutOfCalendar: out->error = kOutOfCalendar; return false;
        default: break;
      }
    }
    if (broken.size() > begin) {
      v.status = EventStatus::Rejected;
      v.first_violation = begin;
      v.violation_count = static_cast<uint32_t>(broken.size()) - begin;
      continue;
    }
    v.status = EventStatus::Accepted;
    for (uint32_t j = first_warning; j < end; ++j) {
      switch (run_agreement_function(agreement, index.judges[j].function, s, &unused, vm)) {
        case RunResult::Fail: out->warnings.push_back({index.judges[j].rule, i}); break;
        case RunResult::OutOfCalendar: out->error = kOutOfCalendar; return false;
        default: break;
      }
    }
    const Service& service = p.services[e.service];
    if (service.has_fee) {
      v.has_fee = true;
      out->totals.total += service.fee.total;
      out->totals.subsidy += service.fee.subsidy;
      out->totals.patient += service.fee.patient;
    }
    accept(index, p, e, s);
  }

  // The schedule, as of the evaluation date: by default the latest event date.
  if (n == 0) return true;
  const Day evaluation_date = as_of ? *as_of : h.events[order.back()].date;
  out->evaluation_date = evaluation_date;
  s.date = evaluation_date;
  s.service = -1;
  s.clinic = 0;
  s.flags = 0;
  s.today.clear();
  for (uint32_t d = 0; d < p.dues.size(); ++d) {
    DueOutput due;
    switch (run_agreement_function(agreement, p.dues[d].function, s, &due, vm)) {
      case RunResult::Due:
        if (due.has_latest && due.latest < due.earliest) break;  // a window that cannot be met
        out->due.push_back({d, due.earliest, due.target, due.has_latest, due.latest,
                            due.has_latest && due.latest < evaluation_date});
        break;
      case RunResult::OutOfCalendar: out->error = kOutOfCalendar; return false;
      default: break;
    }
  }
  return true;
}

// ---- The public API ----------------------------------------------------------------------------

Agreement::~Agreement() = default;

const std::string& Agreement::name() const { return program_->name; }

std::shared_ptr<const Agreement> Agreement::from_program(Program program, std::string* error) {
  if (!verify_program(program, error)) return nullptr;
  std::shared_ptr<Agreement> agreement(new Agreement());
  agreement->program_ = std::make_shared<const Program>(std::move(program));
  agreement->index_ = std::make_shared<const AgreementIndex>(*agreement->program_);
  return agreement;
}

std::shared_ptr<const Agreement> Agreement::with_native_code(const Agreement& base,
                                                             std::shared_ptr<const NativeCode> native) {
  std::shared_ptr<Agreement> agreement(new Agreement());
  agreement->program_ = base.program_;
  agreement->index_ = base.index_;
  agreement->native_ = std::move(native);
  return agreement;
}

std::shared_ptr<const Agreement> Agreement::load_bytecode(std::string_view bytes, std::string* error) {
  Program program;
  if (!read_bytecode(bytes, &program, error)) return nullptr;
  return from_program(std::move(program), error);
}

std::shared_ptr<const Agreement> Agreement::load_file(const std::string& path, std::string* error) {
  // A little past the limit at most, which load_bytecode then refuses.
  std::string bytes;
  if (!read_file_bounded(path, kMaxBytecodeBytes, &bytes, error)) return nullptr;
  std::string message;
  auto agreement = load_bytecode(bytes, &message);
  if (!agreement) *error = path + ": " + message;
  return agreement;
}

std::string format_money(int64_t ore) {
  const bool negative = ore < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(ore) : static_cast<uint64_t>(ore);
  std::string s = std::to_string(magnitude / 100);
  s += '.';
  s += static_cast<char>('0' + magnitude % 100 / 10);
  s += static_cast<char>('0' + magnitude % 10);
  return negative ? "-" + s : s;
}

std::string format_date(Day day) {
  char text[10];
  format_iso_date(day, text);
  return std::string(text, 10);
}

bool parse_date(std::string_view text, Day* out) { return parse_iso_date(text, out); }

Evaluator::Evaluator(std::shared_ptr<const Agreement> agreement)
    : agreement_(std::move(agreement)), scratch_(std::make_unique<Scratch>()) {}

Evaluator::~Evaluator() = default;

bool Evaluator::evaluate(const HistoryInput& input, std::optional<Day> as_of, CourseVerdict* out) {
  const Program& p = agreement_->program();
  const AgreementIndex& index = agreement_->index();
  PreparedHistory& h = scratch_->history;
  h.clear();
  *out = CourseVerdict{};
  h.id = input.id;
  if (input.referral_date) {
    if (!parse_iso_date(*input.referral_date, &h.referral)) {
      out->error = "'referral_date' is not a calendar date YYYY-MM-DD: '" + *input.referral_date + "'";
      return false;
    }
    h.has_referral = true;
  }
  for (const EventInput& e : input.events) {
    PreparedEvent pe{};
    pe.id = e.id;
    pe.code = e.code;
    if (!parse_iso_date(e.date, &pe.date)) {
      out->error = "event '" + e.id + "': 'date' is not a calendar date YYYY-MM-DD: '" + e.date + "'";
      return false;
    }
    pe.service = index.find_service(e.code);
    const std::optional<std::string>& clinic = e.clinic ? e.clinic : input.clinic;
    pe.clinic = clinic ? h.intern_clinic(*clinic) : 0;
    for (const std::string& flag : e.flags) {
      const int32_t f = index.find_flag(flag);
      if (f < 0) {
        out->error = unknown_flag_message(p, e.id, flag);
        return false;
      }
      pe.flags |= uint64_t(1) << f;
    }
    h.add_event(pe);
  }
  out->error = check_history(p, h);
  if (!out->error.empty()) return false;
  return evaluate_prepared(*agreement_, h, as_of, scratch_->state, out);
}

}  // namespace agr
