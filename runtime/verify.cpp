#include "verify.h"

#include <algorithm>
#include <bitset>
#include <string_view>
#include <tuple>

#include <simdjson.h>

#include "bytecode_file.h"
#include "calendar.h"

namespace agr {

bool function_roles(const Program& p, std::vector<Role>* roles, std::string* error) {
  // 0xff: no role yet.
  constexpr Role kNone = static_cast<Role>(0xff);
  roles->assign(p.functions.size(), kNone);
  auto claim = [&](uint32_t function, Role role, const std::string& owner) {
    if (function >= roles->size()) {
      *error = owner + " names function " + std::to_string(function) + ", which does not exist";
      return false;
    }
    if ((*roles)[function] != kNone) {
      *error = "function " + std::to_string(function) + " belongs to " + owner + " and to another " +
               role_name((*roles)[function]);
      return false;
    }
    (*roles)[function] = role;
    return true;
  };
  for (const Rule& r : p.rules)
    if (!claim(r.function, r.warning ? Role::Warning : Role::Rule, (r.warning ? "warning " : "rule ") + r.id))
      return false;
  for (const DueItem& d : p.dues)
    if (!claim(d.function, Role::Due, "due item " + d.rule)) return false;
  for (size_t f = 0; f < roles->size(); ++f)
    if ((*roles)[f] == kNone) {
      *error = "function " + std::to_string(f) + " belongs to no rule, warning or due item";
      return false;
    }
  return true;
}

namespace {

std::string at(size_t function, size_t pc, const OpcodeInfo& info) {
  return "function " + std::to_string(function) + ", instruction " + std::to_string(pc) + " (" +
         info.name + "): ";
}

bool is_terminator(Opcode op) { return op == Opcode::HOLD || op == Opcode::FAIL || op == Opcode::DUE; }

std::string count_over(size_t n, const char* what, size_t limit) {
  return "the program has " + std::to_string(n) + " " + what + ", over the limit of " + std::to_string(limit);
}

class Verifier {
 public:
  Verifier(const Program& p, std::string* error) : p_(p), error_(error) {}

  bool run() { return texts() && tables() && functions() && debug() && file_size(); }

 private:
  bool fail(std::string why) {
    *error_ = "invalid bytecode: " + std::move(why);
    return false;
  }

  // Every text is within the string limit, and every text a verdict can carry into the JSON
  // output is valid UTF-8 (the compiler only takes UTF-8 sources; a forged file could hold
  // anything, and the output must stay JSON).
  bool texts() {
    bool utf8 = true, short_enough = true;
    auto text = [&](const std::string& s) {
      short_enough = short_enough && s.size() <= kMaxStringBytes;
      utf8 = utf8 && simdjson::validate_utf8(s.data(), s.size());
    };
    text(p_.name);
    text(p_.title);
    text(p_.source_file);
    for (const auto& s : p_.sources) text(s);
    for (const auto& f : p_.flags) text(f);
    for (const auto& f : p_.facts) text(f.name);
    for (const auto& t : p_.text_patterns)
      for (const auto* list : {&t.exact, &t.prefixes})
        for (const auto& code : *list) text(code);
    for (const auto& s : p_.services) {
      text(s.code);
      text(s.title);
    }
    for (const auto& l : p_.price_levels) text(l.title);
    for (const auto& r : p_.rules) {
      text(r.id);
      text(r.message);
      text(r.source);
    }
    for (const auto& d : p_.dues) {
      text(d.rule);
      text(d.message);
      text(d.source);
    }
    if (!short_enough) return fail("a text is longer than the limit of " + std::to_string(kMaxStringBytes) + " bytes");
    return utf8 || fail("a text in the program is not valid UTF-8");
  }

