// Scoring an influence index on WebGPU: the (N, k) f16 matrix is uploaded once, two halves per u32 (the Uint16Array's
// bytes as they are, low half first on little-endian hosts) with each row padded to whole vec4<u32> words (a plain
// copy when k % 8 == 0, the usual case), in row chunks that each fit the device's
// binding and buffer limits (100k x 2,048 needs 4 at the default 128 MiB). A score is then one submission: the query
// write, every chunk's dispatch of score.wgsl in one pass, and the copy to a readback buffer that is mapped.
import { createComputePipeline, WebGPUError } from '$lib/engine/webgpu/device';
import { checkGradientMatrix, checkQuery, InfluenceScoreError, type GradientMatrix } from '../score';
import scoreWgsl from './score.wgsl?raw';

/** How a workgroup is laid out: invocations per row (a power of two, for the tree reduction) and rows per workgroup. */
export type ScoreLayout = { threadsPerRow: number; rowsPerGroup: number };

/**
 * 16 invocations a row, 16 rows a workgroup: 256 invocations fill whole warps and wavefronts, a row's 16 lanes read 256
 * contiguous bytes a step, and 10k rows still make 160k invocations. Under SwiftShader (scripts/bench-influence.mjs
 * compares layouts) it beats 64 x 1 and 32 x 8, while 4 x 64 is faster still there but leaves a large GPU a quarter
 * as many invocations; no real GPU has measured these yet.
 */
export const DEFAULT_SCORE_LAYOUT: ScoreLayout = { threadsPerRow: 16, rowsPerGroup: 16 };

/** Halves per vec4<u32> word: a row is padded to a multiple of this. */
const HALVES_PER_WORD = 8;

/** Bytes per vec4<u32> word. */
const WORD_BYTES = 16;

/** Bytes of the Chunk uniform: two u32, padded to 16. */
const CHUNK_UNIFORM_BYTES = 16;

/** What WebGPUScorer.create needs. */
export type CreateWebGPUScorerParameters = {
	device: GPUDevice;
	matrix: GradientMatrix;
	/** Largest matrix chunk in bytes, under the device's limits; tests set it small to get several chunks. */
	maxChunkBytes?: number;
	/** Workgroup layout, for benchmarks and tests; DEFAULT_SCORE_LAYOUT otherwise. */
	layout?: ScoreLayout;
};

/** One chunk of consecutive rows: its buffer, its uniform and its bind group, made once. */
type Chunk = {
	rowStart: number;
	rows: number;
	buffer: GPUBuffer;
	uniform: GPUBuffer;
	bindGroup: GPUBindGroup;
	/** Workgroups in x and y (x * y * rowsPerGroup >= rows; the kernel guards the rest). */
	groups: [number, number];
};

/** A resident influence index on one device, scored against one query per call. */
export class WebGPUScorer {
	readonly device: GPUDevice;
	/** Records N. */
	readonly rows: number;
	/** Values per record. */
	readonly k: number;
	/** How many row chunks the matrix was split into. */
	readonly chunkCount: number;
	private readonly pipeline: GPUComputePipeline;
	private readonly chunks: Chunk[];
	private readonly query: GPUBuffer; // (2 * rowWords) vec4<f32>
	private readonly scores: GPUBuffer; // (N)
	private readonly readback: GPUBuffer; // (N)
	/** The zero-padded query, when k is not a multiple of 8; null when the query is written as given. */
	private readonly paddedQuery: Float32Array | null;
	/** The last score call, so a call waits for the readback buffer to be unmapped. */
	private last: Promise<unknown> = Promise.resolve();
	private destroyed = false;

	private constructor(fields: {
		device: GPUDevice;
		matrix: GradientMatrix;
		pipeline: GPUComputePipeline;
		chunks: Chunk[];
		query: GPUBuffer;
		scores: GPUBuffer;
		readback: GPUBuffer;
		paddedQuery: Float32Array | null;
	}) {
		this.device = fields.device;
		this.rows = fields.matrix.rows;
		this.k = fields.matrix.k;
		this.chunkCount = fields.chunks.length;
		this.pipeline = fields.pipeline;
		this.chunks = fields.chunks;
		this.query = fields.query;
		this.scores = fields.scores;
		this.readback = fields.readback;
		this.paddedQuery = fields.paddedQuery;
	}

