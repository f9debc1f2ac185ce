// The VM's super-instructions (vm_fused.def says what they are and why they are private to it).
#pragma once

#include <cstdint>
#include <vector>

#include "opcodes.h"
#include "program.h"

namespace agr {

// Numbered after the opcodes of opcodes.def, in the same byte of an Instruction. A run's form
// that holds at once (_HOLD) comes right after its plain form: fuse_superinstructions relies on it.
enum class FusedOp : uint8_t {
  kFirst = kOpcodeCount - 1,  // so that the first below is kOpcodeCount
#define FUSED_JN(op) op##_JN,
#define FUSED_JF(op) op##_JF, op##_JF_HOLD,
#define FUSED_K_JF(op) K_##op##_JF, K_##op##_JF_HOLD,
#include "vm_fused.def"
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
