// Parity of the WebGPU elementwise, normalisation, embedding, loss and attention ops with their CPU references,
// forward and backward at small shapes. Gradients start non-zero so the += accumulation is checked too.
import { beforeAll, describe, expect, test } from 'vitest';
import { attentionBackward, attentionForward } from '../cpu/attention';
import { crossEntropyBackward, crossEntropyForward, IGNORE_INDEX } from '../cpu/crossEntropy';
import { embeddingBackward, embeddingForward } from '../cpu/embedding';
import { geluBackward, geluForward } from '../cpu/gelu';
import { layernormBackward, layernormForward } from '../cpu/layernorm';
import { residualBackward, residualForward } from '../cpu/residual';
import { createAttention } from './attention';
import { createCrossEntropy } from './crossEntropy';
import { createEmbedding } from './embedding';
import { createGelu } from './gelu';
import { createLayernorm } from './layernorm';
import { openParitySession, randomFloats, relativeError, type ParitySession } from './parity';
import { createResidual } from './residual';

// f32 throughout; the reductions (rows of <= 24 channels, 16 logits, 7 keys) sum in the CPU's order, so the only
// difference is f32 against the CPU's float64 accumulators and WGSL's exp/tanh/sqrt ulps: well under 1e-4.
const TOLERANCE = 1e-4;

let gpu: ParitySession;
beforeAll(async () => {
	gpu = await openParitySession();
});

async function expectParity(buffer: GPUBuffer, cpu: Float32Array) {
	expect(relativeError(await gpu.read(buffer, cpu.length), cpu)).toBeLessThan(TOLERANCE);
}

describe('elementwise ops', () => {
	test('gelu forward and backward match the CPU', async () => {
		const N = 301;
		const inp = randomFloats(N, 1, 3);
		const dout = randomFloats(N, 2);
		const dinp = randomFloats(N, 3);
		const op = await createGelu(gpu.cache, { N });
		const g = { out: gpu.upload('out', N), inp: gpu.upload('inp', inp), dout: gpu.upload('dout', dout), dinp: gpu.upload('dinp', dinp) };
		await gpu.run((encoder) => {
			op.forward(encoder, { out: g.out, inp: g.inp });
			op.backward(encoder, { dinp: g.dinp, inp: g.inp, dout: g.dout });
		});
		const out = new Float32Array(N);
		geluForward(out, inp, N);
		geluBackward(dinp, inp, dout, N);
		await expectParity(g.out, out);
		await expectParity(g.dinp, dinp);
	});

	test('residual forward and backward match the CPU', async () => {
		const N = 301;
		const [inp1, inp2, dout, dinp1, dinp2] = [1, 2, 3, 4, 5].map((seed) => randomFloats(N, seed));
		const op = await createResidual(gpu.cache, { N });
		const g = {
			out: gpu.upload('out', N), inp1: gpu.upload('inp1', inp1), inp2: gpu.upload('inp2', inp2),
			dout: gpu.upload('dout', dout), dinp1: gpu.upload('dinp1', dinp1), dinp2: gpu.upload('dinp2', dinp2)
		};
		await gpu.run((encoder) => {
			op.forward(encoder, { out: g.out, inp1: g.inp1, inp2: g.inp2 });
			op.backward(encoder, { dinp1: g.dinp1, dinp2: g.dinp2, dout: g.dout });
		});
		const out = new Float32Array(N);
		residualForward(out, inp1, inp2, N);
		residualBackward(dinp1, dinp2, dout, N);
		await expectParity(g.out, out);
		await expectParity(g.dinp1, dinp1);
		await expectParity(g.dinp2, dinp2);
	});
});

describe('layernorm', () => {
	test('forward and backward match the CPU', async () => {
		const [B, T, C] = [2, 3, 24];
		const N = B * T * C;
		const inp = randomFloats(N, 1, 2);
		const weight = randomFloats(C, 2);
		const bias = randomFloats(C, 3);
		const dout = randomFloats(N, 4);
		const [dinp, dweight, dbias] = [randomFloats(N, 5), randomFloats(C, 6), randomFloats(C, 7)];
		const op = await createLayernorm(gpu.cache, { B, T, C });
		const g = {
			out: gpu.upload('out', N), mean: gpu.upload('mean', B * T), rstd: gpu.upload('rstd', B * T),
			inp: gpu.upload('inp', inp), weight: gpu.upload('weight', weight), bias: gpu.upload('bias', bias),
			dout: gpu.upload('dout', dout), dinp: gpu.upload('dinp', dinp), dweight: gpu.upload('dweight', dweight),
			dbias: gpu.upload('dbias', dbias)
		};
		await gpu.run((encoder) => {
			op.forward(encoder, { out: g.out, mean: g.mean, rstd: g.rstd, inp: g.inp, weight: g.weight, bias: g.bias });
			op.backward(encoder, { ...g });
		});
		const [out, mean, rstd] = [new Float32Array(N), new Float32Array(B * T), new Float32Array(B * T)];
		layernormForward(out, mean, rstd, inp, weight, bias, B, T, C);
		layernormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, B, T, C);
		await expectParity(g.out, out);
		await expectParity(g.mean, mean);
		await expectParity(g.rstd, rstd);
		await expectParity(g.dinp, dinp);
		await expectParity(g.dweight, dweight);
		await expectParity(g.dbias, dbias);
	});
});