  // The debug table (explanations, coverage) stays inside the functions it describes, and its
  // texts (printed in explanations and reports) are UTF-8 within the string limit.
  bool debug() {
    auto text = [](const std::string& s) {
      return s.size() <= kMaxStringBytes && simdjson::validate_utf8(s.data(), s.size());
    };
    if (p_.debug.empty()) return true;
    if (p_.debug.size() != p_.functions.size()) return fail("the debug table does not have one entry per function");
    for (size_t i = 0; i < p_.debug.size(); ++i) {
      const Function& fn = p_.functions[i];
      const FunctionDebug& d = p_.debug[i];
      for (const ClauseInfo& c : d.clauses) {
        if (c.code_begin > c.code_end || c.code_begin < fn.code_begin || c.code_end > fn.code_end)
          return fail("a clause in the debug table lies outside its function");
        if (!text(c.text)) return fail("a clause's text is not valid UTF-8 or over the string limit");
      }
      for (const ValueInfo& v : d.values) {
        if (v.pc < fn.code_begin || v.pc >= fn.code_end || v.clause >= d.clauses.size())
          return fail("a noted value in the debug table lies outside its function or clauses");
        if (!text(v.text)) return fail("a noted value's text is not valid UTF-8 or over the string limit");
      }
    }
    return true;
  }

  // The limits of runtime/limits_table.h. The file reader refuses counts past them before it
  // allocates; a program built in the process is held to them here.
  bool limits() {
    const size_t n = p_.services.size();
    struct Count {
      size_t n;
      const char* what;
      size_t limit;
    };
    size_t members = 0, longest_code_list = 0;
    for (const auto& set : p_.sets) members += set.size();
    for (const auto& t : p_.text_patterns) longest_code_list = std::max({longest_code_list, t.exact.size(), t.prefixes.size()});
    for (const Count& c : {Count{p_.sources.size(), "source texts", kMaxSources},
                           Count{p_.flags.size(), "flags", kMaxFlags},
                           Count{n, "services", kMaxServices},
                           Count{p_.sets.size(), "sets", kMaxSets},
                           Count{members, "set members", kMaxSetMembers},
                           Count{p_.aliases.size(), "same-day aliases", kMaxSameDayAliases},
                           Count{p_.rules.size(), "rules", kMaxRules},
                           Count{p_.dues.size(), "due items", kMaxDueItems},
                           Count{p_.functions.size(), "functions", kMaxFunctions},
                           Count{p_.code.size(), "instructions", kMaxInstructions},
                           Count{p_.facts.size(), "facts", kMaxFacts},
                           Count{p_.text_patterns.size(), "code lists", kMaxTextPatterns},
                           Count{longest_code_list, "codes in one code list", kMaxCodesPerPattern},
                           Count{p_.price_levels.size(), "price levels", kMaxPriceLevels},
                           Count{p_.price_levels.size() * n, "price levels x services", kMaxFeeSlots},
                           Count{p_.fees.size(), "fee lines", kMaxFeeEntries}})
      if (c.n > c.limit) return fail(count_over(c.n, c.what, c.limit));
    if (p_.sets.size() * ((n + 63) / 64) > kMaxSetBitmapWords)
      return fail("too many sets for the number of services: the set index would take more than " +
                  std::to_string(kMaxSetBitmapWords * 8) + " bytes");
    return true;
  }

  bool tables() {
    if (!limits()) return false;
    const size_t n = p_.services.size();
    if (!fees()) return false;
    for (size_t i = 0; i < p_.facts.size(); ++i) {
      if (static_cast<uint8_t>(p_.facts[i].type) > kLastFactType) return fail("fact " + std::to_string(i) + " has an unknown type");
      for (size_t j = 0; j < i; ++j)
        if (p_.facts[j].name == p_.facts[i].name) return fail("fact " + p_.facts[i].name + " is declared twice");
    }
    for (size_t i = 0; i < p_.sets.size(); ++i) {
      const auto& set = p_.sets[i];
      for (size_t j = 0; j < set.size(); ++j) {
        if (set[j] >= n) return fail("set " + std::to_string(i) + " names a service that does not exist");
        if (j > 0 && set[j] <= set[j - 1]) return fail("set " + std::to_string(i) + " is not sorted");
      }
    }
    const bool has_course = p_.course_starts != kNoSet || p_.course_ends != kNoSet;
    if (has_course && (p_.course_starts >= p_.sets.size() || p_.course_ends >= p_.sets.size()))
      return fail("the course names a set that does not exist");
    if (!p_.allowed_pairs.empty() && p_.allowed_pairs.size() != n * n)
      return fail("the same-day table does not match the number of services");
    for (uint8_t v : p_.allowed_pairs)
      if (v > 1) return fail("the same-day table holds a value other than 0 or 1");
    for (const auto& a : p_.aliases)
      if (a.alias >= n || a.target >= n || a.condition >= n)
        return fail("a same-day alias names a service that does not exist");

    size_t pairs = 0;
    for (const Rule& r : p_.rules) {
      if (r.applies_to >= p_.sets.size()) return fail("rule " + r.id + " applies to a set that does not exist");
      pairs += p_.sets[r.applies_to].size();
    }
    if (pairs > kMaxRuleServicePairs)
      return fail("the rules judge " + std::to_string(pairs) + " rule-service pairs, over the limit of " +
                  std::to_string(kMaxRuleServicePairs));
    for (const DueItem& d : p_.dues)
      if (d.service >= n) return fail("due item " + d.rule + " names a service that does not exist");
    std::string why;
    return function_roles(p_, &roles_, &why) || fail(why);
  }

