// The LBP rules (shared/spec/agreements.md, LBP-1 .. LBP-15) written by hand in C++, the way a
// good team would write them without agr: a fixed enum of the LBP codes, per-code counters, the
// course start and end kept as plain dates, the LBP-3 table as bitmasks. No bytecode, no tables
// read from the agreement. It is the baseline agr_compare measures the VM and the JIT against.
//
// It reads the same PreparedHistory the runtime evaluates (the agreement's service index of each
// event is mapped once, up front, to a small code number) and writes an agr::CourseVerdict, so
// that its verdicts can be compared with the VM's. The agreement is consulted only to build those
// index maps (service index -> code, LBP rule id -> rule index, due item -> index), never while
// evaluating.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "evaluate.h"

namespace agr::bench {

class HandwrittenLbp {
 public:
  // The LBP codes, and the rules in the order of the agreement file.
  enum Code : uint8_t {
    k0110, k0111, k8050, k0113, k0133,
    k0261, k0262, k0263, k0264, k0265, k0266, k0267, k0268, k0269,
    k2001, k2101, k3301, k3201,
    kCodes,
    kNotGoverned = 0xff,
  };
  enum RuleId : uint8_t { R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R15, W12, W13, kRules };

  // Builds the index maps for `program`, which must be agreements/lbp.agr's (its codes, rule
  // ids and due items); null with *error otherwise.
  static std::unique_ptr<HandwrittenLbp> create(const Program& program, std::string* error);

  // Evaluates one history as of `as_of` (default: its latest event date). False with out->error
  // when date arithmetic leaves the calendar (the same contract as evaluate_prepared).
  bool evaluate(const PreparedHistory& history, std::optional<Day> as_of, CourseVerdict* out);

 private:
  HandwrittenLbp() = default;

  std::vector<uint8_t> code_of_service_;     // program service index -> Code
  std::array<uint32_t, kRules> rule_index_{};  // RuleId -> program rule index
  std::array<uint32_t, kRules> rule_bit_{};    // RuleId -> 1 << its program rule index
  uint32_t due_0267_ = 0, due_0268_ = 0;     // program due indexes
  uint32_t flag_video_ = 0, flag_other_problem_ = 0;  // bit numbers in PreparedEvent::flags

  // Reused between histories.
  std::vector<uint32_t> order_;
};

}  // namespace agr::bench
