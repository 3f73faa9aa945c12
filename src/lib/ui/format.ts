// Small formatting helpers shared by pages.

/** Shortens an address or hash for display: 0x1234…abcd. */
export function short(hex: string, head = 6, tail = 4): string {
	return hex.length > head + tail + 1 ? `${hex.slice(0, head)}…${hex.slice(-tail)}` : hex;
}

/** Formats a count with thousands separators. */
export function count(n: number): string {
	return n.toLocaleString('en-US');
}

/** Formats a timestamp as a short local date. */
export function date(ms: number): string {
	return new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
