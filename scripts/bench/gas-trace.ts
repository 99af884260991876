/**
 * Attributes a mined transaction's gas from `debug_traceTransaction`'s opcode log (the struct logger, with stack and
 * memory): per storage slot touched (cold/warm SLOAD, SSTORE by kind, transient), per external call (inclusive: the
 * callee's own breakdown is kept beside it), per event, keccak, the intrinsic part (base + calldata) and the rest
 * (arithmetic, stack, jumps, memory, calldata reads). The parts add up to the receipt's `gasUsed`, or this throws.
 *
 * Storage slots are named from the compiler's storage layout of each contract (`layouts`) and the preimages of the
 * keccaks the transaction itself computed (so `_accounts[holder]` is found from the hash that made it).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { getBytes, hexlify, type Interface, keccak256, toBeHex, zeroPadValue } from "ethers";

/** The kinds a breakdown's totals are summed by, in the order the tables show them (trace.md, results.md). */
export const GAS_KINDS = [
  "intrinsic",
  "storage-read",
  "storage-write",
  "transient",
  "call",
  "precompile",
  "log",
  "keccak",
  "rest",
] as const;

const require = createRequire(import.meta.url);

/** One step of the struct logger, as EDR and geth return it. */
export interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
  memory?: string[];
  refund?: number;
}

export interface RawTrace {
  gas: number;
  failed: boolean;
  structLogs: StructLog[];
}

/** A contract's storage layout as solc reports it (`storageLayout` output). */
export interface StorageLayout {
  storage: { label: string; slot: string; offset: number; type: string }[];
  types: Record<
    string,
    {
      encoding: string;
      label: string;
      numberOfBytes: string;
      base?: string;
      value?: string;
      members?: { label: string; slot: string; offset: number; type: string }[];
    }
  >;
}

export interface TraceContext {
  /** Names for addresses (contracts and accounts), lower-case keys. */
  names: Record<string, string>;
  /** Storage layouts by contract address (lower-case): the contract whose storage a frame runs on. */
  layouts: Record<string, StorageLayout>;
  /** Names for fixed slots outside the layouts (ERC-7201 namespaces, transient guards), lower-case 32-byte hex. */
  fixedSlots: Record<string, string>;
  /** ABIs to name call selectors and event topics. */
  interfaces: Interface[];
  /** Optional: for contracts by address (lower-case), the function each pc comes from ({functionsByPc}); the rest
   * of their gas is then broken down by function. */
  functions?: Record<string, Map<number, string>>;
}

/** One attributed part of a transaction's gas. */
export interface GasItem {
  /** The contract whose code ran (for calls: the caller), by name. */
  where: string;
  /** storage-read, storage-write, transient, call, precompile, log, keccak, intrinsic, refund, rest */
  kind: string;
  /** What: the slot, the call, the event... */
  what: string;
  count: number;
  gas: number;
  /** For calls: the callee's own breakdown (inclusive gas = the call's `gas`). */
  inner?: GasItem[];
}

export interface GasBreakdown {
  gasUsed: number;
  intrinsic: { base: number; calldata: number; calldataBytes: number; zeroBytes: number };
  refund: number;
  items: GasItem[];
  /** Totals by kind over the top-level frame (calls inclusive), plus intrinsic and refund. */
  byKind: Record<string, number>;
}

const PRECOMPILES: Record<number, string> = {
  1: "ecrecover",
  2: "sha256",
  3: "ripemd160",
  4: "identity",
  5: "modexp",
  6: "bn254 add",
  7: "bn254 mul",
  8: "bn254 pairing",
  9: "blake2f",
  10: "point evaluation",
  0x100: "p256verify",
};
const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** Bytes `[offset, offset + size)` of a step's memory (32-byte words, hex). */
function memorySlice(memory: string[] | undefined, offset: number, size: number): Uint8Array {
  const all = getBytes("0x" + (memory ?? []).map((w) => w.replace(/^0x/, "")).join(""));
  const out = new Uint8Array(size);
  out.set(all.subarray(offset, Math.min(offset + size, all.length)));
  return out;
}

/** The stack item `n` places below the top (0: the top). */
function stackAt(step: StructLog, n: number): bigint {
  const stack = step.stack ?? [];
  const v = stack[stack.length - 1 - n];
  if (v === undefined) throw new Error(`trace: ${step.op} at pc ${step.pc} has no stack item ${n}`);
  return BigInt(v);
}

