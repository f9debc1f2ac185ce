// The .agrc file and its verifier: a good file round-trips; a damaged, truncated or foreign one
// is refused with a message that says which; a forged program is refused before it runs.
#include <catch2/catch.hpp>

#include <algorithm>

#include "bytecode_file.h"
#include "bundled.h"
#include "calendar.h"
#include "verify.h"

namespace {

agr::Program lbp_program() { return agr::testing::bundled_program("lbp"); }

std::string refusal(const std::string& bytes) {
  agr::Program p;
  std::string error;
  CHECK_FALSE(agr::read_bytecode(bytes, &p, &error));
  return error;
}

}  // namespace

TEST_CASE("a compiled agreement round-trips through its bytecode file", "[bytecode]") {
  const agr::Program p = lbp_program();
  const std::string bytes = agr::write_bytecode(p);
  agr::Program back;
  std::string error;
  REQUIRE(agr::read_bytecode(bytes, &back, &error));
  CHECK(back.name == "lbp");
  CHECK(back.rules.size() == p.rules.size());
  CHECK(back.code.size() == p.code.size());
  CHECK(back.price_levels.size() == 1);
  CHECK(back.fees.size() == 9);
  CHECK(agr::write_bytecode(back) == bytes);
}

TEST_CASE("the debug table round-trips, and a program without one reads back without one", "[bytecode]") {
  const agr::Program p = lbp_program();
  REQUIRE(p.debug.size() == p.functions.size());
  agr::Program back;
  std::string error;
  REQUIRE(agr::read_bytecode(agr::write_bytecode(p), &back, &error));
  REQUIRE(back.debug.size() == p.debug.size());
  for (size_t i = 0; i < p.debug.size(); ++i) {
    REQUIRE(back.debug[i].clauses.size() == p.debug[i].clauses.size());
    for (size_t c = 0; c < p.debug[i].clauses.size(); ++c) {
      CHECK(back.debug[i].clauses[c].text == p.debug[i].clauses[c].text);
      CHECK(back.debug[i].clauses[c].code_begin == p.debug[i].clauses[c].code_begin);
    }
    REQUIRE(back.debug[i].values.size() == p.debug[i].values.size());
  }
  // LBP-6's second clause, as written.
  const agr::Rule& lbp6 = *std::find_if(p.rules.begin(), p.rules.end(), [](const agr::Rule& r) { return r.id == "LBP-6"; });
  CHECK(p.debug[lbp6.function].clauses.at(1).text == "require count(0266 in start .. start + 3 months) < 6");

  agr::Program bare = p;
  bare.debug.clear();
  REQUIRE(agr::read_bytecode(agr::write_bytecode(bare), &back, &error));
  CHECK(back.debug.empty());
}

TEST_CASE("the verifier keeps the debug table inside its functions", "[bytecode][verify]") {
  std::string error;
  {
    agr::Program p = lbp_program();
    p.debug.pop_back();
    CHECK_FALSE(agr::verify_program(p, &error));
    CHECK(error.find("one entry per function") != std::string::npos);
  }
  {
    agr::Program p = lbp_program();
    p.debug[0].clauses.at(0).code_end = p.functions[0].code_end + 1;
    CHECK_FALSE(agr::verify_program(p, &error));
    CHECK(error.find("a clause in the debug table lies outside its function") != std::string::npos);
  }
  {
    agr::Program p = lbp_program();
    p.debug[0].values.at(0).pc = static_cast<uint32_t>(p.code.size());
    CHECK_FALSE(agr::verify_program(p, &error));
    CHECK(error.find("a noted value") != std::string::npos);
  }
  {
    agr::Program p = lbp_program();
    p.debug[0].values.at(0).clause = 99;
    CHECK_FALSE(agr::verify_program(p, &error));
  }
}

TEST_CASE("a flipped byte in the body is refused by the checksum", "[bytecode]") {
  std::string bytes = agr::write_bytecode(lbp_program());
  bytes[bytes.size() / 2] ^= 0x01;
  CHECK(refusal(bytes).find("checksum mismatch") != std::string::npos);
}

