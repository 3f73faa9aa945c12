// The one module that meets GPU failure: it gates the adapter on the limits the kernels need (navigator.gpu alone says
// nothing about them), turns device loss and uncaptured errors into WebGPUError, and builds every pipeline inside a
// validation error scope, so a bad shader throws a typed error here instead of poisoning a later submission.
import { BaseError, type BaseErrorOptions } from '$lib/core/errors';

/** What went wrong with the GPU. */
export type WebGPUFailure = 'unavailable' | 'limits' | 'lost' | 'shader' | 'validation';

export class WebGPUError extends BaseError {
	override name = 'WebGPUError';
	reason: WebGPUFailure;

	constructor(reason: WebGPUFailure, shortMessage: string, options: BaseErrorOptions = {}) {
		super(shortMessage, options);
		this.reason = reason;
	}
}

/** Limits below which the adapter is refused: 256-invocation workgroups and the bindings of the widest kernel. */
export const REQUIRED_LIMITS = {
	maxComputeInvocationsPerWorkgroup: 256,
	maxComputeWorkgroupSizeX: 256,
	maxComputeWorkgroupSizeY: 16,
	maxComputeWorkgroupStorageSize: 4096,
	maxStorageBuffersPerShaderStage: 6
} as const satisfies Partial<Record<keyof GPUSupportedLimits, number>>;

/** A ready device and what the engine learned about it. */
export type GPUContext = {
	device: GPUDevice;
	/** The adapter's description, for notices and benchmark reports. */
	adapterInfo: GPUAdapterInfo;
	/** Resolves once, with the typed error, if the device is lost; the caller falls back to the CPU backend. */
	lost: Promise<WebGPUError>;
};

/** Options for requestGPU. */
export type RequestGPUParameters = {
	powerPreference?: GPUPowerPreference;
	/** Called for every uncaptured GPU error (validation or out-of-memory outside an error scope). */
	onError?: (error: WebGPUError) => void;
};

const HINT = 'Use a browser with WebGPU enabled (Chrome or Edge 113+), or train on the CPU.';

/** Requests an adapter that meets REQUIRED_LIMITS and a device with its largest buffer limits; throws WebGPUError. */
export async function requestGPU({ powerPreference, onError }: RequestGPUParameters = {}): Promise<GPUContext> {
	const gpu = typeof navigator === 'undefined' ? undefined : navigator.gpu;
	const adapter = gpu ? await gpu.requestAdapter({ powerPreference }) : null;
	if (!adapter) throw new WebGPUError('unavailable', 'WebGPU is not available in this browser.', { hint: HINT });
	const short = (Object.keys(REQUIRED_LIMITS) as (keyof typeof REQUIRED_LIMITS)[]).filter(
		(key) => adapter.limits[key] < REQUIRED_LIMITS[key]
	);
	if (short.length > 0) {
		throw new WebGPUError('limits', 'This GPU does not meet the engine\'s limits.', {
			hint: HINT,
			details: short.map((key) => `${key} ${adapter.limits[key]} < ${REQUIRED_LIMITS[key]}`).join(', ')
		});
	}
	let device: GPUDevice;
	try {
		device = await adapter.requestDevice({
			label: 'ledgerlight engine',
			requiredLimits: {
				...REQUIRED_LIMITS,
				maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
				maxBufferSize: adapter.limits.maxBufferSize
			}
		});
	} catch (cause) {
		throw new WebGPUError('unavailable', 'The GPU refused to create a device.', { cause, hint: HINT, details: String(cause) });
	}
	device.addEventListener('uncapturederror', (event) => {
		const { error } = event as GPUUncapturedErrorEvent;
		onError?.(new WebGPUError('validation', 'A GPU command failed.', { cause: error, details: error.message }));
	});
	const lost = device.lost.then(
		(info) =>
			new WebGPUError('lost', 'The GPU device was lost.', {
				details: `${info.reason}: ${info.message}`,
				hint: 'Training continues on the CPU; reload the page to try the GPU again.'
			})
	);
	return { device, adapterInfo: adapter.info, lost };
}

/** What createComputePipeline builds: one shader's `main` entry point with its override constants. */
export type ComputePipelineParameters = {
	label: string;
	code: string;
	layout: GPUPipelineLayout;
	constants: Record<string, number>;
};

/** Compiles a shader and builds its pipeline inside a validation error scope; throws WebGPUError('shader'). */
export async function createComputePipeline(
	device: GPUDevice,
	{ label, code, layout, constants }: ComputePipelineParameters
): Promise<GPUComputePipeline> {
	device.pushErrorScope('validation');
	const module = device.createShaderModule({ label, code });
	const info = await module.getCompilationInfo();
	let pipeline: GPUComputePipeline | undefined;
	let failure: unknown;
	try {
		pipeline = await device.createComputePipelineAsync({ label, layout, compute: { module, entryPoint: 'main', constants } });
	} catch (cause) {
		failure = cause;
	}
	const scopeError = await device.popErrorScope();
	const messages = info.messages
		.filter((m) => m.type === 'error')
		.map((m) => `${label}:${m.lineNum}:${m.linePos} ${m.message}`);
	if (scopeError) messages.push(scopeError.message);
	if (failure) messages.push(failure instanceof Error ? failure.message : String(failure));
	if (!pipeline || messages.length > 0) {
		throw new WebGPUError('shader', `The GPU kernel "${label}" did not compile.`, {
			cause: failure ?? scopeError ?? undefined,
			details: messages.join('\n')
		});
	}
	return pipeline;
}
