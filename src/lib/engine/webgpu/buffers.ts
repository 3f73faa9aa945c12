// Storage buffers for the engine's tensors: create from host data, and read back through a staging buffer. Readback
// waits on the queue, so training reads the loss back rarely; tests use it after every op.

/** Usage of every engine tensor: bound as storage, filled by writeBuffer, copied out for readback. */
export const TENSOR_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

/** Creates a labelled storage buffer holding data (or `length` zeros). */
export function createTensor(device: GPUDevice, label: string, data: Float32Array | Int32Array | number): GPUBuffer {
	const bytes = typeof data === 'number' ? data * 4 : data.byteLength;
	const buffer = device.createBuffer({ label, size: Math.max(4, Math.ceil(bytes / 4) * 4), usage: TENSOR_USAGE, mappedAtCreation: true });
	if (typeof data !== 'number') new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
	buffer.unmap();
	return buffer;
}

/** Copies `length` floats out of a buffer once the queue has finished everything submitted before. */
export async function readTensor(device: GPUDevice, buffer: GPUBuffer, length: number): Promise<Float32Array> {
	const staging = device.createBuffer({ label: `${buffer.label} readback`, size: length * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
	const encoder = device.createCommandEncoder({ label: `${buffer.label} readback` });
	encoder.copyBufferToBuffer(buffer, 0, staging, 0, length * 4);
	device.queue.submit([encoder.finish()]);
	await staging.mapAsync(GPUMapMode.READ);
	const out = new Float32Array(staging.getMappedRange().slice(0));
	staging.destroy();
	return out;
}
