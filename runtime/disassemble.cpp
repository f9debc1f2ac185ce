#include "disassemble.h"

#include <cstdio>

#include "calendar.h"

namespace agr {
namespace {

const char* reg_type_name(RegType t) {
  switch (t) {
    case RegType::Bool: return "bool";
    case RegType::Count: return "count";
    case RegType::Date: return "date";
    case RegType::Clinic: return "clinic";
  }
  return "?";
}

std::string set_text(const Program& p, uint32_t set) {
  if (set >= p.sets.size()) return "{?}";
  std::string s = "{";
  for (size_t i = 0; i < p.sets[set].size(); ++i) {
    if (i) s += ",";
    const uint32_t service = p.sets[set][i];
    s += service < p.services.size() ? p.services[service].code : "?";
  }
  return s + "}";
}

void function(std::string& out, const Program& p, uint32_t f) {
  const Function& fn = p.functions[f];
  out += "  registers:";
  for (size_t r = 0; r < fn.registers.size(); ++r)
    out += " r" + std::to_string(r) + ":" + reg_type_name(fn.registers[r]);
  out += "\n";
  for (uint32_t pc = fn.code_begin; pc < fn.code_end; ++pc) {
    const Instruction& ins = p.code[pc];
    const OpcodeInfo& op = opcode_info(ins.op);
    char line[160];
    std::snprintf(line, sizeof line, "  %04u  %-16s a=%-3u b=%-3u c=%-3u k=%-8d", pc, op.name, ins.a, ins.b, ins.c,
                  ins.k);
    out += line;
    std::string note;
    switch (ins.op) {
      case Opcode::COUNT:
      case Opcode::FIRST_DATE:
      case Opcode::LAST_DATE:
      case Opcode::CLINIC_OF_LAST: note = " set " + set_text(p, static_cast<uint32_t>(ins.k)); break;
      case Opcode::COUNT_IN:
      case Opcode::COUNT_FLAGGED: {
        const uint32_t k = static_cast<uint32_t>(ins.k);
        note = " set " + set_text(p, k & 0xffffff);
        if (k >> 24 && (k >> 24) - 1 < p.flags.size()) note += " flag " + p.flags[(k >> 24) - 1];
        break;
      }
      case Opcode::EVENT_FLAGGED:
        if (ins.k >= 0 && static_cast<size_t>(ins.k) < p.flags.size()) note = " flag " + p.flags[ins.k];
        break;
      case Opcode::LOAD_DATE:
        if (ins.k >= kFirstDay && ins.k <= kLastDay) {
          char d[10];
          format_iso_date(ins.k, d);
          note = " " + std::string(d, 10);
        }
        break;
      case Opcode::JUMP:
      case Opcode::JUMP_IF_FALSE:
      case Opcode::JUMP_IF_NONE: note = " -> " + std::to_string(ins.k); break;
      case Opcode::WEEKDAY_IN: {
        static const char* const kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        for (int d = 0; d < 7; ++d)
          if ((ins.k >> d) & 1) note += std::string(note.empty() ? " " : ",") + kDays[d];
        break;
      }
      case Opcode::FACT:
        if (ins.k >= 0 && static_cast<size_t>(ins.k) < p.facts.size()) note = " fact " + p.facts[ins.k].name;
        break;
      case Opcode::FACT_MATCHES: {
        const uint32_t k = static_cast<uint32_t>(ins.k);
        if ((k >> 24) < p.facts.size()) note = " fact " + p.facts[k >> 24].name;
        if ((k & 0xffffff) < p.text_patterns.size()) {
          const TextPatterns& list = p.text_patterns[k & 0xffffff];
          note += " in {";
          for (const auto& code : list.exact) note += (note.back() == '{' ? "" : ",") + code;
          for (const auto& code : list.prefixes) note += (note.back() == '{' ? "" : ",") + code + "*";
          note += "}";
        }
        break;
      }
      case Opcode::PERIOD_START:
      case Opcode::PERIOD_END:
        if (ins.k >= 0 && ins.k <= 2) note = std::string(" ") + (ins.k == 0 ? "week" : ins.k == 1 ? "month" : "year");
        break;
      default: break;
    }
    out += "; " + std::string(op.synopsis) + note;
    const size_t i = pc - fn.code_begin;
    if (i < fn.lines.size()) out += "  (line " + std::to_string(fn.lines[i]) + ")";
    out += "\n";
  }
}

}  // namespace

std::string disassemble(const Program& p) {
  std::string out = "agreement " + p.name + " (" + p.title + ")\n";
  if (!p.facts.empty()) out += "facts:\n";
  for (size_t i = 0; i < p.facts.size(); ++i)
    out += "  " + std::to_string(i) + " " + p.facts[i].name + " " + fact_type_name(p.facts[i].type) +
           (p.facts[i].required ? " required" : "") + "\n";
  out += "services:\n";
  for (size_t i = 0; i < p.services.size(); ++i) {
    const Service& s = p.services[i];
    out += "  " + std::to_string(i) + " " + s.code + (s.supplement ? " supplement" : "") + "\n";
  }
  if (!p.price_levels.empty()) out += "price levels:\n";
  for (size_t l = 0; l < p.price_levels.size(); ++l) {
    const Day day = p.price_levels[l].from;
    char from[10];
    if (day >= kFirstDay && day <= kLastDay) format_iso_date(day, from);
    out += "  " + std::to_string(l) + " from " +
           (day >= kFirstDay && day <= kLastDay ? std::string(from, 10) : std::to_string(day)) + " " +
           p.price_levels[l].title + "\n";
  }
  if (!p.fees.empty()) out += "fees (øre):\n";
  for (size_t i = 0; i < p.fees.size(); ++i) {
    const FeeEntry& f = p.fees[i];
    out += "  " + std::to_string(i) + " " + (f.service < p.services.size() ? p.services[f.service].code : "?") +
           " level " + std::to_string(f.level);
    if (f.flag != kNoFlag) out += " flagged " + (f.flag < p.flags.size() ? p.flags[f.flag] : "?");
    out += ": " + std::to_string(f.split.total) + " = " + std::to_string(f.split.subsidy) + " + " +
           std::to_string(f.split.patient) + "\n";
  }
  out += "sets:\n";
  for (size_t i = 0; i < p.sets.size(); ++i) out += "  " + std::to_string(i) + " " + set_text(p, i) + "\n";
  if (p.course_starts != kNoSet)
    out += "course: starts with set " + std::to_string(p.course_starts) + ", ends with set " +
           std::to_string(p.course_ends) + "\n";
  for (const Rule& r : p.rules) {
    out += std::string(r.warning ? "warning " : "rule ") + r.id + " for set " + set_text(p, r.applies_to) +
           " (line " + std::to_string(r.line) + ")\n";
    if (r.function < p.functions.size()) function(out, p, r.function);
  }
  for (const DueItem& d : p.dues) {
    out += "due " + d.rule + " " + (d.service < p.services.size() ? p.services[d.service].code : "?") + " (line " +
           std::to_string(d.line) + ")\n";
    if (d.function < p.functions.size()) function(out, p, d.function);
  }
  return out;
}

}  // namespace agr
