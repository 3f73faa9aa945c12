// The "Trace an answer" page's state: the Datanets to choose from, the span indexes stored in OPFS, a build's progress
// and the last trace. Builds and traces run in the attribution worker, started on first use; the state lives in this
// module, so a trace is still shown after visiting another page and coming back.
import * as Comlink from 'comlink';
import {
	datanetVersion,
	DEFAULT_SPAN_TOKENIZER,
	type AttributionApi,
	type SpanIndexProgress,
	type SpanIndexSummary,
	type SpanTokenizerChoice,
	type TraceReturnType
} from '../attribution/spans/api';
import { getStats, listDatanets } from '../store/datanets';
import type { Datanet, Hex } from '../store/schema';
import { app } from './app.svelte';
import { attributionWorker } from './attributionWorker';
import { count } from './format';

/** A Datanet offered for indexing: its approved records and its current version (what index keys are made of). */
export type DatanetChoice = { datanet: Datanet; approved: number; version: number };

/** A finished trace with the text it traced. */
export type TracedAnswer = { prompt: string; response: string; trace: TraceReturnType };

/** What the progress bar says about a build's phase; null value while the phase has no count. */
export function buildProgressLabel(p: SpanIndexProgress): { label: string; value: number | null } {
	switch (p.phase) {
		case 'read':
			return { label: `Reading approved records: ${count(p.done)} of ${count(p.total)}`, value: p.total ? (p.done / p.total) * 0.3 : null };
		case 'train':
			return { label: 'Training the tokenizer on the records…', value: 0.3 + 0.2 * (p.done / p.total) };
		case 'index':
			return { label: 'Building the suffix array…', value: 0.5 + 0.4 * (p.done / p.total) };
		case 'save':
			return { label: 'Saving the index in this browser…', value: 0.9 + 0.1 * (p.done / p.total) };
		case 'done':
			return { label: 'Done', value: 1 };
	}
}

/** The tokenizer of an index in words. */
export function tokenizerLabel({ tokenizer, vocabSize }: Pick<SpanIndexSummary, 'tokenizer' | 'vocabSize'>): string {
	switch (tokenizer.kind) {
		case 'byte':
			return 'bytes';
		case 'trained':
			return `BPE trained on these records, ${count(vocabSize)} tokens`;
		case 'given':
			return `BPE from a tokenizer.json, ${count(vocabSize)} tokens`;
	}
}

class SpanTrace {
	/** The Datanets stored here, null until read. */
	datanets = $state.raw<DatanetChoice[] | null>(null);
	/** The Datanets chosen for the next build. */
	chosen = $state<Hex[]>([]);
	/** The stored span indexes, newest first; null until read. */
	indexes = $state.raw<SpanIndexSummary[] | null>(null);
	/** A model's tokenizer.json to build with instead of training one; null trains one on the records. */
	tokenizerFile = $state.raw<{ name: string; json: string } | null>(null);
	/** The key of the index traces use. */
	selected = $state<string | null>(null);
	building = $state.raw<{ label: string; value: number | null } | null>(null);
	tracing = $state(false);
	result = $state.raw<TracedAnswer | null>(null);

	/** The attribution worker (shared with the influence panel), started on first use. */
	worker(): Comlink.Remote<AttributionApi> {
		return attributionWorker();
	}

	/** Reads the Datanets from IndexedDB and the stored indexes from OPFS; keeps the selection if its index is still there. */
	async refresh(): Promise<void> {
		const db = await app.db();
		const list = await listDatanets(db);
		this.datanets = await Promise.all(
			list.map(async (datanet) => {
				const stats = await getStats(db, datanet.id);
				return { datanet, approved: stats.byStatus.approved, version: datanetVersion(datanet, stats) };
			})
		);
		this.indexes = await this.worker().listSpanIndexes();
		if (!this.indexes.some((i) => i.key === this.selected)) this.selected = this.indexes[0]?.key ?? null;
	}

	/** Builds the span index of the chosen Datanets in the worker, with progress, and selects it. */
	async build(): Promise<void> {
		if (this.building || this.chosen.length === 0) return;
		this.building = { label: 'Starting…', value: null };
		const tokenizer: SpanTokenizerChoice = this.tokenizerFile ? { kind: 'given', tokenizerJson: this.tokenizerFile.json } : DEFAULT_SPAN_TOKENIZER;
		try {
			const built = await this.worker().buildSpanIndex(
				{ datanetIds: [...this.chosen], tokenizer },
				Comlink.proxy((p: SpanIndexProgress) => {
					if (this.building) this.building = buildProgressLabel(p);
				})
			);
			app.notice = built.segmentsBuilt
				? `Indexed ${count(built.recordsIndexed)} records: ${count(built.records)} records, ${count(built.tokens)} tokens.`
				: `The index was up to date: ${count(built.records)} records, nothing to add.`;
			this.selected = built.key;
			this.indexes = await this.worker().listSpanIndexes();
		} catch (e) {
			app.fail(e);
		} finally {
			this.building = null;
		}
	}

	/** Traces an answer against the selected index. */
	async trace(prompt: string, response: string): Promise<void> {
		const key = this.selected;
		if (!key || this.tracing || !response.trim()) return;
		this.tracing = true;
		try {
			this.result = { prompt, response, trace: await this.worker().traceSpans(key, { prompt, response }) };
		} catch (e) {
			app.fail(e);
		} finally {
			this.tracing = false;
		}
	}

	/** The names of the Datanets by id, for labels. */
	names(): Record<string, string> {
		return Object.fromEntries((this.datanets ?? []).map((d) => [d.datanet.id, d.datanet.name]));
	}

	/** Whether an index holds its Datanets as they are now (false once one of them has changed since it was built). */
	isCurrent(index: SpanIndexSummary): boolean {
		const versions = new Map((this.datanets ?? []).map((d) => [d.datanet.id, d.version]));
		return index.datanetVersions.every((d) => versions.get(d.datanetId as Hex) === d.version);
	}
}

/** The span-trace page's state. */
export const spanTrace = new SpanTrace();
