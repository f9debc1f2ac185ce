// The opcode table: every fact about every opcode, read from runtime/opcodes.def once. The
// verifier (operand kinds, k ranges, roles), the VM (its debug check of roles), the JIT (its
// check of roles before lowering), the disassembler and the compiler's IR printer all read
// kOpcodes; none keeps a list of its own.
#pragma once

#include <cstddef>
#include <cstdint>

namespace agr {

enum class Opcode : uint8_t {
#define OP(name, a, b, c, k, optional, roles, synopsis) name,
#include "opcodes.def"
#undef OP
};
inline constexpr int kOpcodeCount = 0
#define OP(name, a, b, c, k, optional, roles, synopsis) +1
#include "opcodes.def"
#undef OP
    ;

// What a register operand must be (the a, b, c columns).
enum class OperandKind : uint8_t { None, Bool, Count, Date, Clinic, Ordinal, Any };

// What the 32-bit operand k holds (the k column).
enum class ImmediateKind : uint8_t { NONE, IMM, BOOL, DAY, JUMP, SET, FLAG, SETFLAG };

// The role of a function, which the program's tables give it: the function of a rule (a
// rejection), of a warning, or of a due item. A function has exactly one (the verifier).
enum class Role : uint8_t { Rule, Warning, Due };
inline constexpr int kRoleCount = 3;
constexpr const char* role_name(Role role) {
  switch (role) {
    case Role::Rule: return "rule";
    case Role::Warning: return "warning";
    case Role::Due: return "due item";
  }
  return "?";
}

struct OpcodeInfo {
  const char* name;
  OperandKind a, b, c;
  ImmediateKind k;
  bool optional;      // may leave "absent" in r[a]
  uint8_t roles;      // bit (1 << Role): the op may stand in a function of that role
  const char* roles_text;  // as opcodes.def writes it: "rwd", "rw-", "--d"
  const char* synopsis;
};

// The roles column: "r" or "-", "w" or "-", "d" or "-". 0 when malformed or empty, which the
// static_assert below turns into a build error.
constexpr uint8_t parse_roles(const char* text) {
  const char letters[kRoleCount] = {'r', 'w', 'd'};
  uint8_t roles = 0;
  for (int i = 0; i < kRoleCount; ++i) {
    if (text[i] == letters[i]) roles |= uint8_t(1u << i);
    else if (text[i] != '-') return 0;
  }
  return text[kRoleCount] == '\0' ? roles : 0;
}

namespace opcode_columns {
// The letters opcodes.def writes in the a, b, c columns.
inline constexpr OperandKind _ = OperandKind::None, B = OperandKind::Bool, I = OperandKind::Count,
                             D = OperandKind::Date, C = OperandKind::Clinic, N = OperandKind::Ordinal,
                             A = OperandKind::Any;

inline constexpr OpcodeInfo kTable[] = {
#define OP(name, a, b, c, k, optional, roles, synopsis) \
  {#name, a, b, c, ImmediateKind::k, (optional) != 0, parse_roles(roles), roles, synopsis},
#include "opcodes.def"
#undef OP
};

constexpr bool every_opcode_has_a_role() {
  for (const OpcodeInfo& info : kTable)
    if (info.roles == 0) return false;
  return true;
}
static_assert(every_opcode_has_a_role(),
              "runtime/opcodes.def: every opcode needs its roles column, three letters \"rwd\" with '-' for a "
              "role it may not stand in, and at least one role");
static_assert(sizeof(kTable) / sizeof(kTable[0]) == kOpcodeCount);
}  // namespace opcode_columns

inline constexpr const OpcodeInfo* kOpcodes = opcode_columns::kTable;

constexpr const OpcodeInfo& opcode_info(Opcode op) { return kOpcodes[static_cast<size_t>(op)]; }

// May `op` stand in a function of this role?
constexpr bool valid_in(Opcode op, Role role) {
  return (opcode_info(op).roles >> static_cast<unsigned>(role)) & 1u;
}

}  // namespace agr
