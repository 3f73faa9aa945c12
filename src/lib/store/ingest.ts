// The contribution pipeline behind every way records arrive (form, file import, bundle, demo data): canonicalise,
// content-address, drop exact duplicates, flag near-duplicates, store in batches, then sign or verify authorship.
// Storing comes first so nothing valid is lost; signing (about a millisecond a record) follows as its own phase.
import { yieldToEventLoop } from '../core/tasks';
import type { LocalAccount } from 'viem';
import { BaseError, InvalidRecordError, type InvalidReason } from '../core/errors';
import { canonicalRecord, type CanonicalRecord } from '../core/record';
import { cidDigestHex, parseCid, recordCidString } from '../core/cid';
import { LshIndex, minhash } from '../core/minhash';
import { signAuthorship, verifyAuthorship } from '../core/signature';
import { mayContribute } from './datanets';
import type { LedgerDatabase } from './db';
import { datanetSketches, putRecords, recordsNeeding, setSignatures, type NewRecord } from './records';
import type { Datanet, Hex, SignatureStatus } from './schema';

/** One record on its way in: parsed content (or the parser's error) and who authored it. */
export type IngestItem =
	| { line: number; kind: string; fields: Record<string, unknown>; contributor?: string; signature?: Hex | null; createdAt?: number }
	| { line: number; error: { reason: InvalidReason; message: string } };

export type IngestIssue = { line: number; reason: InvalidReason; message: string; existingCid?: string };

export type IngestProgress = {
	phase: 'storing' | 'signing' | 'verifying' | 'done';
	done: number; // items handled in this phase
	total: number | null; // known for signing and verifying; bytes-based progress comes from `fraction`
	fraction: number; // 0..1 of the whole job, for a progress bar
	stored: number;
	rejected: number;
};

export type IngestReport = {
	stored: number;
	duplicates: number;
	nearDuplicates: number;
	rejected: number;
	issues: IngestIssue[]; // the first MAX_ISSUES problems, with line numbers
	issuesTruncated: boolean;
	signed: number;
	verified: number;
	invalidSignatures: number;
	firstCids: string[]; // CIDs of the first stored records, for links in the report
	ms: { storing: number; signing: number };
};

export type IngestOptions = {
	source: string; // e.g. "animals.jsonl", "form", "bundle"
	contributor: string; // author of items that do not name one
	account?: LocalAccount; // signs records authored by it (sigStatus 'unsigned' -> 'valid')
	verify?: boolean; // verify imported signatures right away (else they stay 'unverified')
	batchSize?: number;
	onProgress?: (p: IngestProgress) => void;
	fraction?: () => number; // how far the input has been read, 0..1
};

export const MAX_ISSUES = 1000;

/** Throws unless `contributor` may add records to the Datanet (policy 'allowlist'). */
export function assertMayContribute(datanet: Datanet, contributor: string) {
	if (!mayContribute(datanet, contributor)) {
		throw new BaseError('This Datanet only accepts records from listed contributors.', {
			details: `${contributor} is not on the allowlist of ${datanet.name}.`,
			hint: "Ask the Datanet's owner to add your address."
		});
	}
}

