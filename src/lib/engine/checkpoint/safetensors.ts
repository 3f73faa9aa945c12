// The safetensors format, written and read per its spec: an 8-byte little-endian header length N, N bytes of UTF-8
// JSON ({name: {dtype, shape, data_offsets}} plus an optional "__metadata__" of strings; we pad it with spaces to a
// multiple of 8), then the tensors' little-endian bytes back to back. Reading checks everything the reference reader
// does (and duplicate JSON keys, which JSON.parse would silently drop) and names the first problem it finds.
import { SafetensorsError } from './errors';

/** The element types this module reads and writes; F16 holds raw half bits (see float16.ts). */
export type SafetensorsDtype = 'F16' | 'F32' | 'I32' | 'I64';

type DataOf = { F16: Uint16Array; F32: Float32Array; I32: Int32Array; I64: BigInt64Array };

/** One tensor: its dtype, its shape (row-major, [] for a scalar) and its elements. */
export type SafeTensor = { [D in SafetensorsDtype]: { dtype: D; shape: number[]; data: DataOf[D] } }[SafetensorsDtype];

/** A parsed file: tensors in the order of their bytes, and the metadata (empty when the file has none). */
export type Safetensors = { tensors: Map<string, SafeTensor>; metadata: Record<string, string> };

const ITEM_BYTES: Record<SafetensorsDtype, number> = { F16: 2, F32: 4, I32: 4, I64: 8 };
const ARRAY_OF: { [D in SafetensorsDtype]: new (buffer: ArrayBuffer) => DataOf[D] } = {
	F16: Uint16Array,
	F32: Float32Array,
	I32: Int32Array,
	I64: BigInt64Array
};
/** The reference implementation's limit on the header, so a corrupt length cannot make us allocate gigabytes. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

// Typed arrays use the host's byte order; safetensors is little-endian, as is every platform browsers and Node run on.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
	throw new SafetensorsError('This platform is big-endian; safetensors files cannot be read or written here.');
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Serialises tensors (laid out in iteration order) and string metadata to safetensors bytes. */
export function writeSafetensors(
	tensors: Iterable<[string, SafeTensor]>,
	metadata: Readonly<Record<string, string>> = {}
): Uint8Array {
	const header: Record<string, unknown> = Object.create(null);
	if (Object.keys(metadata).length > 0) {
		for (const [key, value] of Object.entries(metadata)) {
			if (typeof value !== 'string') throw unwritable(`metadata "${key}" must be a string, not ${typeof value}`);
		}
		header[METADATA_KEY] = { ...metadata };
	}
	const entries = [...tensors];
	let offset = 0;
	for (const [name, tensor] of entries) {
		if (name === METADATA_KEY || name === '') throw unwritable(`"${name}" cannot name a tensor`);
		if (Object.hasOwn(header, name)) throw unwritable(`two tensors are named "${name}"`);
		if (!Object.hasOwn(ITEM_BYTES, tensor.dtype) || !(tensor.data instanceof ARRAY_OF[tensor.dtype])) {
			throw unwritable(`tensor "${name}" is ${tensor.dtype} but holds a ${tensor.data.constructor.name}`);
		}
		const count = elementCount(tensor.shape, name, unwritable);
		if (count !== tensor.data.length) {
			throw unwritable(`tensor "${name}" has shape [${tensor.shape}] (${count} elements) but ${tensor.data.length} values`);
		}
		const size = tensor.data.byteLength;
		header[name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + size] };
		offset += size;
	}
	const json = encoder.encode(JSON.stringify(header));
	const headerBytes = Math.ceil(json.length / 8) * 8;
	const out = new Uint8Array(8 + headerBytes + offset);
	new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes), true);
	out.set(json, 8);
	out.fill(0x20, 8 + json.length, 8 + headerBytes);
	let at = 8 + headerBytes;
	for (const [, { data }] of entries) {
		out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
		at += data.byteLength;
	}
	return out;
}

