// LayerNorm forward, one invocation per (b,t) row of C channels (eps 1e-5, biased variance): writes out, and the row's
// mean and 1/std for the backward.
override WORKGROUP: u32;
override N: u32; // rows, B*T
override C: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let row = gid.y * groups.x * WORKGROUP + gid.x;
	if (row >= N) {
		return;
	}
	let x = row * C;
	var m = 0.0;
	for (var i = 0u; i < C; i++) {
		m += inp[x + i];
	}
	m /= f32(C);
	var v = 0.0;
	for (var i = 0u; i < C; i++) {
		let d = inp[x + i] - m;
		v += d * d;
	}
	let s = 1.0 / sqrt(v / f32(C) + 1e-5);
	for (var i = 0u; i < C; i++) {
		out[x + i] = (inp[x + i] - m) * s * weight[i] + bias[i];
	}
	mean[row] = m;
	rstd[row] = s;
}
