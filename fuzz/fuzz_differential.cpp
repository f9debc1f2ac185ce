// fuzz_differential: the tiers against the oracle. The fuzzer's bytes are read twice, as one
// JSON line and as the choices of a history generator over each bundled and example agreement's
// own codes, flags, facts, clinics and dates; for every such history the VM (computed goto and switch dispatch)
// must write exactly the line the reference evaluator writes (reference/reference.h). The JIT is
// compared in the normal build (jit_test, the differential CTest), not here: the fuzz build has
// no LLVM.
#include <map>

#include "evaluate.h"
#include "fuzz_common.h"
#include "history_reader.h"
#include "reference.h"
#include "scratch.h"
#include "verdict_writer.h"

namespace agr::fuzz {
namespace {

constexpr const char* kTarget = "fuzz_differential";

struct Tiers {
  std::shared_ptr<const Agreement> agreement;
  std::unique_ptr<reference::ReferenceEvaluator> reference;
};

const std::vector<Tiers>& tiers() {
  static const std::vector<Tiers> all = [] {
    std::vector<Tiers> out;
    for (const Bundled& b : bundled_agreements()) {
      std::string error;
      auto ref = reference::load_reference(b.path, &error);
      if (!ref) fail(kTarget, "the reference does not load " + b.name + ": " + error);
      out.push_back({b.agreement, std::move(ref)});
    }
    return out;
  }();
  return all;
}

std::string run_vm(const Agreement& agreement, const std::string& line, std::optional<Day> as_of, VmFunction vm) {
  static Evaluator::Scratch scratch;
  std::string out, error;
  if (read_history_json(scratch, agreement.program(), agreement.index(), line, &error) &&
      evaluate_prepared(agreement, scratch.history, as_of, scratch.state, &scratch.verdict, vm)) {
    append_verdict_json(&out, agreement, scratch.history, scratch.verdict);
    return out;
  }
  if (error.empty()) error = scratch.verdict.error;
  std::string id;
  const bool has_id = read_history_id(scratch, line, &id);
  append_error_json(&out, has_id ? &id : nullptr, 1, error);
  return out;
}

HistoryInput generate(ByteSource& in, const Program& p) {
  static const char* const kClinics[] = {"K1", "K2"};
  HistoryInput h;
  h.id = "d";
  Day day = 0;
  parse_date("2025-06-01", &day);
  day += static_cast<Day>(in.below(500));
  if (p.referral_required || in.coin(2)) h.referral_date = format_date(day - static_cast<Day>(in.below(40)));
  if (in.coin(2)) h.clinic = kClinics[in.below(2)];
  h.facts = generate_facts(in, p, day, true);
  const size_t events = in.below(40);
  for (size_t i = 0; i < events && !in.empty(); ++i) {
    EventInput e;
    e.id = "e" + std::to_string(i);
    const uint32_t step = in.below(8);
    if (step >= 3) day += static_cast<Day>(in.below(step == 7 ? 120 : 15));
    if (step == 0) day -= static_cast<Day>(in.below(20));
    e.date = format_date(day);
    e.code = in.coin(12) ? "9999" : p.services[in.below(static_cast<uint32_t>(p.services.size()))].code;
    if (in.coin(6)) e.clinic = kClinics[in.below(2)];
    for (const std::string& flag : p.flags)
      if (in.coin(6)) e.flags.push_back(flag);
    h.events.push_back(std::move(e));
  }
  return h;
}

void compare(const Tiers& t, const std::string& line, std::optional<Day> as_of) {
  std::string expected;
  t.reference->evaluate_json_line(line, 1, as_of, &expected);
  for (VmFunction vm : {run_function_goto, run_function_switch}) {
    const std::string got = run_vm(*t.agreement, line, as_of, vm);
    if (got != expected)
      fail(kTarget, "the VM (" + std::string(vm == run_function_goto ? "goto" : "switch") +
                        ") differs from the reference\n  reference: " + expected + "  vm:        " + got,
           line);
  }
}

}  // namespace

int differential_one(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  for (const Tiers& t : tiers()) {
    if (raw.find('\n') == std::string::npos) compare(t, raw, std::nullopt);
    ByteSource in(data, size);
    const Program& p = t.agreement->program();
    if (p.services.empty()) continue;
    std::optional<Day> as_of;
    const HistoryInput h = generate(in, p);
    if (in.coin(4)) {
      Day day = 0;
      parse_date("2025-06-01", &day);
      as_of = day + static_cast<Day>(in.below(900));
    }
    compare(t, to_json_line(h), as_of);
  }
  return 0;
}

}  // namespace agr::fuzz

#ifndef AGR_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return agr::fuzz::differential_one(data, size);
}
#endif