  // The price levels and their fee tables (program.h): levels in strictly ascending calendar dates;
  // fee lines sorted by service and level, each (service, level) group being its variants, with
  // distinct declared flags, and then exactly one fee of the service's own; every amount in range
  // and subsidy + patient share = fee.
  bool fees() {
    const size_t n = p_.services.size(), levels = p_.price_levels.size();
    for (size_t l = 0; l < levels; ++l) {
      const Day from = p_.price_levels[l].from;
      if (from < kFirstDay || from > kLastDay) return fail("price level " + std::to_string(l) + " is dated outside the calendar");
      if (l > 0 && from <= p_.price_levels[l - 1].from)
        return fail("price level " + std::to_string(l) + " is not dated after the level before it");
    }
    uint64_t group_flags = 0;
    for (size_t i = 0; i < p_.fees.size(); ++i) {
      const FeeEntry& fee = p_.fees[i];
      const std::string which = "fee line " + std::to_string(i);
      if (fee.service >= n || fee.level >= levels || (fee.flag != kNoFlag && fee.flag >= p_.flags.size()))
        return fail(which + " names a service, price level or flag that does not exist");
      const FeeSplit& f = fee.split;
      if (f.total < 0 || f.total > static_cast<int64_t>(kMaxFeeOre))
        return fail(which + " (service " + p_.services[fee.service].code + ") is negative or over the limit");
      // Both shares at most the total first: their sum must not overflow.
      if (f.subsidy < 0 || f.patient < 0 || f.subsidy > f.total || f.patient != f.total - f.subsidy)
        return fail(which + " (service " + p_.services[fee.service].code + ") is not subsidy + patient share");
      const bool continues = i > 0 && p_.fees[i - 1].service == fee.service && p_.fees[i - 1].level == fee.level;
      if (i > 0 && !continues) {
        const FeeEntry& previous = p_.fees[i - 1];
        if (previous.flag != kNoFlag) return fail(which + ": the fee line before it is a variant with no own fee after it");
        if (std::tie(previous.service, previous.level) > std::tie(fee.service, fee.level))
          return fail(which + " is not in order of service and price level");
      }
      if (continues && p_.fees[i - 1].flag == kNoFlag)
        return fail(which + " follows the service's own fee at its price level");
      if (!continues) group_flags = 0;
      if (fee.flag != kNoFlag) {
        if ((group_flags >> fee.flag) & 1) return fail(which + " repeats a variant of its service and price level");
        group_flags |= uint64_t(1) << fee.flag;
      }
    }
    if (!p_.fees.empty() && p_.fees.back().flag != kNoFlag)
      return fail("the last fee line is a variant with no own fee after it");
    return true;
  }

  bool functions() {
    for (size_t f = 0; f < p_.functions.size(); ++f)
      if (!function(f)) return false;
    return true;
  }

  bool reg(const std::vector<RegType>& regs, uint8_t r, RegType* type) {
    if (r >= regs.size()) return false;
    *type = regs[r];
    return true;
  }

