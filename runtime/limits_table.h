// Every limit of agr, in one table: what an agreement source, an agreement (compiled or not) and
// a history may hold. Each is reached with a clear message, never by running out of memory or
// time:
//
// - the compiler refuses a source past a limit with a diagnostic at the place that crosses it
//   (parse.cpp, resolve.cpp, check.cpp, lower.cpp; the size of the compiled file in driver.cpp),
//   so it never writes a file the loader refuses;
// - the loader (bytecode_file.cpp) refuses a forged .agrc past one before it allocates, and the
//   verifier (verify.cpp) holds programs built in memory to the same limits;
// - the history reader and the evaluator refuse a history past one with an error line.
//
// docs/language.md §19 and docs/bytecode.md §7 quote kLimits; a unit test (docs_test.cpp) keeps
// them equal.
#pragma once

#include <cstddef>
#include <cstdint>

namespace agr {

// ---- an agreement source (.agr) -------------------------------------------------------------------
inline constexpr size_t kMaxSourceBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxNestingDepth = 64;  // parentheses
// A number or a duration's amount, as written: the bytecode's 32-bit operand holds it, also once
// weeks are days and years months.
inline constexpr int64_t kMaxAmount = 100000;

// ---- an agreement, as source and as bytecode ---------------------------------------------------------
inline constexpr size_t kMaxStringBytes = 1024 * 1024;  // any text or name: title, message, code, ...
inline constexpr size_t kMaxSources = 1024;             // the header's `source` texts
inline constexpr size_t kMaxFlags = 64;                 // an event's flags are a 64-bit mask
inline constexpr size_t kMaxServices = 4096;
inline constexpr size_t kMaxSets = size_t(1) << 20;        // distinct sets of services
inline constexpr size_t kMaxSetMembers = size_t(1) << 22;  // members of all sets together
inline constexpr size_t kMaxSameDayAliases = 4096;         // `count A as B on a day with C`
inline constexpr size_t kMaxRules = 100000;                // rules and warnings
inline constexpr size_t kMaxDueItems = 100000;
inline constexpr size_t kMaxFunctions = kMaxRules + kMaxDueItems;  // one per rule and due item
inline constexpr size_t kMaxRegisters = 256;                       // per rule or due item
inline constexpr size_t kMaxInstructions = size_t(1) << 20;        // in all
// The largest fee (and share of one) in øre: 1 000 000 000 000.00 kr., so that a course's totals
// (at most kMaxEventsPerCourse fees) cannot overflow.
inline constexpr int64_t kMaxFeeOre = 100'000'000'000'000;
// What the loader builds from the tables, bounded so that a small file cannot make it allocate
// far more than its size: rule-service pairs (AgreementIndex::judges) and bits of set membership
// (AgreementIndex::set_bits: distinct sets x services, in 64-bit words).
inline constexpr size_t kMaxRuleServicePairs = size_t(1) << 22;
inline constexpr size_t kMaxSetBitmapWords = size_t(1) << 22;
inline constexpr size_t kMaxBytecodeBytes = 64 * 1024 * 1024;  // a whole .agrc file

// ---- a history (one JSON line) ---------------------------------------------------------------------
inline constexpr size_t kMaxLineBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxEventsPerCourse = 10000;
// The work one history may take, in steps (an instruction, a service of a set a query reads, a
// probe of a binary search; AgreementIndex::function_cost). No valid agreement and history can
// keep a worker for much more than a second (docs/language.md, section 19); an LBP event takes
// a few hundred steps at most. Evaluator::set_work_limit lowers it.
inline constexpr uint64_t kMaxWorkPerHistory = 1'000'000'000;

// The table the manuals quote.
struct Limit {
  const char* what;
  uint64_t value;
  const char* unit;  // "bytes" (printed in KiB/MiB too), or what is counted
  const char* of;    // "source", "agreement", "history"
};

inline constexpr Limit kLimits[] = {
    {"size of an agreement source (`.agr`)", kMaxSourceBytes, "bytes", "source"},
    {"parentheses nested in an expression", kMaxNestingDepth, "levels", "source"},
    {"a number, or the amount of a duration", static_cast<uint64_t>(kMaxAmount), "", "source"},
    {"a text or name (title, `source`, message, code, rule id, flag, file name)", kMaxStringBytes, "bytes",
     "agreement"},
    {"the header's `source` texts", kMaxSources, "texts", "agreement"},
    {"flags", kMaxFlags, "flags", "agreement"},
    {"services and supplements", kMaxServices, "services", "agreement"},
    {"distinct sets of services (in rules, counts, `first`, `last`, the course)", kMaxSets, "sets", "agreement"},
    {"services in all those sets together", kMaxSetMembers, "services", "agreement"},
    {"distinct sets × services (the bits of the set index the loader builds)", kMaxSetBitmapWords * 64,
     "set-service bits", "agreement"},
    {"same-day aliases (`count A as B on a day with C`)", kMaxSameDayAliases, "aliases", "agreement"},
    {"rules and warnings", kMaxRules, "rules", "agreement"},
    {"rule-service pairs (each rule counts once per service it judges)", kMaxRuleServicePairs, "pairs",
     "agreement"},
    {"due items", kMaxDueItems, "due items", "agreement"},
    {"functions (one per rule, warning and due item)", kMaxFunctions, "functions", "agreement"},
    {"intermediate values of one rule or due item", kMaxRegisters, "registers", "agreement"},
    {"instructions, in all", kMaxInstructions, "instructions", "agreement"},
    {"a fee, a subsidy or a patient's share (1 000 000 000 000.00 kr.)", static_cast<uint64_t>(kMaxFeeOre), "øre",
     "agreement"},
    {"size of a compiled agreement (`.agrc`)", kMaxBytecodeBytes, "bytes", "agreement"},
    {"a history line", kMaxLineBytes, "bytes", "history"},
    {"events in one history", kMaxEventsPerCourse, "events", "history"},
    {"work to judge one history (see \"Work per history\" in docs/language.md §19)", kMaxWorkPerHistory, "steps",
     "history"},
};

}  // namespace agr
