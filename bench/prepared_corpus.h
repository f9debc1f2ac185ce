// A generated corpus as `agr run` sees it (one buffer of JSON lines), and the same corpus parsed
// once into PreparedHistory values that own their strings — the approach of bench_eval.cpp,
// shared by agr_compare's rows.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evaluate.h"
#include "history_generator.h"
#include "history_reader.h"
#include "scratch.h"

namespace agr::bench {

struct Corpus {
  std::string text;
  std::vector<std::string_view> lines;  // without their newline
  uint64_t events = 0;
};

// Points corpus->lines at its text, given where each line's newline is (the text no longer grows).
inline void set_lines(Corpus* corpus, const std::vector<size_t>& ends) {
  size_t begin = 0;
  for (size_t end : ends) {
    corpus->lines.emplace_back(corpus->text.data() + begin, end - begin);
    begin = end + 1;
  }
}

// Courses 1..courses of the generator, one JSON line each.
inline Corpus make_corpus(const GeneratorOptions& options, uint64_t courses) {
  Corpus corpus;
  HistoryGenerator generator(options);
  std::vector<size_t> ends;
  ends.reserve(courses);
  for (uint64_t n = 1; n <= courses; ++n) {
    corpus.events += generator.append_course(n, &corpus.text);
    ends.push_back(corpus.text.size() - 1);
  }
  set_lines(&corpus, ends);
  return corpus;
}

// A PreparedHistory whose string views point into storage it owns (read_history_json leaves
// them pointing into the simdjson parser's buffers, which the next parse overwrites).
struct OwnedHistory {
  PreparedHistory history;
  std::unique_ptr<char[]> storage;
};

inline OwnedHistory own(const PreparedHistory& parsed) {
  size_t size = parsed.id.size();
  for (const auto& e : parsed.events) size += e.id.size() + e.code.size();
  for (std::string_view c : parsed.clinics) size += c.size();
  OwnedHistory owned;
  owned.history = parsed;
  owned.storage = std::make_unique<char[]>(size ? size : 1);
  char* at = owned.storage.get();
  auto keep = [&at](std::string_view* view) {
    if (!view->empty()) std::memcpy(at, view->data(), view->size());
    *view = std::string_view(at, view->size());
    at += view->size();
  };
  keep(&owned.history.id);
  for (auto& e : owned.history.events) {
    keep(&e.id);
    keep(&e.code);
  }
  for (auto& c : owned.history.clinics) keep(&c);
  return owned;
}

// Every line parsed once. A line that breaks the input contract is left out (good[i] = 0).
struct PreparedCorpus {
  std::vector<OwnedHistory> histories;
  std::vector<uint8_t> good;  // per line
  uint64_t events = 0;        // in `histories`
};

inline PreparedCorpus prepare_corpus(const Agreement& agreement, const Corpus& corpus) {
  PreparedCorpus out;
  Evaluator::Scratch scratch;
  std::string error;
  out.histories.reserve(corpus.lines.size());
  out.good.assign(corpus.lines.size(), 0);
  for (size_t i = 0; i < corpus.lines.size(); ++i) {
    error.clear();
    if (!read_history_json(scratch, agreement.program(), agreement.index(), corpus.lines[i], &error)) continue;
    out.good[i] = 1;
    out.histories.push_back(own(scratch.history));
    out.events += scratch.history.events.size();
  }
  return out;
}

}  // namespace agr::bench
