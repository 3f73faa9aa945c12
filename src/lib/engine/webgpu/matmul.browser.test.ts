// Parity of the WebGPU linear layer with cpu/matmul.ts, forward and backward, at shapes that are not multiples of the
// tile so edge tiles are exercised. Backward gradients start non-zero to check the += accumulation.
import { beforeAll, describe, expect, test } from 'vitest';
import { matmulBackward, matmulForward } from '../cpu/matmul';
import { createMatmul } from './matmul';
import { openParitySession, randomFloats, relativeError, type ParitySession } from './parity';

// f32 dot products of length <= 40 summed in tile order, against the CPU's float64 accumulators: bound 1e-5 << 1e-4.
const TOLERANCE = 1e-4;

let gpu: ParitySession;
beforeAll(async () => {
	gpu = await openParitySession();
});

describe('matmul', () => {
	for (const bias of [true, false]) {
		test(`forward and backward match the CPU (bias ${bias})`, async () => {
			const [B, T, C, OC] = [2, 5, 19, 23];
			const N = B * T;
			const inp = randomFloats(N * C, 1);
			const weight = randomFloats(OC * C, 2, 0.2);
			const b = randomFloats(OC, 3);
			const dout = randomFloats(N * OC, 4);
			const dinp = randomFloats(N * C, 5);
			const dweight = randomFloats(OC * C, 6);
			const dbias = randomFloats(OC, 7);

			const op = await createMatmul(gpu.cache, { B, T, C, OC });
			const g = {
				out: gpu.upload('out', N * OC), inp: gpu.upload('inp', inp), weight: gpu.upload('weight', weight),
				bias: gpu.upload('bias', b), dout: gpu.upload('dout', dout), dinp: gpu.upload('dinp', dinp),
				dweight: gpu.upload('dweight', dweight), dbias: gpu.upload('dbias', dbias)
			};
			await gpu.run((encoder) => {
				op.forward(encoder, { out: g.out, inp: g.inp, weight: g.weight, bias: bias ? g.bias : null });
				op.backward(encoder, { dinp: g.dinp, dweight: g.dweight, dbias: bias ? g.dbias : null, dout: g.dout, inp: g.inp, weight: g.weight });
			});

			const out = new Float32Array(N * OC);
			matmulForward(out, inp, weight, bias ? b : null, B, T, C, OC);
			matmulBackward(dinp, dweight, bias ? dbias : null, dout, inp, weight, B, T, C, OC);
			expect(relativeError(await gpu.read(g.out, N * OC), out)).toBeLessThan(TOLERANCE);
			expect(relativeError(await gpu.read(g.dinp, N * C), dinp)).toBeLessThan(TOLERANCE);
			expect(relativeError(await gpu.read(g.dweight, OC * C), dweight)).toBeLessThan(TOLERANCE);
			expect(relativeError(await gpu.read(g.dbias, OC), dbias)).toBeLessThan(TOLERANCE);
		});
	}
});
