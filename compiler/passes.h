// The compiler's passes after parsing, in pipeline order (ARCHITECTURE.md):
//   parse   source -> AST                         (parse.h)
//   resolve names -> services, groups, flags, defines; sets of codes
//   check   types and the shape of each declaration
//   lint    warnings: what is legal but almost certainly not meant (lint.cpp says what)
//   lower   each rule and due item -> IR (typed virtual registers, labels)
//   regalloc virtual registers -> a frame's registers, reused (liveness)
//   emit    tables + IR -> Program (the bytecode the runtime verifies and runs)
#pragma once

#include <string>
#include <vector>

#include "ast.h"
#include "diagnostics.h"
#include "program.h"

namespace agr {

// Resolves every name and gives each set expression its index in agreement.sets.
void resolve(ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags);

// Types every expression and checks each declaration's clauses; after it passes, no evaluation
// can fail with a type error.
void check(ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags);

// Warns of unused groups and definitions, conditions that always or never hold, empty windows, due
// items never listed, and one rule id quoting two passages. Only warnings: it never stops a build.
void lint(const ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags);

namespace ir {

// An instruction before emission: jumps name labels, not positions.
struct Instruction {
  Opcode op;
  int a = 0, b = 0, c = 0;
  int64_t k = 0;
  int label = -1;  // jump target, for JUMP, JUMP_IF_FALSE and JUMP_IF_NONE
  uint32_t line = 0;
};

// A clause's code runs from one label to another; emit records it in Program::debug.
struct ClauseMark {
  ClauseInfo::Kind kind;
  int begin_label, end_label;
  Span span;        // of the clause, keyword included where the AST has it
  const char* keyword;  // written before the span's text when the span lacks it ("earliest "), or ""
};

// After instruction `instruction` runs, its r[a] holds the value of the expression at `span`.
struct ValueNote {
  int instruction;
  int clause;  // index in Function::clauses
  Span span;
  bool limit;  // a comparison or window test (ValueInfo::limit)
};

struct Function {
  std::string name;                   // "rule LBP-6", "due LBP-14 0268"
  Span span;                          // the declaration's
  std::vector<RegType> registers;
  std::vector<Instruction> code;
  std::vector<int> labels;            // label -> index in code where it is placed
  std::vector<ClauseMark> clauses;    // for explanations and coverage only
  std::vector<ValueNote> values;
};

struct Module {
  std::vector<Function> rules;  // parallel to ast::Agreement::rules
  std::vector<Function> dues;   // parallel to ast::Agreement::dues
};

std::string print(const Module& module);

}  // namespace ir

// Lowers every rule and due item into functions of virtual registers, one per value.
ir::Module lower(const ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags);

// Gives each function's values the registers of a frame, reusing a register once the value in it
// is no longer needed; reports a function that holds more values at once than a frame has.
void allocate_registers(ir::Module& module, Diagnostics& diags);

// Builds the Program: tables from the AST, code from the IR (labels resolved).
Program emit(const ast::Agreement& agreement, const ir::Module& module, const SourceFile& file);

}  // namespace agr
