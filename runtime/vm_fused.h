// The VM's super-instructions (vm_fused.def says what they are and why they are private to it).
#pragma once

#include <cstdint>
#include <vector>

#include "opcodes.h"
#include "program.h"

namespace agr {

// Numbered after the opcodes of opcodes.def, in the same byte of an Instruction. Each run has
// three forms in a row: plain, _HOLD (it falls through to HOLD) and _TO_HOLD (it jumps to HOLD);
// fuse_superinstructions relies on that order.
enum class FusedOp : uint8_t {
  kFirst = kOpcodeCount - 1,  // so that the first below is kOpcodeCount
#define FUSED_FORMS(name) name, name##_HOLD, name##_TO_HOLD,
#define FUSED_JN(op) FUSED_FORMS(op##_JN)
#define FUSED_JF(op) FUSED_FORMS(op##_JF)
#define FUSED_K_JF(op) FUSED_FORMS(K_##op##_JF)
#include "vm_fused.def"
#undef FUSED_FORMS
#undef FUSED_JN
#undef FUSED_JF
#undef FUSED_K_JF
  kEnd
};
static_assert(static_cast<int>(FusedOp::kEnd) <= 256, "the VM's super-instructions share the opcode's byte");

constexpr Opcode fused(FusedOp op) { return static_cast<Opcode>(op); }
constexpr bool is_fused(Opcode op) { return static_cast<int>(op) >= kOpcodeCount; }

// The program's verified code with the super-instructions at the heads of their runs: the same
// length, indexes and operands (AgreementIndex::vm_code; the fast loops of vm.cpp run it).
std::vector<Instruction> fuse_superinstructions(const std::vector<Instruction>& code);

}  // namespace agr
