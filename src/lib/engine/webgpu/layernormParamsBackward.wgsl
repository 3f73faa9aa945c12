// LayerNorm backward of the parameters, one invocation per channel summing rows in order (deterministic, no atomics):
// dweight += sum over rows of norm * dout, dbias += sum of dout.
override WORKGROUP: u32;
override N: u32; // rows, B*T
override C: u32;

@group(0) @binding(0) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(1) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= C) {
		return;
	}
	var dw = 0.0;
	var db = 0.0;
	for (var row = 0u; row < N; row++) {
		let g = dout[row * C + i];
		db += g;
		dw += (inp[row * C + i] - mean[row]) * rstd[row] * g;
	}
	dweight[i] += dw;
	dbias[i] += db;
}
