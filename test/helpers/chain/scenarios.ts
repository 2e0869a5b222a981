/**
 * The chain the backend contract and sync tests run against, with what each wallet should see.
 *  - alice (BIP-84, wpkh): funded at receive 0 and 1; spends receive 0 to a stranger with change to
 *    change/0 (fee 10,000); receives in a transaction that also pays bob; an unconfirmed payment
 *    to receive 3 that `confirmPending()` mines later.
 *  - bob (BIP-86, tr): paid in the same transaction as alice (receive 0).
 *  - gap19 (BIP-84 account 1): only receive 19 used → found with gap limit 20.
 *  - gap20 (BIP-84 account 2): only receive 20 used, nothing between → not found with gap limit 20.
 *  - carol (BIP-49, sh(wpkh)): receive 1 paid 30 times (Esplora pages its confirmed history by 25).
 */
import { FakeChain } from './fake-chain.js';
import { testAccount, type TestAccount } from './test-accounts.js';

export interface WalletExpectation {
  account: TestAccount;
  confirmed: number;
  unconfirmed: number;
  /** txid → net amount to the wallet (sats) */
  amounts: Map<string, number>;
  usedReceive: number[];
  usedChange: number[];
}

export interface Scenario {
  chain: FakeChain;
  alice: WalletExpectation;
  bob: WalletExpectation;
  gap19: WalletExpectation;
  gap20: WalletExpectation;
  carol: WalletExpectation;
  txids: { aliceFund0: string; aliceFund1: string; aliceSpend: string; shared: string; pending: string };
  /** Mines the pending payment to alice; afterwards alice has no unconfirmed balance. */
  confirmPending(): void;
}

/** Someone outside every test wallet. */
const STRANGER = testAccount('p2wpkh', 9).address(0, 0).address;

export function buildScenario(): Scenario {
  const chain = new FakeChain();
  chain.mine(5);
  const expect = (account: TestAccount): WalletExpectation => ({
    account,
    confirmed: 0,
    unconfirmed: 0,
    amounts: new Map(),
    usedReceive: [],
    usedChange: [],
  });
  const alice = expect(testAccount('p2wpkh', 0));
  const bob = expect(testAccount('p2tr', 0));
  const gap19 = expect(testAccount('p2wpkh', 1));
  const gap20 = expect(testAccount('p2wpkh', 2));
  const carol = expect(testAccount('p2sh-p2wpkh', 0));

  const a0 = alice.account.address(0, 0);
  const aliceFund0 = chain.fund([{ address: a0.address, value: 1_000_000 }]);
  const aliceFund1 = chain.fund([{ address: alice.account.address(0, 1).address, value: 200_000 }]);
  chain.mine();
  const aliceSpend = chain.spend(
    [{ txid: aliceFund0, vout: 0, privateKey: a0.privateKey, type: 'p2wpkh' }],
    [
      { address: STRANGER, value: 300_000 },
      { address: alice.account.address(1, 0).address, value: 690_000 },
    ],
  );
  const shared = chain.fund([
    { address: alice.account.address(0, 2).address, value: 150_000 },
    { address: bob.account.address(0, 0).address, value: 250_000 },
  ]);
  chain.fund([{ address: gap19.account.address(0, 19).address, value: 50_000 }]);
  chain.fund([{ address: gap20.account.address(0, 20).address, value: 60_000 }]);
  for (let i = 0; i < 30; i++) {
    chain.fund([{ address: carol.account.address(0, 1).address, value: 10_000 + i }]);
    if (i % 10 === 9) chain.mine();
  }
  chain.mine();
  const pending = chain.fund([{ address: alice.account.address(0, 3).address, value: 75_000 }]);

  alice.amounts = new Map([
    [aliceFund0, 1_000_000],
    [aliceFund1, 200_000],
    [aliceSpend, -310_000],
    [shared, 150_000],
    [pending, 75_000],
  ]);
  alice.confirmed = 200_000 + 690_000 + 150_000;
  alice.unconfirmed = 75_000;
  alice.usedReceive = [0, 1, 2, 3];
  alice.usedChange = [0];
  bob.amounts = new Map([[shared, 250_000]]);
  bob.confirmed = 250_000;
  bob.usedReceive = [0];
  gap19.confirmed = 50_000;
  gap19.usedReceive = [19];
  for (const { txid } of chain.history(gap19.account.address(0, 19).script)) gap19.amounts.set(txid, 50_000);
  carol.usedReceive = [1];
  for (const { txid } of chain.history(carol.account.address(0, 1).script)) {
    const value = chain.tx(txid)!.vout.find((o) => o.script === carol.account.address(0, 1).script)!.value;
    carol.amounts.set(txid, value);
    carol.confirmed += value;
  }

  return {
    chain,
    alice,
    bob,
    gap19,
    gap20,
    carol,
    txids: { aliceFund0, aliceFund1, aliceSpend, shared, pending },
    confirmPending() {
      chain.mine();
      alice.confirmed += alice.unconfirmed;
      alice.unconfirmed = 0;
    },
  };
}
