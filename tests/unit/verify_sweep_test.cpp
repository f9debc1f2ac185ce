// The verifier against forged bytecode whose checksum is right (anyone can compute FNV-1a): the
// attack of issue 8 (an instruction of a due item turned into COMBINABLE, which read the event a
// due item does not have, out of bounds), the roles column of the opcode table on both sides, and
// the sweep: every instruction of every bundled agreement replaced by every opcode, each variant
// refused with a reason or run over the agreement's suites with a well-formed answer. Under
// tools/sanitize.sh the runs are checked by ASan and UBSan, and the VM checks every
// instruction's role against the table as it runs it.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <map>

#include "bundled.h"
#include "bytecode_file.h"
#include "evaluate.h"
#include "opcode_variants.h"
#include "verify.h"

namespace {

using agr::Opcode;
using agr::OperandKind;
using agr::RegType;
using agr::Role;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The first instruction of the first due item's function that writes a bool register: turned into
// COMBINABLE (a bool register too) its operands stay well typed.
size_t due_instruction_writing_a_bool(const agr::Program& p) {
  REQUIRE(!p.dues.empty());
  const agr::Function& f = p.functions[p.dues[0].function];
  for (uint32_t pc = f.code_begin; pc < f.code_end; ++pc)
    if (agr::opcode_info(p.code[pc].op).a == OperandKind::Bool && p.code[pc].op != Opcode::JUMP_IF_FALSE) return pc;
  FAIL("no instruction of " << p.dues[0].rule << " writes a bool");
  return 0;
}

// A program of one function in `role` that runs `op` once with well-typed operands: each
// register it reads written first, a jump to the end, an optional result tested, then a return
// valid in the role.
agr::Program one_instruction(Opcode op, Role role) {
  agr::Program p;
  p.name = "one";
  p.flags = {"f"};
  p.services.push_back({"S0", "", false, false, {}});
  p.sets = {{0}};
  agr::Function fn;
  auto reg = [&](RegType type) {
    fn.registers.push_back(type);
    return static_cast<uint8_t>(fn.registers.size() - 1);
  };
  // A register written before `op`: dates by LOAD_DATE, counts by LOAD_INT, bools by
  // COURSE_STARTED. Operands of kind A and N are dates (A never needs a clinic).
  auto written = [&](OperandKind kind) -> uint8_t {
    switch (kind) {
      case OperandKind::None: return 0;
      case OperandKind::Bool: {
        const uint8_t r = reg(RegType::Bool);
        p.code.push_back({Opcode::COURSE_STARTED, r});
        return r;
      }
      case OperandKind::Count: {
        const uint8_t r = reg(RegType::Count);
        p.code.push_back({Opcode::LOAD_INT, r, 0, 0, 1});
        return r;
      }
      default: {
        const uint8_t r = reg(RegType::Date);
        p.code.push_back({Opcode::LOAD_DATE, r, 0, 0, 20000});
        return r;
      }
    }
  };
  const agr::OpcodeInfo& info = agr::opcode_info(op);
  const bool a_is_read = op == Opcode::JUMP_IF_FALSE || op == Opcode::JUMP_IF_NONE || op == Opcode::DUE;
  agr::Instruction ins{op};
  ins.b = written(info.b);
  ins.c = written(info.c);
  if (a_is_read) {
    ins.a = written(info.a);
  } else if (info.a != OperandKind::None) {
    const RegType type = info.a == OperandKind::Bool    ? RegType::Bool
                         : info.a == OperandKind::Count ? RegType::Count
                         : info.a == OperandKind::Clinic ? RegType::Clinic
                                                          : RegType::Date;
    ins.a = reg(type);
  }
  const bool jumps = info.k == agr::ImmediateKind::JUMP;
  switch (info.k) {
    case agr::ImmediateKind::DAY: ins.k = 20000; break;
    case agr::ImmediateKind::BOOL: ins.k = 1; break;
    default: ins.k = 0; break;  // IMM, SET 0, FLAG 0, SETFLAG set 0 without a flag; JUMP below
  }
  const size_t at = p.code.size();
  p.code.push_back(ins);
  if (info.optional) p.code.push_back({Opcode::JUMP_IF_NONE, ins.a});
  const bool returns = op == Opcode::HOLD || op == Opcode::FAIL || op == Opcode::DUE;
  if (!returns) p.code.push_back({Opcode::HOLD});
  if (jumps) p.code[at].k = static_cast<int32_t>(p.code.size() - 1);
  if (info.optional) p.code[at + 1].k = static_cast<int32_t>(p.code.size() - 1);
  fn.code_begin = 0;
  fn.code_end = static_cast<uint32_t>(p.code.size());
  fn.lines.assign(p.code.size(), 1);
  p.functions.push_back(fn);
  if (role == Role::Due)
    p.dues.push_back({"D-1", 0, 0, "m", "s", 1});
  else
    p.rules.push_back({"R-1", role == Role::Warning, 0, 0, "m", "s", 1});
  return p;
}

}  // namespace

