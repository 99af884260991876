/** Named test accounts from the in-process chain's funded signers. */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

export interface Accounts {
  admin: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  attester: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
  /** Five more signers, for verifier sets. */
  verifiers: HardhatEthersSigner[];
}

export async function accounts(ethers: HardhatEthers): Promise<Accounts> {
  const all = await ethers.getSigners();
  const at = (i: number): HardhatEthersSigner => {
    const signer = all[i];
    if (signer === undefined) throw new Error(`the test chain has no signer #${i}`);
    return signer;
  };
  return {
    admin: at(0),
    alice: at(1),
    bob: at(2),
    attester: at(3),
    stranger: at(4),
    guardian: at(5),
    relayer: at(6),
    verifiers: [7, 8, 9, 10, 11].map(at),
  };
}
