/** The validator of each type, in one registry that index.ts and batch.ts share. */
import { validateAddress } from './address.js';
import { validateAmount } from './amount.js';
import { validateBolt11 } from './bolt11.js';
import { validateDescriptor } from './descriptor.js';
import { validatePassword } from './password.js';
import { validateTxid } from './txid.js';
import type { ValidationType, Validator } from './types.js';
import { validateUsername } from './username.js';
import { validateXpub } from './xpub.js';

export const validators: Readonly<Record<ValidationType, Validator>> = Object.freeze({
  address: validateAddress,
  xpub: validateXpub,
  descriptor: validateDescriptor,
  txid: validateTxid,
  username: validateUsername,
  password: validatePassword,
  amount: validateAmount,
  bolt11: validateBolt11,
});
