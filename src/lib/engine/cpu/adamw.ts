// AdamW with bias correction and decoupled weight decay (PyTorch's torch.optim.AdamW update, applied to a range of
// a flat buffer so the model can decay matrices but not biases and LayerNorm gains), and global-norm gradient
// clipping as torch.nn.utils.clip_grad_norm_. Shapes: P parameters; params, grads, m and v are all (P).
import type { Floats } from './floats';

/** AdamW hyperparameters for one step. */
export type AdamWOptions = {
	/** Step size at this step (the schedule is the caller's). */
	learningRate: number;
	/** Decay of the first-moment average. */
	beta1: number;
	/** Decay of the second-moment average. */
	beta2: number;
	/** Added to sqrt(vhat) to keep the step finite. */
	eps: number;
	/** Decoupled decay: p -= learningRate * weightDecay * p. */
	weightDecay: number;
};

/** Applies one AdamW update to params[start, end), step counting from 1; m and v are updated in place. */
export function adamwStep(
	params: Floats, // (P)
	grads: Floats, // (P)
	m: Floats, // (P) first moments
	v: Floats, // (P) second moments
	step: number,
	options: AdamWOptions,
	start = 0,
	end = params.length
): void {
	const { learningRate: lr, beta1, beta2, eps, weightDecay } = options;
	const correction1 = 1 - beta1 ** step;
	const correction2 = 1 - beta2 ** step;
	for (let i = start; i < end; i++) {
		const g = grads[i];
		const mi = beta1 * m[i] + (1 - beta1) * g;
		const vi = beta2 * v[i] + (1 - beta2) * g * g;
		m[i] = mi;
		v[i] = vi;
		const mhat = mi / correction1;
		const vhat = vi / correction2;
		params[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + weightDecay * params[i]);
	}
}

/** Scales grads so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(grads: Floats /* (P) */, maxNorm: number): number {
	let sum = 0;
	for (let i = 0; i < grads.length; i++) sum += grads[i] * grads[i];
	const norm = Math.sqrt(sum);
	const coef = maxNorm / (norm + 1e-6);
	if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i] *= coef;
	return norm;
}
