// The evaluation of one course history against one agreement: the prepared (compact) history,
// the course state accepted so far, and the VM that runs each rule's bytecode against them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agr/agr.h"
#include "calendar.h"
#include "json_buffer.h"
#include "limits_table.h"
#include "program.h"
#include "string_index.h"

namespace agr {

// The pieces of a verdict line that depend only on the agreement, rendered once at load by
// render_output_fragments (verdict_writer.cpp), so that writing a verdict copies them.
struct OutputFragments {
  std::string agreement;                      // ,"agreement":"lbp","events":[
  FragmentTable accepted;          // per service: ,"code":"0261","status":"accepted"
  FragmentTable accepted_closed;   // per service: the same and the event's '}'
  FragmentTable fee_closed;        // per fee line (program().fees: a service's fee at a price level,
                                   // or a variant of it): its service's accepted, ,"fee":{...}, '}'
  FragmentTable rejected;          // per service: ,"code":"0261","status":"rejected","violations":[
  FragmentTable violation;         // per rule: {"rule":..,"message":..,"source":..}
  FragmentTable warning;           // per rule: the same without its '}', then ,"event":
  FragmentTable due_head, due_tail;  // per due item: {"code":..,"earliest":  and  ,"rule":..}
};
OutputFragments render_output_fragments(const Program& program);

// Load-time indexes of an agreement: which rules judge which service, and set membership.
class AgreementIndex {
 public:
  explicit AgreementIndex(const Program& program);

  // The rules that judge each service, in file order: rejections first, then warnings.
  struct Judge {
    uint32_t rule, function;
    uint32_t code_begin;  // where the function's code starts (Program::functions[function].code_begin)
  };
  std::vector<Judge> judges;
  std::vector<uint32_t> judges_begin;    // per service + 1: its slice of `judges`
  std::vector<uint32_t> warnings_begin;  // per service: where its warnings start in that slice
  // Output text that depends only on the agreement, rendered once (verdict_writer.cpp).
  OutputFragments out;
  // The fees: fee_slot[level * services + service] is the first of the service's fee lines at that
  // price level (program.h: its variants, then its own fee), or kNoFeeEntry.
  std::vector<uint32_t> fee_slot;
  std::vector<Day> level_from;  // each price level's date, ascending
  size_t services = 0;
  std::vector<uint8_t> starts_course, ends_course;    // per service
  std::vector<std::vector<uint64_t>> set_bits;        // per set: membership bitmap
  std::vector<Role> roles;                            // per function (verify.h: function_roles)
  // The program's code as the VM's fast loops run it: the same instructions at the same indexes,
  // with super-instructions at the heads of the runs they fuse (vm_fused.def).
  std::vector<Instruction> vm_code;

  // By hash: one probe and one comparison per code or flag, however many the agreement has.
  int32_t find_service(std::string_view code) const {  // -1 when not governed
    const uint32_t s = service_by_code_.find(code, [this](uint32_t i) { return std::string_view(codes_[i]); });
    return s == StringIndex::kMissing ? -1 : static_cast<int32_t>(s);
  }
  int32_t find_flag(std::string_view flag) const {  // -1 when not declared
    const uint32_t f = flag_by_name_.find(flag, [this](uint32_t i) { return std::string_view(flags_[i]); });
    return f == StringIndex::kMissing ? -1 : static_cast<int32_t>(f);
  }
  // The price level in force on `day` (the latest dated on or before it), or -1 before the first.
  int32_t level_on(Day day) const;
  // The fee line billed for `service` at price level `level` (>= 0) to an event carrying `flags`:
  // the first of its variants whose flag the event carries, else its own fee; kNoFeeEntry when
  // the service has no fee at that level.
  uint32_t fee_entry(const Program& program, int32_t level, uint32_t service, uint64_t flags) const {
    return fee_entry_in(program, fee_row(level), service, flags);
  }
  // The same from the level's row of fee_slot, for a caller that keeps the row of the level in force.
  const uint32_t* fee_row(int32_t level) const { return fee_slot.data() + static_cast<size_t>(level) * services; }
  uint32_t fee_entry_in(const Program& program, const uint32_t* row, uint32_t service, uint64_t flags) const {
    uint32_t i = row[service];
    if (i == kNoFeeEntry) return i;
    for (;; ++i) {
      const uint32_t flag = program.fees[i].flag;
      if (flag == kNoFlag || ((flags >> flag) & 1)) return i;
    }
  }
  bool in_set(uint32_t set, uint32_t service) const {
    return (set_bits[set][service >> 6] >> (service & 63)) & 1;
  }

