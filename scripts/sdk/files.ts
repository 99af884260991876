/** Where the generated bindings come from and go, and which files are bindings (not Hardhat's type augmentation). */
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";

export const GENERATED_DIR = "types";
export const BINDINGS_DIR = "sdk/src/contracts";

/** Every binding file under `dir`, relative to it, sorted; `hardhat.d.ts` (Hardhat's own typings) is not one. */
export async function bindingFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && e.name !== "hardhat.d.ts")
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * A binding file's text with typechain's run-to-run noise removed: the export lines of an `index.ts` come in the
 * order contracts were compiled, so they are sorted; every other file is kept as generated.
 */
export function normalizeBinding(file: string, text: string): string {
  if (!file.endsWith("index.ts")) return text;
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const header = lines.filter((l) => l.startsWith("/*"));
  const body = lines.filter((l) => !l.startsWith("/*")).sort();
  return [...header, ...body].join("\n") + "\n";
}
