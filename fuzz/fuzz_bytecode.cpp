// fuzz_bytecode: any bytes as an .agrc file. Agreement::load_bytecode must refuse with a reason or
// accept; an accepted program must write back to the same body, disassemble, and evaluate a few
// fixed histories (built from its own service codes and flags, so that its rules run) through
// both the structured API and the JSON Lines path without a crash, each JSON answer one line of
// valid JSON.
//
// The file's checksum would make nearly every mutation a "checksum mismatch", and a forger fixes
// it anyway (it guards against damage, not malice). So the mutator (LLVMFuzzerCustomMutator
// below) keeps it valid: it mutates the body, half the time by rewriting one field of one
// instruction (another opcode, register, or k: what the verifier must judge), and then sets the
// body size and checksum; every mutation reaches the table reader and the verifier. Each input
// whose header is complete is also tried with its size and checksum fixed up, for inputs that
// did not come from the mutator (seeds, regressions).
#include <cstring>
#include <random>
#include <string>

#include "bytecode_file.h"
#include "disassemble.h"
#include "fuzz_common.h"
#include "program.h"

namespace agr::fuzz {
namespace {

constexpr const char* kTarget = "fuzz_bytecode";
constexpr size_t kHeaderBytes = 24;  // magic, version, reserved, body size, checksum

void put_u64(std::string& bytes, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>(v >> (8 * i));
}

// The histories every accepted program is run on.
std::vector<HistoryInput> histories_for(const Program& p) {
  std::vector<std::string> codes;
  for (size_t i = 0; i < p.services.size() && codes.size() < 12; ++i) codes.push_back(p.services[i].code);
  codes.push_back("not-a-code");
  std::vector<HistoryInput> out;

  HistoryInput empty;
  empty.id = "empty";
  empty.referral_date = "2025-09-01";
  out.push_back(empty);

  // Each code on consecutive days, then again a week later at another clinic, the flags on some.
  HistoryInput walk;
  walk.id = "walk";
  walk.referral_date = "2025-09-01";
  walk.clinic = "K1";
  Day base = 0;
  parse_date("2025-09-02", &base);
  int n = 0;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < codes.size(); ++i, ++n) {
      EventInput e;
      e.id = "e" + std::to_string(n);
      e.date = format_date(base + static_cast<Day>(i) + 7 * round);
      e.code = codes[i];
      if (round == 1) e.clinic = "K2";
      if (n % 3 == 0) e.flags = p.flags;
      walk.events.push_back(e);
    }
  }
  out.push_back(walk);

  // Every code on one day, in two orders.
  HistoryInput same_day;
  same_day.id = "same-day";
  same_day.referral_date = "2025-09-01";
  n = 0;
  for (int round = 0; round < 2; ++round)
    for (size_t k = 0; k < codes.size(); ++k, ++n) {
      const size_t i = round == 0 ? k : codes.size() - 1 - k;
      same_day.events.push_back({"s" + std::to_string(n), "2025-09-03", codes[i], std::nullopt, {}});
    }
  out.push_back(same_day);

  // At both ends of the calendar, where date arithmetic leaves it.
  HistoryInput far;
  far.id = "far";
  far.referral_date = "0001-01-01";
  far.events.push_back({"f1", "0001-01-02", codes[0], std::nullopt, {}});
  far.events.push_back({"f2", "9999-12-30", codes[0], std::nullopt, {}});
  if (codes.size() > 2) far.events.push_back({"f3", "9999-12-31", codes[1], std::nullopt, p.flags});
  out.push_back(far);
  return out;
}

