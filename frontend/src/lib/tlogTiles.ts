// Check a saved receipt against today's log, read from the organisation's public C2SP
// tlog-tiles (https://c2sp.org/tlog-tiles): today's signed checkpoint, and just the tiles whose
// hashes prove that the receipt's tree is a prefix of today's (RFC 9162 §2.1.4) and that its
// transaction is in today's tree (§2.1.3). Everything is verified here with WebCrypto; the
// tiles are hashes only, so this needs no login and no admin.
import {
  b64,
  ed25519Verify,
  equal,
  leafHash,
  nodeHash,
  parseVerifierKey,
  ReceiptError,
  rootFromInclusion,
  verifyReceipt,
} from "./receiptVerify";

const EM_DASH = "\u2014";
const enc = new TextEncoder();

export interface SignedTree {
  origin: string;
  size: number;
  root: Uint8Array;
}

/** A signed checkpoint note, its log signature verified with one of the log's published keys
 * (current and retired: a key rotation keeps old checkpoints verifiable). */
export async function openCheckpoint(signed: string, vkeys: string | string[]): Promise<SignedTree> {
  const keys = await Promise.all((typeof vkeys === "string" ? [vkeys] : vkeys).filter((k) => k.trim()).map((k) => parseVerifierKey(k)));
  if (keys.length === 0) throw new ReceiptError("give the log's verifier key");
  let key: (typeof keys)[number] | undefined;
  const split = signed.lastIndexOf("\n\n");
  if (split < 0) throw new ReceiptError("today's checkpoint is not a signed note");
  const text = signed.slice(0, split + 1);
  for (const line of signed.slice(split + 2).split("\n").filter(Boolean)) {
    const [dash, name, blob] = line.split(" ");
    if (dash !== EM_DASH || !name || !blob) throw new ReceiptError("malformed signature line");
    const raw = b64(blob);
    const signer = keys.find((k) => name === k.name && equal(raw.slice(0, 4), k.keyId));
    if (signer && !key) {
      if (!(await ed25519Verify(signer.publicKey, raw.slice(4), enc.encode(text)))) {
        throw new ReceiptError("the signature on today's checkpoint does not verify");
      }
      key = signer;
    }
  }
  if (!key) throw new ReceiptError(`today's checkpoint has no signature by ${keys[0]?.name}`);
  const [origin, sizeText, rootText] = text.split("\n");
  if (origin !== key.name || !sizeText || !/^\d+$/.test(sizeText) || !rootText) {
    throw new ReceiptError("today's checkpoint is malformed or belongs to another log");
  }
  return { origin, size: Number(sizeText), root: b64(rootText) };
}

/** `tile/<L>/<N>[.p/<W>]`: N in 3-digit elements, all but the last prefixed with x. */
export function tilePath(level: number, index: number, width: number): string {
  let digits = String(index).padStart(3, "0");
  digits = "0".repeat((3 - (digits.length % 3)) % 3) + digits;
  const parts = digits.match(/\d{3}/g) ?? [];
  const name = parts.map((p, i) => (i < parts.length - 1 ? `x${p}` : p)).join("/");
  return `tile/${level}/${name}${width === 256 ? "" : `.p/${width}`}`;
}

type Fetch = (path: string) => Promise<Uint8Array>;
type Read = (height: number, index: number) => Promise<Uint8Array>;

/** Hashes of complete subtrees of a tree of `size` leaves, from tiles: a tile at level L holds
 * the hashes of tree level 8L, the levels in between are hashed from them. */
export function tileReader(size: number, fetchTile: Fetch): Read {
  const tiles = new Map<string, Promise<Uint8Array>>();
  return async (height, index) => {
    const level = Math.floor(height / 8);
    const rest = height % 8;
    const first = index * 2 ** rest;
    const n = Math.floor(first / 256);
    const width = Math.min(256, Math.floor(size / 256 ** level) - n * 256);
    if (width <= 0) throw new ReceiptError(`tile ${level}/${n} is outside today's tree`);
    const path = tilePath(level, n, width);
    if (!tiles.has(path)) tiles.set(path, fetchTile(path));
    const tile = await (tiles.get(path) as Promise<Uint8Array>);
    if (tile.length !== 32 * width) throw new ReceiptError(`tile ${path} has the wrong length`);
    let hashes: Uint8Array[] = [];
    for (let i = first % 256; i < (first % 256) + 2 ** rest; i++) hashes.push(tile.slice(32 * i, 32 * i + 32));
    while (hashes.length > 1) {
      const up: Uint8Array[] = [];
      for (let i = 0; i < hashes.length; i += 2) up.push(await nodeHash(hashes[i] as Uint8Array, hashes[i + 1] as Uint8Array));
      hashes = up;
    }
    return hashes[0] as Uint8Array;
  };
}

