// Embedding backward, one invocation per channel walking the positions in order, so every row of both tables is
// updated by one invocation in the CPU's order: deterministic and free of atomics (parallel over C only).
override WORKGROUP: u32;
override N: u32; // positions, B*T
override T: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> dwte: array<f32>;
@group(0) @binding(1) var<storage, read_write> dwpe: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<i32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let c = gid.y * groups.x * WORKGROUP + gid.x;
	if (c >= C) {
		return;
	}
	for (var n = 0u; n < N; n++) {
		let g = dout[n * C + c];
		dwte[u32(inp[n]) * C + c] += g;
		dwpe[(n % T) * C + c] += g;
	}
}