void try_load(std::string_view bytes) {
  std::string error;
  auto agreement = Agreement::load_bytecode(bytes, &error);
  if (!agreement) {
    if (error.empty()) fail(kTarget, "refused without a reason", bytes);
    return;
  }
  const Program& p = agreement->program();
  const std::string written = write_bytecode(p);
  if (written.size() != bytes.size() || written.compare(kHeaderBytes, std::string::npos, bytes.substr(kHeaderBytes)) != 0)
    fail(kTarget, "an accepted file does not write back to the same body", bytes);
  (void)disassemble(p);

  Evaluator evaluator(agreement);
  for (const HistoryInput& h : histories_for(p)) {
    CourseVerdict verdict;
    const bool ok = evaluator.evaluate(h, std::nullopt, &verdict);
    if (ok && verdict.events.size() != h.events.size()) fail(kTarget, "a verdict lost events", bytes);
    if (!ok && verdict.error.empty()) fail(kTarget, "a failed evaluation without a reason", bytes);
    const std::string line = to_json_line(h);
    for (const std::optional<Day> as_of : {std::optional<Day>{}, std::optional<Day>{20454}  /* 2026-01-01 */}) {
      std::string out;
      evaluator.evaluate_json_line(line, 1, as_of, &out);
      if (const std::string why = check_json_line(out); !why.empty()) fail(kTarget, why + ": " + out, bytes);
      // Explained on the traced VM, through the file's debug table: still one JSON line.
      std::string explained;
      evaluator.explain_json_line(line, 1, as_of, &explained);
      if (const std::string why = check_json_line(explained); !why.empty())
        fail(kTarget, "explained: " + why + ": " + explained, bytes);
    }
  }
}

}  // namespace

int bytecode_one(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try_load(input);
  if (size >= kHeaderBytes && std::memcmp(data, kBytecodeMagic, 4) == 0) {
    std::string fixed(input);
    const std::string_view body = std::string_view(fixed).substr(kHeaderBytes);
    put_u64(fixed, 8, body.size());
    put_u64(fixed, 16, fnv1a64(body));
    if (fixed != input) try_load(fixed);
  }
  return 0;
}

}  // namespace agr::fuzz

#ifndef AGR_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return agr::fuzz::bytecode_one(data, size);
}

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

// The code table is the file's last table: a u32 count n, then n instructions of 8 bytes, up to
// the end. The largest n that fits (0 when none does).
size_t code_table_size(const uint8_t* data, size_t size) {
  constexpr size_t kHeaderBytes = 24;
  for (size_t n = (size - kHeaderBytes - 4) / 8; n > 0; --n) {
    const uint8_t* count = data + size - 8 * n - 4;
    if ((uint32_t(count[0]) | uint32_t(count[1]) << 8 | uint32_t(count[2]) << 16 | uint32_t(count[3]) << 24) == n)
      return n;
  }
  return 0;
}

// One field of one instruction, rewritten as a forger would: any opcode; a register that exists
// in small frames, or any; k near its value, a small index, a flag in bits 24-31, or anything.
void mutate_instruction(uint8_t* ins, std::mt19937& rng) {
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  switch (pick(4)) {
    case 0: ins[0] = static_cast<uint8_t>(pick(agr::kOpcodeCount + 2)); break;
    case 1: ins[1 + pick(3)] = static_cast<uint8_t>(pick(2) ? pick(16) : pick(256)); break;
    default: {
      int32_t k;
      std::memcpy(&k, ins + 4, 4);
      switch (pick(5)) {
        case 0: k += static_cast<int32_t>(pick(9)) - 4; break;
        case 1: k = static_cast<int32_t>(pick(16)); break;
        case 2: k = static_cast<int32_t>((pick(4) << 24) | pick(16)); break;
        case 3: k = static_cast<int32_t>(rng()); break;
        default: k = -k; break;
      }
      std::memcpy(ins + 4, &k, 4);
    }
  }
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  constexpr size_t kHeaderBytes = 24;
  if (size < kHeaderBytes + 4 || std::memcmp(data, agr::kBytecodeMagic, 4) != 0)
    return LLVMFuzzerMutate(data, size, max_size);
  std::mt19937 rng(seed);
  const size_t instructions = code_table_size(data, size);
  if (instructions > 0 && rng() % 2 == 0) {
    for (uint32_t edits = 1 + rng() % 2; edits > 0; --edits)
      mutate_instruction(data + size - 8 * (instructions - rng() % instructions), rng);
  } else {
    size = kHeaderBytes + LLVMFuzzerMutate(data + kHeaderBytes, size - kHeaderBytes, max_size - kHeaderBytes);
  }
  const std::string_view body(reinterpret_cast<const char*>(data) + kHeaderBytes, size - kHeaderBytes);
  const uint64_t sums[2] = {body.size(), agr::fnv1a64(body)};
  for (int field = 0; field < 2; ++field)
    for (int i = 0; i < 8; ++i) data[8 + 8 * field + i] = static_cast<uint8_t>(sums[field] >> (8 * i));
  return size;
}
#endif
