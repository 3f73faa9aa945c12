// Causal attention forward, one invocation per (b,h,t) query row: scores q.k / sqrt(hs) for t2 <= t, their softmax
// into att (zeros above the diagonal, kept for the backward), and out = att v. inp packs q|k|v along its last axis.
override WORKGROUP: u32;
override B: u32;
override T: u32;
override C: u32;
override NH: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> att: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;

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
	var m = -3.4e38;
	for (var t2 = 0u; t2 <= t; t2++) {
		let k = (b * T + t2) * C3 + C + h * hs;
		var s = 0.0;
		for (var j = 0u; j < hs; j++) {
			s += inp[q + j] * inp[k + j];
		}
		s *= scale;
		att[a + t2] = s;
		m = max(m, s);
	}
	var sum = 0.0;
	for (var t2 = 0u; t2 <= t; t2++) {
		let e = exp(att[a + t2] - m);
		att[a + t2] = e;
		sum += e;
	}
	let inv = 1.0 / sum;
	for (var t2 = 0u; t2 < T; t2++) {
		att[a + t2] = select(0.0, att[a + t2] * inv, t2 <= t);
	}
	let o = (b * T + t) * C + h * hs;
	for (var j = 0u; j < hs; j++) {
		var acc = 0.0;
		for (var t2 = 0u; t2 <= t; t2++) {
			acc += att[a + t2] * inp[(b * T + t2) * C3 + 2u * C + h * hs + j];
		}
		out[o + j] = acc;
	}
}
