// A post's length as its platform counts it (the server's `content.platforms.counted`): code
// points after NFC; on X every URL counts as 23 (t.co) and code points outside Latin and
// general punctuation count 2.
import type { PlatformRules } from "./types";

const URL = /https?:\/\/\S+/gi;
const LIGHT: [number, number][] = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];

export function countedLength(rules: PlatformRules, text: string): number {
  const normal = text.normalize("NFC");
  if (rules.counts_urls_as == null) return [...normal].length;
  const urls = normal.match(URL)?.length ?? 0;
  let total = urls * rules.counts_urls_as;
  for (const ch of normal.replace(URL, "")) {
    const point = ch.codePointAt(0) ?? 0;
    total += LIGHT.some(([lo, hi]) => point >= lo && point <= hi) ? 1 : 2;
  }
  return total;
}
