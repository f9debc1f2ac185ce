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
  out += "services:\n";
  for (size_t i = 0; i < p.services.size(); ++i) {
    const Service& s = p.services[i];
    out += "  " + std::to_string(i) + " " + s.code + (s.supplement ? " supplement" : "");
    if (s.has_fee)
      out += " fee " + std::to_string(s.fee.total) + " = " + std::to_string(s.fee.subsidy) + " + " +
             std::to_string(s.fee.patient) + " øre";
    out += "\n";
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