TEST_CASE("a truncated file is refused as truncated", "[bytecode]") {
  std::string bytes = agr::write_bytecode(lbp_program());
  CHECK(refusal(bytes.substr(0, bytes.size() - 10)).find("truncated") != std::string::npos);
  CHECK(refusal(bytes.substr(0, 12)).find("truncated") != std::string::npos);
}

TEST_CASE("another format version is refused with both versions named", "[bytecode]") {
  std::string bytes = agr::write_bytecode(lbp_program());
  bytes[4] = 7;
  const std::string why = refusal(bytes);
  CHECK(why.find("version 7") != std::string::npos);
  CHECK(why.find("recompile") != std::string::npos);
}

TEST_CASE("the header's reserved bytes must be zero", "[bytecode][regression]") {
  // docs/bytecode.md §2 says they are 0; they were read and ignored (issue 8).
  const std::string good = agr::write_bytecode(lbp_program());
  REQUIRE(good[6] == 0);
  REQUIRE(good[7] == 0);
  for (size_t at : {6, 7}) {
    for (unsigned char value : {0x01, 0x80, 0xff}) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(value);
      const std::string why = refusal(bytes);
      INFO("byte " << at << " = " << int(value));
      CHECK(why.find("reserved bytes are") != std::string::npos);
      CHECK(why.find("not 0") != std::string::npos);
    }
  }
  agr::Program back;
  std::string error;
  CHECK(agr::read_bytecode(good, &back, &error));
}

TEST_CASE("a file without the magic is not bytecode", "[bytecode]") {
  CHECK(refusal("{\"id\": 1}").find("not an agr bytecode file") != std::string::npos);
  CHECK(refusal("").find("not an agr bytecode file") != std::string::npos);
}

TEST_CASE("the verifier refuses a register outside the frame", "[bytecode][verify]") {
  agr::Program p = lbp_program();
  const agr::Function& f = p.functions[p.rules[0].function];
  p.code[f.code_begin].a = 200;
  std::string error;
  CHECK_FALSE(agr::verify_program(p, &error));
  CHECK(error.find("wrong register or type") != std::string::npos);
}

TEST_CASE("the verifier refuses a backward jump", "[bytecode][verify]") {
  agr::Program p = lbp_program();
  bool found = false;
  for (auto& rule : p.rules) {
    const agr::Function& f = p.functions[rule.function];
    for (uint32_t pc = f.code_begin; pc < f.code_end; ++pc)
      if (p.code[pc].op == agr::Opcode::JUMP_IF_FALSE) {
        p.code[pc].k = static_cast<int32_t>(f.code_begin);
        found = true;
        break;
      }
    if (found) break;
  }
  REQUIRE(found);
  std::string error;
  CHECK_FALSE(agr::verify_program(p, &error));
  CHECK(error.find("operand k is out of range") != std::string::npos);
}

TEST_CASE("the verifier refuses a type confusion between registers", "[bytecode][verify]") {
  agr::Program p = lbp_program();
  for (auto& f : p.functions)
    for (auto& t : f.registers)
      if (t == agr::RegType::Date) t = agr::RegType::Count;
  std::string error;
  CHECK_FALSE(agr::verify_program(p, &error));
  CHECK(error.find("invalid bytecode") != std::string::npos);
}

TEST_CASE("the verifier refuses an absent value that is not tested", "[bytecode][verify]") {
  agr::Program p = lbp_program();
  bool found = false;
  for (uint32_t pc = 0; pc + 1 < p.code.size() && !found; ++pc)
    if (p.code[pc].op == agr::Opcode::COURSE_START) {
      p.code[pc + 1].op = agr::Opcode::MOVE;  // a date register moved to itself: well typed, untested
      p.code[pc + 1].b = p.code[pc + 1].a;
      p.code[pc + 1].k = 0;
      found = true;
    }
  REQUIRE(found);
  std::string error;
  CHECK_FALSE(agr::verify_program(p, &error));
  CHECK(error.find("absent value that is not tested") != std::string::npos);
}

