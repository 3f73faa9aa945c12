// Residual add forward, one invocation per element: out = inp1 + inp2.
override WORKGROUP: u32;
override N: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp1: array<f32>;
@group(0) @binding(2) var<storage, read> inp2: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= N) {
		return;
	}
	out[i] = inp1[i] + inp2[i];
}
