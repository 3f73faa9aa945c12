// out (M,J) = or += a (M,K) @ b (K,J) (+ bias (J)). a[m,k] sits at m*A_ROW + k*A_COL and b[k,j] at k*B_ROW + j*B_COL,
// so one kernel serves inp @ weight^T, dout @ weight and dout^T @ inp. TILE x TILE tiles of a and b are staged in
// workgroup memory; each invocation computes one output.
override TILE: u32;
override M: u32;
override K: u32;
override J: u32;
override A_ROW: u32;
override A_COL: u32;
override B_ROW: u32;
override B_COL: u32;
override ACCUMULATE: bool;
override HAS_BIAS: bool;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

var<workgroup> tileA: array<f32, TILE * TILE>;
var<workgroup> tileB: array<f32, TILE * TILE>;

@compute @workgroup_size(TILE, TILE)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
	let row = wg.y * TILE + lid.y;
	let col = wg.x * TILE + lid.x;
	var acc = 0.0;
	for (var k0 = 0u; k0 < K; k0 += TILE) {
		let ka = k0 + lid.x;
		var va = 0.0;
		if (row < M && ka < K) {
			va = a[row * A_ROW + ka * A_COL];
		}
		tileA[lid.y * TILE + lid.x] = va;
		let kb = k0 + lid.y;
		var vb = 0.0;
		if (kb < K && col < J) {
			vb = b[kb * B_ROW + col * B_COL];
		}
		tileB[lid.y * TILE + lid.x] = vb;
		workgroupBarrier();
		for (var k = 0u; k < TILE; k++) {
			acc += tileA[lid.y * TILE + k] * tileB[k * TILE + lid.x];
		}
		workgroupBarrier();
	}
	if (row < M && col < J) {
		if (HAS_BIAS) {
			acc += bias[col];
		}
		let i = row * J + col;
		if (ACCUMULATE) {
			out[i] += acc;
		} else {
			out[i] = acc;
		}
	}
}
