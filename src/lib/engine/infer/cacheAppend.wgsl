// Appends ROWS positions of keys and values, taken from packed q|k|v rows, to one layer's caches at positions
// state.pos.. . One invocation per (row, channel); channel c is head c / HS, lane c % HS. Rows past MAXT are dropped.
override WORKGROUP: u32;
override ROWS: u32;
override C: u32;
override NH: u32;
override MAXT: u32;

struct State {
	pos: u32, // position of the first new row
}

@group(0) @binding(0) var<storage, read_write> keys: array<f32>; // (NH,MAXT,HS) of one layer
@group(0) @binding(1) var<storage, read_write> values: array<f32>; // (NH,MAXT,HS) of one layer
@group(0) @binding(2) var<storage, read> qkv: array<f32>; // (ROWS,3C)
@group(0) @binding(3) var<uniform> state: State;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= ROWS * C) {
		return;
	}
	let r = i / C;
	let c = i % C;
	let t = state.pos + r;
	if (t >= MAXT) {
		return;
	}
	let hs = C / NH;
	let dst = ((c / hs) * MAXT + t) * hs + c % hs;
	keys[dst] = qkv[r * 3u * C + C + c];
	values[dst] = qkv[r * 3u * C + 2u * C + c];
}
