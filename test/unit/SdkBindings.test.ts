/**
 * The SDK's checked-in contract bindings (`sdk/src/contracts/`) are exactly what typechain generates from today's
 * contracts (`types/`, rebuilt by `npm test` before this runs): a contract change without `npm run sdk:bindings`
 * fails here.
 */
import { readFile } from "node:fs/promises";

import { expect } from "chai";

import { BINDINGS_DIR, GENERATED_DIR, bindingFiles, normalizeBinding } from "../../scripts/sdk/files.js";

describe("SDK contract bindings", function () {
  it("match the bindings generated from the compiled contracts, file for file", async function () {
    const generated = await bindingFiles(GENERATED_DIR);
    expect(generated.length, "run `npm run build` first").to.be.greaterThan(0);
    expect(await bindingFiles(BINDINGS_DIR), "run `npm run sdk:bindings`").to.deep.equal(generated);
    for (const file of generated) {
      const [fresh, checkedIn] = await Promise.all([
        readFile(`${GENERATED_DIR}/${file}`, "utf8"),
        readFile(`${BINDINGS_DIR}/${file}`, "utf8"),
      ]);
      expect(checkedIn, `${BINDINGS_DIR}/${file} drifted: run \`npm run sdk:bindings\``).to.equal(
        normalizeBinding(file, fresh),
      );
    }
  });
});
