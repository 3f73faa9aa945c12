// Softmax cross-entropy forward, one invocation per (b,t) row of V logits: probs = softmax(logits), and the row's loss
// log(sum) + max - logit[expected], or 0 when the expected is IGNORE_INDEX.
override WORKGROUP: u32;
override N: u32; // rows, B*T
override V: u32;
override IGNORE_INDEX: i32;

@group(0) @binding(0) var<storage, read_write> losses: array<f32>;
@group(0) @binding(1) var<storage, read_write> probs: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<i32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let row = gid.y * groups.x * WORKGROUP + gid.x;
	if (row >= N) {
		return;
	}
	let r = row * V;
	var m = logits[r];
	for (var v = 1u; v < V; v++) {
		m = max(m, logits[r + v]);
	}
	var sum = 0.0;
	for (var v = 0u; v < V; v++) {
		let e = exp(logits[r + v] - m);
		probs[r + v] = e;
		sum += e;
	}
	let inv = 1.0 / sum;
	for (var v = 0u; v < V; v++) {
		probs[r + v] *= inv;
	}
	let expected = targets[row];
	if (expected == IGNORE_INDEX) {
		losses[row] = 0.0;
	} else {
		losses[row] = log(sum) + m - logits[r + u32(expected)];
	}
}
