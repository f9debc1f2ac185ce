// Pass 5, regalloc: the virtual registers of lower (one per value) become the registers of a
// frame, and a register is reused once the value in it is no longer needed. A rule is then
// limited by how many values it holds at once, not by how many it computes.
//
// Jumps only go forward, so a value is live from its first write to its last read in the order of
// the code: the lowering writes every register before any path reads it, and no path comes back.
// Those intervals are coloured by a linear scan, per register type (a frame register has one
// type), reusing the lowest free register. An instruction reads its operands before it writes,
// so a value whose last read is at an instruction leaves its register to the value written there.
// A move between two values that got one register is then dropped; the labels (clause bounds
// included) and the instructions the debug table notes values at are renumbered to match, a value
// noted at a dropped move being the one its source's writer left in the register.
#include <algorithm>
#include <queue>
#include <vector>

#include "bytecode_file.h"
#include "passes.h"

namespace agr {
namespace {

// Whether `a` is read rather than written (which operands an opcode uses is in kOpcodes).
bool reads_a(Opcode op) { return op == Opcode::JUMP_IF_FALSE || op == Opcode::JUMP_IF_NONE || op == Opcode::DUE; }

struct Interval {
  int start = -1, end = -1;  // first write, last read (instruction indexes)
};

void allocate(ir::Function& f, Diagnostics& diags) {
  const size_t n = f.registers.size();
  std::vector<Interval> live(n);
  for (int i = 0; i < static_cast<int>(f.code.size()); ++i) {
    const ir::Instruction& ins = f.code[i];
    const OpcodeInfo& used = opcode_info(ins.op);
    auto read = [&](int r) { live[r].end = std::max(live[r].end, i); };
    if (used.a != OperandKind::None) {
      if (reads_a(ins.op)) {
        read(ins.a);
      } else if (live[ins.a].start < 0) {
        live[ins.a].start = i;
      }
    }
    if (used.b != OperandKind::None) read(ins.b);
    if (used.c != OperandKind::None) read(ins.c);
  }

  // Linear scan in order of first write. Free registers per type, lowest first.
  std::vector<int> order;
  for (size_t r = 0; r < n; ++r)
    if (live[r].start >= 0) {
      live[r].end = std::max(live[r].end, live[r].start);
      order.push_back(static_cast<int>(r));
    }
  std::sort(order.begin(), order.end(), [&](int x, int y) { return live[x].start < live[y].start; });

  std::vector<RegType> frame;
  std::vector<int> assigned(n, 0);
  using MinHeap = std::priority_queue<int, std::vector<int>, std::greater<int>>;
  std::vector<MinHeap> free(4);
  // Active values by the end of their interval: (end, frame register).
  std::priority_queue<std::pair<int, int>, std::vector<std::pair<int, int>>, std::greater<>> active;
  for (int v : order) {
    while (!active.empty() && active.top().first <= live[v].start) {
      const int r = active.top().second;
      free[static_cast<size_t>(frame[r])].push(r);
      active.pop();
    }
    MinHeap& pool = free[static_cast<size_t>(f.registers[v])];
    int r;
    if (!pool.empty()) {
      r = pool.top();
      pool.pop();
    } else {
      r = static_cast<int>(frame.size());
      frame.push_back(f.registers[v]);
    }
    assigned[v] = r;
    active.push({live[v].end, r});
  }

  if (frame.size() > kMaxRegisters) {
    diags.error(f.span,
                f.name + " is too complex: at one point it holds " + std::to_string(frame.size()) +
                    " values at once, and a rule may hold " + std::to_string(kMaxRegisters),
                "write its longest condition as several clauses (each `require` is worked out on its own), or move "
                "part of it into a rule of its own");
    return;
  }
  // Rename, and drop the moves that now go from a register into itself (a value handed on to the
  // register of an `otherwise`, `if` or definition, when both got one register).
  // A value an explanation notes at a dropped move is the one its source's writer left there.
  std::vector<ir::Instruction> code;
  std::vector<int> moved_to(f.code.size() + 1);  // old instruction index -> new
  std::vector<int> value_at(f.code.size(), -1);   // old instruction -> the new one holding its r[a]
  std::vector<int> writer(n, -1);                 // virtual register -> its latest writer (new index)
  for (size_t i = 0; i < f.code.size(); ++i) {
    moved_to[i] = static_cast<int>(code.size());
    ir::Instruction ins = f.code[i];
    const OpcodeInfo& used = opcode_info(ins.op);
    const bool writes = used.a != OperandKind::None && !reads_a(ins.op);
    const int virtual_a = ins.a, virtual_b = ins.b;
    ins.a = used.a != OperandKind::None ? assigned[ins.a] : 0;
    ins.b = used.b != OperandKind::None ? assigned[ins.b] : 0;
    ins.c = used.c != OperandKind::None ? assigned[ins.c] : 0;
    if (ins.op == Opcode::MOVE && ins.a == ins.b) {
      value_at[i] = writer[virtual_a] = writer[virtual_b];
      continue;
    }
    value_at[i] = static_cast<int>(code.size());
    if (writes) writer[virtual_a] = value_at[i];
    code.push_back(ins);
  }
  moved_to[f.code.size()] = static_cast<int>(code.size());
  for (int& at : f.labels)
    if (at >= 0) at = moved_to[at];
  // Clause marks are labels (renumbered above); noted values follow their instructions.
  std::vector<ir::ValueNote> values;
  for (ir::ValueNote v : f.values) {
    v.instruction = value_at[v.instruction];
    if (v.instruction >= 0) values.push_back(v);
  }
  f.values = std::move(values);
  f.code = std::move(code);
  f.registers = std::move(frame);
}

}  // namespace

void allocate_registers(ir::Module& module, Diagnostics& diags) {
  for (auto& f : module.rules) allocate(f, diags);
  for (auto& f : module.dues) allocate(f, diags);
}

}  // namespace agr
