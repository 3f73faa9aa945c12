// Softmax + cross-entropy over the vocabulary, fused: the loss is the mean over positions whose target is not
// IGNORE_INDEX (padding), so a batch with padding trains exactly like one without it. The forward stores the
// probabilities for the backward; dlogits accumulates with +=. Shapes: B batch, T time, V vocab.
import type { Floats } from './floats';

/** Target value that marks a position as padding: it contributes no loss and no gradient. */
export const IGNORE_INDEX = -1;

/** Writes probs = softmax(logits) and per-position losses; returns the mean loss over counted positions (0 if none). */
export function crossEntropyForward(
	losses: Floats, // (B,T) 0 at ignored positions
	probs: Floats, // (B,T,V)
	logits: Floats, // (B,T,V)
	targets: Int32Array, // (B,T) in [0, V) or IGNORE_INDEX
	B: number,
	T: number,
	V: number
): number {
	let total = 0;
	let count = 0;
	for (let bt = 0; bt < B * T; bt++) {
		const r = bt * V;
		let max = -Infinity;
		for (let v = 0; v < V; v++) if (logits[r + v] > max) max = logits[r + v];
		let sum = 0;
		for (let v = 0; v < V; v++) {
			const e = Math.exp(logits[r + v] - max);
			probs[r + v] = e;
			sum += e;
		}
		const inv = 1 / sum;
		for (let v = 0; v < V; v++) probs[r + v] *= inv;
		const target = targets[bt];
		if (target === IGNORE_INDEX) {
			losses[bt] = 0;
			continue;
		}
		// log-sum-exp form, so a tiny probability does not round to log(0).
		const loss = Math.log(sum) + max - logits[r + target];
		losses[bt] = loss;
		total += loss;
		count++;
	}
	return count === 0 ? 0 : total / count;
}

/** Backward of the mean loss scaled by dloss: dlogits += dloss / count * (probs - onehot(target)). */
export function crossEntropyBackward(
	dlogits: Floats, // (B,T,V)
	probs: Floats, // (B,T,V)
	targets: Int32Array, // (B,T)
	dloss: number, // gradient of the objective w.r.t. the mean loss (1 for plain training)
	B: number,
	T: number,
	V: number
): void {
	let count = 0;
	for (let bt = 0; bt < B * T; bt++) if (targets[bt] !== IGNORE_INDEX) count++;
	if (count === 0) return;
	const g = dloss / count;
	for (let bt = 0; bt < B * T; bt++) {
		const target = targets[bt];
		if (target === IGNORE_INDEX) continue;
		const r = bt * V;
		for (let v = 0; v < V; v++) dlogits[r + v] += g * probs[r + v];
		dlogits[r + target] -= g;
	}
}
