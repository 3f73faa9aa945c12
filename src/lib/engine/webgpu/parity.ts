// Helpers for the WebGPU-vs-CPU parity tests: one device for the file, seeded random tensors, upload/readback, and the
// error measure. Error is normwise, max|gpu - cpu| / max|cpu|: elementwise relative error is meaningless on outputs
// that cancel to near zero, and the f32 bounds quoted in the tests are bounds of this measure.
import { createRng } from '../random';
import { createTensor, readTensor } from './buffers';
import { requestGPU } from './device';
import { KernelCache } from './kernels';

/** A device, its kernel cache, and tensor helpers bound to them. */
export type ParitySession = {
	device: GPUDevice;
	cache: KernelCache;
	upload(label: string, data: Float32Array | Int32Array | number): GPUBuffer;
	read(buffer: GPUBuffer, length: number): Promise<Float32Array>;
	/** Encodes with the callback and submits once, failing on any validation error. */
	run(encode: (encoder: GPUCommandEncoder) => void): Promise<void>;
};

/** Opens a GPU session for one test file. */
export async function openParitySession(): Promise<ParitySession> {
	const { device } = await requestGPU();
	const cache = new KernelCache(device);
	return {
		device,
		cache,
		upload: (label, data) => createTensor(device, label, data),
		read: (buffer, length) => readTensor(device, buffer, length),
		async run(encode) {
			device.pushErrorScope('validation');
			const encoder = device.createCommandEncoder({ label: 'parity test' });
			encode(encoder);
			device.queue.submit([encoder.finish()]);
			const error = await device.popErrorScope();
			if (error) throw new Error(error.message);
		}
	};
}

/** Seeded normal(0, std) floats. */
export function randomFloats(length: number, seed: number, std = 1): Float32Array {
	const rng = createRng(seed);
	return Float32Array.from({ length }, () => std * rng.normal());
}

/** Normwise relative error of gpu against the CPU reference: max|gpu - cpu| / max|cpu|. */
export function relativeError(gpu: ArrayLike<number>, cpu: ArrayLike<number>): number {
	if (gpu.length !== cpu.length) throw new Error(`length ${gpu.length} != ${cpu.length}`);
	let diff = 0;
	let scale = 0;
	for (let i = 0; i < cpu.length; i++) {
		diff = Math.max(diff, Math.abs(gpu[i] - cpu[i]));
		scale = Math.max(scale, Math.abs(cpu[i]));
	}
	return diff === 0 ? 0 : diff / scale;
}
