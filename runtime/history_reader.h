// JSON Lines input (io-contract.md, "Input").
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "evaluate.h"
#include "limits_table.h"

namespace agr {

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING, "agr.h's kLinePadding must cover simdjson's");

// Parses one line into scratch.parser's document: where it lies when `padded` (the caller
// guarantees kLinePadding readable bytes after it), else from a padded copy. False with the
// reason in *error: a blank line, a line over kMaxLineBytes, or not JSON (what and at which column).
bool parse_history_line(Evaluator::Scratch& scratch, std::string_view line, bool padded,
                        simdjson::dom::element* doc, std::string* error);

// The parsed history's `agreement` key: *named tells whether it has one, *name its value. False
// with *error when the history is not an object, or the key is not a string or is written twice.
bool read_agreement_name(simdjson::dom::element doc, bool* named, std::string_view* name, std::string* error);

// The error of a history that names agreement `named` in a run that has only `loaded`.
std::string not_the_agreement_message(std::string_view named, std::string_view loaded);

// Reads the parsed history into scratch.history, strictly, against the agreement: required fields,
// exact types, calendar dates, declared flags, unique event ids, no key written twice, and an
// `agreement` key, where present, naming this agreement (`program`). False with the reason in *error.
bool read_history(Evaluator::Scratch& scratch, simdjson::dom::element doc, const Program& program,
                  const AgreementIndex& index, std::string* error);

// The fast path for a padded line (kLinePadding readable bytes after it): true when it read the
// history into scratch.history, exactly as parse_history_line and read_history would have; false
// when the line is anything but a plain valid history of this agreement (a key outside the
// contract, facts, an error of any kind ...): then read it with those two, which say why.
bool read_history_fast(Evaluator::Scratch& scratch, std::string_view line, const Program& program,
                       const AgreementIndex& index);

// The same against a set: the agreement of `set` the history names (with one agreement, that one
// unless it names another), or null when the line is not the fast reader's (then
// choose_agreement and read_history say why).
const Agreement* read_history_fast(Evaluator::Scratch& scratch, std::string_view line, const AgreementSet& set);

// The first of read_history_fast's two readers alone: one pass over the bytes of a plain history
// (the contract's keys, no escape, no facts), no parser underneath. For the tests and
// fuzz_history, which hold each reader to the DOM reader.
bool read_history_plain(Evaluator::Scratch& scratch, std::string_view line, const Program& program,
                        const AgreementIndex& index);
const Agreement* read_history_plain(Evaluator::Scratch& scratch, std::string_view line, const AgreementSet& set);

// The agreement of `set` that judges the parsed history (AgreementSet::choose on its `agreement`
// key); null with the reason in *error. With one agreement, that one: read_history checks the
// name, so that a set of one keeps the error order of a single agreement.
const Agreement* choose_agreement(const AgreementSet& set, simdjson::dom::element doc, std::string* error);

// "" when two prepared histories hold the same values (ids, dates, codes, services, clinics,
// flags, facts), else the first difference: how the tests and fuzz_history hold the fast reader
// to the DOM reader.
std::string compare_prepared(const PreparedHistory& a, const PreparedHistory& b);

// parse_history_line (from a copy) and read_history in one call.
bool read_history_json(Evaluator::Scratch& scratch, const Program& program, const AgreementIndex& index,
                       std::string_view line, std::string* error);

// The same against a set: the agreement chosen and read against, or null with *error.
const Agreement* read_history_json(Evaluator::Scratch& scratch, const AgreementSet& set, std::string_view line,
                                   std::string* error);

// Best effort for an error line: the history's id, when the line is JSON enough to hold one.
bool read_history_id(Evaluator::Scratch& scratch, std::string_view line, std::string* id);

}  // namespace agr
