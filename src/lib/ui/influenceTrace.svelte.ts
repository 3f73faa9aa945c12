// The "Which records shaped this answer?" state of the Models page: builds a trained run's influence index in the
// attribution worker the first time one of its answers is asked about (with progress), then scores every training
// record for the answer. Record texts and Datanet names are read here, from IndexedDB, because the index keeps CIDs only.
import * as Comlink from 'comlink';
import type { AnswerSpansReturnType, InfluenceIndexProgress, QueryInfluenceApiReturnType } from '../attribution/influence/api';
import { combineShares } from '../attribution/receipt';
import type { ContributorShare } from '../attribution/shares';
import type { InfluentialRecord } from '../attribution/influence/index';
import { fromWorkerError } from '../core/errors';
import { recordText } from '../core/record';
import { listDatanets } from '../store/datanets';
import { getRecord } from '../store/records';
import type { Hex } from '../store/schema';
import { app } from './app.svelte';
import { attributionWorker } from './attributionWorker';
import { count } from './format';

/** How many records a query lists. */
export const INFLUENCE_TOP_K = 10;

/** The answer asked about: the run whose latest checkpoint produced it, its prompt and its text. */
export type InfluenceQuestion = { runId: string; prompt: string; answer: string };

/** A top record with what the page shows of it; text and name are null when this browser no longer has them. */
export type ShapingRecord = InfluentialRecord & {
	text: string | null;
	datanetName: string | null;
	/** The 1-based rank of a higher record this one nearly duplicates (they share one record's credit). */
	duplicateOf: number | null;
};

/** A finished attribution with the question it answered: the influence query, the answer's verbatim spans in the
 * training records, and the contributors' shares combined by the receipt's rule. */
export type InfluenceAnswer = InfluenceQuestion & {
	result: QueryInfluenceApiReturnType;
	records: ShapingRecord[];
	spans: AnswerSpansReturnType;
	shares: ContributorShare[];
	/** Datanet names by id, for the span sources. */
	datanetNames: Record<string, string>;
};

/** The span method and its parameters in one sentence. */
export function spansMethodLabel({ method, parameters }: Pick<AnswerSpansReturnType, 'method' | 'parameters'>): string {
	return `Spans: the longest passages of the answer (${count(parameters.responseTokens)} tokens) found verbatim in the ${count(method.records)} training records under the model's tokenizer, at most ${count(parameters.keep)} kept, the rarest first; each span's weight split over its ${count(parameters.sourcesPerSpan)} best BM25 sources.`;
}

/** What the progress bar says about an index build's phase; null value while the phase has no count. */
export function influenceProgressLabel(p: InfluenceIndexProgress): { label: string; value: number | null } {
	switch (p.phase) {
		case 'read':
			return { label: `Reading the training run: ${count(p.total)} records`, value: null };
		case 'gradients':
			return { label: `Computing gradients at each checkpoint of the run: ${count(p.done)} of ${count(p.total)}`, value: 0.05 + 0.9 * (p.total ? p.done / p.total : 0) };
		case 'save':
			return { label: 'Saving the index in this browser…', value: 0.95 };
		case 'done':
			return { label: 'Done', value: 1 };
	}
}

/** The method and its parameters in one sentence, with the scorer that ran. */
export function influenceMethodLabel({ method, backend }: Pick<QueryInfluenceApiReturnType, 'method' | 'backend'>): string {
	const { preconditioner: pre, fisher } = method;
	const damping = `damping ${pre.dampingRatio}`;
	const labels = fisher.labels === 'model' ? `at labels drawn from the model, ${fisher.draws} per record` : 'at the records\' own tokens';
	const preconditioner =
		pre.kind === 'identity' ? 'no preconditioner (plain gradient dot products)' : `${pre.kind === 'layer' ? 'layer-wise' : 'full'} damped Fisher (${labels}; ${damping})`;
	const checkpoints = method.checkpoints === 1 ? 'the final weights' : `summed over ${method.checkpoints} checkpoints of the training run`;
	const scorer = backend === 'webgpu' ? 'scored on the GPU (WebGPU)' : 'scored on the CPU';
	const of = method.gradients === 'lora' ? ' of the LoRA adapter' : '';
	return `Influence: projected gradients${of} (k = ${count(method.k)}) ${checkpoints}, ${preconditioner}, ${scorer}; shares from the top records with at least ${Math.round(method.shareFloor * 100)}% of the top score.`;
}

