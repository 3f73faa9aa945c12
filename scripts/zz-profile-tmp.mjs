import { chromium } from 'playwright';
import { createServer, runnerImport } from 'vite';
const root = new URL('..', import.meta.url).pathname;
const N = Number(process.env.N ?? 20000);
const quiet = { configFile: false, logLevel: 'silent', root };
const { module: node } = await runnerImport('/src/lib/demo/wordnet.node.ts', quiet);
const { module: wordnet } = await runnerImport('/src/lib/demo/wordnet.ts', quiet);
const jsonl = Buffer.from(node.allSynsets().slice(0, N).map((s) => JSON.stringify({ text: wordnet.synsetText(s) })).join('\n') + '\n');
const server = await createServer({ configFile: false, root, logLevel: 'warn', optimizeDeps: { include: ['idb', 'viem', 'viem/accounts', '@noble/hashes/sha2.js', 'multiformats/cid', 'multiformats/codecs/raw', 'multiformats/codecs/json', 'multiformats/hashes/hasher', '@ipld/car'] },
  plugins: [{ name: 'x', configureServer(s) { s.middlewares.use((req, res, next) => { if (req.url === '/__bench/') { res.setHeader('Content-Type','text/html'); return res.end('<!doctype html><title>x</title>'); } if (req.url === '/__bench/records.jsonl') return res.end(jsonl); next(); }); } }],
  server: { host: '127.0.0.1', port: 5199, strictPort: true, hmr: false } });
await server.listen();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const page = await browser.newPage();
page.on('console', (m) => console.log('page:', m.text()));
await page.goto('http://127.0.0.1:5199/__bench/');
const r = await page.evaluate(async () => {
  const { openLedgerDb } = await import('/src/lib/store/db.ts');
  const { createDatanet } = await import('/src/lib/store/datanets.ts');
  const { putRecords } = await import('/src/lib/store/records.ts');
  const { ingest } = await import('/src/lib/store/ingest.ts');
  const { parseStream } = await import('/src/lib/core/parse/index.ts');
  const { canonicalize, canonicalBytes, recordText } = await import('/src/lib/core/record.ts');
  const { recordCid } = await import('/src/lib/core/cid.ts');
  const { minhash, LshIndex } = await import('/src/lib/core/minhash.ts');
  const file = await (await fetch('/__bench/records.jsonl')).blob();
  const ms = {};
  let t = performance.now();
  const lap = (k) => { const n = performance.now(); ms[k] = Math.round(n - t); t = n; };
  const items = []; for await (const it of parseStream(file.stream(), 'jsonl', { kind: 'text' })) items.push(it); lap('parse');
  const contents = items.map((it) => canonicalize('text', it.fields)); lap('canonicalize');
  const bytes = contents.map(canonicalBytes); lap('canonicalBytes');
  const cids = bytes.map((b) => recordCid(b)); lap('sha256+cid');
  const strs = cids.map((c) => c.toString()); lap('cid.toString');
  const texts = contents.map(recordText); lap('recordText');
  const sk = texts.map((x) => minhash(x)); lap('minhash');
  const lsh = new LshIndex(); let near = 0; sk.forEach((s, i) => { if (lsh.findNear(s, 0.9)) near++; lsh.add(strs[i], s); }); lap('lsh');
  const db = await openLedgerDb('p' + Date.now());
  const inp = { name: 'B', summary: '', description: '', tags: [], license: 'MIT', kind: 'text', policy: 'open', curators: [], allowlist: [], owner: '0x' + '0b'.repeat(20) };
  const d = await createDatanet(db, inp);
  t = performance.now();
  for (let i = 0; i < contents.length; i += 1000) {
    await putRecords(db, d.id, contents.slice(i, i + 1000).map((c, j) => ({ record: { datanetId: d.id, cid: strs[i + j], content: c, search: texts[i + j].toLowerCase(), contributor: '0x' + 'c0'.repeat(20), signature: null, sigStatus: 'invalid', status: 'approved', nearDupOf: null, nearDupJaccard: null, source: 'x:' + (i + j) }, sketch: sk[i + j] })), 128);
  }
  lap('putRecords');
  const d2 = await createDatanet(db, inp);
  t = performance.now();
  const rep = await ingest(db, d2, parseStream(file.stream(), 'jsonl', { kind: 'text' }), { source: 'b', contributor: '0x' + 'c0'.repeat(20) });
  lap('ingest total');
  ms.near = near;
  ms.stored = rep.stored; ms.prof = globalThis.__prof;
  return ms;
});
console.log(r);
await browser.close(); await server.close();