const word = (v: bigint) => toBeHex(v, 32).toLowerCase();
const addressOf = (v: bigint) => ("0x" + toBeHex(v, 32).slice(-40)).toLowerCase();

/** Names slots: layout variables, mapping entries found through the transaction's own keccak preimages. */
class SlotNamer {
  constructor(
    private readonly ctx: TraceContext,
    private readonly preimages: Map<string, Uint8Array>,
  ) {}

  name(address: string, slot: bigint): string {
    const fixed = this.ctx.fixedSlots[word(slot)];
    if (fixed !== undefined) return fixed;
    const layout = this.ctx.layouts[address];
    return this.resolve(layout, slot) ?? `slot ${word(slot)}`;
  }

  private key(bytes: Uint8Array): string {
    const hex = hexlify(bytes).toLowerCase();
    if (/^0x0{24}[0-9a-f]{40}$/.test(hex)) {
      const address = "0x" + hex.slice(26);
      return this.ctx.names[address] ?? address;
    }
    const n = BigInt(hex);
    return n < 1n << 64n ? n.toString() : hex.slice(0, 10) + "…";
  }

  /** `variable`, `variable.member`, `mapping[key]`; undefined when nothing in the layout or the keccaks explains it. */
  private resolve(layout: StorageLayout | undefined, slot: bigint, depth = 0): string | undefined {
    if (layout === undefined || depth > 4) return undefined;
    if (slot < 1n << 64n) {
      const names = layout.storage
        .filter((v) => {
          const start = BigInt(v.slot);
          const slots = (BigInt(layout.types[v.type]?.numberOfBytes ?? "32") + 31n) / 32n;
          return slot >= start && slot < start + slots;
        })
        .map((v) => v.label + this.member(layout, v.type, slot - BigInt(v.slot)));
      return names.length === 0 ? undefined : names.join(" | ");
    }
    // A mapping entry (or a word of one): keccak(key . base) + offset, offset small.
    for (let offset = 0n; offset < 4n; offset++) {
      const preimage = this.preimages.get(word(slot - offset));
      if (preimage === undefined || preimage.length !== 64) continue;
      const base = BigInt(hexlify(preimage.subarray(32)));
      const outer = this.resolve(layout, base, depth + 1) ?? `slot ${word(base)}`;
      return `${outer}[${this.key(preimage.subarray(0, 32))}]${offset === 0n ? "" : ` +${offset}`}`;
    }
    return undefined;
  }

  /** `.member` / `[i].member` within a static struct or array, for slot `rel` of it. */
  private member(layout: StorageLayout, type: string, rel: bigint): string {
    const t = layout.types[type];
    if (t === undefined) return "";
    if (t.members !== undefined) {
      const inSlot = t.members.filter((m) => BigInt(m.slot) === rel).map((m) => m.label);
      return inSlot.length === 0 ? "" : `.${inSlot.join("|")}`;
    }
    if (t.encoding === "inplace" && t.base !== undefined && type.startsWith("t_array")) {
      const baseSlots = (BigInt(layout.types[t.base]?.numberOfBytes ?? "32") + 31n) / 32n;
      return `[${rel / baseSlots}]` + this.member(layout, t.base, rel % baseSlots);
    }
    return rel === 0n ? "" : ` +${rel}`;
  }
}

function sstoreKind(cost: number): string {
  const cold = cost >= 2_100 + 100 && cost !== 2_900 && cost !== 20_000;
  const warmCost = cold ? cost - 2_100 : cost;
  const kind =
    warmCost === 20_000
      ? "set zero → non-zero"
      : warmCost === 2_900
        ? "reset non-zero → other"
        : warmCost === 100
          ? "no-op or slot already written"
          : `cost ${warmCost}`;
  return `${cold ? "cold" : "warm"}, ${kind}`;
}

