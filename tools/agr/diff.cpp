// `agr diff OLD NEW HISTORIES [--as-of DATE] [--format text|jsonl] [--jobs N]`: what a revised
// agreement changes (docs/io-contract.md, "agr diff"; docs/diff.md). The comparison and both
// reports are the diff library's (diff/diff.h), which the server's POST /v1/diff shares; it runs
// on the runtime's batch runner (every core by default; --jobs N: N threads), writing the same
// bytes in input order. This file is the command line: its options, its files, and its exit
// status: 0 when nothing changed, 1 when something did, 2 on a usage error, an agreement that
// does not load, or input or output that failed.
#include <unistd.h>

#include "batch_run.h"  // read_from_fd, write_to_fd
#include "cli.h"
#include "diff.h"

namespace agr::cli {
namespace {

struct DiffOptions {
  std::string old_agreement, new_agreement, histories;
  std::optional<Day> as_of;
  std::string format = "text";
  unsigned jobs = 0;  // --jobs: worker threads; 0: one per core
};

// ---- the command --------------------------------------------------------------------------------

int run_diff(const DiffOptions& options) {
  auto old_agreement = load_agreement(options.old_agreement);
  if (!old_agreement) return kFailure;
  auto new_agreement = load_agreement(options.new_agreement);
  if (!new_agreement) return kFailure;
  Input input;
  if (!input.open(options.histories)) return kFailure;

  agr::RunOptions run;
  run.as_of = options.as_of;
  run.jobs = options.jobs;
  Progress progress("diff", input.size());
  run.on_written = [&progress](const RunSummary& read) { progress.update(read.lines, read.bytes); };
  diff::Counts counts;
  std::string error;
  const bool ok = diff::compare_json_lines(std::move(old_agreement), std::move(new_agreement),
                                           options.format == "jsonl" ? diff::Format::Jsonl : diff::Format::Text,
                                           read_from_fd(input.fd()), write_to_fd(STDOUT_FILENO), run, &counts, &error);
  progress.clear();
  if (!ok) return batch_failure(input, error);
  say_error_lines("diff", counts.error_lines, counts.lines, " under both versions");
  return counts.changed > 0 ? kInputErrors : kOk;
}

}  // namespace

Command add_diff_command(CLI::App& agr) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* command =
      agr.add_subcommand("diff", "what a revised agreement changes: both versions judge the same histories");
  command->add_option("OLD", options->old_agreement, "the agreement in force: .agr or .agrc")->required();
  command->add_option("NEW", options->new_agreement, "the revised agreement: .agr or .agrc")->required();
  command->add_option("HISTORIES", options->histories, "a JSON Lines file of course histories, or - for standard input")
      ->required();
  command->footer(
      "The last line on stdout is 'compared N courses: M changed' (docs/diff.md).\n"
      "Exit status: 0 nothing changed; 1 something changed (as diff(1)); 2 a usage error, an agreement that does "
      "not load, or input or output that failed.");
  add_as_of_option(command, &options->as_of);
  command->add_option("--format", options->format, "a report for people, or one JSON line per changed course")
      ->type_name("text|jsonl")
      ->check(one_of({"text", "jsonl"}));
  add_jobs_option(command, &options->jobs,
                  "worker threads judging the histories (default: one per core); the same report, in input order");
  return {command, [options] { return run_diff(*options); }};
}

}  // namespace agr::cli
