// Residual add backward, one invocation per element: dinp1 += dout, dinp2 += dout.
override WORKGROUP: u32;
override N: u32;

@group(0) @binding(0) var<storage, read_write> dinp1: array<f32>;
@group(0) @binding(1) var<storage, read_write> dinp2: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
	let i = gid.y * groups.x * WORKGROUP + gid.x;
	if (i >= N) {
		return;
	}
	dinp1[i] += dout[i];
	dinp2[i] += dout[i];
}
