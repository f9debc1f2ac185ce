// The evaluation order of the spec ("Common definitions"): events by date, on one date in input
// order; each judged against what was accepted before it; rejected events change nothing.
#include "evaluate.h"

#include <algorithm>
#include <numeric>

#include "bytecode_file.h"
#include "facts.h"
#include "read_file.h"
#include "scratch.h"
#include "verdict_writer.h"
#include "verify.h"
#include "vm_fused.h"

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
  // The judges of each service, rejections then warnings, in file order: one pass over each
  // rule's set (time linear in the agreement's size, not services x rules).
  std::vector<std::vector<Judge>> rejections(n), warnings(n);
  for (uint32_t r = 0; r < p.rules.size(); ++r)
    for (uint32_t s : p.sets[p.rules[r].applies_to])
      (p.rules[r].warning ? warnings : rejections)[s].push_back({r, p.rules[r].function, p.functions[p.rules[r].function].code_begin});
  for (uint32_t s = 0; s < n; ++s) {
    judges_begin.push_back(static_cast<uint32_t>(judges.size()));
    judges.insert(judges.end(), rejections[s].begin(), rejections[s].end());
    warnings_begin.push_back(static_cast<uint32_t>(judges.size()));
    judges.insert(judges.end(), warnings[s].begin(), warnings[s].end());
  }
  judges_begin.push_back(static_cast<uint32_t>(judges.size()));

  // The cost of each function: one step per instruction, plus what its queries read.
  for (const Function& f : p.functions) {
    uint64_t cost = 0;
    for (uint32_t i = f.code_begin; i < f.code_end && i < p.code.size(); ++i) {
      const Instruction& ins = p.code[i];
      const uint32_t set = static_cast<uint32_t>(ins.k) & 0xffffff;
      cost += 1;
      switch (ins.op) {
        case Opcode::COUNT:
        case Opcode::FIRST_DATE:
        case Opcode::LAST_DATE:
        case Opcode::CLINIC_OF_LAST:
          if (set < p.sets.size()) cost += p.sets[set].size();  // the verifier refuses any other
          break;
        case Opcode::COUNT_IN:
        case Opcode::COUNT_FLAGGED: cost += 32; break;  // two binary searches of at most 10000 dates
        case Opcode::COMBINABLE: cost += n * (1 + p.aliases.size()); break;  // the day's services x aliases
        case Opcode::ADD_WORKING_DAYS: cost += 1000; break;  // year jumps, then at most 400 days
        case Opcode::FACT_MATCHES:  // the codes of the list, each compared once
          if (set < p.text_patterns.size()) cost += p.text_patterns[set].exact.size() + p.text_patterns[set].prefixes.size();
          break;
        default: break;
      }
    }
    function_cost.push_back(cost);
  }

  // Count slots, from the code.
  slots_by_set_.resize(p.sets.size());
  slots_of.resize(n);
  for (const Instruction& ins : p.code) {
    if (ins.op != Opcode::COUNT_IN && ins.op != Opcode::COUNT_FLAGGED) continue;
    const uint32_t setflag = static_cast<uint32_t>(ins.k);
    if (slot(setflag) != kNoSlot) continue;
    const uint32_t next = static_cast<uint32_t>(slot_flag.size());
    slot_flag.push_back(setflag);
    slots_by_set_[setflag & 0xffffff].push_back({setflag >> 24, next});
    for (uint32_t s : p.sets[setflag & 0xffffff]) slots_of[s].push_back(next);
  }
  for (uint32_t s = 0; s < n; ++s) {
    uint64_t cost = 8 + slots_of[s].size();
    for (uint32_t j = judges_begin[s]; j < judges_begin[s + 1]; ++j) cost += function_cost[judges[j].function];
    event_cost.push_back(cost);
    most_judges = std::max(most_judges, judges_begin[s + 1] - judges_begin[s]);
  }
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
  std::string unused;
  function_roles(p, &roles, &unused);  // the program is verified: every function has its role
  vm_code = fuse_superinstructions(p.code);
  for (uint32_t i = 0; i < p.flags.size(); ++i) {
    flags_.push_back(p.flags[i]);
    flag_by_name_.find_or_insert(flags_.back(), i, [this](uint32_t k) { return std::string_view(flags_[k]); });
  }
  out = render_output_fragments(p);
  services = n;
  for (const PriceLevel& level : p.price_levels) level_from.push_back(level.from);
  fee_slot.assign(p.price_levels.size() * n, kNoFeeEntry);
  for (uint32_t i = 0; i < p.fees.size(); ++i) {
    uint32_t& slot = fee_slot[size_t(p.fees[i].level) * n + p.fees[i].service];
    if (slot == kNoFeeEntry) slot = i;
  }
}

