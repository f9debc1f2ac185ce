#include "facts.h"

#include "calendar.h"

namespace agr {
namespace {

bool is_code(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char ch : text) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '-' || ch == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

int32_t find_fact(const Program& program, std::string_view name) {
  for (size_t i = 0; i < program.facts.size(); ++i)
    if (program.facts[i].name == name) return static_cast<int32_t>(i);
  return -1;
}

std::string unknown_fact_message(const Program& program, std::string_view name) {
  std::string message = "unknown fact '" + std::string(name) + "'; agreement " + program.name + " declares ";
  if (program.facts.empty()) return message + "no facts";
  for (size_t i = 0; i < program.facts.size(); ++i) {
    const Fact& fact = program.facts[i];
    message += (i ? ", " : "") + fact.name + " (" + fact_type_name(fact.type) + (fact.required ? ", required)" : ")");
  }
  return message;
}

std::string read_fact(const Program& program, int32_t index, const FactJson& value, FactValue* out) {
  const Fact& fact = program.facts[static_cast<size_t>(index)];
  const auto named = [&fact] { return "fact '" + fact.name + "'"; };  // built only for a message
  using Kind = FactJson::Kind;
  switch (fact.type) {
    case FactType::Date: {
      if (value.kind != Kind::String) return named() + " must be a date YYYY-MM-DD, not " + value.type_word;
      Day day = 0;
      if (!parse_iso_date(value.text, &day))
        return named() + " is not a calendar date YYYY-MM-DD: '" + std::string(value.text) + "'";
      out->number = day;
      break;
    }
    case FactType::Integer:
      if (value.kind != Kind::Integer) return named() + " must be a whole number, not " + value.type_word;
      if (!value.integer_in_range || value.integer > kMaxIntegerFact || value.integer < -kMaxIntegerFact)
        return named() + " is out of range: a whole number of at most 2^53";
      out->number = value.integer;
      break;
    case FactType::Boolean:
      if (value.kind != Kind::Boolean) return named() + " must be true or false, not " + value.type_word;
      out->number = value.boolean ? 1 : 0;
      break;
    case FactType::Code:
      if (value.kind != Kind::String) return named() + " must be a code (a string), not " + value.type_word;
      if (!is_code(value.text))
        return named() + " is not a code (letters, digits, '.', '-' and '_'; at most 64): '" + std::string(value.text) + "'";
      out->text = value.text;
      break;
    case FactType::String:
      if (value.kind != Kind::String) return named() + " must be a string, not " + value.type_word;
      out->text = value.text;
      break;
  }
  out->present = true;
  return {};
}

std::string check_required_facts(const Program& program, const PreparedHistory& history) {
  for (size_t i = 0; i < program.facts.size(); ++i) {
    if (!program.facts[i].required || (i < history.facts.size() && history.facts[i].present)) continue;
    std::string required;
    for (const Fact& fact : program.facts)
      if (fact.required) required += (required.empty() ? "" : ", ") + fact.name + " (" + fact_type_name(fact.type) + ")";
    return "missing fact '" + program.facts[i].name + "': agreement " + program.name + " requires " + required;
  }
  return {};
}

}  // namespace agr