/** Attributes `trace` (of a transaction to `to` with calldata `data`) into parts that add up to `gasUsed`. */
export function attributeGas(trace: RawTrace, tx: { to: string; data: string }, ctx: TraceContext): GasBreakdown {
  const logs = trace.structLogs;
  if (logs.length === 0) throw new Error("trace: no steps (was the trace taken with the struct logger?)");
  if (logs.some((s) => s.stack === undefined)) throw new Error("trace: steps carry no stack (disableStack?)");

  // Keccak preimages first, so a slot computed early is named wherever it is used.
  const preimages = new Map<string, Uint8Array>();
  for (let i = 0; i < logs.length - 1; i++) {
    const s = logs[i]!;
    if (s.op !== "KECCAK256" && s.op !== "SHA3") continue;
    const preimage = memorySlice(s.memory, Number(stackAt(s, 0)), Number(stackAt(s, 1)));
    preimages.set(word(stackAt(logs[i + 1]!, 0)), preimage);
  }
  const namer = new SlotNamer(ctx, preimages);
  const nameOf = (address: string) => ctx.names[address] ?? address;
  const selectorName = (selector: string) => {
    for (const iface of ctx.interfaces) {
      const f = iface.getFunction(selector);
      if (f !== null) return f.name;
    }
    return selector;
  };
  const eventName = (topic: string) => {
    for (const iface of ctx.interfaces) {
      const e = iface.getEvent(topic);
      if (e !== null) return e.name;
    }
    return topic.slice(0, 10) + "…";
  };

  /** Walks the frame that starts at `start` (its first step) and ends before the depth drops; returns its items. */
  const walk = (start: number, code: string, storage: string): { items: GasItem[]; end: number } => {
    const depth = logs[start]!.depth;
    const where = nameOf(code);
    const items = new Map<string, GasItem>();
    const add = (kind: string, what: string, gas: number, inner?: GasItem[]) => {
      const key = `${kind}\u0000${what}`;
      const item = items.get(key);
      if (item === undefined || inner !== undefined) {
        items.set(inner === undefined ? key : `${key}\u0000${items.size}`, {
          where,
          kind,
          what,
          count: 1,
          gas,
          ...(inner === undefined ? {} : { inner }),
        });
      } else {
        item.count += 1;
        item.gas += gas;
      }
    };
    let i = start;
    while (i < logs.length && logs[i]!.depth === depth) {
      const s = logs[i]!;
      const next = logs[i + 1];
      if (CALLS.has(s.op)) {
        const target = addressOf(stackAt(s, 1));
        const hasValue = s.op === "CALL" || s.op === "CALLCODE";
        const argsOffset = Number(stackAt(s, hasValue ? 3 : 2));
        const argsSize = Number(stackAt(s, hasValue ? 4 : 3));
        const selector = argsSize >= 4 ? hexlify(memorySlice(s.memory, argsOffset, 4)) : "0x";
        if (next !== undefined && next.depth > depth) {
          const inner =
            s.op === "DELEGATECALL" || s.op === "CALLCODE" ? walk(i + 1, target, storage) : walk(i + 1, target, target);
          const after = logs[inner.end];
          const gas = s.gas - (after?.gas ?? 0);
          add("call", `${s.op} ${nameOf(target)}.${selectorName(selector)}`, gas, inner.items);
          i = inner.end;
          continue;
        }
        const gas = s.gas - (next?.gas ?? s.gas - s.gasCost);
        const precompile = PRECOMPILES[Number(BigInt(target))];
        if (precompile !== undefined) add("precompile", `${s.op} ${precompile}`, gas);
        else add("call", `${s.op} ${nameOf(target)} (no code ran)`, gas);
      } else if (s.op === "SLOAD") {
        const slot = namer.name(storage, stackAt(s, 0));
        add("storage-read", `SLOAD ${s.gasCost >= 2_100 ? "cold" : "warm"} ${slot}`, s.gasCost);
      } else if (s.op === "SSTORE") {
        const slot = namer.name(storage, stackAt(s, 0));
        add("storage-write", `SSTORE (${sstoreKind(s.gasCost)}) ${slot}`, s.gasCost);
      } else if (s.op === "TLOAD" || s.op === "TSTORE") {
        const key = stackAt(s, 0);
        const fixed = ctx.fixedSlots[word(key)];
        const slot =
          fixed ?? (preimages.has(word(key)) ? "a keccak-derived key (batch-proven leaf lookup)" : word(key));
        add("transient", `${s.op} ${slot}`, s.gasCost);
      } else if (s.op.startsWith("LOG")) {
        const topics = Number(s.op.slice(3));
        const name = topics === 0 ? "anonymous" : eventName(word(stackAt(s, 2)));
        add("log", `${s.op} ${name} (${Number(stackAt(s, 1))} data bytes)`, s.gasCost);
      } else if (s.op === "KECCAK256" || s.op === "SHA3") {
        add("keccak", "KECCAK256", s.gasCost);
      } else {
        const fn = ctx.functions?.[code]?.get(s.pc);
        add(
          "rest",
          `arithmetic, stack, jumps, memory, calldata reads, checks${fn === undefined ? "" : ` in ${fn}`}`,
          s.gasCost,
        );
      }
      i += 1;
    }
    return { items: [...items.values()], end: i };
  };

  const to = tx.to.toLowerCase();
  const { items } = walk(0, to, to);
  const bytes = getBytes(tx.data);
  const zeroBytes = bytes.filter((b) => b === 0).length;
  const calldata = zeroBytes * 4 + (bytes.length - zeroBytes) * 16;
  const base = 21_000;
  const execution = items.reduce((sum, item) => sum + item.gas, 0);
  const lastRefund = logs.at(-1)!.refund ?? 0;
  const refund = Math.min(lastRefund, Math.floor((base + calldata + execution) / 5));
  const total = base + calldata + execution - refund;
  if (total !== trace.gas) {
    throw new Error(
      `trace: the parts add up to ${total} (base ${base} + calldata ${calldata} + execution ${execution} - refund ` +
        `${refund}) but the transaction used ${trace.gas} (an EIP-7623 calldata floor, or an unknown cost)`,
    );
  }
  const byKind: Record<string, number> = { intrinsic: base + calldata };
  for (const item of items) byKind[item.kind] = (byKind[item.kind] ?? 0) + item.gas;
  if (refund !== 0) byKind.refund = -refund;
  return {
    gasUsed: trace.gas,
    intrinsic: { base, calldata, calldataBytes: bytes.length, zeroBytes },
    refund,
    items,
    byKind,
  };
}

