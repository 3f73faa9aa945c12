// Causal attention backward, second pass, one invocation per (b,h,t2) key row: dk[t2] += sum_{t>=t2} dscore[t,t2] q[t]
// and dv[t2] += sum_{t>=t2} att[t,t2] dout[t], reading the pre-softmax gradient the first pass left in dscore.
override WORKGROUP: u32;
override B: u32;
override T: u32;
override C: u32;
override NH: u32;

@group(0) @binding(0) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(1) var<storage, read> dscore: array<f32>;
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
	let t2 = t;
	let rows = (b * NH + h) * T * T; // row t of this head's (T,T) block starts at rows + t * T
	let k = (b * T + t2) * C3 + C + h * hs;
	let v = (b * T + t2) * C3 + 2u * C + h * hs;
	for (var j = 0u; j < hs; j++) {
		var dk = 0.0;
		var dv = 0.0;
		for (var tq = t2; tq < T; tq++) {
			let cell = rows + tq * T + t2;
			dk += dscore[cell] * inp[(b * T + tq) * C3 + h * hs + j];
			dv += att[cell] * dout[(b * T + tq) * C + h * hs + j];
		}
		dinp[k + j] += dk;
		dinp[v + j] += dv;
	}
}
