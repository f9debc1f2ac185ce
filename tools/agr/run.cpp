// `agr run AGREEMENT HISTORIES`: evaluate JSON Lines histories, one result line per input line, in
// input order (docs/io-contract.md). A file is read in large blocks and answered in large chunks;
// a pipe or a terminal is answered line by line, so a co-process never waits on a full buffer.
#include "cli.h"
#include "command_line.h"

namespace agr::cli {
namespace {

struct RunOptions {
  std::string agreement, histories;
  std::optional<Day> as_of;
  std::string engine = "vm";
  int jit_opt = 2;  // the JIT's optimisation level
  bool line_buffered = false;
  unsigned jobs = 0;  // --jobs: worker threads for the runtime's batch runner; 0: not asked for
  bool explain = false;  // each violation and warning with the clause that decided and its values
};

// The agreement as the chosen engine runs it: itself for the VM, with native code for the JIT.
std::shared_ptr<const Agreement> with_engine(std::shared_ptr<const Agreement> agreement, const RunOptions& options) {
  if (options.engine == "vm") return agreement;
  std::string error;
  auto native = jit::compile_for_command_line(*agreement, options.jit_opt, &error);
  if (!native) eprint("agr: {}\n", error);
  return native;
}

int run(const RunOptions& options, const CLI::App* command) {
  if (options.explain && options.engine == "jit")
    return usage_error(command, "--explain runs the rules on the VM step by step; leave out --engine jit");
  auto agreement = load_agreement(options.agreement);
  if (!agreement) return kFailure;
  agreement = with_engine(std::move(agreement), options);
  if (!agreement) return kFailure;
  Input input;
  if (!input.open(options.histories)) return kFailure;
  // With --jobs (and not --line-buffered): the runtime's batch runner. Without, the command
  // line's own loop (progress on a terminal); to do: the contract's default of every core needs
  // that progress line in the batch runner first.
  if (options.jobs && !options.line_buffered && !options.explain) {
    // The runtime's batch runner: blocks cut at line ends, `jobs` workers, output in input
    // order and byte-identical to one thread; complete lines of a pipe are answered at once.
    agr::RunOptions run;  // the runtime's, not this command's
    run.as_of = options.as_of;
    run.jobs = options.jobs;
    RunSummary summary;
    std::string error;
    if (!run_json_lines_fd(AgreementSet::of(agreement), input.fd(), 1, run, &summary, &error)) {
      const bool writing = error.rfind("writing: ", 0) == 0;
      eprint("agr: cannot {} {}: {}\n", writing ? "write to" : "read", writing ? "standard output" : input.name(),
             error.substr(error.find(": ") + 2));
      return kFailure;
    }
    if (!summary.error_lines) return kOk;
    eprint("agr run: {} of {} line{} {}\n", summary.error_lines, summary.lines, summary.lines == 1 ? "" : "s",
           summary.error_lines == 1 ? "was an error" : "were errors");  // as for_each_line (cli.cpp) says it
    return kInputErrors;
  }
  Evaluator evaluator(agreement);
  Output out = Output::standard();
  const LineLoop loop = {"run", options.line_buffered};
  const int status = for_each_line(loop, input, out, [&](std::string_view line, uint64_t number) {
    return options.explain ? evaluator.explain_json_line(line, number, options.as_of, out.buffer())
                           : evaluator.evaluate_json_line(PaddedLine{line}, number, options.as_of, out.buffer());
  });
  return out.finish(status);
}

}  // namespace

Command add_run_command(CLI::App& agr) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = agr.add_subcommand(
      "run", "evaluate JSON Lines histories: one verdict line per input line on stdout, in input order");
  command->add_option("AGREEMENT", options->agreement, "the agreement: .agr (compiled in memory) or .agrc")
      ->required();
  command->add_option("HISTORIES", options->histories, "a JSON Lines file of course histories, or - for standard input")
      ->required();
  add_as_of_option(command, &options->as_of);
  command->add_option("--engine", options->engine, "the bytecode VM, or native code through LLVM (the same output)")
      ->type_name("vm|jit")
      ->check(one_of({"vm", "jit"}));
  command->add_option("--jit-opt", options->jit_opt, "the JIT's LLVM optimisation level")
      ->type_name("0|2")
      ->check(one_of({"0", "2"}));
  add_line_buffered_option(command, &options->line_buffered);
  command->add_option("--jobs", options->jobs, "worker threads (default: one per core); the same output, in order")
      ->type_name("N")
      ->check(CLI::Range(1u, 9999u));
  command->add_flag("--explain", options->explain,
                    "each violation and warning with the clause that decided and the values it compared (on the VM, "
                    "one thread)");
  return {command, [options, command] { return run(*options, command); }};
}

}  // namespace agr::cli