  // An upper bound of the steps one call of each function takes (jumps go only forward, so each
  // instruction runs at most once), weighted by what its queries read.
  std::vector<uint64_t> function_cost;
  // What judging one event of each service charges the work budget: its judges' costs and its accept.
  std::vector<uint64_t> event_cost;
  uint32_t most_judges = 0;  // the largest number of judges of one service

  // Count slots: one per distinct SETFLAG operand of the program's COUNT_IN and COUNT_FLAGGED
  // instructions, found in its code at load. CourseState keeps each slot's accepted dates.
  std::vector<uint32_t> slot_flag;                 // per slot: its SETFLAG operand
  std::vector<std::vector<uint32_t>> slots_of;     // per service: the slots whose set holds it
  // The slot of a SETFLAG operand; kNoSlot for an operand no instruction of the program has.
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  uint32_t slot(uint32_t setflag) const {
    for (const auto& [flag, slot] : slots_by_set_[setflag & 0xffffff])
      if (flag == setflag >> 24) return slot;
    return kNoSlot;
  }

 private:
  std::vector<std::string> codes_, flags_;  // the keys, owned (the index does not refer to the Program)
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> slots_by_set_;  // per set: (flag + 1 or 0, slot)
  StringIndex service_by_code_, flag_by_name_;
};

// The value of one declared fact in one history. Strings are views into the caller's buffers.
struct FactValue {
  bool present = false;
  int64_t number = 0;     // a date (Day), an integer, or 0/1
  std::string_view text;  // a code or string
};

// One event, ready for evaluation. Strings are views into the caller's buffers.
struct PreparedEvent {
  Day date;
  int32_t service;  // -1: not governed
  uint32_t clinic;  // 0: none named; else 1 + index of the clinic's name in the history
  uint64_t flags;   // bit i: program.flags[i]
  std::string_view id, code;
};

struct PreparedHistory {
  std::string_view id;
  bool has_referral = false;
  Day referral = 0;
  std::vector<PreparedEvent> events;        // input order
  std::vector<std::string_view> clinics;    // interned clinic names
  std::vector<FactValue> facts;             // one per fact the agreement declares
  int32_t duplicate_id = -1;                // the first event whose id an earlier one has; -1: none
  // Every string lies in its line as written there (no escape), with the line's padding after
  // it: none needs an escape on output (the fast reader's histories; verdict_writer.cpp).
  bool plain_strings = false;

  void clear() {
    id = {};
    has_referral = false;
    referral = 0;
    events.clear();
    clinics.clear();
    facts.clear();
    duplicate_id = -1;
    plain_strings = false;
    clinic_index_.reset();
    id_index_.reset();
  }
  // O(1): a hash of the names seen in this history.
  uint32_t intern_clinic(std::string_view name) {
    const uint32_t next = static_cast<uint32_t>(clinics.size());
    const uint32_t i = clinic_index_.find_or_insert(name, next, [this](uint32_t k) { return clinics[k]; });
    if (i == next) clinics.push_back(name);
    return i + 1;
  }
  // Appends an event; an id an earlier event has is noted in duplicate_id (check_history reports it).
  void add_event(const PreparedEvent& e) {
    events.push_back(e);
    note_last_id();
  }
  // The same for an event written in place at the end of `events` (as the fast readers do: a copy
  // of an event just written field by field costs a stalled load).
  void note_last_id() {
    const uint32_t last = static_cast<uint32_t>(events.size() - 1);
    const uint32_t first = id_index_.find_or_insert(events[last].id, last, [this](uint32_t k) { return events[k].id; });
    if (first != last && duplicate_id < 0) duplicate_id = static_cast<int32_t>(last);
  }

