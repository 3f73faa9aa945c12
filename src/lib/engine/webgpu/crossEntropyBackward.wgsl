// Softmax cross-entropy backward, one invocation per (b,t) row: dlogits += DLOSS / count * (probs - onehot(expected)),
// nothing for ignored rows. Each invocation counts the non-ignored targets itself (N reads), so no pass is needed.
override WORKGROUP: u32;
override N: u32; // rows, B*T
override V: u32;
override IGNORE_INDEX: i32;
override DLOSS: f32;

@group(0) @binding(0) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let row = gid.y * groups.x * WORKGROUP + gid.x;
	if (row >= N) {
		return;
	}
	let expected = targets[row];
	if (expected == IGNORE_INDEX) {
		return;
	}
	var count = 0u;
	for (var n = 0u; n < N; n++) {
		count += select(0u, 1u, targets[n] != IGNORE_INDEX);
	}
	let g = DLOSS / f32(count);
	let r = row * V;
	for (var v = 0u; v < V; v++) {
		dlogits[r + v] += g * probs[r + v];
	}
	dlogits[r + u32(expected)] -= g;
}