/** The largest power of two below n (n >= 2); sizes stay below 2^53, where doubles are exact. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** MTH(D[start:end]) from complete subtrees (RFC 6962 §2.1). */
async function subtree(start: number, end: number, read: Read): Promise<Uint8Array> {
  const n = end - start;
  if (isPowerOfTwo(n) && start % n === 0) return read(Math.round(Math.log2(n)), start / n);
  const k = split(n);
  return nodeHash(await subtree(start, start + k, read), await subtree(start + k, end, read));
}

/** PATH(index, D[start:end]) of RFC 6962 §2.1.1, bottom-up. */
async function inclusionPath(index: number, start: number, end: number, read: Read): Promise<Uint8Array[]> {
  if (end - start === 1) return [];
  const k = split(end - start);
  if (index < start + k) return [...(await inclusionPath(index, start, start + k, read)), await subtree(start + k, end, read)];
  return [...(await inclusionPath(index, start + k, end, read)), await subtree(start, start + k, read)];
}

/** SUBPROOF(m, D[start:end], whole) of RFC 6962 §2.1.2. */
async function consistencyPath(m: number, start: number, end: number, read: Read, whole = true): Promise<Uint8Array[]> {
  if (m === end - start) return whole ? [] : [await subtree(start, end, read)];
  const k = split(end - start);
  if (m <= k) return [...(await consistencyPath(m, start, start + k, read, whole)), await subtree(start + k, end, read)];
  return [...(await consistencyPath(m - k, start + k, end, read, false)), await subtree(start, start + k, read)];
}

/** RFC 9162 §2.1.4.2: the tree (size1, root1) is a prefix of (size2, root2). */
export async function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: Uint8Array[]): Promise<void> {
  const fail = () => new ReceiptError(`the saved checkpoint (size ${size1}) is not a prefix of today's (size ${size2}): the log's history changed`);
  if (size1 === size2) {
    if (proof.length || !equal(root1, root2)) throw fail();
    return;
  }
  if (size1 === 0) return;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = BigInt(size1 - 1);
  let sn = BigInt(size2 - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  if (!fr || !sr) throw fail();
  for (const c of path.slice(1)) {
    if (sn === 0n) throw fail();
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !equal(fr, root1) || !equal(sr, root2)) throw fail();
}

export interface TodayCheck {
  index: number;
  savedSize: number;
  todaySize: number;
}

/** The saved receipt verifies, today's checkpoint extends its tree, and its transaction is in
 * today's tree; throws a ReceiptError saying which does not hold. */
export async function checkAgainstToday(receipt: string, vkeys: string[], todayCheckpoint: string, fetchTile: Fetch): Promise<TodayCheck> {
  const saved = await verifyReceipt(receipt, vkeys);
  const rootLine = receipt.slice(receipt.indexOf("\n\n") + 2).split("\n")[2] ?? "";
  const savedRoot = b64(rootLine);
  const today = await openCheckpoint(todayCheckpoint, vkeys);
  if (today.size < saved.treeSize) {
    throw new ReceiptError(`today's checkpoint has ${today.size} transactions, fewer than the ${saved.treeSize} of the saved one: the log was rolled back`);
  }
  const read = tileReader(today.size, fetchTile);
  const proof = saved.treeSize > 0 && saved.treeSize < today.size ? await consistencyPath(saved.treeSize, 0, today.size, read) : [];
  await verifyConsistency(saved.treeSize, today.size, savedRoot, today.root, proof);
  const leaf = await leafHash(b64(receipt.split("\n")[1]?.slice(6) ?? ""));
  const path = await inclusionPath(saved.index, 0, today.size, read);
  if (!equal(await rootFromInclusion(saved.index, today.size, leaf, path), today.root)) {
    throw new ReceiptError(`transaction #${saved.index} is not in today's tree`);
  }
  return { index: saved.index, savedSize: saved.treeSize, todaySize: today.size };
}