TEST_CASE("issue 8: a due item's instruction forged into COMBINABLE is refused, not run", "[verify][roles][regression]") {
  // Before the roles column: the file loaded, and the VM and the JIT read p.services[-1] in
  // combinable_today (SIGSEGV; under ASan a wild read).
  const agr::Program p = agr::testing::bundled_program("lbp");
  const size_t pc = due_instruction_writing_a_bool(p);
  std::string bytes = agr::write_bytecode(p);
  bytes[agr::testing::opcode_offset(p, bytes, pc)] = static_cast<char>(Opcode::COMBINABLE);
  agr::testing::fix_checksum(bytes);
  std::string error;
  CHECK_FALSE(agr::Agreement::load_bytecode(bytes, &error));
  INFO(error);
  CHECK(contains(error, "instruction " + std::to_string(pc) + " (COMBINABLE): cannot stand in a due item's function"));

  // The same program handed over in memory.
  agr::Program forged = p;
  forged.code[pc].op = Opcode::COMBINABLE;
  error.clear();
  CHECK_FALSE(agr::Agreement::from_program(forged, &error));
  CHECK(contains(error, "cannot stand in a due item's function"));
}

TEST_CASE("the roles column decides where each opcode may stand, on both sides", "[verify][roles]") {
  size_t accepted = 0, refused = 0;
  for (int op = 0; op < agr::kOpcodeCount; ++op) {
    for (Role role : {Role::Rule, Role::Warning, Role::Due}) {
      const Opcode opcode = static_cast<Opcode>(op);
      INFO(agr::opcode_info(opcode).name << " in a " << agr::role_name(role));
      agr::Program p = one_instruction(opcode, role);
      std::string error;
      const bool ok = agr::verify_program(p, &error);
      INFO(error);
      if (agr::valid_in(opcode, role)) {
        CHECK(ok);
        ++accepted;
      } else {
        CHECK_FALSE(ok);
        CHECK(contains(error, std::string("cannot stand in a ") + agr::role_name(role) + "'s function"));
        ++refused;
        // Through a file as well.
        CHECK_FALSE(agr::Agreement::load_bytecode(agr::write_bytecode(p), &error));
      }
    }
  }
  CHECK(accepted > 0);
  CHECK(refused >= 6);  // EVENT_CLINIC, EVENT_FLAGGED, COMBINABLE and FAIL in a due item; DUE in two roles
}

TEST_CASE("a function is given exactly one role by the tables", "[verify][roles]") {
  agr::Program p = agr::testing::bundled_program("lbp");
  std::string error;
  SECTION("two rules sharing a function") {
    p.rules[1].function = p.rules[0].function;
    CHECK_FALSE(agr::verify_program(p, &error));
    CHECK(contains(error, "belongs to rule " + p.rules[1].id + " and to another rule"));
  }
  SECTION("a rule and a due item sharing one") {
    p.dues[0].function = p.rules[0].function;
    CHECK_FALSE(agr::verify_program(p, &error));
    CHECK(contains(error, "belongs to due item"));
  }
  SECTION("a function of nobody") {
    p.functions.push_back(p.functions[p.rules[0].function]);
    CHECK_FALSE(agr::verify_program(p, &error));
    CHECK(contains(error, "belongs to no rule, warning or due item"));
  }
  SECTION("a function that does not exist") {
    p.dues[0].function = static_cast<uint32_t>(p.functions.size());
    CHECK_FALSE(agr::verify_program(p, &error));
    CHECK(contains(error, "which does not exist"));
  }
}

TEST_CASE("every instruction of every bundled agreement, forged into every opcode, is refused or runs safely",
          "[verify][sweep]") {
  simdjson::dom::parser json;
  size_t variants = 0, refused = 0, ran = 0, runs = 0;
  std::map<std::string, size_t> reasons;  // refusals by the verifier's check, for the report
  for (const std::string& name : agr::testing::bundled_names()) {
    const agr::Program p = agr::testing::bundled_program(name);
    const auto histories = agr::testing::suite_histories(name);
    std::vector<Role> roles;
    std::string error;
    REQUIRE(agr::function_roles(p, &roles, &error));
    std::vector<size_t> function_of(p.code.size());
    for (size_t f = 0; f < p.functions.size(); ++f)
      for (uint32_t pc = p.functions[f].code_begin; pc < p.functions[f].code_end; ++pc) function_of[pc] = f;

    agr::testing::for_each_opcode_variant(p, [&](size_t pc, Opcode op, const std::string& bytes) {
      ++variants;
      const Role role = roles[function_of[pc]];
      std::string why;
      auto agreement = agr::Agreement::load_bytecode(bytes, &why);
      if (!agreement) {
        ++refused;
        INFO(name << " instruction " << pc << " as " << agr::opcode_info(op).name << " was refused");
        CHECK(contains(why, "invalid bytecode: "));
        ++reasons[why.substr(why.find("): ") == std::string::npos ? 0 : why.find("): ") + 3)];
        return;
      }
      // Accepted: then the table allows the op here, and every history gets one well-formed line.
      INFO(name << " instruction " << pc << " as " << agr::opcode_info(op).name << " was accepted");
      REQUIRE(agr::valid_in(op, role));
      ++ran;
      agr::Evaluator evaluator(agreement);
      for (const auto& h : histories) {
        std::string out;
        evaluator.evaluate_json_line(h.line, 1, h.as_of, &out);
        ++runs;
        simdjson::dom::element answer;
        const bool one_line = !out.empty() && out.find('\n') == out.size() - 1;
        if (!one_line || json.parse(out).get(answer) != simdjson::SUCCESS) {
          INFO(h.origin << ": " << out);
          CHECK(one_line);
          CHECK(false);
        }
      }
    });
  }
  // Most forgeries are refused (wrong register types, a jump that is not one, a return in the
  // middle of nothing); some are valid programs that just mean something else.
  INFO(variants << " variants: " << refused << " refused, " << ran << " ran over " << runs << " histories");
  CHECK(variants > 10000);
  CHECK(refused > variants / 2);
  CHECK(ran > 1000);
  CHECK(reasons.count("cannot stand in a due item's function") == 1);
}
