/**
 * Decoding the logs of the registry, the factory and the pools with the contracts' own ABIs (the checked-in
 * bindings), into rows the index stores: the event's name and its arguments as JSON (amounts as decimal strings,
 * addresses checksummed, structs as objects), next to the raw topics and data.
 */
import { Interface, getAddress, type EventFragment, type Log, type ParamType, type Result } from "ethers";

import {
  DeviceRegistry__factory,
  RewardPoolFactory__factory,
  RewardPoolGovernance__factory,
  RewardPool__factory,
} from "../contracts/index.js";

export type IndexedContract = "registry" | "factory" | "pool";

/** A JSON value as stored in `events.args`. */
export type ArgValue = string | number | boolean | null | ArgValue[] | { [key: string]: ArgValue };
export type EventArgs = Record<string, ArgValue>;

/** One indexed log, as stored in `events`. */
export interface EventRow {
  blockNumber: number;
  logIndex: number;
  txHash: string;
  txIndex: number;
  address: string;
  contract: IndexedContract;
  name: string | null;
  args: EventArgs | null;
  topics: string[];
  data: string;
}

/** A pool's ABI is its two halves' (value moves in RewardPool, governance and setup by delegatecall). */
function poolInterface(): Interface {
  const seen = new Set<string>();
  const fragments = [...RewardPool__factory.abi, ...RewardPoolGovernance__factory.abi].filter((f) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return new Interface(fragments.filter((f) => f.type === "event" || f.type === "error"));
}

export const EVENT_INTERFACES: Readonly<Record<IndexedContract, Interface>> = {
  registry: DeviceRegistry__factory.createInterface() as unknown as Interface,
  factory: RewardPoolFactory__factory.createInterface() as unknown as Interface,
  pool: poolInterface(),
};

/** Decodes one log of a contract of `contract`'s kind; an unknown topic keeps `name` and `args` null. */
export function decodeLog(contract: IndexedContract, log: Log): EventRow {
  let name: string | null = null;
  let args: EventArgs | null = null;
  const parsed = EVENT_INTERFACES[contract].parseLog({ topics: [...log.topics], data: log.data });
  if (parsed !== null) {
    name = parsed.name;
    args = argsOf(parsed.fragment, parsed.args);
  }
  return {
    blockNumber: log.blockNumber,
    logIndex: log.index,
    txHash: log.transactionHash,
    txIndex: log.transactionIndex,
    address: getAddress(log.address),
    contract,
    name,
    args,
    topics: [...log.topics],
    data: log.data,
  };
}

function argsOf(fragment: EventFragment, values: Result): EventArgs {
  const out: EventArgs = {};
  fragment.inputs.forEach((input, i) => {
    out[input.name || `arg${i}`] = jsonOf(input, values[i]);
  });
  return out;
}

function jsonOf(type: ParamType, value: unknown): ArgValue {
  if (type.baseType === "tuple") {
    const r = value as Result;
    const out: Record<string, ArgValue> = {};
    (type.components ?? []).forEach((c, i) => (out[c.name || `arg${i}`] = jsonOf(c, r[i])));
    return out;
  }
  if (type.baseType === "array") return [...(value as Result)].map((v) => jsonOf(type.arrayChildren!, v));
  if (typeof value === "bigint") return value.toString();
  if (type.baseType === "address") return getAddress(value as string);
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "number") return value;
  throw new Error(`cannot store a ${type.type} argument of ${typeof value}`);
}
