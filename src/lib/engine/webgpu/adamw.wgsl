// AdamW over one range of the flat buffers, one invocation per parameter: the gradient is scaled by the clip
// coefficient (and written back, as cpu/adamw.ts clips in place), then the moments, bias correction and decoupled
// weight decay as torch.optim.AdamW. The corrections 1 - beta^step arrive precomputed in float64 by the host.
override WORKGROUP: u32;

struct Range {
	lr: f32,
	beta1: f32,
	beta2: f32,
	eps: f32,
	weightDecay: f32,
	correction1: f32, // 1 - beta1^step
	correction2: f32, // 1 - beta2^step
	start: u32, // first parameter of the range
	count: u32, // parameters in the range
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>; // (P)
@group(0) @binding(1) var<storage, read_write> grads: array<f32>; // (P)
@group(0) @binding(2) var<storage, read_write> m: array<f32>; // (P)
@group(0) @binding(3) var<storage, read_write> v: array<f32>; // (P)
@group(0) @binding(4) var<storage, read> clip: array<f32>; // (2) norm, coefficient
@group(0) @binding(5) var<uniform> range: Range;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let j = gid.y * groups.x * WORKGROUP + gid.x;
	if (j >= range.count) {
		return;
	}
	let i = range.start + j;
	let g = grads[i] * clip[1];
	grads[i] = g;
	let mi = range.beta1 * m[i] + (1.0 - range.beta1) * g;
	let vi = range.beta2 * v[i] + (1.0 - range.beta2) * g * g;
	m[i] = mi;
	v[i] = vi;
	let mhat = mi / range.correction1;
	let vhat = vi / range.correction2;
	params[i] -= range.lr * (mhat / (sqrt(vhat) + range.eps) + range.weightDecay * params[i]);
}
