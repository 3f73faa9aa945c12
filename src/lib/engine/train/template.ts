// The training template: how a record becomes training text. Text records train as they are; instruction and qa
// records get fixed, visible markers so a prompt in the same shape asks the model for the response:
//
//   text         {text}<|endoftext|>
//   instruction  ### Instruction:\n{instruction}\n[### Input:\n{input}\n]### Response:\n{response}<|endoftext|>
//                (the Input part only when the record has a non-empty input)
//   qa           Q: {question}\nA: {answer}<|endoftext|>
//
// <|endoftext|> is the tokenizer's special token, appended by id: the same characters inside a record's own text are
// encoded as plain text, so no record can forge a record boundary.
import { END_OF_TEXT } from '$lib/core/tokenizer/bpe';
import type { RecordContent } from '$lib/core/record';
import { TrainingDataError } from './errors';

/** The template as the app shows it, one line per record kind. */
export const TEMPLATE_DESCRIPTION: Readonly<Record<RecordContent['kind'], string>> = {
	text: `{text}${END_OF_TEXT}`,
	instruction: `### Instruction:\\n{instruction}\\n[### Input:\\n{input}\\n]### Response:\\n{response}${END_OF_TEXT}`,
	qa: `Q: {question}\\nA: {answer}${END_OF_TEXT}`
};

/** Returns a record's training text without the closing <|endoftext|> (which data.ts appends as a token id). */
export function templateBody(content: RecordContent): string {
	const f = content.fields;
	switch (content.kind) {
		case 'text':
			return f.text;
		case 'instruction': {
			const input = f.input ? `### Input:\n${f.input}\n` : '';
			return `### Instruction:\n${f.instruction}\n${input}### Response:\n${f.response}`;
		}
		case 'qa':
			return `Q: ${f.question}\nA: ${f.answer}`;
		default:
			throw new TrainingDataError(`No training template for record kind "${String(content.kind)}".`, {
				hint: 'Records must be of kind text, instruction or qa.'
			});
	}
}

/** Returns a record's full training example: its template body followed by <|endoftext|>. */
export function templateText(content: RecordContent): string {
	return templateBody(content) + END_OF_TEXT;
}
