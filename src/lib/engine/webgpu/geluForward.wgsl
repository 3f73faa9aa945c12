// GELU forward, tanh approximation, one invocation per element: out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// tanh's argument is clamped to +-15 (tanh is exactly +-1 in f32 beyond it): WGSL does not promise a finite tanh there.
override WORKGROUP: u32;
override N: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;

const SQRT_2_OVER_PI = 0.7978845608028654;
const CUBE = 0.044715;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= N) {
		return;
	}
	let x = inp[i];
	out[i] = 0.5 * x * (1.0 + tanh(clamp(SQRT_2_OVER_PI * (x + CUBE * x * x * x), -15.0, 15.0)));
}
