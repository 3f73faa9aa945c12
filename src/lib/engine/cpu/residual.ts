// Residual add: out = inp1 + inp2. Both input gradients accumulate with +=, because each residual stream also
// receives gradient from the layer that branched off it.
// Shapes: N elements (B*T*C).
import type { Floats } from './floats';

/** Adds two tensors elementwise. */
export function residualForward(out: Floats /* (N) */, inp1: Floats /* (N) */, inp2: Floats /* (N) */, N: number): void {
	for (let i = 0; i < N; i++) out[i] = inp1[i] + inp2[i];
}

/** Passes dout to both inputs. */
export function residualBackward(dinp1: Floats /* (N) */, dinp2: Floats /* (N) */, dout: Floats /* (N) */, N: number): void {
	for (let i = 0; i < N; i++) {
		dinp1[i] += dout[i];
		dinp2[i] += dout[i];
	}
}
