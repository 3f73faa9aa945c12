// The guided demo on the home page: six steps from the demo Datanets to a contributor's claimable reward, for people
// who have never seen the app. Each step does its work through the same modules as the full pages (the ingest
// worker, modelFactory, modelPlayground, influenceTrace, the outbox), so the demo is the product, not a film of it.
// Where the demo stands (its step and its run) is kept in IndexedDB settings, so a reload comes back to it; whether a
// step is done is read from the real state (the Datanet stored, the run finished, the receipt paid).
import { readContract } from 'viem/actions';
import { GUIDED_DEMO_LEXNAME, demoDatanetId } from '../demo/wordnet';
import { attributionLedgerAbi } from '../chain/abi';
import { getSetting, setSetting } from '../store/accounts';
import { listDatanets } from '../store/datanets';
import { listReceipts } from '../store/receipts';
import type { Datanet, ReceiptRow } from '../store/schema';
import { app, Comlink } from './app.svelte';
import { chain } from './chain.svelte';
import { count } from './format';
import { DEFAULT_TRAIN_FORM, modelFactory } from './modelFactory.svelte';
import { modelPlayground } from './modelPlayground.svelte';

export type GuidedStepId = 'load' | 'train' | 'ask' | 'attribute' | 'record' | 'rewards';

/** The steps, each explained in one sentence. */
export const GUIDED_STEPS: readonly { id: GuidedStepId; title: string; sentence: string }[] = [
	{ id: 'load', title: 'Load the demo Datanets', sentence: 'Nine community datasets built from WordNet, every record signed by one of twelve simulated contributors, are copied into this browser.' },
	{ id: 'train', title: 'Train a tiny model', sentence: 'A half-million-parameter language model learns the Weather verbs Datanet on this device’s GPU (or its CPU), a minute or two on a laptop.' },
	{ id: 'ask', title: 'Ask it', sentence: 'The model continues the start of a text one token at a time, streamed as it is written.' },
	{ id: 'attribute', title: 'See where the answer came from', sentence: 'Every training record is scored for how much it moved the model toward this answer, and the contributors get shares by those scores.' },
	{ id: 'record', title: 'Pay and record it onchain', sentence: 'With the dev wallet, publish the Datanet, register the model with a fee, and pay for the answer: the ledger splits the fee by the shares.' },
	{ id: 'rewards', title: 'See the rewards', sentence: 'The credited contributors’ balances have grown, and each can claim them on the Rewards page, from a phone too.' }
];

/** The first words the demo asks the model to continue. */
export const GUIDED_PROMPT = 'rain';

/** Training steps the demo offers by default (a minute or two on a laptop GPU). */
export const GUIDED_TRAINING_STEPS = 200;

type Saved = { step: number; runId: string | null };

/** What one credited contributor can claim now. */
export type CreditedContributor = { contributor: `0x${string}`; bps: number; claimable: bigint | null };

class GuidedDemo {
	/** The step shown open (an index into GUIDED_STEPS); -1 until the saved place is read. */
	step = $state(-1);
	/** The demo's training run, once started. */
	runId = $state<string | null>(null);
	/** Steps to train for (the e2e test and the impatient lower it). */
	trainingSteps = $state(GUIDED_TRAINING_STEPS);
	/** The demo Datanet to train on, once stored here. */
	datanet = $state.raw<Datanet | null>(null);
	/** Whether any demo Datanet is stored. */
	hasDemo = $state(false);
	loading = $state.raw<{ label: string; value: number | null } | null>(null);
	/** The demo run's paid receipt, newest first. */
	paid = $state.raw<ReceiptRow | null>(null);
	/** The paid receipt's contributors and their claimable balances (null while read). */
	credited = $state.raw<CreditedContributor[] | null>(null);

	/** Reads where the demo stands: the saved step and run, the demo Datanet, the paid receipt. */
	async refresh(): Promise<void> {
		const db = await app.db();
		if (this.step < 0) {
			const saved = await getSetting<Saved>(db, 'guidedDemo', { step: 0, runId: null });
			this.runId = saved.runId;
			this.step = Math.min(Math.max(0, saved.step), GUIDED_STEPS.length - 1);
		}
		const list = await listDatanets(db);
		this.hasDemo = list.some((d) => d.demo);
		const id = demoDatanetId(GUIDED_DEMO_LEXNAME);
		this.datanet = list.find((d) => d.id === id) ?? null;
		const receipts = this.runId ? await listReceipts(db, this.runId) : [];
		this.paid = receipts.filter((r) => r.recorded?.txHash).sort((a, b) => (b.recorded!.confirmedAt ?? 0) - (a.recorded!.confirmedAt ?? 0))[0] ?? null;
	}

