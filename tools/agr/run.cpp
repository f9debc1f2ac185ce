// `agr run AGREEMENT... HISTORIES`: evaluate JSON Lines histories, one result line per input line,
// in input order (docs/io-contract.md). With several agreements (or a folder of them), each history
// is judged by the agreement its `agreement` field names. The runtime's batch runner evaluates on
// every core (--jobs N: N threads) and writes in input order: a file is read in large blocks and
// answered in large chunks; a pipe or a terminal is answered as soon as its lines are complete, so
// a co-process never waits on a full buffer. --line-buffered runs one thread and writes each
// answer at once; --explain runs one thread on the traced VM (runtime/explain.h).
#include "cli.h"
#include "command_line.h"

#include <unistd.h>

namespace agr::cli {
namespace {

struct RunOptions {
  std::vector<std::string> agreements;  // files and folders
  std::string histories;
  std::optional<Day> as_of;
  std::string engine = "vm";
  int jit_opt = 2;  // the JIT's optimisation level
  bool line_buffered = false;
  unsigned jobs = 0;  // --jobs: worker threads; 0: one per core
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

int run(const CLI::App* command, RunOptions options) {
  // CLI11 fills positionals from the left, so AGREEMENT takes every operand: the last is HISTORIES.
  if (options.agreements.size() < 2) return usage_error(command, "HISTORIES is required");
  if (options.explain && options.engine == "jit")
    return usage_error(command, "--explain runs the rules on the VM step by step; leave out --engine jit");
  if (options.explain && options.jobs)
    return usage_error(command, "--explain runs on one thread; leave out --jobs");
  options.histories = std::move(options.agreements.back());
  options.agreements.pop_back();
  std::vector<std::shared_ptr<const Agreement>> agreements;
  if (!load_agreements(options.agreements, &agreements)) return kFailure;
  for (auto& agreement : agreements)
    if (!(agreement = with_engine(std::move(agreement), options))) return kFailure;
  std::string error;
  const auto set = AgreementSet::make(std::move(agreements), &error);
  if (!set) {
    eprint("agr: {}\n", error);
    return kFailure;
  }
  Input input;
  if (!input.open(options.histories)) return kFailure;
  if (options.line_buffered || options.explain) {  // one thread (each answer written at once)
    Evaluator evaluator(set);
    Output out = Output::standard();
    const LineLoop loop = {"run", options.line_buffered};
    const int status = for_each_line(loop, input, out, [&](std::string_view line, uint64_t number) {
      return options.explain ? evaluator.explain_json_line(line, number, options.as_of, out.buffer())
                             : evaluator.evaluate_json_line(PaddedLine{line}, number, options.as_of, out.buffer());
    });
    return out.finish(status);
  }
  agr::RunOptions run;  // the runtime's, not this command's
  run.as_of = options.as_of;
  run.jobs = options.jobs;
  Progress progress("run", input.size());
  run.on_written = [&progress](const RunSummary& written) { progress.update(written.lines, written.bytes); };
  RunSummary summary;
  const bool ok = run_json_lines_fd(set, input.fd(), STDOUT_FILENO, run, &summary, &error);
  progress.clear();
  if (!ok) return batch_failure(input, error);
  say_error_lines("run", summary.error_lines, summary.lines);
  return summary.error_lines ? kInputErrors : kOk;
}

}  // namespace

Command add_run_command(CLI::App& agr) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = agr.add_subcommand(
      "run", "evaluate JSON Lines histories: one verdict line per input line on stdout, in input order");
  command
      ->add_option("AGREEMENT", options->agreements,
                   "the agreements: .agr (compiled in memory), .agrc, or a folder of them; with several, each "
                   "history is judged by the one its 'agreement' field names")
      ->required()
      ->expected(1, -1);
  command->add_option("HISTORIES", options->histories, "a JSON Lines file of course histories, or - for standard input");
  add_as_of_option(command, &options->as_of);
  command->add_option("--engine", options->engine, "the bytecode VM, or native code through LLVM (the same output)")
      ->type_name("vm|jit")
      ->check(one_of({"vm", "jit"}));
  command->add_option("--jit-opt", options->jit_opt, "the JIT's LLVM optimisation level")
      ->type_name("0|2")
      ->check(one_of({"0", "2"}));
  add_line_buffered_option(command, &options->line_buffered);
  add_jobs_option(command, &options->jobs, "worker threads (default: one per core); the same output, in order");
  command->add_flag("--explain", options->explain,
                    "each violation and warning with the clause that decided and the values it compared (on the VM, "
                    "one thread)");
  return {command, [command, options] { return run(command, *options); }};
}

}  // namespace agr::cli
