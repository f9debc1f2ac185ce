// The `.agrc` file: a versioned, checksummed serialisation of a Program (docs/bytecode.md).
#pragma once

#include <string>
#include <string_view>

#include "program.h"

namespace agr {

inline constexpr char kBytecodeMagic[4] = {'A', 'G', 'R', 'C'};
inline constexpr uint16_t kBytecodeVersion = 2;

// Limits a bytecode file may declare; a file beyond any of them is refused, not run.
inline constexpr size_t kMaxBytecodeBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxServices = 4096;
inline constexpr size_t kMaxFlags = 64;
inline constexpr size_t kMaxSets = 1 << 20;
inline constexpr size_t kMaxRules = 100000;
inline constexpr size_t kMaxFunctions = 200000;
inline constexpr size_t kMaxRegisters = 256;
inline constexpr size_t kMaxInstructions = 1 << 24;
inline constexpr size_t kMaxStringBytes = 1 << 20;
// The largest fee (and share of one) in øre: 1 000 000 000 000.00 kr. The compiler refuses more,
// and a course's totals (at most kMaxEventsPerCourse fees) cannot overflow.
inline constexpr int64_t kMaxFeeOre = 100'000'000'000'000;
// What the loader builds from the tables, bounded so that a small file cannot make it allocate
// far more than its size: rule-service pairs (AgreementIndex::rejections_for and warnings_for) and
// 64-bit words of set membership bitmaps (AgreementIndex::set_bits).
inline constexpr size_t kMaxRuleServicePairs = size_t(1) << 22;
inline constexpr size_t kMaxSetBitmapWords = size_t(1) << 22;

std::string write_bytecode(const Program& program);

// Reads and verifies. On failure returns false and says why in *error (a wrong magic, another
// format version, a truncated file, a checksum mismatch, or what the verifier refused).
bool read_bytecode(std::string_view bytes, Program* out, std::string* error);

// FNV-1a, 64 bits: guards the file against truncation and flipped bytes (not against malice).
uint64_t fnv1a64(std::string_view bytes);

}  // namespace agr
