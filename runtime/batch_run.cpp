// Batch runs (batch_run.h: run_blocks; agr.h: run_json_lines on top of it): the input cut into
// blocks of whole lines, worked by worker threads, written in input order.
//
//   each worker thread, in a loop:
//   cut the next block (read to a  ──►  work each line of   ──►  write the blocks that are done,
//   line end, number its lines)         the block in its slot     in input order, freeing slots
//
// One worker at a time cuts (the input is one stream) and one at a time writes (the output is);
// the work in between, nearly all of the time, runs on every worker at once. No reader or writer
// thread of its own: as many threads as cores, so none is preempted to hand blocks over.
// The blocks live in a ring of 2 x threads slots, so the input is at most that far ahead of the
// output: that bounds memory. Each slot moves Free -> Filled -> Done -> Free under one mutex; the
// work on a slot (cutting into it, working it, writing it) is done outside the lock by the one
// thread that holds it in that state. With one thread nothing is threaded: the same functions
// run one after the other.
#include "batch_run.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "history_reader.h"
#include "scratch.h"

namespace agr {
namespace {

// Bytes that are never initialised before they are written: a block's buffer grows (keeping what
// it holds) and is reused from block to block, with no zero-fill on the way.
class ByteBuffer {
 public:
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  // At least `n` bytes, the first `keep` of them kept.
  void reserve(size_t n, size_t keep) {
    if (n <= capacity_) return;
    const size_t capacity = std::max(n, capacity_ + capacity_ / 2);
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (keep) std::memcpy(bigger.get(), data_.get(), keep);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// A block: whole lines in bytes[0, size), with kLinePadding readable bytes after them.
struct Block {
  ByteBuffer bytes;
  size_t size = 0;
  uint64_t first_line = 0;  // the number of its first line
  enum class State : uint8_t { Free, Filled, Done } state = State::Free;

  LineBlock view(size_t slot) const { return {std::string_view(bytes.data(), size), first_line, slot}; }
};

// memchr from line end to line end: vectorised by the C library, where std::count goes byte by
// byte (it was an eighth of `agr run`'s time).
uint64_t lines_in(const Block& b) {
  uint64_t lines = 0;
  const char* p = b.bytes.data();
  const char* const end = p + b.size;
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    ++lines;
    p = nl ? static_cast<const char*>(nl) + 1 : end;
  }
  return lines;
}

// Cuts the input into blocks of whole lines. The input is read straight into the block's own
// buffer; only the unfinished line at its end is copied, to the start of the next block. A line
// longer than kMaxLineBytes becomes a block of its own, cut to kMaxLineBytes + 1 bytes (so that
// the reader refuses it, on its own line number), and the rest of it is read and dropped, as the
// command line's LineReader does.
class BlockCutter {
 public:
  BlockCutter(const ReadInput& read, size_t block_bytes) : read_(read), block_(std::max<size_t>(block_bytes, 1)) {}

  // The next block into *b; false at the end of the input, or on a read failure (then *error).
  bool next(Block* b, std::string* error) {
    size_t len = carry_.size();  // b->bytes[0, len): read, from a line start, not yet cut
    b->bytes.reserve(len + block_ + kLinePadding, 0);
    if (len) std::memcpy(b->bytes.data(), carry_.data(), len);
    carry_.clear();
    bool arrived_short = false;  // the last read gave less than asked: give out what is complete
    for (;;) {
      if (len > 0 && (len >= block_ || arrived_short || eof_)) {
        const void* nl = memrchr(b->bytes.data(), '\n', len);
        if (nl) return cut(b, len, static_cast<const char*>(nl) - b->bytes.data() + 1);
        if (eof_) return cut(b, len, len);  // the last line, without a newline
        if (len > kMaxLineBytes) {  // one line, too long: keep its start, drop the rest
          b->size = kMaxLineBytes + 1;
          dropping_ = true;  // the rest still to come, up to its newline
          return true;
        }
      }
      if (eof_) return false;
      if (!read_more(b, &len, &arrived_short, error)) return false;
    }
  }

 private:
  // The block is b->bytes[0, n); the rest of what was read, [n, len), waits for the next block.
  bool cut(Block* b, size_t len, size_t n) {
    b->size = n;
    carry_.assign(b->bytes.data() + n, len - n);
    return true;
  }

