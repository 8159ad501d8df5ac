/**
 * GPT-2's byte-level alphabet: every byte has a printable stand-in character, and
 * byte-level BPE vocabularies (SmolLM2, Qwen2) are written in those characters.
 */

/** Stand-in character → byte. */
export const BYTE_OF_CHAR: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    map.set(String.fromCodePoint(printable ? b : 256 + extra++), b);
  }
  return map;
})();

/** The raw bytes a byte-level vocabulary entry stands for. */
export function tokenBytes(token: string): Uint8Array {
  const out: number[] = [];
  for (const ch of token) {
    const b = BYTE_OF_CHAR.get(ch);
    if (b !== undefined) out.push(b);
    else out.push(...Buffer.from(ch, 'utf8'));
  }
  return Uint8Array.from(out);
}
