// GELU backward, one invocation per element: dinp += gelu'(x) dout, recomputing tanh (clamped as in the forward).
override WORKGROUP: u32;
override N: u32;

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;

const SQRT_2_OVER_PI = 0.7978845608028654;
const CUBE = 0.044715;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= N) {
		return;
	}
	let x = inp[i];
	let t = tanh(clamp(SQRT_2_OVER_PI * (x + CUBE * x * x * x), -15.0, 15.0));
	let local = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBE * x * x);
	dinp[i] += local * dout[i];
}