  // Reads once more into b->bytes at *len (dropping the rest of an over-long line first); false
  // on failure.
  bool read_more(Block* b, size_t* len, bool* arrived_short, std::string* error) {
    b->bytes.reserve(*len + block_ + kLinePadding, *len);
    char* at = b->bytes.data() + *len;
    const ptrdiff_t got = read_(at, block_);
    if (got < 0) {
      *error = std::string("reading: ") + std::strerror(errno);
      eof_ = true;
      return false;
    }
    if (got == 0) {
      eof_ = true;
      return true;
    }
    size_t n = static_cast<size_t>(got);
    if (dropping_) {  // the rest of a line over the limit, up to and including its newline
      const void* nl = std::memchr(at, '\n', n);
      if (!nl) return true;
      const size_t after = static_cast<const char*>(nl) - at + 1;
      std::memmove(at, at + after, n - after);
      n -= after;
      dropping_ = false;
    }
    *len += n;
    *arrived_short = n < block_;
    return true;
  }

  const ReadInput& read_;
  size_t block_;
  std::string carry_;  // the unfinished line at the end of the last block's read, for the next
  bool eof_ = false, dropping_ = false;
};

bool run_sequential(const ReadInput& read, const BlockRun& run, std::string* error) {
  const BlockWorker work = run.make_worker();
  BlockCutter cutter(read, run.block_bytes);
  Block b;
  uint64_t next_line = run.first_line;
  std::string read_error;
  while (cutter.next(&b, &read_error)) {
    b.first_line = next_line;
    next_line += lines_in(b);
    work(b.view(0));
    if (!run.write(b.view(0), error)) return false;
  }
  if (!read_error.empty()) *error = read_error;
  return read_error.empty();
}

bool run_threaded(const ReadInput& read, const BlockRun& run, std::string* error) {
  std::vector<Block> ring(block_slots(run.threads));
  std::mutex mutex;
  std::condition_variable changed;
  BlockCutter cutter(read, run.block_bytes);
  // All under `mutex`: blocks cut and blocks written so far, the line after the last block cut,
  // and who holds which role (one reader, one writer at a time).
  uint64_t cut = 0, written = 0, next_line = run.first_line;
  bool reading = false, writing = false, input_done = false;
  std::string read_error, write_error;
  auto slot = [&](uint64_t k) -> Block& { return ring[k % ring.size()]; };
  auto view = [&](uint64_t k) { return slot(k).view(k % ring.size()); };

  // Writes the blocks that are done, in input order, for as long as the next one is; frees each
  // slot after it. Called with the lock held by a worker that has just finished a block; when
  // another worker is writing already, that one takes this block too when its turn comes.
  auto write_done = [&](std::unique_lock<std::mutex>& lock) {
    if (writing) return;
    writing = true;
    while (written < cut && slot(written).state == Block::State::Done) {
      const uint64_t k = written;
      const bool failed = !write_error.empty();  // after a failure nothing more is written
      lock.unlock();
      std::string problem;
      const bool ok = failed || run.write(view(k), &problem);
      lock.lock();
      if (!ok) write_error = problem.empty() ? "writing failed" : problem;
      slot(k).state = Block::State::Free;
      ++written;
      changed.notify_all();  // a worker may be waiting for this slot
    }
    writing = false;
  };

  // Each worker cuts its own block from the input, works it, and writes what is done: as many
  // threads as cores, none of them waiting on another unless the ring is full.
  auto worker = [&] {
    const BlockWorker work = run.make_worker();
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] {
        return input_done || !write_error.empty() || (!reading && slot(cut).state == Block::State::Free);
      });
      if (input_done || !write_error.empty()) return;  // what was read is worked by its reader
      reading = true;
      const uint64_t k = cut;
      Block& b = slot(k);
      lock.unlock();
      std::string problem;
      const bool more = cutter.next(&b, &problem);
      if (more) {
        b.first_line = next_line;
        next_line += lines_in(b);
      }
      lock.lock();
      reading = false;
      if (!more) {
        input_done = true;
        read_error = problem;
        changed.notify_all();
        return;
      }
      b.state = Block::State::Filled;
      ++cut;
      changed.notify_all();  // another worker may cut the next block now
      lock.unlock();
      work(view(k));
      lock.lock();
      b.state = Block::State::Done;
      write_done(lock);
    }
  };

