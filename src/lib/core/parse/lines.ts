// Splits a byte stream into numbered lines at the byte level (LF, with a trailing CR dropped), before any decoding,
// so each line can be decoded with a fatal TextDecoder and invalid UTF-8 is reported per line instead of failing the
// whole file. Lines inside a chunk are zero-copy subarrays; only a line spanning chunks is copied.

const LF = 0x0a;
const CR = 0x0d;

export type Line = { line: number; bytes: Uint8Array };

function concat(parts: Uint8Array[], total: number): Uint8Array {
	if (parts.length === 1) return parts[0];
	const out = new Uint8Array(total);
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

function stripCr(bytes: Uint8Array): Uint8Array {
	return bytes.length && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
}

const isBom = (b: Uint8Array) => b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

/** Yields the stream's lines (1-based numbers, without the LF/CRLF), dropping a leading UTF-8 BOM. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<Line> {
	for await (const batch of lineBatches(stream)) yield* batch;
}

/** Like `lines`, but yields all the lines completed by one chunk together: one await per chunk, not per line. */
export async function* lineBatches(stream: ReadableStream<Uint8Array>): AsyncGenerator<Line[]> {
	const reader = stream.getReader();
	let pending: Uint8Array[] = []; // pieces of a line that started in an earlier chunk
	let pendingLength = 0;
	let line = 0;
	let head: Uint8Array | null = new Uint8Array(0); // the first bytes, held until we know whether they are a BOM
	let done = false;

	// Splits one chunk into complete lines, keeping the unterminated tail in `pending`.
	const split = (chunk: Uint8Array): Uint8Array[] => {
		const out: Uint8Array[] = [];
		let start = 0;
		for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
			let bytes = chunk.subarray(start, lf);
			if (pendingLength) {
				bytes = concat([...pending, bytes], pendingLength + bytes.length);
				pending = [];
				pendingLength = 0;
			}
			out.push(stripCr(bytes));
			start = lf + 1;
		}
		if (start < chunk.length) {
			// Copy: the producer may reuse the chunk's buffer once we ask for the next one.
			pending.push(chunk.slice(start));
			pendingLength += chunk.length - start;
		}
		return out;
	};

	try {
		for (;;) {
			const result = await reader.read();
			done = result.done;
			let chunk: Uint8Array;
			if (head) {
				// The BOM itself may be split across the first chunks: wait for 3 bytes (or the end) to decide.
				const joined: Uint8Array = done ? head : concat([head, result.value!], head.length + result.value!.length);
				if (!done && joined.length < 3) {
					head = joined.slice();
					continue;
				}
				head = null;
				chunk = isBom(joined) ? joined.subarray(3) : joined;
			} else if (done) break;
			else chunk = result.value!;
			const batch = split(chunk).map((bytes) => ({ line: ++line, bytes }));
			if (batch.length) yield batch;
			if (done) break;
		}
		if (pendingLength) yield [{ line: ++line, bytes: stripCr(concat(pending, pendingLength)) }];
	} finally {
		// Stopped early (the consumer broke out): cancel so the source stops reading.
		if (!done) await reader.cancel().catch(() => {});
		reader.releaseLock();
	}
}

/** A decoded line; `valid` is false when its bytes are not UTF-8 (then `text` has U+FFFD replacements). */
export type TextLine = { line: number; text: string; valid: boolean };

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

function decode({ line, bytes }: Line): TextLine {
	try {
		return { line, text: strictDecoder.decode(bytes), valid: true };
	} catch {
		return { line, text: lenientDecoder.decode(bytes), valid: false };
	}
}

/** Decodes the stream line by line, marking (not throwing on) lines that are not valid UTF-8. */
export async function* decodedLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<TextLine> {
	for await (const batch of lineBatches(stream)) yield* batch.map(decode);
}

/** Like `decodedLines`, one batch per chunk (what the parsers use: an await per line costs more than parsing it). */
export async function* decodedBatches(stream: ReadableStream<Uint8Array>): AsyncGenerator<TextLine[]> {
	for await (const batch of lineBatches(stream)) yield batch.map(decode);
}

/** Wraps byte chunks in a ReadableStream (for tests, and for parsing in-memory text with the same code path). */
export function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
	let i = 0;
	return new ReadableStream<Uint8Array>({
		pull(controller) {
			if (i < chunks.length) controller.enqueue(chunks[i++]);
			else controller.close();
		}
	});
}
