// The mean loss over counted positions (0 when every target is IGNORE_INDEX), summed in order by one invocation:
// loss[0] = mean. N is B*T, small next to the logits the forward reads.
override N: u32;
override IGNORE_INDEX: i32;

@group(0) @binding(0) var<storage, read_write> loss: array<f32>;
@group(0) @binding(1) var<storage, read> losses: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;

@compute @workgroup_size(1)
fn main() {
	var total = 0.0;
	var count = 0u;
	for (var n = 0u; n < N; n++) {
		if (targets[n] != IGNORE_INDEX) {
			total += losses[n];
			count++;
		}
	}
	loss[0] = select(0.0, total / f32(count), count > 0u);
}