  std::vector<std::thread> workers;
  for (unsigned w = 0; w < run.threads; ++w) workers.emplace_back(worker);
  for (std::thread& t : workers) t.join();
  if (!write_error.empty()) {
    *error = write_error;
    return false;
  }
  if (!read_error.empty()) {
    *error = read_error;
    return false;
  }
  return true;
}

// What a worker of run_json_lines made of a block.
struct Evaluated {
  JsonBuffer out;  // its verdict lines, written there by the evaluation: no copy on the way
  RunSummary summary;
};

// One worker's evaluation state (the Evaluator's, without the copy of each verdict it returns).
struct Worker {
  explicit Worker(const AgreementSet& agreements) : set(agreements) {}
  const AgreementSet& set;
  Evaluator::Scratch scratch;
};

}  // namespace

unsigned worker_threads(unsigned jobs) { return jobs ? jobs : std::max(1u, std::thread::hardware_concurrency()); }

size_t block_slots(unsigned threads) { return threads <= 1 ? 1 : 2 * static_cast<size_t>(threads); }

BlockRun block_run(const RunOptions& options) {
  BlockRun run;
  run.threads = worker_threads(options.jobs);
  run.block_bytes = options.block_bytes;
  run.first_line = options.first_line;
  return run;
}

bool run_blocks(const ReadInput& read, const BlockRun& run, std::string* error) {
  error->clear();
  return run.threads <= 1 ? run_sequential(read, run, error) : run_threaded(read, run, error);
}

ReadInput read_from_fd(int fd) {
  return [fd](char* buffer, size_t capacity) -> ptrdiff_t {
    for (;;) {
      const ssize_t got = ::read(fd, buffer, capacity);
      if (got >= 0 || errno != EINTR) return got;
    }
  };
}

bool write_out(const WriteOutput& write, std::string_view bytes, std::string* error) {
  if (bytes.empty() || write(bytes)) return true;
  *error = std::string("writing: ") + std::strerror(errno);
  return false;
}

WriteOutput write_to_fd(int fd) {
  return [fd](std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t put = ::write(fd, bytes.data(), bytes.size());
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(put));
    }
    return true;
  };
}

bool run_json_lines(std::shared_ptr<const AgreementSet> agreements, const ReadInput& read, const WriteOutput& write,
                    const RunOptions& options, RunSummary* summary, std::string* error) {
  *summary = {};
  BlockRun run = block_run(options);
  std::vector<Evaluated> evaluated(block_slots(run.threads));
  run.make_worker = [&]() -> BlockWorker {
    auto worker = std::make_shared<Worker>(*agreements);
    return [&evaluated, &options, worker](const LineBlock& block) {
      Evaluated& e = evaluated[block.slot];
      e.out.clear();
      e.out.reserve(2 * block.lines.size() + 4096);  // verdicts run about 1.9 x their input: no growing
      e.summary = {};
      e.summary.bytes = block.lines.size();
      block.each_line([&](PaddedLine line, uint64_t number) {
        e.summary.error_lines += !judge_json_line(worker->set, worker->scratch, line.text, true, number, options.as_of, &e.out);
        ++e.summary.lines;
      });
    };
  };
  run.write = [&](const LineBlock& block, std::string* problem) {
    const Evaluated& e = evaluated[block.slot];
    summary->lines += e.summary.lines;
    summary->error_lines += e.summary.error_lines;
    summary->bytes += e.summary.bytes;
    if (!write_out(write, e.out.view(), problem)) return false;
    if (options.on_written) options.on_written(*summary);
    return true;
  };
  return run_blocks(read, run, error);
}

bool run_json_lines_fd(std::shared_ptr<const AgreementSet> agreements, int in_fd, int out_fd,
                       const RunOptions& options, RunSummary* summary, std::string* error) {
  return run_json_lines(std::move(agreements), read_from_fd(in_fd), write_to_fd(out_fd), options, summary, error);
}

}  // namespace agr
