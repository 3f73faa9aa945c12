// Global gradient norm, second pass, one workgroup: each invocation sums a strided share of the partials, a tree in
// workgroup memory adds those (a fixed order: deterministic), and invocation 0 writes the norm and the clip
// coefficient maxNorm / (norm + 1e-6) when that is below 1, else 1 (clip_grad_norm_'s rule, as cpu/adamw.ts).
override WORKGROUP: u32; // a power of two
override PARTIALS: u32;

struct ClipOptions {
	maxNorm: f32, // finite: the caller passes the largest f32 for "no clipping"
}

@group(0) @binding(0) var<storage, read_write> clip: array<f32>; // (2) norm, coefficient
@group(0) @binding(1) var<storage, read> partials: array<f32>; // (PARTIALS)
@group(0) @binding(2) var<uniform> options: ClipOptions;

var<workgroup> sums: array<f32, WORKGROUP>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_id) lid: vec3u) {
	var acc = 0.0;
	for (var i = lid.x; i < PARTIALS; i += WORKGROUP) {
		acc += partials[i];
	}
	sums[lid.x] = acc;
	workgroupBarrier();
	for (var stride = WORKGROUP / 2u; stride > 0u; stride /= 2u) {
		if (lid.x < stride) {
			sums[lid.x] += sums[lid.x + stride];
		}
		workgroupBarrier();
	}
	if (lid.x == 0u) {
		let norm = sqrt(sums[0]);
		let denominator = norm + 1e-6;
		clip[0] = norm;
		clip[1] = select(1.0, options.maxNorm / denominator, options.maxNorm < denominator);
	}
}
