// The kernel cache: pipelines and bind group layouts are built once per (shader, override constants), bind groups once
// per (kernel, buffers), so per-step code only encodes. Bind groups are memoised on buffer identity, which suits the
// engine's long-lived buffers (and on offset and size for a range); every dispatch gets its own labelled compute pass
// on the caller's encoder.
import { createComputePipeline } from './device';

/** What a kernel binds: a whole buffer, or a range of one (a parameter tensor inside the flat parameter buffer). */
export type GPUTensor = GPUBuffer | GPUBufferBinding;

/** How a kernel sees one binding, in binding order. */
export type Binding = 'read' | 'write' | 'uniform';

/** A shader (one `main` entry point) with the override constants that specialise it. */
export type KernelSpec = {
	label: string;
	code: string;
	bindings: readonly Binding[];
	constants: Record<string, number | boolean>;
};

/** A built pipeline and its bind group layout. */
export type Kernel = {
	label: string;
	pipeline: GPUComputePipeline;
	layout: GPUBindGroupLayout;
};

/** Most workgroups one dispatch dimension may have (WebGPU's default maxComputeWorkgroupsPerDimension). */
const MAX_GROUPS = 65535;

const BUFFER_TYPE: Record<Binding, GPUBufferBindingType> = { read: 'read-only-storage', write: 'storage', uniform: 'uniform' };

/** Builds and keeps the engine's pipelines, layouts and bind groups for one device. */
export class KernelCache {
	readonly device: GPUDevice;
	private readonly kernels = new Map<string, Promise<Kernel>>();
	private readonly layouts = new Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
	private readonly bindGroups = new Map<string, GPUBindGroup>();
	private readonly bufferIds = new WeakMap<GPUBuffer, number>();

	constructor(device: GPUDevice) {
		this.device = device;
	}

	/** Returns the kernel for a spec, building it on first use; throws WebGPUError if it does not compile. */
	kernel(spec: KernelSpec): Promise<Kernel> {
		const constants = Object.fromEntries(
			Object.entries(spec.constants)
				.sort(([a], [b]) => (a < b ? -1 : 1))
				.map(([name, value]) => [name, Number(value)])
		);
		const key = `${spec.code}\n${JSON.stringify(constants)}`;
		let kernel = this.kernels.get(key);
		if (!kernel) {
			const layout = this.layout(spec.bindings);
			const label = `${spec.label} ${JSON.stringify(constants)}`;
			kernel = createComputePipeline(this.device, { label, code: spec.code, layout: layout.pipeline, constants }).then(
				(pipeline) => ({ label, pipeline, layout: layout.group })
			);
			kernel.catch(() => this.kernels.delete(key));
			this.kernels.set(key, kernel);
		}
		return kernel;
	}

	/** Encodes one dispatch of kernel over buffers (in binding order) as its own compute pass. */
	dispatch(encoder: GPUCommandEncoder, kernel: Kernel, buffers: readonly GPUTensor[], groups: readonly [number, number?, number?]): void {
		const pass = encoder.beginComputePass({ label: kernel.label });
		pass.setPipeline(kernel.pipeline);
		pass.setBindGroup(0, this.bindGroup(kernel, buffers));
		pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
		pass.end();
	}

	/** Encodes a dispatch of `count` invocations in workgroups of `size`, folded into y past 65,535 workgroups. */
	dispatchLinear(encoder: GPUCommandEncoder, kernel: Kernel, buffers: readonly GPUTensor[], count: number, size: number): void {
		const groups = Math.ceil(count / size);
		if (groups === 0) return;
		const x = Math.min(groups, MAX_GROUPS);
		this.dispatch(encoder, kernel, buffers, [x, Math.ceil(groups / x)]);
	}

	private layout(bindings: readonly Binding[]) {
		const key = bindings.join(',');
		let layout = this.layouts.get(key);
		if (!layout) {
			const group = this.device.createBindGroupLayout({
				label: `engine layout (${key})`,
				entries: bindings.map((binding, i) => ({
					binding: i,
					visibility: GPUShaderStage.COMPUTE,
					buffer: { type: BUFFER_TYPE[binding] }
				}))
			});
			const pipeline = this.device.createPipelineLayout({ label: `engine pipeline layout (${key})`, bindGroupLayouts: [group] });
			layout = { group, pipeline };
			this.layouts.set(key, layout);
		}
		return layout;
	}

	private bindGroup(kernel: Kernel, tensors: readonly GPUTensor[]): GPUBindGroup {
		const bindings = tensors.map((tensor): GPUBufferBinding => (tensor instanceof GPUBuffer ? { buffer: tensor } : tensor));
		const key = `${kernel.label}|${bindings.map((b) => `${this.bufferId(b.buffer)}@${b.offset ?? 0}+${b.size ?? ''}`).join(',')}`;
		let group = this.bindGroups.get(key);
		if (!group) {
			group = this.device.createBindGroup({
				label: `${kernel.label} bindings`,
				layout: kernel.layout,
				entries: bindings.map((resource, i) => ({ binding: i, resource }))
			});
			this.bindGroups.set(key, group);
		}
		return group;
	}

	private bufferId(buffer: GPUBuffer): number {
		let id = this.bufferIds.get(buffer);
		if (id === undefined) {
			id = nextBufferId++;
			this.bufferIds.set(buffer, id);
		}
		return id;
	}
}

let nextBufferId = 0;
