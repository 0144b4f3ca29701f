// Verify a ledger receipt entirely in the browser: no server trust, only WebCrypto.
// RFC 6962 hashing and RFC 9162 §2.1.3.2 inclusion verification; C2SP signed-note and checkpoint
// parsing; Ed25519 signature check by one of the log's keys (an organisation that rotated its key
// publishes the retired ones too); C2SP tlog-cosignature/v1 checks of the
// witnesses whose keys are pinned. The log's key proves only what its operator signed: a
// witness's cosignature is what an operator who rewrote history cannot make again.

const EM_DASH = "\u2014";
const enc = new TextEncoder();

export interface Cosignature {
  name: string;
  time: Date;
}

export interface VerifiedReceipt {
  index: number;
  treeSize: number;
  origin: string;
  transaction: Record<string, unknown>;
  /** The log key whose signature verified (its key id, hex), and its place among the keys given
   * (0: the first, i.e. the organisation's current key when they come from its published list). */
  signedBy: { keyId: string; position: number };
  /** Pinned witnesses whose cosignature verified. */
  witnesses: Cosignature[];
  /** Other signers of the checkpoint: no key pinned for them, so nothing is claimed. */
  unchecked: string[];
}

const ED25519 = 0x01;
const COSIGNATURE_V1 = 0x04;

export class ReceiptError extends Error {}

export function b64(text: string): Uint8Array {
  try {
    const bin = atob(text);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    throw new ReceiptError(`invalid base64: ${text.slice(0, 16)}…`);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
}

export const leafHash = (data: Uint8Array) => sha256(concat(new Uint8Array([0]), data));
export const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(concat(new Uint8Array([1]), l, r));

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to (BigInt: sizes beyond 2^53 are fine). */
export async function rootFromInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array> {
  if (index < 0 || index >= size) throw new ReceiptError("index outside the tree");
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32) throw new ReceiptError("proof hashes must be 32 bytes");
    if (sn === 0n) throw new ReceiptError("inclusion proof too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ReceiptError("inclusion proof too short");
  return r;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

interface Key {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

export async function parseVerifierKey(vkey: string, type = ED25519): Promise<Key> {
  const parts = vkey.trim().split("+");
  if (parts.length < 3) throw new ReceiptError("a verifier key looks like name+id+key");
  const [name, hexId] = parts;
  const raw = b64(parts.slice(2).join("+"));
  if (raw.length !== 33 || raw[0] !== type) {
    throw new ReceiptError(type === ED25519 ? "not an Ed25519 note key" : `not a witness (cosignature/v1) key: ${name ?? ""}`);
  }
  const id = (await sha256(concat(enc.encode(`${name}\n`), raw))).slice(0, 4);
  if (hex(id) !== hexId) throw new ReceiptError("the key id does not match the key");
  return { name: name ?? "", keyId: id, publicKey: raw.slice(1) };
}

export async function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", publicKey as BufferSource, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature as BufferSource, message as BufferSource);
}

/** A cosignature/v1 line of a pinned witness: key id (4), timestamp (8, big-endian), signature. */
async function cosignatureTime(witness: Key, raw: Uint8Array, text: string): Promise<Date> {
  if (raw.length !== 4 + 8 + 64) throw new ReceiptError(`the cosignature of ${witness.name} is malformed`);
  const timestamp = new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0);
  const message = enc.encode(`cosignature/v1\ntime ${timestamp}\n${text}`);
  if (!(await ed25519Verify(witness.publicKey, raw.slice(12), message))) {
    throw new ReceiptError(`the cosignature of ${witness.name} does not verify`);
  }
  return new Date(Number(timestamp) * 1000);
}

/** Check the receipt's checkpoint signature, that its leaf is in the signed tree, and the
 * cosignature of every pinned witness that signed it (one that does not verify is a forgery). */
export async function verifyReceipt(receipt: string, vkeys: string | string[], witnessKeys: string[] = []): Promise<VerifiedReceipt> {
  const given = (typeof vkeys === "string" ? [vkeys] : vkeys).filter((k) => k.trim());
  if (given.length === 0) throw new ReceiptError("give the log's verifier key");
  const logKeys = await Promise.all(given.map((k) => parseVerifierKey(k)));
  const pinned = await Promise.all(witnessKeys.filter((k) => k.trim()).map((k) => parseVerifierKey(k, COSIGNATURE_V1)));
  const split = receipt.indexOf("\n\n");
  if (split < 0) throw new ReceiptError("not a receipt");
  const head = receipt.slice(0, split).split("\n");
  const signed = receipt.slice(split + 2);
  if (head[0] !== "c2sp.org/tlog-proof@v1" || !head[1]?.startsWith("extra ") || !head[2]?.startsWith("index ")) {
    throw new ReceiptError("not a c2sp.org/tlog-proof@v1 receipt with its leaf");
  }
  const leaf = b64(head[1].slice(6));
  const index = Number(head[2].slice(6));
  const proof = head.slice(3).map(b64);

  const sigStart = signed.lastIndexOf("\n\n");
  if (sigStart < 0) throw new ReceiptError("the checkpoint is not a signed note");
  const text = signed.slice(0, sigStart + 1);
  const lines = signed.slice(sigStart + 2).split("\n").filter(Boolean);
  let signedBy: Key | undefined;
  const witnesses: Cosignature[] = [];
  const unchecked: string[] = [];
  for (const line of lines) {
    const [dash, name, blob] = line.split(" ");
    if (dash !== EM_DASH || !name || !blob) throw new ReceiptError("malformed signature line");
    const raw = b64(blob);
    const witness = pinned.find((w) => w.name === name && equal(raw.slice(0, 4), w.keyId));
    const logKey = logKeys.find((k) => k.name === name && equal(raw.slice(0, 4), k.keyId));
    if (logKey) {
      if (!(await ed25519Verify(logKey.publicKey, raw.slice(4), enc.encode(text)))) {
        throw new ReceiptError("the log's signature does not verify");
      }
      signedBy ??= logKey;
    } else if (witness) {
      witnesses.push({ name, time: await cosignatureTime(witness, raw, text) });
    } else {
      unchecked.push(name);
    }
  }
  if (!signedBy) throw new ReceiptError(`no signature by ${[...new Set(logKeys.map((k) => k.name))].join(" or ")}`);
  const [origin, sizeText, rootText] = text.split("\n");
  if (origin !== signedBy.name || !sizeText || !/^\d+$/.test(sizeText) || !rootText) {
    throw new ReceiptError("the checkpoint is malformed or belongs to another log");
  }
  const root = await rootFromInclusion(index, Number(sizeText), await leafHash(leaf), proof);
  if (!equal(root, b64(rootText))) throw new ReceiptError("the transaction is not in the signed tree");
  return {
    index,
    treeSize: Number(sizeText),
    origin,
    transaction: JSON.parse(new TextDecoder().decode(leaf)) as Record<string, unknown>,
    signedBy: { keyId: hex(signedBy.keyId), position: logKeys.indexOf(signedBy) },
    witnesses,
    unchecked,
  };
}