 private:
  StringIndex clinic_index_, id_index_;
};

std::string unknown_flag_message(const Program& program, std::string_view event, std::string_view flag);

// Checks what is known once the whole history is read (a referral where the agreement requires
// one, the number of events, unique event ids). Returns "" when the history is fine.
std::string check_history(const Program& program, const PreparedHistory& history);

// What has been accepted so far in one history, and the event being judged. Every query a rule
// may ask (course_queries.h) is answered from it at a cost that does not grow with the history:
// per-service counts and dates, the accepted dates of each (set, flag) the program counts in a
// period (binary search), and the day's accepted services (same-day checks). Only what a history
// touched is cleared for the next one, so a short history costs little in a large agreement.
struct CourseState {
  std::vector<uint32_t> count;        // per service
  std::vector<Day> first, last;       // per service, valid where count > 0
  std::vector<uint32_t> last_clinic;  // per service
  std::vector<uint32_t> last_seq;     // per service: the latest's position in evaluation order
  uint32_t accepted = 0;              // events accepted so far
  // Per count slot (AgreementIndex::slot_flag): the dates of accepted events in its set with its
  // flag, in evaluation order, which is date order.
  std::vector<std::vector<Day>> slot_dates;
  // The day of the latest accepted event, and which services were accepted on it (first sighting
  // order; supplements too). A service was accepted that day when its latest accepted date is
  // that day (accepted_today), so a new day clears nothing per service.
  Day today_date = 0;
  std::vector<uint32_t> today_services;
  bool started = false, ended = false;
  Day start = 0, end = 0;
  bool has_referral = false;
  Day referral = 0;
  const FactValue* facts = nullptr;  // the history's, one per declared fact

  // The event being judged (or, for due items, the evaluation date).
  Day date = 0;
  int32_t service = -1;
  uint32_t clinic = 0;
  uint64_t flags = 0;

  uint64_t work_limit = kMaxWorkPerHistory;  // steps per history (evaluate_prepared)

  // Reused between histories so that evaluation does not allocate in the steady state.
  std::vector<uint32_t> order_scratch;
  std::vector<uint32_t> failed_scratch;  // the rules judging one event found broken (judge_event)
  std::vector<uint32_t> touched_services, touched_slots;  // what to clear for the next history

