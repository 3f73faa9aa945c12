// The attribution worker, shared by the span-trace page and the Models page's influence panel: one worker, so one
// GPU device and one loaded influence index per tab. Started on first use, never at import (the prerender has no Worker).
import * as Comlink from 'comlink';
import type { InfluenceApi } from '../attribution/influence/api';
import type { AttributionApi } from '../attribution/spans/api';

/** Everything workers/attribution.worker.ts exposes. */
export type AttributionWorkerApi = AttributionApi & InfluenceApi;

let remote: Comlink.Remote<AttributionWorkerApi> | null = null;

/** The attribution worker, started on first use. */
export function attributionWorker(): Comlink.Remote<AttributionWorkerApi> {
	if (!remote) {
		const worker = new Worker(new URL('../../../workers/attribution.worker.ts', import.meta.url), { type: 'module', name: 'attribution' });
		remote = Comlink.wrap<AttributionWorkerApi>(worker);
	}
	return remote;
}
