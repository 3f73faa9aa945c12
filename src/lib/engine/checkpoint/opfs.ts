// Training runs' files in the origin private file system: one directory per run id under TRAINING_RUN_DIRECTORY,
// with files at most one subdirectory deep (a checkpoint's). Each file goes through createWritable, which replaces it
// only on close, so a killed worker leaves whole files; train/runStore.ts writes a small manifest last.
import { storageCall } from '$lib/core/errors';
import { CheckpointError } from './errors';

/** The OPFS directory the app keeps its training runs in. */
export const TRAINING_RUN_DIRECTORY = 'training-runs';

/** Where training runs keep their files: OPFS in the app (opfsRunStorage), memory in Node tests. */
export type RunStorage = {
	/** The run ids present. */
	listRuns(): Promise<string[]>;
	/** The names at the top of a run's directory (files and subdirectories); empty when there is no such run. */
	list(runId: string): Promise<string[]>;
	/** A file's bytes, `name` or `subdirectory/name`; null when it is absent. */
	read(runId: string, path: string): Promise<Uint8Array | null>;
	/** Writes a file, creating the run's directory and the subdirectory as needed. */
	write(runId: string, path: string, bytes: Uint8Array): Promise<void>;
	/** Deletes one entry of a run (a file or a subdirectory), or the whole run when name is omitted; absent is fine. */
	remove(runId: string, name?: string): Promise<void>;
};

const NAME = /^[A-Za-z0-9._-]+$/;

/** Opens the run storage over an OPFS directory (created on first write); throws CheckpointError without OPFS. */
export function opfsRunStorage(directory: string = TRAINING_RUN_DIRECTORY): RunStorage {
	let root: Promise<FileSystemDirectoryHandle> | null = null;
	const opened = () =>
		(root ??= (async () => {
			if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
				throw new CheckpointError('This browser has no origin private file system.', { hint: 'Use a current Chromium, Firefox or Safari.' });
			}
			return (await navigator.storage.getDirectory()).getDirectoryHandle(directory, { create: true });
		})());
	const runDirectory = async (runId: string, create: boolean) => subdirectory(await opened(), checkName(runId), create);

	return {
		listRuns: () =>
			guarded(async () => {
				const ids: string[] = [];
				for await (const [name, handle] of (await opened()).entries()) if (handle.kind === 'directory') ids.push(name);
				return ids.sort();
			}),
		list: (runId) =>
			guarded(async () => {
				const dir = await runDirectory(runId, false);
				const names: string[] = [];
				if (dir) for await (const name of dir.keys()) names.push(name);
				return names.sort();
			}),
		read: (runId, path) =>
			guarded(async () => {
				const [sub, name] = splitPath(path);
				const run = await runDirectory(runId, false);
				const dir = run && (sub ? await subdirectory(run, sub, false) : run);
				if (!dir) return null;
				try {
					return new Uint8Array(await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer());
				} catch (e) {
					if (errorName(e) === 'NotFoundError') return null;
					throw e;
				}
			}),
		write: (runId, path, bytes) =>
			guarded(async () => {
				const [sub, name] = splitPath(path);
				const run = (await runDirectory(runId, true))!;
				const dir = sub ? (await subdirectory(run, sub, true))! : run;
				const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
				try {
					await writable.write(bytes as Uint8Array<ArrayBuffer>);
					await writable.close();
				} catch (e) {
					await writable.abort().catch(() => undefined);
					throw e;
				}
			}),
		remove: (runId, name) =>
			guarded(async () => {
				try {
					if (name === undefined) await (await opened()).removeEntry(checkName(runId), { recursive: true });
					else await (await runDirectory(runId, false))?.removeEntry(checkName(name), { recursive: true });
				} catch (e) {
					if (errorName(e) !== 'NotFoundError') throw e;
				}
			})
	};
}

async function subdirectory(parent: FileSystemDirectoryHandle, name: string, create: boolean): Promise<FileSystemDirectoryHandle | null> {
	try {
		return await parent.getDirectoryHandle(name, { create });
	} catch (e) {
		if (errorName(e) === 'NotFoundError') return null;
		throw e;
	}
}

function splitPath(path: string): [string | null, string] {
	const parts = path.split('/');
	if (parts.length > 2) throw new CheckpointError('A training run file path is at most one directory deep.', { details: path });
	return parts.length === 2 ? [checkName(parts[0]), checkName(parts[1])] : [null, checkName(parts[0])];
}

function checkName(name: string): string {
	if (!NAME.test(name) || name === '.' || name === '..') {
		throw new CheckpointError('Not a valid training run file name.', { details: JSON.stringify(name) });
	}
	return name;
}

function errorName(e: unknown): string {
	return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
}

// Storage failures become typed errors here: a full disk is StorageQuotaError, anything else a CheckpointError.
function guarded<T>(call: () => Promise<T>): Promise<T> {
	return storageCall(call, (details, cause) => new CheckpointError('The training run could not be read or written in browser storage.', { details, cause }));
}
