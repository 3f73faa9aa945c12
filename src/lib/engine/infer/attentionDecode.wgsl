// Single-query causal attention over the KV cache: the query row of qkv, at position state.pos, attends to the cached
// positions 0..pos of its head. One workgroup per head: the invocations split the positions for the scores, reduce
// the max and the sum in workgroup memory, then split the head's lanes for the weighted sum of values.
override WORKGROUP: u32; // a power of two
override C: u32;
override NH: u32;
override MAXT: u32;

struct State {
	pos: u32, // position of the query
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (C)
@group(0) @binding(1) var<storage, read_write> att: array<f32>; // (NH,MAXT) scratch: scores, then exp(score - max)
@group(0) @binding(2) var<storage, read> keys: array<f32>; // (NH,MAXT,HS) of one layer
@group(0) @binding(3) var<storage, read> values: array<f32>; // (NH,MAXT,HS) of one layer
@group(0) @binding(4) var<storage, read> qkv: array<f32>; // (3C) the query's row
@group(0) @binding(5) var<uniform> state: State;

var<workgroup> partial: array<f32, WORKGROUP>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
	let h = wg.x;
	let hs = C / NH;
	let n = min(state.pos + 1u, MAXT);
	let scale = 1.0 / sqrt(f32(hs));
	let head = h * MAXT * hs;
	let a = h * MAXT;
	let q = h * hs;
	var m = -3.4e38;
	for (var t = lid.x; t < n; t += WORKGROUP) {
		var s = 0.0;
		for (var j = 0u; j < hs; j++) {
			s += qkv[q + j] * keys[head + t * hs + j];
		}
		s *= scale;
		att[a + t] = s;
		m = max(m, s);
	}
	partial[lid.x] = m;
	workgroupBarrier();
	for (var stride = WORKGROUP / 2u; stride > 0u; stride /= 2u) {
		if (lid.x < stride) {
			partial[lid.x] = max(partial[lid.x], partial[lid.x + stride]);
		}
		workgroupBarrier();
	}
	let top = partial[0];
	workgroupBarrier();
	var sum = 0.0;
	for (var t = lid.x; t < n; t += WORKGROUP) {
		let e = exp(att[a + t] - top);
		att[a + t] = e;
		sum += e;
	}
	partial[lid.x] = sum;
	workgroupBarrier();
	for (var stride = WORKGROUP / 2u; stride > 0u; stride /= 2u) {
		if (lid.x < stride) {
			partial[lid.x] += partial[lid.x + stride];
		}
		workgroupBarrier();
	}
	let inv = 1.0 / partial[0];
	// Every invocation now reads the weights the others wrote.
	storageBarrier();
	for (var j = lid.x; j < hs; j += WORKGROUP) {
		var acc = 0.0;
		for (var t = 0u; t < n; t++) {
			acc += att[a + t] * values[head + t * hs + j];
		}
		out[q + j] = acc * inv;
	}
}
