// The `.agrc` file: a versioned, checksummed serialisation of a Program (docs/bytecode.md).
#pragma once

#include <string>
#include <string_view>

#include "agr/version.h"
#include "limits_table.h"
#include "program.h"

namespace agr {

inline constexpr char kBytecodeMagic[4] = {'A', 'G', 'R', 'C'};
// The format version is defined once, in agr/version.h (generated from version.h.in).
inline constexpr uint16_t kBytecodeVersion = AGR_BYTECODE_FORMAT_VERSION;

std::string write_bytecode(const Program& program);

// The size of the file write_bytecode would write, without writing it.
size_t bytecode_size(const Program& program);

// Reads and verifies. On failure returns false and says why in *error (a wrong magic, another
// format version, a truncated file, a checksum mismatch, or what the verifier refused).
bool read_bytecode(std::string_view bytes, Program* out, std::string* error);

// FNV-1a, 64 bits: guards the file against truncation and flipped bytes (not against malice).
uint64_t fnv1a64(std::string_view bytes);

}  // namespace agr
