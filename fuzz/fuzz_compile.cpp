// fuzz_compile: any bytes as an .agr source. agr::compile must answer with diagnostics, never a
// crash or a hang; the diagnostics must render; and when the source compiles, its program must
// verify, load as an Agreement, and round-trip exactly through write_bytecode/read_bytecode. The
// printers behind `agr compile --emit=ast|ir|bytecode` run on what the passes produced, too.
#include <string>

#include "bytecode_file.h"
#include "disassemble.h"
#include "driver.h"
#include "fuzz_common.h"
#include "verify.h"

namespace agr::fuzz {

int compile_one(const uint8_t* data, size_t size) {
  constexpr const char* kTarget = "fuzz_compile";
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  SourceFile file{"fuzz.agr", std::string(input)};
  Diagnostics diags;
  Compilation c = compile(file, diags);
  const std::string rendered = diags.render(file);
  if (diags.has_errors() && rendered.empty()) fail(kTarget, "errors that render as nothing", input);
  if (c.ast) (void)ast::print(*c.ast);
  if (!c.program) {
    if (!diags.has_errors()) fail(kTarget, "no program and no error", input);
    return 0;
  }
  if (diags.has_errors()) fail(kTarget, "a program despite errors:\n" + rendered, input);
  (void)ir::print(c.ir);
  (void)disassemble(*c.program);

  std::string error;
  if (!verify_program(*c.program, &error)) fail(kTarget, "the compiler produced " + error, input);
  const std::string bytes = write_bytecode(*c.program);
  Program back;
  if (!read_bytecode(bytes, &back, &error)) fail(kTarget, "its bytecode does not read back: " + error, input);
  if (write_bytecode(back) != bytes) fail(kTarget, "its bytecode does not round-trip", input);
  if (!Agreement::from_program(std::move(back), &error)) fail(kTarget, "it does not load: " + error, input);
  return 0;
}

}  // namespace agr::fuzz

#ifndef AGR_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return agr::fuzz::compile_one(data, size);
}
#endif
