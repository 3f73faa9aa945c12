import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { crossEntropyBackward, crossEntropyForward, IGNORE_INDEX } from './crossEntropy';
import { gradCheck, randomTensor } from './gradcheck';

describe('crossEntropy', () => {
	const [B, T, V] = [2, 3, 5];
	const logits = randomTensor(createRng(23), B * T * V, 3);
	const targets = Int32Array.from([1, 4, IGNORE_INDEX, 0, 2, 2]);
	const losses = new Float64Array(B * T);
	const probs = new Float64Array(B * T * V);

	it('is the mean of -log softmax at the targets over positions that are not ignored', () => {
		const loss = crossEntropyForward(losses, probs, logits, targets, B, T, V);
		let expected = 0;
		for (let bt = 0; bt < B * T; bt++) {
			if (targets[bt] === IGNORE_INDEX) continue;
			const row = Array.from(logits.subarray(bt * V, (bt + 1) * V));
			expected -= Math.log(Math.exp(row[targets[bt]]) / row.reduce((s, x) => s + Math.exp(x), 0));
		}
		expect(loss).toBeCloseTo(expected / 5, 12);
		expect(losses[2]).toBe(0);
	});

	it('returns 0 and leaves the gradient alone when every position is ignored', () => {
		const none = new Int32Array(B * T).fill(IGNORE_INDEX);
		expect(crossEntropyForward(losses, probs, logits, none, B, T, V)).toBe(0);
		const dlogits = new Float64Array(B * T * V);
		crossEntropyBackward(dlogits, probs, none, 1, B, T, V);
		expect(dlogits.every((x) => x === 0)).toBe(true);
	});

	it('has the gradient of central differences, and none at ignored positions', () => {
		const dlogits = new Float64Array(B * T * V);
		const failures = gradCheck(
			() => Float64Array.of(crossEntropyForward(losses, probs, logits, targets, B, T, V)),
			(dout) => crossEntropyBackward(dlogits, probs, targets, dout[0], B, T, V),
			[{ name: 'logits', value: logits, grad: dlogits }],
			{ samples: B * T * V }
		);
		expect(failures).toEqual([]);
		for (let v = 0; v < V; v++) expect(dlogits[2 * V + v]).toBe(0.5); // only the check's prefill
	});
});
