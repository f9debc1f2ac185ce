// agr: the command line (shared/spec/io-contract.md).
//
//   agr check [--werror] [--format text|json] FILE...
//   agr compile FILE.agr -o FILE.agrc [--emit=ast|ir|bytecode]
//   agr run AGREEMENT HISTORIES [--as-of YYYY-MM-DD] [--engine vm|jit] [--jit-opt 0|2] [--explain]
//   agr test PATH... [--verbose] [--filter REGEX] [--junit FILE] [--format text|json]
//   agr schedule AGREEMENT HISTORIES [--as-of YYYY-MM-DD]
//   agr explain AGREEMENT HISTORIES EVENT_ID
//   agr fmt [--check] FILE...
//
// Exit status: 0 success; 1 the input held errors (every good line is still processed);
// 2 usage error or unreadable agreement.
#include <fmt/core.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "agr/agr.h"
#include "bytecode_file.h"
#include "cli.h"
#include "line_reader.h"
#include "disassemble.h"
#include "driver.h"
#include "verify.h"
#ifdef AGR_HAVE_JIT
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "jit.h"
#endif

namespace agr::cli {
namespace {

constexpr int kOk = 0, kInputErrors = 1, kUsage = 2;

const char* const kUsageText =
    "usage:\n"
    "  agr check FILE...                         parse and check agreement files\n"
    "        [--werror] [--format text|json]     warnings fail; diagnostics as JSON\n"
    "  agr compile FILE.agr -o FILE.agrc         compile to bytecode\n"
    "        [--emit=ast|ir|bytecode]            print a stage of the pipeline instead\n"
    "  agr run AGREEMENT HISTORIES               evaluate JSON Lines histories (- for stdin)\n"
    "        [--as-of YYYY-MM-DD] [--engine vm|jit] [--jit-opt 0|2]\n"
    "        [--explain]                         each violation and warning with its clause and values\n"
    "  agr test PATH... [--verbose]              run regression course suites\n"
    "        [--filter REGEX] [--junit FILE] [--format text|json]\n"
    "  agr schedule AGREEMENT HISTORIES          what is due per course, as a table\n"
    "        [--as-of YYYY-MM-DD]\n"
    "  agr explain AGREEMENT HISTORIES EVENT_ID  why an event got its verdict: clauses and values\n"
    "        [--course ID]                       the history with this id (default: the first)\n"
    "  agr fmt [--check] FILE...                 lay agreement files out canonically (- for stdin)\n"
    "  agr serve AGREEMENT_OR_FOLDER...          the HTTP API and the authors' page (--help)\n"
    "  agr lsp                                   the language server for editors (stdio)\n";

int usage(const std::string& problem) {
  if (!problem.empty()) fmt::print(stderr, "agr: {}\n", problem);
  fmt::print(stderr, "{}", kUsageText);
  return kUsage;
}

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// `agr check [--werror] [--format text|json] FILE...`: text diagnostics on stderr and a line per
// file on stdout, or one JSON object per file and line on stdout (Diagnostics::render_json).
int cmd_check(const std::vector<std::string>& args) {
  bool werror = false, json = false;
  std::vector<std::string> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string format;
    if (args[i] == "--werror") {
      werror = true;
    } else if (args[i] == "--format") {
      if (i + 1 >= args.size()) return usage("--format takes text or json");
      format = args[++i];
    } else if (args[i].rfind("--format=", 0) == 0) {
      format = args[i].substr(9);
    } else {
      paths.push_back(args[i]);
    }
    if (!format.empty() && format != "text" && format != "json") return usage("--format takes text or json");
    if (!format.empty()) json = format == "json";
  }
  if (paths.empty()) return usage("check needs at least one file");
  int status = kOk;
  for (const std::string& path : paths) {
    SourceFile file;
    std::string error;
    if (!read_source_file(path, &file, &error)) {
      fmt::print(stderr, "agr: {}\n", error);
      status = kInputErrors;
      continue;
    }
    Diagnostics diags;
    Compilation c = compile(file, diags);
    const size_t errors = diags.error_count(), warnings = diags.warning_count();
    if (errors > 0 || (werror && warnings > 0)) status = kInputErrors;
    if (json) {
      fmt::print("{}\n", diags.render_json(file));
      continue;
    }
    fmt::print(stderr, "{}", diags.render(file));
    const std::string warned = warnings == 0 ? "" : fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s");
    if (errors > 0) {
      fmt::print(stderr, "{}: {} error{}{}\n", path, errors, errors == 1 ? "" : "s", warned.empty() ? "" : ", " + warned);
    } else if (werror && warnings > 0) {
      fmt::print(stderr, "{}: {} (--werror)\n", path, warned);
    } else {
      fmt::print("{}: ok, agreement {} with {} services, {} rules and {} due items{}\n", path, c.program->name,
                 c.program->services.size(), c.program->rules.size(), c.program->dues.size(),
                 warned.empty() ? "" : " (" + warned + ")");
    }
  }
  return status;
}

int cmd_compile(const std::vector<std::string>& args) {
  std::string input, output, emit_stage;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      output = args[++i];
    } else if (args[i].rfind("--emit=", 0) == 0) {
      emit_stage = args[i].substr(7);
      if (emit_stage != "ast" && emit_stage != "ir" && emit_stage != "bytecode")
        return usage("--emit takes ast, ir or bytecode");
    } else if (input.empty() && args[i] != "-o") {
      input = args[i];
    } else {
      return usage("unexpected argument '" + args[i] + "'");
    }
  }
  if (input.empty()) return usage("compile needs an .agr file");
  if (output.empty() && emit_stage.empty()) return usage("compile needs -o FILE.agrc (or --emit=...)");
  SourceFile file;
  std::string error;
  if (!read_source_file(input, &file, &error)) {
    fmt::print(stderr, "agr: {}\n", error);
    return kUsage;
  }
  Diagnostics diags;
  Compilation c = compile(file, diags);
  fmt::print(stderr, "{}", diags.render(file));
  if (emit_stage == "ast" && c.ast) fmt::print("{}", ast::print(*c.ast));
  if (diags.has_errors()) return kInputErrors;
  if (emit_stage == "ir") fmt::print("{}", ir::print(c.ir));
  if (emit_stage == "bytecode") fmt::print("{}", disassemble(*c.program));
  if (!output.empty()) {
    std::string problem;
    if (!verify_program(*c.program, &problem)) {  // a compiler bug, never an author's mistake
      fmt::print(stderr, "agr: internal error: the compiler produced {}\n", problem);
      return kUsage;
    }
    const std::string bytes = write_bytecode(*c.program);
    std::ofstream out(output, std::ios::binary);
    if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
      fmt::print(stderr, "agr: cannot write {}\n", output);
      return kUsage;
    }
  }
  return kOk;
}

