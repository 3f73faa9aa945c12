// A model's weights hash: sha256 over its parameters as little-endian float32, in the checkpoint's flat order. It
// names a model's influence index and is what ModelRegistry records, so anyone holding the weights (any export
// format, once loaded) can recompute it.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Returns 0x-prefixed sha256 of the parameters' float32 bytes. */
export function weightsHash(params: Float32Array): `0x${string}` {
	const bytes = new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
	return `0x${bytesToHex(sha256(bytes))}`;
}
