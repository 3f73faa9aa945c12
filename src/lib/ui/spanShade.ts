// How strongly a highlighted span is shaded, and how overlapping spans split a text into segments. Maximal spans may
// overlap, so the text is cut at every span boundary and each piece belongs to its rarest covering span.

/** Weakest and strongest shade, as the percentage of the accent colour mixed into the surface. */
export const SHADE_MIN_PERCENT = 14;
export const SHADE_MAX_PERCENT = 46;

/** A highlighted character range [charStart, charEnd) and its rarity (larger is rarer, e.g. -log probability). */
export type ShadedRange = { charStart: number; charEnd: number; rarity: number };

/** A piece [start, end) of the text and the index of its rarest covering span, or null where no span covers it. */
export type TextSegment = { start: number; end: number; span: number | null };

/**
 * The shade of a span of `rarity` among spans whose rarities run from `min` to `max`: linear from SHADE_MIN_PERCENT
 * (the commonest) to SHADE_MAX_PERCENT (the rarest), and the strongest when all spans are equally rare.
 */
export function spanShade(rarity: number, min: number, max: number): number {
	if (!(max > min)) return SHADE_MAX_PERCENT;
	const t = Math.min(1, Math.max(0, (rarity - min) / (max - min)));
	return Math.round(SHADE_MIN_PERCENT + t * (SHADE_MAX_PERCENT - SHADE_MIN_PERCENT));
}

/**
 * The text of `length` characters cut at every span boundary, each piece given to its rarest covering span (the first
 * such span on a tie), with neighbouring pieces of the same span joined. Ranges are clipped to the text.
 */
export function textSegments(length: number, spans: readonly ShadedRange[]): TextSegment[] {
	const clip = (i: number) => Math.min(length, Math.max(0, i));
	const cuts = [...new Set([0, length, ...spans.flatMap((s) => [clip(s.charStart), clip(s.charEnd)])])].sort((a, b) => a - b);
	const segments: TextSegment[] = [];
	for (let i = 0; i + 1 < cuts.length; i++) {
		const [start, end] = [cuts[i], cuts[i + 1]];
		let span: number | null = null;
		for (let j = 0; j < spans.length; j++) {
			const s = spans[j];
			if (s.charStart <= start && s.charEnd >= end && (span === null || s.rarity > spans[span].rarity)) span = j;
		}
		const last = segments[segments.length - 1];
		if (last && last.span === span) last.end = end;
		else segments.push({ start, end, span });
	}
	return segments;
}