int cmd_run(const std::vector<std::string>& args) {
  std::string agreement_path, histories_path, engine = "vm";
  bool explain = false;  // each violation and warning with the clause that decided and its values
  int jit_opt = 2;  // --jit-opt 0|2: the JIT's optimisation level
  std::optional<Day> as_of;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--as-of") {
      if (i + 1 >= args.size()) return usage("--as-of needs a date YYYY-MM-DD");
      Day day;
      if (!parse_date(args[++i], &day)) return usage("--as-of needs a date YYYY-MM-DD, not '" + args[i] + "'");
      as_of = day;
    } else if (args[i] == "--engine") {
      if (i + 1 >= args.size()) return usage("--engine needs vm or jit");
      engine = args[++i];
      if (engine != "vm" && engine != "jit") return usage("--engine takes vm or jit, not '" + engine + "'");
    } else if (args[i] == "--explain") {
      explain = true;
    } else if (args[i] == "--jit-opt") {
      if (i + 1 >= args.size() || (args[i + 1] != "0" && args[i + 1] != "2")) return usage("--jit-opt takes 0 or 2");
      jit_opt = args[++i] == "0" ? 0 : 2;
    } else if (agreement_path.empty()) {
      agreement_path = args[i];
    } else if (histories_path.empty()) {
      histories_path = args[i];
    } else {
      return usage("unexpected argument '" + args[i] + "'");
    }
  }
  if (histories_path.empty()) return usage("run needs an agreement and a histories file");
  if (explain && engine == "jit") return usage("--explain runs the rules on the VM step by step; leave out --engine jit");
#ifndef AGR_HAVE_JIT
  if (engine == "jit") {
    fmt::print(stderr, "agr: this agr was built without the LLVM JIT; use --engine vm\n");
    return kUsage;
  }
  (void)jit_opt;
