// The learning-rate schedule: linear warmup, then cosine decay to minLr at maxSteps, then minLr (nanoGPT's get_lr).
// Steps count from 0 (the step about to run), and warmup reaches lr at warmupSteps, so step 0 already moves the weights.

/** What the schedule depends on. */
export type ScheduleOptions = {
	/** Steps of linear warmup. */
	warmupSteps: number;
	/** The step at which the decay reaches minLr. */
	maxSteps: number;
	/** Peak learning rate, reached at the end of warmup. */
	lr: number;
	/** Floor the cosine decays to. */
	minLr: number;
};

/** Returns the learning rate of optimizer step `step` (0-based). */
export function learningRateAt(step: number, { warmupSteps, maxSteps, lr, minLr }: ScheduleOptions): number {
	if (step < warmupSteps) return (lr * (step + 1)) / (warmupSteps + 1);
	if (step >= maxSteps) return minLr;
	const progress = (step - warmupSteps) / (maxSteps - warmupSteps); // in [0, 1)
	return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - minLr);
}
