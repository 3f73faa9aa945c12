// Global gradient norm, first pass, no workgroup memory or barriers (they are what a software adapter pays most for):
// invocation j sums the squares of grads[j], grads[j + PARTIALS], ... in order into partials[j].
override WORKGROUP: u32;
override PARTIALS: u32; // invocations, a multiple of WORKGROUP
override P: u32; // gradients

@group(0) @binding(0) var<storage, read_write> partials: array<f32>; // (PARTIALS)
@group(0) @binding(1) var<storage, read> grads: array<f32>; // (P)

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u) {
	var acc = 0.0;
	for (var i = gid.x; i < P; i += PARTIALS) {
		acc += grads[i] * grads[i];
	}
	partials[gid.x] = acc;
}
