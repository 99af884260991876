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
