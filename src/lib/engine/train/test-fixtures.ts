// Records for the training session's tests (imported by tests only): short, varied English sentences with stable
// CIDs, enough text for a 300-token BPE and a few hundred windows of a short blockSize.
import { recordCidString } from '$lib/core/cid';
import { canonicalRecord } from '$lib/core/record';
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
