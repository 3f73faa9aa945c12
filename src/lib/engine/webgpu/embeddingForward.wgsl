// Embedding forward, one invocation per output element: out[b,t,c] = wte[inp[b,t],c] + wpe[t,c].
override WORKGROUP: u32;
override N: u32; // positions, B*T
override T: u32;
override C: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<i32>;
@group(0) @binding(2) var<storage, read> wte: array<f32>;
@group(0) @binding(3) var<storage, read> wpe: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= N * C) {
		return;
	}
	let n = i / C;
	let c = i % C;
	out[i] = wte[u32(inp[n]) * C + c] + wpe[(n % T) * C + c];
}