/** The ERC-7201 slot of a namespace id (`keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~0xff`). */
export function erc7201(id: string): string {
  const inner = BigInt(keccak256(new TextEncoder().encode(id))) - 1n;
  return word(BigInt(keccak256(zeroPadValue(toBeHex(inner), 32))) & ~0xffn);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** A breakdown as Markdown rows: `| where | what | count | gas |`, a call's own parts indented under it. */
export function breakdownRows(b: GasBreakdown): string[] {
  const rows: string[] = [
    `| tx | intrinsic: base | 1 | ${fmt(b.intrinsic.base)} |`,
    `| tx | intrinsic: calldata (${b.intrinsic.calldataBytes} bytes, ${b.intrinsic.zeroBytes} zero) | 1 | ${fmt(b.intrinsic.calldata)} |`,
  ];
  const order = ["storage-read", "storage-write", "transient", "call", "precompile", "log", "keccak", "rest"];
  const sorted = (items: GasItem[]) =>
    [...items].sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind) || y.gas - x.gas);
  const emit = (items: GasItem[], indent: string) => {
    for (const item of sorted(items)) {
      const what = item.what.replace(/\|/g, "\\|");
      rows.push(`| ${indent}${item.where} | ${what} | ${item.count} | ${fmt(item.gas)} |`);
      if (item.inner !== undefined) emit(item.inner, indent + "↳ ");
    }
  };
  emit(b.items, "");
  if (b.refund !== 0) rows.push(`| tx | refund | 1 | -${fmt(b.refund)} |`);
  rows.push(`| **total** | **= receipt gasUsed** | | **${fmt(b.gasUsed)}** |`);
  return rows;
}

/** Storage layouts of contracts by name (`{ RewardPool: "contracts/RewardPool.sol" }`), recompiled from the build-info
 * input that holds each source, for the layout alone. Needs `npx hardhat build` first. */
export function storageLayouts(names: Record<string, string>): Record<string, StorageLayout> {
  const dir = join("artifacts", "build-info");
  const solc = require("solc") as { compile(input: string): string };
  const wanted = new Map(Object.entries(names)); // contract name -> source path
  const found: Record<string, StorageLayout> = {};
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".json") || file.endsWith(".output.json") || wanted.size === 0) continue;
    const { input } = JSON.parse(readFileSync(join(dir, file), "utf8")) as { input: Record<string, any> };
    const here = [...wanted].flatMap(([name, source]) => {
      const key = Object.keys(input.sources as object).find((k) => k.endsWith(source));
      return key === undefined ? [] : [[name, key] as const];
    });
    if (here.length === 0) continue;
    input.settings = {
      ...input.settings,
      viaIR: false,
      optimizer: { enabled: false },
      outputSelection: Object.fromEntries(here.map(([name, key]) => [key, { [name]: ["storageLayout"] }])),
    };
    const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
      contracts?: Record<string, Record<string, { storageLayout: StorageLayout }>>;
      errors?: { severity: string; formattedMessage: string }[];
    };
    const error = out.errors?.find((e) => e.severity === "error");
    if (error !== undefined) throw new Error(`storage layout: ${error.formattedMessage}`);
    for (const [name, key] of here) {
      const layout = out.contracts?.[key]?.[name]?.storageLayout;
      if (layout === undefined) throw new Error(`storage layout: ${name} not found in ${key}`);
      found[name] = layout;
      wanted.delete(name);
    }
  }
  if (wanted.size !== 0) throw new Error(`storage layout: run npx hardhat build first (${[...wanted.keys()]})`);
  return found;
}

