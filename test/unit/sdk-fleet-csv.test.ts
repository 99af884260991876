import { expect } from "chai";
import { id } from "ethers";

import {
  buildRegistration,
  FLEET_CSV_COLUMNS,
  formatFleetCsv,
  InvalidInputError,
  P256DeviceKey,
  parseFleetCsv,
  registryDomain,
  Secp256k1DeviceKey,
  type SignedRegistration,
} from "../../sdk/src/index.js";

const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PAYOUT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

async function fleet(): Promise<SignedRegistration[]> {
  const domain = registryDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  return Promise.all([
    buildRegistration({
      device: Secp256k1DeviceKey.random(),
      domain,
      owner: OWNER,
      networkId: 1n,
      deadline: 1_900_000_000n,
    }),
    buildRegistration({
      device: P256DeviceKey.random(),
      domain,
      owner: OWNER,
      networkId: 1n,
      metadataHash: id("dashcam v2"),
      payout: PAYOUT,
      deadline: 1_900_000_001n,
    }),
  ]);
}

/** The InvalidInputError `parseFleetCsv(text)` throws. */
function refusal(text: string): InvalidInputError {
  try {
    parseFleetCsv(text, "fleet.csv");
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  return expect.fail("expected the CSV to be refused");
}

describe("Fleet CSV (parseFleetCsv, formatFleetCsv)", function () {
  it("reads back what it writes, secp256k1 and P-256 rows, with or without attestations", async function () {
    const signed = await fleet();
    const text = formatFleetCsv(signed);
    expect(text.split("\n")[0]).to.equal(FLEET_CSV_COLUMNS.join(","));
    expect(parseFleetCsv(text)).to.deep.equal(signed);
    // Rows written without a header join under one header; columns may come in any order.
    const joined = formatFleetCsv([signed[0]!]) + formatFleetCsv([signed[1]!], { header: false });
    expect(parseFleetCsv(joined)).to.deep.equal(signed);
    const [header, ...rows] = text.trim().split("\n");
    const order = [...FLEET_CSV_COLUMNS.keys()].reverse();
    const reordered = [header!, ...rows]
      .map((line) => {
        const cells = line.split(",");
        return order.map((i) => cells[i]).join(",");
      })
      .join("\n");
    expect(parseFleetCsv(reordered)).to.deep.equal(signed);
  });

  it("names the line and the column of a malformed field", async function () {
    const lines = formatFleetCsv(await fleet())
      .trim()
      .split("\n");
    const cells = lines[2]!.split(",");
    cells[FLEET_CSV_COLUMNS.indexOf("deadline")] = "tomorrow";
    const error = refusal([lines[0], lines[1], cells.join(",")].join("\n"));
    expect(error.message).to.contain('fleet.csv line 3, column deadline: "tomorrow" is not unix seconds');

    const badKey = lines[1]!.split(",");
    badKey[FLEET_CSV_COLUMNS.indexOf("key")] = "0x1234";
    expect(refusal([lines[0], badKey.join(",")].join("\n")).message).to.contain(
      'line 2, column key: "0x1234" is not 20 bytes of hex',
    );
    const badType = lines[1]!.split(",");
    badType[0] = "ed25519";
    expect(refusal([lines[0], badType.join(",")].join("\n")).message).to.contain("column keyType");
  });

  it("refuses a row with a missing field, an unknown or missing column, and a file without devices", async function () {
    const lines = formatFleetCsv(await fleet())
      .trim()
      .split("\n");
    const short = lines[1]!.split(",").slice(0, -1).join(",");
    expect(refusal([lines[0], short].join("\n")).message).to.contain("fleet.csv line 2 is not valid CSV");
    expect(refusal([lines[0]!.replace("payout", "payee"), lines[1]].join("\n")).message).to.contain(
      'unknown column "payee"',
    );
    const withoutPayout = [lines[0]!, lines[1]!].map((l) =>
      l
        .split(",")
        .filter((_, i) => i !== 3)
        .join(","),
    );
    expect(refusal(withoutPayout.join("\n")).message).to.contain('the header has no "payout" column');
    expect(refusal(lines[0]!).message).to.contain("lists no device");
  });
});
