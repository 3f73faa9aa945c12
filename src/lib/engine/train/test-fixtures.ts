// Fixtures for the training session's tests (imported by tests only): short, varied English sentences with stable
// CIDs, enough text for a 300-token BPE and a few hundred windows of a short blockSize; and an in-memory RunStorage.
import { recordCidString } from '$lib/core/cid';
import { canonicalRecord } from '$lib/core/record';
import type { RunStorage } from '../checkpoint/opfs';
import type { TrainingRecord } from './data';

const PLACES = ['river', 'meadow', 'quarry', 'orchard', 'harbor', 'forest'];
const CREATURES = ['heron', 'fox', 'otter', 'beetle', 'sparrow', 'badger', 'moth'];

/** The text of sentence i. */
export function sentence(i: number): string {
	const place = PLACES[i % PLACES.length];
	const creature = CREATURES[(i * 3) % CREATURES.length];
	return `On day ${i} the ${creature} crossed the ${place} and rested near the old ${PLACES[(i + 2) % PLACES.length]} gate.`;
}

/** `count` text records made of sentence(0..count-1), with their CIDs. */
export function sentenceRecords(count: number): TrainingRecord[] {
	return Array.from({ length: count }, (_, i) => {
		const { content, bytes } = canonicalRecord('text', { text: sentence(i) });
		return { cid: recordCidString(bytes), content };
	});
}

// Files by `${runId}/${path}`; a copy of the map is the storage as a killed worker would leave it.
export function memoryStorage(files = new Map<string, Uint8Array>()): RunStorage & { files: Map<string, Uint8Array> } {
	const runOf = (key: string) => key.slice(0, key.indexOf('/'));
	const names = (runId: string) => [...files.keys()].filter((k) => runOf(k) === runId).map((k) => k.slice(runId.length + 1).split('/')[0]);
	return {
		files,
		listRuns: async () => [...new Set([...files.keys()].map(runOf))].sort(),
		list: async (runId) => [...new Set(names(runId))].sort(),
		read: async (runId, path) => files.get(`${runId}/${path}`)?.slice() ?? null,
		write: async (runId, path, bytes) => void files.set(`${runId}/${path}`, bytes.slice()),
		remove: async (runId, name) => {
			const prefix = name === undefined ? `${runId}/` : `${runId}/${name}`;
			for (const key of [...files.keys()]) if (key === prefix || key.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)) files.delete(key);
		}
	};
}
