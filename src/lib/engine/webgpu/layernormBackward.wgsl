// LayerNorm backward of the input, one invocation per (b,t) row: dinp += (weight dout - mean(dnorm) - norm
// mean(dnorm norm)) rstd, with dnorm = weight * dout. The parameter gradients are layernormParamsBackward.wgsl's.
override WORKGROUP: u32;
override N: u32; // rows, B*T
override C: u32;

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let row = gid.y * groups.x * WORKGROUP + gid.x;
	if (row >= N) {
		return;
	}
	let x = row * C;
	let m = mean[row];
	let s = rstd[row];
	var dnormMean = 0.0;
	var dnormNormMean = 0.0;
	for (var i = 0u; i < C; i++) {
		let dnorm = weight[i] * dout[x + i];
		dnormMean += dnorm;
		dnormNormMean += dnorm * (inp[x + i] - m) * s;
	}
	dnormMean /= f32(C);
	dnormNormMean /= f32(C);
	for (var i = 0u; i < C; i++) {
		let norm = (inp[x + i] - m) * s;
		dinp[x + i] += (weight[i] * dout[x + i] - dnormMean - norm * dnormNormMean) * s;
	}
}
