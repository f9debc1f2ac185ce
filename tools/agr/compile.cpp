// `agr compile FILE.agr -o FILE.agrc [--emit=ast|ir|bytecode]`: compile to verified bytecode, or
// print one stage of the pipeline. The .agrc file is written whole or not at all, and never over
// its own source.
#include "bytecode_file.h"
#include "cli.h"
#include "disassemble.h"
#include "driver.h"
#include "verify.h"

namespace agr::cli {
namespace {

struct CompileOptions {
  std::string input, output, emit;
};

int compile_command(const CLI::App* command, const CompileOptions& options) {
  if (options.output.empty() && options.emit.empty()) return usage_error(command, "needs -o FILE.agrc or --emit=STAGE");
  if (!options.output.empty() && same_file(options.input, options.output)) {
    eprint("agr: the output {} is the input {}; choose another name (FILE.agrc)\n",
               printable(options.output), printable(options.input));
    return kFailure;
  }
  SourceFile file;
  std::string error;
  if (!read_source_file(options.input, &file, &error)) {
    eprint("agr: {}\n", printable(error));
    return kFailure;
  }
  Output out = Output::standard();
  Diagnostics diags;
  Compilation c = compile(file, diags);
  eprint("{}", diags.render(file, colour_on_stderr()));
  if (options.emit == "ast" && c.ast) out.write(ast::print(*c.ast));
  if (diags.has_errors()) return out.finish(kInputErrors);
  if (options.emit == "ir") out.write(ir::print(c.ir));
  if (options.emit == "bytecode") out.write(disassemble(*c.program));
  if (!options.output.empty()) {
    std::string problem;
    if (!verify_program(*c.program, &problem)) {  // a compiler bug, never an author's mistake
      eprint("agr: internal error: the compiler produced {}\n", problem);
      return out.finish(kFailure);
    }
    if (!write_file_atomically(options.output, write_bytecode(*c.program), &error)) {
      eprint("agr: {}\n", error);
      return out.finish(kFailure);
    }
  }
  return out.finish(kOk);
}

}  // namespace

Command add_compile_command(CLI::App& agr) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* command = agr.add_subcommand("compile", "compile an agreement to verified bytecode, or print a stage of the pipeline");
  command->add_option("FILE", options->input, "the agreement (.agr)")->required();
  command->add_option("-o,--output", options->output, "the bytecode file to write (.agrc); never the input")
      ->type_name("FILE.agrc");
  command->add_option("--emit", options->emit, "print a stage instead: the checked syntax tree, the IR, or the bytecode")
      ->type_name("ast|ir|bytecode")
      ->check(one_of({"ast", "ir", "bytecode"}));
  return {command, [command, options] { return compile_command(command, *options); }};
}

}  // namespace agr::cli
