import { chromium } from 'playwright';
import { createServer } from 'vite';
const root = new URL('..', import.meta.url).pathname;
const server = await createServer({ configFile: false, root, logLevel: 'warn', optimizeDeps: { include: ['idb'] },
  plugins: [{ name: 'x', configureServer(s) { s.middlewares.use((req, res, next) => { if (req.url === '/__bench/') { res.setHeader('Content-Type','text/html'); return res.end('<!doctype html><title>x</title>'); } next(); }); } }],
  server: { host: '127.0.0.1', port: 5198, strictPort: true, hmr: false } });
await server.listen();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const page = await browser.newPage();
await page.goto('http://127.0.0.1:5198/__bench/');
const r = await page.evaluate(async () => {
  const N = 20000; let B = 1000; const tiny = (i) => ({ d, cid: 'c' + i, seq: i });
  const open = (name, indexes) => new Promise((res, rej) => {
    const rq = indexedDB.open(name, 1);
    rq.onupgradeneeded = () => { const s = rq.result.createObjectStore('r', { keyPath: ['d', 'cid'] });
      if (indexes >= 1) s.createIndex('bySeq', ['d', 'seq'], { unique: true });
      if (indexes >= 2) s.createIndex('byStatus', ['d', 'status', 'seq']);
      if (indexes >= 3) s.createIndex('bySig', ['d', 'sig', 'seq']);
      if (indexes >= 4) s.createIndex('byC', ['d', 'c', 'seq']); };
    rq.onsuccess = () => res(rq.result); rq.onerror = () => rej(rq.error); });
  const d = '0x' + 'ab'.repeat(32);
  const rec = (i) => ({ d, cid: 'bafkrei' + i.toString(36).padStart(52, '_'), seq: i, status: 'approved', sig: 'invalid', c: '0x' + 'c0'.repeat(20),
    content: { v: 1, kind: 'text', fields: { text: 'some text of a wordnet record, about a hundred characters long, with a gloss and lemma ' + i } },
    search: 'some text of a wordnet record, about a hundred characters long, with a gloss and lemma ' + i, signature: null, nearDupOf: null, nearDupJaccard: null, createdAt: 1, updatedAt: 1, source: 'x:' + i });
  const out = {};
  out.putAll = 'putAll' in IDBObjectStore.prototype; out.getAllRecords = 'getAllRecords' in IDBObjectStore.prototype;
  for (const [label, indexes, durability, precheck, mk, bs] of [['4 idx', 4, 'relaxed', false, rec, 1000], ['4 idx B2000', 4, 'relaxed', false, rec, 2000]]) { B = bs;
    const db = await open('t' + label + Date.now(), indexes);
    const t = performance.now(); let sync = 0; const recs = Array.from({length: N}, (_, j) => mk(j));
    for (let i = 0; i < N; i += B) {
      await new Promise((res, rej) => {
        const tx = db.transaction('r', 'readwrite', { durability });
        const s = tx.objectStore('r');
        if (precheck) for (let j = i; j < i + B; j++) s.getKey([d, rec(j).cid]);
        const t1 = performance.now(); for (let j = i; j < i + B; j++) s.add(recs[j]); sync += performance.now() - t1;
        tx.oncomplete = res; tx.onerror = (e) => rej(new Error(label + ': ' + (e.target.error?.name) + ' ' + e.target.error?.message)); tx.onabort = () => rej(new Error(label + ' abort ' + tx.error));
      });
    }
    out[label] = Math.round(N / ((performance.now() - t) / 1000)); out[label + ' sync ms'] = Math.round(sync); out[label + ' total ms'] = Math.round(performance.now() - t);
    db.close();
  }
  return out;
});
console.log('records/s', r);
await browser.close(); await server.close();