interface AstNode {
  nodeType?: string;
  name?: string;
  kind?: string;
  src?: string;
  nodes?: AstNode[];
  body?: AstNode;
  [key: string]: unknown;
}

/**
 * For deployed code, the function each instruction comes from: the build's source map (pc → source range) and the
 * AST (the innermost function or modifier whose source holds that range), as `Contract.function`. With viaIR the
 * optimizer inlines, so an instruction is charged to the function whose source it was compiled from. Finds the build
 * whose deployed bytecode is `deployedCode` (immutables masked); undefined when none is.
 */
export function functionsByPc(contract: string, source: string, deployedCode: string): Map<number, string> | undefined {
  const dir = join("artifacts", "build-info");
  const code = getBytes(deployedCode);
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".output.json")) continue;
    const { output } = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      output: {
        contracts: Record<string, Record<string, { evm: { deployedBytecode: Record<string, any> } }>>;
        sources: Record<string, { id: number; ast: AstNode }>;
      };
    };
    const key = Object.keys(output.contracts).find((k) => k.endsWith(source));
    const compiled = key === undefined ? undefined : output.contracts[key]![contract]?.evm.deployedBytecode;
    if (compiled === undefined) continue;
    const object = getBytes("0x" + (compiled.object as string));
    if (object.length !== code.length) continue;
    const masked = new Uint8Array(code);
    for (const refs of Object.values(
      compiled.immutableReferences as Record<string, { start: number; length: number }[]>,
    )) {
      for (const { start, length } of refs) masked.set(object.subarray(start, start + length), start);
    }
    if (hexlify(masked) !== hexlify(object)) continue;

    // Functions and modifiers by source file, innermost first when ranges nest.
    const byFile = new Map<number, { start: number; end: number; name: string }[]>();
    for (const { id, ast } of Object.values(output.sources)) {
      const ranges: { start: number; end: number; name: string }[] = [];
      const visit = (node: AstNode, owner: string) => {
        const name = node.nodeType === "ContractDefinition" ? (node.name ?? owner) : owner;
        if ((node.nodeType === "FunctionDefinition" || node.nodeType === "ModifierDefinition") && node.src) {
          const [start, length] = node.src.split(":").map(Number) as [number, number];
          const fn = node.name || node.kind || "function";
          ranges.push({ start, end: start + length, name: `${name}.${fn}` });
        }
        for (const value of Object.values(node)) {
          const children: unknown[] = Array.isArray(value) ? value : [value];
          for (const child of children) {
            if (child !== null && typeof child === "object" && "nodeType" in child) visit(child as AstNode, name);
          }
        }
      };
      visit(ast, "");
      byFile.set(id, ranges);
    }
    const functionAt = (file: number, start: number, length: number) => {
      let best: { start: number; end: number; name: string } | undefined;
      for (const r of byFile.get(file) ?? []) {
        if (
          r.start <= start &&
          start + length <= r.end &&
          (best === undefined || r.end - r.start < best.end - best.start)
        ) {
          best = r;
        }
      }
      return best?.name ?? "(compiler-generated: dispatch, ABI, checks)";
    };

    // Instruction index → pc, and the source map decompressed.
    const pcs: number[] = [];
    for (let pc = 0; pc < object.length; pc++) {
      pcs.push(pc);
      const op = object[pc]!;
      if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f;
    }
    const map = new Map<number, string>();
    let [s, l, f] = [0, 0, -1];
    (compiled.sourceMap as string).split(";").forEach((entry, i) => {
      const parts = entry.split(":");
      if (parts[0]) s = Number(parts[0]);
      if (parts[1]) l = Number(parts[1]);
      if (parts[2]) f = Number(parts[2]);
      const pc = pcs[i];
      if (pc !== undefined) map.set(pc, f < 0 ? "(compiler-generated: dispatch, ABI, checks)" : functionAt(f, s, l));
    });
    return map;
  }
  return undefined;
}