int32_t AgreementIndex::level_on(Day day) const {
  return static_cast<int32_t>(std::upper_bound(level_from.begin(), level_from.end(), day) - level_from.begin()) - 1;
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
  if (std::string missing = check_required_facts(program, h); !missing.empty()) return missing;
  if (h.events.size() > kMaxEventsPerCourse)
    return "the course has " + std::to_string(h.events.size()) + " events, over the limit of " +
           std::to_string(kMaxEventsPerCourse);
  if (h.duplicate_id >= 0) return "duplicate event id '" + std::string(h.events[h.duplicate_id].id) + "'";
  return {};
}

void CourseState::reset(size_t services, size_t slots) {
  if (count.size() != services || slot_dates.size() != slots) {  // another agreement
    count.assign(services, 0);
    first.resize(services);
    last.resize(services);
    last_clinic.resize(services);
    last_seq.resize(services);
    slot_dates.resize(slots);
    for (auto& dates : slot_dates) dates.clear();
  } else {
    for (uint32_t s : touched_services) count[s] = 0;
    for (uint32_t slot : touched_slots) slot_dates[slot].clear();
  }
  touched_services.clear();
  touched_slots.clear();
  today_services.clear();
  accepted = 0;
  today_date = 0;
  started = ended = false;
  start = end = 0;
  has_referral = false;
  referral = 0;
  facts = nullptr;
  date = 0;
  service = -1;
  clinic = 0;
  flags = 0;
}

bool combinable_beside_today(const Program& p, const CourseState& s) {
  const uint32_t x = static_cast<uint32_t>(s.service);
  if (p.services[x].supplement) return true;
  const size_t n = p.services.size();
  if (p.allowed_pairs.size() != n * n) {
    for (uint32_t y : s.today_services)
      if (!p.services[y].supplement) return false;
    return true;
  }
  auto allowed = [&](uint32_t a, uint32_t b) { return p.allowed_pairs[size_t(a) * n + b] != 0; };
  for (uint32_t y : s.today_services) {  // each consultation accepted today, once
    if (p.services[y].supplement || allowed(x, y)) continue;
    if (x == y) return false;
    bool by_alias = false;
    for (const auto& alias : p.aliases)
      if (alias.alias == y && s.accepted_today(alias.condition) && allowed(x, alias.target)) {
        by_alias = true;
        break;
      }
    if (!by_alias) return false;
  }
  return true;
}

