// Facts about the patient and the referral (io-contract: `facts`), read strictly against the
// facts the agreement declares. One definition of each check and message, shared by the JSON
// Lines reader (history_reader.cpp) and the C++ API (Evaluator::evaluate).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evaluate.h"

namespace agr {

// The largest integer fact in magnitude: what JSON carries exactly (2^53).
inline constexpr int64_t kMaxIntegerFact = int64_t(1) << 53;

// The index of the declared fact `name`, or -1.
int32_t find_fact(const Program& program, std::string_view name);

// "unknown fact 'x'; agreement A declares birth_date (date, required), diagnosis (code)".
std::string unknown_fact_message(const Program& program, std::string_view name);

// A fact's value as the history gives it (a JSON value's type and contents).
struct FactJson {
  enum class Kind : uint8_t { String, Integer, Boolean, Other } kind = Kind::Other;
  const char* type_word = "";   // how a message names a JSON type that does not fit: "a number", ...
  std::string_view text;        // String
  int64_t integer = 0;          // Integer
  bool integer_in_range = true; // Integer: false when it does not fit in 64 bits
  bool boolean = false;         // Boolean
};

// Reads declared fact `fact` from its JSON value into *out: a date is a string YYYY-MM-DD and a
// calendar date, an integer a whole number of at most 2^53, a boolean true or false, a code a
// non-empty string of letters, digits, '.', '-' and '_', a string any string. "" when it fits;
// otherwise the message, naming the fact.
std::string read_fact(const Program& program, int32_t fact, const FactJson& value, FactValue* out);

// "" when every required fact is present; otherwise a message naming the first missing one and
// what the agreement requires.
std::string check_required_facts(const Program& program, const PreparedHistory& history);

}  // namespace agr