  bool operand(const std::vector<RegType>& regs, OperandKind kind, uint8_t r, RegType* type) {
    switch (kind) {
      case OperandKind::None: return true;
      case OperandKind::Bool: return reg(regs, r, type) && *type == RegType::Bool;
      case OperandKind::Count: return reg(regs, r, type) && *type == RegType::Count;
      case OperandKind::Date: return reg(regs, r, type) && *type == RegType::Date;
      case OperandKind::Clinic: return reg(regs, r, type) && *type == RegType::Clinic;
      case OperandKind::Ordinal:
        return reg(regs, r, type) && (*type == RegType::Count || *type == RegType::Date);
      case OperandKind::Any: return reg(regs, r, type);
    }
    return false;
  }

  bool function(size_t f) {
    const Function& fn = p_.functions[f];
    const Role role = roles_[f];
    if (fn.code_begin >= fn.code_end || fn.code_end > p_.code.size())
      return fail("function " + std::to_string(f) + " has an empty or out-of-range body");
    if (fn.registers.size() > kMaxRegisters) return fail("function " + std::to_string(f) + " has too many registers");
    if (fn.lines.size() != fn.code_end - fn.code_begin)
      return fail("function " + std::to_string(f) + " has a line table of the wrong length");
    if (!is_terminator(p_.code[fn.code_end - 1].op))
      return fail("function " + std::to_string(f) + " can run off its end");

    for (uint32_t pc = fn.code_begin; pc < fn.code_end; ++pc) {
      const Instruction& ins = p_.code[pc];
      if (static_cast<size_t>(ins.op) >= static_cast<size_t>(kOpcodeCount))
        return fail("function " + std::to_string(f) + ", instruction " + std::to_string(pc) + ": unknown opcode");
      const OpcodeInfo& info = opcode_info(ins.op);
      // The role first: an instruction that cannot stand in this function is refused whatever
      // its operands (COMBINABLE in a due item would read the event a due item does not have).
      if (!valid_in(ins.op, role))
        return fail(at(f, pc, info) + "cannot stand in a " + role_name(role) + "'s function");
      RegType ta{}, tb{}, tc{};
      if (!operand(fn.registers, info.a, ins.a, &ta)) return fail(at(f, pc, info) + "operand a has the wrong register or type");
      if (!operand(fn.registers, info.b, ins.b, &tb)) return fail(at(f, pc, info) + "operand b has the wrong register or type");
      if (!operand(fn.registers, info.c, ins.c, &tc)) return fail(at(f, pc, info) + "operand c has the wrong register or type");
      // Operands of kind A and N come in pairs of one type (MOVE: a and b; EQ, LT, ...: b and c).
      if (ins.op == Opcode::MOVE && ta != tb) return fail(at(f, pc, info) + "moves between registers of different types");
      if ((info.b == OperandKind::Any || info.b == OperandKind::Ordinal) && info.c != OperandKind::None && tb != tc)
        return fail(at(f, pc, info) + "compares registers of different types");
      if (!immediate(info, ins, fn, pc)) return fail(at(f, pc, info) + "operand k is out of range");
      if (info.optional) {
        const bool checked = pc + 1 < fn.code_end && p_.code[pc + 1].op == Opcode::JUMP_IF_NONE &&
                             p_.code[pc + 1].a == ins.a;
        if (!checked) return fail(at(f, pc, info) + "may leave an absent value that is not tested");
      }
    }
    return definitely_assigned(f);
  }

