/**
 * The dev node's identity: a secp256k1 key created once in DATA_DIR and reused on every restart, so
 * its invoices keep one payee. Created atomically (written to a private temp file, fsynced, then
 * hard-linked into place, which fails rather than overwrites when another process won the race) with
 * mode 0600. The key's bytes never appear in an error message.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compressedPublicKey, isValidPrivateKey } from './bolt11-signers.js';

export const DEV_NODE_KEY_FILE = 'lightning-dev-node.key';

export interface NodeKey {
  privateKey: Uint8Array;
  /** 33-byte compressed public key: the node id. */
  publicKey: Uint8Array;
  path: string;
  /** True when this call made the file. */
  created: boolean;
}

export class NodeKeyError extends Error {
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`Lightning dev node key ${path}: ${problem}`, options);
    this.name = 'NodeKeyError';
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readNodeKey(path: string): Promise<Uint8Array> {
  const text = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new NodeKeyError(path, 'expected 64 hex characters');
  const key = Uint8Array.from(Buffer.from(text, 'hex'));
  if (!isValidPrivateKey(key)) throw new NodeKeyError(path, 'not a valid secp256k1 private key');
  if (process.platform !== 'win32') {
    const { mode } = await stat(path);
    // A key readable by others is tightened rather than refused: it is a dev node's key.
    if ((mode & 0o077) !== 0) await chmod(path, 0o600);
  }
  return key;
}

function newPrivateKey(): Uint8Array {
  for (;;) {
    const key = Uint8Array.from(randomBytes(32));
    if (isValidPrivateKey(key)) return key;
  }
}

async function createNodeKeyFile(path: string, key: Uint8Array): Promise<boolean> {
  const content = `${Buffer.from(key).toString('hex')}\n`;
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(error) ?? '')) throw error;
    // File systems without hard links: O_EXCL create still never overwrites another process's key.
    try {
      await writeFile(path, content, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (fallbackError) {
      if (errorCode(fallbackError) === 'EEXIST') return false;
      throw fallbackError;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

export async function loadOrCreateNodeKey(dataDir: string): Promise<NodeKey> {
  const path = join(dataDir, DEV_NODE_KEY_FILE);
  const existing = await readNodeKey(path).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return null;
    throw error instanceof NodeKeyError ? error : new NodeKeyError(path, 'cannot be read', { cause: error });
  });
  if (existing) return { privateKey: existing, publicKey: compressedPublicKey(existing), path, created: false };

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const fresh = newPrivateKey();
  const created = await createNodeKeyFile(path, fresh);
  const privateKey = created ? fresh : await readNodeKey(path);
  return { privateKey, publicKey: compressedPublicKey(privateKey), path, created };
}
