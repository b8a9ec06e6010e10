// The provably fair byte stream, recomputed in the browser with WebCrypto, independently of the
// server: round r = HMAC_SHA256(key = server seed ASCII text, message = "client:nonce:r"); byte i is
// byte i mod 32 of round floor(i / 32); float k = bytes 4k..4k+3 big-endian / 2^32 (docs/fairness.md §1).

const enc = new TextEncoder();

function subtle(): SubtleCrypto {
  const c = globalThis.crypto;
  if (!c?.subtle) throw new Error("WebCrypto is not available (the page must be served over HTTPS or localhost).");
  return c.subtle;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** SHA-256 of the text's UTF-8 (ASCII) bytes, lowercase hex: the server-seed commitment. */
export async function sha256Hex(text: string): Promise<string> {
  const d = await subtle().digest("SHA-256", enc.encode(text));
  return toHex(new Uint8Array(d));
}

/** HMAC-SHA256 keyed by the key's text (not hex-decoded). */
export async function hmacSha256(keyText: string, message: string): Promise<Uint8Array> {
  const key = await subtle().importKey("raw", enc.encode(keyText), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", key, enc.encode(message)));
}

export interface StreamRound {
  round: number;
  message: string;
  hmac: string;
}

export interface StreamDraw {
  rounds: StreamRound[];
  bytes: Uint8Array;
  /** 32-bit big-endian draws, one per 4 bytes. */
  u32s: number[];
  /** u32 / 2^32, exact in a double. */
  floats: number[];
}

/** The first `count` floats of the bet's stream (and the rounds and bytes behind them). */
export async function drawFloats(serverSeed: string, clientSeed: string, nonce: number, count: number): Promise<StreamDraw> {
  const roundsNeeded = Math.max(1, Math.ceil((count * 4) / 32));
  const rounds: StreamRound[] = [];
  const bytes = new Uint8Array(roundsNeeded * 32);
  for (let r = 0; r < roundsNeeded; r++) {
    const message = `${clientSeed}:${nonce}:${r}`;
    const h = await hmacSha256(serverSeed, message);
    bytes.set(h, r * 32);
    rounds.push({ round: r, message, hmac: toHex(h) });
  }
  const u32s: number[] = [];
  for (let k = 0; k < count; k++) {
    const i = k * 4;
    u32s.push(((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3]);
  }
  return { rounds, bytes, u32s, floats: u32s.map((u) => u / 2 ** 32) };
}

/** floor(f * n) computed on the integer draw, as `fair` does: (u * n) >> 32 (exact for n <= 2^21). */
export function indexOf(u32: number, n: number): number {
  return Math.floor((u32 * n) / 2 ** 32);
}