/** Runs items through the pipeline into the Datanet and returns what happened to each of them. */
export async function ingest(db: LedgerDatabase, datanet: Datanet, items: AsyncIterable<IngestItem> | Iterable<IngestItem>, opts: IngestOptions): Promise<IngestReport> {
	assertMayContribute(datanet, opts.contributor);
	const batchSize = opts.batchSize ?? 1000;
	const report: IngestReport = {
		stored: 0, duplicates: 0, nearDuplicates: 0, rejected: 0, issues: [], issuesTruncated: false,
		signed: 0, verified: 0, invalidSignatures: 0, firstCids: [], ms: { storing: 0, signing: 0 }
	};
	const t0 = performance.now();
	// Every stored record has its sketch in a sketch row, so those rows also give every stored CID.
	const known = new Map<string, number>(); // cid -> line (0 when stored before this import)
	const lsh = new LshIndex();
	let sketchSize = 0;
	for (const chunk of await datanetSketches(db, datanet.id)) {
		if (chunk.cids.length === 0) continue;
		sketchSize = chunk.sigs.length / chunk.cids.length;
		for (const cid of chunk.cids) known.set(cid, 0);
		lsh.addMany(chunk.cids, chunk.sigs, sketchSize);
	}
	const issue = (i: IngestIssue) => {
		report.rejected++;
		if (report.issues.length < MAX_ISSUES) report.issues.push(i);
		else report.issuesTruncated = true;
	};
	const progress = (phase: IngestProgress['phase'], done: number, total: number | null, fraction: number) =>
		opts.onProgress?.({ phase, done, total, fraction, stored: report.stored, rejected: report.rejected });

	let batch: { record: NewRecord; sketch: Uint32Array }[] = [];
	let handled = 0;
	// One batch is written while the next is parsed and hashed: IndexedDB does most of its work outside this thread,
	// so the two overlap. Waiting for the previous write before starting the next keeps memory bounded and order fixed.
	let writing: Promise<void> = Promise.resolve();
	const flush = async () => {
		await writing;
		if (batch.length === 0) return;
		const rows = batch;
		batch = [];
		writing = putRecords(db, datanet.id, rows, sketchSize).then(({ stored }) => {
			report.stored += stored.length;
			for (const r of stored) if (report.firstCids.length < 20) report.firstCids.push(r.cid);
			progress('storing', handled, null, 0.8 * (opts.fraction?.() ?? 0));
		});
		writing.catch(() => {}); // awaited by the next flush; a failure must not also surface as unhandled
	};

	for await (const item of items) {
		// Let queued tasks run now and then: parsing a buffered chunk never leaves the microtask queue, and the batch
		// being written needs its IndexedDB events dispatched to send its records while this loop goes on.
		if (++handled % YIELD_EVERY === 0) await yieldToEventLoop();
		if ('error' in item) {
			issue({ line: item.line, ...item.error });
			continue;
		}
		let canonical: CanonicalRecord;
		try {
			if (item.kind !== datanet.kind) {
				throw new InvalidRecordError('wrong-fields', `Expected a ${datanet.kind} record, got ${item.kind}.`);
			}
			canonical = canonicalRecord(datanet.kind, item.fields);
		} catch (e) {
			if (e instanceof InvalidRecordError) issue({ line: item.line, reason: e.reason, message: e.shortMessage });
			else throw e;
			continue;
		}
		const { content, bytes, text } = canonical;
		const cid = recordCidString(bytes);
		const before = known.get(cid);
		if (before !== undefined) {
			report.duplicates++;
			const where = before > 0 ? `line ${before} of this import` : 'a stored record';
			issue({ line: item.line, reason: 'duplicate', message: `Same content as ${where}.`, existingCid: cid });
			continue;
		}
		known.set(cid, item.line);
		const sketch = minhash(text);
		sketchSize = sketch.length;
		const near = lsh.findNearAndAdd(cid, sketch, 0.9);
		if (near) report.nearDuplicates++;
		const contributor = (item.contributor ?? opts.contributor).toLowerCase();
		const signature = item.signature ?? null;
		const ownRecord = opts.account && contributor === opts.account.address.toLowerCase();
		const sigStatus: SignatureStatus = signature ? 'unverified' : ownRecord ? 'unsigned' : 'missing';
		batch.push({
			record: {
				datanetId: datanet.id, cid, content, contributor, signature, sigStatus,
				status: initialStatus(datanet), nearDupOf: near?.id ?? null, nearDupJaccard: near?.jaccard ?? null,
				source: `${opts.source}:${item.line}`, createdAt: item.createdAt
			},
			sketch
		});
		if (batch.length >= batchSize) await flush();
	}
	await flush();
	await writing;
	report.ms.storing = performance.now() - t0;

	const t1 = performance.now();
	if (opts.account) report.signed = await signPending(db, datanet.id, opts.account, (done, total) => progress('signing', done, total, 0.8 + 0.2 * (done / Math.max(1, total))));
	if (opts.verify) {
		const v = await verifyPending(db, datanet.id, (done, total) => progress('verifying', done, total, 0.8 + 0.2 * (done / Math.max(1, total))));
		report.verified = v.valid;
		report.invalidSignatures = v.invalid;
	}
	report.ms.signing = performance.now() - t1;
	progress('done', handled, handled, 1);
	return report;
}

const YIELD_EVERY = 64;


/** The review status a new record starts in: approved on arrival unless the Datanet is curated. */
export function initialStatus(datanet: Datanet) {
	return datanet.policy === 'curated' ? ('pending' as const) : ('approved' as const);
}

/** Signs every record of the Datanet that `account` authored and has not signed yet; returns how many it signed. */
export async function signPending(db: LedgerDatabase, datanetId: Hex, account: LocalAccount, onProgress?: (done: number, total: number) => void) {
	const own = account.address.toLowerCase();
	// Only chunks marked as holding unsigned records are read; other accounts' unsigned records are left alone.
	const mine = (await recordsNeeding(db, datanetId, 'unsigned', Infinity)).filter((r) => r.contributor === own);
	let done = 0;
	for (let i = 0; i < mine.length; i += 256) {
		const results = [];
		for (const r of mine.slice(i, i + 256)) {
			const cidDigest = cidDigestHex(parseCid(r.cid));
			results.push({ cid: r.cid, signature: await signAuthorship(account, { datanetId, cidDigest }), sigStatus: 'valid' as const });
		}
		await setSignatures(db, datanetId, results);
		done += results.length;
		onProgress?.(done, mine.length);
	}
	return done;
}

/** Verifies every imported, not yet verified signature of the Datanet; returns counts of valid and invalid ones. */
export async function verifyPending(db: LedgerDatabase, datanetId: Hex, onProgress?: (done: number, total: number) => void) {
	const total = (await db.get('stats', datanetId))?.bySig.unverified ?? 0;
	let valid = 0;
	let invalid = 0;
	for (;;) {
		const rows = await recordsNeeding(db, datanetId, 'unverified', 128);
		if (rows.length === 0) return { valid, invalid };
		const results = [];
		for (const r of rows) {
			const ok = await verifyAuthorship({ datanetId, cidDigest: cidDigestHex(parseCid(r.cid)), contributor: r.contributor as Hex, signature: r.signature! });
			ok ? valid++ : invalid++;
			results.push({ cid: r.cid, sigStatus: ok ? ('valid' as const) : ('invalid' as const) });
		}
		await setSignatures(db, datanetId, results);
		onProgress?.(valid + invalid, total);
	}
}
