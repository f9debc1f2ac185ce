// The manuals quote two tables of the code: the opcode table (runtime/opcodes.def, through
// opcodes.h) in docs/bytecode.md §5, and the limits (runtime/limits_table.h) in docs/bytecode.md
// §7 and docs/language.md §19. Each quote sits between two marker comments; this test renders the
// table from the code and compares, and on a difference writes the text to paste into a file of
// the current directory (docs_expected_*.md; under ctest, build/tests/) and names it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "limits_table.h"
#include "opcodes.h"

namespace {

std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(AGR_SOURCE_DIR) + "/docs/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text between `<!-- BEGIN -->\n` and `<!-- END -->`; "(markers not found)" when absent.
std::string between(const std::string& doc, const std::string& begin, const std::string& end) {
  const size_t a = doc.find(begin);
  if (a == std::string::npos) return "(markers not found: " + begin + ")";
  const size_t from = doc.find('\n', a) + 1;
  const size_t to = doc.find(end, from);
  if (to == std::string::npos) return "(markers not found: " + end + ")";
  return doc.substr(from, to - from);
}

// On a difference: the expected text, in a file to paste from.
std::string expected_file(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::current_path() / ("docs_expected_" + name + ".md")).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

const char* operand_letter(agr::OperandKind kind) {
  switch (kind) {
    case agr::OperandKind::None: return "_";
    case agr::OperandKind::Bool: return "B";
    case agr::OperandKind::Count: return "I";
    case agr::OperandKind::Date: return "D";
    case agr::OperandKind::Clinic: return "C";
    case agr::OperandKind::Ordinal: return "N";
    case agr::OperandKind::Any: return "A";
  }
  return "?";
}

const char* immediate_name(agr::ImmediateKind kind) {
  switch (kind) {
    case agr::ImmediateKind::NONE: return "NONE";
    case agr::ImmediateKind::IMM: return "IMM";
    case agr::ImmediateKind::BOOL: return "BOOL";
    case agr::ImmediateKind::DAY: return "DAY";
    case agr::ImmediateKind::JUMP: return "JUMP";
    case agr::ImmediateKind::SET: return "SET";
    case agr::ImmediateKind::FLAG: return "FLAG";
    case agr::ImmediateKind::SETFLAG: return "SETFLAG";
  }
  return "?";
}

std::string opcode_table() {
  std::string out = "| # | opcode | a | b | c | k | may be absent | roles | synopsis |\n"
                    "|---|---|---|---|---|---|---|---|---|\n";
  for (int op = 0; op < agr::kOpcodeCount; ++op) {
    const agr::OpcodeInfo& info = agr::kOpcodes[op];
    out += "| " + std::to_string(op) + " | `" + info.name + "` | `" + operand_letter(info.a) + "` | `" +
           operand_letter(info.b) + "` | `" + operand_letter(info.c) + "` | `" + immediate_name(info.k) + "` | " +
           (info.optional ? "yes" : "") + " | `" + info.roles_text + "` | " + markdown_cell(info.synopsis) + " |\n";
  }
  return out;
}

// 4194304 -> "4194304 (4 MiB)"; other numbers as they are, with the unit.
std::string limit_value(const agr::Limit& limit) {
  std::string value = std::to_string(limit.value);
  const std::string unit = limit.unit;
  if (unit == "bytes") {
    if (limit.value % (1024 * 1024) == 0) return value + " bytes (" + std::to_string(limit.value >> 20) + " MiB)";
    if (limit.value % 1024 == 0) return value + " bytes (" + std::to_string(limit.value >> 10) + " KiB)";
  }
  return unit.empty() ? value : value + " " + unit;
}

std::string limits_table() {
  std::string out = "| limit | at most | of |\n|---|---|---|\n";
  for (const agr::Limit& limit : agr::kLimits) {
    out += "| " + markdown_cell(limit.what) + " | " + limit_value(limit) + " | " + limit.of + " |\n";
  }
  return out;
}

}  // namespace

TEST_CASE("docs/bytecode.md quotes the opcode table of runtime/opcodes.def", "[docs]") {
  const std::string quoted = between(read_doc("bytecode.md"), "<!-- opcode table: generated from runtime/opcodes.def -->",
                                     "<!-- end of opcode table -->");
  const std::string expected = opcode_table();
  if (quoted != expected) FAIL("docs/bytecode.md §5 differs from opcodes.def: paste " << expected_file("opcodes", expected));
}

TEST_CASE("docs/bytecode.md and docs/language.md quote the limits of runtime/limits_table.h", "[docs][limits]") {
  const std::string begin = "<!-- limits: generated from runtime/limits_table.h -->";
  const std::string end = "<!-- end of limits -->";
  const std::string expected = limits_table();
  for (const char* doc : {"bytecode.md", "language.md"})
    if (between(read_doc(doc), begin, end) != expected)
      FAIL("docs/" << doc << " differs from limits_table.h: paste " << expected_file("limits", expected));
}
