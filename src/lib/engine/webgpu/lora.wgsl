// out = SCALE * inp, one invocation per element: LoRA's alpha / rank on a (B*T, r) hidden tensor, which the matmul
// kernel cannot apply itself. Scaling the rank-r side keeps the extra work O(B*T*r), as lora/loraLinear.ts does.
override WORKGROUP: u32;
override N: u32;
override SCALE: f32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // (N)
@group(0) @binding(1) var<storage, read> inp: array<f32>; // (N)

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= N) {
		return;
	}
	out[i] = SCALE * inp[i];
}