	/** Opens a step (and keeps it for the next visit). */
	async go(step: number): Promise<void> {
		this.step = Math.min(Math.max(0, step), GUIDED_STEPS.length - 1);
		await this.#save();
	}

	/** Moves on to the next step, whether or not this one was done. */
	next(): Promise<void> {
		return this.go(this.step + 1);
	}

	/** Starts over at the first step (what was stored stays). */
	async restart(): Promise<void> {
		this.runId = null;
		this.paid = null;
		this.credited = null;
		await this.go(0);
	}

	/** Loads the demo Datanets through the ingest worker, with progress. */
	async load(): Promise<void> {
		if (this.loading) return;
		this.loading = { label: 'Fetching demo Datanets…', value: null };
		try {
			const result = await app.ingest().loadDemo(
				`${location.origin}/demo`,
				Comlink.proxy((p: { file: string; index: number; count: number; stored: number }) => {
					this.loading = { label: p.file ? `Loading ${p.file} (${p.index + 1} of ${p.count}), ${count(p.stored)} records so far` : 'Finishing…', value: p.index / p.count };
				})
			);
			app.notice = `Loaded ${result.datanets.length} demo Datanets with ${count(result.stored)} records.`;
			await app.stored();
			await this.refresh();
		} catch (e) {
			app.fail(e);
		} finally {
			this.loading = null;
		}
	}

	/** Starts training `tiny` on the demo Datanet in the trainer worker; the run is followed by modelFactory, which
	 * also says why when it cannot start. */
	async train(): Promise<void> {
		const datanet = this.datanet;
		if (!datanet) return app.fail(new Error('Load the demo Datanets first: the model trains on “WordNet: Weather verbs”.'));
		await modelFactory.refresh();
		const steps = Math.max(1, Math.floor(this.trainingSteps) || GUIDED_TRAINING_STEPS);
		modelFactory.form = { ...DEFAULT_TRAIN_FORM, backend: modelFactory.form.backend, datanetIds: [datanet.id], preset: 'tiny', steps, checkpointEvery: Math.max(1, Math.ceil(steps / 8)) };
		await modelFactory.start((runId) => {
			this.runId = runId;
			void this.#save();
		});
	}

	/** The demo run as the run store lists it. */
	run() {
		return modelFactory.runs?.find((r) => r.runId === this.runId) ?? null;
	}

	/** Loads the demo model and asks it to continue the prompt, greedily (the same answer every time). */
	async ask(prompt: string): Promise<void> {
		if (!this.runId) return app.fail(new Error('Train the model first.'));
		if (modelPlayground.loaded?.runId !== this.runId || modelPlayground.loaded.step !== this.run()?.step) await modelPlayground.load(this.runId);
		if (modelPlayground.loaded?.runId !== this.runId) return;
		modelPlayground.form = { ...modelPlayground.form, prompt, temperature: 0, maxNewTokens: 24, seed: 0 };
		await modelPlayground.generate();
	}

	/** Reads what each contributor of the paid answer can claim now. */
	async readCredited(): Promise<void> {
		const paid = this.paid;
		if (!paid || !chain.config) return;
		const client = chain.client();
		const ledger = chain.contracts().AttributionLedger;
		const shares = paid.receipt.shares.slice(0, 5);
		this.credited = shares.map((s) => ({ contributor: s.contributor as `0x${string}`, bps: s.bps, claimable: null }));
		this.credited = await Promise.all(
			shares.map(async (s) => ({
				contributor: s.contributor as `0x${string}`,
				bps: s.bps,
				claimable: await readContract(client, { address: ledger, abi: attributionLedgerAbi, functionName: 'claimable', args: [s.contributor as `0x${string}`] })
			}))
		);
	}

	async #save(): Promise<void> {
		await setSetting(await app.db(), 'guidedDemo', { step: this.step, runId: this.runId } satisfies Saved);
	}
}

/** The guided demo's state. */
export const guidedDemo = new GuidedDemo();
