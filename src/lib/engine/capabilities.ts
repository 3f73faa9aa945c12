// What a device can train: whether a model fits the GPU's buffer limits (checked before any buffer is made, so a model
// too large fails with the sizes instead of a validation error), and which presets to offer on this device with their
// memory. Pure functions of the config and the adapter's limits, so the page can ask without creating a device.
import { GPT_PRESETS, gptConfig, parameterCount, type GPTConfig, type GPTPreset } from './config';
import { EngineConfigError } from './errors';

/** The adapter limits these checks read. */
export type BufferLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/** Checks that every buffer the model and a (B, T) batch need fits the device's limits; throws EngineConfigError. */
export function checkWebGPUFits(limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>, model: GPTConfig, B: number): void {
	const { vocabSize: V, blockSize: T, nEmbd: C, nHead: NH } = model;
	const largest = {
		'parameters (P)': parameterCount(model),
		'logits (B,T,V)': B * T * V,
		'attention (B,NH,T,T)': B * NH * T * T,
		'MLP activations (B,T,4C)': B * T * 4 * C
	};
	const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
	const over = Object.entries(largest).filter(([, floats]) => floats * 4 > limit);
	if (over.length > 0) {
		throw new EngineConfigError('The model is too large for this GPU.', {
			details: `${over.map(([name, floats]) => `${name} needs ${mib(floats * 4)}`).join('; ')}; the GPU binds at most ${mib(limit)}.`,
			hint: 'Use a smaller model preset, or a smaller batchSize or blockSize (gradAccumSteps keeps the effective batch).'
		});
	}
}

/** Bytes a training run of the model holds: parameters, gradients and AdamW's two moments (4 floats each), plus the
 * activations and their gradients of one (B, T) batch (the largest tensors per block, twice). An estimate, in float32. */
export function trainingMemoryBytes(model: GPTConfig, B: number): number {
	const { vocabSize: V, blockSize: T, nEmbd: C, nHead: NH, nLayer: L } = model;
	const perLayer = B * T * (16 * C) + B * NH * T * T; // ln, qkv, attention out, MLP (4C twice), residuals; softmax
	const activations = L * perLayer + B * T * (3 * C + 2 * V); // embeddings, final norm, logits and probabilities
	return 4 * (4 * parameterCount(model) + 2 * activations);
}

/** A preset as the training form offers it on this device. */
export type PresetOffer = {
	preset: GPTPreset;
	parameters: number;
	memoryBytes: number;
	/** Whether to offer it; when not, `reason` says why in a sentence. */
	available: boolean;
	reason?: string;
};

/** Presets of more parameters than this train only on WebGPU: on the CPU they would take hours per epoch. */
export const CPU_PRESET_LIMIT = 10_000_000;

/** The memory a training run may take in one tab: half the device's memory as the browser reports it
 * (navigator.deviceMemory, in GiB, which Chromium caps at 8), 8 GiB when it does not say. */
export function trainingMemoryBudget(deviceMemoryGiB?: number): number {
	const gib = deviceMemoryGiB && Number.isFinite(deviceMemoryGiB) && deviceMemoryGiB > 0 ? Math.min(deviceMemoryGiB, 8) : 8;
	return (gib / 2) * 2 ** 30;
}

/** The presets for this device: `limits` null when there is no WebGPU adapter; a preset whose training memory at
 * batch size B is over `memoryBudget` bytes is not offered either. */
export function presetOffers(limits: BufferLimits | null, B: number, memoryBudget = Infinity): PresetOffer[] {
	return (Object.keys(GPT_PRESETS) as GPTPreset[]).map((preset) => {
		const model = gptConfig(preset);
		const offer: PresetOffer = { preset, parameters: parameterCount(model), memoryBytes: trainingMemoryBytes(model, B), available: true };
		if (offer.memoryBytes > memoryBudget) {
			return { ...offer, available: false, reason: `Needs about ${gb(offer.memoryBytes)} at batch size ${B}, more than this device gives one tab (about ${gb(memoryBudget)}).` };
		}
		if (!limits) {
			if (offer.parameters > CPU_PRESET_LIMIT) return { ...offer, available: false, reason: 'Needs WebGPU, which this browser does not offer.' };
			return offer;
		}
		try {
			checkWebGPUFits(limits, model, B);
		} catch (e) {
			if (offer.parameters > CPU_PRESET_LIMIT) return { ...offer, available: false, reason: `Too large for this GPU at batch size ${B}.` };
		}
		return offer;
	});
}

function gb(bytes: number): string {
	return `${(bytes / 1e9).toFixed(1)} GB`;
}

function mib(bytes: number): string {
	return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
