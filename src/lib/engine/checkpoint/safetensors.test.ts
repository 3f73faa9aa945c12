import { describe, expect, it } from 'vitest';
import { SafetensorsError } from './errors';
import { readSafetensors, writeSafetensors, type SafeTensor } from './safetensors';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const concat = (...parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
	return out;
};

// Worked out by hand: 250 header bytes (0xfa), then a = F32 [1, -2.5], b = I64 scalar -3, c = I32 [7], d = F16 [[1, -0.5]].
const HEADER =
	'{"__metadata__":{"format":"pt"},' +
	'"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
	'"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]},' +
	'"c":{"dtype":"I32","shape":[1],"data_offsets":[16,20]},' +
	'"d":{"dtype":"F16","shape":[1,2],"data_offsets":[20,24]}}';
const DATA = hex('0000803f' + '000020c0' + 'fdffffffffffffff' + '07000000' + '003c' + '00b8');
const HAND_MADE = concat(hex('fa00000000000000'), ascii(HEADER), DATA);
// The writer pads the header with spaces to 256 bytes (0x100).
const PADDED = concat(hex('0001000000000000'), ascii(HEADER), ascii('      '), DATA);

const TENSORS: [string, SafeTensor][] = [
	['a', { dtype: 'F32', shape: [2], data: Float32Array.of(1, -2.5) }],
	['b', { dtype: 'I64', shape: [], data: BigInt64Array.of(-3n) }],
	['c', { dtype: 'I32', shape: [1], data: Int32Array.of(7) }],
	['d', { dtype: 'F16', shape: [1, 2], data: Uint16Array.of(0x3c00, 0xb800) }]
];

/** Builds a file from a header (object or raw text) and data bytes, with the true header length unless given one. */
function file(header: object | string, data = new Uint8Array(0), headerLength?: number): Uint8Array {
	const json = ascii(typeof header === 'string' ? header : JSON.stringify(header));
	const length = new Uint8Array(8);
	new DataView(length.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
	return concat(length, json, data);
}
const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

function rejects(bytes: Uint8Array, details: RegExp): void {
	let error: unknown;
	try {
		readSafetensors(bytes);
	} catch (e) {
		error = e;
	}
	expect(error).toBeInstanceOf(SafetensorsError);
	expect((error as SafetensorsError).shortMessage).toBe('This safetensors file is malformed.');
	expect((error as SafetensorsError).details).toMatch(details);
}

describe('readSafetensors', () => {
	it('parses a hand-made file: header length, metadata, and each dtype\'s little-endian bytes', () => {
		expect(HEADER.length).toBe(0xfa);
		const { tensors, metadata } = readSafetensors(HAND_MADE);
		expect(metadata).toEqual({ format: 'pt' });
		expect([...tensors.keys()]).toEqual(['a', 'b', 'c', 'd']);
		expect(tensors.get('a')).toEqual({ dtype: 'F32', shape: [2], data: Float32Array.of(1, -2.5) });
		expect(tensors.get('b')).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(-3n) });
		expect(tensors.get('c')).toEqual({ dtype: 'I32', shape: [1], data: Int32Array.of(7) });
		expect(tensors.get('d')).toEqual({ dtype: 'F16', shape: [1, 2], data: Uint16Array.of(0x3c00, 0xb800) });
	});

	it('orders tensors by offset whatever the header order, and reads an empty tensor and a header without metadata', () => {
		const header = { z: f32(0, 4), empty: f32(4, 4, [0, 3]), y: f32(4, 8) };
		const { tensors, metadata } = readSafetensors(file(header, new Uint8Array(8)));
		expect([...tensors.keys()]).toEqual(['z', 'empty', 'y']);
		expect(tensors.get('empty')?.data).toEqual(new Float32Array(0));
		expect(metadata).toEqual({});
	});

	it('rejects each malformed file, naming the problem', () => {
		const data8 = new Uint8Array(8);
		rejects(hex('0400000000'), /5 bytes, fewer than the 8/);
		rejects(file({ a: f32(0, 8) }, data8, 1000), /header length is 1000 bytes, but \d+ bytes follow/);
		rejects(concat(hex('ffffffffffffffff'), data8), /header length is 18446744073709551615/);
		rejects(file(' {}'), /does not start with "\{"/);
		rejects(file(''), /does not start with "\{"/);
		rejects(file('{"a":'), /not UTF-8 JSON/);
		rejects(file('{"\xff":1}'), /not UTF-8 JSON/); // ascii() keeps \xff as the byte 0xff, invalid in UTF-8
		rejects(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data8), /key "a" twice/);
		rejects(file('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', data8.subarray(4)), /key "dtype" twice/);
		rejects(file({ a: { ...f32(0, 8), dtype: 'BF16' } }, data8), /unsupported dtype "BF16"/);
		rejects(file({ a: { ...f32(0, 8), shape: [-2] } }, data8), /dimensions are non-negative integers/);
		rejects(file({ a: { ...f32(0, 8), shape: [3] } }, data8), /needs 12 bytes, but its data_offsets span 8/);
		rejects(file({ a: { ...f32(0, 8), data_offsets: [8, 0] } }, data8), /expected \[begin, end\]/);
		rejects(file({ a: { ...f32(0, 8), extra: 1 } }, data8), /unknown field extra/);
		rejects(file({ a: f32(0, 16) }, data8), /ends at byte 16, past the 8 bytes/);
		rejects(file({ a: f32(0, 8), b: f32(4, 8) }, data8), /"b" starts at byte 4, overlapping/);
		rejects(file({ a: f32(4, 8) }, data8), /starts at byte 4, leaving a gap after byte 0/);
		rejects(file({ a: f32(0, 4) }, data8), /cover 4 bytes of data, but the file has 8/);
		rejects(file({ __metadata__: { step: 3 } }), /metadata "step" is not a string/);
		rejects(file('[1]'), /does not start with "\{"/);
		rejects(file({ a: 1 }), /tensor "a" is not an object/);
	});
});