describe('embedding', () => {
	test('forward and backward match the CPU, with repeated tokens', async () => {
		const [B, T, C, V, maxT] = [2, 5, 12, 7, 8];
		const inp = Int32Array.from({ length: B * T }, (_, i) => (i * 5) % V);
		const wte = randomFloats(V * C, 1);
		const wpe = randomFloats(maxT * C, 2);
		const dout = randomFloats(B * T * C, 3);
		const [dwte, dwpe] = [randomFloats(V * C, 4), randomFloats(maxT * C, 5)];
		const op = await createEmbedding(gpu.cache, { B, T, C });
		const g = {
			out: gpu.upload('out', B * T * C), inp: gpu.upload('inp', inp), wte: gpu.upload('wte', wte), wpe: gpu.upload('wpe', wpe),
			dout: gpu.upload('dout', dout), dwte: gpu.upload('dwte', dwte), dwpe: gpu.upload('dwpe', dwpe)
		};
		await gpu.run((encoder) => {
			op.forward(encoder, { out: g.out, inp: g.inp, wte: g.wte, wpe: g.wpe });
			op.backward(encoder, { dwte: g.dwte, dwpe: g.dwpe, dout: g.dout, inp: g.inp });
		});
		const out = new Float32Array(B * T * C);
		embeddingForward(out, inp, wte, wpe, B, T, C);
		embeddingBackward(dwte, dwpe, dout, inp, B, T, C);
		await expectParity(g.out, out);
		await expectParity(g.dwte, dwte);
		await expectParity(g.dwpe, dwpe);
	});
});

describe('cross-entropy', () => {
	test('forward and backward match the CPU, with ignored positions', async () => {
		const [B, T, V] = [2, 4, 16];
		const N = B * T;
		const logits = randomFloats(N * V, 1, 3);
		const targets = Int32Array.from({ length: N }, (_, i) => (i % 3 === 1 ? IGNORE_INDEX : (i * 7) % V));
		const dlogits = randomFloats(N * V, 2);
		const dloss = 0.5;
		const op = await createCrossEntropy(gpu.cache, { B, T, V, dloss });
		const g = {
			loss: gpu.upload('loss', 1), losses: gpu.upload('losses', N), probs: gpu.upload('probs', N * V),
			logits: gpu.upload('logits', logits), targets: gpu.upload('targets', targets), dlogits: gpu.upload('dlogits', dlogits)
		};
		await gpu.run((encoder) => {
			op.forward(encoder, { loss: g.loss, losses: g.losses, probs: g.probs, logits: g.logits, targets: g.targets });
			op.backward(encoder, { dlogits: g.dlogits, probs: g.probs, targets: g.targets });
		});
		const [losses, probs] = [new Float32Array(N), new Float32Array(N * V)];
		const loss = crossEntropyForward(losses, probs, logits, targets, B, T, V);
		crossEntropyBackward(dlogits, probs, targets, dloss, B, T, V);
		await expectParity(g.loss, Float32Array.of(loss));
		await expectParity(g.losses, losses);
		await expectParity(g.probs, probs);
		await expectParity(g.dlogits, dlogits);
	});
});

describe('attention', () => {
	test('forward and backward match the CPU', async () => {
		const [B, T, C, NH] = [2, 7, 12, 3];
		const inp = randomFloats(B * T * 3 * C, 1);
		const dout = randomFloats(B * T * C, 2);
		const dinp = randomFloats(B * T * 3 * C, 3);
		const op = await createAttention(gpu.cache, { B, T, C, NH });
		const A = B * NH * T * T;
		const g = {
			out: gpu.upload('out', B * T * C), att: gpu.upload('att', randomFloats(A, 4)), inp: gpu.upload('inp', inp),
			dout: gpu.upload('dout', dout), dinp: gpu.upload('dinp', dinp), dscore: gpu.upload('dscore', A)
		};
		await gpu.run((encoder) => {
			op.forward(encoder, { out: g.out, att: g.att, inp: g.inp });
			op.backward(encoder, { dinp: g.dinp, dscore: g.dscore, dout: g.dout, inp: g.inp, att: g.att });
		});
		const [out, att] = [new Float32Array(B * T * C), new Float32Array(A)];
		attentionForward(out, att, inp, B, T, C, NH);
		attentionBackward(dinp, dout, inp, att, B, T, C, NH);
		await expectParity(g.out, out);
		await expectParity(g.att, att);
		await expectParity(g.dinp, dinp);
	});
});