class InfluenceTrace {
	/** The index build's progress while one runs. */
	building = $state.raw<{ label: string; value: number | null } | null>(null);
	querying = $state(false);
	/** The last answer asked about, with its top records. */
	result = $state.raw<InfluenceAnswer | null>(null);

	get busy(): boolean {
		return this.building !== null || this.querying;
	}

	// The build in flight per run, so a question asked during it waits for it instead of starting another.
	#preparing = new Map<string, Promise<void>>();

	/** Builds the run's influence index when it has none for its latest weights (training does this when it finishes),
	 * then its span index, showing the progress; a second call while one runs waits for that one. */
	prepare(runId: string): Promise<void> {
		let job = this.#preparing.get(runId);
		if (!job) {
			job = this.#build(runId).finally(() => this.#preparing.delete(runId));
			this.#preparing.set(runId, job);
		}
		return job;
	}

	async #build(runId: string): Promise<void> {
		const worker = attributionWorker();
		if (await worker.influenceIndexOf(runId)) return;
		this.building = { label: 'Starting…', value: null };
		try {
			await worker.buildInfluenceIndex(
				{ runId },
				Comlink.proxy((p: InfluenceIndexProgress) => {
					if (this.building) this.building = influenceProgressLabel(p);
				})
			);
			// Then the span index of the same records' text (in memory; a reload builds it again on the first question).
			this.building = { label: 'Indexing the training records’ text for verbatim spans…', value: 0.98 };
			await worker.prepareAnswerSpans({ runId });
		} finally {
			this.building = null;
		}
	}

	/** Builds the run's influence index if needed, then scores the answer and finds its spans in the training records. */
	async explain(question: InfluenceQuestion): Promise<void> {
		if (this.querying || !question.answer.trim()) return;
		try {
			this.querying = true;
			await this.prepare(question.runId);
			const worker = attributionWorker();
			const result = await worker.queryInfluence({ ...question, topK: INFLUENCE_TOP_K });
			const spans = await worker.traceAnswerSpans(question);
			const shares = combineShares([{ name: 'influence', shares: result.shares }, { name: 'spans', shares: spans.shares }]);
			const datanetNames = Object.fromEntries((await listDatanets(await app.db())).map((d) => [d.id as string, d.name]));
			this.result = { ...question, result, records: await shapingRecords(result, datanetNames), spans, shares, datanetNames };
		} catch (e) {
			app.fail(fromWorkerError(e));
		} finally {
			this.querying = false;
		}
	}
}

// The top records with their texts and Datanet names from IndexedDB, and which of them nearly duplicate a higher one.
async function shapingRecords({ top, duplicateGroups }: QueryInfluenceApiReturnType, names: Record<string, string>): Promise<ShapingRecord[]> {
	const db = await app.db();
	const rank = new Map(top.map((r, i) => [r.cid, i + 1]));
	const duplicateOf = new Map<string, number>();
	for (const group of duplicateGroups) {
		const first = Math.min(...group.map((cid) => rank.get(cid) ?? Infinity));
		for (const cid of group) if (rank.get(cid)! > first && !duplicateOf.has(cid)) duplicateOf.set(cid, first);
	}
	return Promise.all(
		top.map(async (r) => {
			const stored = r.datanetId ? await getRecord(db, r.datanetId as Hex, r.cid) : undefined;
			return {
				...r,
				text: stored ? recordText(stored.content) : null,
				datanetName: (r.datanetId && names[r.datanetId]) || null,
				duplicateOf: duplicateOf.get(r.cid) ?? null
			};
		})
	);
}

/** The Models page's influence state. */
export const influenceTrace = new InfluenceTrace();
