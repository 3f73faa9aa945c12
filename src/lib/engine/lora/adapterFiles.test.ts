import { describe, expect, it } from 'vitest';
import { gptConfig } from '../config';
import { createGPT } from '../cpu/gpt';
import { writeSafetensors } from '../checkpoint/safetensors';
import { createRng } from '../random';
import { ADAPTER_FILES, adapterTensorName, baseWeightsHash, exportAdapter, importAdapter } from './adapterFiles';
import { loraConfig } from './config';
import { LoraAdapterError } from './errors';
import { createLoraAdapter } from './lora';

const MICRO = gptConfig('tiny', { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 });
const base = createGPT(MICRO, { seed: 1 });

function trainedAdapter(targets = ['qkv', 'attproj', 'fc', 'fcproj']) {
	const adapter = createLoraAdapter(MICRO, loraConfig({ rank: 3, alpha: 6, targets }), { seed: 2 });
	const rng = createRng(3);
	for (let i = 0; i < adapter.params.length; i++) adapter.params[i] = rng.normal();
	return adapter;
}

const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
const withConfig = (files: Map<string, Uint8Array>, edit: (doc: Record<string, unknown>) => void) => {
	const doc = json(files.get(ADAPTER_FILES.config)!);
	edit(doc);
	return new Map(files).set(ADAPTER_FILES.config, new TextEncoder().encode(JSON.stringify(doc)));
};

describe('adapter files', () => {
	it('round-trips an adapter exactly, in PEFT\'s names and layout', () => {
		const adapter = trainedAdapter();
		const files = exportAdapter(adapter, base.params);
		expect([...files.keys()].sort()).toEqual([ADAPTER_FILES.config, ADAPTER_FILES.weights]);
		const { adapter: loaded, base: recorded } = importAdapter(files, { config: MICRO, params: base.params });
		expect(loaded.params).toEqual(adapter.params);
		expect(loaded.config).toEqual(adapter.config);
		expect(loaded.scale).toBe(2);
		expect(recorded).toEqual({ config: MICRO, weightsSha256: baseWeightsHash(base.params) });
		const doc = json(files.get(ADAPTER_FILES.config)!);
		expect(doc).toMatchObject({
			peft_type: 'LORA',
			r: 3,
			lora_alpha: 6,
			lora_dropout: 0,
			target_modules: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
			ledgerlight_base: { model_type: 'ledgerlight-gpt', ...MICRO }
		});
		expect(adapterTensorName('fcproj', 1, 'B')).toBe('base_model.model.h.1.mlp.c_proj.lora_B.weight');
		// Block 1's qkv A sits at (r * C) into the (L, r, C) tensor, as lora_A.weight (r, C).
		const header = new TextDecoder().decode(files.get(ADAPTER_FILES.weights)!.subarray(8, 8 + 4096));
		expect(header).toContain('"base_model.model.h.1.attn.c_attn.lora_A.weight":{"dtype":"F32","shape":[3,8]');
		expect(header).toContain('"base_model.model.h.0.attn.c_attn.lora_B.weight":{"dtype":"F32","shape":[24,3]');
	});

	it('round-trips an adapter on some targets only', () => {
		const adapter = trainedAdapter(['fc']);
		const { adapter: loaded } = importAdapter(exportAdapter(adapter, base.params), { config: MICRO });
		expect(loaded.config.targets).toEqual(['fc']);
		expect(loaded.params).toEqual(adapter.params);
	});

	it('refuses a base of another config or other weights, with a message naming the difference', () => {
		const files = exportAdapter(trainedAdapter(), base.params);
		const wider = gptConfig('tiny', { ...MICRO, nEmbd: 16 });
		expect(() => importAdapter(files, { config: wider })).toThrow(LoraAdapterError);
		expect(() => importAdapter(files, { config: wider })).toThrow(/different base model[\s\S]*nEmbd: adapter 8, model 16/);
		const other = createGPT(MICRO, { seed: 2 }).params;
		expect(() => importAdapter(files, { config: MICRO, params: other })).toThrow(/different base weights/);
	});

	it('refuses files that do not make one adapter', () => {
		const files = exportAdapter(trainedAdapter(), base.params);
		const load = (f: Map<string, Uint8Array>) => () => importAdapter(f, { config: MICRO });
		const without = (name: string) => {
			const f = new Map(files);
			f.delete(name);
			return f;
		};
		expect(load(without(ADAPTER_FILES.config))).toThrow(/no adapter_config.json/);
		expect(load(without(ADAPTER_FILES.weights))).toThrow(/no adapter_model.safetensors/);
		expect(load(withConfig(files, (d) => (d.peft_type = 'IA3')))).toThrow(/peft_type/);
		expect(load(withConfig(files, (d) => (d.use_dora = true)))).toThrow(/use_dora/);
		expect(load(withConfig(files, (d) => (d.target_modules = ['c_proj'])))).toThrow(/target_modules/);
		expect(load(withConfig(files, (d) => (d.r = 0)))).toThrow(/rank/);
		expect(load(withConfig(files, (d) => delete d.ledgerlight_base))).toThrow(/ledgerlight_base/);
		// Fewer targets in the config than tensors in the file: the extra tensors are an error, not ignored.
		expect(load(withConfig(files, (d) => (d.target_modules = ['attn.c_attn'])))).toThrow(/does not target/);
		const wrongShape = new Map(files).set(
			ADAPTER_FILES.weights,
			writeSafetensors([[adapterTensorName('qkv', 0, 'A'), { dtype: 'F32', shape: [8, 3], data: new Float32Array(24) }]])
		);
		expect(load(wrongShape)).toThrow(/shape \[8,3\]/);
	});
});