describe('writeSafetensors', () => {
	it('writes exactly the hand-made bytes, with the header padded to a multiple of 8', () => {
		expect(writeSafetensors(TENSORS, { format: 'pt' })).toEqual(PADDED);
		expect(readSafetensors(PADDED)).toEqual(readSafetensors(HAND_MADE));
	});

	it('round-trips tensors from offset views, scalars and empty tensors', () => {
		const backing = Float32Array.of(9, 1.5, -0, Infinity);
		const tensors: [string, SafeTensor][] = [
			['view', { dtype: 'F32', shape: [3], data: backing.subarray(1) }],
			['scalar', { dtype: 'I32', shape: [], data: Int32Array.of(-1) }],
			['empty', { dtype: 'F16', shape: [2, 0], data: new Uint16Array(0) }],
			['big', { dtype: 'I64', shape: [2], data: BigInt64Array.of(2n ** 62n, -(2n ** 63n)) }]
		];
		const bytes = writeSafetensors(tensors, { note: 'ünïcode' });
		expect(new DataView(bytes.buffer).getBigUint64(0, true) % 8n).toBe(0n);
		const { tensors: read, metadata } = readSafetensors(bytes);
		expect([...read]).toEqual(tensors);
		expect(Object.is((read.get('view')?.data as Float32Array)[1], -0)).toBe(true);
		expect(metadata).toEqual({ note: 'ünïcode' });
	});

	it('rejects tensors it cannot describe', () => {
		const write = (name: string, tensor: SafeTensor) => () => writeSafetensors([[name, tensor]]);
		expect(write('a', { dtype: 'F32', shape: [3], data: new Float32Array(2) })).toThrow(/shape \[3\] \(3 elements\) but 2 values/);
		expect(write('a', { dtype: 'F32', shape: [1], data: new Int32Array(1) } as unknown as SafeTensor)).toThrow(/F32 but holds a Int32Array/);
		expect(write('__metadata__', TENSORS[0][1])).toThrow(SafetensorsError);
		expect(() => writeSafetensors([TENSORS[0], TENSORS[0]])).toThrow(/two tensors are named "a"/);
	});
});
