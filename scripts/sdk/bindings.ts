/**
 * Copies the contract bindings Hardhat's typechain plugin generates (`types/`, ethers-v6 types and factories with
 * their ABIs) into the SDK (`sdk/src/contracts/`), so the SDK stands alone: importing it needs no compile step.
 * `npm run sdk:bindings` after changing a contract; test/unit/SdkBindings.test.ts fails when they drift.
 *
 *   npm run build && npm run sdk:bindings
 */
import { cp, mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";

import { BINDINGS_DIR, GENERATED_DIR, bindingFiles } from "./files.js";

await rm(BINDINGS_DIR, { recursive: true, force: true });
const files = await bindingFiles(GENERATED_DIR);
for (const file of files) {
  await mkdir(dirname(`${BINDINGS_DIR}/${file}`), { recursive: true });
  await cp(`${GENERATED_DIR}/${file}`, `${BINDINGS_DIR}/${file}`);
}
console.log(`copied ${files.length} binding files from ${GENERATED_DIR}/ to ${BINDINGS_DIR}/`);
