/**
 * Signed registrations as CSV, so a fleet can be assembled in a spreadsheet or with `cat`: one row per device, the
 * columns below (a header row first), in the same fields `depin device sign` prints as JSON. Pure: no I/O; parsing
 * goes through csv-parse (RFC 4180), and every field is checked, naming the row and column of the first bad one.
 */
import { parse } from "csv-parse/sync";
import { getAddress, isAddress, isHexString } from "ethers";

import { InvalidInputError } from "../errors/base.js";
import { KeyType, NO_ATTESTATION, type SignedRegistration } from "./registry.js";

/**
 * The columns, in order. `keyType` is `secp256k1` or `p256`; `key` the device key (20-byte address or 64-byte
 * P-256 point); `metadataHash` 32 bytes; `payout` an address (zero: the owner); `deadline` unix seconds;
 * `signatureR` and `signatureVs` the device's compact signature; `attester` and `attestationSignature` the
 * co-signature in networks that require one (zero address and `0x` otherwise).
 */
export const FLEET_CSV_COLUMNS = [
  "keyType",
  "key",
  "metadataHash",
  "payout",
  "deadline",
  "signatureR",
  "signatureVs",
  "attester",
  "attestationSignature",
] as const;

type Column = (typeof FLEET_CSV_COLUMNS)[number];

const KEY_TYPE_NAMES: Record<string, KeyType> = { secp256k1: KeyType.Secp256k1, p256: KeyType.P256 };

/** Signed registrations as CSV rows, with the header row unless `header` is false. */
export function formatFleetCsv(list: readonly SignedRegistration[], options: { header?: boolean } = {}): string {
  const rows = list.map(({ registration: r, attestation: a }) =>
    [
      r.keyType === KeyType.P256 ? "p256" : "secp256k1",
      r.key,
      r.metadataHash,
      r.payout,
      r.deadline.toString(),
      r.signature.r,
      r.signature.vs,
      a.attester,
      a.signature,
    ].join(","),
  );
  return [...(options.header === false ? [] : [FLEET_CSV_COLUMNS.join(",")]), ...rows].join("\n") + "\n";
}

/**
 * Reads signed registrations from CSV (a header row naming `FLEET_CSV_COLUMNS`, in any order, then one row per
 * device). Throws `InvalidInputError` naming the file, the line and the column of the first bad field; nothing is
 * returned unless every row is good.
 * @example const fleet = parseFleetCsv(await readFile("fleet.csv", "utf8"), "fleet.csv");
 */
export function parseFleetCsv(text: string, source = "the CSV"): SignedRegistration[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
  } catch (cause) {
    const line = (cause as { lines?: number }).lines;
    throw new InvalidInputError(`${source}${line === undefined ? "" : ` line ${line}`} is not valid CSV`, {
      details: (cause as Error).message,
      cause,
    });
  }
  const [header, ...rows] = records;
  if (header === undefined || rows.length === 0) {
    throw new InvalidInputError(`${source} lists no device`, {
      details: `a header row (${FLEET_CSV_COLUMNS.join(",")}) and one row per device`,
    });
  }
  const position = new Map<Column, number>();
  header.record.forEach((name, i) => {
    if (!(FLEET_CSV_COLUMNS as readonly string[]).includes(name)) {
      throw new InvalidInputError(`${source} line ${header.info.lines}: unknown column "${name}"`, {
        details: `the columns are ${FLEET_CSV_COLUMNS.join(",")}`,
      });
    }
    position.set(name as Column, i);
  });
  for (const column of FLEET_CSV_COLUMNS) {
    if (!position.has(column)) {
      throw new InvalidInputError(`${source}: the header has no "${column}" column`, {
        details: `the columns are ${FLEET_CSV_COLUMNS.join(",")} (what \`depin device sign --csv\` prints)`,
      });
    }
  }
  return rows.map(({ record, info }): SignedRegistration => {
    const field = (column: Column): string => record[position.get(column)!]!;
    const bad = (column: Column, expected: string) =>
      new InvalidInputError(`${source} line ${info.lines}, column ${column}: "${field(column)}" is not ${expected}`, {
        details: "each row is what `depin device sign --csv` prints",
      });
    const hex = (column: Column, bytes?: number) => {
      const v = field(column);
      if (!isHexString(v, bytes)) throw bad(column, bytes === undefined ? "hex (0x…)" : `${bytes} bytes of hex`);
      return v;
    };
    const address = (column: Column) => {
      if (!isAddress(field(column))) throw bad(column, "an address");
      return getAddress(field(column));
    };
    const keyType = KEY_TYPE_NAMES[field("keyType")];
    if (keyType === undefined) throw bad("keyType", "secp256k1 or p256");
    if (!/^\d+$/.test(field("deadline"))) throw bad("deadline", "unix seconds");
    const key = hex("key", keyType === KeyType.P256 ? 64 : 20);
    const attester = address("attester");
    return {
      registration: {
        keyType,
        key,
        metadataHash: hex("metadataHash", 32),
        payout: address("payout"),
        deadline: BigInt(field("deadline")),
        signature: { r: hex("signatureR", 32), vs: hex("signatureVs", 32) },
      },
      attestation:
        attester === NO_ATTESTATION.attester && field("attestationSignature") === "0x"
          ? { ...NO_ATTESTATION }
          : { attester, signature: hex("attestationSignature") },
    };
  });
}
