// A model as one file people can download, share and bring back: a zip (stored, not deflated: safetensors barely
// compress) of weights.safetensors, config.json and tokenizer.json, the Hugging Face layout, so the files inside open
// with any safetensors reader. Exporting drops the optimizer state and the training block of config.json (a shared model
// is for running; its run stays resumable here). Importing takes the zip or the loose files, and checks the model fully.
import { unzipSync, zipSync } from 'fflate';
import { CHECKPOINT_FILES, exportCheckpoint, importCheckpoint, type ImportedCheckpoint } from './checkpoint';
import { CheckpointError } from './errors';

/** The files a model archive holds. */
export const MODEL_FILES = [CHECKPOINT_FILES.weights, CHECKPOINT_FILES.config, CHECKPOINT_FILES.tokenizer] as const;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Packs a checkpoint's files (exportCheckpoint's names) as a model archive, without the training state. */
export function modelArchive(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
	const { config, params, tokenizer } = importCheckpoint(files);
	const model = exportCheckpoint({ config, params, tokenizer });
	return zipSync(Object.fromEntries(MODEL_FILES.map((name) => [name, [model.get(name)!, { level: 0 }]])), { mtime: new Date(Date.UTC(2026, 0, 1)) });
}

/** Packs any files as one zip (stored, fixed times, so the same files give the same bytes), e.g. a LoRA adapter's. */
export function filesArchive(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
	return zipSync(Object.fromEntries([...files].map(([name, bytes]) => [name, [bytes, { level: 0 }]])), { mtime: new Date(Date.UTC(2026, 0, 1)) });
}

/** Reads a model from chosen files: one zip archive, or the loose weights.safetensors, config.json and tokenizer.json. */
export function readModelFiles(chosen: readonly { name: string; bytes: Uint8Array }[]): ImportedCheckpoint {
	const files = new Map<string, Uint8Array>();
	for (const { name, bytes } of chosen) {
		if (ZIP_MAGIC.every((b, i) => bytes[i] === b)) {
			let entries: Record<string, Uint8Array>;
			try {
				entries = unzipSync(bytes);
			} catch (e) {
				throw new CheckpointError(`${name} is not a readable zip archive.`, { details: e instanceof Error ? e.message : String(e), cause: e });
			}
			for (const [path, data] of Object.entries(entries)) files.set(path.split('/').pop()!, data);
		} else {
			files.set(name, bytes);
		}
	}
	const missing = MODEL_FILES.filter((name) => !files.has(name));
	if (missing.length > 0) {
		throw new CheckpointError(`The model is missing ${missing.join(', ')}.`, {
			hint: `Choose a model archive (.zip) or the three files ${MODEL_FILES.join(', ')}.`,
			details: files.size ? `Got ${[...files.keys()].join(', ')}.` : 'No files were chosen.'
		});
	}
	return importCheckpoint(files);
}
