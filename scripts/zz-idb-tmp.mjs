import { chromium } from 'playwright';
import { createServer } from 'vite';
const root = new URL('..', import.meta.url).pathname;
const server = await createServer({ configFile: false, root, logLevel: 'warn', optimizeDeps: { include: ['idb', 'viem', 'viem/accounts', '@noble/hashes/sha2.js', 'multiformats/cid', 'multiformats/codecs/raw', 'multiformats/hashes/hasher'] },
  plugins: [{ name: 'x', configureServer(s) { s.middlewares.use((req, res, next) => { if (req.url === '/__bench/') { res.setHeader('Content-Type','text/html'); return res.end('<!doctype html><title>x</title>'); } next(); }); } }],
  server: { host: '127.0.0.1', port: 5198, strictPort: true, hmr: false } });
await server.listen();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const page = await browser.newPage();
await page.goto('http://127.0.0.1:5198/__bench/');
const r = await page.evaluate(async () => {
  const { openLedgerDb, closeLedgerDb } = await import('/src/lib/store/db.ts');
  const { putRecords } = await import('/src/lib/store/records.ts');
  const { createDatanet } = await import('/src/lib/store/datanets.ts');
  const N = 20000;
  const d = '0x' + 'ab'.repeat(32);
  const text = (i) => 'some text of a wordnet record, about a hundred characters long, with a gloss and lemma number ' + i;
  const rec = (i) => ({ datanetId: d, cid: 'bafkrei' + String(i).padStart(52, '_'), seq: i, status: 'approved', sigStatus: 'invalid', contributor: '0x' + 'c0'.repeat(20),
    content: { v: 1, kind: 'text', fields: { text: text(i) } }, search: text(i), signature: null, nearDupOf: null, nearDupJaccard: null, createdAt: 1, updatedAt: 1, source: 'x:' + i });
  const recs = Array.from({ length: N }, (_, i) => rec(i));
  const sk = new Uint32Array(128);
  const out = {};
  const rawOpen = async (name) => { await openLedgerDb(name); await closeLedgerDb(name); return new Promise((res) => { const q = indexedDB.open(name); q.onsuccess = () => res(q.result); }); };
  for (const variant of ['bare', 'bare+sketch+stats', 'bare no search', 'putRecords']) {
    const name = 'v' + variant + Date.now();
    let t;
    if (variant === 'putRecords') {
      const db = await openLedgerDb(name);
      const dn = await createDatanet(db, { name: 'B', summary: '', description: '', tags: [], license: 'MIT', kind: 'text', policy: 'open', curators: [], allowlist: [], owner: '0x' + '0b'.repeat(20) });
      const rows = recs.map((r) => { const { seq, createdAt, updatedAt, ...x } = r; return { record: { ...x, datanetId: dn.id }, sketch: sk }; });
      t = performance.now();
      for (let i = 0; i < N; i += 1000) await putRecords(db, dn.id, rows.slice(i, i + 1000), 128);
      out[variant] = Math.round(performance.now() - t);
      await closeLedgerDb(name);
      continue;
    }
    const db = await rawOpen(name);
    t = performance.now();
    for (let i = 0; i < N; i += 1000) {
      await new Promise((res, rej) => {
        const tx = db.transaction(['records', 'sketches', 'stats'], 'readwrite');
        for (let j = i; j < i + 1000; j++) { const r = recs[j]; tx.objectStore('records').add(variant === 'bare no search' ? { ...r, search: '' } : r); }
        if (variant === 'bare+sketch+stats') { tx.objectStore('sketches').put({ datanetId: d, chunk: i, cids: recs.slice(i, i + 1000).map((r) => r.cid), sigs: new Uint32Array(128000) }); tx.objectStore('stats').put({ datanetId: d, total: i }); }
        tx.oncomplete = res; tx.onabort = () => rej(tx.error);
      });
    }
    out[variant] = Math.round(performance.now() - t);
    db.close();
  }
  return out;
});
console.log('ms for 20000', r);
await browser.close(); await server.close();