  // Every register is written before it is read, on every path: the VM need not clear its frame.
  // Jumps go forward only, so one pass in order sees every predecessor of an instruction first;
  // the registers written on entry to it are the intersection over the paths that reach it.
  bool definitely_assigned(size_t f) {
    const Function& fn = p_.functions[f];
    const size_t n = fn.code_end - fn.code_begin;
    using Written = std::bitset<256>;
    std::vector<Written> on_entry(n);
    std::vector<uint8_t> reached(n, 0);
    reached[0] = 1;
    auto flow = [&](size_t to, const Written& written) {
      if (reached[to]) {
        on_entry[to] &= written;
      } else {
        on_entry[to] = written;
        reached[to] = 1;
      }
    };
    for (size_t i = 0; i < n; ++i) {
      if (!reached[i]) continue;  // dead code: never runs
      const uint32_t pc = fn.code_begin + static_cast<uint32_t>(i);
      const Instruction& ins = p_.code[pc];
      const OpcodeInfo& info = opcode_info(ins.op);
      Written written = on_entry[i];
      const bool a_is_read = ins.op == Opcode::JUMP_IF_FALSE || ins.op == Opcode::JUMP_IF_NONE || ins.op == Opcode::DUE;
      const bool c_is_read = info.c != OperandKind::None && (ins.op != Opcode::DUE || ins.k != 0);
      if ((a_is_read && !written[ins.a]) || (info.b != OperandKind::None && !written[ins.b]) ||
          (c_is_read && !written[ins.c]))
        return fail(at(f, pc, info) + "reads a register before anything was written to it");
      if (info.a != OperandKind::None && !a_is_read) written.set(ins.a);
      if (ins.op == Opcode::JUMP || ins.op == Opcode::JUMP_IF_FALSE || ins.op == Opcode::JUMP_IF_NONE)
        flow(static_cast<uint32_t>(ins.k) - fn.code_begin, written);
      if (!is_terminator(ins.op) && ins.op != Opcode::JUMP) flow(i + 1, written);
    }
    return true;
  }

  bool immediate(const OpcodeInfo& info, const Instruction& ins, const Function& fn, uint32_t pc) {
    switch (info.k) {
      case ImmediateKind::NONE:
      case ImmediateKind::IMM: return true;  // any i32: the VM and the JIT define every value
      case ImmediateKind::BOOL: return ins.k == 0 || ins.k == 1;
      case ImmediateKind::DAY: return ins.k >= kFirstDay && ins.k <= kLastDay;
      case ImmediateKind::JUMP:
        return ins.k > static_cast<int64_t>(pc) && static_cast<uint32_t>(ins.k) < fn.code_end;
      case ImmediateKind::SET: return ins.k >= 0 && static_cast<size_t>(ins.k) < p_.sets.size();
      case ImmediateKind::FLAG: return ins.k >= 0 && static_cast<size_t>(ins.k) < p_.flags.size();
      case ImmediateKind::WEEKDAYS: return ins.k >= 0 && ins.k < 128;
      case ImmediateKind::PERIOD: return ins.k >= 0 && ins.k <= 2;
      case ImmediateKind::FACT: {
        // A date, integer or boolean fact, loaded into a register of its type.
        if (ins.k < 0 || static_cast<size_t>(ins.k) >= p_.facts.size()) return false;
        const uint8_t r = ins.a;
        if (r >= fn.registers.size()) return false;
        switch (p_.facts[ins.k].type) {
          case FactType::Date: return fn.registers[r] == RegType::Date;
          case FactType::Integer: return fn.registers[r] == RegType::Count;
          case FactType::Boolean: return fn.registers[r] == RegType::Bool;
          default: return false;
        }
      }
      case ImmediateKind::FACTCODES: {
        const uint32_t k = static_cast<uint32_t>(ins.k);
        const uint32_t list = k & 0xffffff, fact = k >> 24;
        return list < p_.text_patterns.size() && fact < p_.facts.size() &&
               (p_.facts[fact].type == FactType::Code || p_.facts[fact].type == FactType::String);
      }
      case ImmediateKind::SETFLAG: {
        const uint32_t k = static_cast<uint32_t>(ins.k);
        const uint32_t set = k & 0xffffff, flag = k >> 24;
        return set < p_.sets.size() && (flag == 0 || flag - 1 < p_.flags.size());
      }
    }
    return false;
  }

  // Last, once every table is known to be within its limits: the whole file would be too.
  bool file_size() {
    const size_t bytes = bytecode_size(p_);
    if (bytes > kMaxBytecodeBytes)
      return fail("the program would take " + std::to_string(bytes) + " bytes as a file, over the limit of " +
                  std::to_string(kMaxBytecodeBytes));
    return true;
  }

  const Program& p_;
  std::string* error_;
  std::vector<Role> roles_;
};

}  // namespace

bool verify_program(const Program& program, std::string* error) {
  return Verifier(program, error).run();
}

}  // namespace agr