/** Parses safetensors bytes, copying each tensor out; throws a SafetensorsError that names the first problem. */
export function readSafetensors(bytes: Uint8Array): Safetensors {
	if (bytes.length < 8) throw invalid(`the file has ${bytes.length} bytes, fewer than the 8 of the header length`);
	const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
	if (declared > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
		throw invalid(`the header length is ${declared} bytes, but ${bytes.length - 8} bytes follow the length (at most ${MAX_HEADER_BYTES})`);
	}
	const headerBytes = Number(declared);
	const headerStart = bytes.subarray(8, 8 + headerBytes);
	if (headerStart[0] !== 0x7b) throw invalid('the header does not start with "{"');
	let text: string;
	let header: unknown;
	try {
		text = decoder.decode(headerStart);
		header = JSON.parse(text);
	} catch (e) {
		throw invalid(`the header is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`, e);
	}
	if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid('the header is not a JSON object');
	const duplicate = firstDuplicateKey(text);
	if (duplicate !== undefined) throw invalid(`the header has the key "${duplicate}" twice`);

	const metadata: Record<string, string> = {};
	const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
	for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
		if (name === METADATA_KEY) {
			if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('"__metadata__" is not an object');
			for (const [key, v] of Object.entries(value)) {
				if (typeof v !== 'string') throw invalid(`metadata "${key}" is not a string`);
				metadata[key] = v;
			}
			continue;
		}
		entries.push({ name, ...tensorInfo(name, value) });
	}

	const buffer = bytes.subarray(8 + headerBytes);
	entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
	let expected = 0;
	for (const { name, begin, end } of entries) {
		if (end > buffer.length) {
			throw invalid(`tensor "${name}" ends at byte ${end}, past the ${buffer.length} bytes of data`);
		}
		if (begin < expected) throw invalid(`tensor "${name}" starts at byte ${begin}, overlapping the tensor before it (which ends at ${expected})`);
		if (begin > expected) throw invalid(`tensor "${name}" starts at byte ${begin}, leaving a gap after byte ${expected}`);
		expected = end;
	}
	if (expected !== buffer.length) {
		throw invalid(`the tensors cover ${expected} bytes of data, but the file has ${buffer.length}`);
	}

	const tensors = new Map<string, SafeTensor>();
	for (const { name, dtype, shape, begin, end } of entries) {
		const copy = buffer.slice(begin, end).buffer;
		tensors.set(name, { dtype, shape, data: new ARRAY_OF[dtype](copy) } as SafeTensor);
	}
	return { tensors, metadata };
}

// Checks one header entry: a known dtype, a shape of non-negative integers, and offsets that span exactly its bytes.
function tensorInfo(name: string, value: unknown): { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number } {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`tensor "${name}" is not an object`);
	const { dtype, shape, data_offsets: offsets, ...rest } = value as Record<string, unknown>;
	const extra = Object.keys(rest);
	if (extra.length > 0) throw invalid(`tensor "${name}" has unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
	if (typeof dtype !== 'string' || !Object.hasOwn(ITEM_BYTES, dtype)) {
		throw invalid(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(ITEM_BYTES).join(', ')}`);
	}
	if (!Array.isArray(shape)) throw invalid(`tensor "${name}" has no shape array`);
	const count = elementCount(shape, name, invalid);
	const isOffset = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
	if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isOffset) || offsets[0] > offsets[1]) {
		throw invalid(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 <= begin <= end`);
	}
	const [begin, end] = offsets as [number, number];
	const size = count * ITEM_BYTES[dtype as SafetensorsDtype];
	if (end - begin !== size) {
		throw invalid(`tensor "${name}" (${dtype} [${shape}]) needs ${size} bytes, but its data_offsets span ${end - begin}`);
	}
	return { dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

function elementCount(shape: readonly unknown[], name: string, fail: (details: string) => SafetensorsError): number {
	let count = 1;
	for (const dim of shape) {
		if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
			throw fail(`tensor "${name}" has shape ${JSON.stringify(shape)}; dimensions are non-negative integers`);
		}
		count *= dim;
	}
	if (!Number.isSafeInteger(count)) throw fail(`tensor "${name}" has shape [${shape}], too many elements`);
	return count;
}

// Walks JSON text already validated by JSON.parse and returns the first key repeated within one object, if any.
function firstDuplicateKey(text: string): string | undefined {
	const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		const top = stack[stack.length - 1];
		if (c === '{') stack.push({ keys: new Set(), expectKey: true });
		else if (c === '[') stack.push({ keys: null, expectKey: false });
		else if (c === '}' || c === ']') stack.pop();
		else if (c === ',' && top.keys) top.expectKey = true;
		else if (c === ':') top.expectKey = false;
		else if (c === '"') {
			let j = i + 1;
			while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
			if (top.keys && top.expectKey) {
				const key = JSON.parse(text.slice(i, j + 1)) as string;
				if (top.keys.has(key)) return key;
				top.keys.add(key);
			}
			i = j;
		}
	}
	return undefined;
}

function invalid(details: string, cause?: unknown): SafetensorsError {
	return new SafetensorsError('This safetensors file is malformed.', { details, cause });
}

function unwritable(details: string): SafetensorsError {
	return new SafetensorsError('These tensors cannot be written as safetensors.', { details });
}
