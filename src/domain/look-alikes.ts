// Letters of other scripts (and Latin letters that do not decompose) that a reader takes for a
// Latin letter, as their Latin reading. Taken from the Unicode confusables data (UTS #39,
// confusables.txt) for the scripts a name is disguised with in practice: Cyrillic, Greek, Armenian,
// Latin small capitals and the Latin letters NFKD leaves alone. Lower case only: text is lowered
// before this table is read. Fullwidth, mathematical, circled and other compatibility letters need
// no entry: NFKD already turns them into plain Latin.

// biome-ignore format: a table of letters reads better in rows
const TABLE: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', г: 'r', д: 'd', е: 'e', ё: 'e', ж: 'x', з: '3', и: 'u', й: 'u', к: 'k', л: 'n', м: 'm', н: 'h', о: 'o',
  п: 'n', р: 'p', с: 'c', т: 't', у: 'y', ф: 'f', х: 'x', ц: 'u', ч: '4', ш: 'w', щ: 'w', ъ: 'b', ы: 'bl', ь: 'b',
  э: 'e', ю: 'io', я: 'r', ѐ: 'e', ђ: 'h', ѓ: 'r', є: 'e', ѕ: 's', і: 'i', ї: 'i', ј: 'j', љ: 'jb', њ: 'hb', ћ: 'h',
  ќ: 'k', ѝ: 'u', ў: 'y', џ: 'u', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ү: 'y', ұ: 'y', ҫ: 'c', ҙ: '3', ӕ: 'ae',
  ӓ: 'a', ӧ: 'o', ӱ: 'y', ԍ: 'g', ԏ: 't',
  // Greek
  α: 'a', β: 'b', γ: 'y', δ: 'd', ε: 'e', ζ: 'z', η: 'n', θ: 'o', ι: 'i', κ: 'k', λ: 'a', μ: 'u', ν: 'v', ξ: 'e', ο: 'o',
  π: 'n', ρ: 'p', σ: 'o', ς: 'c', τ: 't', υ: 'u', φ: 'o', χ: 'x', ψ: 'w', ω: 'w', ϲ: 'c', ϳ: 'j', ϵ: 'e', ϱ: 'p', ϰ: 'k',
  // Armenian
  ա: 'w', զ: 'q', հ: 'h', ո: 'n', ս: 'u', ց: 'g', ք: 'p', օ: 'o', ւ: 'l',
  // Latin small capitals and letters without a decomposition
  ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ꜰ: 'f', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o',
  ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z', ı: 'i', ȷ: 'j', ł: 'l', ø: 'o', đ: 'd', ð: 'd',
  ħ: 'h', ŧ: 't', ƀ: 'b', ɨ: 'i', ɑ: 'a', ɡ: 'g', ɩ: 'i', ʋ: 'u', ɛ: 'e', ɔ: 'o',
  // Letters people spell out rather than mistake
  ß: 'ss', æ: 'ae', œ: 'oe', þ: 'th',
};

const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(Object.entries(TABLE));

/** The Latin reading of one lower-case letter, or the letter itself when it has none. */
export function latinReading(c: string): string {
  return LOOK_ALIKES.get(c) ?? c;
}