  // Ready for a new history of an agreement with these many services and count slots.
  void reset(size_t services, size_t slots);
  // Forgets the day's services (a new day, or the evaluation date of the due items).
  void new_day(Day day) {
    today_services.clear();
    today_date = day;
  }
  // Whether `service` was accepted on today_date: its latest accepted date is that day (events
  // are accepted in date order). combinable_today asks it only of a day with accepted services.
  bool accepted_today(uint32_t service) const { return count[service] != 0 && last[service] == today_date; }
};

enum class RunResult : uint8_t { Hold, Fail, Due, OutOfCalendar };

struct DueOutput {
  Day earliest = 0, target = 0, latest = 0;
  bool has_latest = false;
};

// What judging one event by the rules of its service came to (judge_event).
enum class Judgement : uint8_t { Accepted, Rejected, OutOfCalendar };

// The judgement and how many rules were written to `failed`, in one word as native code returns
// it: the judgement in the low byte, the count in the high 32 bits.
constexpr uint64_t pack_judgement(Judgement judgement, uint32_t failed) {
  return uint64_t{failed} << 32 | static_cast<uint8_t>(judgement);
}
constexpr Judgement judgement_of(uint64_t packed) { return static_cast<Judgement>(packed & 0xff); }
constexpr uint32_t failed_of(uint64_t packed) { return static_cast<uint32_t>(packed >> 32); }

// Runs one function of the program. The program must have passed the verifier.
RunResult run_function(const Program& program, const AgreementIndex& index, uint32_t function,
                       const CourseState& state, DueOutput* due);
// The same, with a chosen dispatch (the benchmark compares them); run_function is one of these.
RunResult run_function_goto(const Program& program, const AgreementIndex& index, uint32_t function,
                            const CourseState& state, DueOutput* due);
RunResult run_function_switch(const Program& program, const AgreementIndex& index, uint32_t function,
                              const CourseState& state, DueOutput* due);
using VmFunction = RunResult (*)(const Program&, const AgreementIndex&, uint32_t, const CourseState&, DueOutput*);

// Judge the event in `state` by every rule of its service, as judge_event does with one
// run_function call per rule, in one call of the VM (by computed goto, or by switch): the rules
// run one after the other in one frame. The same contract as NativeService; `failed` has room
// for index.most_judges.
uint64_t judge_service_goto(const Program& program, const AgreementIndex& index, const CourseState& state,
                            uint32_t* failed);
uint64_t judge_service_switch(const Program& program, const AgreementIndex& index, const CourseState& state,
                              uint32_t* failed);
using VmJudge = uint64_t (*)(const Program&, const AgreementIndex&, const CourseState&, uint32_t*);
// The judge_service_* of a dispatch of run_function (run_function, run_function_goto,
// run_function_switch); null for any other VmFunction (run_function_traced: one call per rule, so
// that the trace sees each one enter and leave).
VmJudge service_judge_of(VmFunction vm);

// A function compiled to machine code: the same contract as run_function.
using NativeFunction = RunResult (*)(const Program* program, const AgreementIndex* index, const CourseState* state,
                                     DueOutput* due);

// The rules of one service fused into one function of machine code: it judges the event in
// `state` (one of that service's) as judge_event does, with every rule's code inline, in one call.
// `failed` has room for the service's judges.
using NativeService = uint64_t (*)(const Program* program, const AgreementIndex* index, const CourseState* state,
                                   uint32_t* failed);

// What the JIT tier hands the runtime: one native function per service (its judges, fused), and
// per Program::functions entry one that runs it on its own, or null (the JIT compiles the due
// items' on their own, and a rule's only inside its services'). It owns whatever keeps the code
// alive (a subclass holds the JIT itself).
struct NativeCode {
  std::vector<NativeService> services;
  std::vector<NativeFunction> functions;
  virtual ~NativeCode() = default;
};

// Runs function `function` of the agreement with its native code where it has some, else the VM.
inline RunResult run_agreement_function(const Agreement& agreement, uint32_t function, const CourseState& state,
                                        DueOutput* due, VmFunction vm = run_function) {
  if (const NativeCode* native = agreement.native_code(); native && native->functions[function])
    return native->functions[function](&agreement.program(), &agreement.index(), &state, due);
  return vm(agreement.program(), agreement.index(), function, state, due);
}

// Judges the event in `state` by the rules of its service (AgreementIndex::judges): every
// rejection, in file order; when none fails, every warning. Writes the index (in Program::rules)
// of each rule that fails to `failed` (room for index.most_judges), and returns the judgement and
// their number (pack_judgement): the rejections that failed, or for an accepted event the
// warnings. Stops at the first rule whose date arithmetic leaves the calendar (OutOfCalendar).
// One call per rule (run_agreement_function); the agreement's fused native code, where it has
// some (fused_services), does the same in one call.
inline uint64_t judge_event(const Agreement& agreement, const CourseState& state, uint32_t* failed,
                            VmFunction vm = run_function) {
  const uint32_t service = static_cast<uint32_t>(state.service);
  const AgreementIndex& index = agreement.index();
  uint32_t n = 0;
  // Runs judges [begin, end); false when one left the calendar.
  auto run = [&](uint32_t begin, uint32_t end) {
    DueOutput unused;
    for (uint32_t j = begin; j < end; ++j) {
      switch (run_agreement_function(agreement, index.judges[j].function, state, &unused, vm)) {
        case RunResult::Fail: failed[n++] = index.judges[j].rule; break;
        case RunResult::OutOfCalendar: return false;
        default: break;
      }
    }
    return true;
  };
  const uint32_t first_warning = index.warnings_begin[service];
  if (!run(index.judges_begin[service], first_warning)) return pack_judgement(Judgement::OutOfCalendar, 0);
  if (n > 0) return pack_judgement(Judgement::Rejected, n);
  if (!run(first_warning, index.judges_begin[service + 1])) return pack_judgement(Judgement::OutOfCalendar, 0);
  return pack_judgement(Judgement::Accepted, n);
}

// The agreement's fused native code per service, or null where it has none.
inline const NativeService* fused_services(const Agreement& agreement) {
  const NativeCode* native = agreement.native_code();
  return native && !native->services.empty() ? native->services.data() : nullptr;
}

// Evaluates a prepared history; false with out->error set when date arithmetic leaves the calendar.
// `vm` chooses the VM's dispatch where the agreement has no native code.
bool evaluate_prepared(const Agreement& agreement, const PreparedHistory& history, std::optional<Day> as_of,
                       CourseState& state, CourseVerdict* out, VmFunction vm = run_function);

}  // namespace agr
