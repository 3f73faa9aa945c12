// out (J) += column sums of inp (N,J), one invocation per column summing rows in order (deterministic, no atomics).
override WORKGROUP: u32;
override N: u32;
override J: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let j = gid.y * groups.x * WORKGROUP + gid.x;
	if (j >= J) {
		return;
	}
	var acc = 0.0;
	for (var n = 0u; n < N; n++) {
		acc += inp[n * J + j];
	}
	out[j] += acc;
}
