// The compiled form of one agreement: tables (services, fees, sets, same-day combinations,
// rules, due items) and the bytecode of every rule. The compiler builds it, `.agrc` files store
// it (bytecode_file.cpp), the verifier checks it, and the VM runs it. docs/bytecode.md
// describes the format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agr/agr.h"  // FeeSplit, Day
#include "opcodes.h"

namespace agr {

// One instruction: three 8-bit register operands and a 32-bit operand (see opcodes.def).
struct Instruction {
  Opcode op;
  uint8_t a = 0, b = 0, c = 0;
  int32_t k = 0;
};
static_assert(sizeof(Instruction) == 8);

// Static types of registers; the verifier checks every operand against them.
enum class RegType : uint8_t { Bool = 0, Count = 1, Date = 2, Clinic = 3 };

// A function is a slice of Program::code with its own frame of typed registers. It reads the
// event and the course state and ends in HOLD, FAIL or DUE.
struct Function {
  uint32_t code_begin = 0;
  uint32_t code_end = 0;
  std::vector<RegType> registers;
  std::vector<uint32_t> lines;  // source line of each instruction, parallel to the code slice
};

struct Service {
  std::string code;
  std::string title;
  bool supplement = false;  // never counted by per-day rules
};

// A price level: the fee table in force from `from` until the next level's date.
struct PriceLevel {
  Day from = 0;
  std::string title;
};

inline constexpr uint32_t kNoFlag = UINT32_MAX;

// One line of a price level's table: the fee of `service` at `level`, or, with a flag, the fee of
// the service given with that flag (a variant).
struct FeeEntry {
  uint32_t service = 0;
  uint32_t level = 0;
  uint32_t flag = kNoFlag;  // kNoFlag: the service's own fee
  FeeSplit split;
};

// A fact about the patient or the referral that a history carries in `facts` (docs/io-contract.md).
enum class FactType : uint8_t { Date = 0, Integer = 1, Boolean = 2, Code = 3, String = 4 };
inline constexpr uint8_t kLastFactType = 4;

// As the language writes it: `fact birth_date date required`.
inline const char* fact_type_name(FactType type) {
  switch (type) {
    case FactType::Date: return "date";
    case FactType::Integer: return "integer";
    case FactType::Boolean: return "boolean";
    case FactType::Code: return "code";
    case FactType::String: return "string";
  }
  return "?";
}

struct Fact {
  std::string name;
  FactType type = FactType::Date;
  bool required = false;
};

// A list of codes a code or string fact is tested against: exact codes, and prefixes (`DM16*`).
struct TextPatterns {
  std::vector<std::string> exact, prefixes;
};

struct Rule {
  std::string id;       // the spec's id, e.g. "LBP-6"
  bool warning = false; // a warning instead of a rejection
  uint32_t applies_to;  // set index: the codes this rule judges
  uint32_t function;
  std::string message;
  std::string source;   // the source passage
  uint32_t line = 0;    // line of the rule in the .agr file
};

struct DueItem {
  std::string rule;     // rule id
  uint32_t service;     // what is due
  uint32_t function;
  std::string message;
  std::string source;
  uint32_t line = 0;
};

struct SameDayAlias {
  uint32_t alias, target, condition;  // service indexes
};

inline constexpr uint32_t kNoSet = UINT32_MAX;

// What the compiler knew of a function's source, for people and tests only: which instructions
// evaluate each clause, and which instruction computes each value a clause looks at (agr run
// --explain, agr explain, agr test --coverage). Nothing that judges a history reads it.
struct ClauseInfo {
  enum class Kind : uint8_t { When, Require, RejectIf, WarnIf, DueWhen, Earliest, Target, Latest, Window };
  Kind kind = Kind::Require;
  uint32_t code_begin = 0, code_end = 0;  // its instructions (indexes into Program::code)
  uint32_t line = 0;
  std::string text;  // as written, on one line: "require count(0266 in start .. start + 3 months) < 6"
};

struct ValueInfo {
  uint32_t pc = 0;      // after the instruction at pc runs, its r[a] holds the value
  uint32_t clause = 0;  // the clause (index in FunctionDebug::clauses) whose explanation shows it
  RegType type = RegType::Count;
  // A limit is a comparison or a window test inside a clause (`count(0266) < 6`): coverage asks
  // for both its outcomes; an explanation shows the values compared, not the limit's own.
  bool limit = false;
  std::string text;     // the expression, as written: "count(0266 in start .. start + 3 months)"
};

struct FunctionDebug {
  std::vector<ClauseInfo> clauses;  // in the order they run
  std::vector<ValueInfo> values;    // per clause, in the order they are computed
};

struct Program {
  std::string name;         // e.g. "lbp"
  std::string title;
  std::string source_file;  // the .agr file it came from, for messages
  std::vector<std::string> sources;
  bool referral_required = false;

  std::vector<std::string> flags;
  std::vector<Fact> facts;
  std::vector<Service> services;
  std::vector<PriceLevel> price_levels;  // ascending dates, one per date
  // Every price level's fees, ordered by service and then level. The entries of one service at one
  // level are its variants, in the order an event's flags are tried, and last its own fee: the
  // first entry whose flag the event carries (or the last) is the fee billed.
  std::vector<FeeEntry> fees;
  std::vector<std::vector<uint32_t>> sets;  // sorted service indexes
  uint32_t course_starts = kNoSet;          // set index, or kNoSet when there is no course
  uint32_t course_ends = kNoSet;
  // allowed_pairs[i * services.size() + j]: services i and j may stand on one day.
  std::vector<uint8_t> allowed_pairs;
  std::vector<SameDayAlias> aliases;
  std::vector<TextPatterns> text_patterns;  // the code lists of FACT_MATCHES

  std::vector<Rule> rules;  // in file order
  std::vector<DueItem> dues;
  std::vector<Function> functions;
  std::vector<Instruction> code;
  std::vector<FunctionDebug> debug;  // parallel to functions, or empty when the program has none
};

}  // namespace agr
