// Causal attention backward, first pass, one invocation per (b,h,t) query row: datt[t2] = dout[t] . v[t2], the
// pre-softmax gradient dscore[t2] = att[t2] (datt[t2] - sum att datt) / sqrt(hs) into the scratch buffer, and
// dq[t] += sum_t2 dscore[t2] k[t2]. Keys and values are attentionKeyValueBackward.wgsl's, so each output has one writer.
override WORKGROUP: u32;
override B: u32;
override T: u32;
override C: u32;
override NH: u32;

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read_write> dscore: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> inp: array<f32>;
@group(0) @binding(4) var<storage, read> att: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= B * NH * T) {
		return;
	}
	let t = i % T;
	let h = (i / T) % NH;
	let b = i / (T * NH);
	let hs = C / NH;
	let C3 = 3u * C;
	let scale = 1.0 / sqrt(f32(hs));
	let a = ((b * NH + h) * T + t) * T;
	let q = (b * T + t) * C3 + h * hs;
	let d = (b * T + t) * C + h * hs;
	var dot = 0.0;
	for (var t2 = 0u; t2 <= t; t2++) {
		let v = (b * T + t2) * C3 + 2u * C + h * hs;
		var s = 0.0;
		for (var j = 0u; j < hs; j++) {
			s += dout[d + j] * inp[v + j];
		}
		dscore[a + t2] = s;
		dot += att[a + t2] * s;
	}
	for (var t2 = 0u; t2 <= t; t2++) {
		dscore[a + t2] = att[a + t2] * (dscore[a + t2] - dot) * scale;
	}
	for (var j = 0u; j < hs; j++) {
		var acc = 0.0;
		for (var t2 = 0u; t2 <= t; t2++) {
			acc += dscore[a + t2] * inp[(b * T + t2) * C3 + C + h * hs + j];
		}
		dinp[q + j] += acc;
	}
}
