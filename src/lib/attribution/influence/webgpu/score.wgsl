// scores[rowStart + r] = <row r of this chunk, query>, for an f16 matrix packed two halves per u32 and each row padded
// to a whole number of vec4<u32> (8 halves) with zeros. THREADS_PER_ROW invocations stride over a row's vec4 words
// (neighbours read neighbouring 16-byte words: coalesced), unpack them with unpack2x16float (no shader-f16 needed),
// and a workgroup-memory tree reduces their partial sums. A workgroup takes ROWS_PER_GROUP consecutive rows.
override THREADS_PER_ROW: u32;
override ROWS_PER_GROUP: u32;
// vec4<u32> words per row: ceil(k / 8).
override ROW_WORDS: u32;

override WORKGROUP: u32 = THREADS_PER_ROW * ROWS_PER_GROUP;

struct Chunk {
	// The chunk's first row in the whole matrix (its offset in scores).
	rowStart: u32,
	rows: u32,
}

@group(0) @binding(0) var<storage, read> matrix: array<vec4<u32>>; // (rows, ROW_WORDS)
@group(0) @binding(1) var<storage, read> query: array<vec4<f32>>; // (2 * ROW_WORDS) zero-padded like the rows
@group(0) @binding(2) var<storage, read_write> scores: array<f32>; // (N) the whole index
@group(0) @binding(3) var<uniform> chunk: Chunk;

var<workgroup> partial: array<f32, WORKGROUP>;

@compute @workgroup_size(WORKGROUP)
fn main(
	@builtin(workgroup_id) group: vec3u,
	@builtin(num_workgroups) groups: vec3u,
	@builtin(local_invocation_index) local: u32
) {
	let lane = local % THREADS_PER_ROW;
	let row = (group.y * groups.x + group.x) * ROWS_PER_GROUP + local / THREADS_PER_ROW;
	// A row past the chunk sums nothing but still takes part in the barriers.
	let words = select(0u, ROW_WORDS, row < chunk.rows);
	let base = row * ROW_WORDS;
	var acc = 0.0;
	for (var w = lane; w < words; w += THREADS_PER_ROW) {
		let g = matrix[base + w];
		let q0 = query[2u * w];
		let q1 = query[2u * w + 1u];
		acc += dot(vec4(unpack2x16float(g.x), unpack2x16float(g.y)), q0);
		acc += dot(vec4(unpack2x16float(g.z), unpack2x16float(g.w)), q1);
	}
	partial[local] = acc;
	workgroupBarrier();
	for (var stride = THREADS_PER_ROW / 2u; stride > 0u; stride /= 2u) {
		if (lane < stride) {
			partial[local] += partial[local + stride];
		}
		workgroupBarrier();
	}
	if (lane == 0u && row < chunk.rows) {
		scores[chunk.rowStart + row] = partial[local];
	}
}
