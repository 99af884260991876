/**
 * Copies the contract bindings Hardhat's typechain plugin generates (`types/`, ethers-v6 types and factories with
 * their ABIs) into the SDK (`sdk/src/contracts/`), so the SDK stands alone: importing it needs no compile step.
 * `npm run sdk:bindings` after changing a contract; test/unit/SdkBindings.test.ts fails when they drift.
 *
 *   npm run build && npm run sdk:bindings
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { BINDINGS_DIR, GENERATED_DIR, bindingFiles, normalizeBinding } from "./files.js";

await rm(BINDINGS_DIR, { recursive: true, force: true });
const files = await bindingFiles(GENERATED_DIR);
for (const file of files) {
  await mkdir(dirname(`${BINDINGS_DIR}/${file}`), { recursive: true });
  const text = await readFile(`${GENERATED_DIR}/${file}`, "utf8");
  await writeFile(`${BINDINGS_DIR}/${file}`, normalizeBinding(file, text));
}
console.log(`copied ${files.length} binding files from ${GENERATED_DIR}/ to ${BINDINGS_DIR}/`);