TEST_CASE("the verifier refuses a function that can run off its end", "[bytecode][verify]") {
  agr::Program p = lbp_program();
  agr::Function& f = p.functions[p.rules[0].function];
  p.code[f.code_end - 1].op = agr::Opcode::NOT;
  std::string error;
  CHECK_FALSE(agr::verify_program(p, &error));
  CHECK(error.find("can run off its end") != std::string::npos);
}

TEST_CASE("the verifier refuses a fee that does not add up", "[bytecode][verify]") {
  agr::Program p = lbp_program();
  REQUIRE_FALSE(p.fees.empty());
  p.fees[0].split.patient += 1;
  std::string error;
  CHECK_FALSE(agr::verify_program(p, &error));
  CHECK(error.find("not subsidy + patient share") != std::string::npos);
}

TEST_CASE("the verifier refuses price levels out of order and fee tables out of shape", "[bytecode][verify]") {
  const agr::Program lbp = lbp_program();
  REQUIRE(lbp.price_levels.size() == 1);
  auto refusal = [](const agr::Program& p) {
    std::string error;
    return agr::verify_program(p, &error) ? std::string() : error;
  };
  {
    agr::Program p = lbp;  // a second level on the same date
    p.price_levels.push_back(p.price_levels[0]);
    CHECK(refusal(p).find("price level 1 is not dated after the level before it") != std::string::npos);
  }
  {
    agr::Program p = lbp;
    p.price_levels[0].from = agr::kLastDay + 1;
    CHECK(refusal(p).find("dated outside the calendar") != std::string::npos);
  }
  {
    agr::Program p = lbp;  // a line of a level that does not exist
    p.fees[0].level = 1;
    CHECK(refusal(p).find("does not exist") != std::string::npos);
  }
  {
    agr::Program p = lbp;  // two own fees of one service at one level
    p.fees.insert(p.fees.begin(), p.fees[0]);
    CHECK(refusal(p).find("follows the service's own fee") != std::string::npos);
  }
  {
    agr::Program p = lbp;  // a variant after the own fee
    agr::FeeEntry variant = p.fees[0];
    variant.flag = 0;
    p.fees.insert(p.fees.begin() + 1, variant);
    CHECK(refusal(p).find("follows the service's own fee") != std::string::npos);
  }
  {
    agr::Program p = lbp;  // a variant with no own fee after it
    p.fees[0].flag = 0;
    CHECK(refusal(p).find("variant with no own fee after it") != std::string::npos);
  }
  {
    agr::Program p = lbp;  // the same variant twice
    agr::FeeEntry variant = p.fees[0];
    variant.flag = 0;
    p.fees.insert(p.fees.begin(), {variant, variant});
    CHECK(refusal(p).find("repeats a variant") != std::string::npos);
  }
  {
    agr::Program p = lbp;  // out of order of services
    std::swap(p.fees[0], p.fees[1]);
    CHECK(refusal(p).find("not in order of service and price level") != std::string::npos);
  }
  {
    agr::Program p = lbp;  // a flag that is not declared
    agr::FeeEntry variant = p.fees[0];
    variant.flag = static_cast<uint32_t>(p.flags.size());
    p.fees.insert(p.fees.begin(), variant);
    CHECK(refusal(p).find("does not exist") != std::string::npos);
  }
}

TEST_CASE("the verifier refuses a register read before anything was written to it", "[bytecode][verify]") {
  agr::Program p = lbp_program();
  // Replace the first instruction that writes a register with a jump over nothing: the register
  // it wrote is then read unwritten.
  const agr::Function& f = p.functions[p.rules[0].function];
  agr::Instruction& first = p.code[f.code_begin];
  REQUIRE(first.op != agr::Opcode::JUMP);
  first = {agr::Opcode::JUMP, 0, 0, 0, static_cast<int32_t>(f.code_begin + 1)};
  std::string error;
  CHECK_FALSE(agr::verify_program(p, &error));
  CHECK(error.find("reads a register before anything was written to it") != std::string::npos);
}