#endif
  std::string error;
  auto agreement = load_agreement(agreement_path, &error);
  if (!agreement) {
    fmt::print(stderr, "{}", error);
    return kUsage;
  }
#ifdef AGR_HAVE_JIT
  if (engine == "jit") {
    // The disk cache: $AGR_JIT_CACHE, else $XDG_CACHE_HOME/agr, else $HOME/.cache/agr; none when
    // the directory cannot be created. Statistics go to stderr only with AGR_JIT_STATS set, so
    // stdout stays byte-identical to the VM's.
    jit::Options options;
    options.opt_level = jit_opt;
    const char* env = std::getenv("AGR_JIT_CACHE");
    if (env && *env) {
      options.cache_dir = env;
    } else if ((env = std::getenv("XDG_CACHE_HOME")) && *env) {
      options.cache_dir = std::string(env) + "/agr";
    } else if ((env = std::getenv("HOME")) && *env) {
      options.cache_dir = std::string(env) + "/.cache/agr";
    }
    if (!options.cache_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(options.cache_dir, ec);
      if (ec || !std::filesystem::is_directory(options.cache_dir, ec)) options.cache_dir.clear();
    }
    jit::Stats stats;
    auto native = jit::compile(*agreement, options, &stats, &error);
    if (!native) {
      fmt::print(stderr, "agr: {}\n", error);
      return kUsage;
    }
    if (std::getenv("AGR_JIT_STATS"))
      fmt::print(stderr, "agr: jit: {} functions at O{} in {:.2f} ms{}{}\n", stats.functions, jit_opt,
                 stats.compile_ms, stats.from_cache ? " (cached)" : "",
                 options.cache_dir.empty() ? ", no disk cache" : ", cache " + options.cache_dir);
    agreement = std::move(native);
  }
#endif
  std::FILE* in = histories_path == "-" ? stdin : std::fopen(histories_path.c_str(), "rb");
  if (!in) {
    fmt::print(stderr, "agr: cannot read {}\n", histories_path);
    return kUsage;
  }
  Evaluator evaluator(agreement);
  LineReader reader(in);
  std::string out;
  std::string_view line;
  uint64_t line_number = 0;
  bool any_error = false;
  while (reader.next(&line)) {
    ++line_number;
    any_error |= explain ? !evaluator.explain_json_line(line, line_number, as_of, &out)
                         : !evaluator.evaluate_json_line(PaddedLine{line}, line_number, as_of, &out);
    if (out.size() >= (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (in != stdin) std::fclose(in);
  return any_error ? kInputErrors : kOk;
}

}  // namespace

std::shared_ptr<const Agreement> load_agreement(const std::string& path, std::string* error) {
  if (ends_with(path, ".agrc")) {
    auto agreement = Agreement::load_file(path, error);
    if (!agreement) *error = "agr: " + *error + "\n";
    return agreement;
  }
  SourceFile file;
  if (!read_source_file(path, &file, error)) {
    *error = "agr: " + *error + "\n";
    return nullptr;
  }
  Diagnostics diags;
  Compilation c = compile(file, diags);
  if (diags.has_errors()) {
    *error = diags.render(file) + fmt::format("agr: {} does not compile\n", path);
    return nullptr;
  }
  fmt::print(stderr, "{}", diags.render(file));  // the warnings, as `agr check` gives them
  auto agreement = Agreement::from_program(std::move(*c.program), error);
  if (!agreement) *error = "agr: internal error: the compiler produced " + *error + "\n";
  return agreement;
}

int main(int argc, char** argv) {
  if (argc < 2) return usage("");
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "check") return cmd_check(args);
  if (command == "compile") return cmd_compile(args);
  if (command == "run") return cmd_run(args);
  if (command == "test") return cmd_test(args);
  if (command == "schedule") return cmd_schedule(args);
  if (command == "fmt") return cmd_fmt(args);
  if (command == "explain") return cmd_explain(args);
  if (command == "serve") return cmd_serve(args);
  if (command == "lsp") return cmd_lsp(args);
  if (command == "--help" || command == "-h" || command == "help") {
    fmt::print("{}", kUsageText);
    return kOk;
  }
  return usage("unknown command '" + command + "'");
}

}  // namespace agr::cli

int main(int argc, char** argv) { return agr::cli::main(argc, argv); }
