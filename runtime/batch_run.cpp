// Batch runs (batch_run.h: run_blocks; agr.h: run_json_lines on top of it): the input cut into
// blocks of whole lines, worked by worker threads, written in input order.
//
//   reader (the calling thread)      workers (threads)              writer (a thread)
//   read, cut at a line end,  ──►    work each line of a       ──►  write block k, k+1, ...
//   number the block's lines         block into its slot            in order, free the slot
//
// The blocks live in a ring of 2 x threads slots, so the reader is at most that far ahead of the
// writer: that bounds memory. Each slot moves Free -> Filled -> Done -> Free under one mutex;
// the work on a slot (reading into it, working it, writing it) is done outside the lock by the
// one thread that owns it in that state. With one thread nothing is threaded: the same
// functions run one after the other.
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
  uint64_t filled = 0, taken = 0;  // blocks handed out by the reader, blocks taken by workers
  bool input_done = false, stop = false;
  std::string write_error;
  auto slot = [&](uint64_t k) -> Block& { return ring[k % ring.size()]; };
  auto view = [&](uint64_t k) { return slot(k).view(k % ring.size()); };

  std::vector<std::thread> workers;
  for (unsigned w = 0; w < run.threads; ++w) {
    workers.emplace_back([&] {
      const BlockWorker work = run.make_worker();
      for (;;) {
        uint64_t k;
        {
          std::unique_lock lock(mutex);
          changed.wait(lock, [&] { return taken < filled || input_done; });
          if (taken == filled) return;  // the input is done and every block taken
          k = taken++;
        }
        work(view(k));
        {
          std::lock_guard lock(mutex);
          slot(k).state = Block::State::Done;
        }
        changed.notify_all();
      }
    });
  }
  std::thread writer([&] {
    for (uint64_t k = 0;; ++k) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return (k < filled && slot(k).state == Block::State::Done) || (input_done && k == filled); });
        if (k == filled) return;
      }
      std::string problem;
      const bool ok = write_error.empty() && run.write(view(k), &problem);
      {
        std::lock_guard lock(mutex);
        slot(k).state = Block::State::Free;
        if (!ok && write_error.empty()) {
          write_error = problem.empty() ? "writing failed" : problem;
          stop = true;  // the reader stops; what was read is still worked, not written
        }
      }
      changed.notify_all();
    }
  });

  BlockCutter cutter(read, run.block_bytes);
  std::string read_error;
  uint64_t next_line = run.first_line;
  for (uint64_t k = 0;; ++k) {
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return slot(k).state == Block::State::Free || stop; });
      if (stop) break;
    }
    Block& b = slot(k);
    if (!cutter.next(&b, &read_error)) break;
    b.first_line = next_line;
    next_line += lines_in(b);
    {
      std::lock_guard lock(mutex);
      b.state = Block::State::Filled;
      ++filled;
    }
    changed.notify_all();
  }
  {
    std::lock_guard lock(mutex);
    input_done = true;
  }
  changed.notify_all();
  for (std::thread& t : workers) t.join();
  writer.join();
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