	/** Checks the matrix, uploads it in chunks and builds the pipeline; throws InfluenceScoreError or WebGPUError. */
	static async create({ device, matrix, maxChunkBytes, layout = DEFAULT_SCORE_LAYOUT }: CreateWebGPUScorerParameters): Promise<WebGPUScorer> {
		checkGradientMatrix(matrix);
		checkLayout(device, layout);
		const { threadsPerRow, rowsPerGroup } = layout;
		const { rows, k } = matrix;
		const rowWords = Math.ceil(k / HALVES_PER_WORD);
		const rowBytes = rowWords * WORD_BYTES;
		const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
		const chunkLimit = Math.min(limit, maxChunkBytes ?? Infinity);
		const rowsPerChunk = Math.floor(chunkLimit / rowBytes);
		if (rowsPerChunk < 1) {
			throw new WebGPUError('limits', 'One influence record does not fit in a GPU buffer.', {
				details: `${rowBytes} bytes per row, chunk limit ${chunkLimit} bytes`
			});
		}
		if (rows * 4 > limit) {
			throw new WebGPUError('limits', 'The influence index has more records than one GPU score buffer holds.', {
				details: `${rows} scores need ${rows * 4} bytes, limit ${limit} bytes`
			});
		}
		// Equal chunks rather than full ones and a small remainder, so no dispatch is a straggler.
		const chunkCount = rows === 0 ? 0 : Math.ceil(rows / rowsPerChunk);
		const chunkRows = chunkCount === 0 ? 0 : Math.ceil(rows / chunkCount);

		const bindGroupLayout = device.createBindGroupLayout({
			label: 'influence score layout',
			entries: (['read-only-storage', 'read-only-storage', 'storage', 'uniform'] as const).map((type, binding) => ({
				binding,
				visibility: GPUShaderStage.COMPUTE,
				buffer: { type }
			}))
		});
		const pipeline = await createComputePipeline(device, {
			label: 'influence score',
			code: scoreWgsl,
			layout: device.createPipelineLayout({ label: 'influence score pipeline layout', bindGroupLayouts: [bindGroupLayout] }),
			constants: { THREADS_PER_ROW: threadsPerRow, ROWS_PER_GROUP: rowsPerGroup, ROW_WORDS: rowWords }
		});

		device.pushErrorScope('out-of-memory');
		device.pushErrorScope('validation');
		const query = device.createBuffer({ label: 'influence query', size: rowWords * 2 * WORD_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
		const scoreBytes = Math.max(4, rows * 4);
		const scores = device.createBuffer({ label: 'influence scores', size: scoreBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
		const readback = device.createBuffer({ label: 'influence scores readback', size: scoreBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
		const chunks: Chunk[] = [];
		for (let rowStart = 0; rowStart < rows; rowStart += chunkRows) {
			const n = Math.min(chunkRows, rows - rowStart);
			const label = `influence matrix rows ${rowStart}..${rowStart + n}`;
			const buffer = device.createBuffer({ label, size: n * rowBytes, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
			uploadRows(buffer, matrix, rowStart, n, rowWords);
			buffer.unmap();
			const uniform = device.createBuffer({ label: `${label} uniform`, size: CHUNK_UNIFORM_BYTES, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
			new Uint32Array(uniform.getMappedRange()).set([rowStart, n]);
			uniform.unmap();
			const bindGroup = device.createBindGroup({
				label: `${label} bindings`,
				layout: bindGroupLayout,
				entries: [buffer, query, scores, uniform].map((b, binding) => ({ binding, resource: { buffer: b } }))
			});
			const groups = Math.ceil(n / rowsPerGroup);
			const x = Math.min(groups, device.limits.maxComputeWorkgroupsPerDimension);
			chunks.push({ rowStart, rows: n, buffer, uniform, bindGroup, groups: [x, Math.ceil(groups / x)] });
		}
		const validation = await device.popErrorScope();
		const outOfMemory = await device.popErrorScope();
		const failure = outOfMemory ?? validation;
		if (failure) {
			for (const b of [query, scores, readback, ...chunks.flatMap((c) => [c.buffer, c.uniform])]) b.destroy();
			throw new WebGPUError(outOfMemory ? 'limits' : 'validation', 'The influence index could not be uploaded to the GPU.', {
				cause: failure,
				details: failure.message,
				hint: outOfMemory ? 'The GPU is out of memory: score on the CPU, or use a smaller index.' : undefined
			});
		}
		const paddedQuery = k % HALVES_PER_WORD === 0 ? null : new Float32Array(rowWords * HALVES_PER_WORD);
		return new WebGPUScorer({ device, matrix, pipeline, chunks, query, scores, readback, paddedQuery });
	}

	/** One submission: writes the query, dispatches every chunk, copies scores to a readback buffer, maps it. */
	score(query: Float32Array): Promise<Float32Array> {
		const run = this.last.then(() => this.run(query));
		this.last = run.catch(() => undefined);
		return run;
	}

	/** Frees the GPU buffers; later score calls throw. */
	destroy(): void {
		if (this.destroyed) return;
		this.destroyed = true;
		for (const b of [this.query, this.scores, this.readback, ...this.chunks.flatMap((c) => [c.buffer, c.uniform])]) b.destroy();
	}

	private async run(query: Float32Array): Promise<Float32Array> {
		if (this.destroyed) throw new InfluenceScoreError('The WebGPU scorer was used after destroy().');
		checkQuery(query, this.k);
		if (this.rows === 0) return new Float32Array(0);
		const { device } = this;
		let values = query;
		if (this.paddedQuery) {
			this.paddedQuery.set(query);
			values = this.paddedQuery;
		}
		device.queue.writeBuffer(this.query, 0, values.buffer, values.byteOffset, values.byteLength);
		const encoder = device.createCommandEncoder({ label: 'influence score' });
		const pass = encoder.beginComputePass({ label: 'influence score' });
		pass.setPipeline(this.pipeline);
		for (const chunk of this.chunks) {
			pass.setBindGroup(0, chunk.bindGroup);
			pass.dispatchWorkgroups(chunk.groups[0], chunk.groups[1]);
		}
		pass.end();
		encoder.copyBufferToBuffer(this.scores, 0, this.readback, 0, this.rows * 4);
		device.queue.submit([encoder.finish()]);
		try {
			await this.readback.mapAsync(GPUMapMode.READ, 0, this.rows * 4);
		} catch (cause) {
			throw new WebGPUError('lost', 'Reading the influence scores back from the GPU failed.', { cause, details: String(cause) });
		}
		const scores = new Float32Array(this.readback.getMappedRange(0, this.rows * 4).slice(0));
		this.readback.unmap();
		return scores;
	}
}

/** Throws InfluenceScoreError unless the layout is a power-of-two row width within the device's workgroup limits. */
function checkLayout(device: GPUDevice, { threadsPerRow, rowsPerGroup }: ScoreLayout): void {
	const invocations = threadsPerRow * rowsPerGroup;
	const powerOfTwo = Number.isSafeInteger(threadsPerRow) && threadsPerRow > 0 && (threadsPerRow & (threadsPerRow - 1)) === 0;
	if (
		!powerOfTwo ||
		!Number.isSafeInteger(rowsPerGroup) ||
		rowsPerGroup < 1 ||
		invocations > device.limits.maxComputeInvocationsPerWorkgroup ||
		invocations > device.limits.maxComputeWorkgroupSizeX ||
		invocations * 4 > device.limits.maxComputeWorkgroupStorageSize
	) {
		throw new InfluenceScoreError('The influence score layout does not fit this GPU.', {
			details: `threadsPerRow ${threadsPerRow} (a power of two), rowsPerGroup ${rowsPerGroup}, limit ${device.limits.maxComputeInvocationsPerWorkgroup} invocations`
		});
	}
}

/** Writes rows [rowStart, rowStart + n) into a mapped chunk buffer, each row zero-padded to rowWords vec4<u32>. */
function uploadRows(buffer: GPUBuffer, { k, bits }: GradientMatrix, rowStart: number, n: number, rowWords: number): void {
	const target = new Uint16Array(buffer.getMappedRange());
	const stride = rowWords * HALVES_PER_WORD;
	if (stride === k) {
		target.set(bits.subarray(rowStart * k, (rowStart + n) * k));
		return;
	}
	for (let r = 0; r < n; r++) target.set(bits.subarray((rowStart + r) * k, (rowStart + r + 1) * k), r * stride);
}
