import { describe, expect, it } from 'vitest';
import { canonicalize } from '$lib/core/record';
import { TrainingDataError } from './errors';
import { templateBody, templateText } from './template';

describe('template', () => {
	it('trains a text record as its text', () => {
		expect(templateText(canonicalize('text', { text: 'wolf: a wild dog' }))).toBe('wolf: a wild dog<|endoftext|>');
	});

	it('marks instruction, optional input and response', () => {
		const withInput = canonicalize('instruction', { instruction: 'Define.', input: 'wolf', response: 'A wild dog.' });
		expect(templateText(withInput)).toBe('### Instruction:\nDefine.\n### Input:\nwolf\n### Response:\nA wild dog.<|endoftext|>');
		const without = canonicalize('instruction', { instruction: 'Name a canine.', response: 'Wolf.' });
		expect(templateText(without)).toBe('### Instruction:\nName a canine.\n### Response:\nWolf.<|endoftext|>');
	});

	it('writes qa as Q and A lines', () => {
		expect(templateText(canonicalize('qa', { question: 'What is a wolf?', answer: 'A wild dog.' }))).toBe(
			'Q: What is a wolf?\nA: A wild dog.<|endoftext|>'
		);
	});

	it('rejects an unknown kind', () => {
		expect(() => templateBody({ v: 1, kind: 'poem' as 'text', fields: {} })).toThrow(TrainingDataError);
	});
});
