/**
 * What every benchmark shares, chain or not: the `bench/` folder (untracked: each run rewrites it), the run's
 * metadata (commit, date, machine) and one JSON file per benchmark. No Hardhat here, so the runner (`run.ts`) and
 * the pure tree benchmark can import it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

export const BENCH_DIR = "bench";

/** Gas figures by key (integers), as `bench/results.json` collects them. */
export type GasFigures = Record<string, number>;

/** The commit measured: `git rev-parse --short HEAD`, marked `-dirty` when tracked files differ from it. */
export function gitCommit(): string {
  const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();
  try {
    const head = git("rev-parse", "--short", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") === "" ? head : `${head}-dirty`;
  } catch {
    return "unknown";
  }
}

export interface RunInfo {
  commit: string;
  date: string;
  node: string;
  cpus: string;
  /** 1, 5 and 15-minute load averages when the file was written: the machine is shared, so timings carry them. */
  loadAverage: number[];
}

export function runInfo(): RunInfo {
  const cores = cpus();
  return {
    commit: gitCommit(),
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${cores.length} × ${cores[0]?.model.trim() ?? "unknown"}`,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** Writes `bench/<name>.json` (the run's metadata first) and returns its path. */
export function writeBenchFile(name: string, body: Record<string, unknown>): string {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `${name}.json`);
  writeFileSync(path, JSON.stringify({ benchmark: name, run: runInfo(), ...body }, null, 2) + "\n");
  return path;
}

/** `bench/<name>.json` as a benchmark wrote it, or undefined when that benchmark has not run. */
export function readBenchFile<T = Record<string, unknown>>(name: string): T | undefined {
  const path = join(BENCH_DIR, `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
}

/** 12,345 */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
