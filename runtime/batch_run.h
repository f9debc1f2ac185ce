// The batch runner's machinery (batch_run.cpp), for every run over JSON Lines that evaluates many
// lines on several threads and writes in input order: agr::run_json_lines (agr.h: `agr run`, the
// Python module, the server) and the comparison of `agr diff` (diff/diff.h).
//
// run_blocks cuts the input into blocks of whole lines and runs `jobs` worker threads, each with
// state of its own (an Evaluator): a worker cuts a block, works it, and writes the blocks that are
// done, in input order (one worker cuts at a time, one writes at a time). What a worker makes of a block (output text, counts) the caller keeps in a result
// per slot, indexed by LineBlock::slot: a block keeps its slot from the moment it is read until
// the writer is done with it, and at most block_slots(jobs) blocks are in flight, which bounds
// memory by block_slots(jobs) x (block_bytes + the longest line).
#pragma once

#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "agr/agr.h"

namespace agr {

// A block of whole lines of the input (the last line of the input may lack its '\n').
struct LineBlock {
  std::string_view lines;  // with kLinePadding readable bytes after it
  uint64_t first_line = 0;  // the number of its first line
  size_t slot = 0;          // which result the block has until it is written: < block_slots(jobs)

  // Calls each(PaddedLine, line number) for every line, in order; a line is without its '\n'.
  template <typename Each>
  void each_line(Each&& each) const {
    uint64_t number = first_line;
    const char* p = lines.data();
    const char* const end = p + lines.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      const char* line_end = nl ? nl : end;
      each(PaddedLine{std::string_view(p, static_cast<size_t>(line_end - p))}, number++);
      p = nl ? nl + 1 : end;
    }
  }
};

// The worker threads a run takes for `jobs` (0: one per core), and the results it needs.
unsigned worker_threads(unsigned jobs);
size_t block_slots(unsigned threads);  // threads as worker_threads gives them

using BlockWorker = std::function<void(const LineBlock&)>;

struct BlockRun {
  unsigned threads = 1;          // worker_threads(jobs): with 1 nothing is threaded
  size_t block_bytes = RunOptions{}.block_bytes;  // the input is cut into blocks of about this size
  uint64_t first_line = 1;       // the number of the input's first line
  // Called once on each worker's thread (with one thread, on the caller's): a worker, holding its
  // own state, which puts what it makes of a block into the block's slot.
  std::function<BlockWorker()> make_worker;
  // Called with each block once its worker is done, in input order, one at a time (on whichever
  // worker's thread): false, with *error, stops the run (what was read is still worked, not
  // written).
  std::function<bool(const LineBlock&, std::string* error)> write;
};

// A run as `options` asks (agr.h: jobs, block_bytes, first_line); the caller adds the worker and
// the writer.
BlockRun block_run(const RunOptions& options);

// Runs `run` over the input. False with *error when a write failed, or when reading failed
// ("reading: " and the system's reason; every block read before is still worked and written).
// Input that arrives in pieces (a pipe) is cut as soon as its lines are complete, so a
// co-process fed one line at a time gets each answer back.
bool run_blocks(const ReadInput& read, const BlockRun& run, std::string* error);

// Input from a file descriptor and output to one, retried when interrupted (errno kept on failure).
ReadInput read_from_fd(int fd);
WriteOutput write_to_fd(int fd);

// Writes `bytes` (nothing when empty); false with *error "writing: " and the system's reason.
bool write_out(const WriteOutput& write, std::string_view bytes, std::string* error);

}  // namespace agr
