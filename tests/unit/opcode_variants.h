// Forged .agrc files for the verifier's sweep (verify_sweep_test.cpp, and the JIT's in
// jit/jit_test.cpp): one instruction of a compiled agreement turned into another opcode, its
// operands kept, the checksum fixed as docs/bytecode.md §2 says. The checksum guards against
// damage, not against a forger: these files are what the verifier alone must stop.
#pragma once

#include <cstdint>
#include <string>

#include "bytecode_file.h"
#include "program.h"

namespace agr::testing {

inline void put_u64(std::string& bytes, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>(v >> (8 * i));
}

// Makes the header's body size and checksum match the body, as anyone can.
inline void fix_checksum(std::string& bytes) {
  constexpr size_t kHeaderBytes = 24;
  const std::string_view body = std::string_view(bytes).substr(kHeaderBytes);
  put_u64(bytes, 8, body.size());
  put_u64(bytes, 16, fnv1a64(body));
}

// Where instruction `pc`'s opcode byte is in write_bytecode(p): the code table is the file's last
// table, 8 bytes an instruction.
inline size_t opcode_offset(const Program& p, const std::string& bytes, size_t pc) {
  return bytes.size() - 8 * (p.code.size() - pc);
}

// Calls visit(pc, opcode, file) for every instruction of `p` and every opcode but its own.
template <typename Visit>
void for_each_opcode_variant(const Program& p, Visit visit) {
  std::string bytes = write_bytecode(p);
  for (size_t pc = 0; pc < p.code.size(); ++pc) {
    const size_t at = opcode_offset(p, bytes, pc);
    const char original = bytes[at];
    for (int op = 0; op < kOpcodeCount; ++op) {
      if (op == static_cast<uint8_t>(original)) continue;
      bytes[at] = static_cast<char>(op);
      fix_checksum(bytes);
      visit(pc, static_cast<Opcode>(op), static_cast<const std::string&>(bytes));
    }
    bytes[at] = original;
  }
}

}  // namespace agr::testing
