/**
 * The invariant campaign at bench size: runs the pool's Hardhat Solidity invariant test with
 * DEPIN_INVARIANT_PROFILE=bench (800 runs × depth 64 = 51,200 handler calls per invariant, each invariant its own
 * campaign; see hardhat.config.ts), each run
 * appending its figures to bench/invariant-runs.jsonl, and reports calls, depth, calls by action, reverts by
 * reason and the invariants held. Writes bench/invariant.json.
 *
 *   npm run bench:invariant
 */
import { spawnSync } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";

import { Interface, toUtf8String } from "ethers";

import { contracts } from "../../sdk/src/index.js";

const REPORT = "bench/invariant-runs.jsonl";
const TEST = "test/solidity/RewardPool.invariant.t.sol";

await mkdir("bench", { recursive: true });
await rm(REPORT, { force: true });
const started = Date.now();
const run = spawnSync("npx", ["hardhat", "test", "solidity", TEST], {
  env: { ...process.env, DEPIN_INVARIANT_PROFILE: "bench", DEPIN_INVARIANT_REPORT: REPORT },
  encoding: "utf8",
  maxBuffer: 1 << 28,
});
const seconds = Math.round((Date.now() - started) / 1000);
const output = `${run.stdout}${run.stderr}`;
const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
if (run.status !== 0) console.error(plain.slice(-4000));
const held = [...plain.matchAll(/✔ (invariant_\w+)\(\) \(runs: (\d+)\)/g)].map((m) => ({
  name: m[1]!,
  runs: Number(m[2]),
}));
const broken = [...plain.matchAll(/\d+\) \w+#(invariant_\w+)\(\)/g)].map((m) => m[1]!);

// Error selectors: the pool's and the registry's ABIs, OpenZeppelin's guard and ERC-20 errors, Error(string).
const errors = new Interface([
  ...contracts.IRewardPool__factory.abi.filter((f) => f.type === "error"),
  ...contracts.DeviceRegistry__factory.abi.filter((f) => f.type === "error"),
  "error ReentrancyGuardReentrantCall()",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error Error(string)",
  "error Panic(uint256)",
]);
const nameOf = (word: string) => {
  const selector = word.slice(0, 10);
  if (selector === "0x00000000") return "(no data)";
  return errors.getError(selector)?.name ?? selector;
};
const actionOf = (word: string) => toUtf8String(word.replace(/(00)+$/, ""));

interface RunLine {
  calls: number;
  reverts: Record<string, number>;
  actions: Record<string, number>;
}
// Campaigns run in parallel and append concurrently: split on each object's start rather than on newlines.
const lines = (await readFile(REPORT, "utf8").catch(() => ""))
  .split(/(?=\{"calls":)/)
  .map((l) => l.trim())
  .filter((l) => l !== "")
  .map((l) => JSON.parse(l) as RunLine);
const reverts: Record<string, number> = {};
const actions: Record<string, number> = {};
let calls = 0;
for (const line of lines) {
  calls += line.calls;
  for (const [word, n] of Object.entries(line.reverts)) reverts[nameOf(word)] = (reverts[nameOf(word)] ?? 0) + n;
  for (const [word, n] of Object.entries(line.actions)) actions[actionOf(word)] = (actions[actionOf(word)] ?? 0) + n;
}
const sorted = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).sort((a, b) => b[1] - a[1]));
const result = {
  benchmark: "invariant campaign (RewardPool.invariant.t.sol, bench profile)",
  generatedAt: new Date().toISOString(),
  seconds,
  runs: lines.length,
  depth: lines.length === 0 ? 0 : Math.max(...lines.map((l) => l.calls)),
  calls,
  invariantsHeld: held.map((h) => h.name),
  invariantsBroken: broken,
  callsByAction: sorted(actions),
  revertsByReason: sorted(reverts),
};
console.log(JSON.stringify(result, null, 2));
await writeFile("bench/invariant.json", JSON.stringify(result, null, 2) + "\n");
console.log(`wrote bench/invariant.json (${calls} calls in ${lines.length} runs, ${seconds} s)`);
if (run.status !== 0 || broken.length > 0 || calls < 50_000) {
  console.error(plain.slice(-4000));
  process.exit(1);
}