namespace {

std::string over_budget(uint64_t limit) {
  return "the history needs more than " + std::to_string(limit) +
         " steps of work, the limit per history (docs/language.md, section 19)";
}

constexpr const char* kOutOfCalendar =
    "a date in this history is so far out that the agreement's date arithmetic leaves the calendar "
    "(0001-01-01 .. 9999-12-31)";

// An evaluation that cannot finish: the verdict holds the error and default events (the events
// the evaluation had not written yet are stale from the verdict's previous use).
bool give_up(CourseVerdict* out, std::string message) {
  out->reset(out->events.size());
  out->error = std::move(message);
  return false;
}

void accept(const AgreementIndex& index, const PreparedEvent& e, CourseState& s) {
  const uint32_t service = static_cast<uint32_t>(e.service);
  if (s.today_date != e.date) s.new_day(e.date);
  if (!s.accepted_today(service)) s.today_services.push_back(service);
  if (s.count[service]++ == 0) {
    s.first[service] = e.date;
    s.touched_services.push_back(service);
  }
  s.last[service] = e.date;
  s.last_clinic[service] = e.clinic;
  s.last_seq[service] = s.accepted++;
  for (uint32_t slot : index.slots_of[service]) {
    const uint32_t flag = index.slot_flag[slot] >> 24;  // flag index + 1, or 0 for none
    if (flag && !((e.flags >> (flag - 1)) & 1)) continue;
    std::vector<Day>& dates = s.slot_dates[slot];
    if (dates.empty()) s.touched_slots.push_back(slot);
    dates.push_back(e.date);
  }
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
  out->reset_for_overwrite(h.events.size());  // the loop below writes every event's verdict whole
  out->agreement = &agreement;
  s.reset(p.services.size(), index.slot_flag.size());
  s.has_referral = h.has_referral;
  s.referral = h.referral;
  if (h.facts.size() != p.facts.size()) {  // the readers size them; a history built otherwise may not
    return give_up(out, "the history has values for " + std::to_string(h.facts.size()) + " facts, and agreement " +
                            p.name + " declares " + std::to_string(p.facts.size()));
  }
  s.facts = h.facts.data();

  // Date order, and input order on one date (a stable sort of positions). Histories mostly come
  // in date order already, and are short: check first, then insert.
  // In date order, evaluation order is input order and no order array is made.
  const size_t n = h.events.size();
  size_t sorted_prefix = n > 0 ? 1 : 0;  // events [0, sorted_prefix) are in date order
  while (sorted_prefix < n && h.events[sorted_prefix - 1].date <= h.events[sorted_prefix].date) ++sorted_prefix;
  const bool in_date_order = sorted_prefix == n;
  std::vector<uint32_t>& order = s.order_scratch;
  if (!in_date_order) {
    order.resize(n);
    std::iota(order.begin(), order.end(), 0);
    if (n <= 64) {  // insertion, after the prefix already in order
      for (size_t i = sorted_prefix; i < n; ++i) {
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
  if (s.failed_scratch.size() < index.most_judges) s.failed_scratch.resize(index.most_judges);
  uint32_t* const failed = s.failed_scratch.data();
  // One call judges an event: the agreement's fused native code where it has some, else the VM's
  // judge_service (one call per rule only where each run is traced).
  const NativeService* const fused = fused_services(agreement);
  const VmJudge vm_judge = service_judge_of(vm);

  // The price level in force: events come in date order, so it only moves forward.
  int32_t level = -1;
  const int32_t last_level = static_cast<int32_t>(index.level_from.size()) - 1;
  // The date the next level comes into force; past the last level, later than any day.
  constexpr int64_t kNever = INT64_MAX;
  int64_t next_level_from = last_level >= 0 ? index.level_from[0] : kNever;
  const uint32_t* level_fees = nullptr;  // the row of index.fee_slot of the level in force
  uint64_t work = 0;
  const uint32_t* const sorted = in_date_order ? nullptr : order.data();
  for (uint32_t k = 0; k < n; ++k) {
    const uint32_t i = sorted ? sorted[k] : k;  // the k-th event in evaluation order
    const PreparedEvent& e = h.events[i];
    EventVerdict& v = out->events[i];  // written whole below, whatever it held
    if (e.service < 0) {
      v = EventVerdict{.status = EventStatus::NotGoverned, .service = e.service, .fee = {}};
      continue;
    }
    // The day's services stay those of the latest accepted event's day (accept() moves them on):
    // combinable_today compares that day with the event's.
    s.date = e.date;
    s.service = e.service;
    s.clinic = e.clinic;
    s.flags = e.flags;

    // The work budget, charged before the event is judged: its judges' costs, and its accept.
    work += index.event_cost[e.service];
    if (work > s.work_limit) return give_up(out, over_budget(s.work_limit));
    const uint64_t judged = fused      ? fused[e.service](&p, &index, &s, failed)
                            : vm_judge ? vm_judge(p, index, s, failed)
                                       : judge_event(agreement, s, failed, vm);
    if (judged != pack_judgement(Judgement::Accepted, 0)) {  // something to record (rarely)
      const uint32_t n_failed = failed_of(judged);
      switch (judgement_of(judged)) {
        case Judgement::OutOfCalendar: return give_up(out, kOutOfCalendar);
        case Judgement::Rejected:
          v = EventVerdict{.status = EventStatus::Rejected,
                           .service = e.service,
                           .first_violation = static_cast<uint32_t>(broken.size()),
                           .violation_count = n_failed,
                           .fee = {}};
          broken.insert(broken.end(), failed, failed + n_failed);
          continue;
        case Judgement::Accepted:
          for (uint32_t k = 0; k < n_failed; ++k) out->warnings.push_back({failed[k], i});
          break;
      }
    }
    while (next_level_from <= e.date) {
      next_level_from = ++level < last_level ? index.level_from[level + 1] : kNever;
      level_fees = index.fee_row(level);
    }
    const uint32_t entry =
        level_fees ? index.fee_entry_in(p, level_fees, static_cast<uint32_t>(e.service), e.flags) : kNoFeeEntry;
    if (entry != kNoFeeEntry) {
      const FeeSplit& fee = p.fees[entry].split;
      v = EventVerdict{.status = EventStatus::Accepted, .service = e.service, .has_fee = true, .fee = fee, .fee_entry = entry};
      out->totals.total += fee.total;
      out->totals.subsidy += fee.subsidy;
      out->totals.patient += fee.patient;
    } else {
      v = EventVerdict{.status = EventStatus::Accepted, .service = e.service, .fee = {}};
    }
    accept(index, e, s);
  }

  // The schedule, as of the evaluation date: by default the latest event date.
  if (n == 0) return true;
  const Day evaluation_date = as_of ? *as_of : h.events[sorted ? sorted[n - 1] : n - 1].date;
  out->evaluation_date = evaluation_date;
  s.date = evaluation_date;
  s.service = -1;
  s.clinic = 0;
  s.flags = 0;
  s.new_day(evaluation_date);
  for (uint32_t d = 0; d < p.dues.size(); ++d) work += index.function_cost[p.dues[d].function];
  if (work > s.work_limit) return give_up(out, over_budget(s.work_limit));
  for (uint32_t d = 0; d < p.dues.size(); ++d) {
    DueOutput due;
    switch (run_agreement_function(agreement, p.dues[d].function, s, &due, vm)) {
      case RunResult::Due:
        if (due.has_latest && due.latest < due.earliest) break;  // a window that cannot be met
        out->due.push_back({d, due.earliest, due.target, due.has_latest, due.latest,
                            due.has_latest && due.latest < evaluation_date});
        break;
      case RunResult::OutOfCalendar: return give_up(out, kOutOfCalendar);
      default: break;
    }
  }
  return true;
}

// ---- The public API ----------------------------------------------------------------------------

Agreement::~Agreement() = default;

const std::string& Agreement::name() const { return program_->name; }
const std::string& Agreement::title() const { return program_->title; }
size_t Agreement::service_count() const { return program_->services.size(); }
ServiceInfo Agreement::service(size_t i) const { return ServiceInfo(&program_->services[i]); }
size_t Agreement::rule_count() const { return program_->rules.size(); }
RuleInfo Agreement::rule(size_t i) const { return RuleInfo(&program_->rules[i]); }
size_t Agreement::due_item_count() const { return program_->dues.size(); }
DueItemInfo Agreement::due_item(size_t i) const { return DueItemInfo(&program_->dues[i]); }
std::string Agreement::bytecode() const { return write_bytecode(*program_); }

const std::string& ServiceInfo::code() const { return service_->code; }
const std::string& ServiceInfo::title() const { return service_->title; }
bool ServiceInfo::supplement() const { return service_->supplement; }

const std::string& RuleInfo::id() const { return rule_->id; }
const std::string& RuleInfo::message() const { return rule_->message; }
const std::string& RuleInfo::source() const { return rule_->source; }
bool RuleInfo::is_warning() const { return rule_->warning; }
uint32_t RuleInfo::line() const { return rule_->line; }

const std::string& DueItemInfo::rule_id() const { return due_->rule; }
uint32_t DueItemInfo::service() const { return due_->service; }
const std::string& DueItemInfo::message() const { return due_->message; }
const std::string& DueItemInfo::source() const { return due_->source; }

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
  // The runtime never contains the compiler (nor ANTLR): say where a source is loaded instead.
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".agr") == 0) {
    *error = path + ": an agreement source (.agr) needs the compiler: compile it with `agr compile " + path +
             " -o FILE.agrc`, or link the compiler library (agr::compiler) and load it with "
             "agr::compile_agreement (C: agr_agreement_compile)";
    return nullptr;
  }
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

}  // namespace agr
